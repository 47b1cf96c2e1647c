#!/bin/sh
# Runs a command (the Kafka broker JVM) and makes sure it does not outlive the test run.
#
#   sh watchdog.sh <parent-pid> <grace-seconds> <dir-to-remove-when-orphaned> <command> [args…]
#
# - SIGTERM/SIGINT/SIGHUP to this script: TERM the command, KILL it after <grace-seconds>.
# - <parent-pid> (the vitest process) disappears, even by SIGKILL: same, and the run's temp dir
#   is removed, since nobody is left to do it.
# The exit status is the command's.
parent=$1
grace=$2
orphan_dir=$3
shift 3

"$@" &
child=$!

stop_child() {
  kill -TERM "$child" 2>/dev/null
  ticks=0
  while kill -0 "$child" 2>/dev/null; do
    ticks=$((ticks + 1))
    if [ "$ticks" -gt $((grace * 10)) ]; then
      kill -KILL "$child" 2>/dev/null
      break
    fi
    sleep 0.1
  done
}

trap 'stop_child; wait "$child"; exit 143' TERM INT HUP

while kill -0 "$child" 2>/dev/null; do
  if ! kill -0 "$parent" 2>/dev/null; then
    stop_child
    wait "$child"
    [ -n "$orphan_dir" ] && rm -rf "$orphan_dir"
    exit 0
  fi
  # `sleep & wait` keeps the traps responsive (a foreground sleep would delay them).
  sleep 1 &
  wait $!
done

wait "$child"
