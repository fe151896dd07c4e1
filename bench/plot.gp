# Plots a bench/run.sh results TSV: gnuplot -e "tsv='FILE.tsv'; png='FILE.png'" bench/plot.gp
# Left: speed relative to direct (1.0 = no proxy) with sockd's targets. Right: resident memory
# per held connection (log scale: the proxies differ by orders of magnitude).
# TSV rows after the header: 0-3 rate metrics, 4 connections held, 5 memory per connection.
# TSV columns: 3-7 direct, sockd, Dante, HAProxy, floor; 8-11 sockd, Dante, HAProxy, floor / direct.
set terminal pngcairo size 1200,500 font "DejaVu Sans,11"
set output png
set datafile separator "\t"
set datafile missing "-"
set style fill solid 0.85 border -1
set boxwidth 0.2
set key top right
set grid ytics
set bmargin 4.5
sockd_color = "#1f77b4"
dante_color = "#d62728"
haproxy_color = "#2ca02c"
floor_color = "#7f7f7f"
rate(col) = ($0 <= 3 ? column(col) : NaN)
set multiplot layout 1,2 title "socks4 bench: direct vs sockd vs Dante vs HAProxy (no SOCKS) vs the floor (SOCKS only), loopback, one run"

set title "speed relative to direct (higher is better)"
set xrange [-0.6:3.6]
set yrange [0:1.2]
set ylabel "x direct"
set xtics ("throughput\n1 stream" 0, "throughput\n8 streams" 1, "conn. rate\nsequential" 2, \
           "conn. rate\n8 parallel" 3) nomirror
# Issue 17's targets, one per group: 0.9, 0.9, 0.5, 0.5 (and the rates >= HAProxy's).
set arrow 1 from -0.5, 0.9 to 0.5, 0.9 nohead dt 2 lw 2 lc rgb sockd_color front
set arrow 2 from 0.5, 0.9 to 1.5, 0.9 nohead dt 2 lw 2 lc rgb sockd_color front
set arrow 4 from 1.5, 0.5 to 2.5, 0.5 nohead dt 2 lw 2 lc rgb sockd_color front
set arrow 5 from 2.5, 0.5 to 3.5, 0.5 nohead dt 2 lw 2 lc rgb sockd_color front
plot tsv skip 1 using ($0 - 0.315):(rate(8)) with boxes lc rgb sockd_color title "sockd", \
     '' skip 1 using ($0 - 0.105):(rate(9)) with boxes lc rgb dante_color title "Dante", \
     '' skip 1 using ($0 + 0.105):(rate(10)) with boxes lc rgb haproxy_color title "HAProxy (no SOCKS)", \
     '' skip 1 using ($0 + 0.315):(rate(11)) with boxes lc rgb floor_color title "floor (SOCKS only)", \
     '' skip 1 using ($0 - 0.315):(rate(8)):(sprintf("%.2f", rate(8))) with labels offset 0,0.7 font ",9" notitle, \
     '' skip 1 using ($0 - 0.105):(rate(9)):(sprintf("%.2f", rate(9))) with labels offset 0,0.7 font ",9" notitle, \
     '' skip 1 using ($0 + 0.105):(rate(10)):(sprintf("%.2f", rate(10))) with labels offset 0,0.7 font ",9" notitle, \
     '' skip 1 using ($0 + 0.315):(rate(11)):(sprintf("%.2f", rate(11))) with labels offset 0,0.7 font ",9" notitle, \
     NaN with lines dt 2 lw 2 lc rgb sockd_color title "sockd target"
unset arrow 1
unset arrow 2
unset arrow 4
unset arrow 5

set title "resident memory per held connection (lower is better)"
set xrange [-0.7:3.7]
set logscale y
set yrange [0.5:3000]
set ylabel "KiB per connection (log scale)"
set xtics ("sockd" 0, "Dante" 1, "HAProxy" 2, "floor" 3)
set key off
set boxwidth 0.5
set arrow 3 from -0.7, 1 to 3.7, 1 nohead dt 2 lw 2 lc rgb sockd_color front
set label 3 "dashed: sockd target 1 KiB" at graph 0.02, graph 0.95 tc rgb sockd_color front
memory(col) = ($0 == 5 ? column(col) : NaN)
plot tsv skip 1 using (0):(memory(4)) with boxes lc rgb sockd_color, \
     '' skip 1 using (1):(memory(5)) with boxes lc rgb dante_color, \
     '' skip 1 using (2):(memory(6)) with boxes lc rgb haproxy_color, \
     '' skip 1 using (3):(memory(7)) with boxes lc rgb floor_color, \
     '' skip 1 using (0):(memory(4)):(sprintf("%.1f KiB", memory(4))) with labels offset 0,0.8, \
     '' skip 1 using (1):(memory(5)):(sprintf("%.0f KiB", memory(5))) with labels offset 0,0.8, \
     '' skip 1 using (2):(memory(6)):(sprintf("%.1f KiB", memory(6))) with labels offset 0,0.8, \
     '' skip 1 using (3):(memory(7)):(sprintf("%.1f KiB", memory(7))) with labels offset 0,0.8
unset multiplot
