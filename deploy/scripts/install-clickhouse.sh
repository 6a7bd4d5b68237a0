#!/usr/bin/env bash
# Installs ClickHouse from the distribution's packages when no server binary
# is found. faascope runs it itself as a managed child process, so nothing is
# enabled or started here.
set -euo pipefail

if command -v clickhouse-server >/dev/null 2>&1 || command -v clickhouse >/dev/null 2>&1 \
  || [ -x /usr/sbin/clickhouse-server ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<'MSG'
faascope needs a ClickHouse server binary and none was found on PATH.
Install one (Debian/Ubuntu: sudo apt-get install -y clickhouse-server; other
systems: https://clickhouse.com/docs/install) or point faascope at an
existing server with --clickhouse-addr host:9000.
MSG
  exit 1
fi

echo "installing clickhouse-server from the distribution's packages..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq clickhouse-server >/dev/null
echo "installed: $(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)" >&2
