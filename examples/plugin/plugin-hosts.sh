#!/usr/bin/env bash
# plugin-hosts.sh - the managed plugin on the simulated hosts of examples/lib/jex.sh.
# Sourced by demo-plugin.sh (before jex.sh); run directly it is a small command line for the tests:
#
#   plugin-hosts.sh up N | down      jex_up N cluster / jex_down, on this set of hosts
#   plugin-hosts.sh docker HOST ARGS the docker client of a host;  plugin-hosts.sh sock HOST: its socket
#   plugin-hosts.sh in HOST CMD...   a command inside a host's namespaces
#   plugin-hosts.sh install HOST     install.sh + timed enable (appends to $JEX_STATE/plugin-start-times)
#   plugin-hosts.sh remove HOST      disable (-f) and remove jovl:latest (nothing left if it was not there)
#   plugin-hosts.sh kill9 HOST       kill -9 the plugin's JVM, wait until Docker has restarted it
#   plugin-hosts.sh size HOST        the installed plugin's size on the host's disk
#
# By default these hosts are set apart from examples/demo.sh's and the e2e tests' (JEX_STATE=/tmp/jexp,
# underlay netns jexp-ul, cgroups /jexp-jex-hN), so both can run at the same time.

plugin_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export JEX_STATE=${JEX_STATE:-/tmp/jexp} JEX_UL=${JEX_UL:-jexp-ul} JEX_CGROUP_PREFIX=${JEX_CGROUP_PREFIX-jexp-}

# where the plugin serves its metrics: the plugin shares the host's network namespace
PLUGIN_METRICS=127.0.0.1:9431

plugin_id() { jex_docker "$1" plugin inspect -f '{{.Id}}' jovl:latest 2>/dev/null; }
# Docker 20.10 keeps managed plugins' sockets under /run/docker/plugins/<id>/ whatever its --exec-root
# (short paths: a unix socket path must stay under 108 bytes); on a simulated host that is its own /run
plugin_socket() { echo "/run/docker/plugins/$2/jovl.sock"; }

# plugin_install_timed HOST: creates and configures the plugin (install.sh --disabled), then enables it
# while a watcher notes when its socket appears and when it first answers NetworkDriver.GetCapabilities.
# Appends "HOST enable->socket S s, enable->first answer S s, enable returned after S s" to
# $JEX_STATE/plugin-start-times.
plugin_install_timed() {
  local h=$1 dir="$JEX_STATE/$1" id sock watch t0 t1 times
  mkdir -p "$dir/jovl-state"
  bash "$plugin_here/install.sh" -H "unix://$(jex_sock "$h")" --dir "$JEX_PLUGIN_DIR" --replace --disabled \
    JOVL_STORE="$(jex_kv_url)" JOVL_ADVERTISE=eth0 state.source="$dir/jovl-state" \
    docker-socket.source="$(jex_sock "$h")" JOVL_METRICS_LISTEN="$PLUGIN_METRICS" || return 1
  id=$(plugin_id "$h") || return 1
  sock=$(plugin_socket "$h" "$id")
  watch=$dir/plugin-watch
  rm -f "$watch"
  # the watcher, inside the host (the socket is in its private /run): the first moment the socket
  # file exists, then the first 200 from the plugin
  jex_in "$h" bash -c '
    sock=$1; end=$((SECONDS + 30))
    until [ -S "$sock" ]; do [ $SECONDS -lt $end ] || exit 1; sleep 0.005; done
    s=$EPOCHREALTIME
    until curl -sf --max-time 2 --unix-socket "$sock" -X POST http://plugin.moby.localhost/NetworkDriver.GetCapabilities >/dev/null 2>&1; do
      [ $SECONDS -lt $end ] || exit 1; sleep 0.005
    done
    echo "$s $EPOCHREALTIME"' watcher "$sock" > "$watch" &
  local watcher=$!
  t0=$EPOCHREALTIME
  if ! jex_docker "$h" plugin enable jovl:latest >/dev/null; then
    kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null
    jex_die "docker plugin enable failed on $h (see $dir/dockerd.log)"; return 1
  fi
  t1=$EPOCHREALTIME
  wait "$watcher"
  [ -s "$watch" ] || { jex_die "$h: the plugin's socket $sock never answered"; return 1; }
  read -r ts ta < "$watch"
  times=$(awk -v h="$h" -v a="$t0" -v s="$ts" -v f="$ta" -v e="$t1" 'BEGIN {
    printf "%s: enable -> socket %.2f s, -> first answer %.2f s; docker plugin enable returned after %.2f s", h, s - a, f - a, e - a }')
  echo "$times" | tee -a "$JEX_STATE/plugin-start-times"
}

# plugin_pid HOST: the plugin's JVM (the process in the host's network namespace that runs the
# rootfs's java; host network puts it there)
plugin_pid() {
  local p
  for p in $(jex_pids_in_netns "$(jex_host_pid "$1")"); do
    if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q '^/opt/java/bin/java .*-jar /jovl/jovl.jar daemon'; then
      echo "$p"; return 0
    fi
  done
  return 1
}

# plugin_kill9 HOST: SIGKILL to the plugin's JVM; waits until it is gone and Docker's restart of it
# answers on the socket again (bounded: 30 s). Prints the old and the new pid.
plugin_kill9() {
  local h=$1 old new id sock end=$((SECONDS + 30))
  old=$(plugin_pid "$h") || { jex_die "$h: no plugin process"; return 1; }
  id=$(plugin_id "$h"); sock=$(plugin_socket "$h" "$id")
  local t0=$EPOCHREALTIME
  kill -KILL "$old"
  while kill -0 "$old" 2>/dev/null; do sleep 0.05; done
  until new=$(plugin_pid "$h") && [ "$new" != "$old" ] &&
        jex_in "$h" curl -sf --max-time 2 --unix-socket "$sock" -X POST http://plugin.moby.localhost/NetworkDriver.GetCapabilities >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || { jex_die "$h: Docker did not restart the plugin within 30 s"; return 1; }
    sleep 0.1
  done
  awk -v h="$h" -v o="$old" -v n="$new" -v a="$t0" -v b="$EPOCHREALTIME" \
    'BEGIN { printf "%s: plugin pid %s killed (-9); Docker restarted it as pid %s, answering %.2f s after the kill\n", h, o, n, b - a }'
}

plugin_remove() {
  local h=$1
  jex_docker "$h" plugin inspect jovl:latest >/dev/null 2>&1 || return 0
  jex_docker "$h" plugin disable -f jovl:latest >/dev/null 2>&1
  jex_docker "$h" plugin rm -f jovl:latest >/dev/null
}

plugin_installed_size() {
  local h=$1 id; id=$(plugin_id "$h") || { echo "not installed"; return 1; }
  # rootfs as Docker unpacked it (its mounts are only inside the host's mount namespace)
  echo "$(du -sh "$JEX_STATE/$h/data/plugins/$id/rootfs" | cut -f1) in $JEX_STATE/$h/data/plugins/$id"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  # the environment belongs to whoever drives this command line (the test JVM), not to this shell
  export JEX_OWNER_PID=${JEX_OWNER_PID:-$PPID}
  # shellcheck source=../lib/jex.sh
  . "$plugin_here/../lib/jex.sh"
  cmd=${1:-}; shift || true
  case "$cmd" in
    up)      jex_up "${1:-2}" cluster ;;
    down)    jex_down ;;
    docker)  jex_docker "$@" ;;
    sock)    jex_sock "$1" ;;
    in)      jex_in "$@" ;;
    install) plugin_install_timed "$@" ;;
    remove)  plugin_remove "$@" ;;
    kill9)   plugin_kill9 "$@" ;;
    size)    plugin_installed_size "$@" ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
  esac
fi
