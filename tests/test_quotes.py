"""Every figure traceable to its sentence: the normaliser, the seed's quotes and the page that shows them."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from drugs import quotes
from drugs.models import AnalysisMethod, RelapseFinding
from tests.factories import make_finding, publish
from tests.test_pages import finding_rows

MONOGRAPH = reverse("drugs:drug_detail", kwargs={"slug": "baricitinib"})


def finding(**fields):
    values = {
        "quote": "",
        "proportion": None,
        "proportion_upper": None,
        "events": None,
        "total": None,
        "is_derived": False,
    }
    values.update(fields)
    for key in ("proportion", "proportion_upper"):
        if values[key] is not None:
            values[key] = Decimal(str(values[key]))
    return SimpleNamespace(**values)


# The normaliser


@pytest.mark.parametrize("text", ["60%", "60 %", "60.0%", "60.00 %", "about 60 percent", "60 per cent", "６０％"])
def test_a_percentage_is_the_same_number_however_it_is_written(text):
    assert Decimal("60.00") in quotes.percentages(text)
    assert quotes.figure_in_quote(finding(quote=f"Relapse: {text} of patients.", proportion="60.00"))


@pytest.mark.parametrize("text", ["10–11%", "10-11%", "10 to 11%", "10% to 11%", "10%–11%", "10 % – 11 %"])
def test_a_range_is_the_same_however_it_is_written(text):
    assert (Decimal(10), Decimal(11)) in quotes.percent_ranges(text)
    assert quotes.figure_in_quote(finding(quote=f"{text} lost benefit", proportion=10, proportion_upper=11))


@pytest.mark.parametrize("text", ["21/24", "21 / 24", "21 of 24", "21 out of 24"])
def test_counts_are_the_same_however_they_are_written(text):
    assert (21, 24) in quotes.counts(text)


def test_a_number_that_is_not_a_percentage_does_not_vouch_for_one():
    assert not quotes.figure_in_quote(finding(quote="baricitinib 4 mg once daily", proportion=4))
    assert not quotes.figure_in_quote(finding(quote="Rescue rates were 10% and 18%.", proportion=11))


def test_a_tables_bracketed_percentage_after_n_of_n_is_a_percentage_only_when_it_is_n_of_n():
    cell = "No./total No. (%) | 24/79 (30.4) | 45/82 (54.9)b"
    assert {Decimal("30.4"), Decimal("54.9")} <= quotes.percentages(cell)
    assert Decimal("31.0") not in quotes.percentages("24/79 (31.0)"), "not 24/79: a different number"
    assert Decimal(2024) not in quotes.percentages("5/8 (2024)") and not quotes.percentages("5/8 (62)")


def test_both_ends_of_a_range_must_appear_as_a_range():
    assert not quotes.figure_in_quote(finding(quote="10% at 4 weeks and 11% at 8", proportion=10, proportion_upper=11))
    assert not quotes.figure_in_quote(finding(quote="10% to 12%", proportion=10, proportion_upper=11))


def test_n_and_n_of_n_must_appear():
    quote = "loss of treatment benefit occurred in 33% (11/33)"
    assert quotes.figure_in_quote(finding(quote=quote, proportion=33, events=11, total=33))
    assert not quotes.figure_in_quote(finding(quote=quote, proportion=33, events=11, total=34))
    assert quotes.figure_in_quote(finding(quote="42 were down-titrated; 29% lost benefit", proportion=29, total=42))
    assert not quotes.figure_in_quote(finding(quote="29% lost benefit", proportion=29, total=42))


def test_thousands_separators_and_full_width_digits_are_read_as_numbers():
    assert quotes.counts("1,200 of 2,000") == {(1200, 2000)}
    assert quotes.counts("２１/２４") == {(21, 24)}


def test_a_derived_figure_is_checked_against_the_counts_in_its_quote():
    quote = "21 of 24 patients recaptured a SALT score of 20 or less"
    assert quotes.figure_in_quote(finding(quote=quote, proportion="87.50", events=21, total=24, is_derived=True))
    assert quotes.figure_in_quote(finding(quote=quote, proportion=88, events=21, total=24, is_derived=True))
    wrong = finding(quote=quote, proportion=80, events=21, total=24, is_derived=True)
    assert quotes.problems(wrong) == ["80% is not 21/24"]
    assert not quotes.figure_in_quote(finding(quote=quote, proportion="87.5", is_derived=True)), "needs n and N"
    assert not quotes.figure_in_quote(finding(quote="24 patients", proportion=50, events=12, total=24, is_derived=True))


@pytest.mark.parametrize(
    ("text", "pair"),
    [("five of eight patients", (5, 8)), ("twenty-one of twenty-four", (21, 24)), ("Thirty out of forty", (30, 40))],
)
def test_counts_spelt_out_in_words_are_counts(text, pair):
    assert pair in quotes.counts(text)
    assert (1, 8) not in quotes.counts("one patient of eight groups")


def test_no_quote_is_never_a_match():
    assert quotes.problems(finding(quote="  ", proportion=60)) == ["no source text stored"]


# The seed


@pytest.mark.django_db
def test_every_seeded_figure_is_in_its_quote(seed):
    checked, missing = 0, {}
    for row in RelapseFinding.objects.select_related("profile__condition").filter(
        profile__drug__public_copy_of__isnull=True
    ):
        if not quotes.has_figure(row):
            continue
        key = (row.profile.condition.slug, row.order)
        problems = quotes.problems(row)
        if problems:
            missing[key] = problems
        checked += 1
    assert not missing
    assert checked >= 30, "every seeded figure is backed by a sentence"


@pytest.mark.django_db
def test_every_seeded_quote_says_where_it_stands_and_how_it_was_analysed_where_the_source_says(seed):
    for row in RelapseFinding.objects.exclude(quote=""):
        assert row.quote_location, row
        assert row.quote == row.quote.strip()
    brave = RelapseFinding.objects.filter(study_name__startswith="BRAVE-AA", source__isnull=False)
    assert set(brave.values_list("analysis_method", flat=True)) == {AnalysisMethod.LOCF}


@pytest.mark.django_db
def test_brave_aa_findings_state_their_follow_up_to_week_152(seed):
    followed = RelapseFinding.objects.filter(study_name__startswith="BRAVE-AA").exclude(scenario="restarted")
    assert {(f.follow_up, f.follow_up_unit) for f in followed} == {(Decimal(100), "weeks")}


# The page


@pytest.mark.django_db
def test_the_monograph_shows_the_source_sentence_beside_the_figure_on_demand(seeded_clinician):
    page = seeded_clinician.get(MONOGRAPH).content.decode()
    row = next(r for r in finding_rows(page) if "<strong>33%</strong>" in r and "11/33" in r)
    figure_cell = row.split('data-label="Proportion (%)"')[1].split("</td>")[0]
    assert "<details" in figure_cell and "<summary>Source text</summary>" in figure_cell
    assert "loss of treatment benefit by Week-152 occurred in 33% (11/33)" in figure_cell
    assert "Abstract, Results" in figure_cell
    assert "Last observation carried forward" in figure_cell
    assert "<script" not in figure_cell


@pytest.mark.django_db
def test_a_derived_figure_and_its_method_are_flagged_on_the_page(clinician):
    found = make_finding(
        proportion=Decimal("87.5"),
        events=21,
        total=24,
        is_derived=True,
        analysis_method=AnalysisMethod.KAPLAN_MEIER,
        quote="Within the follow-up observation periods, 21 of 24 patients recaptured a response.",
        quote_location="Results, Figure 3",
    )
    drug = publish(found.profile.drug)
    page = clinician.get(drug.get_absolute_url()).content.decode()
    assert "derived from n/N by the curator" in page
    assert "Kaplan–Meier estimate" in page
    assert "21 of 24 patients recaptured a response." in page and "Results, Figure 3" in page
    with translation.override("zh-hans"):
        page_zh = clinician.get(drug.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "21 of 24 patients recaptured a response." in page_zh, "the quote stays in the source's language"


@pytest.mark.django_db
def test_a_finding_without_a_quote_shows_no_empty_details(clinician):
    drug = publish(make_finding().profile.drug)
    page = clinician.get(drug.get_absolute_url()).content.decode()
    assert "<details" not in page.split("findings-table")[1].split("</table>")[0]


@pytest.mark.django_db
def test_the_fhir_statistic_carries_the_quote_method_and_derived_flag_as_notes(seed):
    from fhir.resources.evidence import Evidence

    from drugs import fhir

    bundle = fhir.bundle_for(fhir.exportable())
    evidences = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Evidence"]
    (sustained,) = [e for e in evidences if "(11/33)" in e["statistic"][0]["description"]]
    notes = [note["text"] for note in sustained["statistic"][0]["note"]]
    assert "Analysis method: Last observation carried forward." in notes
    assert any(n.startswith("Source text (Abstract, Results): Among patients who had achieved") for n in notes)
    Evidence.model_validate(sustained)

    derived = make_finding(
        proportion=Decimal("87.5"), events=21, total=24, is_derived=True, quote="21 of 24 recaptured", quote_location=""
    )
    resource = fhir._evidence(derived.profile.drug, derived.profile.condition, derived, 1)
    texts = [note["text"] for note in resource["statistic"][0]["note"]]
    assert texts == [
        "Derived by the curator from the counts the source gives (n/N).",
        "Source text: 21 of 24 recaptured",
    ]
    Evidence.model_validate(resource)


def test_n_from_another_source_is_checked_against_that_sources_words():
    figure = finding(quote="60 percent in the 4-mg cohort", proportion=60, total=30)
    assert quotes.problems(figure) == ["N = 30 not in the source text"]
    figure.total_quote = "30 of 115 responders taking baricitinib, 4 mg, were rerandomized to placebo."
    assert quotes.problems(figure) == []
    figure.total_quote = "115 responders taking baricitinib, 4 mg"
    assert quotes.problems(figure) == ["N = 30 not in the source text for N"]
