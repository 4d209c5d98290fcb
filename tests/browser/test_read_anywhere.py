"""The monograph on paper, on a phone and in Chinese, measured in real Chromium."""

import re

import pytest

from tests.browser.conftest import pass_gate

pytestmark = pytest.mark.django_db(transaction=True)

MONOGRAPH = "/en/drugs/baricitinib/"
A4_CONTENT_WIDTH_PX = (210 - 2 * 8) / 25.4 * 96  # A4 less print.css's 8-mm side margins, in CSS px


def open_monograph(page, site, language="en", width=1280, height=900):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{site}/{language}/acknowledge/?next=/{language}/drugs/baricitinib/")
    page.locator("input[type=radio]").first.check()
    page.locator("input[type=checkbox]").first.check()
    page.locator("form [type=submit]").last.click()
    page.wait_for_url(re.compile(r"/drugs/baricitinib/$"))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_in_print_every_table_cell_fits_the_width_of_an_a4_page(page, site, language):
    open_monograph(page, site, language, width=round(A4_CONTENT_WIDTH_PX))
    for summary in page.locator("details.evidence > summary").all():
        summary.click()  # opened on screen, the whole table prints
    page.emulate_media(media="print")
    assert page.locator(".findings-table tr.finding").first.is_visible(), "an opened evidence table prints whole"
    widest = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('table th, table td')]"
        ".map(c => c.getBoundingClientRect().right))"
    )
    assert widest <= A4_CONTENT_WIDTH_PX + 0.5
    assert page.locator(".finding-quote").first.is_hidden(), "the verbatim quotes stay behind their <details>"
    assert page.locator(".statement").first.is_visible() and page.locator(".how-soon").first.is_visible()
    footer = page.locator(".site-footer").inner_text()
    assert "Printed" not in footer and "baricitinib" in footer.lower() and f"/{language}/drugs/baricitinib/" in footer
    assert page.locator(".disclaimer").count() == 1
    repeated = page.locator("td.same-as-above").first
    assert repeated.locator(".cell").is_hidden(), "an arm or outcome the row above states is not printed again"
    ditto = repeated.evaluate("td => getComputedStyle(td, '::before').content")
    assert ditto == ('"as above"' if language == "en" else '"同上"')


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_seed_monograph_prints_on_at_most_three_a4_pages(page, site, language):
    open_monograph(page, site, language)
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) <= 3


def test_on_paper_a_closed_evidence_table_prints_its_studies_and_an_opened_one_every_finding(page, site):
    """What is open prints: a closed table's studies still say where each figure above comes from."""
    open_monograph(page, site)
    alopecia, arthritis = (
        page.locator(f"#{slug} details.evidence") for slug in ("alopecia-areata", "rheumatoid-arthritis")
    )
    arthritis.locator(":scope > summary").click()
    page.emulate_media(media="print")
    study = alopecia.locator("tr.study-row").first
    assert study.is_visible() and "BRAVE-AA1" in study.inner_text() and "Source:" in study.inner_text()
    assert alopecia.locator("tr.finding").first.is_hidden()
    assert "prints when it is opened on screen" in alopecia.locator(":scope > summary").inner_text()
    assert arthritis.locator("tr.finding").first.is_visible()
    assert arthritis.locator("tr.finding").count() == arthritis.locator("tr.finding:visible").count()
    assert arthritis.locator(".print-when-closed").is_hidden()


def test_in_print_each_chart_legend_key_is_drawn_like_its_line(page, site):
    open_monograph(page, site)
    page.emulate_media(media="print")
    pairs = page.evaluate(
        """() => [...document.querySelectorAll('.relapse-chart-panel')].flatMap(panel => {
          const lines = [...panel.querySelectorAll('svg.relapse-chart-svg g.series > polyline')];
          const keys = [...panel.querySelectorAll('.legend-key line')];
          const look = el => { const s = getComputedStyle(el); return [s.stroke, s.strokeDasharray]; };
          return lines.map((line, i) => [look(line), keys[i] ? look(keys[i]) : null]);
        })"""
    )
    assert pairs, "the seed's charts draw lines"
    for line, key in pairs:
        assert key == line
        assert line[0] == "rgb(0, 0, 0)", "black on paper: a colour would print as an unexplained grey"


def test_on_a_phone_the_answer_comes_first_the_chart_is_legible_and_nothing_scrolls_sideways(page, site):
    open_monograph(page, site, width=375, height=812)
    first_badge = page.locator(".answers-overview .overview-condition").first.locator(".risk-label").first
    assert first_badge.bounding_box()["y"] < 812
    how_soon = page.locator(".answers-overview .how-soon").first.bounding_box()
    assert how_soon["y"] < 812, "with how soon"
    summary = page.locator(".monograph > p.lead").bounding_box()
    assert summary["y"] > first_badge.bounding_box()["y"], "ahead of the summary"
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('svg.relapse-chart-svg text')].map(t => {
          const svg = t.ownerSVGElement;
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          return parseFloat(getComputedStyle(t).fontSize) * scale;
        }))"""
    )
    assert smallest >= 11
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    assert page.locator(".findings-table").first.is_hidden(), "the evidence table waits behind its <details>"
    page.locator("details.evidence > summary").first.click()
    assert page.locator(".findings-table").first.is_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375


def test_a_link_to_a_condition_opens_the_monograph_at_that_condition(page, site):
    """The condition tabs and the condition page link to #<condition>: the heading must be on the first screen.
    Sections drawn only when near (content-visibility: auto, tried for speed) break that: Bootstrap scrolls
    smoothly, aiming by the sections' guessed heights, and those it passes grow as they are drawn (3,800 px off)."""
    open_monograph(page, site, width=375, height=812)
    page.goto(f"{site}/en/")
    page.goto(f"{site}{MONOGRAPH}#rheumatoid-arthritis")
    page.wait_for_timeout(2500)  # the smooth scroll has ended
    heading = page.locator("#rheumatoid-arthritis-heading").bounding_box()
    assert 0 <= heading["y"] < 100


def test_no_column_of_the_chinese_evidence_table_is_narrower_than_three_characters(page, site):
    open_monograph(page, site, "zh-hans")
    for summary in page.locator("details.evidence > summary").all():
        summary.click()
    narrowest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('.findings-table tr.finding td')]
          .map(td => td.getBoundingClientRect().width / (3 * parseFloat(getComputedStyle(td).fontSize))))"""
    )
    assert narrowest >= 1, "a column under three characters breaks after every character"


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("path", ["/zh-hans/", "/zh-hans/conditions/alopecia-areata/", "/zh-hans/search/?q=x"])
def test_the_chinese_search_button_keeps_its_word_on_one_line(browser, site, width, path):
    page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": 800})
    page.goto(f"{site}{path}")
    page.get_by_label("医师", exact=True).check()
    page.locator("input[type=checkbox]").first.check()
    page.locator("form [type=submit]").last.click()
    page.wait_for_load_state()
    button = page.locator("form[role=search] button").first
    lines = button.evaluate(
        "b => { const r = document.createRange(); r.selectNodeContents(b); "
        "return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"
    )
    assert lines == 1
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    page.close()


def test_the_gate_has_each_id_once(page, site):
    page.goto(f"{site}/en/acknowledge/?next={MONOGRAPH}")
    duplicates = page.evaluate(
        "() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);"
        " return ids.filter((id, i) => ids.indexOf(id) !== i); }"
    )
    assert duplicates == []
    pass_gate(page)
