"""The condition page's comparison table: per scenario group, each drug's headline findings side by side.

A row is a finding a curator marked as a headline, never one picked or merged here; a drug with findings for the
scenario but no headline among them says so, and a drug with none reads "not established". Sorting is done here,
from the profiles the page already prefetched, so it costs no query.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from drugs import answers
from drugs.models import Measure

DRUG, TIME, FIGURE = "drug", "time", "figure"
SORTS = {DRUG: _("drug"), TIME: _("time point"), FIGURE: _("figure")}
DEFAULT_SORT = DRUG
MEASURE_ORDER = {measure: index for index, measure in enumerate(Measure.values)}


def sort_from(value: str | None) -> str:
    """The sort a request asks for; anything else is the default, not an error."""
    return value if value in SORTS else DEFAULT_SORT


@dataclass
class Row:
    profile: object  # RelapseProfile, with its findings prefetched
    finding: object = None  # a headline finding; None when the drug has none for the scenario
    findings_in_scenario: int = 0  # none: not established

    @property
    def drug(self):
        return self.profile.drug

    @property
    def evidence_anchor(self) -> str:
        prefix = "evidence" if self.drug.is_single_drug else "beyond"
        return f"#{prefix}-{self.drug.slug}"

    def key(self, sort: str) -> tuple:
        """Drugs A–Z; or the soonest time after the change first; or, within what was measured (relapse, then
        response maintained, …: figures of different measures are not one scale), the highest figure first.
        A row without the value sorts last; a drug's own rows keep their curated order."""
        finding = self.finding
        by_drug = (
            self.drug.name.casefold(),
            self.drug.pk,
            finding.order if finding else 0,
            finding.pk if finding else 0,
        )
        if sort == TIME:
            weeks = answers.weeks(finding) if finding else None
            return (weeks is None, weeks or 0, *by_drug)
        if sort == FIGURE:
            if finding is None or finding.proportion is None:
                return (True, 0, 0, *by_drug)
            return (False, MEASURE_ORDER[finding.measure], -answers.highest(finding), *by_drug)
        return by_drug


@dataclass
class ScenarioTable:
    group: str
    rows: list = field(default_factory=list)  # single drugs
    beyond_one_drug: list = field(default_factory=list)  # class and strategy entries, kept apart

    @property
    def label(self) -> str:
        return answers.ScenarioGroup(self.group).label


def _rows(profile, scenarios) -> list[Row]:
    in_scenario = [finding for finding in profile.findings.all() if finding.scenario in scenarios]
    headlines = [finding for finding in in_scenario if finding.is_headline]
    if not headlines:
        return [Row(profile, None, len(in_scenario))]
    return [Row(profile, finding, len(in_scenario)) for finding in headlines]


def tables(profiles, class_profiles, sort: str) -> list[ScenarioTable]:
    """Stopping and tapering always; a temporary interruption only where some entry has a finding for it."""
    result = []
    for group, scenarios in answers.GROUP_SCENARIOS.items():
        table = ScenarioTable(
            group,
            sorted((row for profile in profiles for row in _rows(profile, scenarios)), key=lambda r: r.key(sort)),
            sorted((row for profile in class_profiles for row in _rows(profile, scenarios)), key=lambda r: r.key(sort)),
        )
        if group in answers.ALWAYS_SHOWN or any(row.findings_in_scenario for row in table.rows + table.beyond_one_drug):
            result.append(table)
    return result


def links(sort: str, page_number: int) -> list[dict]:
    """A plain link per sort, keeping the page of drugs; the current one is marked."""
    page = f"page={page_number}&" if page_number > 1 else ""
    return [
        {"key": key, "label": label, "href": f"?{page}sort={key}#comparison-heading", "current": key == sort}
        for key, label in SORTS.items()
    ]
