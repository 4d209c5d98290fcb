"""Clean reference data: readable source keys, DOIs and PMIDs as pasted, one drug per name, the year cited once."""

import json

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from drugs import fhir
from drugs.management.commands.load_seed import SEED_DIR
from drugs.models import Drug, Source
from tests.factories import make_drug, make_finding, make_profile, make_source, publish

pytestmark = pytest.mark.django_db

BRAVE_AA1_TITLE = (
    "Baricitinib Withdrawal and Retreatment in Patients With Severe Alopecia Areata: "
    "The BRAVE-AA1 Randomized Clinical Trial"
)
BRAVE_AA1_DOI = "10.1001/jamadermatol.2024.2734"
MONOGRAPH = reverse("drugs:drug_detail", kwargs={"slug": "baricitinib"})


def add_source(client, **fields):
    form = {"title": "A trial", "publisher": "A journal", "kind": "randomized_trial", "doi": "10.1000/xyz.1", **fields}
    return client.post(reverse("admin:drugs_source_add"), form)


def test_a_source_added_without_a_key_is_named_by_first_author_year_and_study_acronym(admin_client):
    for _ in range(2):
        response = add_source(
            admin_client, title=BRAVE_AA1_TITLE, authors="King B, Ko J, Kwon O, et al.", publication_year="2024"
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
    assert sorted(Source.objects.values_list("key", flat=True)) == ["king-2024-brave-aa1", "king-2024-brave-aa1-2"]


def test_a_key_without_an_acronym_takes_the_first_three_significant_words_of_the_title_in_ascii():
    takeuchi = make_source(
        key="",
        title="Dose reduction of baricitinib in patients with rheumatoid arthritis",
        authors="Takeuchi T, Genovese MC, et al.",
        publication_year=2019,
    )
    assert takeuchi.key == "takeuchi-2019-dose-reduction-baricitinib"
    no_author = make_source(key="", title="Élan of Baricitinib in Alopecia", authors="", publisher="Müller Verlag")
    assert no_author.key == "muller-2024-elan-baricitinib-alopecia"
    van_der_berg = make_source(
        key="", title="COVID-19 and JAK inhibitors", authors="van der Berg AC", publication_year=None
    )
    assert van_der_berg.key == "van-der-berg-covid-19"


def test_the_key_a_curator_typed_is_kept(admin_client):
    assert add_source(admin_client, key="my-own-key").status_code == 302
    assert Source.objects.get().key == "my-own-key"


def test_a_saved_source_key_cannot_be_changed_in_the_admin(admin_client):
    source = make_source(key="king-2024-brave-aa1-withdrawal", doi=BRAVE_AA1_DOI)
    change = reverse("admin:drugs_source_change", args=[source.pk])
    assert 'name="key"' not in admin_client.get(change).content.decode()
    form = {"key": "renamed", "title": "New title", "publisher": "J", "kind": source.kind, "doi": source.doi}
    form["loaded_version"] = source.edit_version
    assert admin_client.post(change, form).status_code == 302
    source.refresh_from_db()
    assert (source.key, source.title) == ("king-2024-brave-aa1-withdrawal", "New title")


def test_the_add_form_no_longer_fills_the_key_from_the_title_in_the_browser(admin_client):
    page = admin_client.get(reverse("admin:drugs_source_add")).content.decode()
    assert 'data-prepopulated-fields="[]"' in page, "no field is filled in from another"


@pytest.mark.parametrize(
    "pasted",
    [
        f"https://doi.org/{BRAVE_AA1_DOI}",
        f"http://dx.doi.org/{BRAVE_AA1_DOI}",
        f"doi:{BRAVE_AA1_DOI}",
        f"DOI: {BRAVE_AA1_DOI}",
        f"  {BRAVE_AA1_DOI} ",
    ],
)
def test_a_pasted_doi_is_stored_bare(admin_client, pasted):
    response = add_source(admin_client, doi=pasted)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Source.objects.get().doi == BRAVE_AA1_DOI


def test_a_pasted_pmid_label_is_dropped(admin_client):
    response = add_source(admin_client, pmid="PMID: 39141364")
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Source.objects.get().pmid == "39141364"


def test_a_source_is_found_in_autocomplete_by_its_doi_or_pmid_as_pasted(admin_client, seed):
    for term in [
        BRAVE_AA1_DOI,
        f"https://doi.org/{BRAVE_AA1_DOI}",
        f"doi:{BRAVE_AA1_DOI}",
        "39141364",
        "PMID: 39141364",
    ]:
        response = admin_client.get(
            "/admin/autocomplete/",
            {"app_label": "drugs", "model_name": "relapsefinding", "field_name": "source", "term": term},
        )
        found = [result["text"] for result in response.json()["results"]]
        assert len(found) == 1 and "BRAVE-AA1" in found[0], term


def test_a_drug_name_differing_only_in_case_is_refused_on_the_name_field(admin_client):
    make_drug(name="tofacitinib", slug="tofacitinib")
    response = admin_client.post(
        reverse("admin:drugs_drug_add"),
        {
            "name": "Tofacitinib",
            "slug": "tofacitinib-2",
            **{f"{p}-{k}": v for p in ["relapse_profiles", "approvals"] for k, v in MANAGEMENT.items()},
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "A drug with this name already exists" in str(form.errors["name"])
    assert not form.non_field_errors()
    assert Drug.objects.working().filter(name__iexact="tofacitinib").count() == 1


MANAGEMENT = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}


def test_the_database_refuses_a_second_drug_of_the_same_name_in_another_case():
    publish(make_drug(name="tofacitinib", slug="tofacitinib"))  # the public copy shares the name: allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        make_drug(name="TOFACITINIB", slug="tofacitinib-upper")


def test_the_citation_help_text_leaves_the_year_to_its_own_field(admin_client):
    page = admin_client.get(reverse("admin:drugs_source_add")).content.decode()
    assert "the year is its own field" in page
    assert "2024;160(10)" not in page


def test_a_citation_typed_with_its_year_is_saved_without_it(admin_client):
    response = add_source(admin_client, publication_year="2024", citation="2024;160(10):1075–1081")
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Source.objects.get().citation == "160(10):1075–1081"


@pytest.mark.parametrize("path", sorted(SEED_DIR.glob("*.json")), ids=lambda path: path.stem)
def test_no_seed_citation_repeats_its_year(path):
    for source in json.loads(path.read_text(encoding="utf-8"))["sources"]:
        year = str(source["publication_year"])
        assert not source["citation"].startswith(year), source["key"]


def test_the_monograph_cites_the_journal_year_once_before_volume_and_pages(seeded_clinician):
    page = seeded_clinician.get(MONOGRAPH).content.decode()
    assert "2024;2024" not in page
    assert "JAMA Dermatology 2024;160(10):1075–1081" in page


def test_a_citation_still_stored_with_its_year_shows_the_year_once(clinician):
    source = make_source(
        publisher="JAMA Dermatology", publication_year=2024, citation="2024;160(10):1075–1081", doi=BRAVE_AA1_DOI
    )
    drug = make_drug()
    make_finding(profile=make_profile(drug=drug), source=source)
    publish(drug)
    page = clinician.get(drug.get_absolute_url()).content.decode()
    assert "JAMA Dermatology 2024;160(10):1075–1081" in page
    assert "2024;2024" not in page
    (citation,) = [
        e["resource"] for e in fhir.bundle_for(fhir.exportable())["entry"] if e["resource"]["id"] == source.key
    ]
    assert "JAMA Dermatology. 2024;160(10):1075–1081." in citation["summary"][0]["text"]
