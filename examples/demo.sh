#!/usr/bin/env bash
# demo.sh - jovl on three simulated Docker hosts, end to end, on one machine (run as root).
#
#   examples/demo.sh [--mode cluster|standalone] [--driver jovl|overlay|plugin] [--keep]
#
#   --mode cluster    (default) dockerd with etcd as cluster store; the network is created once
#   --mode standalone dockerd without cluster store (dockerd --dns <its eth0 address>), jovl with
#                     --scope local; the same network create on EVERY host (same --subnet), names
#                     across hosts through jovl's DNS; also shows a stopped container's name leaving
#   --driver jovl     (default) jovl as a socket plugin: the jar runs on every host
#   --driver plugin   jovl as a Docker managed plugin (examples/plugin/build.sh), -d jovl:latest
#   --driver overlay  Docker's own overlay driver (the baseline), same hosts, same checks
#   --keep            leave the hosts up at the end (tear down later with examples/lib/jexctl down)
#
# It installs what is missing (scripts/install-deps), builds jovl if needed, brings up etcd and
# 3 hosts (etcd is both Docker's cluster store and jovl's store), starts jovl on every host, creates
# the network myStack1 once on host 1, starts `web` (busybox httpd) on host 1, `shell1` on host 2
# and `shell3` on host 3, and runs verify.sh: ping and HTTP by name and by IP between every pair.
# Exit code 0 only if every check passed. Everything is torn down at the end, also on Ctrl-C.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
driver=jovl; keep=no; mode=cluster
subnet=10.77.0.0/24      # standalone: every host must create the network with the same --subnet
while [ $# -gt 0 ]; do
  case "$1" in
    --driver) driver=${2:-}; shift 2 || { echo "demo.sh: --driver needs a value" >&2; exit 2; } ;;
    --mode) mode=${2:-}; shift 2 || { echo "demo.sh: --mode needs a value" >&2; exit 2; } ;;
    --keep) keep=yes; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$driver" in jovl|overlay|plugin) ;; *) echo "demo.sh: --driver must be jovl, overlay or plugin" >&2; exit 2 ;; esac
case "$mode" in cluster|standalone) ;; *) echo "demo.sh: --mode must be cluster or standalone" >&2; exit 2 ;; esac
# overlay needs Docker's cluster store; the managed plugin's standalone setup is not scripted here
[ "$mode" = cluster ] || [ "$driver" = jovl ] || { echo "demo.sh: --mode standalone works with --driver jovl only" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (namespaces, dockerd)" >&2; exit 2; }

. "$here/lib/jex.sh"
step() { printf '\n==> %s\n' "$*"; }
finish() {
  local rc=$?
  trap - EXIT
  trap '' INT TERM        # a second Ctrl-C must not cut the teardown short
  if [ "$keep" = yes ] && [ $rc = 0 ]; then
    echo "hosts kept: DOCKER_HOST=unix://$JEX_STATE/jex-h1/docker.sock ...; tear down with $here/lib/jexctl down"
  else
    [ $rc = 0 ] || export JEX_LOGS=${JEX_LOGS:-/tmp/jex-logs}
    step "tearing everything down"; jex_down
  fi
  [ $rc = 0 ] && echo "DEMO PASSED (driver $driver, mode $mode)" || echo "DEMO FAILED (driver $driver, mode $mode)"
  exit $rc
}
trap finish EXIT
trap 'echo "interrupted"; exit 130' INT TERM

step "installing what is missing (scripts/install-deps)"
bash "$JEX_ROOT/scripts/install-deps" || exit 1

case "$driver" in
  jovl)    step "building jovl if needed"; jex_build_jovl || exit 1; net_driver=(-d jovl --ipam-driver jovl) ;;
  plugin)  step "building jovl and the managed plugin if needed"; jex_build_jovl || exit 1
           bash "$here/plugin/build.sh" || exit 1; net_driver=(-d jovl:latest --ipam-driver jovl:latest) ;;
  overlay) net_driver=(-d overlay) ;;
esac

if [ "$mode" = cluster ]; then
  step "bringing up etcd and 3 simulated Docker hosts (cluster store $(jex_kv_url))"
  jex_up 3 cluster || exit 1
else
  # the one per-host Docker setting: dockerd --dns <jovl's DNS address, the host's eth0 (VTEP)>
  step "bringing up etcd (jovl's store only) and 3 simulated Docker hosts without cluster store (dockerd --dns <its eth0>)"
  JEX_STANDALONE_DNS=eth0 jex_up 3 standalone || exit 1
fi

case "$driver/$mode" in
  jovl/cluster)    for h in $(jex_hosts); do step "starting jovl on $h (socket /run/docker/plugins/jovl.sock)"; jex_jovl_start "$h" || exit 1; done ;;
  jovl/standalone) for h in $(jex_hosts); do
                     step "starting jovl --scope local on $h (DNS on $(jex_host_ip "$h"):53, Docker socket $(jex_sock "$h"))"
                     jex_jovl_start "$h" --scope local --docker-socket "$(jex_sock "$h")" || exit 1
                   done ;;
  plugin/*) for h in $(jex_hosts); do step "installing the managed plugin jovl:latest on $h"; jex_plugin_install "$h" || exit 1; done ;;
esac

if [ "$mode" = cluster ]; then
  step "docker network create ${net_driver[*]} myStack1   (once, on jex-h1)"
  jex_docker jex-h1 network create "${net_driver[@]}" myStack1 || exit 1
  for h in $(jex_hosts); do
    jex_wait 10 jex_docker "$h" network inspect myStack1 || { echo "myStack1 not visible on $h"; exit 1; }
    echo "    $h sees myStack1"
  done
else
  net_driver+=(--subnet "$subnet")
  for h in $(jex_hosts); do
    step "$h: docker network create ${net_driver[*]} myStack1"
    jex_docker "$h" network create "${net_driver[@]}" myStack1 || exit 1
  done
fi

step "jex-h1: docker run -d --net myStack1 --name web jex/busybox httpd -f -p 80 -h /www"
jex_run_d jex-h1 web --net myStack1 jex/busybox httpd -f -p 80 -h /www || exit 1
step "jex-h2: docker run -d --net myStack1 --name shell1 jex/busybox sleep 3600"
jex_run_d jex-h2 shell1 --net myStack1 jex/busybox sleep 3600 || exit 1
step "jex-h3: docker run -d --net myStack1 --name shell3 jex/busybox sleep 3600"
jex_run_d jex-h3 shell3 --net myStack1 jex/busybox sleep 3600 || exit 1

step "jex-h2: docker exec shell1 ping -c 2 web && wget -qO- http://web/"
jex_docker jex-h2 exec shell1 ping -c 2 web || exit 1
jex_docker jex-h2 exec shell1 timeout 5 wget -qO- http://web/ || exit 1

step "verify.sh: every pair, ping and HTTP, by name and by IP, across the 3 hosts"
hosts=(); for h in $(jex_hosts); do hosts+=(-H "unix://$(jex_sock "$h")"); done
DOCKER=$JEX_DOCKER "$here/verify.sh" "${hosts[@]}" myStack1 || exit 1

if [ "$mode" = standalone ]; then
  # jovl drops the name on Docker's `die` event; its DNS answers carry a 2 s TTL, so allow a few tries
  # a stopped container would not answer anyway: what counts is that the NAME no longer resolves
  step "jex-h1: docker stop web; then on jex-h2 \`ping web\` in shell1 must fail to resolve"
  jex_docker jex-h1 stop -t 1 web >/dev/null || exit 1
  gone=no
  for try in 1 2 3 4 5 6 7 8 9 10; do
    out=$(jex_docker jex-h2 exec shell1 ping -c 1 -W 1 web 2>&1)
    echo "    try $try: $(printf '%s' "$out" | grep -v '^$' | tail -1)"
    case "$out" in *"bad address"*) gone=yes; break ;; esac
    sleep 1
  done
  [ $gone = yes ] || { echo "web still resolves 10 tries after it stopped"; exit 1; }
  echo "    web left: its name no longer resolves on jex-h2"
fi

step "cleaning up containers and the network"
for h in $(jex_hosts); do ids=$(jex_docker "$h" ps -aq); [ -z "$ids" ] || jex_docker "$h" rm -f $ids >/dev/null; done
if [ "$mode" = cluster ]; then
  jex_docker jex-h1 network rm myStack1 >/dev/null || exit 1
else
  for h in $(jex_hosts); do jex_docker "$h" network rm myStack1 >/dev/null || exit 1; done
fi
exit 0
