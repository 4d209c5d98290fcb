"""A curator may delete their own never-published draft; a published monograph is withdrawn, never deleted."""

import pytest
from django.urls import reverse

from drugs import services
from drugs.models import Drug, MonographEvent
from tests.conftest import logged_in, staff_member
from tests.factories import make_drug, make_finding, make_profile
from tests.test_workflow import working_baricitinib

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_curator(roles, django_user_model):
    return staff_member(django_user_model, "curator2", "Curator")


def draft_by(*users) -> Drug:
    drug = make_drug(name="draftinib", slug="draftinib")
    make_finding(profile=make_profile(drug=drug))
    for user in users:
        services.monograph_mark_edited(drug=drug, user=user)
    return drug


def delete_in_admin(client, drug: Drug):
    return client.post(reverse("admin:drugs_drug_delete", args=[drug.pk]), {"post": "yes"})


def test_a_curator_deletes_their_own_never_published_draft(curator):
    drug = draft_by(curator)
    client = logged_in(curator)
    confirmation = client.get(reverse("admin:drugs_drug_delete", args=[drug.pk])).content.decode()
    assert "Are you sure" in confirmation and "draftinib" in confirmation
    assert delete_in_admin(client, drug).status_code == 302
    assert not Drug.objects.filter(pk=drug.pk).exists()


def test_a_draft_returned_from_review_can_still_be_deleted_by_its_curator(curator, reviewer):
    drug = draft_by(curator)
    services.monograph_submit(drug=drug, user=curator)
    services.monograph_return_to_draft(drug=drug, user=reviewer, note="Not ready")
    assert delete_in_admin(logged_in(curator), drug).status_code == 302
    assert not Drug.objects.filter(pk=drug.pk).exists()


def test_a_curator_cannot_delete_a_draft_someone_else_also_edited(curator, second_curator):
    drug = draft_by(curator, second_curator)
    assert delete_in_admin(logged_in(curator), drug).status_code == 403
    assert Drug.objects.filter(pk=drug.pk).exists()


def test_a_curator_cannot_delete_a_draft_in_review(curator):
    drug = draft_by(curator)
    services.monograph_submit(drug=drug, user=curator)
    assert delete_in_admin(logged_in(curator), drug).status_code == 403


def test_a_reviewer_may_delete_anyones_never_published_draft(curator, reviewer):
    drug = draft_by(curator)
    assert delete_in_admin(logged_in(reviewer), drug).status_code == 302
    assert not Drug.objects.filter(pk=drug.pk).exists()


def test_nobody_deletes_a_published_monograph(seed, reviewer, curator):
    drug = working_baricitinib()
    services.monograph_mark_edited(drug=drug, user=curator)
    for user in (curator, reviewer):
        assert delete_in_admin(logged_in(user), drug).status_code == 403
    assert Drug.objects.filter(pk=drug.pk).exists() and Drug.objects.published().filter(slug="baricitinib").exists()


def test_a_withdrawn_monograph_keeps_its_review_trail(seed, reviewer):
    drug = services.monograph_withdraw(drug=working_baricitinib(), reviewer=reviewer, note="Label changed")
    assert not services.may_delete_draft(reviewer, drug), "readers saw it once: the trail of what they saw stays"
    assert MonographEvent.objects.filter(drug=drug, action=MonographEvent.Action.PUBLISHED).exists()


def test_the_bulk_delete_action_follows_the_same_rule(seed, curator):
    own = draft_by(curator)
    published = working_baricitinib()
    client = logged_in(curator)
    response = client.post(
        reverse("admin:drugs_drug_changelist"),
        {"action": "delete_selected", "_selected_action": [own.pk, published.pk], "post": "yes"},
    )
    assert response.status_code in (200, 403)
    assert Drug.objects.filter(pk__in=[own.pk, published.pk]).count() == 2, "all or nothing"
