#!/bin/bash
# Start-up of the `clickhouse` service in docker-compose.yml, run before the image's own
# /entrypoint.sh (which it then becomes, with exec). It adds two things the image lacks:
#
#  1. A missing or empty password file stops the start. The image reads CLICKHOUSE_PASSWORD_FILE
#     only if the file exists; otherwise it quietly creates CLICKHOUSE_USER without a password.
#  2. Grafana's own read-only user, written on every start from its secret file, so it exists after
#     a container re-creation too (initdb scripts only run on an empty data volume) and a new
#     secret takes effect on restart. Only the SHA-256 of the password is written to disk.
#
# Messages name variables and paths, never a password. Runs as root, before ClickHouse drops to
# its own user, so it can read secret files owned by other users (see the README, "Docker").
set -euo pipefail

fail() {
  echo "verity clickhouse start-up: $*" >&2
  exit 1
}

# The secret in the file named by variable $1, checked. `$(cat)` drops trailing newlines, as the
# image's entrypoint and Grafana's $__file{} do, so all three read the same password.
read_secret() {
  local name=$1
  local file=${!name:-}
  [[ -n "$file" ]] || fail "$name is not set"
  [[ -f "$file" && -r "$file" ]] || fail "$name: cannot read $file (is the Compose secret missing?)"
  local value
  value=$(cat -- "$file")
  [[ -n "$value" ]] || fail "$name: $file is empty"
  # Leading spaces or several lines would be read differently by the three readers.
  [[ "$value" != *[[:space:]]* ]] || fail "$name: $file must hold one word, no spaces or line breaks (e.g. openssl rand -hex 24)"
  printf '%s' "$value"
}

read_secret CLICKHOUSE_PASSWORD_FILE > /dev/null

reader=${VERITY_GRAFANA_CLICKHOUSE_USER:-}
database=${CLICKHOUSE_DB:-}
identifier='^[A-Za-z_][A-Za-z0-9_]*$'
[[ "$reader" =~ $identifier ]] || fail "VERITY_GRAFANA_CLICKHOUSE_USER must be a ClickHouse identifier"
[[ "$database" =~ $identifier ]] || fail "CLICKHOUSE_DB must be a ClickHouse identifier"
[[ "$reader" != "${CLICKHOUSE_USER:-default}" ]] || fail "VERITY_GRAFANA_CLICKHOUSE_USER must differ from CLICKHOUSE_USER"

reader_password=$(read_secret VERITY_GRAFANA_CLICKHOUSE_PASSWORD_FILE)
reader_hash=$(printf '%s' "$reader_password" | sha256sum | cut -d ' ' -f 1)
unset reader_password

# Both paths only move for tests/compose/compose-config.test.ts, which runs this script without Docker.
users_dir=${VERITY_CLICKHOUSE_USERS_DIR:-/etc/clickhouse-server/users.d}
next=${VERITY_CLICKHOUSE_NEXT_ENTRYPOINT:-/entrypoint.sh}
mkdir -p "$users_dir"
# readonly=1: Grafana runs whatever SQL a panel or an Explore user writes, so the server refuses
# every write and DDL, and every setting change except max_execution_time, which the plugin's
# driver sets from the data source's query timeout on every query (changeable_in_readonly needs
# settings_constraints_replace_previous, see config.d/verity.xml). SELECT on the analytics
# database only.
cat > "$users_dir/verity-grafana-reader.xml" <<EOT
<clickhouse>
  <profiles>
    <verity_grafana_readonly>
      <readonly>1</readonly>
      <constraints>
        <max_execution_time>
          <max>600</max>
          <changeable_in_readonly/>
        </max_execution_time>
      </constraints>
    </verity_grafana_readonly>
  </profiles>
  <users>
    <${reader}>
      <password_sha256_hex>${reader_hash}</password_sha256_hex>
      <profile>verity_grafana_readonly</profile>
      <quota>default</quota>
      <networks>
        <ip>::/0</ip>
      </networks>
      <access_management>0</access_management>
      <grants>
        <query>GRANT SELECT ON ${database}.*</query>
      </grants>
    </${reader}>
  </users>
</clickhouse>
EOT

exec "$next" "$@"
