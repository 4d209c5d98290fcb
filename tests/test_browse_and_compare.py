"""Home browses by drug class as well as A–Z and by condition; the condition page compares every drug's headline
findings per scenario, sortable on the server."""

import html
import re
from decimal import Decimal

import pytest

from drugs import views
from drugs.models import EntryKind, Measure, Scenario, TimeUnit
from tests.factories import make_condition, make_drug, make_finding, make_profile, publish

pytestmark = pytest.mark.django_db


def section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"')[1].split("</section>")[0]


def class_groups(page: str) -> dict[str, list[str]]:
    """The home page's class groups: heading -> the names listed under it."""
    by_class = section(page, "classes-heading")
    groups = re.findall(r"<h3[^>]*>(.*?)</h3>\s*<ul[^>]*>(.*?)</ul>", by_class, re.DOTALL)
    return {
        re.sub(r"<[^>]+>", "", name).strip(): re.findall(r'<a href="[^"]+">([^<]+)</a>', items)
        for name, items in groups
    }


@pytest.fixture
def catalogue_with_classes():
    drugs = {
        "adalimumab": ("Tumor necrosis factor (TNF) blocker", "肿瘤坏死因子（TNF）拮抗剂"),
        "etanercept": (
            "Tumor necrosis factor (TNF) blocker (TNF receptor–Fc fusion protein)",
            "肿瘤坏死因子（TNF）拮抗剂（TNF 受体–Fc 融合蛋白）",
        ),
        "baricitinib": ("Janus kinase (JAK1/JAK2) inhibitor", "Janus 激酶（JAK1/JAK2）抑制剂"),
        "deuruxolitinib": ("janus kinase (JAK1/JAK2) inhibitor", "Janus 激酶（JAK1/JAK2）抑制剂"),
        "infliximab": ("", ""),
    }
    for name, (drug_class, drug_class_zh) in drugs.items():
        publish(make_drug(name=name, slug=name, drug_class=drug_class, drug_class_zh=drug_class_zh))
    publish(
        make_drug(
            name="TNF inhibitors (any)",
            slug="tnf-inhibitors",
            entry_kind=EntryKind.CLASS,
            drug_class="Tumour necrosis factor (TNF) inhibitors, as a class",
        )
    )


def test_home_groups_the_drugs_by_their_curated_class(clinician, catalogue_with_classes):
    page = clinician.get("/en/").content.decode()
    assert class_groups(page) == {
        "Janus kinase (JAK1/JAK2) inhibitor": ["Baricitinib", "Deuruxolitinib"],
        "Tumor necrosis factor (TNF) blocker": ["Adalimumab", "Etanercept"],
        "Class not recorded": ["Infliximab"],
        "A drug class or a treatment strategy, not one drug": ["TNF inhibitors (any)"],
    }, "same text whatever the case, a closing qualifier aside; the class entry apart, not among the TNF blockers"
    by_class = section(page, "classes-heading")
    assert "(TNF receptor–Fc fusion protein)" in by_class, "the qualifier stays beside its drug"
    assert "(a drug class)" in by_class
    assert "Drugs A–Z" in page and "By condition" in page


def test_home_groups_by_the_chinese_class_on_a_chinese_page(clinician, catalogue_with_classes):
    page = clinician.get("/zh-hans/").content.decode()
    groups = class_groups(page)
    assert groups["肿瘤坏死因子（TNF）拮抗剂"] == ["Adalimumab", "Etanercept"]
    assert "（TNF 受体–Fc 融合蛋白）" in section(page, "classes-heading")
    assert "按药物类别" in page and "Class not recorded" not in page


@pytest.fixture
def rheumatoid_arthritis():
    """Three drugs and a class on one condition: headline findings at different times and figures, one drug
    with findings but no headline, one with none for stopping, and a figure the source does not give."""
    condition = make_condition(name="Rheumatoid arthritis", slug="ra")

    def drug(name, **fields):
        return make_profile(drug=make_drug(name=name, slug=name, **fields), condition=condition)

    zeta = drug("zetanib")
    make_finding(profile=zeta, is_headline=True, study_name="ZETA-1", timepoint=Decimal(12), proportion=Decimal(30))
    make_finding(profile=zeta, is_headline=False, study_name="ZETA-1", timepoint=Decimal(4), proportion=Decimal(90))
    alpha = drug("alphamab")
    make_finding(
        profile=alpha,
        is_headline=True,
        study_name="ALPHA-W",
        timepoint=Decimal(1),
        timepoint_unit=TimeUnit.YEARS,
        proportion=Decimal(45),
        events=9,
        total=20,
    )
    make_finding(
        profile=alpha,
        is_headline=True,
        study_name="ALPHA-T",
        scenario=Scenario.TAPERED,
        regimen_after="40 mg every 3 weeks",
        proportion=None,
        total=102,
    )
    middle = drug("middlecept")
    make_finding(
        profile=middle,
        is_headline=True,
        study_name="MID-1",
        measure=Measure.RESPONSE_MAINTAINED,
        timepoint=Decimal(8),
        proportion=Decimal(95),
    )
    make_finding(profile=middle, is_headline=True, study_name="MID-2", timepoint=Decimal(40), proportion=Decimal(70))
    quiet = drug("quietinib")
    make_finding(profile=quiet, scenario=Scenario.STOPPED, study_name="QUIET", is_headline=False)
    tnf = make_profile(
        drug=make_drug(name="TNF inhibitors (any)", slug="tnf-inhibitors", entry_kind=EntryKind.CLASS),
        condition=condition,
    )
    make_finding(
        profile=tnf,
        is_headline=True,
        study_name="ARCTIC REWIND",
        scenario=Scenario.STOPPED,
        timepoint=Decimal(12),
        timepoint_unit=TimeUnit.MONTHS,
        proportion=Decimal(63),
        events=27,
        total=43,
    )
    for profile in (zeta, alpha, middle, quiet, tnf):
        publish(profile.drug)
    return condition


def compared(page: str, group: str) -> list[tuple[str, str]]:
    """One scenario's comparison rows: (drug, what the row says), in the page's order."""
    table = page.split(f"comparison-table scenario-{group}")[1].split("</table>")[0]
    rows = re.findall(r'<tr class="compared">(.*?)</tr>', table, re.DOTALL)
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    return [(row.split(" ")[0], row) for row in text]


def test_the_condition_page_compares_each_drugs_headline_findings_per_scenario(clinician, rheumatoid_arthritis):
    page = clinician.get(rheumatoid_arthritis.get_absolute_url()).content.decode()
    stopping = compared(page, "stopping")
    assert [drug for drug, _ in stopping] == ["Alphamab", "Middlecept", "Middlecept", "Quietinib", "Zetanib", "TNF"]
    alpha = stopping[0][1]
    assert "ALPHA-W" in alpha and "4 mg once daily → placebo" in alpha and "1 year" in alpha
    assert "45% Patients: 9/20" in alpha and "Randomized withdrawal trial" in alpha
    assert "90%" not in page.split('id="comparison-heading"')[1].split("</section>")[0], "only headline findings"
    assert "1 finding, none marked as a headline" in stopping[3][1], "findings but no headline: says so, picks none"
    assert "27/43" in stopping[-1][1] and "(a drug class)" in stopping[-1][1]
    assert "not one drug" in page.split("comparison-table scenario-stopping")[1].split("</table>")[0], (
        "the class row stands apart"
    )
    tapering = compared(page, "tapering")
    assert "not reported Patients: N = 102" in tapering[0][1], "a figure the source does not give"
    assert [drug for drug, row in tapering if "not established" in row] == ["Middlecept", "Quietinib", "Zetanib", "TNF"]
    assert "comparison-table scenario-interruption" not in page, "no entry has a finding for it"


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("drug", ["Alphamab", "Middlecept", "Middlecept", "Quietinib", "Zetanib"]),
        ("time", ["Middlecept", "Zetanib", "Middlecept", "Alphamab", "Quietinib"]),
        # relapse figures highest first (70, 45, 30), then response maintained (95), then none
        ("figure", ["Middlecept", "Alphamab", "Zetanib", "Middlecept", "Quietinib"]),
        ("nonsense", ["Alphamab", "Middlecept", "Middlecept", "Quietinib", "Zetanib"]),
    ],
)
def test_the_comparison_sorts_on_the_server_by_a_plain_link(clinician, rheumatoid_arthritis, sort, order):
    response = clinician.get(rheumatoid_arthritis.get_absolute_url(), {"sort": sort})
    assert response.status_code == 200
    page = response.content.decode()
    assert [drug for drug, _ in compared(page, "stopping")][:5] == order
    current = sort if sort != "nonsense" else "drug"
    assert re.findall(r'href="\?sort=(\w+)#comparison-heading" aria-current="true"', page) == [current]
    direction = "descending" if current == "figure" else "ascending"
    assert page.count(f'aria-sort="{direction}"') == 2, "the sorted column of both tables"


def test_sorting_keeps_the_page_of_drugs_and_paging_keeps_the_sort(clinician):
    condition = make_condition(name="Commonitis", slug="commonitis")
    for n in range(13):
        profile = make_profile(drug=make_drug(name=f"drug{n:02d}"), condition=condition)
        make_finding(profile=profile, is_headline=True, timepoint=Decimal(20 - n))
        publish(profile.drug)
    first = clinician.get(condition.get_absolute_url(), {"sort": "time"}).content.decode()
    assert 'href="?page=2&amp;sort=time"' in first
    second = clinician.get(condition.get_absolute_url(), {"page": 2, "sort": "time"}).content.decode()
    assert 'href="?page=2&amp;sort=figure#comparison-heading"' in second
    assert [drug for drug, _ in compared(second, "stopping")] == ["Drug12"]


def test_the_seed_catalogue_groups_each_class_once(seeded_clinician):
    """Curated class texts are consistent: a clinician browsing by class finds every JAK inhibitor together."""
    groups = class_groups(seeded_clinician.get("/en/").content.decode())
    jak = groups["Janus kinase (JAK) inhibitor"]
    assert {"Abrocitinib", "Baricitinib", "Deuruxolitinib", "Ritlecitinib", "Tofacitinib", "Upadacitinib"} <= set(jak)
    assert {"Guselkumab", "Risankizumab"} <= set(groups["Interleukin-23 (IL-23) antagonist"])
    tnf = groups["Tumor necrosis factor (TNF) blocker"]
    assert {"Adalimumab", "Certolizumab pegol", "Etanercept", "Infliximab"} <= set(tnf)
    assert "Class not recorded" not in groups
    chinese = class_groups(seeded_clinician.get("/zh-hans/").content.decode())
    assert len(chinese["Janus 激酶（JAK）抑制剂"]) == len(jak)


def test_every_sort_and_page_link_of_the_condition_page_is_its_clean_address(seeded_clinician, monkeypatch):
    """The page cache redirects an address whose parameters are not in the view's declared order: a link the
    page itself prints must never cost the reader that extra round trip."""
    monkeypatch.setattr(views, "DRUGS_PER_CONDITION_PAGE", 3)  # the seed's RA page then has three pages
    page = seeded_clinician.get("/en/conditions/rheumatoid-arthritis/?page=2&sort=figure").content.decode()
    links = {html.unescape(link) for link in re.findall(r'href="(\?[^"#]*)', page)}
    assert {"?page=2&sort=drug", "?page=1&sort=figure", "?page=3&sort=figure"} <= links
    for link in links:
        answer = seeded_clinician.get(f"/en/conditions/rheumatoid-arthritis/{link}")
        assert answer.status_code == 200, link
