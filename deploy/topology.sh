#!/usr/bin/env bash
# Start the production topology on one machine, for drills and load tests:
# PostgreSQL database → migrate → demo data → two gunicorn app processes → two task workers.
#
#   deploy/topology.sh start      create a fresh database, load the demo, start everything
#   deploy/topology.sh status     the processes and their pids, /healthz/ready of each app
#   deploy/topology.sh web N      (re)start app process N (1 or 2) if it is not running
#   deploy/topology.sh worker N   (re)start task worker N (1 or 2) if it is not running
#   deploy/topology.sh stop       stop every process started here (the database stays)
#   deploy/topology.sh drop       stop, then drop the database
#
# Settings (environment): PGURL (server, default postgres://postgres@127.0.0.1:5432),
# TOPOLOGY_DB (jiefen_topology), DEMO_DISPUTES (2000), WEB_PORTS ("8101 8102"),
# WEB_WORKERS (gunicorn workers per app process, 2), STATE (var/topology),
# JIEFEN_SRC (the code to run, default this checkout).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
GUNICORN="$(dirname "$PY")/gunicorn"
JIEFEN_SRC="${JIEFEN_SRC:-$ROOT}"
PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432}"
TOPOLOGY_DB="${TOPOLOGY_DB:-jiefen_topology}"
DEMO_DISPUTES="${DEMO_DISPUTES:-2000}"
read -r -a PORTS <<< "${WEB_PORTS:-8101 8102}"
WEB_WORKERS="${WEB_WORKERS:-2}"
STATE="${STATE:-$ROOT/var/topology}"
PIDS="$STATE/pids"
LOGS="$STATE/logs"

export DATABASE_URL="$PGURL/$TOPOLOGY_DB"
export JIEFEN_VAR="$STATE/var"
export PYTHONPATH="$JIEFEN_SRC${PYTHONPATH:+:$PYTHONPATH}"
export DJANGO_SETTINGS_MODULE=jiefen.settings
export ALLOWED_HOSTS="localhost,127.0.0.1"
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"
mkdir -p "$PIDS" "$LOGS" "$JIEFEN_VAR"

jiefen() { (cd "$JIEFEN_SRC" && "$PY" -m jiefen "$@"); }
psql_server() { psql "$PGURL/postgres" -v ON_ERROR_STOP=1 -qAt "$@"; }

alive() { [[ -f "$PIDS/$1.pid" ]] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

start_web() {
  local n="$1" port="${PORTS[$(($1 - 1))]}"
  if alive "web$n"; then return; fi
  # --preload would share the app between workers, but a killed master must not leave a
  # half-loaded copy behind; each worker loads the app itself.
  (cd "$JIEFEN_SRC" && exec "$GUNICORN" jiefen.wsgi:application \
      --bind "127.0.0.1:$port" --workers "$WEB_WORKERS" --timeout 30 --graceful-timeout 10 \
      --max-requests 5000 --max-requests-jitter 500 \
      --pid "$PIDS/web$n.pid" --log-level warning \
      >>"$LOGS/web$n.log" 2>&1) &
  for _ in $(seq 100); do
    if curl -fsS "http://127.0.0.1:$port/healthz/ready" >/dev/null 2>&1; then return; fi
    sleep 0.1
  done
  echo "app process $n on port $port did not become ready; see $LOGS/web$n.log" >&2
  return 1
}

start_worker() {
  local n="$1"
  if alive "worker$n"; then return; fi
  (cd "$JIEFEN_SRC" && exec "$PY" -m jiefen db_worker --no-reload --interval 1 \
      --worker-id "topology-$n" >>"$LOGS/worker$n.log" 2>&1) &
  echo $! >"$PIDS/worker$n.pid"
}

stop_all() {
  local f pid
  for f in "$PIDS"/*.pid; do
    [[ -e "$f" ]] || continue
    pid="$(cat "$f")"
    kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 50); do
    local left=0
    for f in "$PIDS"/*.pid; do
      [[ -e "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null && left=1
    done
    [[ $left == 0 ]] && break
    sleep 0.2
  done
  for f in "$PIDS"/*.pid; do
    [[ -e "$f" ]] || continue
    kill -KILL "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
}

status() {
  local name port n
  for n in 1 2; do
    name="web$n"; port="${PORTS[$((n - 1))]}"
    if alive "$name"; then
      echo "$name pid $(cat "$PIDS/$name.pid") port $port workers $(pgrep -P "$(cat "$PIDS/$name.pid")" | tr '\n' ' ')" \
        "$(curl -fsS "http://127.0.0.1:$port/healthz/ready" 2>/dev/null || echo 'not ready')"
    else
      echo "$name not running"
    fi
  done
  for n in 1 2; do
    name="worker$n"
    if alive "$name"; then echo "$name pid $(cat "$PIDS/$name.pid")"; else echo "$name not running"; fi
  done
  echo "DATABASE_URL=$DATABASE_URL JIEFEN_VAR=$JIEFEN_VAR"
}

case "${1:-}" in
  start)
    stop_all
    psql_server -c "DROP DATABASE IF EXISTS \"$TOPOLOGY_DB\" WITH (FORCE)"
    psql_server -c "CREATE DATABASE \"$TOPOLOGY_DB\""
    jiefen migrate --verbosity 0
    jiefen createcachetable
    jiefen collectstatic --noinput --verbosity 0
    jiefen demo --disputes "$DEMO_DISPUTES" >"$LOGS/demo.log"
    jiefen meetings schedule >>"$LOGS/demo.log"
    jiefen sweep --schedule >>"$LOGS/demo.log"
    for n in 1 2; do start_web "$n"; done
    for n in 1 2; do start_worker "$n"; done
    status
    ;;
  web) start_web "$2"; echo "web$2 pid $(cat "$PIDS/web$2.pid")" ;;
  worker) start_worker "$2"; echo "worker$2 pid $(cat "$PIDS/worker$2.pid")" ;;
  status) status ;;
  stop) stop_all; echo "stopped" ;;
  drop)
    stop_all
    psql_server -c "DROP DATABASE IF EXISTS \"$TOPOLOGY_DB\" WITH (FORCE)"
    echo "stopped; database $TOPOLOGY_DB dropped"
    ;;
  env) echo "export DATABASE_URL=$DATABASE_URL JIEFEN_VAR=$JIEFEN_VAR PYTHONPATH=$PYTHONPATH" ;;
  *) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
