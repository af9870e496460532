#!/usr/bin/env bash
# Stops the running engine and starts it again on the same data folder (what was indexed stays).
# Same environment variables as start.sh; prints start.sh's engine=... line.
set -euo pipefail
here="$(dirname "$0")"
"$here/stop.sh" --keep-data
exec "$here/start.sh" --reuse-data
