#!/usr/bin/env bash
# charts.sh - draws bench.sh's side-by-side results (jovl vs Docker's overlay) as PNG charts.
#
#   examples/charts.sh [TABLE] [OUT_DIR]
#
# TABLE is the summary bench.sh prints (and saves as OUT_DIR/bench-latest.txt); default: the run
# recorded in examples/README.md (examples/charts/bench-2026-12-01.txt). OUT_DIR defaults to
# examples/charts. Writes start-latency.png, convergence.png, throughput.png (from TABLE) and
# request-scale.png (from charts/request-scale-*.dat, the request benchmark of driver/README.md).
# Needs gnuplot (Debian: gnuplot-nox; scripts/install-deps installs it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
table=${1:-$here/charts/bench-2026-12-01.txt}
out=${2:-$here/charts}
command -v gnuplot >/dev/null || { echo "charts.sh: no gnuplot (apt-get install gnuplot-nox)" >&2; exit 1; }
[ -s "$table" ] || { echo "charts.sh: no table $table" >&2; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d /tmp/charts.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# cells LABEL [FILE]: "jovl_median jovl_p90 overlay_median overlay_p90" of the first row starting
# with LABEL ("NaN" where a cell is empty); a row is 56 columns of label, then the two cells
cells() {
  awk -v re="$1" 'index($0, re) == 1 {
      rest = substr($0, 57); n = 0
      while (match(rest, /-?[0-9]+ \/ -?[0-9]+/)) {
        split(substr(rest, RSTART, RLENGTH), v, " / "); m[++n] = v[1]; p[n] = v[2]
        rest = substr(rest, RSTART + RLENGTH)
      }
      printf "%s %s %s %s\n", (n >= 1 ? m[1] : "NaN"), (n >= 1 ? p[1] : "NaN"), (n >= 2 ? m[2] : "NaN"), (n >= 2 ? p[2] : "NaN")
      exit }' "${2:-$table}"
}
# bandwidth LABEL: "median min max" of the first cell
bandwidth() {
  awk -v re="$1" 'index($0, re) == 1 {
      rest = substr($0, 57)
      if (match(rest, /[0-9]+ \([0-9]+-[0-9]+\)/)) { c = substr(rest, RSTART, RLENGTH); gsub(/[()-]/, " ", c); print c }
      else print "NaN NaN NaN"
      exit }' "$table"
}
bandwidth2() { # the second cell of the row
  awk -v re="$1" 'index($0, re) == 1 {
      rest = substr($0, 57); n = 0
      while (match(rest, /[0-9]+ \([0-9]+-[0-9]+\)/)) { c = substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH); n++; if (n == 2) break }
      if (n == 2) { gsub(/[()-]/, " ", c); print c } else print "NaN NaN NaN"
      exit }' "$table"
}

title=$(head -1 "$table" | sed 's/^jovl vs Docker overlay on //')
{
  echo "\"docker run --rm\\n(total)\" $(cells 'start latency, docker run --rm true')"
  echo "\"over local\\nbridge\" $(cells '  overhead over local bridge, same run')"
  echo "\"over user-defined\\nbridge\" $(cells '  overhead over a user-defined bridge network')"
  echo "\"--internal, over\\nlocal bridge\" $(cells '  --internal network: overhead over local bridge')"
  echo "\"with a keeper\\n(total)\" $(cells 'start latency, with a keeper on host 1')"
} > "$tmp/start.dat"
# the "same, from docker run -d issued" row follows its convergence row
issued() { awk -v re="$1" 'index($0, re) == 1 {getline; print; exit}' "$table" > "$tmp/row"; cells '  same, from docker run -d issued' "$tmp/row"; }
{
  echo "\"by IP, from\\nrun -d issued\" $(issued 'convergence host1 run -> host2 HTTP by IP')"
  echo "\"by name, from\\nrun -d issued\" $(issued 'convergence host1 run -> host2 HTTP by name')"
  echo "\"by IP, from\\nrun -d returned\" $(cells 'convergence host1 run -> host2 HTTP by IP')"
  echo "\"by name, from\\nrun -d returned\" $(cells 'convergence host1 run -> host2 HTTP by name')"
} > "$tmp/conv.dat"
{
  echo "jovl $(bandwidth 'iperf3 container h2 -> h1')"
  echo "overlay $(bandwidth2 'iperf3 container h2 -> h1')"
  echo "\"bare underlay\" $(bandwidth 'iperf3 bare underlay h2 -> h1')"
} > "$tmp/bw.dat"

common='set terminal pngcairo size 900,520 font "DejaVu Sans,10" noenhanced
set bmargin 5
set style data histogram; set style histogram errorbars gap 2 lw 1; set style fill solid 0.85 border -1
set key top right; set grid ytics; set boxwidth 0.9; set xtics nomirror; set ytics nomirror
set datafile missing "NaN"'
gnuplot <<GP
$common
set output "$out/start-latency.png"
set title "Container start latency: jovl vs Docker overlay (median, bar to p90)\n$title"
set ylabel "ms"; set yrange [0:*]
plot "$tmp/start.dat" using 2:2:3:xtic(1) title "jovl" lc rgb "#2a7ab0", \
     "" using 4:4:5 title "Docker overlay" lc rgb "#d9822b"
set output "$out/convergence.png"
set title "Convergence: host 1 docker run -d -> HTTP 200 from host 2 (median, bar to p90)\n$title"
set yrange [*:*]
plot "$tmp/conv.dat" using 2:2:3:xtic(1) title "jovl" lc rgb "#2a7ab0", \
     "" using 4:4:5 title "Docker overlay" lc rgb "#d9822b"
set output "$out/throughput.png"
set title "TCP throughput container h2 -> h1, iperf3 (median, bar: min-max)\n$title"
set ylabel "Mbit/s"; set yrange [0:*]; set key off
set style histogram errorbars gap 2 lw 1
plot "$tmp/bw.dat" using 2:3:4:xtic(1) lc rgb "#2a7ab0"
GP
scale=$(ls "$here"/charts/request-scale-*.dat | tail -1)
gnuplot <<GP
$common
set output "$out/request-scale.png"
set multiplot layout 1,2 title "jovl under concurrent Docker requests (RequestLatencyBenchmark, driver/README.md)"
set title "container lifecycles per second"; set ylabel "lifecycles/s"; set yrange [0:*]; set key off
set style histogram clustered gap 2
plot "$scale" using 2:xtic(1) lc rgb "#2a7ab0"
set title "Join latency (ms)"; set ylabel "ms"; set key top left
plot "$scale" using 3:xtic(1) title "p50" lc rgb "#2a7ab0", "" using 4 title "p99" lc rgb "#7fb3d5"
unset multiplot
GP
echo "charts.sh: wrote $out/start-latency.png convergence.png throughput.png request-scale.png (from $table)"
