# Sourced by the bench scripts (run.sh, profile.sh, socksify_budget.sh): a work directory and
# the processes a script starts, all gone when it exits. A script adds the pid of each process
# it starts to `started`; stop_all ends them, and a proxy's forked children, by pid, TERM
# first, KILL after 5 s.

started=()

stop_all() {
  local pid children=() deadline
  for pid in "${started[@]}"; do
    mapfile -t -O "${#children[@]}" children < <(ps -o pid= --ppid "$pid" 2>/dev/null | awk '{ print $1 }')
    kill -TERM "$pid" 2>/dev/null || true
  done
  deadline=$((SECONDS + 5))
  for pid in "${started[@]}" "${children[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  started=()
}

# work_directory NAME: a new directory /tmp/NAME.XXXXXX in $work, removed on exit after
# stop_all.
work_directory() {
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  trap 'stop_all; rm -rf "$work"' EXIT
  trap 'exit 130' INT TERM
}
