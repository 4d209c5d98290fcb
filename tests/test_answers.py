"""Each scenario answered on its own, by one published rule (drugs/answers.py), overruled only with a reason."""

import html
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from drugs import answers
from drugs.models import EvidenceGrade, Measure, RelapseProfile, Scenario, TimeUnit
from tests.conftest import acknowledge
from tests.factories import make_finding, make_profile, make_source, publish
from tests.test_admin import admin_url, management_form

pytestmark = pytest.mark.django_db

MONOGRAPH = reverse("drugs:drug_detail", kwargs={"slug": "baricitinib"})
HOW_TO_READ = reverse("drugs:how_to_read")


def answer(profile, group: str):
    profile = RelapseProfile.objects.prefetch_related("findings").get(pk=profile.pk)
    return next(a for a in answers.for_profile(profile) if a.group == group)


def section(page: str, slug: str) -> str:
    return page.split(f'<section id="{slug}" class="condition-section"')[1].split('class="condition-section"')[0]


def overview(page: str, slug: str) -> str:
    """A condition's answers, in the overview at the top of the monograph (the answer first)."""
    return page.split(f'aria-labelledby="overview-{slug}">')[1].split("</section>")[0]


# The rule


@pytest.mark.parametrize(
    ("proportion", "level"),
    [("50", "high"), ("49.9", "moderate"), ("20", "moderate"), ("19.9", "low"), ("0", "low")],
)
def test_the_deciding_proportion_gives_the_level_at_the_published_thresholds(proportion, level):
    finding = make_finding(proportion=Decimal(proportion))
    assert answer(finding.profile, "stopping").level == level


def test_a_scenario_without_a_readable_relapse_finding_is_not_established():
    profile = make_profile()
    make_finding(profile=profile, measure=Measure.RESPONSE_MAINTAINED, proportion=Decimal(10))
    make_finding(profile=profile, measure=Measure.RESCUE, proportion=Decimal(90))
    make_finding(profile=profile, proportion=None, total=None)
    stopping = answer(profile, "stopping")
    assert stopping.level == "not_established" and stopping.deciding is None
    assert answer(profile, "tapering").level == "not_established"


def test_the_highest_evidence_grade_decides_even_with_a_lower_proportion():
    profile = make_profile()
    strong = make_finding(profile=profile, proportion=Decimal(15))
    make_finding(
        profile=profile, scenario=Scenario.STOPPED, proportion=Decimal(80), evidence_grade=EvidenceGrade.STATEMENT
    )
    stopping = answer(profile, "stopping")
    assert stopping.deciding == strong and stopping.level == "low"


def test_the_latest_time_point_within_52_weeks_decides_and_later_ones_do_not():
    profile = make_profile()
    source = make_source()
    make_finding(profile=profile, source=source, timepoint=Decimal(24), proportion=Decimal(60))
    latest = make_finding(
        profile=profile, source=source, timepoint=Decimal(12), timepoint_unit=TimeUnit.MONTHS, proportion=Decimal(30)
    )
    make_finding(profile=profile, source=source, timepoint=Decimal(100), proportion=Decimal(90))
    assert answer(profile, "stopping").deciding == latest


def test_at_the_deciding_time_the_arm_with_the_highest_proportion_decides_and_the_continued_arm_stands_beside_it():
    profile = make_profile()
    source = make_source()
    make_finding(profile=profile, source=source, regimen_before="2 mg", proportion=Decimal(50))
    high = make_finding(profile=profile, source=source, regimen_before="4 mg", proportion=Decimal(60))
    continued = make_finding(profile=profile, source=source, scenario=Scenario.CONTINUED, proportion=Decimal(7))
    with translation.override("en"):
        stopping = answer(profile, "stopping")
    assert stopping.deciding == high and stopping.comparator == continued
    assert stopping.level == "high", "an absolute proportion, not the difference from the continued arm"
    with translation.override("en"):
        assert "vs 7% who continued" in stopping.basis


def test_a_taper_that_lengthens_the_interval_names_each_arm_by_its_new_regimen():
    profile = make_profile()
    source = make_source()
    for after, after_zh, proportion in (
        ("300 mg every 8 weeks", "300 mg，每 8 周一次", "55.6"),
        ("300 mg every 4 weeks", "300 mg，每 4 周一次", "49.4"),
    ):
        make_finding(
            profile=profile,
            source=source,
            study_name="SOLO-CONTINUE",
            scenario=Scenario.TAPERED,
            regimen_before="300 mg every 2 weeks",
            regimen_after=after,
            regimen_after_zh=after_zh,
            proportion=Decimal(proportion),
            timepoint=Decimal(35),
            evidence_grade=EvidenceGrade.RANDOMIZED_TAPER,
        )
    with translation.override("en"):
        line = answer(profile, "tapering").how_soon
    assert "by week 35, 55.6% 300 mg every 8 weeks and 49.4% 300 mg every 4 weeks" in line
    assert "300 mg → 300 mg" not in line
    with translation.override("zh-hans"):
        assert "300 mg，每 8 周一次" in answer(profile, "tapering").how_soon


def test_stopping_tapering_and_interruption_are_answered_apart():
    profile = make_profile()
    make_finding(profile=profile, scenario=Scenario.TAPERED, regimen_after="2 mg", proportion=Decimal(30))
    assert [(a.group, a.level) for a in answers.for_profile(RelapseProfile.objects.get(pk=profile.pk))] == [
        ("stopping", "not_established"),
        ("tapering", "moderate"),
    ], "an interruption is answered only where a finding speaks to it"
    make_finding(
        profile=profile, scenario=Scenario.INTERRUPTED, regimen_after="none for 4 weeks", proportion=Decimal(5)
    )
    assert answer(profile, "interruption").level == "low"


# The curator's judgement


def test_an_override_without_a_reason_is_refused_by_the_model_and_the_database():
    profile = make_profile()
    profile.tapering_override = "low"
    with pytest.raises(ValidationError) as refused:
        profile.full_clean()
    assert "tapering_override_reason" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        profile.save()


def test_an_override_without_a_reason_is_refused_in_the_admin(admin_client):
    profile = make_profile()
    form = {
        "drug": str(profile.drug_id),
        "condition": str(profile.condition_id),
        "loaded_version": str(profile.edit_version),
        "stopping_override": "low",
        "stopping_override_reason": "  ",
        **management_form("findings"),
    }
    response = admin_client.post(admin_url(RelapseProfile, "change", profile.pk), form)
    assert response.status_code == 200
    assert "Write the reason for your judgement" in response.content.decode()
    profile.refresh_from_db()
    assert profile.stopping_override == ""


def test_an_override_and_its_reason_are_shown_beside_the_rules_level(clinician):
    finding = make_finding(proportion=Decimal(60))
    profile = finding.profile
    profile.stopping_override = "moderate"
    profile.stopping_override_reason = "Most relapses were mild and recaptured on restarting."
    profile.save()
    publish(profile.drug)
    page = html.unescape(clinician.get(profile.drug.get_absolute_url()).content.decode())
    assert 'MODERATE</a> <span class="judgement-mark">(curator\'s judgement)</span>' in page
    assert "Curator's judgement:</strong> Most relapses were mild and recaptured on restarting." in page
    assert "By the rule this page applies: HIGH." in page


# The seed, on the page


def test_the_ra_section_answers_stopping_and_tapering_separately(seeded_clinician):
    ra = overview(seeded_clinician.get(MONOGRAPH).content.decode(), "rheumatoid-arthritis")
    stopping = ra.split('scenario-stopping">')[1].split("</div>")[0]
    tapering = ra.split('scenario-tapering">')[1].split("</div>")[0]
    assert "After stopping:" in stopping and "NOT ESTABLISHED</a>" in stopping
    assert "no study reports a relapse proportion within 52 weeks of the change" in stopping
    assert "After tapering (dose reduction):" in tapering and "MODERATE</a>" in tapering
    assert "37% relapsed by week 48 after baricitinib 4 mg once daily → baricitinib 2 mg once daily" in tapering
    assert "vs 23% who continued" in tapering and "RA-BEYOND" in tapering
    assert "Relapse risk after stopping: MODERATE" not in ra


def test_the_alopecia_how_soon_line_keeps_each_arm_and_says_when_doses_were_pooled(seeded_clinician):
    aa = overview(seeded_clinician.get(MONOGRAPH).content.decode(), "alopecia-areata")
    assert (
        "After withdrawal to placebo (BRAVE-AA1): none by week 4 and 10–11% by week 8 (both doses together); "
        "by week 24, 60% from 4 mg and 50% from 2 mg; "
        "by week 100 (study week 152; withdrawal at week 52), ≈80% from 4 mg and ≈80% from 2 mg, vs 7% who continued."
    ) in aa
    assert "After tapering 4 mg → 2 mg (BRAVE-AA2): 29% by week 52" in aa


def test_the_how_soon_line_is_translated(seeded_clinician):
    page = seeded_clinician.get(MONOGRAPH.replace("/en/", "/zh-hans/")).content.decode()
    assert "第 24 周时" in page and "两种剂量合计" in page


def test_an_arm_named_by_its_regimen_is_named_in_the_readers_language():
    profile, source = make_profile(), make_source()
    for regimen, regimen_zh, proportion in [
        ("ixekizumab every 2 weeks (Q2W)", "依奇珠单抗每 2 周一次（Q2W）", 83),
        ("ixekizumab every 4 weeks (Q4W)", "依奇珠单抗每 4 周一次（Q4W）", 82),
    ]:
        make_finding(
            profile=profile,
            source=source,
            study_name="UNCOVER",
            regimen_before=regimen,
            regimen_before_zh=regimen_zh,
            proportion=proportion,
        )
    assert "83% from ixekizumab every 2 weeks (Q2W) and 82% from ixekizumab every 4 weeks (Q4W)" in (
        answer(profile, "stopping").how_soon
    )
    with translation.override("zh-hans"):
        how_soon = answer(profile, "stopping").how_soon
    assert "依奇珠单抗每 2 周一次（Q2W）" in how_soon and "依奇珠单抗每 4 周一次（Q4W）" in how_soon
    assert "every 2 weeks" not in how_soon


def test_not_reported_and_not_established_look_and_read_differently(seeded_clinician):
    page = seeded_clinician.get(MONOGRAPH).content.decode()
    assert '<span class="not-reported">not reported</span>' in page
    assert 'class="risk-label risk-not_established"' in page
    assert (
        '<span class="not-established">not established</span>'
        not in section(page, "rheumatoid-arthritis").split("findings-table")[1]
    )


def test_every_badge_links_to_how_to_read_this_page(seeded_clinician):
    page = seeded_clinician.get(MONOGRAPH).content.decode()
    badges = page.count('class="risk-label')
    assert badges >= 4, "the overview: each condition, stopping and tapering"
    assert page.count(f'href="{HOW_TO_READ}#levels"') == badges


def test_how_to_read_this_page_is_behind_the_gate_and_gives_the_codes_thresholds(visitor, disclaimer):
    response = visitor.get(HOW_TO_READ)
    assert response.status_code == 302 and response["Location"].startswith(reverse("drugs:acknowledge"))
    acknowledge(visitor)
    page = visitor.get(HOW_TO_READ).content.decode()
    assert "50% or more" in page and "20% or more, below 50%" in page and "below 20%" in page
    assert "no later than 52 weeks after the change" in page
    assert "not reported" in page and "NOT ESTABLISHED" in page
