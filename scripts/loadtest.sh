#!/usr/bin/env bash
# make loadtest: the production-like server on loopback, the seed, 200 connections for 30 s against the gate,
# home, monograph and search (with an acknowledged session). Prints requests/s, latency p50/p95/p99,
# non-2xx/3xx responses and errors. Only ever targets 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS="${CONNECTIONS:-200}"
DURATION="${DURATION:-30s}"
PORT="${PORT:-8001}"
work="$(mktemp -d)"
export DATABASE_URL="${LOADTEST_DATABASE_URL:-sqlite:///$work/loadtest.sqlite3}"

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is not installed: sudo apt-get install wrk" >&2
    exit 1
  fi
fi

pidfile="$work/gunicorn.pid"
PORT="$PORT" scripts/serve.sh --daemon "$pidfile"
trap 'kill "$(cat "$pidfile")" 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$PORT"
for _ in $(seq 1 50); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done

# Acknowledge the disclaimer as a visitor would, and keep the session cookie.
jar="$work/cookies"
token="$(curl -fs -c "$jar" "$base/en/acknowledge/" | sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' | head -1)"
curl -fs -b "$jar" -c "$jar" -o /dev/null -H "Referer: $base/en/acknowledge/" \
  --data-urlencode "csrfmiddlewaretoken=$token" -d role=physician -d accept=on -d next=/en/ "$base/en/acknowledge/"
session="$(awk '$6 == "medinfo_ack" {print $7}' "$jar")"
[ -n "$session" ] || { echo "could not acknowledge the disclaimer" >&2; exit 1; }
curl -fs -o /dev/null -H "Cookie: medinfo_ack=$session" "$base/en/drugs/baricitinib/" || { echo "gate did not open" >&2; exit 1; }

echo "Load: $CONNECTIONS connections for $DURATION against $base (gate, home, monograph, search)"
COOKIE="medinfo_ack=$session" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s scripts/loadtest.lua "$base"
