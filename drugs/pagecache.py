"""Whole public pages from memory, for visitors who have acknowledged the current disclaimer.

A page is stored after the full stack (gate, view, CSP) produced it, and replayed with the same
headers. The key is the full path, which carries the language; the stamp in drugs/freshness.py
empties the store when curated data changes. Only named public views are stored, never a redirect,
an error, a response that sets a cookie, or anything for a visitor the gate would stop.
"""

from django.http import HttpResponse

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
        key = request.get_full_path()
        stored = freshness.cached_page(key)  # only ever holds pages the gate covers
        if stored is not None and gate.has_acknowledged(request):
            return stored.response()
        if gate.is_exempt(request) or not gate.has_acknowledged(request):
            return self.get_response(request)
        response = self.get_response(request)
        if self._storable(request, response):
            freshness.store_page(key, StoredPage(response))
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
