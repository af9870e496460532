#!/usr/bin/env bash
set -u
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -f /tmp/emsoc-pg/postmaster.pid ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D /tmp/emsoc-pg -m fast stop >/dev/null 2>&1
rm -rf /tmp/emsoc-pg
