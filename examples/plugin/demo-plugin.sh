#!/usr/bin/env bash
# demo-plugin.sh - jovl as a Docker managed plugin on two simulated Docker hosts (run as root).
#
#   examples/plugin/demo-plugin.sh [--keep]
#
# Builds the plugin (build.sh, only if its inputs changed), brings up etcd and 2 simulated hosts
# (examples/lib/jex.sh: dockerd 20.10 with etcd as cluster store), installs the plugin on each with
# install.sh and measures its start (from `docker plugin enable` to the socket appearing and to the
# first answered request), then: docker network create -d jovl:latest --ipam-driver jovl:latest,
# `web` (busybox httpd) on host 1, `shell1` on host 2, and verify.sh (ping and HTTP by name and by
# IP, both ways); then kills the plugin's JVM on host 1 with kill -9 while host 2 pings it (Docker
# restarts it; no ping may be lost) and starts one more container. Prints the plugin's size.
# Exit 0 only if everything passed. Everything is removed at the end (containers, network,
# plugins, dockerds, namespaces), also on failure and Ctrl-C. --keep leaves the hosts up after a
# success (JEX_STATE=/tmp/jexp JEX_UL=jexp-ul JEX_CGROUP_PREFIX=jexp- examples/lib/jexctl down
# removes them). Its hosts are set apart from examples/demo.sh's, so both can run at once.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
examples=$(cd "$here/.." && pwd)
keep=no
case "${1:-}" in --keep) keep=yes ;; '') ;; -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
  *) echo "demo-plugin.sh: unknown argument $1" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "demo-plugin.sh: run as root (namespaces, dockerd)" >&2; exit 2; }

# plugin-hosts.sh first: it sets this demo's hosts apart (JEX_STATE, JEX_UL, JEX_CGROUP_PREFIX)
# shellcheck source=plugin-hosts.sh
. "$here/plugin-hosts.sh"
# shellcheck source=../lib/jex.sh
. "$examples/lib/jex.sh"
step() { printf '\n==> %s\n' "$*"; }
finish() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$keep" = yes ] && [ $rc = 0 ]; then
    echo "hosts kept (plugin enabled on each); tear down with JEX_STATE=$JEX_STATE JEX_UL=$JEX_UL JEX_CGROUP_PREFIX=$JEX_CGROUP_PREFIX $examples/lib/jexctl down"
  else
    [ $rc = 0 ] || export JEX_LOGS=${JEX_LOGS:-/tmp/jex-logs}
    step "removing containers, the network and the plugins; tearing the hosts down"
    plugin_demo_cleanup
    jex_down
  fi
  [ $rc = 0 ] && echo "PLUGIN DEMO PASSED" || echo "PLUGIN DEMO FAILED"
  exit $rc
}
trap finish EXIT
trap 'echo "interrupted"; exit 130' INT TERM

plugin_demo_cleanup() {
  local h ids
  for h in $(jex_hosts); do
    [ -S "$(jex_sock "$h")" ] || continue
    ids=$(jex_docker "$h" ps -aq 2>/dev/null); [ -z "$ids" ] || jex_docker "$h" rm -f $ids >/dev/null 2>&1
  done
  for h in $(jex_hosts); do [ -S "$(jex_sock "$h")" ] && jex_docker "$h" network rm myStack1 >/dev/null 2>&1; done
  for h in $(jex_hosts); do [ -S "$(jex_sock "$h")" ] && plugin_remove "$h"; done
  return 0
}

step "installing what is missing (scripts/install-deps)"
bash "$JEX_ROOT/scripts/install-deps" >/dev/null || exit 1
step "building the plugin (examples/plugin/build.sh; skipped when nothing changed)"
bash "$here/build.sh" || exit 1
step "plugin size: rootfs $(du -sh "$JEX_PLUGIN_DIR/rootfs" | cut -f1) ($(du -sb "$JEX_PLUGIN_DIR/rootfs" | cut -f1) bytes)"

step "bringing up etcd and 2 simulated Docker hosts (cluster store $(jex_kv_url))"
jex_up 2 cluster || exit 1

for h in $(jex_hosts); do
  step "$h: install.sh + docker plugin enable jovl:latest (timed)"
  plugin_install_timed "$h" || exit 1
done
jex_docker jex-h1 plugin ls
step "installed size on jex-h1: $(plugin_installed_size jex-h1)"

step "docker network create -d jovl:latest --ipam-driver jovl:latest myStack1   (on jex-h1)"
jex_docker jex-h1 network create -d jovl:latest --ipam-driver jovl:latest myStack1 || exit 1
jex_wait 10 jex_docker jex-h2 network inspect myStack1 || { echo "myStack1 not visible on jex-h2"; exit 1; }

step "jex-h1: docker run -d --net myStack1 --name web jex/busybox httpd -f -p 80 -h /www"
jex_run_d jex-h1 web --net myStack1 jex/busybox httpd -f -p 80 -h /www || exit 1
step "jex-h2: docker run -d --net myStack1 --name shell1 jex/busybox httpd -f -p 80 -h /www"
# shell1 serves HTTP too, so that verify.sh checks HTTP in both directions
jex_run_d jex-h2 shell1 --net myStack1 jex/busybox httpd -f -p 80 -h /www || exit 1

step "verify.sh: ping and HTTP by name and by IP, web <-> shell1, across the 2 hosts"
DOCKER=$JEX_DOCKER "$examples/verify.sh" --tries 5 -H "unix://$(jex_sock jex-h1)" -H "unix://$(jex_sock jex-h2)" myStack1 || exit 1

step "kill -9 of the plugin's JVM on jex-h1 while shell1 pings web (Docker restarts the plugin)"
jex_docker jex-h2 exec shell1 ping -c 20 -i 0.2 web > "$JEX_STATE/ping-across-kill" 2>&1 &
pinger=$!
sleep 1
plugin_kill9 jex-h1 | tee -a "$JEX_STATE/plugin-start-times" || exit 1
wait "$pinger"; tail -2 "$JEX_STATE/ping-across-kill"
grep -q ' 0% packet loss' "$JEX_STATE/ping-across-kill" || { echo "pings were lost across the restart"; exit 1; }
jex_docker jex-h2 run --rm --net myStack1 jex/busybox ping -c 2 web || { echo "a new container cannot reach web after the restart"; exit 1; }

step "start times (docker plugin enable -> socket listening -> first answered request)"
cat "$JEX_STATE/plugin-start-times"
exit 0
