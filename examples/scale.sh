#!/usr/bin/env bash
# scale.sh - what a large cluster costs one jovl host (issue 16): ScaleBenchmark at several sizes.
#
#   examples/scale.sh [--hosts "10 100 1000"] [--churn-seconds 30] [--out examples/charts]
#
# For each size: a fresh etcd of its own (data on tmpfs, 127.0.0.1:23791, so no other session's
# keys are in it), one real jovl daemon on a simulated host (a network namespace with eth0; its own
# process: its RSS and CPU are its own), and a load generator playing the other hosts (50
# containers each on 10 networks on which the real host has a container): cold start, churn of
# 200 endpoint changes/s, a host dying, the daemon's store load (dev.jovl.examples.bench.ScaleBenchmark
# says what each figure is). Prints a table per size; writes OUT/scale-DATE.dat (one SCALE line per
# size) and draws OUT/scale.png from it. Needs root, etcd, gnuplot, and driver/target/jovl.jar and
# examples/target/classes (./mvnw -B -q -pl examples -am package -DskipTests), or JOVL_JAR and
# EXAMPLES_CLASSES naming copies of them (to measure one build while working on the next).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sizes="10 100 1000"; churn_seconds=30; out="$here/charts"; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) sizes=$2; shift 2 ;;
    --churn-seconds) churn_seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "scale.sh: needs root (network namespaces)" >&2; exit 2; }
jar=${JOVL_JAR:-$root/driver/target/jovl.jar}; classes=${EXAMPLES_CLASSES:-$root/examples/target/classes}
[ -f "$jar" ] && [ -d "$classes" ] || { echo "scale.sh: build first: ./mvnw -B -q -pl examples -am package -DskipTests" >&2; exit 2; }
command -v etcd >/dev/null || { echo "scale.sh: no etcd (apt-get install etcd-server)" >&2; exit 2; }
JAVA_HOME=${JAVA_HOME:-$(bash "$root/scripts/java25")}
data=$(mktemp -d /dev/shm/jovl-scale.XXXXXX); etcd_pid=
cleanup() {
  [ -z "$etcd_pid" ] || { kill "$etcd_pid" 2>/dev/null; wait "$etcd_pid" 2>/dev/null || true; }
  rm -rf "$data"
}
trap cleanup EXIT INT TERM

start_etcd() {
  rm -rf "$data/etcd"
  etcd --name scale --data-dir "$data/etcd" --listen-client-urls http://127.0.0.1:23791 \
    --advertise-client-urls http://127.0.0.1:23791 --listen-peer-urls http://127.0.0.1:23792 \
    --initial-advertise-peer-urls http://127.0.0.1:23792 --initial-cluster scale=http://127.0.0.1:23792 \
    > "$data/etcd.log" 2>&1 &
  etcd_pid=$!
  for _ in $(seq 100); do
    curl -sf http://127.0.0.1:23791/health >/dev/null 2>&1 && return 0; sleep 0.1
  done
  echo "scale.sh: etcd did not start:" >&2; tail "$data/etcd.log" >&2; exit 1
}

mkdir -p "$out"
dat="$out/scale-$(date -u +%Y-%m-%d).dat"
: > "$data/lines"
for n in $sizes; do
  start_etcd
  echo "=== $n hosts"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar:$classes" dev.jovl.examples.bench.ScaleBenchmark \
    --store etcd://127.0.0.1:23791 --hosts "$n" --churn-seconds "$churn_seconds" --jar "$jar" "${extra[@]}" \
    | tee "$data/run.txt"
  grep '^SCALE ' "$data/run.txt" >> "$data/lines"
  kill "$etcd_pid"; wait "$etcd_pid" 2>/dev/null || true; etcd_pid=
done
{ echo "# examples/scale.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"; cat "$data/lines"; } > "$dat"
echo "figures: $dat"
"$here/scale-chart.sh" "$dat" "$out"
