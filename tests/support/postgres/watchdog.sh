#!/bin/sh
# Runs a PostgreSQL server (`postgres`, or `setpriv … postgres` under root) and makes sure it does
# not outlive the test process.
#
#   sh watchdog.sh <parent-pid> <grace-seconds> <dir-to-remove-when-orphaned> <pid-file> <command> [args…]
#
# - <pid-file> receives the server's pid: server.ts signals the server itself for stop() (fast,
#   immediate or kill), and must not guess it from postmaster.pid, which a killed server leaves behind.
# - SIGTERM/SIGINT/SIGHUP to this script, or <parent-pid> (the vitest process) disappearing, even
#   by SIGKILL: a fast shutdown (SIGINT; SIGTERM would wait for connected clients to leave), then
#   SIGQUIT and SIGKILL if the server is still there after <grace-seconds>. When orphaned, the
#   run's temp dir is removed too, since nobody is left to do it.
# The exit status is the server's.
parent=$1
grace=$2
orphan_dir=$3
pid_file=$4
shift 4

"$@" &
child=$!
echo "$child" >"$pid_file"

stop_child() {
  kill -INT "$child" 2>/dev/null
  ticks=0
  while kill -0 "$child" 2>/dev/null; do
    ticks=$((ticks + 1))
    if [ "$ticks" -eq $((grace * 10)) ]; then
      kill -QUIT "$child" 2>/dev/null
    elif [ "$ticks" -gt $((grace * 10 + 20)) ]; then
      kill -KILL "$child" 2>/dev/null
      break
    fi
    sleep 0.1
  done
}

# The test process is watched from a subshell, so that this shell can `wait` for the server and
# exit the moment it does: stop() in server.ts waits for that exit.
(
  while kill -0 "$child" 2>/dev/null; do
    if ! kill -0 "$parent" 2>/dev/null; then
      stop_child
      exit 0
    fi
    sleep 1
  done
) &
monitor=$!

trap 'stop_child; wait "$child"; kill "$monitor" 2>/dev/null; exit 143' TERM INT HUP

wait "$child"
status=$?
kill "$monitor" 2>/dev/null
if [ -n "$orphan_dir" ] && ! kill -0 "$parent" 2>/dev/null; then
  rm -rf "$orphan_dir"
fi
exit "$status"
