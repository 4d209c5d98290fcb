"""The content version in Redis: pages stay current on every host, and Redis down is not the site down."""

import os
import subprocess
import time

import pytest
import redis as redis_client
from django.conf import settings
from django.core.cache import caches

from drugs import cache
from tests.redis_server import redis_server, wait_for_port

pytestmark = pytest.mark.django_db

MONOGRAPH = "/en/drugs/baricitinib/"


@pytest.fixture
def redis(tmp_path, settings, request):
    """A private Redis server as the shared cache, configured as settings.py does for REDIS_URL (a test may pass
    redis-server options by indirect parametrization)."""
    with redis_server(tmp_path, *getattr(request, "param", ())) as (server, url):
        shared = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
            "KEY_PREFIX": f"shared-cache-test-{os.getpid()}",
        }
        settings.CACHES = {**settings.CACHES, "shared": shared}
        yield server


def rendered(response) -> bool:
    return "drugs/drug_detail.html" in [template.name for template in response.templates]


def test_with_redis_down_pages_come_from_the_database_and_healthz_says_degraded(seeded_clinician, redis):
    assert rendered(seeded_clinician.get(MONOGRAPH))
    assert not rendered(seeded_clinician.get(MONOGRAPH)), "stored, under the version Redis holds"
    assert seeded_clinician.get("/healthz").content == b"ok\n"

    redis.terminate()
    redis.wait()
    for _ in range(2):
        response = seeded_clinician.get(MONOGRAPH)
        assert response.status_code == 200 and "Baricitinib" in response.content.decode()
        assert rendered(response), "no stored page can be known current: each is rendered from the database"
    health = seeded_clinician.get("/healthz")
    assert health.status_code == 200, "the balancer keeps the host"
    assert health.content.decode().startswith("degraded: shared cache unavailable (ConnectionError")


def move_version_as_another_host_would() -> None:
    """Another host's write service: a SET of the version key on a connection of its own."""
    other_host = redis_client.Redis.from_url(settings.CACHES["shared"]["LOCATION"])
    other_host.set(caches["shared"].make_key(cache.VERSION_KEY), "moved-by-another-host")
    other_host.close()


def rendered_anew_within_the_push(client, seconds: float = 0.2) -> bool:
    """Whether a request renders the page anew once Redis's push has had time to arrive: Redis may answer the
    writer before it writes the push to the other connections, so on a loaded machine a request can come in
    between (microseconds here). Well under the one-second re-read, so only a push can pass this."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if rendered(client.get(MONOGRAPH)):
            return True
        time.sleep(0.01)
    return False


def test_a_version_moved_by_another_host_is_what_the_next_request_uses(seeded_clinician, redis):
    assert rendered(seeded_clinician.get(MONOGRAPH))
    assert not rendered(seeded_clinician.get(MONOGRAPH))
    move_version_as_another_host_would()
    assert rendered_anew_within_the_push(seeded_clinician), "Redis pushed the change: the stored page is not current"
    assert not rendered(seeded_clinician.get(MONOGRAPH))


def test_after_redis_restarts_a_version_moved_by_another_host_is_seen_at_once(seeded_clinician, redis):
    assert rendered(seeded_clinician.get(MONOGRAPH))
    command = redis.args
    redis.terminate()
    redis.wait()
    assert rendered(seeded_clinician.get(MONOGRAPH)), "Redis down: rendered from the database"
    restarted = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        wait_for_port(int(command[command.index("--port") + 1]))
        assert rendered(seeded_clinician.get(MONOGRAPH)), "a new version (Redis came back empty)"
        assert not rendered(seeded_clinician.get(MONOGRAPH)), "stored again"
        move_version_as_another_host_would()
        assert rendered_anew_within_the_push(seeded_clinician), "the new connection is tracked too"
    finally:
        restarted.terminate()
        restarted.wait()


# Some managed Redis services disable the CLIENT command, and with it client-side caching.
@pytest.mark.parametrize("redis", [("--rename-command", "CLIENT", "")], indirect=True)
def test_a_redis_without_client_tracking_still_stores_pages_and_keeps_them_current(seeded_clinician, redis):
    assert rendered(seeded_clinician.get(MONOGRAPH))
    assert not rendered(seeded_clinician.get(MONOGRAPH)), "stored: the version is read with a GET instead"
    move_version_as_another_host_would()
    assert rendered(seeded_clinician.get(MONOGRAPH))
    assert seeded_clinician.get("/healthz").content == b"ok\n"
