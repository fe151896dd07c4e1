#!/bin/bash
# What one short curl fetch costs, counted rather than timed (the counts do not depend on how
# busy the machine is): curl direct, curl --socks4 through sockd, and socksify curl through
# sockd with -m preload and -m auto. Per way: system calls (strace -f -c), of them socksify's
# own up to the exec of curl (strace -f), and user-space instructions (valgrind --tool=callgrind:
# socksify up to its exec, and curl with the environment socksify gives it) and, with perf,
# page faults.
#
#   bench/socksify_budget.sh BUILD_DIR
#
# Prints one line per way: "way=W syscalls=N socksify_syscalls=N instructions=N
# socksify_instructions=N program_instructions=N page_faults=N", and the ratios of
# instructions to --socks4's.
# Loopback only; stops what it starts, by pid.
set -euo pipefail

build=${1:-build}
sockd=$build/sockd
socksify=$build/socksify
for tool in curl strace valgrind callgrind_annotate; do
  command -v "$tool" >/dev/null || { echo "budget: $tool is not installed" >&2; exit 1; }
done
[[ -x $sockd && -x $socksify ]] || { echo "budget: build $build first" >&2; exit 1; }
source "$(dirname "$0")/processes.sh"
work_directory socksify-budget

printf 'timeout idle 0\npermit 127.0.0.0/8\n' >"$work/sockd.conf"
: >"$work/sockd.log"
"$sockd" -F -f "$work/sockd.conf" -l 127.0.0.1:0 2>"$work/sockd.log" &
started+=("$!")
sockd_addr=""
for _ in $(seq 50); do
  sockd_addr=$(sed -n 's/.*listening on \(127\.0\.0\.1:[0-9]*\).*/\1/p' "$work/sockd.log" | head -1)
  [[ -n $sockd_addr ]] && break
  sleep 0.1
done
[[ -n $sockd_addr ]] || { echo "budget: sockd did not start" >&2; exit 1; }
mkdir -p "$work/www"
head -c 1024 /dev/zero >"$work/www/small"
# Port 0: the server says which port it got ("Serving HTTP on 127.0.0.1 port N ...").
: >"$work/http.log"
/usr/bin/python3 -u -m http.server --bind 127.0.0.1 --directory "$work/www" 0 >"$work/http.log" 2>&1 &
started+=("$!")
http_port=""
for _ in $(seq 50); do
  http_port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$work/http.log" | head -1)
  [[ -n $http_port ]] && break
  sleep 0.1
done
[[ -n $http_port ]] || { echo "budget: the HTTP server did not start" >&2; exit 1; }
url=http://127.0.0.1:$http_port/small
printf 'sockd @=%s 127.0.0.0/8\n' "$sockd_addr" >"$work/socks.conf"
curl_path=$(command -v curl)
loader=$(readelf -l "$curl_path" | sed -n 's/.*interpreter: \(.*\)]/\1/p')

command_of() {  # WAY -> the command line, one word a line
  case $1 in
    direct) printf '%s\n' curl -s -f -o /dev/null "$url" ;;
    socks4) printf '%s\n' curl -s -f -o /dev/null --socks4 "$sockd_addr" "$url" ;;
    preload | auto) printf '%s\n' "$socksify" -m "$1" -c "$work/socks.conf" curl -s -f -o /dev/null "$url" ;;
  esac
}

declare -A instructions
for way in direct socks4 preload auto; do
  mapfile -t cmd < <(command_of "$way")
  strace -f -c -o "$work/count" "${cmd[@]}"
  syscalls=$(awk '$NF == "total" { print $(NF - 2) }' "$work/count")
  own=0
  if [[ $way == preload || $way == auto ]]; then
    # socksify's calls: all up to and including the execve that starts curl.
    strace -f -o "$work/trace" "${cmd[@]}"
    own=$(awk -v p="$curl_path" 'index($0, "execve(\"" p "\"") && / = 0$/ { print NR; exit }' "$work/trace")
  fi
  rm -f "$work"/cg.*
  if [[ $way == preload || $way == auto ]]; then
    # Under valgrind, LD_PRELOAD does not reach curl: valgrind rewrites it for the children it
    # follows, and set for valgrind itself the preload would load into valgrind's launcher
    # (and supervise its static tool). So socksify is counted alone (the curl it execs runs
    # outside valgrind), then curl as socksify runs it, the preload loaded by the dynamic
    # loader's own --preload option.
    valgrind --tool=callgrind --trace-children=yes --dump-before='socks4::bare::execve*' \
      --dump-before=execve --callgrind-out-file="$work/cg.own.%p" "${cmd[@]}" >/dev/null \
      2>"$work/valgrind.log"
    SOCKS_CONF=$work/socks.conf valgrind --tool=callgrind --callgrind-out-file="$work/cg.program" \
      "$loader" --preload "$(readlink -f "$build/libsocksify.so")" "$curl_path" \
      -s -f -o /dev/null "$url" >/dev/null 2>>"$work/valgrind.log"
    grep -q libsocksify "$work/cg.program" ||
      { echo "budget: the preload was not loaded into curl" >&2; exit 1; }
  else
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.program" "${cmd[@]}" \
      >/dev/null 2>"$work/valgrind.log"
  fi
  program=$(awk '$1 == "totals:" { print $2; exit }' "$work/cg.program")
  total=$program
  for file in "$work"/cg.own.*; do  # socksify's dump before its exec; curl's are not used
    [[ -e $file ]] || continue
    n=$(awk -v p="$socksify" '$1 == "cmd:" && $2 != p { exit } $1 == "totals:" { print $2 }' \
      "$file")
    total=$((total + ${n:-0}))
  done
  instructions[$way]=$total
  # Page faults (a software event, so perf counts them in a virtual machine too): what mapping
  # and touching one more program and library costs the kernel. The mean of 20 runs.
  faults=-
  if command -v perf >/dev/null; then
    faults=$(perf stat -r 20 -x, -e page-faults "${cmd[@]}" 2>&1 >/dev/null |
      awk -F, '$3 == "page-faults" { print $1 }')
    faults=${faults:--}
  fi
  echo "way=$way syscalls=$syscalls socksify_syscalls=$own instructions=$total" \
    "socksify_instructions=$((total - program)) program_instructions=$program page_faults=$faults"
done
for way in preload auto; do
  awk -v a="${instructions[$way]}" -v b="${instructions[socks4]}" -v w="$way" \
    'BEGIN { printf "instructions %s/--socks4=%.4f\n", w, a / b }'
done
