#!/bin/sh
# Start-up of the `grafana` service in docker-compose.yml, run before the image's own /run.sh
# (which it then becomes, with exec). /run.sh turns every GF_<KEY>__FILE into GF_<KEY> with
# `export GF_<KEY>="$(cat file)"`, and an export succeeds even when the cat fails: an unreadable
# admin password file would leave the password unset, and Grafana would fall back to its built-in
# `admin`. This refuses to start instead, naming the variable and the file, never the content.
#
# The read-only ClickHouse password needs no check here: the data source reads it with $__file{},
# and Grafana stops when that file cannot be read.
set -eu

fail() {
  echo "verity grafana start-up: $*" >&2
  exit 1
}

for name in $(env | sed -n 's/^\(GF_[A-Za-z0-9_]*__FILE\)=.*/\1/p'); do
  eval "file=\${$name}"
  [ -n "$file" ] || fail "$name is empty"
  { [ -f "$file" ] && [ -r "$file" ]; } ||
    fail "$name: cannot read $file as uid $(id -u) (is the Compose secret missing, or owned by another uid?)"
  [ -n "$(tr -d '[:space:]' < "$file")" ] || fail "$name: $file is empty"
done

# Only moves for tests/compose/compose-config.test.ts, which runs this script without Docker.
exec "${VERITY_GRAFANA_NEXT_ENTRYPOINT:-/run.sh}" "$@"
