"""Public pages from memory, kept honest by one content version.

What readers see changes only when a reviewer publishes or withdraws a monograph, a disclaimer becomes current,
or a reviewer changes a source or condition readers see. The write services (drugs/services/) then call
`content_changed()`, which sets a new **content version** in the shared cache when their transaction commits.
Drafts, previews and the review trail never move it.

Two caches from Django's cache framework (settings.CACHES):

- ``shared``, with ``REDIS_URL`` set, is Redis: it holds the version, which every host reads on every request
  (through Redis's client-side caching: Redis pushes word when it moves, so a read is no round trip; see
  _TrackedVersion). Without Redis there is no ``shared`` cache: the version is the modification time of a file
  in ``MEDINFO_CACHE_DIR`` that every worker of this host reads (one stat). Both are read outside the cache API,
  which cost more than the rest of a stored page's answer (see _FileVersion, _RedisVersion).
- ``pages`` is this process's memory (``BoundedMemoryCache``): whole pages, keyed by the version they were
  rendered under, bounded in bytes, least recently used evicted first. A page rendered from rows read before
  a change is stored under the old version, which nobody asks for again.

Every stored page and every per-version value (the search index, the current disclaimer) also expires after
``MEDINFO_PAGE_TTL`` seconds, so a write that bypassed the services (a bulk ``update()``, a data migration, a
shell fix) is seen within that bound. If the shared cache cannot be reached, nothing is stored or replayed:
pages come from the database, and /healthz says "degraded".

The middleware replays a stored page only to a visitor whose signed acknowledgment cookie is valid (a CDN or
proxy in front cannot check that cookie: pages say ``Cache-Control: private``), and stores only 200 answers
of the public views below, at their clean address: each view declares the query parameters it reads, and a
request carrying others, or carrying them out of order, is redirected to the clean address first.
"""

import hashlib
import logging
import os
import threading
import time
import uuid
from urllib.parse import parse_qsl, urlencode

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.middleware.gzip import re_accepts_gzip

from drugs import gate

logger = logging.getLogger(__name__)

VERSION_KEY = "medinfo:content-version"

# The public views whose pages are stored, with the query parameters each reads (in this order).
QUERY_PARAMETERS = {
    "drugs:home": ("page",),
    "drugs:drug_detail": (),
    "drugs:condition_detail": ("page", "sort"),
    "drugs:search": ("q",),
    "drugs:drug_fhir": (),
}


# --- The content version -------------------------------------------------------------------------------


class SharedCacheUnavailable(Exception):
    pass


class _FileVersion:
    """The version on one host without Redis: the modification time of a file in MEDINFO_CACHE_DIR, which every
    worker of the host sees with one stat (reading it through the file-based cache API, open, read and
    unpickle on every request, took the condition page from about 0.9 to 0.75 of a static file)."""

    def __init__(self, directory: str):
        self.path = os.path.join(directory, "content-version")

    def get(self) -> str | None:
        try:
            return str(os.stat(self.path).st_mtime_ns)
        except FileNotFoundError:
            return None

    def add(self, version: str) -> None:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with open(self.path, "a"):
            pass

    def set(self, version: str) -> None:
        self.add(version)
        # Strictly later than the current version, even on a clock with coarse resolution.
        moved = max(time.time_ns(), int(self.get() or 0) + 1)
        os.utime(self.path, ns=(moved, moved))


class _TrackedVersion:
    """One thread's view of the version in Redis, kept by the server: client-side caching (CLIENT TRACKING on a
    RESP3 connection). The version is read with one GET; from then on Redis pushes an invalidation down this
    connection the moment any host moves it, and every request polls the socket for such a push (a system call,
    no round trip) before trusting the value it holds. A round trip per request held stored pages to 0.62–0.79
    of a static file's speed (docs/benchmarks.md). The value is read again at least every RECHECK_SECONDS all the
    same, so a connection that died without a word (no push can arrive on it) is not trusted for longer.

    Unlike a GET per request this is not linearizable: Redis may answer the writer before it writes the push to the
    other connections (in the same pass of its event loop), so a request can still see the old version for those
    microseconds — longer only if the Redis process is descheduled in between."""

    RECHECK_SECONDS = 1.0
    UNKNOWN = object()

    def __init__(self, url: str, options: dict, key: str):
        self.key = key
        self.value = self.UNKNOWN
        self.read_at = 0.0
        self.tracking = False
        self.client = redis.Redis.from_url(
            url, protocol=3, single_connection_client=True, redis_connect_func=self._connected, **options
        )

    def _connected(self, connection) -> None:
        """Every (re)connection: the handshake, then tracking; nothing read before it is trusted. A server that
        refuses tracking (some managed services disable the CLIENT command) is read with a GET per request."""
        connection.on_connect()
        connection.send_command("CLIENT", "TRACKING", "ON")
        try:
            self.tracking = connection.read_response() in (b"OK", "OK")
        except redis.ResponseError:
            self.tracking = False
        self.value = self.UNKNOWN

    def get(self) -> str | None:
        try:
            connection = self.client.connection
            stale = (
                not self.tracking
                or self.value is self.UNKNOWN
                or time.monotonic() - self.read_at > self.RECHECK_SECONDS
            )
            try:
                while connection.can_read(timeout=0):  # a push is waiting: the version moved (or Redis was emptied)
                    connection.read_response(push_request=True)
                    stale = True
            except redis.ConnectionError:  # Redis restarted, say: the GET below connects again, tracking anew
                connection.disconnect()
                stale = True
            if stale:
                self.read_at = time.monotonic()
                value = self.client.get(self.key)
                self.value = None if value is None else value.decode()
            return self.value
        except Exception:
            self.value = self.UNKNOWN
            raise

    def set(self, version: str, only_if_missing: bool = False) -> None:
        self.value = self.UNKNOWN
        self.client.set(self.key, version, nx=only_if_missing)


class _RedisVersion:
    """The version in Redis, through a tracked connection each thread keeps (see _TrackedVersion). The key is
    the cache API's (its prefix), so the version sits beside whatever else the shared cache holds."""

    def __init__(self, alias: str):
        config = settings.CACHES[alias]
        key = caches[alias].make_key(VERSION_KEY)
        self.track = lambda: _TrackedVersion(config["LOCATION"], config.get("OPTIONS", {}), key)
        self.threads = threading.local()

    @property
    def tracked(self) -> _TrackedVersion:
        tracked = getattr(self.threads, "tracked", None)
        if tracked is None:
            tracked = self.threads.tracked = self.track()
        return tracked

    def get(self) -> str | None:
        return self.tracked.get()

    def add(self, version: str) -> None:
        self.tracked.set(version, only_if_missing=True)

    def set(self, version: str) -> None:
        self.tracked.set(version)


_version_stores: dict[tuple, object] = {}


def _version_store() -> "_FileVersion | _RedisVersion":
    """Where the version lives, as the settings say now (tests change them): Redis, or this host's file."""
    shared = settings.CACHES.get("shared")
    where = (shared["LOCATION"], shared.get("KEY_PREFIX")) if shared else (settings.MEDINFO_CACHE_DIR,)
    store = _version_stores.get(where)
    if store is None:
        store = _version_stores[where] = _RedisVersion("shared") if shared else _FileVersion(settings.MEDINFO_CACHE_DIR)
    return store


def _read_version() -> str:
    store = _version_store()
    try:
        version = store.get()
        if version is None:  # first request ever, or the shared cache was emptied: start one
            store.add(_new_version())
            version = store.get()
    except Exception as error:  # any client error (refused, timeout, auth) means the same here
        raise SharedCacheUnavailable(f"{type(error).__name__}: {error}") from error
    return version


def current_version() -> str | None:
    """The content version every host agrees on, or None when the shared cache cannot be reached."""
    try:
        return _read_version()
    except SharedCacheUnavailable as problem:
        logger.warning("shared cache unavailable: %s", problem)
        return None


def shared_cache_problem() -> str | None:
    """Why the shared cache cannot be used, or None (for /healthz)."""
    try:
        _read_version()
    except SharedCacheUnavailable as problem:
        return str(problem)
    return None


def _new_version() -> str:
    return uuid.uuid4().hex


def _move_version() -> None:
    try:
        _version_store().set(_new_version())
    except Exception:
        # The stored pages then expire within MEDINFO_PAGE_TTL; nothing is stored while it stays down.
        logger.exception("could not move the content version")


def content_changed() -> None:
    """Readers will see a change once the current transaction commits: from then on, every host renders anew.

    Moved now and again on commit: a page rendered in between (from the rows before the change, which it
    could not see yet) is stored under the first new version, which the second leaves behind."""
    _move_version()
    transaction.on_commit(_move_version)


# --- Per-version values in this process ----------------------------------------------------------------


class _Values:
    """Values built once per content version in this process (one thread builds while the others wait)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.build_locks: dict[str, threading.Lock] = {}
        self.built: dict[str, tuple[str | None, float, object]] = {}

    def get(self, name: str, build):
        version = request_version()
        entry = self.built.get(name)
        if entry is not None and entry[0] == version and time.time() < entry[1]:
            return entry[2]
        with self.lock:
            build_lock = self.build_locks.setdefault(name, threading.Lock())
        with build_lock:
            entry = self.built.get(name)
            if entry is None or entry[0] != version or time.time() >= entry[1]:
                entry = (version, time.time() + settings.MEDINFO_PAGE_TTL, build())
                self.built[name] = entry
        return entry[2]


_values = _Values()
_request = threading.local()


def request_version() -> str | None:
    """The version this request started with (read once per request), else the current one."""
    version = getattr(_request, "version", _request)
    return current_version() if version is _request else version


def per_version(name: str, build):
    """build(), computed once per content version (and at least every MEDINFO_PAGE_TTL seconds) in this process."""
    return _values.get(name, build)


def current_disclaimer():
    """The current disclaimer (gate and footer share it)."""
    from drugs.models import Disclaimer

    return per_version("disclaimer", Disclaimer.objects.current)


def reset() -> None:
    """Forget this process's pages and values, and start a new version (tests)."""
    _values.built.clear()
    caches["pages"].clear()
    _move_version()


# --- Pages ---------------------------------------------------------------------------------------------


class BoundedMemoryCache(LocMemCache):
    """Django's local-memory cache, bounded by the bytes it holds (OPTIONS MAX_BYTES) rather than by entries.

    The local-memory cache keeps its entries most recently used first and stores them pickled, so the bytes
    are the pickles' lengths and the entries to evict are the last ones.
    """

    def __init__(self, name, params):
        super().__init__(name, params)
        self._max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", 64 * 1024 * 1024))

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        super()._set(key, value, timeout)
        held = sum(len(pickled) for pickled in self._cache.values())
        while held > self._max_bytes and self._cache:
            evicted, pickled = self._cache.popitem()  # the least recently used
            self._expire_info.pop(evicted, None)
            held -= len(pickled)

    def bytes_held(self) -> int:
        with self._lock:
            return sum(len(pickled) for pickled in self._cache.values())


class StoredPage:
    def __init__(self, response: HttpResponse):
        self.content = response.content
        self.status = response.status_code
        self.headers = list(response.headers.items())

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content, status=self.status)
        for name, value in self.headers:
            response.headers[name] = value
        return response


# Stands for the visitor's CSRF token in a stored gate page; never a valid token, so a page served without the
# substitution fails the CSRF check rather than sharing a token.
CSRF_PLACEHOLDER = "csrf-token-placeholder-not-a-token"


def with_fresh_csrf_token(request, render_page) -> HttpResponse:
    """A page whose only part that differs between visitors is its CSRF token (the gate, the cheapest target
    for anonymous load): rendered once per content version and address with a placeholder, then served to each
    visitor with a fresh token of their own. render_page(csrf_token) renders it."""
    version = request_version()
    key = f"fresh-csrf:{version}:{int(request.is_secure())}:{request.get_host()}:{request.get_full_path()}"
    pages = caches["pages"]
    stored = pages.get(key) if version is not None else None
    if stored is None:
        rendered = render_page(CSRF_PLACEHOLDER)
        stored = StoredPage(rendered)
        if rendered.status_code == 200 and stored.content.count(CSRF_PLACEHOLDER.encode()) == 1 and version:
            pages.set(key, stored, timeout=settings.MEDINFO_PAGE_TTL)
    response = stored.response()
    response.content = response.content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
    return response


def clean_query(view_name: str, query_string: str) -> str:
    """The query string with only the parameters the view reads, each once, in the view's order."""
    given = dict(parse_qsl(query_string, keep_blank_values=True))
    return urlencode([(name, given[name]) for name in QUERY_PARAMETERS[view_name] if name in given])


class PageCacheMiddleware:
    """Outermost: a stored page is replayed before any other middleware runs, at about a static file's cost.

    GZipMiddleware sits just inside, so a page is compressed once, when it is stored; a browser that does not
    take gzip has a plain copy of its own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Static files are never stored here (whitenoise serves them): they need no content version.
        if request.method not in ("GET", "HEAD") or request.path_info.startswith(settings.STATIC_URL):
            return self.get_response(request)
        _request.version = version = current_version()
        try:
            if version is None:  # cannot tell whether a stored page is current: render every page
                return self.get_response(request)
            # By scheme too: HSTS goes out over https only. GZipMiddleware's own test, so the key splits
            # exactly where its answer does.
            accepts_gzip = bool(re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
            # Hashed: a search's address can be longer than a cache key may be.
            address = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
            key = f"{version}:{int(request.is_secure())}:{int(accepts_gzip)}:{address}"
            pages = caches["pages"]
            stored = pages.get(key)
            # get_host() refuses a Host header outside ALLOWED_HOSTS (400), as the rest of the stack would.
            if stored is not None and gate.has_acknowledged(request) and request.get_host():
                return stored.response()
            response = self.get_response(request)
            if self._storable(request, response):
                pages.set(key, StoredPage(response), timeout=settings.MEDINFO_PAGE_TTL)
            return response
        finally:
            del _request.version

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A stored view asked with parameters it does not read, or in another order: its clean address."""
        view_name = request.resolver_match.view_name
        if view_name not in QUERY_PARAMETERS or request.method not in ("GET", "HEAD"):
            return None
        query_string = request.META.get("QUERY_STRING", "")
        clean = clean_query(view_name, query_string)
        if clean == query_string:
            return None
        return HttpResponseRedirect(f"{request.path}?{clean}" if clean else request.path)

    @staticmethod
    def _storable(request, response) -> bool:
        match = getattr(request, "resolver_match", None)
        return (
            request.method == "GET"
            and match is not None
            and match.view_name in QUERY_PARAMETERS
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
        )
