"""Two curators edit one profile, the stale save is refused with the other's change shown, and a reviewer
sees the field-level difference before publishing it: in real Chromium."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from drugs.models import RelapseFinding, RelapseProfile
from tests.browser.conftest import pass_gate
from tests.browser.test_editorial_flow import log_in

pytestmark = pytest.mark.django_db(transaction=True)

# Screenshots for a person to look at (the brief asks for /tmp/shots); not part of the repository.
SHOTS = Path("/tmp/shots")  # noqa: S108


@pytest.fixture
def staff(site, django_user_model):
    call_command("setup_roles", stdout=None)
    for username, group in [("curator", "Curator"), ("curator2", "Curator"), ("reviewer", "Reviewer")]:
        user = django_user_model.objects.create_user(username, password="a long test password", is_staff=True)
        user.groups.add(Group.objects.get(name=group))


def new_page(browser):
    return browser.new_context(viewport={"width": 1280, "height": 900}).new_page()


def test_a_stale_save_is_refused_and_the_reviewer_sees_the_change_before_publishing(browser, site, staff):
    finding = RelapseFinding.objects.get(
        profile__drug__public_copy_of__isnull=True,
        study_name="BRAVE-AA1",
        timepoint=24,
        regimen_before__contains="4 mg once",
    )
    profile_url = f"{site}/admin/drugs/relapseprofile/{finding.profile_id}/change/"
    finding_url = f"{site}/admin/drugs/relapsefinding/{finding.pk}/change/"
    workflow_url = f"{site}/admin/drugs/drug/{finding.profile.drug_id}/workflow/"

    first, second = new_page(browser), new_page(browser)
    log_in(first, site, "curator")
    log_in(second, site, "curator2")
    first.goto(profile_url)
    second.goto(profile_url)  # both have the profile open

    first.locator("#id_guidance").fill("Keep treating: most patients relapse within weeks of stopping.")
    first.get_by_role("button", name="Save", exact=True).click()
    expect(first.locator(".messagelist")).to_contain_text("back in draft")

    second.locator("#id_not_established").fill("A question typed on an old copy")
    second.get_by_role("button", name="Save", exact=True).click()
    expect(second.locator("#content-main")).to_contain_text("after you opened it")
    expect(second.locator("#content-main")).to_contain_text("most patients relapse within weeks of stopping")
    profile = RelapseProfile.objects.get(pk=finding.profile_id)
    assert profile.guidance.startswith("Keep treating"), "curator 1's guidance is kept"
    assert profile.not_established != "A question typed on an old copy"

    # The same on one finding: the figure corrected first survives a stale save of another field.
    first.goto(finding_url)
    second.goto(finding_url)
    first.locator("#id_proportion").fill("61")
    first.get_by_role("button", name="Save", exact=True).click()
    second.locator("#id_population").fill("Population typed on an old copy")
    second.get_by_role("button", name="Save", exact=True).click()
    expect(second.locator("#content-main")).to_contain_text("60.00 → 61.00")
    assert str(RelapseFinding.objects.get(pk=finding.pk).proportion) == "61.00", "curator 1's figure is kept"

    first.goto(workflow_url)
    first.get_by_role("button", name="Submit for review").click()
    expect(first.locator(".messagelist")).to_contain_text("is now In review")

    reviewer = new_page(browser)
    log_in(reviewer, site, "reviewer")
    reviewer.goto(workflow_url)
    changes = reviewer.locator("table.row-changes").filter(has_text="Alopecia areata")
    changed_row = changes.locator("tbody", has_text="BRAVE-AA1: baricitinib 4 mg once daily → placebo").filter(
        has_text="at 24 weeks"
    )
    expect(changed_row.locator("tr", has_text="Proportion (%)")).to_contain_text("60.00")
    expect(changed_row.locator("tr", has_text="Proportion (%)").locator("ins")).to_have_text("61.00")
    expect(changed_row.locator("tr", has_text="Proportion (%)").locator("del")).to_have_text("60.00")
    SHOTS.mkdir(exist_ok=True)
    reviewer.locator("#changes").scroll_into_view_if_needed()
    reviewer.screenshot(path=SHOTS / "review-page.png", full_page=True)

    reviewer.get_by_label("What changed").fill("BRAVE-AA1: 24-week figure from 4 mg corrected to 61%")
    reviewer.get_by_role("button", name="Publish").click()
    expect(reviewer.locator(".messagelist")).to_contain_text("is now Published")
    expect(reviewer.locator("#content-main")).to_contain_text("Readers already see exactly this version.")

    clinician = new_page(browser)
    clinician.goto(f"{site}/en/drugs/baricitinib/")
    pass_gate(clinician)
    row = clinician.locator("#alopecia-areata tbody tr", has_text="baricitinib 4 mg once daily → placebo").filter(
        has_text="24 weeks"
    )
    expect(row.first).to_contain_text("61%")
