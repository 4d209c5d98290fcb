"""Whole public pages from memory, for visitors who have acknowledged the current disclaimer.

Outermost middleware: a page is stored once the full stack (gate, view, CSP and security headers) produced
it, and replayed with the same headers, so a stored page costs about what a static file does. The key is
the scheme, whether the browser takes gzip, and the full path (which carries the language): GZipMiddleware
sits just inside this one, so a page is compressed once, when it is stored, and a browser that does not
take gzip gets a plain copy of its own. The stamp in drugs/freshness.py empties the store when curated
data changes. Only named public views answered 200 are stored: never a redirect (which
is what the gate answers a visitor who has not acknowledged), an error, or a response that sets a cookie.
"""

from django.http import HttpResponse
from django.middleware.gzip import re_accepts_gzip

from drugs import freshness, gate

CACHEABLE_VIEWS = frozenset(
    {"drugs:home", "drugs:drug_detail", "drugs:condition_detail", "drugs:search", "drugs:drug_fhir"}
)


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


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        # By scheme too: HSTS goes out over https only, and where https is required, plain http
        # requests are redirected by SecurityMiddleware, so no page is ever stored for them.
        # GZipMiddleware's own test, so the key splits exactly where its answer does.
        accepts_gzip = bool(re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
        key = (request.is_secure(), accepts_gzip, request.get_full_path())
        store = freshness.page_store()
        stored = store.get(key)
        # get_host() refuses a Host header outside ALLOWED_HOSTS (400), as the rest of the stack would.
        if stored is not None and gate.has_acknowledged(request) and request.get_host():
            return stored.response()
        response = self.get_response(request)
        if self._storable(request, response):
            freshness.store_page(store, key, StoredPage(response))
        return response

    @staticmethod
    def _storable(request, response) -> bool:
        match = getattr(request, "resolver_match", None)
        return (
            request.method == "GET"
            and match is not None
            and match.view_name in CACHEABLE_VIEWS
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
        )
