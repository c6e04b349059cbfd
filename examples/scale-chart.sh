#!/usr/bin/env bash
# scale-chart.sh - draws examples/scale.sh's figures as OUT_DIR/scale.png: how cold start, churn
# latency, RSS and CPU grow from 10 to 100 to 1,000 hosts, after (solid) and, when a second file
# is given, before (dashed) a change.
#
#   examples/scale-chart.sh AFTER.dat [BEFORE.dat] [OUT_DIR]
#
# A .dat file holds scale.sh's SCALE lines (key=value). Needs gnuplot (Debian: gnuplot-nox).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
after=${1:?usage: scale-chart.sh AFTER.dat [BEFORE.dat] [OUT_DIR]}
before=${2:-}; out=${3:-$here/charts}
[ -n "$before" ] && [ -d "$before" ] && { out=$before; before=; }
command -v gnuplot >/dev/null || { echo "scale-chart.sh: no gnuplot (apt-get install gnuplot-nox)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/scale-chart.XXXXXX); trap 'rm -rf "$tmp"' EXIT

# columns: hosts cold_s churn_p50 churn_p99 rss_mib churn_cpu_pct dead_kernel_s
columns() {
  awk '/^SCALE / { delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
       printf "%s %s %s %s %s %s %s\n", v["hosts"], v["cold_ms"] / 1000, v["churn_p50_ms"], v["churn_p99_ms"],
              v["rss_mib"], v["churn_cpu_pct"], v["dead_kernel_ms"] / 1000 }' "$1"
}
columns "$after" > "$tmp/after.dat"
[ -s "$tmp/after.dat" ] || { echo "scale-chart.sh: no SCALE lines in $after" >&2; exit 1; }
plot_before() { [ -n "$before" ] && echo ", \"$tmp/before.dat\" using 1:$1 with linespoints dt 2 lc rgb \"#d9822b\" title \"before\""; return 0; }
[ -z "$before" ] || columns "$before" > "$tmp/before.dat"

gnuplot <<GP
set terminal pngcairo size 1000,700 font "DejaVu Sans,10" noenhanced
set output "$out/scale.png"
set datafile missing "NaN"
set multiplot layout 2,2 title "One jovl host in a cluster of N hosts, 50 containers each (examples/scale.sh)"
set logscale x; set xrange [7:1400]; set xtics ("10" 10, "100" 100, "1000" 1000); set xlabel "hosts"; set grid
set samples 50
set key top left
set title "cold start: all peers in the kernel (s, from exec)"; set ylabel "s"; set yrange [0:*]
plot "$tmp/after.dat" using 1:2 with linespoints lw 2 lc rgb "#2a7ab0" title "after" $(plot_before 2), 5 dt 2 lw 1.5 lc rgb "#cc3333" title "goal"
set title "churn 200 changes/s: write -> kernel (ms)"; set ylabel "ms"; set logscale y; set yrange [*:*]
plot "$tmp/after.dat" using 1:3 with linespoints lw 2 lc rgb "#2a7ab0" title "p50", \
     "" using 1:4 with linespoints lw 2 lc rgb "#17becf" title "p99" $(plot_before 4), 50 dt 2 lw 1.5 lc rgb "#cc3333" title "p99 goal"
unset logscale y
set title "RSS after the cold start (MiB)"; set ylabel "MiB"; set yrange [0:*]
plot "$tmp/after.dat" using 1:5 with linespoints lw 2 lc rgb "#2a7ab0" title "after" $(plot_before 5), 300 dt 2 lw 1.5 lc rgb "#cc3333" title "goal"
set title "CPU during the churn (% of one core)"; set ylabel "%"
plot "$tmp/after.dat" using 1:6 with linespoints lw 2 lc rgb "#2a7ab0" title "after" $(plot_before 6)
unset multiplot
GP
echo "scale-chart.sh: wrote $out/scale.png"
