#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster (Debian's postgresql) on 127.0.0.1:55432 for the RA repository
# suite, and prints the export line for its URL. Stopped by stop-postgres.sh.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || { echo "PostgreSQL server binaries not found (apt package postgresql)" >&2; exit 1; }
DIR=/tmp/emsoc-pg
PORT=55432
if [ -f "$DIR/postmaster.pid" ] && kill -0 "$(head -1 "$DIR/postmaster.pid")" 2>/dev/null; then
  echo "export SOC_TEST_PG_URL=postgres://emsoc:emsoc@127.0.0.1:$PORT/emsoc"; exit 0
fi
rm -rf "$DIR"; mkdir -p "$DIR"; chown postgres:postgres "$DIR"
runuser -u postgres -- "$PGBIN/initdb" -D "$DIR" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR" -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1" -l "$DIR/log" -w start >/dev/null
runuser -u postgres -- "$PGBIN/psql" -h 127.0.0.1 -p $PORT -U postgres -qc "CREATE USER emsoc PASSWORD 'emsoc'" >/dev/null
runuser -u postgres -- "$PGBIN/psql" -h 127.0.0.1 -p $PORT -U postgres -qc "CREATE DATABASE emsoc OWNER emsoc" >/dev/null
echo "export SOC_TEST_PG_URL=postgres://emsoc:emsoc@127.0.0.1:$PORT/emsoc"
