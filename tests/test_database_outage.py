"""A real PostgreSQL outage: pages answer 503, the health check says so, and the site recovers by itself.

Runs against PostgreSQL when MEDINFO_PG_CTL names the server's control command (CI sets it, e.g.
"pg_ctlcluster 15 main"); the server is stopped and started again during the test.
"""

import os
import subprocess
import time

import pytest
from django.db import connection

from tests.conftest import acknowledge

PG_CTL = os.environ.get("MEDINFO_PG_CTL", "")

pytestmark = [
    pytest.mark.serial,  # stops the server every worker shares: make test runs it alone, after the rest
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not PG_CTL, reason="MEDINFO_PG_CTL not set: no PostgreSQL server to stop (CI sets it)"),
]


def pg(action: str) -> None:
    subprocess.run([*PG_CTL.split(), action, *(["-m", "fast"] if action == "stop" else [])], check=True, timeout=60)


def wait_until_ready(client, seconds: int = 30) -> None:
    deadline = time.monotonic() + seconds
    while client.get("/healthz").status_code != 200:
        assert time.monotonic() < deadline, "PostgreSQL did not come back"
        time.sleep(0.5)


def test_pages_answer_503_while_postgresql_is_down_and_recover_without_a_restart(client, seed):
    """Pages not already in memory answer 503; the health check says so; all recovers by itself."""
    assert connection.vendor == "postgresql"
    client.raise_request_exception = False
    acknowledge(client)
    assert client.get("/en/drugs/baricitinib/").status_code == 200

    pg("stop")
    try:
        remembered = client.get("/en/drugs/baricitinib/")
        assert remembered.status_code == 200, "a page already in memory is still served: it cannot have changed"
        page = client.get("/en/conditions/alopecia-areata/")
        assert page.status_code == 503
        assert "temporarily unavailable" in page.content.decode()
        assert "Traceback" not in page.content.decode()
        health = client.get("/healthz")
        assert (health.status_code, health.content) == (503, b"database unavailable\n")
    finally:
        pg("start")

    wait_until_ready(client)
    assert client.get("/en/conditions/alopecia-areata/").status_code == 200
