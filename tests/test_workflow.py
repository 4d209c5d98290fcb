"""Draft → in review → published: what readers see was reviewed, by someone other than its last editor."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.urls import reverse
from reversion.models import Version

from drugs import services
from drugs.models import Drug, MonographEvent, MonographStatus, RelapseFinding
from tests.conftest import acknowledge, logged_in
from tests.factories import make_drug, make_finding, make_profile, publish

pytestmark = pytest.mark.django_db

MONOGRAPH = "/en/drugs/baricitinib/"


def seeded_finding() -> RelapseFinding:
    """The BRAVE-AA1 4 mg → placebo figure at 24 weeks, in the working copy."""
    return RelapseFinding.objects.get(
        profile__drug__public_copy_of__isnull=True,
        study_name="BRAVE-AA1",
        timepoint=24,
        regimen_before__contains="4 mg once",
    )


def edit_figure_in_admin(client, finding: RelapseFinding, proportion: str):
    return client.post(
        reverse("admin:drugs_relapsefinding_change", args=[finding.pk]), _form_of(finding, proportion=proportion)
    )


def workflow_post(client, drug: Drug, action: str, note: str = ""):
    return client.post(
        reverse("admin:drugs_drug_workflow", args=[drug.pk]), {"action": action, "note": note}, follow=True
    )


def working_baricitinib() -> Drug:
    return Drug.objects.working().get(slug="baricitinib")


def test_roles_are_created_once_with_the_right_powers(curator, reviewer):
    assert curator.has_perm("drugs.change_relapsefinding") and curator.has_perm("drugs.submit_monograph")
    assert not curator.has_perm("drugs.publish_monograph")
    assert reviewer.has_perm("drugs.publish_monograph")
    call_command("setup_roles", stdout=StringIO())
    assert curator.groups.get().permissions.count() == len(set(curator.get_group_permissions()))


def test_an_edit_stays_out_of_sight_until_a_reviewer_publishes_it(seed, curator, reviewer, client):
    acknowledge(client)
    curator_client = logged_in(curator)
    response = edit_figure_in_admin(curator_client, seeded_finding(), "61")
    assert response.status_code == 302
    drug = working_baricitinib()
    assert drug.status == MonographStatus.DRAFT and drug.last_edited_by == curator
    assert "<strong>61%</strong>" not in client.get(MONOGRAPH).content.decode(), "the draft edit must not be public"

    page = workflow_post(curator_client, drug, "submit").content.decode()
    assert "is now In review" in page
    page = workflow_post(logged_in(reviewer), drug, "publish", "BRAVE-AA1 24-week figure corrected").content.decode()
    assert "is now Published" in page

    public = client.get(MONOGRAPH).content.decode()
    assert "<strong>61%</strong>" in public
    assert "BRAVE-AA1 24-week figure corrected" in public
    drug.refresh_from_db()
    assert drug.reviewed_by == reviewer and drug.reviewed_on is not None


def test_a_curator_cannot_publish(seed, curator):
    drug = working_baricitinib()
    edit_figure_in_admin(logged_in(curator), seeded_finding(), "62")
    services.monograph_submit(drug=drug, user=curator)
    with pytest.raises(PermissionDenied):
        services.monograph_publish(drug=drug, reviewer=curator, note="x")
    page = workflow_post(logged_in(curator), drug, "publish", "sneaky").content.decode()
    assert "Only a reviewer can publish" in page
    drug.refresh_from_db()
    assert drug.status == MonographStatus.IN_REVIEW


def test_the_last_editor_cannot_publish_but_another_reviewer_can(seed, reviewer, second_reviewer):
    drug = working_baricitinib()
    edit_figure_in_admin(logged_in(reviewer), seeded_finding(), "63")
    services.monograph_submit(drug=drug, user=reviewer)
    page = workflow_post(logged_in(reviewer), drug, "publish", "Corrected").content.decode()
    assert "You changed this monograph since it was last published: another reviewer must publish it." in page
    assert Drug.objects.working().get(pk=drug.pk).status == MonographStatus.IN_REVIEW
    services.monograph_publish(drug=Drug.objects.get(pk=drug.pk), reviewer=second_reviewer, note="Corrected")
    assert Drug.objects.published().get(slug="baricitinib").relapse_profiles.filter(findings__proportion=63).exists()


def test_a_superuser_may_publish_their_own_change_and_the_override_is_recorded(seed, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password="pw")
    drug = working_baricitinib()
    edit_figure_in_admin(logged_in(boss), seeded_finding(), "64")
    services.monograph_submit(drug=drug, user=boss)
    services.monograph_publish(drug=Drug.objects.get(pk=drug.pk), reviewer=boss, note="Urgent correction")
    event = MonographEvent.objects.filter(drug=drug, action="published").latest("pk")
    assert event.user == boss and event.four_eyes_override


def test_publishing_a_finding_without_a_source_is_refused_with_what_is_missing(reviewer, curator):
    finding = make_finding(source=None, regimen_before="4 mg daily", regimen_after="placebo")
    drug = finding.profile.drug
    with pytest.raises(ValidationError) as refused:
        services.monograph_submit(drug=drug, user=curator)
    assert f"{finding.profile.condition}: the finding '4 mg daily → placebo' has no source." in refused.value.messages
    drug.status = MonographStatus.IN_REVIEW
    drug.save()
    page = workflow_post(logged_in(reviewer), drug, "publish", "First publication").content.decode()
    assert "has no source" in page
    assert not Drug.objects.published().exists()


def test_a_curators_level_needs_a_finding_of_its_scenario_and_no_finding_reads_not_established(reviewer, curator):
    profile = make_profile(stopping_override="high", stopping_override_reason="Clinical experience")
    with pytest.raises(ValidationError, match="has a curator's level but no finding"):
        services.monograph_submit(drug=profile.drug, user=curator)
    profile.stopping_override = profile.stopping_override_reason = ""
    profile.save()
    services.monograph_submit(drug=profile.drug, user=curator)
    services.monograph_publish(drug=profile.drug, reviewer=reviewer, note="Nothing known yet")
    assert Drug.objects.published().filter(slug=profile.drug.slug).exists()


def test_publishing_needs_a_what_changed_line(reviewer, curator):
    drug = make_finding().profile.drug
    services.monograph_submit(drug=drug, user=curator)
    with pytest.raises(ValidationError, match="Write one line saying what changed"):
        services.monograph_publish(drug=drug, reviewer=reviewer, note="   ")


def test_a_withdrawn_monograph_disappears_from_pages_and_search(seeded_clinician, reviewer):
    drug = working_baricitinib()
    services.monograph_withdraw(drug=drug, reviewer=reviewer, note="Label under revision")
    assert seeded_clinician.get(MONOGRAPH).status_code == 404
    assert (
        "Baricitinib"
        not in seeded_clinician.get("/en/search/", {"q": "baricitinib"}).content.decode().split("<main")[1]
    )
    condition = seeded_clinician.get("/en/conditions/alopecia-areata/").content.decode()
    assert "Ritlecitinib" in condition and "Baricitinib" not in condition.split("<main")[1], (
        "the condition stays for its other drugs, without the withdrawn one"
    )
    assert MonographEvent.objects.filter(action="withdrawn", note="Label under revision").exists()


def test_staff_preview_shows_the_draft_with_a_banner_and_the_public_cannot_reach_it(seed, curator, client):
    curator_client = logged_in(curator)
    edit_figure_in_admin(curator_client, seeded_finding(), "65")
    acknowledge(curator_client)
    preview = curator_client.get(reverse("drugs:drug_preview", kwargs={"slug": "baricitinib"})).content.decode()
    assert "PREVIEW" in preview and "<strong>65%</strong>" in preview
    acknowledge(client)
    assert client.get(reverse("drugs:drug_preview", kwargs={"slug": "baricitinib"})).status_code == 404


def test_restoring_an_earlier_version_is_an_edit_that_needs_another_reviewer(seed, curator, reviewer, second_reviewer):
    curator_client = logged_in(curator)
    finding = seeded_finding()
    edit_figure_in_admin(curator_client, finding, "70")
    edit_figure_in_admin(curator_client, RelapseFinding.objects.get(pk=finding.pk), "75")
    services.monograph_submit(drug=working_baricitinib(), user=curator)
    reviewer_client = logged_in(reviewer)
    history = reviewer_client.get(reverse("admin:drugs_relapsefinding_history", args=[finding.pk])).content.decode()
    assert "curator" in history

    first_edit = Version.objects.get_for_object(finding).order_by("revision__date_created")[1]
    assert first_edit.field_dict["proportion"] == Decimal(70)
    revision_url = reverse("admin:drugs_relapsefinding_revision", args=[finding.pk, first_edit.pk])
    confirmation = reviewer_client.get(revision_url)
    assert "<td>75.00</td><td>70.00</td>" in confirmation.content.decode(), "the page lists the change, now → after"
    restored = reviewer_client.post(revision_url, {"fingerprint": confirmation.context["plan"].fingerprint})
    assert restored.status_code == 302
    assert RelapseFinding.objects.get(pk=finding.pk).proportion == Decimal(70)

    drug = working_baricitinib()
    assert drug.status == MonographStatus.DRAFT, "a restore is an edit: it needs a new review"
    assert reviewer in drug.editors_since_review.all()
    services.monograph_submit(drug=drug, user=curator)
    with pytest.raises(PermissionDenied):
        services.monograph_publish(drug=drug, reviewer=reviewer, note="Restored")
    services.monograph_publish(drug=drug, reviewer=second_reviewer, note="Restored the earlier figure")


def test_a_deleted_finding_can_be_brought_back_and_that_needs_review(seed, reviewer):
    reviewer_client = logged_in(reviewer)
    finding = seeded_finding()
    edit_figure_in_admin(reviewer_client, finding, "60")
    reviewer_client.post(reverse("admin:drugs_relapsefinding_delete", args=[finding.pk]), {"post": "yes"})
    assert not RelapseFinding.objects.filter(pk=finding.pk).exists()
    Drug.objects.filter(pk=working_baricitinib().pk).update(status=MonographStatus.IN_REVIEW)
    recover_list = reviewer_client.get(reverse("admin:drugs_relapsefinding_recoverlist")).content.decode()
    deleted = Version.objects.get_deleted(RelapseFinding).get(object_id=str(finding.pk))
    assert reverse("admin:drugs_relapsefinding_recover", args=[deleted.pk]) in recover_list
    recover_url = reverse("admin:drugs_relapsefinding_recover", args=[deleted.pk])
    confirmation = reviewer_client.get(recover_url)
    assert "brought back" in confirmation.content.decode() and "<td>60.00</td>" in confirmation.content.decode()
    response = reviewer_client.post(recover_url, {"fingerprint": confirmation.context["plan"].fingerprint})
    assert response.status_code == 302
    assert RelapseFinding.objects.get(pk=finding.pk).proportion == Decimal(60)
    drug = working_baricitinib()
    assert drug.status == MonographStatus.DRAFT and reviewer in drug.editors_since_review.all()


def test_a_version_cannot_be_recovered_through_another_models_page(seed, curator):
    curator_client = logged_in(curator)
    finding = seeded_finding()
    edit_figure_in_admin(curator_client, finding, "66")
    version = Version.objects.get_for_object(finding).first()
    edit_figure_in_admin(curator_client, RelapseFinding.objects.get(pk=finding.pk), "67")
    wrong_page = reverse("admin:drugs_regulatoryapproval_recover", args=[version.pk])
    assert curator_client.post(wrong_page, {}).status_code == 404
    assert curator_client.get(reverse("admin:drugs_relapsefinding_recover", args=[version.pk])).status_code == 404
    assert RelapseFinding.objects.get(pk=finding.pk).proportion == Decimal(67)


def test_moving_a_profile_to_another_drug_sends_both_back_to_draft(seed, curator, reviewer):
    other = make_drug(name="otherinib", slug="otherinib")
    make_finding(profile=make_profile(drug=other))
    publish(other)
    baricitinib = working_baricitinib()
    Drug.objects.filter(pk=baricitinib.pk).update(status=MonographStatus.IN_REVIEW)
    profile = baricitinib.relapse_profiles.get(condition__slug="rheumatoid-arthritis")
    form = {
        "drug": other.pk,
        "condition": profile.condition_id,
        "loaded_version": profile.edit_version,
        "findings-TOTAL_FORMS": "0",
        "findings-INITIAL_FORMS": "0",
        "findings-MIN_NUM_FORMS": "0",
        "findings-MAX_NUM_FORMS": "1000",
        **{f"{part}-{key}": "0" for part in ("factors", "statements") for key in ("TOTAL_FORMS", "INITIAL_FORMS")},
    }
    response = logged_in(reviewer).post(reverse("admin:drugs_relapseprofile_change", args=[profile.pk]), form)
    assert response.status_code == 302
    assert Drug.objects.get(pk=baricitinib.pk).status == MonographStatus.DRAFT
    assert Drug.objects.get(pk=other.pk).status == MonographStatus.DRAFT


def test_anyone_who_edited_since_the_last_publication_cannot_publish(seed, curator, reviewer, second_reviewer):
    edit_figure_in_admin(logged_in(reviewer), seeded_finding(), "68")
    edit_figure_in_admin(logged_in(curator), seeded_finding(), "69")  # a later, smaller edit by someone else
    drug = working_baricitinib()
    services.monograph_submit(drug=drug, user=curator)
    with pytest.raises(PermissionDenied, match="another reviewer must publish"):
        services.monograph_publish(drug=drug, reviewer=reviewer, note="x")
    services.monograph_publish(drug=drug, reviewer=second_reviewer, note="Figure corrected")
    assert not working_baricitinib().editors_since_review.exists(), "a publication starts a new review round"


def test_a_curator_cannot_change_a_source_or_condition_readers_see(seed, curator, reviewer):
    from drugs.models import Condition, Source

    used = Source.objects.get(key="king-2024-brave-aa1-withdrawal")
    unused = Source.objects.create(
        key="new-trial", title="New", publisher="J", kind="other", url="https://example.org/"
    )
    curator_client = logged_in(curator)
    change = "admin:drugs_source_change"
    form = {"key": used.key, "title": "Tampered", "publisher": used.publisher, "kind": used.kind, "doi": used.doi}
    curator_client.post(reverse(change, args=[used.pk]), form)
    assert Source.objects.get(pk=used.pk).title != "Tampered"
    assert 'name="title"' not in curator_client.get(reverse(change, args=[used.pk])).content.decode()
    assert 'name="title"' in curator_client.get(reverse(change, args=[unused.pk])).content.decode()
    condition = Condition.objects.get(slug="alopecia-areata")
    page = curator_client.get(reverse("admin:drugs_condition_change", args=[condition.pk])).content.decode()
    assert 'name="description"' not in page
    assert 'name="title"' in logged_in(reviewer).get(reverse(change, args=[used.pk])).content.decode()


def _form_of(finding: RelapseFinding, **overrides) -> dict:
    """The admin form as a curator would submit it: every field as stored, some overridden."""
    values = {**model_to_dict(finding, exclude=["id"]), "loaded_version": finding.edit_version, **overrides}
    form = {}
    for key, value in values.items():
        if value is True:
            form[key] = "on"
        elif value not in (None, False):
            form[key] = value
    return form


def test_unpublished_drugs_never_reach_the_public_even_when_published_once(clinician, curator, reviewer):
    drug = make_drug(name="testib", slug="testib")
    make_finding(profile=make_profile(drug=drug))
    publish(drug)
    assert clinician.get("/en/drugs/testib/").status_code == 200
    services.monograph_withdraw(drug=drug, reviewer=reviewer)
    assert clinician.get("/en/drugs/testib/").status_code == 404
