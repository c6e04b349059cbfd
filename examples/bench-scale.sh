#!/usr/bin/env bash
# bench-scale.sh - jovl against Docker's own overlay as a network grows, on the same simulated hosts.
#
#   examples/bench-scale.sh [--sizes "5 15 30"] [--rounds 3] [--out examples/charts]
#
# Brings up etcd + 3 hosts (cluster store), jovl on each, one jovl network (-d jovl --ipam-driver
# jovl) and one Docker overlay network, and a probe container on host 2 in each. Then it grows both
# networks to each size in turn (containers per host; the sizes must increase): the containers
# missing to reach the size are started at once on all 3 hosts (`docker run -d ... sleep`, each with
# a pre-assigned --ip, all in parallel; a keeper container on hosts 1 and 3 holds every host's
# sandbox from the start), and it times
#   start   from the first `docker run -d` issued until the last one returned
#   reach   from the same instant until the probe on host 2 has pinged every container of the batch
#           (one ping each, retried: what the last container to converge costs)
#   settle  reach - start: what is left after Docker returned (the driver's convergence share; an
#           upper bound, the pings going one after another)
# The drivers alternate at each size (the order flips), so machine drift hits both alike; after the
# last size every batch container is removed and the next round starts again from 0. Prints a
# table of medians over the rounds and writes OUT/scale-vs-overlay-latest.dat and OUT/scale-vs-overlay.png
# (gnuplot). Everything is torn down at the end, also on Ctrl-C. 3 x the last size containers per
# driver: 30 is 90 each.
#
# jovl's part of the scale story beyond 3 hosts (one host among 1,000) is examples/scale.sh: Docker's
# overlay cannot be played at that size here (its hosts gossip with each other, a dockerd each).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sizes="5 15 30"; rounds=3; out="$here/charts"
usage() { sed -n '2,24p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case "$1" in
    --sizes) sizes=$2 ;;
    --rounds) rounds=$2 ;;
    --out) out=$2 ;;
    *) usage ;;
  esac
  shift 2
done
prev=0
for n in $sizes; do
  { [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt "$prev" ] && [ "$n" -le 200 ]; } ||
    { echo "bench-scale.sh: --sizes must be increasing numbers 1..200, not '$sizes'" >&2; exit 2; }
  prev=$n
done
{ [[ "$rounds" =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ]; } ||
  { echo "bench-scale.sh: --rounds must be 1..20" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench-scale.sh: run as root" >&2; exit 2; }
. "$here/lib/jex.sh"
trap 'rc=$?; trap - EXIT; trap "" INT TERM; jex_down; exit $rc' EXIT
trap 'exit 130' INT TERM

now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }
D() { jex_docker "$@"; }

bash "$JEX_ROOT/scripts/install-deps" || exit 1
jex_build_jovl || exit 1
jex_up 3 cluster || exit 1
for h in $(jex_hosts); do jex_jovl_start "$h" || exit 1; done

DRIVERS=(jovl overlay)
declare -A NET=([jovl]=scale-jovl [overlay]=scale-ovl) PREFIX=([jovl]=10.76 [overlay]=10.77)
D jex-h1 network create -d jovl --ipam-driver jovl --subnet 10.76.0.0/16 scale-jovl >/dev/null || exit 1
D jex-h1 network create -d overlay --subnet 10.77.0.0/16 scale-ovl >/dev/null || exit 1
# a keeper on hosts 1 and 3 and the probe on host 2: every host has the network's sandbox before
# the first batch and keeps it between rounds (Docker 20.10 lost the overlay network on a host whose
# last container was removed, in a first try: "network scale-ovl not found" at the next start)
for d in "${DRIVERS[@]}"; do
  for h in jex-h1 jex-h3; do
    jex_run_d "$h" "keep-$d-${h#jex-h}" --net "${NET[$d]}" --ip "${PREFIX[$d]}.0.1${h#jex-h}" jex/busybox sleep 36000 || exit 1
  done
  jex_run_d jex-h2 "probe-$d" --net "${NET[$d]}" --ip "${PREFIX[$d]}.0.250" jex/busybox sleep 36000 || exit 1
  # retry ARP every 10 ms (as bench.sh does) so a peer answers as soon as it is programmed, not at
  # the kernel's 1 s retransmit
  nsenter -t "$(D jex-h2 inspect -f '{{.State.Pid}}' "probe-$d")" -n sh -c 'echo 10 > /proc/sys/net/ipv4/neigh/eth0/retrans_time_ms; echo 300 > /proc/sys/net/ipv4/neigh/eth0/mcast_solicit; echo 300 > /proc/sys/net/ipv4/neigh/eth0/ucast_solicit' || exit 1
done

# grow DRIVER FROM TO: starts containers FROM+1..TO on every host; prints "start_ms reach_ms" ("-" if failed)
grow() {
  local d=$1 from=$2 to=$3 h i ips="" t0 t1 t2 failed=0 dir
  dir=$(mktemp -d /tmp/bench-scale.XXXXXX)
  t0=$(now_ms)
  for h in $(jex_hosts); do
    for ((i = from + 1; i <= to; i++)); do
      ips+=" ${PREFIX[$d]}.${h#jex-h}.$i"
      ( jex_run_d "$h" "s-$d-${h#jex-h}-$i" --net "${NET[$d]}" --ip "${PREFIX[$d]}.${h#jex-h}.$i" \
          jex/busybox sleep 36000 2>"$dir/$h-$i.err" || echo failed >"$dir/$h-$i.failed" ) &
    done
  done
  wait
  t1=$(now_ms)
  if compgen -G "$dir/*.failed" >/dev/null; then failed=1; cat "$dir"/*.err >&2; fi
  rm -rf "$dir"
  # every address pinged once from the probe, each retried for up to 60 s
  if D jex-h2 exec "probe-$d" sh -c 'for ip in $0; do n=0; until ping -c1 -W1 $ip >/dev/null 2>&1; do
        n=$((n + 1)); [ $n -lt 60 ] || { echo "no answer from $ip" >&2; exit 1; }; done; done' "$ips"; then
    t2=$(now_ms)
  else
    failed=1
  fi
  if [ $failed = 0 ]; then echo "$((t1 - t0)) $((t2 - t0))"; else echo "- -"; fi
}

# the batch containers of every host removed (keepers and probes stay), before the next round
shrink() {
  local h ids
  for h in $(jex_hosts); do
    ids=$(D "$h" ps -aq --filter name=^s-) || return 1
    [ -z "$ids" ] || D "$h" rm -f $ids >/dev/null || return 1
  done
  sleep 5 # the removals' endpoint deletions reach the other hosts
}

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A R   # R[driver,size]: one "start reach" line per round
flip=0
for ((round = 1; round <= rounds; round++)); do
  prev=0
  for n in $sizes; do
    order=("${DRIVERS[@]}"); (( flip % 2 == 0 )) || order=(overlay jovl)
    for d in "${order[@]}"; do
      jex_log "round $round, $d: growing to $n containers per host ($((3 * (n - prev))) started at once)"
      fig=$(grow "$d" "$prev" "$n")
      R[$d,$n]+="$fig"$'\n'
      jex_log "round $round, $d at $n per host: start / reach ms: $fig"
    done
    prev=$n; flip=$((flip + 1))
  done
  [ "$round" = "$rounds" ] || shrink || exit 1
done
load_at_end=$(cut -d' ' -f1-3 /proc/loadavg)

# median COLUMN of R[driver,size]'s lines ("-" when no round succeeded); column 3 is reach - start
median() {
  printf '%s' "${R[$1]}" | awk -v c="$2" '$1 != "-" { print (c == 3 ? $2 - $1 : $c) }' | sort -n |
    awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
          print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

mkdir -p "$out"
dat="$out/scale-vs-overlay-latest.dat"
{
  echo "# jovl vs Docker overlay as a network grows: 3 simulated hosts, median of $rounds rounds ($(nproc) cores, load average $load_at_start at start, $load_at_end at end), $(date -u +%Y-%m-%d)"
  echo "# per_host total started_at_once jovl_start_ms jovl_reach_ms overlay_start_ms overlay_reach_ms jovl_settle_ms overlay_settle_ms"
  prev=0
  for n in $sizes; do
    echo "$n $((3 * n)) $((3 * (n - prev))) $(median jovl,$n 1) $(median jovl,$n 2) $(median overlay,$n 1)" \
      "$(median overlay,$n 2) $(median jovl,$n 3) $(median overlay,$n 3)"
    prev=$n
  done
} >"$dat"
cat "$dat"
bash "$here/bench-scale-chart.sh" "$dat" "$out" || echo "bench-scale.sh: no chart (gnuplot missing?)" >&2
