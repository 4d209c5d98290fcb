"""The content version in Redis: pages stay current on every host, and Redis down is not the site down."""

import os

import pytest

from tests.redis_server import redis_server

pytestmark = pytest.mark.django_db

MONOGRAPH = "/en/drugs/baricitinib/"


@pytest.fixture
def redis(tmp_path, settings):
    """A private Redis server as the shared cache, configured as settings.py does for REDIS_URL."""
    with redis_server(tmp_path) as (server, url):
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
