"""Load balancers and link checkers probe with HEAD: every address that answers GET answers HEAD alike."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# A value for each path parameter, taken from the seeded monograph (baricitinib for alopecia areata).
SEEDED_VALUES = {"slug": {"drug": "baricitinib", "condition": "alopecia-areata"}}


def public_paths() -> list[str]:
    """Every URL of the project outside the admin, path parameters filled from the seed."""
    paths = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if getattr(pattern, "app_name", None) != "admin":
                    walk(pattern.url_patterns, prefix + route.replace("^", ""))
                continue
            assert isinstance(pattern, URLPattern)
            paths.append(fill(prefix + route, pattern.name or ""))

    walk(get_resolver().url_patterns, "/")
    return paths


def fill(route: str, name: str) -> str:
    for converter, values in SEEDED_VALUES.items():
        placeholder = f"<{converter}:{converter}>"
        if placeholder in route:
            route = route.replace(placeholder, values["condition" if "condition" in name else "drug"])
    assert "<" not in route, f"give a seeded value for the parameters of {route} in SEEDED_VALUES"
    return route


def test_every_public_address_is_probed_including_the_monograph_and_its_download():
    paths = public_paths()
    assert {"/healthz", "/robots.txt", "/language/"} <= set(paths)
    assert "/en/drugs/baricitinib/fhir.json" in paths and "/en/conditions/alopecia-areata/" in paths


@pytest.mark.parametrize("path", public_paths())
def test_every_page_answers_head_as_it_answers_get(seeded_clinician, path):
    # HEAD first: a page the GET put in the page store (drugs/pagecache.py) would hide the view's answer.
    head = seeded_clinician.head(path)
    get = seeded_clinician.get(path)
    assert head.status_code != 405, f"HEAD {path} is refused"
    assert head.status_code == get.status_code, path
    assert head.content == b""


@pytest.mark.parametrize("path", ["/healthz", "/robots.txt"])
def test_load_balancers_may_probe_with_head_without_acknowledging(visitor, seed, path):
    head = visitor.head(path)
    assert head.status_code == 200
    assert head["Content-Type"].startswith("text/plain")
