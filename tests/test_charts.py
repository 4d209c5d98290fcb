"""The relapse timeline: server-drawn SVG whose points sit where the stored figures say."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from drugs import services
from drugs.models import Drug, RelapseFinding
from tests.factories import make_condition, make_drug, make_finding, make_profile, publish

pytestmark = pytest.mark.django_db


def charts_in(page: str, section_id: str | None = None) -> list[ET.Element]:
    if section_id:
        page = page.split(f'<section id="{section_id}"')[1].split("</section>")[0]
    # Our own rendered page, not untrusted input.
    return [ET.fromstring(svg) for svg in re.findall(r"<svg viewBox.*?</svg>", page, re.DOTALL)]  # noqa: S314


def y_of(svg: ET.Element, percent: float) -> float:
    """Where the axes put a percentage, read from the chart's own 0% and 100% grid lines."""
    ticks = {float(t.get("data-percent")): float(t.get("y1")) for t in svg.iter("line") if t.get("class") == "y-tick"}
    return ticks[0] + (ticks[100] - ticks[0]) * percent / 100


def series(svg: ET.Element, label: str) -> ET.Element:
    return next(g for g in svg.iter("g") if g.get("class") == "series" and g.get("data-label") == label)


def marker_at(group: ET.Element, weeks: str) -> ET.Element:
    point = next(
        p for p in group.iter("g") if p.get("class") == "point" and Decimal(p.get("data-weeks")) == Decimal(weeks)
    )
    return next(m for m in point.iter("path") if m.get("class") == "marker")


def test_the_brave_aa1_arms_are_drawn_at_their_stored_proportions(seeded_clinician):
    page = seeded_clinician.get("/en/drugs/baricitinib/").content.decode()
    (svg,) = charts_in(page, "alopecia-areata")
    from_4mg = series(svg, "Randomized withdrawal to placebo: baricitinib 4 mg once daily → placebo (BRAVE-AA1)")
    assert float(marker_at(from_4mg, "24").get("data-cy")) == pytest.approx(y_of(svg, 60), abs=0.1)
    from_2mg = series(svg, "Randomized withdrawal to placebo: baricitinib 2 mg once daily → placebo (BRAVE-AA1)")
    assert float(marker_at(from_2mg, "24").get("data-cy")) == pytest.approx(y_of(svg, 50), abs=0.1)
    assert from_4mg.find("polyline") is None, "a single measurement is a point with its label, not a line"
    assert "60%" in "".join(from_4mg.itertext())


def test_the_chart_states_its_figures_in_words_for_screen_readers_and_print(seeded_clinician):
    page = seeded_clinician.get("/en/drugs/baricitinib/").content.decode()
    (svg,) = charts_in(page, "alopecia-areata")
    assert svg.get("role") == "img"
    assert "Alopecia areata" in svg.find("title").text
    assert "baricitinib 4 mg once daily → placebo (BRAVE-AA1): 60% at 24 weeks" in svg.find("desc").text


def test_findings_of_another_kind_stay_out_of_the_relapse_axes(seeded_clinician):
    page = seeded_clinician.get("/en/drugs/baricitinib/").content.decode()
    (svg,) = charts_in(page, "alopecia-areata")
    labels = [g.get("data-label") for g in svg.iter("g") if g.get("class") == "series"]
    assert not any("Restarted" in label for label in labels), "response regained is not a relapse"
    assert "87.5%" not in "".join(svg.itertext())


def test_a_ci_whisker_spans_the_stored_interval(clinician):
    finding = make_finding(proportion=Decimal(55), ci_low=Decimal(40), ci_high=Decimal(70), study_name="TRIAL")
    publish(finding.profile.drug)
    page = clinician.get(finding.profile.drug.get_absolute_url()).content.decode()
    (svg,) = charts_in(page)
    whisker = next(line for line in svg.iter("line") if line.get("class") == "ci")
    ends = sorted([float(whisker.get("y1")), float(whisker.get("y2"))])
    assert ends == pytest.approx(sorted([y_of(svg, 40), y_of(svg, 70)]), abs=0.1)


def test_a_condition_whose_risk_is_not_established_has_no_chart(clinician):
    profile = make_profile()
    publish(profile.drug)
    page = clinician.get(profile.drug.get_absolute_url()).content.decode()
    assert charts_in(page) == []
    assert "Relapse over time:" in page and "not established" in page


def test_the_condition_page_draws_each_drug_with_its_scenario_in_the_legend(clinician):
    condition = make_condition(name="Alopecia areata", slug="aa")
    withdrawal = make_profile(drug=make_drug(name="firstinib"), condition=condition)
    taper = make_profile(drug=make_drug(name="secondinib"), condition=condition)
    make_finding(profile=withdrawal, scenario="withdrawn_to_placebo", proportion=Decimal(60))
    make_finding(profile=taper, scenario="tapered", regimen_after="2 mg", proportion=Decimal(30))
    publish(withdrawal.drug)
    publish(taper.drug)
    page = clinician.get(condition.get_absolute_url()).content.decode()
    (svg,) = charts_in(page)
    labels = [g.get("data-label") for g in svg.iter("g") if g.get("class") == "series"]
    assert "Firstinib — Randomized withdrawal to placebo: 4 mg once daily → placebo" in labels
    assert "Secondinib — Dose tapered: 4 mg once daily → 2 mg" in labels


def test_a_published_edit_shows_in_the_chart_on_the_next_request(seeded_clinician, reviewer, curator):
    first = seeded_clinician.get("/en/drugs/baricitinib/").content.decode()  # fills the chart cache
    (svg,) = charts_in(first, "alopecia-areata")
    drug = Drug.objects.working().get(slug="baricitinib")
    RelapseFinding.objects.filter(
        profile__drug=drug, study_name="BRAVE-AA1", timepoint=24, regimen_before__contains="4 mg once"
    ).update(proportion=Decimal(65))
    services.monograph_mark_edited(drug=drug, user=curator)
    services.monograph_submit(drug=drug, user=curator)
    services.monograph_publish(drug=drug, reviewer=reviewer, note="24-week figure corrected")
    page = seeded_clinician.get("/en/drugs/baricitinib/").content.decode()
    (svg,) = charts_in(page, "alopecia-areata")
    from_4mg = series(svg, "Randomized withdrawal to placebo: baricitinib 4 mg once daily → placebo (BRAVE-AA1)")
    assert float(marker_at(from_4mg, "24").get("data-cy")) == pytest.approx(y_of(svg, 65), abs=0.1)


def test_the_chart_adds_no_query(clinician, django_assert_num_queries):
    profile = make_profile()
    for week in range(6):
        make_finding(profile=profile, timepoint=Decimal(week * 4), proportion=Decimal(week * 10))
    publish(profile.drug)
    # The same six queries as a monograph without plottable findings (tests/test_pages.py).
    with django_assert_num_queries(6):
        page = clinician.get(profile.drug.get_absolute_url()).content.decode()
    assert len(charts_in(page)) == 1
