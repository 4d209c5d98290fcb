"""Every review action is checked on the server: a hidden button is not a permission."""

import pytest
from django.core.exceptions import PermissionDenied

from drugs import services
from drugs.models import Disclaimer, Drug, MonographEvent, MonographStatus
from tests.conftest import logged_in, staff_member
from tests.factories import make_disclaimer
from tests.test_workflow import workflow_post, working_baricitinib

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(seed, curator) -> Drug:
    drug = working_baricitinib()
    services.monograph_mark_edited(drug=drug, user=curator)
    services.monograph_submit(drug=drug, user=curator)
    return drug


@pytest.fixture
def other_curator(roles, django_user_model):
    return staff_member(django_user_model, "curator2", "Curator")


def status_of(drug: Drug) -> str:
    return Drug.objects.get(pk=drug.pk).status


def test_a_curators_post_of_return_to_draft_is_refused(submitted, other_curator):
    page = workflow_post(logged_in(other_curator), submitted, "return", "not mine to return").content.decode()
    assert "Only a reviewer can return a submission" in page
    assert status_of(submitted) == MonographStatus.IN_REVIEW
    assert not submitted.events.filter(action=MonographEvent.Action.RETURNED).exists()


def test_the_submitter_recalls_their_own_submission_as_a_recall_not_a_withdrawal(submitted, curator):
    page = workflow_post(logged_in(curator), submitted, "recall").content.decode()
    assert "is now Draft" in page
    assert status_of(submitted) == MonographStatus.DRAFT
    actions = list(submitted.events.values_list("action", flat=True))
    assert actions[0] == MonographEvent.Action.RECALLED
    assert MonographEvent.Action.WITHDRAWN not in actions and MonographEvent.Action.RETURNED not in actions


def test_nobody_else_can_recall_a_submission(submitted, other_curator, reviewer):
    page = workflow_post(logged_in(other_curator), submitted, "recall").content.decode()
    assert "Only the person who submitted it can recall it" in page
    workflow_post(logged_in(reviewer), submitted, "recall")
    assert status_of(submitted) == MonographStatus.IN_REVIEW


def test_the_recall_button_is_offered_only_to_the_submitter(submitted, curator, other_curator):
    url = f"/admin/drugs/drug/{submitted.pk}/workflow/"
    assert 'value="recall"' in logged_in(curator).get(url).content.decode()
    assert 'value="recall"' not in logged_in(other_curator).get(url).content.decode()


def test_a_reviewer_returns_someone_elses_submission_with_a_reason(submitted, reviewer):
    workflow_post(logged_in(reviewer), submitted, "return", "Add the week-52 figure")
    assert status_of(submitted) == MonographStatus.DRAFT
    event = submitted.events.first()
    assert event.action == MonographEvent.Action.RETURNED and event.note == "Add the week-52 figure"


@pytest.mark.parametrize("action", ["publish", "withdraw"])
def test_a_curators_post_of_a_reviewer_action_is_refused(submitted, other_curator, action):
    public_before = Drug.objects.published().filter(public_copy_of=submitted).exists()
    workflow_post(logged_in(other_curator), submitted, action, "sneaky")
    assert status_of(submitted) == MonographStatus.IN_REVIEW
    assert Drug.objects.published().filter(public_copy_of=submitted).exists() == public_before


def test_an_unknown_action_changes_nothing(submitted, reviewer):
    page = workflow_post(logged_in(reviewer), submitted, "delete").content.decode()
    assert "Unknown action" in page and status_of(submitted) == MonographStatus.IN_REVIEW


def test_a_user_without_drug_permissions_cannot_post_review_actions(submitted, django_user_model):
    stranger = staff_member(django_user_model, "stranger")
    response = logged_in(stranger).post(f"/admin/drugs/drug/{submitted.pk}/workflow/", {"action": "recall"})
    assert response.status_code == 403
    assert status_of(submitted) == MonographStatus.IN_REVIEW


def test_a_curator_cannot_make_a_disclaimer_current(curator, disclaimer):
    draft = make_disclaimer(current=False, text="A draft wording nobody has reviewed")
    logged_in(curator).post("/admin/drugs/disclaimer/", {"action": "make_current", "_selected_action": [draft.pk]})
    assert Disclaimer.objects.get(is_current=True) == disclaimer
    with pytest.raises(PermissionDenied):
        services.disclaimer_make_current(disclaimer=draft, user=curator)
    assert Disclaimer.objects.get(is_current=True) == disclaimer


def test_a_reviewer_makes_a_disclaimer_current(reviewer, disclaimer):
    draft = make_disclaimer(current=False, text="A reviewed new wording")
    logged_in(reviewer).post("/admin/drugs/disclaimer/", {"action": "make_current", "_selected_action": [draft.pk]})
    assert Disclaimer.objects.get(is_current=True) == draft


def test_publishing_is_refused_when_the_monograph_changed_since_the_reviewer_opened_it(submitted, curator, reviewer):
    reviewer_client = logged_in(reviewer)
    seen = reviewer_client.get(f"/admin/drugs/drug/{submitted.pk}/workflow/").context["edit_marker"]
    services.monograph_recall(drug=submitted, user=curator)
    services.monograph_mark_edited(drug=submitted, user=curator)  # a further change, then submitted again
    services.monograph_submit(drug=submitted, user=curator)
    page = reviewer_client.post(
        f"/admin/drugs/drug/{submitted.pk}/workflow/",
        {"action": "publish", "note": "Looks right", "seen_edit": seen},
        follow=True,
    ).content.decode()
    assert "changed since you opened this page" in page
    assert status_of(submitted) == MonographStatus.IN_REVIEW


@pytest.mark.parametrize("path", ["drug/abc/workflow/", "drug/abc/history/1/", "relapseprofile/abc/import-findings/"])
def test_an_admin_address_with_a_malformed_id_is_not_found(reviewer, path):
    assert logged_in(reviewer).get(f"/admin/drugs/{path}").status_code == 404
