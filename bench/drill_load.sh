#!/usr/bin/env bash
# The load drill with the sweep in the middle, on the topology of deploy/topology.sh (same
# environment: TOPOLOGY_DB, WEB_PORTS, STATE …; the app processes and workers running).
#
#   bench/drill_load.sh USERS [WARMUP_S] [MEASURE_S] [SWEEP_AT_S]
#   DAYS=2 bench/drill_load.sh …   the second sweep as of 2 working days ahead (a later drill
#                                  on the same database: the next day's work is done)
#
# Locust runs WARMUP_S + MEASURE_S seconds (default 60 + 240) with USERS users; SWEEP_AT_S
# seconds into the measured part (default 60) the sweep runs twice in a row, as the periodic
# job would: once now (`jiefen sweep`), then as the first run after the day changes (the next
# working day at 07:00: one more day of deadlines falls yellow or red). The phases (warm-up,
# before, sweep, after) are written to var/drill-<USERS>/marks and split by
# bench/load_phases.py; the load average every 15 s goes to var/drill-<USERS>/uptime.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
USERS="${1:?users}"
WARMUP="${2:-60}"
MEASURE="${3:-240}"
SWEEP_AT="${4:-60}"
OUT="$ROOT/var/drill-$USERS"
rm -rf "$OUT" && mkdir -p "$OUT"
eval "$(bash "$ROOT/deploy/topology.sh" env)"
export DATABASE_URL JIEFEN_VAR PYTHONPATH DJANGO_SETTINGS_MODULE=jiefen.settings
read -r -a PORTS <<< "${WEB_PORTS:-8101 8102}"
mark() { echo "$(date +%s.%N) $1" >>"$OUT/marks"; }

(while true; do echo "$(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/uptime"; sleep 15; done) &
watcher=$!
trap 'kill $watcher 2>/dev/null || true' EXIT

"$ROOT/.venv/bin/locust" -f "$HERE/locustfile.py" --headless -u "$USERS" -r 4 \
    -t "$((WARMUP + MEASURE))s" --host "http://127.0.0.1:${PORTS[0]}" \
    --csv "$OUT/locust" --request-log "$OUT/requests.tsv" --only-summary \
    >"$OUT/locust.log" 2>&1 &
locust=$!
sleep 8  # the test_start preparation (20 registrations, 200 query codes)
mark warm-up
sleep "$WARMUP"
mark before
sleep "$SWEEP_AT"
mark sweep
"$ROOT/.venv/bin/jiefen" sweep >"$OUT/sweep.log" 2>&1
mark "sweep (next working day)"
"$ROOT/.venv/bin/jiefen" shell -c "
from datetime import datetime
from django.utils import timezone
from jiefen.calendars.services import calendar_current
from jiefen.supervision.sweep import sweep_run
now = timezone.localtime()
day = calendar_current().add(now.date(), ${DAYS:-1})
at = datetime.combine(day, now.timetz().replace(hour=7, minute=0, second=0, microsecond=0))
timings = {}
print(at.isoformat(), sweep_run(now=at, timings=timings), timings)
" >>"$OUT/sweep.log" 2>&1
mark after
wait "$locust" || true
mark end
cat "$OUT/sweep.log"
"$ROOT/.venv/bin/python" "$HERE/load_phases.py" "$OUT/requests.tsv" --marks "$OUT/marks"
cat "$OUT/uptime" | tr '\n' ' '; echo
