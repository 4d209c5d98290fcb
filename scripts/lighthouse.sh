#!/usr/bin/env bash
# make lighthouse: Lighthouse's mobile audit (its default: a mid-range phone on slow 4G, simulated throttling) of
# the gate, home, monograph and condition page, served by the production-like server (scripts/serve.sh:
# gunicorn, DEBUG off, compressed hashed static files) on a free loopback port with a fresh seeded database.
# Each page is audited LIGHTHOUSE_RUNS times (3); the table gives the median of each figure (docs/benchmarks.md).
#
# Lighthouse is not in package.json: it is about 200 npm packages (190 MB) that no test uses, and make install-dev
# and CI would fetch them on every fresh machine. It is installed once, from the npm registry, into
# LIGHTHOUSE_HOME (~/.cache/medinfo/lighthouse-VERSION). 12.8.2 is the last release that runs on Node 20
# (Lighthouse 13 needs Node 22.19). It drives Debian's Chromium (CHROME_PATH) and never downloads a browser.
#
# Environment: LIGHTHOUSE_RUNS (3), CHROME_PATH (/usr/bin/chromium), LIGHTHOUSE_HOME, LIGHTHOUSE_REPORTS (where
# the JSON reports are kept; a new folder under /tmp by default), PORT (a free one by default).
set -euo pipefail
cd "$(dirname "$0")/.."

LIGHTHOUSE_VERSION=12.8.2
runs="${LIGHTHOUSE_RUNS:-3}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
tools="${LIGHTHOUSE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/medinfo/lighthouse-$LIGHTHOUSE_VERSION}"
lighthouse="$tools/node_modules/.bin/lighthouse"
reports="${LIGHTHOUSE_REPORTS:-$(mktemp -d /tmp/medinfo-lighthouse-reports.XXXXXX)}"
mkdir -p "$reports"

[ -x "$CHROME_PATH" ] || { echo "no Chromium at $CHROME_PATH (apt-get install chromium, or set CHROME_PATH)" >&2; exit 1; }
if [ ! -x "$lighthouse" ]; then
  echo "Installing Lighthouse $LIGHTHOUSE_VERSION from npm into $tools"
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --no-audit --no-fund --silent "lighthouse@$LIGHTHOUSE_VERSION"
fi

# A server of its own: its own database, content version and port, stopped on exit whatever happens.
work="$(mktemp -d)"
export DATABASE_URL="sqlite:///$work/lighthouse.sqlite3"
export MEDINFO_CACHE_DIR="$work/cache"
port="${PORT:-$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
pidfile="$work/gunicorn.pid"
trap 'kill "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null || true; rm -rf "$work"' EXIT
PORT="$port" scripts/serve.sh --daemon "$pidfile"
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done

# Acknowledge the disclaimer as a visitor would; Lighthouse then sends the signed cookie with every request.
jar="$work/cookies"
token="$(curl -fs -c "$jar" "$base/en/acknowledge/" | sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' | head -1)"
curl -fs -b "$jar" -c "$jar" -o /dev/null -H "Referer: $base/en/acknowledge/" \
  --data-urlencode "csrfmiddlewaretoken=$token" -d role=physician -d accept=on -d next=/en/ "$base/en/acknowledge/"
ack="$(awk '$6 == "medinfo_ack" {print $7}' "$jar")"
[ -n "$ack" ] || { echo "could not acknowledge the disclaimer" >&2; exit 1; }
curl -fs -o /dev/null -H "Cookie: medinfo_ack=$ack" "$base/en/drugs/baricitinib/" || { echo "the gate did not open" >&2; exit 1; }

# The gate is audited as a first visit (no cookie): that is when everyone sees it.
pages=(
  "gate /en/acknowledge/?next=/en/"
  "home /en/"
  "monograph /en/drugs/baricitinib/"
  "condition /en/conditions/alopecia-areata/"
)
for entry in "${pages[@]}"; do
  read -r name path <<<"$entry"
  headers=()
  [ "$name" = gate ] || headers=(--extra-headers "{\"Cookie\": \"medinfo_ack=$ack\"}")
  for run in $(seq 1 "$runs"); do
    echo "Lighthouse: $name, run $run of $runs"
    # Lighthouse now and then fails to record a trace (NO_NAVSTART) on a busy machine: try that run again.
    for attempt in 1 2 3; do
      "$lighthouse" "$base$path" --quiet --chrome-flags="--headless=new --no-sandbox" \
        --only-categories=performance,accessibility --output=json --output-path="$reports/$name-$run.json" \
        "${headers[@]}" && break
      [ "$attempt" -lt 3 ] || { echo "Lighthouse failed 3 times on $name" >&2; exit 1; }
      echo "Lighthouse failed on $name; trying again"
    done
  done
done

.venv/bin/python - "$reports" "$runs" <<'PY'
import json
import statistics
import sys
from pathlib import Path

reports, runs = Path(sys.argv[1]), int(sys.argv[2])
print(f"\nLighthouse {json.loads(next(reports.glob('*.json')).read_text())['lighthouseVersion']}, mobile, "
      f"simulated throttling; median of {runs} runs (performance scores of each run in brackets)\n")
# benchmarkIndex is Lighthouse's measure of the machine's speed during the run: the simulated phone is this machine
# slowed 4 times, so a busy machine (a lower index) reads as a slower phone, mostly in TBT.
print("| page | performance | accessibility | FCP | LCP | TBT | CLS | transfer | benchmarkIndex |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for name in ["gate", "home", "monograph", "condition"]:
    results = [json.loads(path.read_text()) for path in sorted(reports.glob(f"{name}-*.json"))]
    def median(figure):
        return statistics.median(figure(result) for result in results)
    def audit(key):
        return lambda result: result["audits"][key]["numericValue"]
    scores = [round(result["categories"]["performance"]["score"] * 100) for result in results]
    print(
        f"| {name} | {median(lambda r: r['categories']['performance']['score'] * 100):.0f} ({', '.join(map(str, scores))}) "
        f"| {median(lambda r: r['categories']['accessibility']['score'] * 100):.0f} "
        f"| {median(audit('first-contentful-paint')) / 1000:.2f} s | {median(audit('largest-contentful-paint')) / 1000:.2f} s "
        f"| {median(audit('total-blocking-time')):.0f} ms | {median(audit('cumulative-layout-shift')):.3f} "
        f"| {median(audit('total-byte-weight')) / 1024:.1f} KiB | {median(lambda r: r['environment']['benchmarkIndex']):.0f} |"
    )
print(f"\nReports: {reports}")
PY
