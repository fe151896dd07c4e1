#!/bin/bash
# The per-connection cost of sockd, in figures that do not depend on how busy the machine is:
# instructions (valgrind --tool=callgrind) and system calls (strace -c) per proxied
# connect + 1-byte echo + close cycle, sockd with one worker thread.
#
#   bench/profile.sh BUILD_DIR [callgrind|strace|both] [SOCKD_ARGS...]
#
# Environment: PROFILE_SECONDS (default 4) of load, PROFILE_CLIENTS (default 1) parallel
# clients. Prints "instructions_per_conn=N" and/or "syscalls_per_conn=N" plus the per-call
# table (strace) and the top functions (callgrind). Loopback only; stops what it starts by pid.
set -euo pipefail

build=${1:-build}
what=${2:-both}
shift $(($# >= 2 ? 2 : $#))
socksbench=$build/bench/socksbench
sockd=$build/sockd
seconds=${PROFILE_SECONDS:-4}
clients=${PROFILE_CLIENTS:-1}
work=$(mktemp -d /tmp/socksprofile.XXXXXX)
started=()

cleanup() {
  local pid
  for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

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

# load -> prints completed cycles
load() {
  local line
  line=$("$socksbench" connrate --target "$ping_addr" --proxy "$sockd_addr" \
    --clients "$clients" --seconds "$seconds")
  sed -n 's/.* completed=\([0-9]*\).*/\1/p' <<<"$line"
}

stop_sockd() {
  kill -TERM "$sockd_pid"
  for _ in $(seq 100); do kill -0 "$sockd_pid" 2>/dev/null || return 0; sleep 0.1; done
}

sockd_args=("$@")

if [[ $what == callgrind || $what == both ]]; then
  start_sockd valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" --dump-instr=no
  callgrind_control -z "$sockd_pid" >/dev/null 2>&1
  completed=$(load)
  callgrind_control -d "$sockd_pid" >/dev/null 2>&1
  sleep 0.5
  stop_sockd
  dump=$(ls "$work"/cg.* | tail -1); [[ -n ${PROFILE_KEEP:-} ]] && cp "$work"/cg.* "$PROFILE_KEEP"/
  total=$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$dump" | head -1)
  echo "callgrind: $completed cycles, $total instructions"
  awk -v t="$total" -v c="$completed" 'BEGIN { printf "instructions_per_conn=%.0f\n", t / c }'
  callgrind_annotate --inclusive=no --threshold=100 "$dump" 2>/dev/null |
    sed -n '/file:function/,$p' | grep -v -e 'event_base_dispatch \[' -e 'Worker::run' -e clone -e start_thread -e '_M_run' -e '0x00000000000d4490' | head -40 |
    awk -v c="$completed" 'NR > 2 && $1 ~ /^[0-9,]+$/ { n = $1; gsub(",", "", n);
      printf "%8.0f per conn  %s\n", n / c, $0 } ' | cut -c1-160
fi

if [[ $what == strace || $what == both ]]; then
  start_sockd
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
