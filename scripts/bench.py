"""make bench: clinician pages against a static file of the same size, at 100, 1,000 and 10,000 drugs.

Builds a separate SQLite database of synthetic monographs (never the real one), starts the production-like
server (gunicorn, 2 workers, DEBUG off) on 127.0.0.1, and drives wrk with an acknowledged session.
Prints one table and writes it to docs/benchmarks.md. Only ever targets 127.0.0.1.
"""

import datetime
import http.cookiejar
import os
import platform
import re
import secrets
import shutil
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
DURATION = os.environ.get("BENCH_DURATION", "8s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "20")
PORT = int(os.environ.get("BENCH_PORT", "8002"))
BASE = f"http://127.0.0.1:{PORT}"


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


def fetch(path: str, session: str) -> bytes:
    request = urllib.request.Request(f"{BASE}{path}", headers={"Cookie": f"medinfo_ack={session}"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 200, path
        return response.read()


def wrk(path: str, session: str, duration: str = DURATION) -> dict:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{duration}",
            "--timeout",
            "5s",
            "-s",
            "scripts/bench.lua",
            f"{BASE}{path}",
        ],
        cwd=ROOT,
        env={**os.environ, "COOKIE": f"medinfo_ack={session}"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps, p50, p95, p99, non2xx, errors = re.search(r"^RESULT (.*)$", output, re.MULTILINE).group(1).split()
    return {
        "rps": float(rps),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": int(non2xx) + int(errors),
    }


def serve(env: dict, work: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "medinfo.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
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
        stderr=open(work / "gunicorn.log", "w"),  # noqa: SIM115 (the server outlives this function)
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{BASE}/healthz")
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"the server did not start: see {work / 'gunicorn.log'}")


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="medinfo-bench-"))
    env = environment(work)
    manage(env, "migrate", "--noinput")
    manage(env, "load_seed")
    manage(env, "collectstatic", "--noinput")
    rows = []
    for size in SIZES:
        started = time.monotonic()
        manage(env, "generate_synthetic", "--drugs", str(size))
        print(f"{size} drugs generated in {time.monotonic() - started:.0f} s", file=sys.stderr)
        middle = f"synthetinib-{size // 2:05d}"
        pages = {
            "home": "/en/",
            "monograph": f"/en/drugs/{middle}/",
            "condition": "/en/conditions/synthetic-condition-007/",
            "search": "/en/search/?q=synthetinib-0004",
        }
        server = serve(env, work)
        try:
            session = acknowledged_session()
            size_of = len(fetch(pages["monograph"], session))
            # The ceiling: a static file of the monograph's size, served by the same server (whitenoise).
            (work / "static" / "bench").mkdir(exist_ok=True)
            (work / "static" / "bench" / f"same-size-{size}.html").write_bytes(b"x" * size_of)
        finally:
            server.terminate()
            server.wait()
        server = serve(env, work)  # whitenoise indexes static files at start-up
        try:
            static_path = f"/static/bench/same-size-{size}.html"
            # Warm every URL first: a fresh server's first seconds (threads, imports, a page's first
            # render) are not what a reader waits for, and skewed single runs by a factor of three.
            for path in [static_path, *pages.values()]:
                wrk(path, session, duration="2s")
            static = wrk(static_path, session)
            rows.append((size, "static file (ceiling)", size_of, static, 1.0))
            for name, path in pages.items():
                result = wrk(path, session)
                rows.append((size, name, len(fetch(path, session)), result, result["rps"] / static["rps"]))
        finally:
            server.terminate()
            server.wait()
    report(rows)
    shutil.rmtree(work, ignore_errors=True)


def report(rows) -> None:
    header = "| drugs | page | bytes | requests/s | p50 ms | p95 ms | p99 ms | errors | ratio to static |"
    lines = [header, "|" + "---|" * 9]
    for size, name, size_of, r, ratio in rows:
        lines.append(
            f"| {size} | {name} | {size_of} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} "
            f"| {r['errors']} | {ratio:.2f} |"
        )
    table = "\n".join(lines)
    print(table)
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    command = (
        f"BENCH_SIZES={','.join(map(str, SIZES))} BENCH_DURATION={DURATION} BENCH_CONNECTIONS={CONNECTIONS} make bench"
    )
    document = ROOT / "docs" / "benchmarks.md"
    text = document.read_text(encoding="utf-8") if document.exists() else ""
    marker = "<!-- results -->"
    head = text.split(marker)[0] if marker in text else text
    document.write_text(
        f"{head}{marker}\n\n## Latest run\n\n- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- Machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, SQLite\n"
        f"- Command: `{command}` (wrk -t2 -c{CONNECTIONS} -d{DURATION}, gunicorn 2 workers × 4 threads)\n\n{table}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
