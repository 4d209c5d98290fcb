"""What a hospital security review checks: deploy settings, headers, login throttling, safe failures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "medinfo.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {
    "DJANGO_SECRET_KEY": "k2pW7vR0-production-like-secret-for-the-deploy-check-9xQeL4mZ8sT1uY6nB3",
    "DJANGO_ALLOWED_HOSTS": "medinfo.example-hospital.org",
}


def test_deploy_check_reports_nothing_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "medinfo.example-hospital.org"}, "DJANGO_SECRET_KEY is not set"),
        ({"DJANGO_SECRET_KEY": PRODUCTION["DJANGO_SECRET_KEY"]}, "DJANGO_ALLOWED_HOSTS is not set"),
        ({**PRODUCTION, "DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be true or false"),
    ],
)
def test_production_refuses_to_start_without_what_it_needs(env, message):
    result = manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_turn_on_https_protections():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.DEBUG)",
        **PRODUCTION,
    )
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "True", "True", "31536000", "False"]


@pytest.mark.parametrize("path", ["/en/acknowledge/", "/en/", "/en/drugs/baricitinib/", "/admin/login/", "/en/nope/"])
@pytest.mark.parametrize("visit", ["first", "stored"])
def test_every_response_carries_the_security_headers(seeded_clinician, path, visit):
    response = seeded_clinician.get(path)
    if visit == "stored":  # a public page replayed from memory keeps every header the stack gave it
        response = seeded_clinician.get(path)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_over_https_cookies_are_secure_and_hsts_is_sent(settings, seed, client):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    response = client.post(reverse("drugs:acknowledge"), {"role": "nurse", "accept": "on", "next": "/"}, secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.cookies["medinfo_ack"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_admin_login_locks_out_after_repeated_failures(client, django_user_model):
    django_user_model.objects.create_user("curator", password="the right password", is_staff=True)
    login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(login, {"username": "curator", "password": "wrong"})
        assert response.status_code == 200
    assert client.post(login, {"username": "curator", "password": "wrong"}).status_code == 429
    response = client.post(login, {"username": "curator", "password": "the right password"})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_failed_login_below_the_limit_does_not_lock_out(client, django_user_model):
    django_user_model.objects.create_user("curator", password="the right password", is_staff=True)
    client.post(reverse("admin:login"), {"username": "curator", "password": "wrong"})
    response = client.post(reverse("admin:login"), {"username": "curator", "password": "the right password"})
    assert response.status_code == 302


def test_server_errors_show_the_sites_page_never_a_traceback(seeded_clinician, monkeypatch):
    from drugs import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "render", broken)
    seeded_clinician.raise_request_exception = False
    response = seeded_clinician.get("/en/drugs/baricitinib/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and "Traceback" not in page and "boom" not in page


def test_an_unreachable_database_gives_503_and_a_failing_health_check(seeded_clinician, monkeypatch):
    from drugs import cache, outage
    from drugs.models import Disclaimer

    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(Disclaimer.objects, "current", unreachable)
    monkeypatch.setattr(outage, "database_available", lambda: False)
    cache.reset()  # nothing in memory: this page needs the database
    monkeypatch.setattr("drugs.views.database_available", lambda: False)
    seeded_clinician.raise_request_exception = False
    response = seeded_clinician.get("/en/drugs/baricitinib/")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()
    assert response["Retry-After"] == "30"
    health = seeded_clinician.get("/healthz")
    assert (health.status_code, health.content) == (503, b"database unavailable\n")


def test_behind_a_proxy_lockouts_follow_the_clients_own_address(client, django_user_model, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    django_user_model.objects.create_user("curator", password="the right password", is_staff=True)
    login = reverse("admin:login")
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.0.0.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": "curator", "password": "wrong"}, **attacker)
    assert client.post(login, {"username": "curator", "password": "wrong"}, **attacker).status_code == 429
    colleague = {"HTTP_X_FORWARDED_FOR": "198.51.100.7, 10.0.0.1"}
    response = client.post(login, {"username": "curator", "password": "the right password"}, **colleague)
    assert response.status_code == 302, "the real curator, from another address, still gets in"
