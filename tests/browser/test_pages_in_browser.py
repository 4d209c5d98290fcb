"""Layout, accessibility and print, which only a browser shows."""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import pass_gate, serious_accessibility_violations
from tests.factories import make_condition, make_drug, make_finding, make_profile, publish

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    "/en/",
    "/en/drugs/baricitinib/",
    "/en/conditions/alopecia-areata/",
    "/en/conditions/rheumatoid-arthritis/?sort=figure",
    "/en/search/?q=olumiant",
    "/en/search/?q=x",
]


def test_the_gate_has_no_serious_accessibility_violations(page, site):
    page.goto(f"{site}/en/acknowledge/?next=/")
    assert serious_accessibility_violations(page) == []


def test_clinician_pages_have_no_serious_accessibility_violations_nor_csp_errors(page, site, csp_errors):
    page.goto(f"{site}/en/acknowledge/?next=/")
    pass_gate(page)
    for path in PAGES:
        page.goto(f"{site}{path}")
        assert serious_accessibility_violations(page) == [], path
    assert csp_errors == []


@pytest.mark.parametrize("path", PAGES[:4])
def test_pages_fit_a_375_pixel_phone_without_sideways_scrolling(page, site, path):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{site}/en/acknowledge/?next={path}")
    pass_gate(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
    if path.startswith("/en/drugs/"):
        page.locator("#alopecia-areata details.evidence > summary").click()
        row = page.locator("#alopecia-areata tbody tr.finding").first
        expect(row.locator("td").first).to_be_visible()


def test_ten_drugs_compared_fit_a_phone_and_sort_by_a_plain_link(page, site):
    condition = make_condition(name="Commonitis", slug="commonitis")
    for n in range(10):
        profile = make_profile(drug=make_drug(name=f"longnamemab{n}"), condition=condition)
        make_finding(
            profile=profile,
            is_headline=True,
            study_name=f"A-VERY-LONG-STUDY-ACRONYM-{n}",
            regimen_before=f"longnamemab {n + 1}0 mg every 2 weeks with background methotrexate",
            proportion=Decimal(10 + n),
        )
        publish(profile.drug)
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{site}/en/acknowledge/?next=/en/conditions/commonitis/")
    pass_gate(page)
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    rows = page.locator(".comparison-table.scenario-stopping tr.compared")
    expect(rows).to_have_count(10)
    expect(rows.first.locator("td").nth(4)).to_be_visible()
    page.get_by_role("link", name="figure", exact=True).click()
    expect(page.get_by_role("link", name="figure", exact=True)).to_have_attribute("aria-current", "true")
    assert page.url.endswith("?sort=figure#comparison-heading")
    expect(rows.first.locator("th")).to_contain_text("Longnamemab9")


def test_print_shows_one_column_without_navigation_and_with_full_source_addresses(page, site):
    page.goto(f"{site}/en/acknowledge/?next=/en/drugs/baricitinib/")
    pass_gate(page)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".condition-tabs")).to_be_hidden()
    expect(page.locator(".site-footer .print-only")).to_be_visible()
    expect(page.locator(".sources")).to_contain_text("https://olumiant.lilly.com/dosing-side-effects")
    expect(page.locator(".site-footer")).to_contain_text("does not sell drugs")


@pytest.mark.parametrize("width", [1280, 375])
def test_the_relapse_chart_fits_the_screen_and_passes_axe(page, site, width, tmp_path_factory):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{site}/en/acknowledge/?next=/en/drugs/baricitinib/")
    pass_gate(page)
    chart = page.locator("#alopecia-areata .relapse-chart")
    panels = chart.locator("svg[role=img]")
    expect(panels).to_have_count(2)  # one per study: BRAVE-AA1 and BRAVE-AA2
    for index in range(2):
        expect(panels.nth(index)).to_be_visible()
        box = panels.nth(index).bounding_box()
        assert 0 < box["width"] <= width, "the chart scales to the screen"
        assert box["height"] > 100, "and stays readable"
    screenshots = Path("test-results")
    screenshots.mkdir(exist_ok=True)
    chart.screenshot(path=str(screenshots / f"alopecia-areata-chart-{width}.png"))
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert serious_accessibility_violations(page) == []
