"""What a public page loads besides itself: Bootstrap trimmed to the rules our pages use, and the site's icon."""

import re
from pathlib import Path

import pytest
import xstatic.pkg.bootstrap
from django.conf import settings
from django.test import Client
from django.urls import reverse

from drugs import gate, views

pytestmark = pytest.mark.django_db

FULL_BOOTSTRAP = Path(xstatic.pkg.bootstrap.BASE_DIR) / "css" / "bootstrap.min.css"
TRIMMED_BOOTSTRAP = settings.BASE_DIR / "static" / "css" / "bootstrap.trimmed.css"
# The admin draws its pages with Django's own stylesheets, not Bootstrap.
PUBLIC_TEMPLATES = [path for path in (settings.BASE_DIR / "templates").rglob("*.html") if "admin" not in path.parts]
PAGES = [
    "/{language}/",
    "/{language}/drugs/baricitinib/",
    "/{language}/conditions/alopecia-areata/",
    "/{language}/search/?q=jak",
    "/{language}/search/?q=zzzzqq",
    "/{language}/how-to-read/",
    "/{language}/drugs/no-such-drug/",
]
LANGUAGES = ["en", "zh-hans"]


def class_selectors(css: str) -> set[str]:
    """The class names a stylesheet's selectors name (not what its declarations or comments say)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    css = re.sub(r"\{[^{}]*\}", "{}", css)  # the innermost blocks are declarations, even inside @media
    return set(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", css))


def classes_in(html: str) -> set[str]:
    return {name for value in re.findall(r'\sclass="([^"]*)"', html) for name in value.split()}


def missing_from_the_trimmed_stylesheet(classes: set[str]) -> set[str]:
    bootstrap = class_selectors(FULL_BOOTSTRAP.read_text())
    return (classes & bootstrap) - class_selectors(TRIMMED_BOOTSTRAP.read_text())


def test_the_selector_reader_finds_classes_not_numbers_or_urls():
    css = "@media (min-width:767.98px){.a,.b>.c:not(.d){margin:.5rem;background:url(x.svg)}}/* .e */.f::after{}"
    assert class_selectors(css) == {"a", "b", "c", "d", "f"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_links_the_trimmed_bootstrap_not_the_full_one(seeded_clinician, language):
    gate_page = seeded_clinician.get(reverse("drugs:acknowledge")).content.decode()
    for page in [gate_page] + [seeded_clinician.get(path.format(language=language)).content.decode() for path in PAGES]:
        assert re.search(r'<link rel="stylesheet" href="/static/css/bootstrap\.trimmed[.\w]*\.css">', page)
        assert "bootstrap.min.css" not in page


def test_the_full_bootstrap_is_not_served_at_all(client):
    assert client.get("/static/bootstrap/css/bootstrap.min.css").status_code == 404


def test_every_bootstrap_class_a_template_names_is_in_the_trimmed_stylesheet():
    """Fails when a template starts using a Bootstrap class and `make css` was not run (or was run before)."""
    named = set()
    for template in PUBLIC_TEMPLATES:
        source = re.sub(r"\{[{%#].*?[}%#]\}", " ", template.read_text(), flags=re.DOTALL)
        named |= classes_in(source)
    assert {"navbar", "form-control", "table", "pagination"} <= named, "the templates were read"
    assert not missing_from_the_trimmed_stylesheet(named), "run `make css` and commit the result"


def test_every_bootstrap_class_a_rendered_page_carries_is_in_the_trimmed_stylesheet(seeded_clinician):
    """The classes crispy forms and our Python put on the page too, the gate's errors included."""
    carried = classes_in(Client().post(reverse("drugs:acknowledge"), {"next": "/en/"}).content.decode())
    assert {"form-check-input", "is-invalid", "invalid-feedback"} <= carried, "the gate's errors are shown"
    for language in LANGUAGES:
        for path in PAGES:
            carried |= classes_in(seeded_clinician.get(path.format(language=language)).content.decode())
    assert not missing_from_the_trimmed_stylesheet(carried), "run `make css` and commit the result"


def test_the_icon_answers_at_favicon_ico_without_the_gate(visitor, seed):
    response = visitor.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg") and response.content == views.favicon_svg()
    assert "max-age=86400" in response["Cache-Control"]
    assert reverse("favicon") == "/favicon.ico" and "favicon" in gate.EXEMPT_URL_NAMES


def test_the_icon_is_the_only_new_way_past_the_gate(visitor, seed):
    assert visitor.get("/favicon.svg").status_code == 302
    assert visitor.get("/favicon.ico/").status_code == 302
    assert visitor.get("/en/favicon.ico").status_code == 302


def test_every_page_names_the_icon(seeded_clinician):
    for path in [reverse("drugs:acknowledge"), "/en/", "/zh-hans/drugs/baricitinib/", "/en/nope/"]:
        page = seeded_clinician.get(path).content.decode()
        assert re.search(r'<link rel="icon" href="/static/favicon[.\w]*\.svg" type="image/svg\+xml">', page), path
