"""Entering a paper's findings: save and add another keeps the context, duplicate, filters, compact profile page."""

import re
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from drugs.models import Drug, MonographStatus, RelapseFinding, RelapseProfile, Scenario
from tests.admin_forms import _FormReader, change_form
from tests.conftest import logged_in, staff_member
from tests.factories import make_condition, make_finding, make_profile, make_source, publish

pytestmark = pytest.mark.django_db

CONTEXT = ["profile", "source", "study_name", "study_design", "population", "evidence_grade"]


def add_url() -> str:
    return reverse("admin:drugs_relapsefinding_add")


def change_url(finding: RelapseFinding) -> str:
    return reverse("admin:drugs_relapsefinding_change", args=[finding.pk])


def changelist(client, **filters) -> str:
    return client.get(reverse("admin:drugs_relapsefinding_changelist"), filters).content.decode()


def add_form_after_redirect(client, response) -> dict:
    assert response.status_code == 302
    location = response["Location"]
    assert urlparse(location).path == add_url()
    return change_form_at(client, location)


def change_form_at(client, url: str) -> dict:
    # change_form() finds the form by the URL's model segment, which an add URL with a query lacks.
    response = client.get(url)
    assert response.status_code == 200, url
    reader = _FormReader("relapsefinding_form")
    reader.feed(response.content.decode())
    return {key: value.removeprefix("\n") for key, value in reader.data.items()}


def test_save_and_add_another_opens_a_form_with_the_profile_source_and_study_filled_in(curator):
    client = logged_in(curator)
    finding = make_finding(study_name="BRAVE-AA1", population="Responders at week 52", evidence_grade=4)
    form = change_form(client, change_url(finding))
    form.pop("loaded_version")
    response = client.post(add_url(), {**form, "timepoint": "52", "_addanother": "Save and add another"})
    assert RelapseFinding.objects.filter(profile=finding.profile).count() == 2

    new_form = add_form_after_redirect(client, response)
    assert new_form["profile"] == str(finding.profile_id)
    assert new_form["source"] == str(finding.source_id)
    assert new_form["study_name"] == "BRAVE-AA1"
    assert new_form["study_design"] == finding.study_design
    assert new_form["population"] == "Responders at week 52"
    assert new_form["evidence_grade"] == "4"
    assert new_form.get("timepoint", "") == "", "the figures of the last finding are not carried over"


def test_save_and_add_another_after_an_edit_also_keeps_the_context(curator):
    client = logged_in(curator)
    finding = make_finding(study_name="BRAVE-AA2")
    form = change_form(client, change_url(finding))
    response = client.post(change_url(finding), {**form, "proportion": "61", "_addanother": "Save and add another"})
    new_form = add_form_after_redirect(client, response)
    assert new_form["profile"] == str(finding.profile_id) and new_form["study_name"] == "BRAVE-AA2"


def test_a_findings_change_page_offers_a_duplicate_that_is_saved_only_when_the_curator_saves(curator):
    client = logged_in(curator)
    finding = make_finding(study_name="BRAVE-AA1", regimen_after="2 mg once daily", events=12, order=3, note="As is")
    page = client.get(change_url(finding)).content.decode()
    link = re.search(r'href="([^"]*)"[^>]*>\s*Duplicate', page)
    assert link, "a Duplicate link on the change page"

    duplicate_url = link.group(1).replace("&amp;", "&")
    copy = change_form_at(client, duplicate_url)
    assert RelapseFinding.objects.count() == 1, "opening the duplicate saves nothing"
    assert copy["regimen_after"] == "2 mg once daily" and copy["events"] == "12" and copy["note"] == "As is"
    assert copy["profile"] == str(finding.profile_id) and copy["source"] == str(finding.source_id)
    assert copy["order"] == "4", "the copy goes right after the original"
    assert copy["loaded_version"] == ""

    response = client.post(add_url(), {**copy, "regimen_after": "placebo"})
    assert response.status_code == 302
    saved = RelapseFinding.objects.exclude(pk=finding.pk).get()
    assert (saved.regimen_after, saved.events, saved.order, saved.profile) == ("placebo", 12, 4, finding.profile)
    assert RelapseFinding.objects.get(pk=finding.pk).regimen_after == "2 mg once daily"


def test_the_findings_list_filters_by_drug_condition_source_study_and_scenario(curator):
    client = logged_in(curator)
    first = make_finding(study_name="BRAVE-AA1", regimen_before="first arm", scenario=Scenario.STOPPED)
    make_finding(study_name="RA-BEYOND", regimen_before="second arm", scenario=Scenario.TAPERED)
    both = changelist(client)
    assert "first arm" in both and "second arm" in both

    filters = [
        {"profile__drug__id__exact": first.profile.drug_id},
        {"profile__condition__id__exact": first.profile.condition_id},
        {"source__id__exact": first.source_id},
        {"study": "BRAVE-AA1"},
        {"scenario__exact": Scenario.STOPPED},
    ]
    for query in filters:
        page = changelist(client, **query)
        assert "first arm" in page and "second arm" not in page, query
    assert "second arm" in changelist(client, study="RA-BEYOND")


def test_the_drug_filter_lists_working_copies_only_and_the_study_filter_lists_each_study_once(curator):
    finding = make_finding(study_name="BRAVE-AA1")
    make_finding(profile=finding.profile, study_name="BRAVE-AA1")
    make_finding(study_name="RA-BEYOND")  # a second drug: a filter with one choice is not shown
    publish(finding.profile.drug)
    public_copy = Drug.objects.get(public_copy_of=finding.profile.drug)
    page = changelist(logged_in(curator))
    assert f"profile__drug__id__exact={finding.profile.drug_id}" in page
    assert f"profile__drug__id__exact={public_copy.pk}" not in page
    assert page.count("study=BRAVE-AA1") == 1


def controls(page: str) -> int:
    return len(re.findall(r"<(?:input|select|textarea)\b(?![^>]*type=\"hidden\")", page))


def test_a_profile_with_20_findings_is_a_short_page_with_a_link_to_each_finding(curator):
    profile = make_profile()
    findings = [make_finding(profile=profile, regimen_before=f"arm {n}", order=n) for n in range(20)]
    page = logged_in(curator).get(reverse("admin:drugs_relapseprofile_change", args=[profile.pk])).content.decode()
    # 708 visible controls (about 34 per finding) before the findings became a summary table; 76 after.
    assert controls(page) < 120, controls(page)
    for finding in findings:
        assert change_url(finding) in page
    add_link = f"{add_url()}?profile={profile.pk}"
    assert add_link in page.replace("&amp;", "&"), "a link to add a finding to this profile"


def test_a_profile_form_still_refuses_a_stale_findings_order(seed, curator, django_user_model):
    other = logged_in(staff_member(django_user_model, "curator2", "Curator"))
    profile = RelapseProfile.objects.filter(drug__public_copy_of__isnull=True).first()
    url = reverse("admin:drugs_relapseprofile_change", args=[profile.pk])
    first, second = logged_in(curator), other
    first_form, second_form = change_form(first, url), change_form(second, url)
    prefix = next(k.removesuffix("-loaded_version") for k in first_form if k.endswith("-loaded_version"))
    finding = RelapseFinding.objects.get(pk=first_form[f"{prefix}-id"])
    assert first.post(url, {**first_form, f"{prefix}-order": "99"}).status_code == 302
    page = second.post(url, {**second_form, f"{prefix}-order": "98"}).content.decode()
    assert "Someone saved this relapse finding after you opened it" in page
    assert RelapseFinding.objects.get(pk=finding.pk).order == 99


def test_changing_a_findings_order_on_the_profile_page_sends_the_monograph_to_draft(seed, curator):
    drug = Drug.objects.working().get(slug="baricitinib")
    assert drug.status == MonographStatus.PUBLISHED
    profile = drug.relapse_profiles.first()
    url = reverse("admin:drugs_relapseprofile_change", args=[profile.pk])
    client = logged_in(curator)
    form = change_form(client, url)
    prefix = next(k.removesuffix("-order") for k in form if k.startswith("findings-") and k.endswith("-order"))
    assert client.post(url, {**form, f"{prefix}-order": "77"}).status_code == 302
    assert Drug.objects.get(pk=drug.pk).status == MonographStatus.DRAFT


def test_the_source_filter_names_only_sources_findings_cite(curator):
    make_finding()
    unused = make_source(title="Never cited")
    make_condition()
    assert f"source__id__exact={unused.pk}" not in changelist(logged_in(curator))
