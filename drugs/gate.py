"""The professional-use gate: no public page without an acknowledged disclaimer.

Middleware rather than a decorator, so every new URL is gated unless it is named
in EXEMPT_URL_NAMES (an allow-list) or lives under an exempt prefix.
"""

import functools
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme

from drugs import cache
from drugs.models import Disclaimer

# The acknowledgment travels in its own signed cookie, not the session: checking it costs no
# database query, which lets public pages come from memory (drugs/pagecache.py).
ACK_COOKIE = "medinfo_ack"
ACK_SALT = "medinfo.acknowledgment"

# Pages a visitor must reach before acknowledging (by URL name, never by pattern).
EXEMPT_URL_NAMES = frozenset(
    {"drugs:acknowledge", "drugs:declined", "robots_txt", "favicon", "healthz", "switch_language"}
)


def _exempt_prefixes() -> tuple[str, ...]:
    # The admin has its own login; static files carry no content.
    return ("/admin/", "/" + settings.STATIC_URL.lstrip("/"))


def current_disclaimer(request: HttpRequest) -> Disclaimer | None:
    """The current disclaimer (gate and footer share it), re-read only when the content version moves."""
    return cache.current_disclaimer()


def max_age_seconds() -> int:
    return settings.MEDINFO_ACKNOWLEDGMENT_MAX_AGE_DAYS * 24 * 60 * 60


# A genuine cookie is about 80 characters; anything much longer is not one, and is not worth remembering.
ACK_COOKIE_MAX_LENGTH = 200


@functools.lru_cache(maxsize=4096)
def verified_acknowledgment(cookie: str) -> tuple[int, int] | None:
    """(disclaimer version, time) from a genuine cookie, else None. The same cookie comes back with every
    request of a visitor, and its signature cannot change: checking it once per process is enough."""
    try:
        stored = signing.loads(cookie, salt=ACK_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(stored, dict):
        return None
    return stored.get("version"), stored.get("at", 0)


def has_acknowledged(request: HttpRequest) -> bool:
    disclaimer = current_disclaimer(request)
    cookie = request.COOKIES.get(ACK_COOKIE, "")
    acknowledgment = verified_acknowledgment(cookie) if 0 < len(cookie) <= ACK_COOKIE_MAX_LENGTH else None
    if disclaimer is None or acknowledgment is None:
        return False
    version, at = acknowledgment
    return version == disclaimer.version and time.time() - at < max_age_seconds()


def remember_acknowledgment(response: HttpResponse, disclaimer: Disclaimer) -> None:
    value = signing.dumps({"version": disclaimer.version, "at": int(time.time())}, salt=ACK_SALT)
    response.set_cookie(
        ACK_COOKIE,
        value,
        max_age=max_age_seconds(),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def is_exempt(request: HttpRequest) -> bool:
    if request.path_info.startswith(_exempt_prefixes()):
        return True
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in EXEMPT_URL_NAMES


def safe_next(request: HttpRequest, target: str | None) -> str:
    """Where to return after the gate: a path on this site, otherwise home."""
    if (
        target
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return reverse("drugs:home")


def gate_url(next_path: str) -> str:
    return f"{reverse('drugs:acknowledge')}?{urlencode({'next': next_path})}"


class ProfessionalUseGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if is_exempt(request):
            return self.get_response(request)
        if not has_acknowledged(request):
            return HttpResponseRedirect(gate_url(request.get_full_path()))
        response = self.get_response(request)
        # A shared cache (proxy, CDN) must never hand a gated page to someone who has not acknowledged.
        patch_cache_control(response, private=True)
        patch_vary_headers(response, ["Cookie"])
        return response
