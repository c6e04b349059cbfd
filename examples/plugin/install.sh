#!/usr/bin/env bash
# install.sh - installs jovl as a Docker managed plugin on one Docker host and enables it.
#
#   examples/plugin/install.sh [-H DOCKER_HOST] [--dir PLUGIN_DIR] [--name NAME] [--timeout SECS]
#                              [--replace] [SETTING=VALUE ...]
#
#   -H DOCKER_HOST   the Docker daemon (unix:///..., tcp://..., ssh://...); default: $DOCKER_HOST
#   --dir DIR        the plugin directory from build.sh (default: examples/plugin/target/jovl)
#   --name NAME      plugin name (default jovl; Docker makes it NAME:latest)
#   --timeout SECS   `docker plugin enable --timeout` (the plugin's HTTP timeout; default 30)
#   --replace        if the plugin exists: disable and remove it first (refused while networks use it)
#   --disabled       create and set only; enable later with `docker plugin enable NAME:latest`
#   SETTING=VALUE    `docker plugin set` arguments, e.g. JOVL_STORE=etcd://10.0.0.5:2379
#                    JOVL_ADVERTISE=eth0 JOVL_MTU=1400 JOVL_SCOPE=local state.source=/srv/jovl
#                    docker-socket.source=/run/docker.sock args="--lease-ttl 20"
#                    certs.source=/etc/jovl JOVL_STORE_CACERT=/etc/jovl/ca.pem (see README.md)
#
# Does `docker plugin create NAME DIR`, `docker plugin set NAME:latest SETTINGS`, then times
# `docker plugin enable NAME:latest`. The bind-mount sources must exist on the Docker host:
# /var/lib/jovl (state.source), /var/run/docker.sock (docker-socket.source) and /etc/jovl
# (certs.source: the store's certificates and secrets); Docker refuses to enable the plugin
# otherwise. Given state.source but no certs.source, certs.source is the state directory too.
# On any failure the half-installed plugin is removed again.
# Use the plugin as: docker network create -d jovl:latest --ipam-driver jovl:latest ... (with the tag).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$here/target/jovl; name=jovl; timeout=30; replace=no; enable=yes; settings=()
docker_cli=${DOCKER:-docker}
while [ $# -gt 0 ]; do
  case "$1" in
    -H) export DOCKER_HOST=${2:?-H needs a value}; shift 2 ;;
    --dir) dir=${2:?--dir needs a value}; shift 2 ;;
    --name) name=${2:?--name needs a value}; shift 2 ;;
    --timeout) timeout=${2:?--timeout needs a value}; shift 2 ;;
    --replace) replace=yes; shift ;;
    --disabled) enable=no; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *=*) settings+=("$1"); shift ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
ref=$name:latest
if [ ${#settings[@]} -gt 0 ] && ! printf '%s\n' "${settings[@]}" | grep -q '^certs\.source='; then
  state_source=$(printf '%s\n' "${settings[@]}" | sed -n 's/^state\.source=//p' | tail -1)
  [ -n "$state_source" ] && settings+=("certs.source=$state_source")
fi
[ -s "$dir/config.json" ] && [ -d "$dir/rootfs" ] ||
  { echo "install.sh: no plugin in $dir (run examples/plugin/build.sh)" >&2; exit 2; }
case "$timeout" in ''|*[!0-9]*) echo "install.sh: --timeout must be a number of seconds" >&2; exit 2 ;; esac
d() { "$docker_cli" "$@"; }
where=${DOCKER_HOST:-the local Docker}

if d plugin inspect "$ref" >/dev/null 2>&1; then
  if [ $replace = no ]; then
    echo "install.sh: $ref is already installed on $where (use --replace to reinstall)" >&2; exit 1
  fi
  echo "install.sh: removing the installed $ref from $where"
  if [ "$(d plugin inspect -f '{{.Enabled}}' "$ref")" = true ]; then d plugin disable "$ref" >/dev/null; fi
  d plugin rm "$ref" >/dev/null
fi

echo "install.sh: docker plugin create $name $dir   ($where)"
d plugin create "$name" "$dir" >/dev/null
created=yes
cleanup() {
  [ "${created:-}" = yes ] || return 0
  echo "install.sh: failed; removing $ref again" >&2
  d plugin disable -f "$ref" >/dev/null 2>&1 || true
  d plugin rm -f "$ref" >/dev/null 2>&1 || true
}
trap cleanup EXIT
if [ ${#settings[@]} -gt 0 ]; then
  echo "install.sh: docker plugin set $ref ${settings[*]}"
  d plugin set "$ref" "${settings[@]}"
fi
if [ $enable = no ]; then created=no; echo "install.sh: $ref installed on $where, disabled"; exit 0; fi
echo "install.sh: docker plugin enable --timeout $timeout $ref"
t0=$(date +%s.%N)
d plugin enable --timeout "$timeout" "$ref" >/dev/null
t1=$(date +%s.%N)
created=no
# Docker answers once its dial of the socket worked: it dials 0.5 s after the start, then every 3 s
awk -v a="$t0" -v b="$t1" -v r="$ref" -v w="$where" 'BEGIN { printf "install.sh: %s enabled on %s in %.2f s\n", r, w, b - a }'
