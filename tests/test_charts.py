"""The relapse timeline: server-drawn SVG whose points sit where the stored figures say."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from drugs import charts, services
from drugs.models import Drug, RelapseFinding
from tests.factories import make_condition, make_drug, make_finding, make_profile, publish

pytestmark = pytest.mark.django_db


def charts_in(page: str, section_id: str | None = None) -> list[ET.Element]:
    if section_id:
        page = page.split(f'<section id="{section_id}"')[1].split("</section>")[0]
    # Our own rendered page, not untrusted input.
    return [ET.fromstring(svg) for svg in re.findall(r"<svg viewBox.*?</svg>", page, re.DOTALL)]  # noqa: S314


def panel_of(page: str, section_id: str, study: str) -> ET.Element:
    """In small multiples, the panel of one study."""
    return next(svg for svg in charts_in(page, section_id) if svg.find("title").text.endswith(f"— {study}"))


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
    svg = panel_of(page, "alopecia-areata", "BRAVE-AA1")
    from_4mg = series(svg, "Randomized withdrawal to placebo: baricitinib 4 mg once daily → placebo (BRAVE-AA1)")
    assert float(marker_at(from_4mg, "24").get("data-cy")) == pytest.approx(y_of(svg, 60), abs=0.1)
    from_2mg = series(svg, "Randomized withdrawal to placebo: baricitinib 2 mg once daily → placebo (BRAVE-AA1)")
    assert float(marker_at(from_2mg, "24").get("data-cy")) == pytest.approx(y_of(svg, 50), abs=0.1)
    line = from_4mg.find("polyline")
    assert line is not None and len(line.get("points").split()) == 2, "week 24 and week 100 of one arm, joined"
    assert float(marker_at(from_4mg, "100").get("data-cy")) == pytest.approx(y_of(svg, 80), abs=0.1)
    assert "60%" in "".join(from_4mg.itertext())


def test_the_chart_states_its_figures_in_words_for_screen_readers_and_print(seeded_clinician):
    page = seeded_clinician.get("/en/drugs/baricitinib/").content.decode()
    svg = panel_of(page, "alopecia-areata", "BRAVE-AA1")
    assert svg.get("role") == "img"
    assert "Alopecia areata" in svg.find("title").text
    assert "baricitinib 4 mg once daily → placebo (BRAVE-AA1): 60% at 24 weeks" in svg.find("desc").text


def test_findings_of_another_kind_stay_out_of_the_relapse_axes(seeded_clinician):
    page = seeded_clinician.get("/en/drugs/baricitinib/").content.decode()
    svgs = charts_in(page, "alopecia-areata")
    labels = [g.get("data-label") for svg in svgs for g in svg.iter("g") if g.get("class") == "series"]
    assert not any("Restarted" in label for label in labels), "response regained is not a relapse"
    assert all("87.5%" not in "".join(svg.itertext()) for svg in svgs)


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
    seeded_clinician.get("/en/drugs/baricitinib/")  # fills the chart cache
    drug = Drug.objects.working().get(slug="baricitinib")
    RelapseFinding.objects.filter(
        profile__drug=drug, study_name="BRAVE-AA1", timepoint=24, regimen_before__contains="4 mg once"
    ).update(proportion=Decimal(65))
    services.monograph_mark_edited(drug=drug, user=curator)
    services.monograph_submit(drug=drug, user=curator)
    services.monograph_publish(drug=drug, reviewer=reviewer, note="24-week figure corrected")
    page = seeded_clinician.get("/en/drugs/baricitinib/").content.decode()
    svg = panel_of(page, "alopecia-areata", "BRAVE-AA1")
    from_4mg = series(svg, "Randomized withdrawal to placebo: baricitinib 4 mg once daily → placebo (BRAVE-AA1)")
    assert float(marker_at(from_4mg, "24").get("data-cy")) == pytest.approx(y_of(svg, 65), abs=0.1)


def test_the_chart_adds_no_query(clinician, django_assert_num_queries):
    profile = make_profile()
    for week in range(6):
        make_finding(profile=profile, timepoint=Decimal(week * 4), proportion=Decimal(week * 10))
    publish(profile.drug)
    # The same eight queries as a monograph without plottable findings (tests/test_pages.py).
    with django_assert_num_queries(8):
        page = clinician.get(profile.drug.get_absolute_url()).content.decode()
    assert len(charts_in(page)) == 1


# Issue 14: the chart says no more than its findings.


def point_groups(svg: ET.Element) -> list[ET.Element]:
    return [g for g in svg.iter("g") if g.get("class") == "point"]


def seed_aa_svgs(client) -> list[ET.Element]:
    return charts_in(client.get("/en/drugs/baricitinib/").content.decode(), "alopecia-areata")


def test_a_line_joins_only_the_time_points_of_one_series(seeded_clinician):
    svgs = seed_aa_svgs(seeded_clinician)
    for svg in svgs:
        for group in (g for g in svg.iter("g") if g.get("class") == "series"):
            points = point_groups(group)
            assert points, group.get("data-label")
            for attribute in ("data-series", "data-study", "data-arm"):
                assert {p.get(attribute) for p in points} == {group.get(attribute)}, attribute
            line = group.find("polyline")
            assert (line is not None) == (len(points) > 1)
            if line is not None:
                assert line.get("data-series") == group.get("data-series")
                assert len(line.get("points").split()) == len(points)
    pooled = [
        p
        for svg in svgs
        for p in point_groups(svg)
        if p.get("data-arm") == "baricitinib 4 mg or 2 mg once daily → placebo" and p.get("data-study") == "BRAVE-AA1"
    ]
    assert sorted(Decimal(p.get("data-weeks")) for p in pooled) == [4, 8], "the pooled result is its own series"


def test_no_two_series_in_a_chart_share_colour_and_marker(seeded_clinician):
    svgs = seed_aa_svgs(seeded_clinician)
    assert len(svgs) == 2, "eight series: one panel per study (BRAVE-AA1, BRAVE-AA2) instead of one crowded plot"
    encodings = []
    for svg in svgs:
        for group in (g for g in svg.iter("g") if g.get("class") == "series"):
            encodings.append((group.get("stroke"), group.get("data-marker")))
    assert len(encodings) == 8
    assert len(set(encodings)) == len(encodings), encodings
    ticks = [[t.get("data-weeks") for t in svg.iter("line") if t.get("class") == "x-tick"] for svg in svgs]
    assert ticks[0] == ticks[1], "small multiples share their axes"


def test_the_legend_groups_series_under_their_study(seeded_clinician):
    page = seeded_clinician.get("/en/drugs/baricitinib/").content.decode()
    section = page.split('<section id="alopecia-areata"')[1].split("</section>")[0]
    headings = re.findall(r'<li class="legend-study"><span class="legend-heading">([^<]*)</span>', section)
    assert headings == ["BRAVE-AA1", "BRAVE-AA2"]


def finding(**fields) -> RelapseFinding:
    values = {
        "scenario": "continued",
        "measure": "relapse",
        "regimen_before": "4 mg",
        "regimen_after": "4 mg",
        "outcome_definition": "Loss of response",
        "timepoint": Decimal(100),
        "timepoint_unit": "weeks",
        "proportion": Decimal(7),
        "population": "Adults",
        **fields,
    }
    return RelapseFinding(**values)


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_two_series_ending_at_the_same_value_do_not_print_labels_over_each_other():
    chart = charts.build(
        [
            finding(study_name="ONE", timepoint=Decimal(52), proportion=Decimal(5)),
            finding(study_name="ONE"),
            finding(study_name="TWO", timepoint=Decimal(52), proportion=Decimal(3)),
            finding(study_name="TWO"),
        ],
        label_of=charts.arm_label,
    )
    points = [p for s in chart.series for p in s.points]
    for i, p in enumerate(points):
        for q in points[i + 1 :]:
            assert abs(p.x - q.x) >= 10 or abs(p.y - q.y) >= 10, "one marker hides another"
    boxes = [p.label_box for p in points if p.label_box]
    assert boxes, "at least one label is drawn"
    for i, box in enumerate(boxes):
        assert all(not overlaps(box, other) for other in boxes[i + 1 :]), "two labels overlap"
        for p in points:
            assert not overlaps(box, (p.x - 5, p.y - 5, p.x + 5, p.y + 5)), "a label hides a marker"


def test_the_wilson_interval_of_11_of_33():
    low, high = charts.wilson_interval(11, 33)
    assert (round(low, 1), round(high, 1)) == (19.8, 50.4)
    assert charts.wilson_interval(0, 10)[0] == 0


def whiskers(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [line for line in svg.iter("line") if line.get("class") == kind]


def test_intervals_are_drawn_where_stored_with_caps_and_wilson_only_from_n_and_n(seeded_clinician):
    svgs = seed_aa_svgs(seeded_clinician)
    aa1, aa2 = svgs
    (reported,) = whiskers(aa1, "range")  # 10–11% at week 8
    ends = sorted([float(reported.get("y1")), float(reported.get("y2"))])
    assert ends == pytest.approx(sorted([y_of(aa1, 10), y_of(aa1, 11)]), abs=0.1)
    caps = [line for line in aa1.iter("line") if line.get("class") == "cap"]
    assert len(caps) == 2 and all(float(c.get("x2")) - float(c.get("x1")) > 10 for c in caps), (
        "caps wider than a marker"
    )
    wilson = whiskers(aa2, "wilson")
    assert len(wilson) == 2, "11/33 and 4/8 get a calculated interval"
    assert sorted(sorted([float(w.get("y1")), float(w.get("y2"))]) for w in wilson)[1] == pytest.approx(
        sorted([y_of(aa2, 50.4), y_of(aa2, 19.8)]), abs=0.2
    )
    titles = {p.get("data-percent"): p.find("title").text for svg in svgs for p in point_groups(svg)}
    assert any("calculated from n/N" in t for t in titles.values())
    assert "N not reported" in titles["7.00"] and "N = 30" in titles["60.00"]
    assert whiskers(aa1, "wilson") == [] and whiskers(aa1, "ci") == []


def caption_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split("<figcaption")[1].split("</figcaption>")[0]))


def test_the_caption_describes_only_what_is_drawn(clinician):
    finding = make_finding(proportion=Decimal(55), ci_low=Decimal(40), ci_high=Decimal(70), study_name="TRIAL")
    publish(finding.profile.drug)
    caption = caption_of(clinician.get(finding.profile.drug.get_absolute_url()).content.decode())
    assert "confidence interval (95%) the source reports" in caption
    assert "n/N" not in caption and "range the source reports" not in caption


def test_the_caption_names_calculated_intervals_when_some_are_drawn(seeded_clinician):
    page = seeded_clinician.get("/en/drugs/baricitinib/").content.decode()
    caption = caption_of(page.split('<section id="alopecia-areata"')[1])
    assert "calculated from n/N" in caption
    assert "range the source reports" in caption
    assert "confidence interval the source reports" not in caption
