"""Two app hosts (separate gunicorn processes, each with its own memory and disk) on one database and one Redis.

What a reviewer does on host A is what a clinician on host B sees on their next request: a publication, a
withdrawal, a new disclaimer version. The hosts share nothing but the database and Redis (and the secret key,
as the hosts of one deployment do).
"""

import http.cookiejar
import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.test_editorial_flow import log_in, log_out
from tests.redis_server import free_port, redis_server, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MONOGRAPH = "/en/drugs/baricitinib/"
PASSWORD = "a long test password"

STAFF = f"""
from django.contrib.auth.models import Group, User
for name, group in (("curator", "Curator"), ("reviewer", "Reviewer")):
    user = User.objects.create_user(name, password={PASSWORD!r}, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
"""

FIGURE_24_WEEKS = """
from drugs.models import RelapseFinding
finding = RelapseFinding.objects.get(profile__drug__public_copy_of__isnull=True, study_name="BRAVE-AA1",
                                     timepoint=24, regimen_before__contains="4 mg once")
print(finding.pk, finding.profile.drug_id)
"""

NEW_DISCLAIMER = """
import datetime
from drugs import services
from drugs.models import Disclaimer
current = Disclaimer.objects.get(is_current=True)
new = Disclaimer.objects.create(version=current.version + 1, text=current.text + " (version 2)",
                                effective_from=datetime.date(2026, 12, 1))
services.disclaimer_make_current(disclaimer=new)
"""


@contextmanager
def fresh_database(work: Path):
    """A database of its own for the hosts: PostgreSQL when the suite runs on it, else a SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{work / 'hosts.sqlite3'}"
        return
    import psycopg

    name = f"medinfo_hosts_{os.getpid()}"
    admin = urllib.parse.urlsplit(url)
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(admin._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def host(environment: dict, work: Path, name: str):
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "medinfo.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
        cwd=ROOT,
        # Separate machines: nothing on disk in common either, only the database and Redis.
        env={**environment, "MEDINFO_CACHE_DIR": str(work / f"{name}-cache")},
        stderr=open(work / f"{name}.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    try:
        wait_for_port(port, seconds=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


class Clinician:
    """A visitor of host B: urllib with the acknowledgment cookie, as a browser sends it."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def acknowledge(self) -> None:
        page = self.opener.open(f"{self.base}/en/acknowledge/").read().decode()  # noqa: S310
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"csrfmiddlewaretoken": token, "role": "physician", "accept": "on", "next": "/en/"}
        request = urllib.request.Request(f"{self.base}/en/acknowledge/", data=urllib.parse.urlencode(form).encode())  # noqa: S310
        request.add_header("Referer", self.base)
        self.get_response(request)

    def get(self, path: str) -> tuple[int, str]:
        response = self.get_response(urllib.request.Request(f"{self.base}{path}"))  # noqa: S310
        return response.status, response.read().decode()

    def get_response(self, request):
        try:
            return self.opener.open(request)  # noqa: S310
        except urllib.error.HTTPError as error:
            return error


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_change_on_host_a_is_what_host_b_serves_next(page, tmp_path):
    with redis_server(tmp_path) as (_, redis_url), fresh_database(tmp_path) as database_url:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "medinfo.settings",
            "DJANGO_DEBUG": "true",  # the test needs no collectstatic; caching is the same either way
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_HTTPS": "false",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "MEDINFO_CACHE_PREFIX": f"hosts-{os.getpid()}",
        }

        def manage(*args) -> str:
            command = [str(BIN / "python"), "manage.py", *args]
            return subprocess.run(command, cwd=ROOT, env=environment, check=True, capture_output=True, text=True).stdout

        for command in (["migrate", "--noinput"], ["setup_roles"], ["load_seed"], ["shell", "-c", STAFF]):
            manage(*command)
        with host(environment, tmp_path, "a") as host_a, host(environment, tmp_path, "b") as host_b:
            clinician = Clinician(host_b)
            clinician.acknowledge()
            for _ in range(2):  # rendered, then stored in host B's memory
                status, monograph = clinician.get(MONOGRAPH)
                assert status == 200 and "<strong>60%</strong>" in monograph

            # Host A: a curator corrects the 24-week figure and submits it; a reviewer publishes it.
            finding_id, drug_id = manage("shell", "-c", FIGURE_24_WEEKS).split()[-2:]
            workflow = f"{host_a}/admin/drugs/drug/{drug_id}/workflow/"
            log_in(page, host_a, "curator")
            page.goto(f"{host_a}/admin/drugs/relapsefinding/{finding_id}/change/")
            page.locator("#id_proportion").fill("61")
            page.get_by_role("button", name="Save", exact=True).click()
            expect(page.locator(".messagelist")).to_contain_text("back in draft")
            assert "<strong>60%</strong>" in clinician.get(MONOGRAPH)[1], "a draft never reaches readers"
            page.goto(workflow)
            page.get_by_role("button", name="Submit for review").click()
            log_out(page)
            log_in(page, host_a, "reviewer")
            page.goto(workflow)
            page.get_by_label("What changed").fill("BRAVE-AA1: 24-week figure corrected")
            page.get_by_role("button", name="Publish").click()
            expect(page.locator(".messagelist")).to_contain_text("is now Published")
            monograph = clinician.get(MONOGRAPH)[1]
            assert "<strong>61%</strong>" in monograph and "24-week figure corrected" in monograph

            page.goto(workflow)
            page.locator("#id_withdraw_note").fill("Withdrawn for the two-host test")
            page.locator("form:has(#id_withdraw_note) [type=submit]").click()
            expect(page.locator(".messagelist")).to_contain_text("is now Withdrawn")
            assert clinician.get(MONOGRAPH)[0] == 404, "withdrawn on A: gone from B at once"

            manage("shell", "-c", NEW_DISCLAIMER)
            status, _ = clinician.get("/en/conditions/alopecia-areata/")
            assert status == 302, "a new disclaimer version re-gates B's visitors"
