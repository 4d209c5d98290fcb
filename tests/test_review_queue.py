"""Where the work waits: the admin index shows reviewers what is in review and curators their own drafts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from drugs import services
from drugs.models import Drug, MonographEvent
from tests.conftest import logged_in, staff_member
from tests.factories import make_drug

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


def workflow_link(drug: Drug) -> str:
    return f'href="{reverse("admin:drugs_drug_workflow", args=[drug.pk])}"'


def submitted_days_ago(drug: Drug, user, days: int) -> None:
    services.monograph_submit(drug=drug, user=user)
    MonographEvent.objects.filter(drug=drug).update(at=timezone.now() - datetime.timedelta(days=days))


def test_a_reviewer_sees_what_waits_for_review_with_its_submitter_and_age(seed, curator, reviewer):
    baricitinib = Drug.objects.working().get(slug="baricitinib")
    services.monograph_mark_edited(drug=baricitinib, user=curator)
    submitted_days_ago(baricitinib, curator, days=3)
    draft = make_drug(name="draftinib")

    page = logged_in(reviewer).get(INDEX).content.decode()
    queue = page.split('id="review-queue"')[1].split("</section>")[0]
    assert workflow_link(baricitinib) in queue
    assert "Baricitinib" in queue and "curator" in queue and "3\xa0days" in queue
    assert "draftinib" not in queue.lower()
    assert workflow_link(draft) not in page


def test_a_curator_sees_their_own_drafts_and_no_review_queue(seed, curator, roles, django_user_model):
    mine = make_drug(name="minetinib")
    services.monograph_mark_edited(drug=mine, user=curator)
    someone_else = staff_member(django_user_model, "other", "Curator")
    theirs = make_drug(name="theirtinib")
    services.monograph_mark_edited(drug=theirs, user=someone_else)
    in_review = make_drug(name="reviewtinib")
    submitted_days_ago(in_review, curator, days=1)  # submitted, so no longer a draft

    page = logged_in(curator).get(INDEX).content.decode()
    drafts = page.split('id="my-drafts"')[1].split("</section>")[0]
    assert workflow_link(mine) in drafts and "Minetinib" in drafts
    assert workflow_link(theirs) not in page
    assert workflow_link(in_review) not in page
    assert 'id="review-queue"' not in page
