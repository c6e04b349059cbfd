#!/usr/bin/env bash
# bench-start.sh - how fast the plugin's JVM is listening, without Docker around it (run as root).
#
#   examples/plugin/bench-start.sh [ROUNDS] [PLUGIN_DIR]      defaults: 5, examples/plugin/target/jovl
#
# Starts the plugin's rootfs the way Docker does (chroot, host-like namespaces of its own: see
# training.sh) ROUNDS times for each JVM variant and prints the median and worst times from the
# start to (1) the socket file existing and (2) the first answered NetworkDriver.GetCapabilities:
#   config.json   the entrypoint as shipped (jovl's CDS archive, C1 only, serial GC)
#   no-app-cds    the same without jovl's archive (the runtime's own CDS archive only)
#   no-cds        -Xshare:off
#   c2            the shipped archive, but the default tiered compilers (no -XX:TieredStopAtLevel=1)
# A start that does not listen within 60 s counts as a failure (exit 1).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-5}; dir=${2:-$here/target/jovl}
[ "$(id -u)" = 0 ] || { echo "bench-start.sh: run as root" >&2; exit 2; }
[ -s "$dir/config.json" ] || { echo "bench-start.sh: no plugin in $dir (run build.sh)" >&2; exit 2; }
# shellcheck source=training.sh
. "$here/training.sh"
rootfs=$dir/rootfs sock=$dir/rootfs/run/docker/plugins/jovl.sock
mapfile -t shipped < <(jq -r '.entrypoint[]' "$dir/config.json" | sed '/^-jar$/,$d')

variant() {
  case "$1" in
    config.json) printf '%s\n' "${shipped[@]}" ;;
    no-app-cds)  printf '%s\n' "${shipped[@]}" | grep -v -e '^-XX:SharedArchiveFile=' -e '^-Xlog:cds' ;;
    no-cds)      printf '%s\n' "${shipped[@]}" | grep -v -e '^-XX:SharedArchiveFile=' -e '^-Xlog:cds'; echo -Xshare:off ;;
    c2)          printf '%s\n' "${shipped[@]}" | grep -v -e '^-XX:TieredStopAtLevel=' ;;
  esac
}

median_max() { sort -n | awk '{a[NR] = $1} END {printf "%6.0f %6.0f", a[int((NR + 1) / 2)], a[NR]}'; }

failed=0
printf '%-12s %16s %16s   (ms, %d rounds; median worst)\n' variant "to socket" "to 1st answer" "$rounds"
for v in config.json no-app-cds no-cds c2; do
  mapfile -t cmd < <(variant "$v")
  : > /tmp/jovl-bench-start.$$
  for ((i = 0; i < rounds; i++)); do
    log=$(mktemp /tmp/jovl-bench-log.XXXXXX)
    t0=$EPOCHREALTIME
    pid=$(plugin_chroot_start "$rootfs" "$log" "${cmd[@]}")
    if plugin_wait_socket "$sock" "$pid" 60; then
      ts=$EPOCHREALTIME
      until curl -sf --max-time 2 --unix-socket "$sock" -X POST http://plugin.moby.localhost/NetworkDriver.GetCapabilities >/dev/null 2>&1; do sleep 0.005; done
      ta=$EPOCHREALTIME
      awk -v a="$t0" -v s="$ts" -v f="$ta" 'BEGIN {printf "%.1f %.1f\n", (s - a) * 1000, (f - a) * 1000}' >> /tmp/jovl-bench-start.$$
    else
      echo "$v: round $i did not listen; log:" >&2; cat "$log" >&2; failed=1
    fi
    plugin_chroot_stop "$pid"; rm -f "$sock" "$log"
  done
  printf '%-12s %16s %16s\n' "$v" "$(cut -d' ' -f1 /tmp/jovl-bench-start.$$ | median_max)" "$(cut -d' ' -f2 /tmp/jovl-bench-start.$$ | median_max)"
done
rm -f /tmp/jovl-bench-start.$$
exit $failed
