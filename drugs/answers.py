"""The answer to "what happens if my patient stops (or lowers, or pauses) this drug?", per scenario.

The level rule, applied the same way to every profile (and explained to readers, from these constants, on the
"How to read this page" page):

1. Scenarios are grouped: after stopping (stopped, withdrawn to placebo), after tapering (dose tapered), after a
   temporary interruption (interrupted). A continued arm is the comparator; restarting is not a level.
2. Only relapse (loss-of-response) findings count, with a proportion and a time point no later than
   WINDOW_WEEKS after the change. "Response maintained" is not read as 100 − x (it can count patients who were
   rescued or regained response), and "needed rescue" answers a different question.
3. Of those, the highest evidence grade decides. Within each study of that grade, the latest time point counts,
   and at it the arm with the highest proportion (the upper end of a reported range). When two studies of the
   same grade disagree, the higher proportion decides: the page warns rather than reassures.
4. The deciding proportion, an absolute percentage of the changed arm, gives the level: HIGH from HIGH_FROM %,
   MODERATE from MODERATE_FROM %, LOW below; no such finding: not established. The continued arm of the same
   study at the same time is shown beside it, never subtracted.
5. A curator may set another level only with a written reason, which readers see beside the rule's level.

Arms are never merged: each figure keeps its arm, time point and study, and an arm that pools doses says so.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from drugs import formatting
from drugs.models.evidence import Measure, RelapseFinding, RelapseRisk, Scenario, TimeUnit

HIGH_FROM = Decimal(50)
MODERATE_FROM = Decimal(20)
WINDOW_WEEKS = Decimal(52)

WEEKS_PER = {
    TimeUnit.DAYS: Decimal(1) / Decimal(7),
    TimeUnit.WEEKS: Decimal(1),
    TimeUnit.MONTHS: Decimal(52) / Decimal(12),
    TimeUnit.YEARS: Decimal(52),
}


class ScenarioGroup(models.TextChoices):
    STOPPING = "stopping", _("After stopping")
    TAPERING = "tapering", _("After tapering (dose reduction)")
    INTERRUPTION = "interruption", _("After a temporary interruption")


GROUP_SCENARIOS = {
    ScenarioGroup.STOPPING: (Scenario.STOPPED, Scenario.WITHDRAWN_TO_PLACEBO),
    ScenarioGroup.TAPERING: (Scenario.TAPERED,),
    ScenarioGroup.INTERRUPTION: (Scenario.INTERRUPTED,),
}
# Stopping and tapering are always answered ("not established" included); an interruption only where a finding
# or a curator speaks to it.
ALWAYS_SHOWN = (ScenarioGroup.STOPPING, ScenarioGroup.TAPERING)


def level_for(proportion: Decimal) -> str:
    if proportion >= HIGH_FROM:
        return RelapseRisk.HIGH
    if proportion >= MODERATE_FROM:
        return RelapseRisk.MODERATE
    return RelapseRisk.LOW


def weeks(finding: RelapseFinding) -> Decimal | None:
    if finding.timepoint is None or finding.timepoint_unit not in WEEKS_PER:
        return None
    return finding.timepoint * WEEKS_PER[finding.timepoint_unit]


def highest(finding: RelapseFinding) -> Decimal:
    """The proportion the level reads: the upper end of a reported range."""
    return finding.proportion_upper if finding.proportion_upper is not None else finding.proportion


def study_of(finding: RelapseFinding) -> tuple:
    """A named study is one study whichever report gives its figures (the paper, a news summary of it)."""
    name = finding.study_name.strip().casefold()
    return (name, None) if name else ("", finding.source_id)


def _timed_relapse(finding: RelapseFinding) -> bool:
    return finding.measure == Measure.RELAPSE and finding.proportion is not None and weeks(finding) is not None


def counts_for_level(finding: RelapseFinding) -> bool:
    return _timed_relapse(finding) and weeks(finding) <= WINDOW_WEEKS


def deciding_finding(findings) -> RelapseFinding | None:
    """The finding the rule reads (steps 2 and 3 of the module's docstring), or None: not established."""
    eligible = [finding for finding in findings if counts_for_level(finding)]
    if not eligible:
        return None
    grade = max(finding.evidence_grade for finding in eligible)
    by_study: dict[tuple, list] = {}
    for finding in eligible:
        if finding.evidence_grade == grade:
            by_study.setdefault(study_of(finding), []).append(finding)
    candidates = []
    for study in by_study.values():
        latest = max(weeks(finding) for finding in study)
        candidates.append(max((f for f in study if weeks(f) == latest), key=highest))  # first of equals wins
    return max(candidates, key=highest)


def comparator_for(finding: RelapseFinding, findings) -> RelapseFinding | None:
    """The continued arm of the same study, same measure and same time after the change."""
    for other in findings:
        if (
            other.scenario == Scenario.CONTINUED
            and other.measure == finding.measure
            and other.proportion is not None
            and study_of(other) == study_of(finding)
            and weeks(other) == weeks(finding)
        ):
            return other
    return None


@dataclass
class Answer:
    group: str
    findings: list = field(default_factory=list)  # this scenario group's findings, any measure
    deciding: RelapseFinding | None = None
    comparator: RelapseFinding | None = None
    override: str = ""
    reason: object = ""  # LocalText: the reason in the reader's language
    how_soon: str | None = None

    @property
    def label(self) -> str:
        return ScenarioGroup(self.group).label

    @property
    def rule_level(self) -> str:
        return level_for(highest(self.deciding)) if self.deciding else RelapseRisk.NOT_ESTABLISHED

    @property
    def level(self) -> str:
        return self.override or self.rule_level

    @property
    def is_overridden(self) -> bool:
        return bool(self.override) and self.override != self.rule_level

    @property
    def is_established(self) -> bool:
        return self.level != RelapseRisk.NOT_ESTABLISHED

    def get_level_display(self) -> str:
        return RelapseRisk(self.level).label

    def get_rule_level_display(self) -> str:
        return RelapseRisk(self.rule_level).label

    @property
    def basis(self) -> str | None:
        """The deciding figure with its arm, time, study and grade; the continued arm beside it."""
        finding = self.deciding
        if finding is None:
            return None
        text = gettext("%(value)s relapsed by %(time)s after %(arm)s") % {
            "value": finding.proportion_display,
            "time": _time(finding),
            "arm": finding.arm_local,
        }
        if self.comparator:
            text = gettext("%(text)s, vs %(value)s who continued") % {
                "text": text,
                "value": self.comparator.proportion_display,
            }
        where = gettext(", ").join(
            part
            for part in (finding.study_name, finding.count_display, finding.get_evidence_grade_display().lower())
            if part
        )
        return text + _aside([where])

    @property
    def why_not_established(self) -> str:
        if self.findings:
            return gettext("no study reports a relapse proportion within %(weeks)s weeks of the change") % {
                "weeks": formatting.number(WINDOW_WEEKS)
            }
        return gettext("no study of this scenario is recorded")


def for_profile(profile) -> list[Answer]:
    """Each scenario group's answer for one profile, from its prefetched findings."""
    findings = list(profile.findings.all())
    answers = []
    for group, scenarios in GROUP_SCENARIOS.items():
        in_group = [finding for finding in findings if finding.scenario in scenarios]
        deciding = deciding_finding(in_group)
        answer = Answer(
            group=group,
            findings=in_group,
            deciding=deciding,
            comparator=comparator_for(deciding, findings) if deciding else None,
            override=getattr(profile, f"{group}_override"),
            reason=getattr(profile.tr, f"{group}_override_reason"),
            how_soon=how_soon(in_group, findings, study=deciding),
        )
        if group in ALWAYS_SHOWN or answer.findings or answer.override:
            answers.append(answer)
    return answers


# "How soon": one line per scenario, from the findings of one study, arms never merged.

_DOSE = re.compile(r"\d+(?:\.\d+)?\s?(?:mg|µg|mcg|g|mL|ml|IU)(?:/kg)?\b")


def _dose(regimen: str) -> str | None:
    match = _DOSE.search(regimen)
    return match.group() if match else None


def is_pooled(finding: RelapseFinding) -> bool:
    return " or " in finding.regimen_before


def _pooled_words(finding: RelapseFinding) -> str:
    if finding.regimen_before.count(" or ") == 1:
        return gettext("both doses together")
    return gettext("all doses together")


def _arm(finding: RelapseFinding) -> str:
    """'4 mg → 2 mg' for a taper, else the dose (or regimen, in the reader's language) the arm came from. A taper
    that keeps the dose and lengthens the interval ('300 mg every 2 weeks' → '300 mg every 8 weeks') is named by
    its new regimen, in the reader's language, so two interval arms of one study never read alike."""
    before = _dose(finding.regimen_before) or str(finding.tr.regimen_before)
    after = _dose(finding.regimen_after)
    if finding.scenario == Scenario.TAPERED and after:
        if after == _dose(finding.regimen_before):
            return str(finding.tr.regimen_after)
        return f"{before} → {after}"
    return before


def _value(finding: RelapseFinding) -> str:
    if finding.proportion == 0 and not finding.proportion_upper:
        return gettext("none")
    return finding.proportion_display


def _time(finding: RelapseFinding) -> str:
    number = formatting.number(finding.timepoint)
    words = {
        TimeUnit.DAYS: gettext("day %(number)s"),
        TimeUnit.WEEKS: gettext("week %(number)s"),
        TimeUnit.MONTHS: gettext("month %(number)s"),
        TimeUnit.YEARS: gettext("year %(number)s"),
    }[finding.timepoint_unit]
    return words % {"number": number}


def _and(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return gettext("%(items)s and %(last)s") % {"items": gettext(", ").join(items[:-1]), "last": items[-1]}


def _aside(parts: list[str]) -> str:
    parts = [part for part in parts if part]
    return gettext(" (%(aside)s)") % {"aside": gettext("; ").join(parts)} if parts else ""


def _lead(scenario: str, arm: str | None) -> str:
    if arm:
        return {
            Scenario.WITHDRAWN_TO_PLACEBO: gettext("After withdrawal from %(arm)s to placebo"),
            Scenario.STOPPED: gettext("After stopping %(arm)s"),
            Scenario.TAPERED: gettext("After tapering %(arm)s"),
            Scenario.INTERRUPTED: gettext("After a temporary interruption of %(arm)s"),
        }[scenario] % {"arm": arm}
    return {
        Scenario.WITHDRAWN_TO_PLACEBO: gettext("After withdrawal to placebo"),
        Scenario.STOPPED: gettext("After stopping"),
        Scenario.TAPERED: gettext("After tapering"),
        Scenario.INTERRUPTED: gettext("After a temporary interruption"),
    }[scenario]


def _whole_arms(findings: list) -> list:
    """One figure per arm and time: a subgroup (same arm and time, fewer patients) is left to the table."""
    kept: dict[tuple, RelapseFinding] = {}
    for finding in findings:
        key = (weeks(finding), finding.scenario, finding.regimen_before, finding.regimen_after)
        if key not in kept or (finding.total or 0) > (kept[key].total or 0):
            kept[key] = finding
    return [finding for finding in findings if finding in kept.values()]


def how_soon(in_group: list, all_findings: list, *, study: RelapseFinding | None = None) -> str | None:
    """e.g. 'After withdrawal to placebo (BRAVE-AA1): none by week 4 and 10–11% by week 8 (both doses together);
    by week 24, 60% from 4 mg and 50% from 2 mg.' From the deciding study, else the highest-grade study with a
    timed relapse proportion; every time point it reports, in order."""
    timed = [finding for finding in in_group if _timed_relapse(finding)]
    if study is None:
        if not timed:
            return None
        study = max(timed, key=lambda finding: finding.evidence_grade)
    changed = _whole_arms([finding for finding in timed if study_of(finding) == study_of(study)])
    scenario = changed[0].scenario
    if any(finding.scenario != scenario for finding in changed):
        scenario = Scenario.STOPPED
    arms = {_arm(finding) for finding in changed if not is_pooled(finding)}
    shared_arm = arms.pop() if len(arms) == 1 and not any(is_pooled(finding) for finding in changed) else None

    qualifier = {
        id(finding): _pooled_words(finding) if is_pooled(finding) else ("" if shared_arm else _arm_words(finding))
        for finding in changed
    }
    segments, run = [], []  # run: consecutive single-arm times of one kind, said together

    def close_run():
        if run:
            values = [gettext("%(value)s by %(time)s") % {"value": _value(f), "time": _time(f)} for f in run]
            segments.append(_and(values) + _aside([qualifier[id(run[0])]]))
            run.clear()

    for time in sorted({weeks(finding) for finding in changed}):
        here = [finding for finding in changed if weeks(finding) == time]
        continued = comparator_for(here[0], all_findings)
        if len(here) == 1:
            finding = here[0]
            if (
                not continued
                and not finding.timepoint_note
                and (not run or qualifier[id(run[0])] == qualifier[id(finding)])
            ):
                run.append(finding)
                continue
            close_run()
            segment = gettext("%(value)s by %(time)s") % {"value": _value(finding), "time": _time(finding)}
            segment += _aside([finding.tr.timepoint_note, qualifier[id(finding)]])
        else:
            close_run()
            items = [_item(finding, qualifier[id(finding)]) for finding in here]
            segment = gettext("by %(time)s%(aside)s, %(arms)s") % {
                "time": _time(here[0]),
                "aside": _aside([here[0].tr.timepoint_note]),
                "arms": _and(items),
            }
        if continued:
            segment = gettext("%(segment)s, vs %(value)s who continued") % {
                "segment": segment,
                "value": _value(continued),
            }
        segments.append(segment)
    close_run()
    lead = _lead(scenario, shared_arm)
    where = study.study_name or (study.source.short_label if study.source else "")
    if where:
        lead = gettext("%(lead)s (%(study)s)") % {"lead": lead, "study": where}
    return gettext("%(lead)s: %(line)s.") % {"lead": lead, "line": gettext("; ").join(segments)}


def _arm_words(finding: RelapseFinding) -> str:
    arm = _arm(finding)
    if finding.scenario == Scenario.TAPERED:
        return arm
    return gettext("from %(arm)s") % {"arm": arm}


def _item(finding: RelapseFinding, qualifier: str) -> str:
    if is_pooled(finding):
        return gettext("%(value)s (%(pooled)s)") % {"value": _value(finding), "pooled": qualifier}
    if qualifier:
        return gettext("%(value)s %(arm)s") % {"value": _value(finding), "arm": qualifier}
    return _value(finding)
