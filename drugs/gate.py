"""The professional-use gate: no public page without an acknowledged disclaimer.

Middleware rather than a decorator, so every new URL is gated unless it is named
in EXEMPT_URL_NAMES (an allow-list) or lives under an exempt prefix.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from drugs.models import Disclaimer

SESSION_KEY = "medinfo_acknowledgment"

# Pages a visitor must reach before acknowledging (by URL name, never by pattern).
EXEMPT_URL_NAMES = frozenset({"drugs:acknowledge", "drugs:declined", "robots_txt", "healthz", "switch_language"})


def _exempt_prefixes() -> tuple[str, ...]:
    # The admin has its own login; static files carry no content.
    return ("/admin/", "/" + settings.STATIC_URL.lstrip("/"))


def current_disclaimer(request: HttpRequest) -> Disclaimer | None:
    """The current disclaimer, read once per request (gate and footer share it)."""
    if not hasattr(request, "_current_disclaimer"):
        request._current_disclaimer = Disclaimer.objects.current()
    return request._current_disclaimer


def max_age_seconds() -> int:
    return settings.MEDINFO_ACKNOWLEDGMENT_MAX_AGE_DAYS * 24 * 60 * 60


def has_acknowledged(request: HttpRequest) -> bool:
    disclaimer = current_disclaimer(request)
    stored = request.session.get(SESSION_KEY)
    if disclaimer is None or not isinstance(stored, dict):
        return False
    fresh = time.time() - stored.get("at", 0) < max_age_seconds()
    return stored.get("version") == disclaimer.version and fresh


def remember_acknowledgment(request: HttpRequest, disclaimer: Disclaimer) -> None:
    request.session[SESSION_KEY] = {"version": disclaimer.version, "at": int(time.time())}
    request.session.set_expiry(max_age_seconds())


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
        if not is_exempt(request) and not has_acknowledged(request):
            return HttpResponseRedirect(gate_url(request.get_full_path()))
        return self.get_response(request)
