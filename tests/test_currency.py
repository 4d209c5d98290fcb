"""Evidence ages and labels change: each profile and statement says how current it is, and curators see what
is overdue."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import make_drug, make_profile, make_statement, publish

pytestmark = pytest.mark.django_db

MONOGRAPH = reverse("drugs:drug_detail", kwargs={"slug": "baricitinib"})
TODAY = datetime.date.today()


def test_each_condition_of_the_seed_says_how_current_its_evidence_is(seeded_clinician):
    page = seeded_clinician.get(MONOGRAPH).content.decode()
    line = (
        'Evidence current to <time datetime="2026-12-02">2026-12-02</time> · '
        'next review due <time datetime="2027-06-02">'
    )
    assert page.count(line) == 2, "alopecia areata and rheumatoid arthritis"
    condition = seeded_clinician.get("/en/conditions/alopecia-areata/").content.decode()
    assert line in condition
    chinese = seeded_clinician.get(MONOGRAPH.replace("/en/", "/zh-hans/")).content.decode()
    assert "证据更新至" in chinese


def test_a_profile_without_a_search_date_says_not_recorded(clinician):
    drug = make_drug()
    make_profile(drug=drug)
    page = clinician.get(publish(drug).get_absolute_url()).content.decode()
    assert 'Evidence current to <span class="not-reported">not recorded</span>' in page
    assert "next review due" not in page


def test_a_review_cannot_fall_due_before_the_search_it_follows():
    profile = make_profile(evidence_searched_to=datetime.date(2026, 12, 2), review_due=datetime.date(2026, 6, 1))
    with pytest.raises(ValidationError) as refused:
        profile.full_clean()
    assert "review_due" in refused.value.message_dict


def test_a_label_statement_shows_the_labels_revision_date(clinician):
    drug = make_drug()
    profile = make_profile(drug=drug)
    make_statement(profile, location="Section 2.1", label_revised_on=datetime.date(2022, 5, 1))
    page = clinician.get(publish(drug).get_absolute_url()).content.decode()
    assert "Section 2.1 (label revised 2022-05)" in page


def test_a_label_statement_whose_copy_shows_no_revision_date_says_so(clinician):
    drug = make_drug()
    profile = make_profile(drug=drug)
    make_statement(profile, location="Section 2.1")
    make_statement(profile, kind="guideline", issuer="ACR 2021", strength="conditional", location="Recommendation 7")
    page = clinician.get(publish(drug).get_absolute_url()).content.decode()
    assert 'Section 2.1 (<span class="not-reported">label revision date not reported</span>)' in page
    assert "Recommendation 7 —" in page, "a guideline has no label revision"


def test_the_overdue_queue_lists_monographs_past_a_review_date(admin_client):
    overdue = make_drug(name="Overduemab")
    make_profile(drug=overdue, review_due=TODAY - datetime.timedelta(days=1))
    label_overdue = make_drug(name="Labelmab")
    make_statement(
        make_profile(drug=label_overdue, review_due=TODAY + datetime.timedelta(days=300)),
        review_due=TODAY - datetime.timedelta(days=3),
    )
    current = make_drug(name="Currentmab")
    make_profile(drug=current, review_due=TODAY + datetime.timedelta(days=300))
    page = admin_client.get(reverse("admin:drugs_drug_changelist"), {"review": "overdue"}).content.decode()
    assert "Overduemab" in page and "Labelmab" in page and "Currentmab" not in page
    unscheduled = make_drug(name="Unscheduledmab")
    make_profile(drug=unscheduled)
    page = admin_client.get(reverse("admin:drugs_drug_changelist"), {"review": "unscheduled"}).content.decode()
    assert "Unscheduledmab" in page and "Currentmab" not in page
