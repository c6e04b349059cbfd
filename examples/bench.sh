#!/usr/bin/env bash
# bench.sh - jovl against Docker's own overlay driver on the same simulated hosts, in one run.
#
#   examples/bench.sh [--runs N] [--iperf-seconds S] [--iperf-runs M]   (defaults: 10, 5 s, 3)
#
# Brings up etcd + 3 hosts (cluster store), jovl on each, creates one jovl network
# (-d jovl --ipam-driver jovl) and one Docker overlay network, then measures for each:
#   start latency  `docker run --rm --net NET jex/busybox true` on host 1 (also on the default bridge,
#                  on a user-defined bridge network, and on an --internal network of each driver, which
#                  Docker starts without a docker_gwbridge endpoint), first with no other container of
#                  the network on host 1, then with one running there ("keeper"); for jovl also its own
#                  handlers' time
#   convergence    from `docker run -d` returning on host 1 until the new container answers HTTP
#                  from a container on host 2, by IP (pre-assigned with --ip) and by name
#                  (also timed from `docker run -d` being issued; below 0: host 2 got the page before it returned)
#   throughput     iperf3 container (host 2) -> container (host 1), and host 2 -> host 1 on the bare underlay
# and prints median / p90 side by side, then draws them as PNG charts (examples/charts.sh, into
# examples/charts/: start-latency, convergence, throughput; the table as charts/bench-latest.txt).
# The drivers are interleaved: every run measures bridge, jovl
# and overlay back to back (the order flips every run), so machine drift hits both drivers alike.
# Convergence is timed by examples/src/main/java/dev/jovl/examples/bench/ConvergenceProbe.java
# (JDK 25 source launcher with jovl.jar on the class path, for the driver's DNS codec) in the probe container's netns on host 2: it polls every
# 10 ms (DNS to 127.0.0.11 with a 50 ms timeout, TCP connects of at most 100 ms overlapping) and
# prints when `HTTP/1.x 200` arrived; it says "ready" first, so JVM start-up is never in a figure.
# Every loop is bounded; everything is torn down at the end, also on Ctrl-C.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=10; iperf_secs=5; iperf_runs=3
usage() { sed -n '2,25p' "$0" >&2; exit 2; }
int_in() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case "$1" in
    --runs) runs=$2 ;;
    --iperf-seconds) iperf_secs=$2 ;;
    --iperf-runs) iperf_runs=$2 ;;
    *) usage ;;
  esac
  shift 2
done
# 50 runs at most: every convergence run gets its own address (.100-.149 by IP, .150-.199 by name),
# so no run meets a neighbour or forwarding entry left by an earlier container
int_in "$runs" 1 50 || { echo "bench.sh: --runs must be 1..50" >&2; exit 2; }
int_in "$iperf_secs" 1 600 || { echo "bench.sh: --iperf-seconds must be 1..600" >&2; exit 2; }
int_in "$iperf_runs" 1 20 || { echo "bench.sh: --iperf-runs must be 1..20" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench.sh: run as root" >&2; exit 2; }
. "$here/lib/jex.sh"
JEX_VERBOSE=${JEX_VERBOSE:-1}
PROBE_SRC=$here/src/main/java/dev/jovl/examples/bench/ConvergenceProbe.java
PROBE_JOB=""           # the probe JVM running now, if any: the exit trap stops it
WORK=$(mktemp -d /tmp/bench.XXXXXX)
trap 'rc=$?; trap - EXIT; trap "" INT TERM; [ -z "$PROBE_JOB" ] || kill "$PROBE_JOB" 2>/dev/null; rm -rf "$WORK"; jex_down; exit $rc' EXIT
trap 'exit 130' INT TERM

now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }
D() { jex_docker "$@"; }
note() { echo "$*" >&2; }

bash "$JEX_ROOT/scripts/install-deps" || exit 1
jex_build_jovl || exit 1
JAVA=$(jex_java)
[ -x "$JAVA" ] || { echo "bench.sh: no JDK 25 (scripts/java25)" >&2; exit 1; }
jex_up 3 cluster || exit 1
# --log-level debug: jovl logs one line per request (with its time) only at debug; jovl_handler_ms reads them
for h in $(jex_hosts); do jex_jovl_start "$h" --log-level debug || exit 1; done

DRIVERS=(jovl overlay)
declare -A NET_OF=([bridge]=bridge [ubridge]=bench-ubr [jovl]=bench-jovl [overlay]=bench-ovl
                   [jovl-int]=bench-jovl-int [overlay-int]=bench-ovl-int)
declare -A SUBNET=([jovl]=10.71.0 [overlay]=10.72.0)
# a user-defined bridge network: what every user-defined network costs Docker (embedded DNS, ...)
D jex-h1 network create -d bridge --subnet 10.73.0.0/24 bench-ubr >/dev/null || exit 1
D jex-h1 network create -d jovl --ipam-driver jovl --subnet "${SUBNET[jovl]}.0/24" bench-jovl >/dev/null || exit 1
D jex-h1 network create -d overlay --subnet "${SUBNET[overlay]}.0/24" bench-ovl >/dev/null || exit 1
# the same drivers with --internal: Docker gives their containers no docker_gwbridge endpoint (the
# second interface, with NAT, that carries traffic to the outside), so the difference to the rows
# above is what that endpoint costs a start, whatever the driver
D jex-h1 network create -d jovl --ipam-driver jovl --internal --subnet 10.74.0.0/24 bench-jovl-int >/dev/null || exit 1
D jex-h1 network create -d overlay --internal --subnet 10.75.0.0/24 bench-ovl-int >/dev/null || exit 1

# probe containers on host 2; their pids give us their network namespaces
for d in "${DRIVERS[@]}"; do
  D jex-h2 run -d --name "probe-$d" --net "${NET_OF[$d]}" jex/busybox sleep 36000 >/dev/null || exit 1
done
declare -A PROBE
for d in "${DRIVERS[@]}"; do
  PROBE[$d]=$(D jex-h2 inspect -f '{{.State.Pid}}' "probe-$d") || exit 1
  # retry ARP every 10 ms (up to 300 times) so a new peer is found as soon as it is programmed,
  # not at the kernel's default 1 s retransmit
  nsenter -t "${PROBE[$d]}" -n sh -c 'echo 10 > /proc/sys/net/ipv4/neigh/eth0/retrans_time_ms; echo 300 > /proc/sys/net/ipv4/neigh/eth0/mcast_solicit; echo 300 > /proc/sys/net/ipv4/neigh/eth0/ucast_solicit'
done

# ---- results ----------------------------------------------------------------------------------------
# R[measure] holds one figure per run ("-" for a failed run), FAILED[measure] counts the failures.
declare -A R FAILED
record() { R[$1]+=" $2"; [ "$2" != - ] || FAILED[$1]=$(( ${FAILED[$1]:-0} + 1 )); }
# record_diff MEASURE A B: records A - B, or "-" when either run failed
record_diff() { if [ "$2" = - ] || [ "$3" = - ]; then record "$1" -; else record "$1" $(( $2 - $3 )); fi; }
# figures of a measure, failures left out, one per line
figures() { local v; for v in ${R[$1]:-}; do [ "$v" = - ] || echo "$v"; done; }
# "median / p90" (p90: nearest rank, ceil(0.9 n)), "+k failed" when runs failed; "n/a" when none succeeded
med_p90() {
  local cell
  cell=$(figures "$1" | sort -n | awk '{a[NR] = $1} END {
    if (NR == 0) { print "n/a"; exit }
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    k = int(0.9 * NR); if (k < 0.9 * NR) k++
    printf "%d / %d", m, a[k] }')
  [ -z "${FAILED[$1]:-}" ] || cell+=" +${FAILED[$1]} failed"
  echo "$cell"
}
# "median (min-max)", for the few iperf3 runs
med_range() {
  local cell
  cell=$(figures "$1" | sort -n | awk '{a[NR] = $1} END {
    if (NR == 0) { print "n/a"; exit }
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    printf "%d (%d-%d)", m, a[1], a[NR] }')
  [ -z "${FAILED[$1]:-}" ] || cell+=" +${FAILED[$1]} failed"
  echo "$cell"
}
# the run's order: as listed on even runs, reversed on odd ones, so neither side always goes first
in_order() { local i=$1; shift; if (( i % 2 == 0 )); then echo "$@"; else echo "$@" | tr ' ' '\n' | tac | tr '\n' ' '; fi; }

# ---- start latency ----------------------------------------------------------------------------------
start_once() {   # $1 = network; prints ms, or "-" if the run failed
  local t0
  t0=$(now_ms)
  if D jex-h1 run --rm --net "$1" jex/busybox true >/dev/null; then echo $(( $(now_ms) - t0 )); else echo -; fi
}

# jovl's own share of a start: the request times jovl logged on host 1 (NetworkDriver and IpamDriver
# calls) since log line $1; the pause lets the last request's log line land
JOVL_LOG=$JEX_STATE/jex-h1/jovl.log
jovl_log_lines() { wc -l < "$JOVL_LOG"; }
jovl_handler_ms() {
  sleep 0.3
  tail -n +"$(( $1 + 1 ))" "$JOVL_LOG" | grep -E 'requests - /(NetworkDriver|IpamDriver)\.' |
    awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+ms$/) {sub(/ms$/, "", $i); t += $i}} END {printf "%d", t}'
}

# ---- convergence ------------------------------------------------------------------------------------
# converge_once DRIVER ip|name RUN: starts the probe on host 2 and waits (bounded) for its "ready",
# runs the web container on host 1, and sets CONV to the ms from `docker run -d` returning until the
# probe got HTTP 200 ("-" if it did not), CONV_ISSUED to the ms from `docker run -d` being issued. The probe's wall-clock time and $EPOCHREALTIME are the same
# clock. Not run in $(...): the probe must be this shell's job, so that the exit trap can stop it.
converge_once() {
  local d=$1 kind=$2 i=$3 name ip target out end line t_issued t0 rc f
  CONV=-; CONV_ISSUED=-
  name="conv-$d-$kind-$i"
  [ "$kind" = name ] && ip="${SUBNET[$d]}.$((150 + i))" || ip="${SUBNET[$d]}.$((100 + i))"
  [ "$kind" = name ] && target=$name || target=$ip
  out="$WORK/probe-$d-$kind-$i"
  : > "$out"
  nsenter -t "${PROBE[$d]}" -n timeout 90 "$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData \
    -cp "$JEX_JAR" "$PROBE_SRC" "$kind" "$target" --timeout-ms 30000 >"$out" 2>"$out.err" &
  PROBE_JOB=$!
  end=$((SECONDS + 60))   # JVM start-up and source compilation, on a busy machine
  until grep -qx ready "$out"; do
    if ! kill -0 "$PROBE_JOB" 2>/dev/null || [ $SECONDS -ge $end ]; then
      note "probe did not start ($d, $kind): $(cat "$out" "$out.err" | tail -3)"
      stop_probe; return
    fi
    sleep 0.01
  done
  t_issued=$(now_ms)
  if ! D jex-h1 run -d --name "$name" --net "${NET_OF[$d]}" --ip "$ip" jex/busybox httpd -f -p 80 -h /www >/dev/null; then
    note "docker run failed ($d, $kind)"
    stop_probe; D jex-h1 rm -f "$name" >/dev/null 2>&1; return
  fi
  t0=$(now_ms)
  wait "$PROBE_JOB"; rc=$?; PROBE_JOB=""
  line=$(grep -E '^(ok|timeout|error) ' "$out" | tail -1)
  D jex-h1 rm -f "$name" >/dev/null
  read -r -a f <<< "$line"
  if [ "$rc" != 0 ] || [ "${f[0]:-}" != ok ]; then
    note "convergence ($d, $kind) failed: ${line:-probe exit $rc} $(tail -2 "$out.err")"
  elif [ "${f[2]}" != "$ip" ]; then
    note "convergence ($d, $kind): $name answered from ${f[2]}, expected $ip"
  else
    CONV=$(( f[1] - t0 )); CONV_ISSUED=$(( f[1] - t_issued ))
  fi
}

stop_probe() { kill "$PROBE_JOB" 2>/dev/null; wait "$PROBE_JOB" 2>/dev/null; PROBE_JOB=""; }

# ---- throughput -------------------------------------------------------------------------------------
declare -A IPERF_SRV
iperf_servers_up() {   # one iperf3 server container per overlay network on host 1, for every run
  local d net
  for d in "${DRIVERS[@]}"; do
    net=${NET_OF[$d]}
    D jex-h1 run -d --name "iperf-srv-$d" --net "$net" jex/iperf3 iperf3 -s >/dev/null || return 1
    IPERF_SRV[$d]=$(D jex-h1 inspect -f "{{with index .NetworkSettings.Networks \"$net\"}}{{.IPAddress}}{{end}}" "iperf-srv-$d")
  done
  sleep 1
}

receiver_mbps() { awk '/receiver/ {print $(NF-2)}' | grep -E '^[0-9.]+$' | cut -d. -f1 | grep . || echo -; }

iperf_once() {   # $1 = jovl|overlay|underlay; prints Mbit/s, or "-"
  local srv
  if [ "$1" = underlay ]; then
    jex_in jex-h1 timeout $((iperf_secs + 30)) iperf3 -s -1 >/dev/null 2>&1 &
    srv=$!
    sleep 0.5
    jex_in jex-h2 timeout $((iperf_secs + 20)) iperf3 -c "$(jex_host_ip jex-h1)" -t "$iperf_secs" -f m 2>&1 | receiver_mbps
    kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
  else
    D jex-h2 run --rm --net "${NET_OF[$1]}" jex/iperf3 timeout $((iperf_secs + 20)) \
      iperf3 -c "${IPERF_SRV[$1]}" -t "$iperf_secs" -f m 2>&1 | receiver_mbps
  fi
}

# ---- the runs -----------------------------------------------------------------------------------------
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
for net in bridge bench-ubr bench-jovl bench-ovl bench-jovl-int bench-ovl-int; do D jex-h1 run --rm --net "$net" jex/busybox true >/dev/null; done   # warm-up
note ""; note "== $runs runs: start latency (bridges, jovl, overlay, both --internal), convergence by IP and by name (jovl, overlay)"
for ((i = 0; i < runs; i++)); do
  declare -A S=()
  for n in $(in_order "$i" bridge ubridge jovl overlay jovl-int overlay-int); do
    [ "$n" != jovl ] || lines=$(jovl_log_lines)
    S[$n]=$(start_once "${NET_OF[$n]}"); record "start-$n" "${S[$n]}"
    [ "$n" != jovl ] || { [ "${S[jovl]}" = - ] && record handlers-jovl - || record handlers-jovl "$(jovl_handler_ms "$lines")"; }
  done
  # overhead over the bridges in the same run: pairs taken seconds apart, so drift cancels out
  for d in "${DRIVERS[@]}"; do
    record_diff "over-$d" "${S[$d]}" "${S[bridge]}"
    record_diff "overu-$d" "${S[$d]}" "${S[ubridge]}"
    record_diff "overi-$d" "${S[$d-int]}" "${S[bridge]}"
    record_diff "gwb-$d" "${S[$d]}" "${S[$d-int]}"
  done
  for kind in ip name; do
    for d in $(in_order "$i" "${DRIVERS[@]}"); do
      converge_once "$d" "$kind" "$i"
      record "conv-$kind-$d" "$CONV"; record "conv-$kind-$d-issued" "$CONV_ISSUED"
    done
  done
  note "run $((i + 1))/$runs: start bridge ${S[bridge]} jovl ${S[jovl]} overlay ${S[overlay]} ms;" \
       "convergence by IP jovl ${R[conv-ip-jovl]##* } overlay ${R[conv-ip-overlay]##* } ms," \
       "by name jovl ${R[conv-name-jovl]##* } overlay ${R[conv-name-overlay]##* } ms"
done

# the same starts with another container of the network running on host 1: Docker's overlay then
# keeps its sandbox (namespace, bridge, VXLAN device) instead of building and removing it per start
note "== $runs runs: start latency with a container of the network running on host 1 (bridge, jovl, overlay)"
for d in "${DRIVERS[@]}"; do D jex-h1 run -d --name "keeper-$d" --net "${NET_OF[$d]}" jex/busybox sleep 36000 >/dev/null || exit 1; done
for ((i = 0; i < runs; i++)); do
  declare -A S=()
  for n in $(in_order "$i" bridge jovl overlay); do
    S[$n]=$(start_once "${NET_OF[$n]}"); record "startw-$n" "${S[$n]}"
  done
  for d in "${DRIVERS[@]}"; do
    record_diff "overw-$d" "${S[$d]}" "${S[bridge]}"
  done
done
for d in "${DRIVERS[@]}"; do D jex-h1 rm -f "keeper-$d" >/dev/null; done

note "== iperf3: $iperf_runs runs of ${iperf_secs} s each (jovl, overlay, bare underlay)"
if iperf_servers_up; then
  for ((i = 0; i < iperf_runs; i++)); do
    for s in $(in_order "$i" jovl overlay underlay); do record "bw-$s" "$(iperf_once "$s")"; done
    note "iperf3 run $((i + 1))/$iperf_runs: jovl ${R[bw-jovl]##* } overlay ${R[bw-overlay]##* } underlay ${R[bw-underlay]##* } Mbit/s"
  done
else
  note "iperf3 servers did not start"
  for s in jovl overlay underlay; do record "bw-$s" -; done
fi
load_at_end=$(cut -d' ' -f1-3 /proc/loadavg)

row() { printf '%-56s %18s %18s\n' "$@"; }
summary() {
echo "jovl vs Docker overlay on 3 simulated hosts ($(nproc) cores, load average $load_at_start at start, $load_at_end at end)"
echo "$runs runs, drivers interleaved in every run; cells: median / p90 (ms); iperf3: median (min-max) of $iperf_runs"
echo "(convergence below 0: the container answered host 2 before \`docker run -d\` had returned on host 1)"
row "measure" "jovl" "overlay"
row "start latency, docker run --rm true (ms)" "$(med_p90 start-jovl)" "$(med_p90 start-overlay)"
row "  overhead over local bridge, same run (ms)" "$(med_p90 over-jovl)" "$(med_p90 over-overlay)"
row "  (local bridge: $(med_p90 start-bridge) ms)" "" ""
row "  overhead over a user-defined bridge network (ms)" "$(med_p90 overu-jovl)" "$(med_p90 overu-overlay)"
row "  (user-defined bridge network: $(med_p90 start-ubridge) ms)" "" ""
row "  of which in jovl's request handlers (ms)" "$(med_p90 handlers-jovl)" ""
row "  --internal network: overhead over local bridge (ms)" "$(med_p90 overi-jovl)" "$(med_p90 overi-overlay)"
row "  docker_gwbridge endpoint (network - --internal) (ms)" "$(med_p90 gwb-jovl)" "$(med_p90 gwb-overlay)"
row "start latency, with a keeper on host 1 (ms)" "$(med_p90 startw-jovl)" "$(med_p90 startw-overlay)"
row "  overhead over local bridge, same run (ms)" "$(med_p90 overw-jovl)" "$(med_p90 overw-overlay)"
row "convergence host1 run -> host2 HTTP by IP (ms)" "$(med_p90 conv-ip-jovl)" "$(med_p90 conv-ip-overlay)"
row "  same, from docker run -d issued (ms)" "$(med_p90 conv-ip-jovl-issued)" "$(med_p90 conv-ip-overlay-issued)"
row "convergence host1 run -> host2 HTTP by name (ms)" "$(med_p90 conv-name-jovl)" "$(med_p90 conv-name-overlay)"
row "  same, from docker run -d issued (ms)" "$(med_p90 conv-name-jovl-issued)" "$(med_p90 conv-name-overlay-issued)"
row "iperf3 container h2 -> h1 (Mbit/s)" "$(med_range bw-jovl)" "$(med_range bw-overlay)"
row "iperf3 bare underlay h2 -> h1 (Mbit/s)" "$(med_range bw-underlay)" ""
}
echo
# the table, also kept for the charts: examples/charts.sh draws it as PNGs beside the recorded ones
summary | tee "$here/charts/bench-latest.txt"
bash "$here/charts.sh" "$here/charts/bench-latest.txt" "$here/charts" >&2 || note "no charts (gnuplot missing?)"
echo
echo "every figure, in run order:"
for m in start-bridge start-ubridge start-jovl start-overlay over-jovl over-overlay overu-jovl overu-overlay handlers-jovl \
         start-jovl-int start-overlay-int overi-jovl overi-overlay gwb-jovl gwb-overlay \
         startw-bridge startw-jovl startw-overlay overw-jovl overw-overlay conv-ip-jovl conv-ip-overlay \
         conv-ip-jovl-issued conv-ip-overlay-issued conv-name-jovl conv-name-overlay conv-name-jovl-issued \
         conv-name-overlay-issued bw-jovl bw-overlay bw-underlay; do
  printf '  %-25s%s\n' "$m" "${R[$m]:-}"
done
