#!/usr/bin/env bash
# bench-scale-chart.sh - draws bench-scale.sh's table (jovl vs Docker's overlay as a network grows).
#
#   examples/bench-scale-chart.sh [DAT] [OUT_DIR]
#
# DAT defaults to examples/charts/scale-vs-overlay-2026-12-05.dat (the run in examples/README.md),
# OUT_DIR to examples/charts; writes OUT_DIR/scale-vs-overlay.png. Needs gnuplot (gnuplot-nox).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dat=${1:-$here/charts/scale-vs-overlay-2026-12-05.dat}
out=${2:-$here/charts}
command -v gnuplot >/dev/null || { echo "bench-scale-chart.sh: no gnuplot (apt-get install gnuplot-nox)" >&2; exit 1; }
[ -s "$dat" ] || { echo "bench-scale-chart.sh: no table $dat" >&2; exit 1; }
title=$(head -1 "$dat" | sed 's/^# //')
gnuplot <<GP
set terminal pngcairo size 1400,460 font "DejaVu Sans,10" noenhanced
set output "$out/scale-vs-overlay.png"
set datafile missing "-"
set multiplot layout 1,3 title "$title"
set grid ytics lc rgb "#dddddd"
set key top left
set xlabel "containers per host on 3 hosts (+ started at once)"
set offsets graph 0.06, graph 0.06, 0, 0
set ylabel "s"
set yrange [0:*]
set title "all docker run -d of the batch returned"
plot "$dat" using 1:(\$4/1000.0):xtic(sprintf("%d (+%d)", \$1, \$3)) with linespoints lw 2 pt 7 lc rgb "#2a7ab0" title "jovl", \
     "" using 1:(\$6/1000.0) with linespoints lw 2 pt 5 lc rgb "#e08a2c" title "Docker overlay"
set title "every container of the batch answers a ping from host 2"
plot "$dat" using 1:(\$5/1000.0):xtic(sprintf("%d (+%d)", \$1, \$3)) with linespoints lw 2 pt 7 lc rgb "#2a7ab0" title "jovl", \
     "" using 1:(\$7/1000.0) with linespoints lw 2 pt 5 lc rgb "#e08a2c" title "Docker overlay"
set title "after docker run -d returned until answered (ms)"
set ylabel "ms"
plot "$dat" using 1:8:xtic(sprintf("%d (+%d)", \$1, \$3)) with linespoints lw 2 pt 7 lc rgb "#2a7ab0" title "jovl", \
     "" using 1:9 with linespoints lw 2 pt 5 lc rgb "#e08a2c" title "Docker overlay"
unset multiplot
GP
echo "bench-scale-chart.sh: wrote $out/scale-vs-overlay.png (from $dat)"
