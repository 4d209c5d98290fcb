"""The seed monograph: baricitinib, two conditions, every figure with its source and context."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from drugs.models import (
    Condition,
    Disclaimer,
    Drug,
    MonographEvent,
    RegulatoryApproval,
    RelapseFinding,
    RelapseProfile,
    Source,
)

pytestmark = pytest.mark.django_db

SEEDED_MODELS = [
    Disclaimer,
    Source,
    Condition,
    Drug,
    RegulatoryApproval,
    RelapseProfile,
    RelapseFinding,
    MonographEvent,
    get_user_model(),
]


def snapshot() -> dict:
    """Every column of every seeded row, timestamps included."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in SEEDED_MODELS}


def test_loading_the_seed_twice_changes_nothing():
    call_command("load_seed", stdout=None)
    first = snapshot()
    call_command("load_seed", stdout=None)
    assert snapshot() == first
    assert RelapseFinding.objects.count() > 20


def test_loading_the_seed_never_rewrites_a_disclaimer_visitors_may_have_accepted():
    call_command("load_seed", stdout=None)
    Disclaimer.objects.filter(version=1).update(text="Wording a curator approved later.")
    call_command("load_seed", stdout=None)
    assert Disclaimer.objects.get(version=1).text == "Wording a curator approved later."


def test_seed_holds_baricitinib_with_both_condition_profiles(seed):
    drug = Drug.objects.working().get(slug="baricitinib")
    assert drug.brand_list == ["Olumiant"]
    assert drug.atc_code == "L04AF02"
    assert drug.status_is_published
    assert drug.public_copy.relapse_profiles.count() == 2, "readers see the seed as loaded"
    profiles = {p.condition.slug: p for p in drug.relapse_profiles.all()}
    assert set(profiles) == {"alopecia-areata", "rheumatoid-arthritis"}
    assert [(a.group, a.level) for a in profiles["alopecia-areata"].answers] == [
        ("stopping", "high"),
        ("tapering", "moderate"),
    ]
    assert "Continued administration" in profiles["alopecia-areata"].guidance
    assert "long-term" in profiles["rheumatoid-arthritis"].guidance


def working(findings):
    return findings.filter(profile__drug__public_copy_of__isnull=True)


def test_every_seeded_finding_has_a_source_a_design_and_a_population(seed):
    for finding in RelapseFinding.objects.select_related("source"):
        assert finding.source is not None, finding
        assert finding.study_design and finding.population and finding.outcome_definition, finding


def test_the_articles_sixty_percent_is_the_four_mg_arm_at_24_weeks_of_brave_aa1(seed):
    finding = working(RelapseFinding.objects).get(
        study_name="BRAVE-AA1", regimen_before__contains="4 mg once", timepoint=24, scenario="withdrawn_to_placebo"
    )
    assert finding.proportion == Decimal(60)
    assert finding.total == 30 and finding.total_source.doi == "10.1001/jamadermatol.2024.2734", "N is the paper's"
    assert "30 of 115 responders taking baricitinib, 4 mg, were rerandomized to placebo" in finding.total_quote
    assert 'manufacturer page\'s "about 60%": one arm (4 mg), 24 weeks after withdrawal' in finding.note
    # The paper's abstract stops before this figure: it was read in a news summary, graded and cited as such.
    assert finding.source.kind == "news" and finding.evidence_grade == 1
    assert "60 percent in the 4-mg cohort" in finding.quote


def test_the_figures_of_the_withdrawal_paper_itself_cite_it(seed):
    early = working(RelapseFinding.objects).filter(study_name="BRAVE-AA1", timepoint__lte=8)
    assert {(f.source.doi, f.source.pmid, f.evidence_grade) for f in early} == {
        ("10.1001/jamadermatol.2024.2734", "39141364", 5)
    }


def test_rheumatoid_arthritis_data_is_a_taper_not_a_stop(seed):
    trial = working(RelapseFinding.objects).filter(
        profile__condition__slug="rheumatoid-arthritis", study_name="RA-BEYOND"
    )
    assert trial.exists()
    assert set(trial.values_list("scenario", flat=True)) <= {"tapered", "continued", "restarted"}
    statement = working(RelapseFinding.objects).get(
        profile__drug__slug="baricitinib", profile__condition__slug="rheumatoid-arthritis", scenario="stopped"
    )
    assert statement.proportion is None, "no trial gives a proportion after a full stop: it stays not established"
    assert statement.evidence_grade == 1
    assert statement.source.url == "https://olumiant.lilly.com/dosing-side-effects"


def test_recapture_after_restarting_keeps_its_counts(seed):
    finding = working(RelapseFinding.objects).get(
        study_name="BRAVE-AA1", measure="regained", regimen_after__contains="4 mg"
    )
    assert (finding.events, finding.total, finding.proportion) == (21, 24, Decimal("87.5"))
    assert "85%" in finding.note, "the report's other figure for the same arm is noted, not hidden"


def test_ra_beyond_final_results_add_96_weeks_and_recapture_on_returning_to_4_mg(seed):
    final = working(RelapseFinding.objects).filter(study_name="RA-BEYOND", timepoint=96)
    assert {(f.scenario, f.measure, f.proportion) for f in final} >= {
        ("tapered", "maintained", Decimal("59.90")),
        ("continued", "maintained", Decimal("70.20")),
    }
    recapture = working(RelapseFinding.objects).get(study_name="RA-BEYOND", measure="regained")
    assert (recapture.proportion, recapture.total, recapture.timepoint) == (Decimal("76.20"), 112, 12)


def test_seed_carries_the_disclaimer_in_english_and_the_original_chinese(seed):
    disclaimer = Disclaimer.objects.current()
    assert disclaimer.version == 1
    assert "不构成任何治疗建议或药品推荐" in disclaimer.text_original
    assert "does not sell drugs" in disclaimer.text
