"""A curator edits, a reviewer publishes, a clinician reads the result: in real Chromium."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from drugs.models import RelapseFinding
from tests.browser.conftest import pass_gate

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, site, username):
    page.goto(f"{site}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("a long test password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Monographs, evidence and disclaimer")).to_be_visible()


def log_out(page):
    page.get_by_role("button", name="Log out").click()


@pytest.fixture
def staff(site, django_user_model):
    call_command("setup_roles", stdout=None)
    for username, group in [("curator", "Curator"), ("reviewer", "Reviewer")]:
        user = django_user_model.objects.create_user(username, password="a long test password", is_staff=True)
        user.groups.add(Group.objects.get(name=group))


def test_curator_edits_reviewer_publishes_clinician_sees_the_new_figure(page, browser, site, staff, csp_errors):
    finding = RelapseFinding.objects.get(
        profile__drug__public_copy_of__isnull=True,
        study_name="BRAVE-AA1",
        timepoint=24,
        regimen_before__contains="4 mg once",
    )
    drug_id = finding.profile.drug_id

    log_in(page, site, "curator")
    page.goto(f"{site}/admin/drugs/relapsefinding/{finding.pk}/change/")
    page.locator("#id_proportion").fill("61")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("back in draft")
    page.goto(f"{site}/admin/drugs/drug/{drug_id}/workflow/")
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("is now In review")
    log_out(page)

    log_in(page, site, "reviewer")
    page.goto(f"{site}/admin/drugs/drug/{drug_id}/workflow/")
    page.get_by_label("What changed").fill("BRAVE-AA1: 24-week figure from 4 mg corrected")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messagelist")).to_contain_text("is now Published")

    clinician = browser.new_page()
    clinician.goto(f"{site}/en/drugs/baricitinib/")
    pass_gate(clinician)
    row = clinician.locator("#alopecia-areata tbody tr", has_text="baricitinib 4 mg once daily → placebo").filter(
        has_text="24 weeks"
    )
    expect(row.first).to_contain_text("61%")
    expect(clinician.locator("#changes")).to_contain_text("BRAVE-AA1: 24-week figure from 4 mg corrected")
    expect(clinician.get_by_text(re.compile(r"Last reviewed: \d{4}-\d{2}-\d{2}"))).to_be_visible()
    assert csp_errors == [], "the admin works under the strict CSP too"
