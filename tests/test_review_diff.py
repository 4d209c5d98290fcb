"""The review page shows what readers will see change: the working copy against the public copy."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from drugs.changes import monograph_changes
from drugs.models import Drug, RelapseFinding
from tests.conftest import logged_in
from tests.factories import make_drug, make_finding, make_profile, make_source
from tests.test_workflow import seeded_finding, working_baricitinib

pytestmark = pytest.mark.django_db


def text_of(page: str) -> str:
    """The page's words as a reader sees them: tags dropped, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def review_page(client, drug: Drug) -> str:
    response = client.get(reverse("admin:drugs_drug_workflow", args=[drug.pk]))
    assert response.status_code == 200
    return text_of(response.content.decode())


def edit_working_copy() -> None:
    """A figure corrected, guidance reworded, one finding added and one removed: in the working copy only."""
    finding = seeded_finding()
    finding.proportion = Decimal(61)
    finding.save()
    profile = finding.profile
    profile.guidance = "Keep treating: most patients relapse within months."
    profile.save()
    make_finding(profile=profile, study_name="NEW-TRIAL", regimen_before="2 mg once daily", proportion=Decimal(40))
    profile.findings.get(study_name="BRAVE-AA2", scenario="tapered", measure="maintained", timepoint=52).delete()


def test_the_review_page_shows_each_changed_figure_old_and_new(seed, reviewer):
    edit_working_copy()
    page = review_page(logged_in(reviewer), working_baricitinib())
    assert "What readers will see change" in page
    assert "Proportion (%) 60.00 → 61.00" in page
    assert "Keep treating: most patients relapse within months." in page
    assert "added NEW-TRIAL: 2 mg once daily → placebo" in page, "the new finding is listed as added"
    assert (
        "removed BRAVE-AA2: baricitinib 4 mg once daily → baricitinib 2 mg once daily — Response maintained at 52 weeks"
        in page
    )


def test_an_unchanged_monograph_says_nothing_changed(seed, reviewer):
    page = review_page(logged_in(reviewer), working_baricitinib())
    assert "Readers already see exactly this version." in page
    assert "→" not in page.split("What readers will see change")[1].split("History of reviews")[0]


def test_a_never_published_monograph_is_listed_as_all_new(reviewer):
    profile = make_profile(drug=make_drug(name="novelinib", slug="novelinib"))
    make_finding(profile=profile, study_name="FIRST")
    page = review_page(logged_in(reviewer), profile.drug)
    assert "Never published: readers will see all of it." in page
    assert "added FIRST: 4 mg once daily → placebo" in page


def test_findings_sharing_a_key_are_matched_in_order(seed):
    edit_working_copy()
    drug = working_baricitinib()
    twin = seeded_finding()
    twin.pk, twin.id, twin._state.adding, twin.order = None, None, True, 99
    twin.save()  # a second row with the same study, arm and time point: the first one still matches
    changed = [
        row
        for section in monograph_changes(drug)
        for row in section.rows
        if row.kind == "changed" and "24 weeks" in row.label
    ]
    assert [field.label for row in changed for field in row.fields] == ["Proportion (%)"]
    added = [row.label for section in monograph_changes(drug) for row in section.rows if row.kind == "added"]
    assert any("24 weeks (2)" in label for label in added)


def test_the_comparison_takes_a_fixed_number_of_queries(seed, django_assert_num_queries):
    edit_working_copy()
    drug = working_baricitinib()
    profile = make_profile(drug=drug)
    for n in range(5):
        make_finding(profile=profile, study_name=f"MORE-{n}")
    drug = Drug.objects.get(pk=drug.pk)
    # 1 both copies of the drug, 2 their approvals (with conditions and sources), 3 their profiles
    # (with conditions), 4-6 the profiles' findings, factors and statements (with sources).
    with django_assert_num_queries(6):
        sections = monograph_changes(drug)
    assert sum(len(section.rows) for section in sections) >= 7


def test_a_changed_source_is_named_not_numbered(seed):
    finding = seeded_finding()
    other = RelapseFinding.objects.exclude(source=finding.source).exclude(source=None).first().source
    finding.source = other
    finding.save()
    fields = [
        field for section in monograph_changes(working_baricitinib()) for row in section.rows for field in row.fields
    ]
    assert any(field.label == "Source" and field.new == str(other) for field in fields)


def test_line_endings_a_browser_sends_are_not_a_change(seed):
    profile = seeded_finding().profile
    profile.not_established = profile.not_established.replace("\n", "\r\n")  # how a browser submits a textarea
    profile.save()
    assert "\r\n" in profile.not_established
    assert monograph_changes(working_baricitinib()) == []


def test_the_date_a_finding_was_checked_against_its_source_is_a_change_readers_see():
    from datetime import date

    from drugs.changes import field_changes
    from drugs.models import Drug, RelapseFinding

    checked = field_changes(RelapseFinding, {"reviewed_on": date(2026, 1, 1)}, {"reviewed_on": date(2026, 11, 1)})
    assert [change.label for change in checked] == ["Last checked against the source"]
    assert field_changes(Drug, {"reviewed_on": date(2026, 1, 1)}, {"reviewed_on": date(2026, 11, 1)}) == []


def test_a_changed_source_of_n_is_named_not_numbered(seed):
    finding = seeded_finding()
    paper = make_source(title="A paper no other row cites")
    finding.total_source, finding.total_quote = paper, f"{finding.total} patients"
    finding.save()
    fields = [
        field for section in monograph_changes(working_baricitinib()) for row in section.rows for field in row.fields
    ]
    assert any(field.label == "Source of N" and field.new == str(paper) for field in fields)
