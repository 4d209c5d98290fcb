"""make bench: clinician pages against a static file of the same size, at 100, 1,000 and 10,000 drugs.

Builds a separate SQLite database of synthetic monographs (never the real one), starts the production-like
server (gunicorn, 2 workers, DEBUG off) on 127.0.0.1, and drives wrk with an acknowledged session: once with the
content version in local files (the embedded default) and once with it in Redis (a private redis-server), then
two app hosts on one database and one Redis under load while a publication lands, counting stale answers.
Prints the tables and writes them to docs/benchmarks.md. Only ever targets 127.0.0.1.
"""

import collections
import datetime
import http.cookiejar
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "100,1000,10000").split(",")]
DURATION = os.environ.get("BENCH_DURATION", "2s")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "20")
# Where the content version lives: "local" (files, no extra server) and/or "redis" (Debian's redis-server).
CACHE_SETUPS = os.environ.get("BENCH_CACHES", "local,redis").split(",")
ATTEMPTS = 8
REPEATED = []  # runs taken again because one worker held too few connections
COLD = "search (cold)"
COLD_LIGHT = "search (cold, 2 connections)"
GATE = "gate (a first visit)"
PORT = int(os.environ.get("BENCH_PORT", "8002"))
BASE = f"http://127.0.0.1:{PORT}"
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "6391"))


def environment(work: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_STATIC_ROOT": str(work / "static"),
    }


def manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def acknowledged_session() -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{BASE}/en/acknowledge/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "role": "physician", "accept": "on", "next": "/en/"})
    request = urllib.request.Request(f"{BASE}/en/acknowledge/", data=form.encode(), headers={"Referer": BASE})
    opener.open(request).read()
    return next(c.value for c in jar if c.name == "medinfo_ack")


def fetch(path: str, session: str, base: str = BASE) -> bytes:
    request = urllib.request.Request(f"{base}{path}", headers={"Cookie": f"medinfo_ack={session}"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 200, path
        return response.read()


def wrk(
    path: str, session: str, duration: str = DURATION, script: str = "bench.lua", connections: str = CONNECTIONS, **env
) -> dict:
    """One wrk run against path; repeated if one worker holds fewer than a quarter of its connections."""
    for attempt in range(ATTEMPTS):
        run = subprocess.Popen(
            ["wrk", "-t2", f"-c{connections}", f"-d{duration}", "--timeout", "5s", "-s", f"scripts/{script}"]
            + [f"{BASE}{path}"],
            cwd=ROOT,
            env={**os.environ, "COOKIE": f"medinfo_ack={session}", **env},
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.3)
        # wrk opens its keep-alive connections in one burst, and gunicorn's first worker to wake may take
        # most or all of them: the run then measures one core, not the server (870 against 2,400 requests/s).
        held = connections_per_worker()
        balanced = len(held) >= 2 and min(held.values()) >= int(connections) // 4
        if balanced or attempt == ATTEMPTS - 1:
            output = run.communicate()[0]
            break
        run.kill()
        run.communicate()
        REPEATED.append(path)
    rps, p50, p95, p99, non2xx, errors = re.search(r"^RESULT (.*)$", output, re.MULTILINE).group(1).split()
    return {
        "rps": float(rps),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": int(non2xx) + int(errors),
    }


def connections_per_worker() -> collections.Counter:
    """How many established connections on the benchmark port each server process holds."""
    sockets = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{PORT} )"], capture_output=True, text=True, check=True
    ).stdout
    return collections.Counter(re.findall(r"pid=(\d+)", sockets))


def serve(env: dict, work: Path, port: int = PORT) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "medinfo.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(work / f"gunicorn-{port}.log", "w"),  # noqa: SIM115 (the server outlives this function)
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz")
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"the server did not start: see {work / f'gunicorn-{port}.log'}")


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    if "redis" in CACHE_SETUPS and not shutil.which("redis-server"):
        sys.exit("redis-server is not installed: apt-get install redis-server (or BENCH_CACHES=local)")
    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="medinfo-bench-"))
    env = environment(work)
    redis = start_redis(work) if "redis" in CACHE_SETUPS else None
    setups = {"local": env, "redis": {**env, "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0"}}
    manage(env, "migrate", "--noinput")
    manage(env, "load_seed")
    manage(env, "collectstatic", "--noinput")
    (work / "static" / "bench").mkdir()
    rows, two_host_rows = [], []
    try:
        for size in SIZES:
            started = time.monotonic()
            manage(env, "generate_synthetic", "--drugs", str(size))
            print(f"{size} drugs generated in {time.monotonic() - started:.0f} s", file=sys.stderr)
            middle = f"synthetinib-{size // 2:05d}"
            pages = {
                "monograph": f"/en/drugs/{middle}/",
                "condition": "/en/conditions/synthetic-condition-007/",
                "home": "/en/",
                "search": "/en/search/?q=synthetinib-0004",
                GATE: "/en/acknowledge/?next=/en/",
            }
            server = serve(env, work)
            try:
                session = acknowledged_session()
                # The ceilings: for each page, a static file of the same number of bytes, served by the same
                # server (whitenoise). The monograph's is the reference the issue names.
                sizes = {name: len(fetch(path, session)) for name, path in pages.items()}
                for name, size_of in sizes.items():
                    (work / "static" / "bench" / f"{size}-{slugify(name)}.html").write_bytes(b"x" * size_of)
            finally:
                server.terminate()
                server.wait()
            statics = {name: f"/static/bench/{size}-{slugify(name)}.html" for name in pages}
            for setup in CACHE_SETUPS:
                server = serve(setups[setup], work)  # whitenoise indexes static files at start-up
                try:
                    # Warm every URL first: a fresh server's first seconds (threads, imports, a page's first
                    # render) are not what a reader waits for, and skewed single runs by a factor of three.
                    for path in [*statics.values(), *pages.values()]:
                        wrk(path, session, duration="1s")
                    rows.extend({**row, "cache": setup} for row in measure(size, pages, sizes, statics, session))
                finally:
                    server.terminate()
                    server.wait()
            if redis is not None and size == SIZES[-1]:
                two_host_rows.append(two_hosts(setups["redis"], work, size, session))
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait()
    report(rows, two_host_rows, minutes=(time.monotonic() - began) / 60)
    shutil.rmtree(work, ignore_errors=True)


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-")


def start_redis(work: Path) -> subprocess.Popen:
    redis = subprocess.Popen(
        ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=work,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        if subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True).returncode == 0:
            return redis
        time.sleep(0.1)
    redis.terminate()
    raise RuntimeError("redis-server did not start")


PUBLISH = """
from django.db import transaction
from drugs import services
from drugs.models import Drug
with transaction.atomic():
    drug = Drug.objects.working().get(slug={slug!r})
    drug.summary = {marker!r}
    drug.save()
    services.replace_public_copy(drug)
"""


def two_hosts(env: dict, work: Path, size: int, session: str) -> dict:
    """Two app servers (each 2 workers) on one database and one Redis, loaded by wrk through both, while a
    publication lands: every answer after the publication has committed must show it, on either host."""
    ports = [PORT, PORT + 1]
    servers = [serve(env, work, port) for port in ports]
    slug = f"synthetinib-{size // 3:05d}"
    path = f"/en/drugs/{slug}/"
    marker = f"Published during the two-host benchmark {secrets.token_hex(4)}."
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            fetch(path, session, base)  # stored on each host before the change
        loads = [
            subprocess.Popen(
                ["wrk", "-t1", "-c10", "-d6s", "--timeout", "5s", "-s", "scripts/bench.lua", f"{base}{path}"],
                cwd=ROOT,
                env={**os.environ, "COOKIE": f"medinfo_ack={session}"},
                stdout=subprocess.PIPE,
                text=True,
            )
            for base in bases
        ]
        time.sleep(2)
        manage(env, "shell", "-c", PUBLISH.format(slug=slug, marker=marker))  # returns once it has committed
        answers = [marker.encode() in fetch(path, session, bases[n % 2]) for n in range(400)]
        outputs = [load.communicate()[0] for load in loads]
    finally:
        for server in servers:
            server.terminate()
            server.wait()
    results = [re.search(r"^RESULT (.*)$", output, re.MULTILINE).group(1).split() for output in outputs]
    return {
        "size": size,
        "rps": sum(float(result[0]) for result in results),
        "p95": max(float(result[2]) for result in results),
        "errors": sum(int(result[4]) + int(result[5]) for result in results),
        "checked": len(answers),
        "stale": answers.count(False),
    }


def measure(size: int, pages: dict, sizes: dict, statics: dict, session: str) -> list:
    """Each page right after its same-size static file, in several rounds; the ratio is the median of pairs.

    This machine's throughput drifts by a factor of three over minutes (other tenants), so a page is only
    ever compared with the static file measured seconds before it, and medians drop a disturbed pair.
    """
    runs = {name: [] for name in [*pages, COLD, COLD_LIGHT]}
    ceilings = {name: [] for name in runs}
    for _ in range(ROUNDS):
        for name, path in pages.items():
            ceilings[name].append(wrk(statics[name], session))
            # The gate is what an anonymous visitor gets: rendered for each, with a fresh CSRF token.
            runs[name].append(wrk(path, "" if name == GATE else session))
        # Cold search: a different query on every request, so no stored page can answer it; at full load,
        # then as two clinicians searching at once (where the latency is the search's own cost).
        search_ceiling = wrk(statics["search"], session)
        ceilings[COLD].append(search_ceiling)
        ceilings[COLD_LIGHT].append(search_ceiling)
        runs[COLD].append(wrk("/en/search/", session, script="bench_search.lua", DRUGS=str(size)))
        runs[COLD_LIGHT].append(
            wrk("/en/search/", session, script="bench_search.lua", connections="2", DRUGS=str(size))
        )
    rows = []
    for name in runs:
        # A ceiling of 0 requests/s (an overloaded machine, seen once) says nothing about the page: such a
        # pair is left out of the ratio, and a page with no usable pair reports none.
        pairs = zip(runs[name], ceilings[name], strict=True)
        ratios = [run["rps"] / ceiling["rps"] for run, ceiling in pairs if ceiling["rps"] > 0]
        rows.append(
            {
                "size": size,
                "page": name,
                "bytes": sizes.get(name),
                **median_run(runs[name]),
                "ceiling": statistics.median(run["rps"] for run in ceilings[name]),
                "ratio": statistics.median(ratios) if ratios else None,
            }
        )
    return rows


def median_run(runs: list) -> dict:
    """The run with the median requests/s (its latencies belong together), with the total of errors."""
    ordered = sorted(runs, key=lambda run: run["rps"])
    return {**ordered[len(ordered) // 2], "errors": sum(run["errors"] for run in runs)}


def ratio(value: float | None) -> str:
    return "no usable ceiling" if value is None else f"**{value:.2f}**"


def report(rows: list, two_host_rows: list, minutes: float) -> None:
    header = (
        "| drugs | content version in | page | bytes | requests/s | same-size static file, requests/s "
        "| ratio to static | p50 ms | p95 ms | p99 ms | errors |"
    )
    lines = [header, "|" + "---|" * 11]
    for r in rows:
        lines.append(
            f"| {r['size']} | {r['cache']} | {r['page']} | {r['bytes'] or 'varies'} | {r['rps']:.0f} "
            f"| {r['ceiling']:.0f} | {ratio(r['ratio'])} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} "
            f"| {r['errors']} |"
        )
    if two_host_rows:
        lines += [
            "",
            "Two app hosts (2 workers each) on one database and one Redis, wrk at 10 connections on each, a "
            "publication in the middle; then 400 requests alternating between the hosts:",
            "",
            "| drugs | requests/s, both hosts | worst p95 ms | errors | answers after the publication | stale |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['size']} | {r['rps']:.0f} | {r['p95']:.1f} | {r['errors']} | {r['checked']} | **{r['stale']}** |"
            for r in two_host_rows
        ]
    table = "\n".join(lines)
    print(table)
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    command = (
        f"BENCH_SIZES={','.join(map(str, SIZES))} BENCH_DURATION={DURATION} BENCH_ROUNDS={ROUNDS} "
        f"BENCH_CONNECTIONS={CONNECTIONS} BENCH_CACHES={','.join(CACHE_SETUPS)} make bench"
    )
    document = ROOT / "docs" / "benchmarks.md"
    text = document.read_text(encoding="utf-8") if document.exists() else ""
    marker = "<!-- results -->"
    head = text.split(marker)[0] if marker in text else text
    document.write_text(
        f"{head}{marker}\n\n## Latest run\n\n- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- Machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, SQLite\n"
        f"- Command: `{command}` (wrk -t2 -c{CONNECTIONS} -d{DURATION}; {ROUNDS} rounds of each page right "
        f"after its same-size static file; medians; gunicorn 2 workers × 4 threads; {len(REPEATED)} unbalanced "
        f"runs taken again; {minutes:.1f} minutes in all, data generation included)\n\n{table}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
