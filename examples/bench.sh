#!/usr/bin/env bash
# bench.sh - jovl against Docker's own overlay driver on the same simulated hosts, in one run.
#
#   examples/bench.sh [--runs N] [--iperf-seconds S]     (defaults: 10 runs, 5 s)
#
# Brings up etcd + 3 hosts (cluster store), jovl on each, creates one jovl network
# (-d jovl --ipam-driver jovl) and one Docker overlay network, then measures for each:
#   start latency  `docker run --rm --net NET jex/busybox true` on host 1 (also on the local bridge)
#   convergence    from `docker run -d` returning on host 1 until the new container answers HTTP
#                  from a container on host 2, by IP (pre-assigned with --ip) and by name
#   throughput     iperf3 container (host 2) -> container (host 1), and host 2 -> host 1 on the bare underlay
# and prints medians side by side. Probes from host 2 run in the probe container's network
# namespace (nsenter from the root namespace, with curl and a 10 ms ARP retry), so the figures are
# not quantised by `docker exec` start-up or by the kernel's default 1 s ARP retransmit.
# Every loop is bounded; everything is torn down at the end, also on Ctrl-C.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=10; iperf_secs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --iperf-seconds) iperf_secs=$2; shift 2 ;;
    *) sed -n '2,17p' "$0" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench.sh: run as root" >&2; exit 2; }
. "$here/lib/jex.sh"
JEX_VERBOSE=${JEX_VERBOSE:-1}
trap 'rc=$?; trap - EXIT; trap "" INT TERM; jex_down; exit $rc' EXIT
trap 'exit 130' INT TERM

now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "n/a"; exit} m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%d", m}'; }
D() { jex_docker "$@"; }

bash "$JEX_ROOT/scripts/install-deps" || exit 1
jex_build_jovl || exit 1
jex_up 3 cluster || exit 1
for h in $(jex_hosts); do jex_jovl_start "$h" || exit 1; done

declare -A NET_OF=([jovl]=bench-jovl [overlay]=bench-ovl)
declare -A SUBNET=([jovl]=10.71.0 [overlay]=10.72.0)
D jex-h1 network create -d jovl --ipam-driver jovl --subnet "${SUBNET[jovl]}.0/24" bench-jovl >/dev/null || exit 1
D jex-h1 network create -d overlay --subnet "${SUBNET[overlay]}.0/24" bench-ovl >/dev/null || exit 1

# probe containers on host 2; their pids give us their network namespaces
for d in jovl overlay; do
  D jex-h2 run -d --name "probe-$d" --net "${NET_OF[$d]}" jex/busybox sleep 36000 >/dev/null || exit 1
done
probe_pid() { D jex-h2 inspect -f '{{.State.Pid}}' "probe-$1"; }
declare -A PROBE
for d in jovl overlay; do
  PROBE[$d]=$(probe_pid "$d")
  # retry ARP every 10 ms (up to 300 times) so a new peer is found as soon as it is programmed
  nsenter -t "${PROBE[$d]}" -n sh -c 'echo 10 > /proc/sys/net/ipv4/neigh/eth0/retrans_time_ms; echo 300 > /proc/sys/net/ipv4/neigh/eth0/mcast_solicit; echo 300 > /proc/sys/net/ipv4/neigh/eth0/ucast_solicit'
done

# ---- start latency ------------------------------------------------------------------------------
start_latency() {   # $1 = network name; prints one figure per run (ms)
  local i t0
  D jex-h1 run --rm --net "$1" jex/busybox true >/dev/null   # warm-up
  for ((i = 0; i < runs; i++)); do
    t0=$(now_ms); D jex-h1 run --rm --net "$1" jex/busybox true >/dev/null || { echo "run failed on $1" >&2; return 1; }
    echo $(( $(now_ms) - t0 ))
  done
}

# ---- convergence ----------------------------------------------------------------------------------
# poll from the probe's netns until http://TARGET/ answers; TARGET is an IP, or a name resolved by
# Docker's embedded DNS (127.0.0.11) in that netns. Bounded at 30 s. Prints the time it succeeded.
poll_http() {
  local pid=$1 kind=$2 target=$3 end=$((SECONDS + 30)) ip
  while [ $SECONDS -lt $end ]; do
    if [ "$kind" = name ]; then
      ip=$(nsenter -t "$pid" -n busybox nslookup "$target" 127.0.0.11 2>/dev/null | awk '/^Address: / {print $2}' | tail -1)
      [ -n "$ip" ] || { sleep 0.01; continue; }
    else ip=$target; fi
    if nsenter -t "$pid" -n curl -s -o /dev/null --max-time 0.5 "http://$ip/"; then now_ms; return 0; fi
    sleep 0.01
  done
  echo timeout; return 1
}

convergence() {   # $1 = driver, $2 = ip|name; prints one figure per run (ms)
  local d=$1 kind=$2 i name ip t0 t1 out
  for ((i = 0; i < runs; i++)); do
    name="conv-$d-$kind-$i"
    [ "$kind" = name ] && ip="${SUBNET[$d]}.$((150 + i))" || ip="${SUBNET[$d]}.$((100 + i))"
    out=$(mktemp); poll_http "${PROBE[$d]}" "$kind" "$([ "$kind" = ip ] && echo "$ip" || echo "$name")" > "$out" &
    local poller=$!
    D jex-h1 run -d --name "$name" --net "${NET_OF[$d]}" --ip "$ip" jex/busybox httpd -f -p 80 -h /www >/dev/null || { kill $poller; rm -f "$out"; return 1; }
    t0=$(now_ms)
    wait $poller; t1=$(cat "$out"); rm -f "$out"
    [ "$t1" != timeout ] && echo $(( t1 - t0 )) || echo "convergence timeout ($d, $kind)" >&2
    D jex-h1 rm -f "$name" >/dev/null
  done
}

# ---- throughput -----------------------------------------------------------------------------------
iperf_containers() {   # $1 = network; prints Mbit/s
  local net=$1 ip mbps
  D jex-h1 run -d --name "iperf-srv-$net" --net "$net" jex/iperf3 iperf3 -s >/dev/null || return 1
  ip=$(D jex-h1 inspect -f "{{with index .NetworkSettings.Networks \"$net\"}}{{.IPAddress}}{{end}}" "iperf-srv-$net")
  sleep 1
  mbps=$(D jex-h2 run --rm --net "$net" jex/iperf3 timeout $((iperf_secs + 20)) iperf3 -c "$ip" -t "$iperf_secs" -f m 2>&1 |
         awk '/receiver/ {print $(NF-2)}')
  D jex-h1 rm -f "iperf-srv-$net" >/dev/null
  echo "${mbps:-n/a}"
}

iperf_underlay() {
  local mbps
  jex_in jex-h1 setsid iperf3 -s -1 >/dev/null 2>&1 &
  sleep 1
  mbps=$(jex_in jex-h2 timeout $((iperf_secs + 20)) iperf3 -c "$(jex_host_ip jex-h1)" -t "$iperf_secs" -f m 2>&1 | awk '/receiver/ {print $(NF-2)}')
  wait
  echo "${mbps:-n/a}"
}

echo; echo "== start latency ($runs runs each)" >&2
bridge=$(start_latency bridge | median)
jovl_start=$(start_latency bench-jovl | median)
ovl_start=$(start_latency bench-ovl | median)
echo "== convergence ($runs runs each, by IP and by name)" >&2
jovl_ip=$(convergence jovl ip | median);   ovl_ip=$(convergence overlay ip | median)
jovl_name=$(convergence jovl name | median); ovl_name=$(convergence overlay name | median)
echo "== iperf3 (${iperf_secs} s each)" >&2
jovl_bw=$(iperf_containers bench-jovl); ovl_bw=$(iperf_containers bench-ovl); ul_bw=$(iperf_underlay)

over() { [ "$1" = n/a ] || [ "$bridge" = n/a ] && echo n/a || echo $(( $1 - bridge )); }
echo
echo "jovl vs Docker overlay on 3 simulated hosts ($(nproc) cores), medians of $runs runs"
printf '%-48s %12s %12s\n' "measure" "jovl" "overlay"
printf '%-48s %12s %12s\n' "start latency, docker run --rm true (ms)" "$jovl_start" "$ovl_start"
printf '%-48s %12s %12s\n' "  overhead over local bridge ($bridge ms) (ms)" "$(over "$jovl_start")" "$(over "$ovl_start")"
printf '%-48s %12s %12s\n' "convergence host1 run -> host2 HTTP by IP (ms)" "$jovl_ip" "$ovl_ip"
printf '%-48s %12s %12s\n' "convergence host1 run -> host2 HTTP by name (ms)" "$jovl_name" "$ovl_name"
printf '%-48s %12s %12s\n' "iperf3 container h2 -> h1 (Mbit/s)" "$jovl_bw" "$ovl_bw"
printf '%-48s %12s\n' "iperf3 bare underlay h2 -> h1 (Mbit/s)" "$ul_bw"
