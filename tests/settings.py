"""Test settings: the real settings, with a throwaway key and a fast hasher."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The test client and live server speak plain http; tests/test_security.py checks the HTTPS settings.
os.environ.setdefault("DJANGO_HTTPS", "false")
# Each test process (each xdist worker, which would otherwise inherit the controller's) has its own content
# version (drugs/cache.py), shared with its live-server threads: its own directory, or its own Redis keys.
os.environ["MEDINFO_CACHE_DIR"] = tempfile.mkdtemp(prefix="medinfo-tests-")
os.environ["MEDINFO_CACHE_PREFIX"] = f"medinfo-test-{os.getpid()}"

from medinfo.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The hashed-manifest storage needs collectstatic; tests serve files straight from the finders.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# No collectstatic in tests: whitenoise serves from the finders.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# Any N+1 query in a request (the same query repeated per row) raises, and fails the test that made it.
INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]  # noqa: F405
MIDDLEWARE = ["tests.n_plus_one.guard", *MIDDLEWARE]  # noqa: F405
ZEAL_ALLOWLIST = [
    {"model": "sessions.Session", "field": "get()"},  # logging out reads the session, then replaces it
    # Content types are cached per process: only the first request after start reads them, one per model
    # (django-reversion's history of a first save), so a test run alone would otherwise fail where a suite passes.
    {"model": "contenttypes.ContentType", "field": "get()"},
]
