"""Every public page sits behind the professional-use acknowledgment."""

import re
import time

import pytest
from django.apps import apps
from django.db.models import QuerySet
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from drugs import cache, gate, services
from drugs.models import AcknowledgmentTally
from tests.conftest import acknowledge
from tests.factories import make_disclaimer

pytestmark = pytest.mark.django_db

MONOGRAPH = "/en/drugs/baricitinib/"
SAMPLE_ARGUMENTS = {
    "slug": "baricitinib",
    "int": "1",
    "str": "x",
    "path": "x/y",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def every_route(resolver=None, prefix=""):
    """Concrete paths for every URL pattern the project has, straight from the resolver."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from every_route(entry, route)
        elif isinstance(entry, URLPattern):
            concrete = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGUMENTS[m.group(1) or "str"], route)
            yield "/" + concrete.lstrip("^").rstrip("$")


def public_routes():
    """Every route outside the admin (which has its own login)."""
    return [path for path in every_route() if not path.startswith("/admin/")]


def test_the_walk_finds_the_public_pages():
    assert {"/en/", MONOGRAPH, "/en/conditions/baricitinib/", "/en/search/", "/en/acknowledge/", "/robots.txt"} <= set(
        public_routes()
    )


@pytest.mark.parametrize("path", public_routes())
def test_every_non_exempt_url_sends_an_unacknowledged_visitor_to_the_gate(visitor, seed, path):
    response = visitor.get(path)
    if resolve(path).view_name in gate.EXEMPT_URL_NAMES:
        assert not response.get("Location", "").startswith(reverse("drugs:acknowledge")), path
        return
    assert response.status_code == 302, f"{path} answered {response.status_code} without the gate"
    assert response["Location"].startswith(reverse("drugs:acknowledge") + "?next=")


def test_unknown_paths_are_gated_too(visitor, seed):
    response = visitor.get("/no-such-page/")
    assert response.status_code == 302


def test_gate_keeps_where_the_visitor_was_going(visitor, seed):
    response = visitor.get(MONOGRAPH + "?x=1")
    assert response["Location"] == "/en/acknowledge/?next=%2Fen%2Fdrugs%2Fbaricitinib%2F%3Fx%3D1"


def test_gate_shows_every_point_of_the_disclaimer_and_the_original_chinese(visitor, seed):
    page = visitor.get("/en/acknowledge/").content.decode()
    for words in [
        "FDA website",
        "Drugs.com",
        "originator manufacturers",
        "only for persons holding medical professional qualifications",
        "reference for medical and pharmaceutical research",
        "does not constitute treatment advice or a drug recommendation",
        "may not be approved for marketing in mainland China",
        "not intended for sale or use within China",
        "consult a proper medical institution",
        "does not sell drugs or offer any purchasing-on-behalf service",
        "本站不提供药品销售或代购服务",
    ]:
        assert words in page, words
    for role in ["Physician", "Pharmacist", "Nurse", "Researcher", "Other healthcare professional"]:
        assert role in page


def test_accepting_returns_to_the_page_and_records_role_and_version(visitor, seed):
    response = visitor.post("/en/acknowledge/", {"role": "pharmacist", "accept": "on", "next": MONOGRAPH})
    assert response.status_code == 302 and response["Location"] == MONOGRAPH
    assert visitor.get(MONOGRAPH).status_code == 200
    tally = AcknowledgmentTally.objects.get()
    assert (tally.role, tally.disclaimer.version, tally.count) == ("pharmacist", 1, 1)


def test_without_ticking_the_box_the_visitor_stays_at_the_gate(visitor, seed):
    response = visitor.post("/en/acknowledge/", {"role": "physician", "next": MONOGRAPH})
    assert response.status_code == 200
    assert "Tick the box to confirm your qualification" in response.content.decode()
    assert visitor.get(MONOGRAPH).status_code == 302
    assert not AcknowledgmentTally.objects.exists()


def test_without_a_role_the_visitor_is_asked_for_one(visitor, seed):
    response = visitor.post("/en/acknowledge/", {"accept": "on", "next": MONOGRAPH})
    assert "Choose the role that describes you" in response.content.decode()
    assert visitor.get(MONOGRAPH).status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "http://evil.example/drugs/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "///evil.example",
        " https://evil.example",
        "https:evil.example",
    ],
)
def test_an_off_site_next_lands_on_the_home_page(visitor, seed, target):
    response = visitor.post("/en/acknowledge/", {"role": "nurse", "accept": "on", "next": target})
    assert response["Location"] == "/en/"


def test_an_off_site_next_in_the_gate_link_is_not_carried_into_the_form(visitor, seed):
    page = visitor.get("/en/acknowledge/", {"next": "//evil.example"}).content.decode()
    assert re.findall(r'<input[^>]*name="next"[^>]*>', page) == [
        '<input type="hidden" name="next" value="/en/" id="id_next">'
    ]


def test_the_language_switch_keeps_the_page_and_never_leaves_the_site(visitor, seed):
    response = visitor.get(
        "/language/", {"language": "zh-hans", "next": "/en/acknowledge/?next=/en/drugs/baricitinib/"}
    )
    assert response["Location"] == "/zh-hans/acknowledge/?next=/en/drugs/baricitinib/"
    assert response.cookies["django_language"].value == "zh-hans"
    for target in ["//evil.example", "https://evil.example/en/"]:
        assert visitor.get("/language/", {"language": "zh-hans", "next": target})["Location"] == "/zh-hans/"
    assert visitor.get("/language/", {"language": "xx", "next": "/zh-hans/"})["Location"] == "/en/"


def test_declining_shows_no_monograph_content(visitor, seed):
    page = visitor.get("/en/acknowledge/declined/").content.decode()
    assert "for healthcare professionals only" in page
    assert "Olumiant" not in page and "60%" not in page
    assert visitor.get(MONOGRAPH).status_code == 302


def test_a_new_disclaimer_version_asks_everyone_again(seeded_clinician):
    assert seeded_clinician.get(MONOGRAPH).status_code == 200
    make_disclaimer(version=2, text="Version 2 of the disclaimer.")
    response = seeded_clinician.get(MONOGRAPH)
    assert response.status_code == 302
    assert "Version 2 of the disclaimer." in seeded_clinician.get(response["Location"]).content.decode()
    acknowledge(seeded_clinician)
    assert seeded_clinician.get(MONOGRAPH).status_code == 200


def test_an_acknowledgment_expires_after_the_configured_days(seeded_clinician, settings, monkeypatch):
    settings.MEDINFO_ACKNOWLEDGMENT_MAX_AGE_DAYS = 2
    assert seeded_clinician.get(MONOGRAPH).status_code == 200
    now = time.time()
    monkeypatch.setattr(gate.time, "time", lambda: now + 2 * 86400 + 1)
    assert seeded_clinician.get(MONOGRAPH).status_code == 302


def test_without_any_current_disclaimer_nobody_gets_in(visitor, db):
    response = visitor.get("/en/acknowledge/")
    assert response.status_code == 503
    assert "no disclaimer has been published" in response.content.decode()
    visitor.post("/en/acknowledge/", {"role": "nurse", "accept": "on", "next": "/"})
    assert visitor.get("/en/").status_code == 302


def test_admin_robots_and_health_check_are_not_gated(visitor, seed):
    assert visitor.get("/admin/login/").status_code == 200
    assert visitor.get("/robots.txt").content == b"User-agent: *\nDisallow: /\n"
    assert visitor.get("/healthz").content == b"ok\n"


@pytest.mark.parametrize(
    "path", ["/en/", MONOGRAPH, "/en/conditions/alopecia-areata/", "/en/search/?q=ra", "/en/nope/"]
)
def test_the_disclaimer_is_in_the_footer_of_every_page(seeded_clinician, path):
    page = seeded_clinician.get(path).content.decode()
    assert 'class="site-footer' in page
    assert "does not sell drugs or offer any purchasing-on-behalf service" in page.split('class="site-footer')[1]


def rows_in_the_database() -> int:
    return sum(model.objects.count() for model in apps.get_app_config("drugs").get_models())


def test_two_hundred_acknowledgments_add_a_handful_of_rows_and_are_all_counted(visitor, seed):
    before = rows_in_the_database()
    roles = ["physician", "pharmacist", "nurse"]
    for i in range(200):
        acknowledge(visitor, roles[i % len(roles)])
    assert rows_in_the_database() - before <= len(roles), "one row per day, disclaimer version and role"
    tallies = AcknowledgmentTally.objects.all()
    assert {(t.role, t.disclaimer.version, t.day) for t in tallies} == {
        (role, 1, timezone.localdate()) for role in roles
    }
    assert sum(t.count for t in tallies) == 200


def test_an_acknowledgment_that_loses_the_race_for_the_days_first_row_is_still_counted(disclaimer, monkeypatch):
    real_update = QuerySet.update

    def update_after_another_request_inserted(queryset, **changes):
        # Our UPDATE found no row; another request inserts today's tally before our INSERT runs.
        monkeypatch.setattr(QuerySet, "update", real_update)
        AcknowledgmentTally.objects.create(day=timezone.localdate(), disclaimer=disclaimer, role="nurse", count=1)
        return 0

    monkeypatch.setattr(QuerySet, "update", update_after_another_request_inserted)
    services.acknowledgment_record(disclaimer=disclaimer, role="nurse")
    assert AcknowledgmentTally.objects.get().count == 2


def test_the_gate_is_rendered_once_and_each_visitor_gets_a_token_of_their_own(seed):
    """The gate is every first visit's page: rendered once per content version and address, not per visitor."""
    first, second = Client(), Client()
    rendered = first.get("/en/acknowledge/?next=/en/drugs/baricitinib/")
    again = second.get("/en/acknowledge/?next=/en/drugs/baricitinib/")
    assert "drugs/acknowledge.html" in [template.name for template in rendered.templates]
    assert again.templates == [], "the second visitor's page comes from memory"
    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.content.decode()).group(1) for r in (rendered, again)
    ]
    assert tokens[0] != tokens[1] and cache.CSRF_PLACEHOLDER not in again.content.decode()
    assert again.content.decode().replace(tokens[1], "") == rendered.content.decode().replace(tokens[0], "")
    checked = Client(enforce_csrf_checks=True)
    page = checked.get("/en/acknowledge/?next=/en/drugs/baricitinib/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"csrfmiddlewaretoken": token, "role": "nurse", "accept": "on", "next": "/en/drugs/baricitinib/"}
    answer = checked.post("/en/acknowledge/", form)
    assert answer.status_code == 302 and answer["Location"] == "/en/drugs/baricitinib/", "the fresh token works"
