"""Public pages from memory, without harm: never to the wrong reader, never stale after a change."""

import gzip
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.test import Client

from drugs import cache, services
from drugs.cache import BoundedMemoryCache
from drugs.models import Drug, RelapseFinding, Source
from drugs.services import reference
from tests.conftest import acknowledge
from tests.factories import make_disclaimer

pytestmark = pytest.mark.django_db

MONOGRAPH = "/en/drugs/baricitinib/"


def figure_24_weeks(drug_filter) -> RelapseFinding:
    return RelapseFinding.objects.get(
        profile__drug__in=drug_filter, study_name="BRAVE-AA1", timepoint=24, regimen_before__contains="4 mg once"
    )


def test_a_stored_page_is_never_given_to_a_visitor_who_has_not_acknowledged(
    seeded_clinician, django_assert_num_queries
):
    assert seeded_clinician.get(MONOGRAPH).status_code == 200
    with django_assert_num_queries(0):
        assert seeded_clinician.get(MONOGRAPH).status_code == 200  # from memory
    stranger = Client()
    response = stranger.get(MONOGRAPH)
    assert response.status_code == 302 and response["Location"].startswith("/en/acknowledge/")
    forged = Client()
    forged.cookies["medinfo_ack"] = '{"version": 1, "at": 9999999999}'
    assert forged.get(MONOGRAPH).status_code == 302, "an unsigned acknowledgment is worthless"


def test_a_page_is_stored_compressed_for_browsers_that_take_gzip_and_plain_for_the_others(
    seeded_clinician, django_assert_num_queries
):
    compressed = seeded_clinician.get(MONOGRAPH, HTTP_ACCEPT_ENCODING="gzip, deflate, br, zstd")
    assert compressed["Content-Encoding"] == "gzip" and "Accept-Encoding" in compressed["Vary"]
    page = gzip.decompress(compressed.content).decode()
    assert "Relapse after discontinuation, by condition" in page
    with django_assert_num_queries(0):
        assert seeded_clinician.get(MONOGRAPH, HTTP_ACCEPT_ENCODING="gzip").content == compressed.content
    plain = seeded_clinician.get(MONOGRAPH)
    assert not plain.has_header("Content-Encoding") and plain.content.decode() == page
    with django_assert_num_queries(0):
        assert seeded_clinician.get(MONOGRAPH).content.decode() == page, "from memory, still plain"
    assert len(compressed.content) < len(plain.content) / 4


def test_a_new_disclaimer_version_stops_stored_pages_until_acknowledged_again(seeded_clinician):
    seeded_clinician.get(MONOGRAPH)
    make_disclaimer(version=2, text="Second version.")
    assert seeded_clinician.get(MONOGRAPH).status_code == 302
    acknowledge(seeded_clinician)
    assert "Second version." in seeded_clinician.get(MONOGRAPH).content.decode()


def test_each_language_has_its_own_stored_page(seeded_clinician):
    english = seeded_clinician.get(MONOGRAPH).content.decode()
    chinese = seeded_clinician.get("/zh-hans/drugs/baricitinib/").content.decode()
    assert "Relapse after discontinuation, by condition" in english
    assert "停药后复发（按疾病）" in chinese and "Relapse after discontinuation, by condition" not in chinese
    assert seeded_clinician.get(MONOGRAPH).content.decode() == english


def test_a_draft_edit_stays_out_and_a_publication_shows_on_the_next_request(seeded_clinician, curator, reviewer):
    assert "<strong>60%</strong>" in seeded_clinician.get(MONOGRAPH).content.decode()
    working = Drug.objects.working().get(slug="baricitinib")
    finding = figure_24_weeks(Drug.objects.working())
    finding.proportion = Decimal(64)
    finding.save()
    services.monograph_mark_edited(drug=working, user=curator)
    page = seeded_clinician.get(MONOGRAPH).content.decode()
    assert "<strong>60%</strong>" in page and "<strong>64%</strong>" not in page, "a draft never reaches readers"
    services.monograph_submit(drug=working, user=curator)
    services.monograph_publish(drug=working, reviewer=reviewer, note="Corrected")
    assert "<strong>64%</strong>" in seeded_clinician.get(MONOGRAPH).content.decode()


def test_a_withdrawal_takes_the_stored_page_down_at_once(seeded_clinician, reviewer):
    seeded_clinician.get(MONOGRAPH)
    services.monograph_withdraw(drug=Drug.objects.working().get(slug="baricitinib"), reviewer=reviewer)
    assert seeded_clinician.get(MONOGRAPH).status_code == 404


def test_a_reviewers_change_to_shared_reference_data_shows_on_the_next_request(seeded_clinician, reviewer):
    seeded_clinician.get(MONOGRAPH)
    source = Source.objects.get(key="takeuchi-2019-ra-beyond")
    source.title = "Corrected title of the RA-BEYOND paper"
    reference.reference_save(obj=source, user=reviewer)
    assert "Corrected title of the RA-BEYOND paper" in seeded_clinician.get(MONOGRAPH).content.decode()


def test_over_plain_http_a_site_that_requires_https_redirects_even_for_a_stored_page(seed, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    clinician = Client()
    clinician.post("/en/acknowledge/", {"role": "nurse", "accept": "on", "next": "/"}, secure=True)
    for _ in range(2):  # rendered, then from memory
        response = clinician.get(MONOGRAPH, secure=True)
        assert response.status_code == 200 and response["Strict-Transport-Security"].startswith("max-age=3600")
    plain = clinician.get(MONOGRAPH)
    assert plain.status_code == 301 and plain["Location"] == f"https://testserver{MONOGRAPH}"


def test_a_page_rendered_before_a_change_is_not_kept_after_it(seeded_clinician):
    from django.test.signals import template_rendered

    def publication_commits_meanwhile(sender, template, **kwargs):
        if template.name == "drugs/drug_detail.html":
            cache.content_changed()

    template_rendered.connect(publication_commits_meanwhile)
    try:
        assert seeded_clinician.get(MONOGRAPH).status_code == 200  # rendered from the rows before the change
    finally:
        template_rendered.disconnect(publication_commits_meanwhile)
    again = seeded_clinician.get(MONOGRAPH)
    assert "drugs/drug_detail.html" in [template.name for template in again.templates], "rendered afresh"
    assert [template.name for template in seeded_clinician.get(MONOGRAPH).templates] == [], "then from memory"


def test_a_stored_page_is_not_given_for_a_host_the_site_does_not_serve(seeded_clinician):
    assert seeded_clinician.get(MONOGRAPH).status_code == 200
    assert seeded_clinician.get(MONOGRAPH, headers={"host": "evil.example"}).status_code == 400


def test_a_draft_save_leaves_stored_pages_in_place(seeded_clinician, curator, django_assert_num_queries):
    seeded_clinician.get(MONOGRAPH)
    finding = figure_24_weeks(Drug.objects.working())
    finding.proportion = Decimal(64)
    finding.save()
    services.monograph_mark_edited(drug=Drug.objects.working().get(slug="baricitinib"), user=curator)
    with django_assert_num_queries(0):
        assert "<strong>60%</strong>" in seeded_clinician.get(MONOGRAPH).content.decode(), "still from memory"


def test_a_write_that_bypasses_the_services_is_seen_within_the_page_lifetime(seeded_clinician, settings, monkeypatch):
    import time

    assert "<strong>60%</strong>" in seeded_clinician.get(MONOGRAPH).content.decode()
    RelapseFinding.objects.filter(pk=figure_24_weeks(Drug.objects.published()).pk).update(proportion=Decimal(64))
    assert "<strong>60%</strong>" in seeded_clinician.get(MONOGRAPH).content.decode(), "a shell fix is not seen at once"
    started = time.time()
    monkeypatch.setattr(time, "time", lambda: started + settings.MEDINFO_PAGE_TTL + 1)
    assert "<strong>64%</strong>" in seeded_clinician.get(MONOGRAPH).content.decode(), "but within MEDINFO_PAGE_TTL"


@pytest.mark.parametrize(
    ("asked", "clean"),
    [
        ("/en/drugs/baricitinib/fhir.json?v=7", "/en/drugs/baricitinib/fhir.json"),
        ("/en/drugs/baricitinib/?utm_source=newsletter", MONOGRAPH),
        ("/en/search/?page=1&q=olumiant&x=1", "/en/search/?q=olumiant"),
        ("/en/conditions/alopecia-areata/?sort=figure&page=1", "/en/conditions/alopecia-areata/?page=1&sort=figure"),
        ("/en/search/?x=&q=", "/en/search/?q="),
    ],
)
def test_a_query_a_page_does_not_read_is_redirected_to_its_clean_address_and_stores_nothing(
    seeded_clinician, asked, clean
):
    pages = caches["pages"]
    before = pages.bytes_held()
    response = seeded_clinician.get(asked)
    assert response.status_code == 302 and response["Location"] == clean
    assert pages.bytes_held() == before, "junk in the address does not create a stored page"
    assert seeded_clinician.get(clean).status_code == 200


def test_the_page_store_is_bounded_in_bytes_and_evicts_the_least_recently_used():
    store = BoundedMemoryCache("bounded-test", {"OPTIONS": {"MAX_BYTES": 25_000}})
    store.set("first", b"a" * 10_000)
    store.set("second", b"b" * 10_000)
    assert store.get("first") is not None  # used again: now the most recent
    store.set("third", b"c" * 10_000)
    assert store.get("second") is None, "the least recently used goes first"
    assert store.get("first") is not None and store.get("third") is not None
    assert store.bytes_held() <= 25_000


def test_a_static_file_costs_no_read_of_the_content_version(client, monkeypatch):
    """With Redis as the shared cache that read is a network round trip: only stored views need it."""
    reads = []
    monkeypatch.setattr(cache, "_read_version", lambda: reads.append(1) or "v")
    assert client.get("/static/css/print.css").status_code == 200
    assert reads == []
    client.get("/en/")
    assert reads == [1]
