"""A restore changes what the restored row owns, after a confirmation listing every change; nothing else."""

from decimal import Decimal

import pytest
import reversion
from django.urls import reverse
from reversion.models import Version

from drugs.models import Disclaimer, Drug, MonographStatus, RelapseFinding, Source
from tests.admin_forms import change_form
from tests.conftest import acknowledge, logged_in
from tests.factories import make_disclaimer, make_drug, make_finding, make_profile, publish
from tests.test_workflow import edit_figure_in_admin, seeded_finding, working_baricitinib

pytestmark = pytest.mark.django_db

BRAVE_AA1 = "king-2024-brave-aa1-withdrawal"


def confirm_restore(client, url: str):
    """Open the confirmation page, then confirm exactly what it listed."""
    page = client.get(url)
    assert page.status_code == 200
    return page, client.post(url, {"fingerprint": page.context["plan"].fingerprint})


def everything_in_one_revision(*others) -> Version:
    """What load_seed and import_monographs used to write: shared rows and drugs in one revision."""
    baricitinib = working_baricitinib()
    with reversion.create_revision():
        for row in (Disclaimer.objects.get(is_current=True), *Source.objects.all(), baricitinib, *others):
            reversion.add_to_revision(row)
    return Version.objects.get_for_object(baricitinib).first()


def test_restoring_an_old_drug_version_leaves_shared_rows_other_drugs_and_the_gate_alone(
    seed, curator, reviewer, client
):
    other = make_drug(summary="Other drug, first wording")
    old_version = everything_in_one_revision(other)

    # Since then: a reviewer corrected a shared source, a new disclaimer became current, another drug changed.
    Source.objects.filter(key=BRAVE_AA1).update(title="Corrected title")
    new_disclaimer = make_disclaimer(version=99, text="Second wording of the disclaimer.")
    Drug.objects.filter(pk=other.pk).update(summary="Other drug, corrected wording")
    edit_figure_in_admin(logged_in(curator), seeded_finding(), "61")
    public_before = Drug.objects.published().get(slug="baricitinib").summary

    url = reverse("admin:drugs_drug_revision", args=[working_baricitinib().pk, old_version.pk])
    page, response = confirm_restore(logged_in(curator), url)
    listed = page.content.decode()
    assert "<td>61.00</td><td>60.00</td>" in listed, "the confirmation lists the figure, now → after"
    assert "Corrected title" not in listed and "Second wording" not in listed, "shared rows are not part of it"
    assert response.status_code == 302

    assert seeded_finding().proportion == Decimal(60), "the drug's own finding was restored"
    assert Source.objects.get(key=BRAVE_AA1).title == "Corrected title"
    assert Disclaimer.objects.get(is_current=True) == new_disclaimer
    assert Drug.objects.get(pk=other.pk).summary == "Other drug, corrected wording"
    assert Drug.objects.published().get(slug="baricitinib").summary == public_before
    assert working_baricitinib().status == MonographStatus.DRAFT
    assert client.get(reverse("drugs:acknowledge")).status_code == 200, "the gate still answers"
    acknowledge(client)
    assert client.get("/en/drugs/baricitinib/").status_code == 200


def test_restoring_one_finding_keeps_a_finding_added_later_and_the_other_findings(seed, curator):
    curator_client = logged_in(curator)
    finding = seeded_finding()
    profile_url = reverse("admin:drugs_relapseprofile_change", args=[finding.profile_id])
    form = change_form(curator_client, profile_url)
    assert curator_client.post(profile_url, {**form, "guidance": "Saved with every finding"}).status_code == 302
    old_version = Version.objects.get_for_object(finding).first()  # from the profile's save: holds all findings

    later = make_finding(profile=finding.profile, study_name="Added later")
    sibling = RelapseFinding.objects.filter(profile=finding.profile).exclude(pk__in=[finding.pk, later.pk]).first()
    RelapseFinding.objects.filter(pk=sibling.pk).update(population="Corrected population")
    edit_figure_in_admin(curator_client, seeded_finding(), "61")

    url = reverse("admin:drugs_relapsefinding_revision", args=[finding.pk, old_version.pk])
    page, response = confirm_restore(curator_client, url)
    assert response.status_code == 302
    assert "Added later" not in page.content.decode()
    assert seeded_finding().proportion == Decimal(60)
    assert RelapseFinding.objects.filter(pk=later.pk).exists(), "a finding added later is kept"
    assert RelapseFinding.objects.get(pk=sibling.pk).population == "Corrected population"


def test_recovering_a_deleted_finding_leaves_the_other_findings_as_they_are(seed, reviewer):
    reviewer_client = logged_in(reviewer)
    finding = seeded_finding()
    profile_url = reverse("admin:drugs_relapseprofile_change", args=[finding.profile_id])
    reviewer_client.post(profile_url, {**change_form(reviewer_client, profile_url), "guidance": "Snapshot"})
    sibling = RelapseFinding.objects.filter(profile=finding.profile).exclude(pk=finding.pk).first()
    reviewer_client.post(reverse("admin:drugs_relapsefinding_delete", args=[finding.pk]), {"post": "yes"})
    RelapseFinding.objects.filter(pk=sibling.pk).update(population="Corrected after the delete")

    deleted = Version.objects.get_deleted(RelapseFinding).get(object_id=str(finding.pk))
    _page, response = confirm_restore(reviewer_client, reverse("admin:drugs_relapsefinding_recover", args=[deleted.pk]))
    assert response.status_code == 302
    assert RelapseFinding.objects.filter(pk=finding.pk).exists()
    assert RelapseFinding.objects.get(pk=sibling.pk).population == "Corrected after the delete"


def test_the_confirmation_lists_rows_that_come_back_and_rows_that_go(seed, curator):
    curator_client = logged_in(curator)
    drug = working_baricitinib()
    drug_url = reverse("admin:drugs_drug_change", args=[drug.pk])
    curator_client.post(drug_url, {**change_form(curator_client, drug_url), "summary": "Snapshot summary"})
    old_version = Version.objects.get_for_object(drug).first()
    make_finding(profile=seeded_finding().profile, study_name="Added after the snapshot")
    doomed = RelapseFinding.objects.filter(profile__drug=drug, study_name="BRAVE-AA2").first()
    doomed.delete()

    page = curator_client.get(reverse("admin:drugs_drug_revision", args=[drug.pk, old_version.pk]))
    listed = {(change.kind, change.label) for change in page.context["changes"]}
    assert ("deleted", "relapse finding: Added after the snapshot 4 mg once daily → placebo 24.0 weeks") in listed
    assert any(kind == "added" and "BRAVE-AA2" in label for kind, label in listed)
    assert "brought back" in page.content.decode() and "deleted" in page.content.decode()
    assert RelapseFinding.objects.filter(study_name="Added after the snapshot").exists(), "a GET changes nothing"


def test_a_confirmation_made_before_another_edit_is_refused(seed, curator):
    curator_client = logged_in(curator)
    finding = seeded_finding()
    edit_figure_in_admin(curator_client, finding, "70")
    first_edit = Version.objects.get_for_object(finding).first()
    edit_figure_in_admin(curator_client, seeded_finding(), "75")
    url = reverse("admin:drugs_relapsefinding_revision", args=[finding.pk, first_edit.pk])
    fingerprint = curator_client.get(url).context["plan"].fingerprint
    edit_figure_in_admin(curator_client, seeded_finding(), "80")  # meanwhile
    page = curator_client.post(url, {"fingerprint": fingerprint}, follow=True).content.decode()
    assert "changed since you opened this page" in page
    assert seeded_finding().proportion == Decimal(80)


def test_a_disclaimer_version_visitors_have_seen_cannot_be_restored(admin_client, client):
    with reversion.create_revision():
        disclaimer = make_disclaimer(current=False, text="Draft wording, never shown")
    Disclaimer.objects.filter(pk=disclaimer.pk).update(text="The wording visitors accepted")
    from drugs import services

    services.disclaimer_make_current(disclaimer=Disclaimer.objects.get(pk=disclaimer.pk))
    acknowledge(client)
    old = Version.objects.get_for_object(disclaimer).last()
    url = reverse("admin:drugs_disclaimer_revision", args=[disclaimer.pk, old.pk])
    page = admin_client.get(url).content.decode()
    assert "its wording can never change" in page and 'name="fingerprint"' not in page
    admin_client.post(url, {"fingerprint": admin_client.get(url).context["plan"].fingerprint})
    assert Disclaimer.objects.get(pk=disclaimer.pk).text == "The wording visitors accepted"
    assert Disclaimer.objects.get(is_current=True) == disclaimer


def test_a_public_copy_never_changes_by_a_restore_even_when_the_revision_held_it(clinician, reviewer):
    drug = make_drug(summary="First summary")
    make_finding(profile=make_profile(drug=drug))
    publish(drug)
    public = Drug.objects.get(public_copy_of=drug)
    with reversion.create_revision():  # an old revision that held the public copy beside the working copy
        reversion.add_to_revision(drug)
        reversion.add_to_revision(public)
    old_version = Version.objects.get_for_object(drug).first()
    Drug.objects.filter(pk=public.pk).update(summary="Reviewed summary")  # a later publication
    Drug.objects.filter(pk=drug.pk).update(summary="Working summary")

    _page, response = confirm_restore(
        logged_in(reviewer), reverse("admin:drugs_drug_revision", args=[drug.pk, old_version.pk])
    )
    assert response.status_code == 302
    assert Drug.objects.get(pk=drug.pk).summary == "First summary", "the working copy was restored"
    assert Drug.objects.get(public_copy_of=drug).summary == "Reviewed summary", "readers' copy untouched"
    assert clinician.get(drug.get_absolute_url()).status_code == 200


def test_the_confirmation_costs_the_same_queries_however_many_findings_a_version_holds(seed, curator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    curator_client = logged_in(curator)
    drug = working_baricitinib()
    drug_url = reverse("admin:drugs_drug_change", args=[drug.pk])

    def queries_to_confirm() -> int:
        curator_client.post(drug_url, {**change_form(curator_client, drug_url), "summary": f"Snapshot {drug.pk}"})
        version = Version.objects.get_for_object(drug).first()
        RelapseFinding.objects.filter(profile__drug=drug).update(population="Changed since")  # every row differs
        with CaptureQueriesContext(connection) as queries:
            assert (
                curator_client.get(reverse("admin:drugs_drug_revision", args=[drug.pk, version.pk])).status_code == 200
            )
        return len(queries)

    few = queries_to_confirm()
    profile = seeded_finding().profile
    for number in range(15):
        make_finding(profile=profile, study_name=f"Extra {number}", source=seeded_finding().source)
    assert queries_to_confirm() == few
