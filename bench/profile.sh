#!/bin/bash
# The per-connection cost of a relay, in figures that do not depend on how busy the machine is:
# instructions (valgrind --tool=callgrind), calls to malloc and libevent (callgrind's call
# counts; for HAProxy its pool allocator and timer queue) and system calls (strace -c, or perf
# from kernel tracepoints) per proxied connect + 1-byte echo + close cycle, with one worker
# thread: sockd by default, or HAProxy with PROFILE_PROXY=haproxy (bench/haproxy.cfg.in,
# nbthread 1, a fixed backend: its clients send no SOCKS request).
#
#   bench/profile.sh BUILD_DIR [callgrind|strace|perf|both] [SOCKD_ARGS...]
#
# strace slows the proxy down so much that every client's bytes have arrived by the time it
# looks, which hides the reads that find nothing; `perf` counts the same system calls (and
# their failures) from kernel tracepoints at full speed (root, and tracefs mounted).
#
# Environment: PROFILE_SECONDS (default 4) of load, PROFILE_CLIENTS (default 1) parallel
# clients, PROFILE_PROXY (sockd or haproxy). Prints "instructions_per_conn=N", the calls per
# connection of a few functions, and/or "syscalls_per_conn=N" plus the per-call table (strace)
# and the top functions (callgrind). Loopback only; stops what it starts by pid.
set -euo pipefail

build=${1:-build}
what=${2:-both}
shift $(($# >= 2 ? 2 : $#))
socksbench=$build/bench/socksbench
sockd=$build/sockd
seconds=${PROFILE_SECONDS:-4}
clients=${PROFILE_CLIENTS:-1}
proxy=${PROFILE_PROXY:-sockd}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/processes.sh"
work_directory socksprofile

echo "nameserver 127.0.0.1" >"$work/resolv.conf"
printf '127.0.0.1 localhost\n' >"$work/hosts"
cat >"$work/sockd.conf" <<EOF
timeout idle 0
hosts_file $work/hosts
resolv_conf $work/resolv.conf
permit 127.0.0.0/8
EOF

"$socksbench" serve >"$work/serve.out" &
started+=("$!")
for _ in $(seq 50); do grep -q '^discard' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
ping_addr=$(awk '$1 == "ping" {print $2}' "$work/serve.out")
echo_addr=$(awk '$1 == "echo" {print $2}' "$work/serve.out")
discard_addr=$(awk '$1 == "discard" {print $2}' "$work/serve.out")

# start_sockd PREFIX... : sockd (under PREFIX) with one thread; sets sockd_pid and sockd_addr.
start_sockd() {
  : >"$work/sockd.log"
  "$@" "$sockd" -F -t 1 -f "$work/sockd.conf" -l 127.0.0.1:0 "${sockd_args[@]}" \
    2>"$work/sockd.log" &
  sockd_pid=$!
  started+=("$sockd_pid")
  sockd_addr=""
  for _ in $(seq 300); do
    sockd_addr=$(sed -n 's/.*listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$work/sockd.log" | head -1)
    [[ -n $sockd_addr ]] && break
    sleep 0.1
  done
  [[ -n $sockd_addr ]] || { echo "profile: sockd did not start" >&2; cat "$work/sockd.log" >&2; exit 1; }
  "$socksbench" probe --target "$ping_addr" --proxy "$sockd_addr" --timeout 30 >/dev/null
}

# start_haproxy PREFIX... : HAProxy (under PREFIX) with one thread; sets sockd_pid (its pid)
# and front_addr (the frontend whose fixed backend is the ping server).
start_haproxy() {
  local ports=() port
  for _ in 1 2 3; do ports+=("$("$socksbench" free-port)"); done
  sed -e "s|@THREADS@|1|" -e "s|@MAXCONN@|4096|" -e "s|@MAXPIPES@|512|" \
    -e "s|@FDLIMIT@|$(ulimit -Hn)|" \
    -e "s|@PING@|$ping_addr|" -e "s|@ECHO@|$echo_addr|" -e "s|@DISCARD@|$discard_addr|" \
    -e "s|@PING_FRONT@|${ports[0]}|" -e "s|@ECHO_FRONT@|${ports[1]}|" \
    -e "s|@DISCARD_FRONT@|${ports[2]}|" "$here/haproxy.cfg.in" >"$work/haproxy.cfg"
  "$@" haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
  sockd_pid=$!
  started+=("$sockd_pid")
  front_addr=127.0.0.1:${ports[0]}
  "$socksbench" probe --target "$front_addr" --timeout 30 >/dev/null
}

start_proxy() {
  if [[ $proxy == haproxy ]]; then start_haproxy "$@"; else start_sockd "$@"; fi
}

# load -> prints completed cycles
load() {
  local line
  if [[ $proxy == haproxy ]]; then
    line=$("$socksbench" connrate --target "$front_addr" --clients "$clients" --seconds "$seconds")
  else
    line=$("$socksbench" connrate --target "$ping_addr" --proxy "$sockd_addr" \
      --clients "$clients" --seconds "$seconds")
  fi
  sed -n 's/.* completed=\([0-9]*\).*/\1/p' <<<"$line"
}

stop_sockd() {
  kill -TERM "$sockd_pid"
  for _ in $(seq 100); do kill -0 "$sockd_pid" 2>/dev/null || return 0; sleep 0.1; done
}

sockd_args=("$@")

if [[ $what == callgrind || $what == both ]]; then
  start_proxy valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" --dump-instr=no
  callgrind_control -z "$sockd_pid" >/dev/null 2>&1
  completed=$(load)
  callgrind_control -d "$sockd_pid" >/dev/null 2>&1
  sleep 0.5
  stop_sockd
  dump=$(ls "$work"/cg.* | tail -1); [[ -n ${PROFILE_KEEP:-} ]] && cp "$work"/cg.* "$PROFILE_KEEP"/
  total=$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$dump" | head -1)
  echo "callgrind: $completed cycles, $total instructions"
  awk -v t="$total" -v c="$completed" 'BEGIN { printf "instructions_per_conn=%.0f\n", t / c }'
  # Calls per connection, from the call counts in the dump (names are compressed: "(id) name"
  # the first time, "(id)" after). Allocations, and libevent's event operations (sockd).
  awk -v c="$completed" '
    /^c?fn=/ { text = substr($0, index($0, "=") + 1); id = text; sub(/ .*/, "", id)
               if (text != id) name[id] = substr(text, length(id) + 2)
               if ($0 ~ /^cfn=/) callee = name[id] }
    /^calls=/ { split(substr($0, 7), n, " "); calls[callee] += n[1] }
    END { split("malloc calloc realloc free __pool_alloc event_add event_del event_active __task_queue", f, " ")
          for (i = 1; i in f; i++) {
            total = 0
            for (k in calls) if (k == f[i] || index(k, f[i] " ") == 1 || index(k, f[i] "'"'"'") == 1) total += calls[k]
            printf "  %-16s %6.2f calls per conn\n", f[i], total / c } }' "$dump"
  callgrind_annotate --inclusive=no --threshold=100 "$dump" 2>/dev/null |
    sed -n '/file:function/,$p' | grep -v -e 'event_base_dispatch \[' -e 'Worker::run' -e clone -e start_thread -e '_M_run' -e '0x00000000000d4490' | head -40 |
    awk -v c="$completed" 'NR > 2 && $1 ~ /^[0-9,]+$/ { n = $1; gsub(",", "", n);
      printf "%8.0f per conn  %s\n", n / c, $0 } ' | cut -c1-160
fi

if [[ $what == perf ]]; then
  calls=(accept4 recvfrom sendto read write writev splice epoll_wait epoll_ctl socket connect
    setsockopt getsockopt shutdown close fcntl getpid)
  events=(-e task-clock -e raw_syscalls:sys_enter)
  for call in "${calls[@]}"; do
    events+=(-e "syscalls:sys_enter_$call" -e "syscalls:sys_exit_$call" --filter 'ret < 0')
  done
  start_proxy
  perf stat -x, -o "$work/perf.out" "${events[@]}" -p "$sockd_pid" &
  perf_pid=$!
  started+=("$perf_pid")
  sleep 1
  completed=$(load)
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  stop_sockd
  echo "perf: $completed cycles"
  awk -F, -v c="$completed" '$3 == "task-clock" { printf "cpu_us_per_conn=%.1f (timing: noisy)\n", $1 * 1000 / c }
    $3 ~ /sys_e/ {
      split($3, name, "_"); call = $3; sub(/.*sys_(enter|exit)_/, "", call)
      if ($3 ~ /raw_syscalls/) { printf "syscalls_per_conn=%.1f\n", $1 / c; next }
      if ($3 ~ /sys_enter_/) { calls[call] = $1; order[++n] = call } else errors[call] = $1 }
    END { for (i = 1; i <= n; i++) if (calls[order[i]] > 0)
      printf "  %-14s %6.2f per conn (%.2f errors)\n", order[i], calls[order[i]] / c, errors[order[i]] / c }' \
    "$work/perf.out"
fi

if [[ $what == strace || $what == both ]]; then
  start_proxy
  strace -f -c -o "$work/strace.out" -p "$sockd_pid" 2>/dev/null &
  strace_pid=$!
  started+=("$strace_pid")
  sleep 1
  completed=$(load)
  kill -INT "$strace_pid"
  wait "$strace_pid" || true
  stop_sockd
  echo "strace: $completed cycles"
  awk -v c="$completed" '$NF == "total" { printf "syscalls_per_conn=%.1f\n", $(NF - 2) / c }
    $1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
      calls = $4; errors = (NF == 6) ? $5 : 0; printf "  %-14s %6.2f per conn (%.2f errors)\n", $NF, calls / c, errors / c }' \
    "$work/strace.out"
fi
