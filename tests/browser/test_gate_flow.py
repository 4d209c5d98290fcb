"""The gate as a clinician meets it, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from drugs import services
from drugs.models import Disclaimer
from tests.browser.conftest import pass_gate

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_deep_link_lands_on_the_gate_and_returns_to_the_monograph(page, site, csp_errors):
    page.goto(f"{site}/en/drugs/baricitinib/")
    expect(page).to_have_url(re.compile(r"/en/acknowledge/\?next=%2Fen%2Fdrugs%2Fbaricitinib%2F$"))
    expect(page.get_by_role("heading", name="For healthcare professionals only")).to_be_visible()
    expect(page.locator(".gate-disclaimer")).to_contain_text("does not constitute treatment advice")
    expect(page.locator(".gate-disclaimer")).to_contain_text("本站不提供药品销售或代购服务")

    pass_gate(page)

    expect(page).to_have_url(f"{site}/en/drugs/baricitinib/")
    section = page.locator("#alopecia-areata")
    expect(page.locator(".answers-overview").get_by_text("HIGH", exact=True)).to_be_visible()
    section.locator("details.evidence > summary").click()
    rows = page.locator("tr.finding", has_text="baricitinib 4 mg once daily → placebo").filter(has_text="24 weeks")
    row = section.locator(rows).first
    expect(row).to_contain_text("60%")
    expect(row).to_contain_text("N = 30")
    # The study's heading, above its rows, names the source the figure comes from.
    source_link = section.locator("tbody.study").filter(has=rows).get_by_role("link", name=re.compile("MIMS"))
    expect(source_link).to_have_attribute("href", re.compile(r"ongoing-treatment-required-in-severe-patchy-hair-loss$"))
    assert csp_errors == []


def test_an_unticked_box_keeps_the_visitor_at_the_gate(page, site):
    page.goto(f"{site}/en/drugs/baricitinib/")
    page.get_by_label("Nurse", exact=True).check()
    page.get_by_role("button", name="Accept and continue").click()
    expect(page).to_have_url(re.compile(r"/en/acknowledge/"))


def test_declining_shows_nothing_of_the_monographs(page, site):
    page.goto(f"{site}/en/drugs/baricitinib/")
    page.get_by_role("link", name=re.compile("I am not a healthcare professional")).click()
    expect(page.get_by_role("heading", name="This content is for healthcare professionals only")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Olumiant")
    page.goto(f"{site}/en/drugs/baricitinib/")
    expect(page).to_have_url(re.compile(r"/en/acknowledge/"))


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example", "http:evil.example"])
def test_an_off_site_next_lands_on_the_home_page(page, site, target):
    page.goto(f"{site}/en/acknowledge/?next={target}")
    pass_gate(page, "Researcher")
    expect(page).to_have_url(f"{site}/en/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("will the disease come back")


def test_a_new_disclaimer_version_asks_again(page, site):
    page.goto(f"{site}/en/drugs/baricitinib/")
    pass_gate(page)
    expect(page).to_have_url(f"{site}/en/drugs/baricitinib/")

    new = Disclaimer.objects.create(
        version=2, text="Second version: still for professionals only.", effective_from="2026-12-01"
    )
    services.disclaimer_make_current(disclaimer=new)

    page.goto(f"{site}/en/conditions/alopecia-areata/")
    expect(page).to_have_url(re.compile(r"/en/acknowledge/\?next=%2Fen%2Fconditions%2Falopecia-areata%2F$"))
    expect(page.locator(".gate-disclaimer")).to_contain_text("Second version")
    pass_gate(page)
    expect(page).to_have_url(f"{site}/en/conditions/alopecia-areata/")
