"""The evidence behind every figure: sources, relapse profiles and findings."""

import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from drugs import formatting, validators
from drugs.localization import LocalText, TranslatableMixin
from drugs.models.catalog import Condition, Drug, EntryKind, split_list
from drugs.models.editing import EditVersioned

PERCENT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]
NON_NEGATIVE = [MinValueValidator(Decimal(0))]


class SourceKind(models.TextChoices):
    REGULATORY_LABEL = "regulatory_label", _("Regulatory label")
    MANUFACTURER_SITE = "manufacturer_site", _("Manufacturer website")
    RANDOMIZED_TRIAL = "randomized_trial", _("Randomized trial publication")
    OBSERVATIONAL_STUDY = "observational_study", _("Observational study publication")
    GUIDELINE = "guideline", _("Clinical practice guideline")
    REVIEW = "review", _("Review")
    NEWS = "news", _("News report (secondary summary)")
    DRUG_DATABASE = "drug_database", _("Drug database (e.g. Drugs.com)")
    OTHER = "other", _("Other")


_ACRONYM = re.compile(r"\b[A-Z]{2,}[A-Z0-9]*(?:-[A-Z0-9]+)+\b")
# Words a short title skips (English titles; a title in another language simply keeps its first words).
_MINOR_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "during",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "over",
        "the",
        "to",
        "under",
        "versus",
        "vs",
        "with",
        "without",
    ]
)


def _key_author(authors: str, publisher: str) -> str:
    """'King B, Ko J, et al.' -> 'king'; 'van der Berg AC' -> 'van-der-berg'; no authors: the publisher's first word."""
    if authors.strip():
        names = authors.split(",")[0].split()
        if len(names) > 1 and names[-1].isupper() and len(names[-1]) <= 3:
            names = names[:-1]
        return slugify(" ".join(names))
    return slugify(publisher.split()[0]) if publisher.strip() else ""


def _key_title(title: str) -> str:
    acronym = _ACRONYM.search(title)
    if acronym:
        return slugify(acronym.group())
    words = [word for word in slugify(title).split("-") if word not in _MINOR_WORDS]
    return "-".join(words[:3])


class _TidiedCharField(models.CharField):
    """Text tidied as it is pasted (a link, a label), before its format is checked or it is stored.

    to_python runs in full_clean and, through get_prep_value, on every save and lookup; the form field has no
    length limit of its own, so a pasted 'PMID: 39141364' is not cut short before it is tidied to 39141364.
    """

    tidy = staticmethod(str.strip)

    def to_python(self, value):
        value = super().to_python(value)
        return self.tidy(value) if value else value

    def formfield(self, **kwargs):
        return super().formfield(**{**kwargs, "max_length": None})


class DoiField(_TidiedCharField):
    tidy = staticmethod(validators.bare_doi)


class PmidField(_TidiedCharField):
    tidy = staticmethod(validators.bare_pmid)


class Source(EditVersioned):
    key = models.SlugField(
        max_length=100,
        unique=True,
        blank=True,
        help_text=_(
            "A short unique name for exports and citations, e.g. king-2024-brave-aa1. Leave empty to have it made "
            "from the first author, the year and the title. It cannot be changed once saved."
        ),
    )
    title = models.CharField(max_length=500, help_text=_("The article or page title, as published."))
    authors = models.CharField(max_length=300, blank=True, help_text=_("e.g. King B, Ko J, Forman S, et al."))
    publisher = models.CharField(
        max_length=200, help_text=_("Journal or organisation, e.g. JAMA Dermatology, FDA, Eli Lilly and Company.")
    )
    citation = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Volume, issue and pages, e.g. 160(10):1075–1081 (the year is its own field)."),
    )
    kind = models.CharField(max_length=30, choices=SourceKind.choices)
    url = models.URLField(
        _("URL"),
        max_length=500,
        blank=True,
        validators=[validators.web_url],
        help_text=_("http(s) address of the page."),
    )
    publication_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
        help_text=_("Leave empty for a web page with no publication date."),
    )
    accessed_on = models.DateField(
        _("date accessed"), null=True, blank=True, help_text=_("When a curator last read it (web pages).")
    )
    pmid = PmidField(_("PMID"), max_length=9, blank=True, validators=[validators.pmid])
    doi = DoiField(_("DOI"), max_length=200, blank=True, validators=[validators.doi])

    class Meta:
        ordering = ["publisher", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.CheckConstraint(
                condition=~Q(url="") | ~Q(doi="") | ~Q(pmid=""),
                name="drugs_source_locatable",
                violation_error_message=_("Give at least one of URL, DOI or PMID so a reader can find the source."),
            ),
            models.CheckConstraint(
                condition=Q(url="") | Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="drugs_source_url_is_web",
                violation_error_message=_("The URL must start with http:// or https://."),
            ),
        ]

    def __str__(self) -> str:
        year = f" ({self.publication_year})" if self.publication_year else ""
        return f"{self.short_label}{year}: {self.title}"[:200]

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = self.new_key()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if not (self.url or self.doi or self.pmid):
            raise ValidationError({"url": _("Give at least one of URL, DOI or PMID so a reader can find the source.")})
        if not self.key:
            self.key = self.new_key()
        self.citation = self.citation_without_year

    def new_key(self) -> str:
        """A free key in the form <first author>-<year>-<short title>, e.g. king-2024-brave-aa1.

        The first author's surname (their initials dropped), else the publisher's first word; the year when there
        is one; then the study acronym when the title names one (an all-capitals word with a hyphen, such as
        BRAVE-AA1 or RA-BEYOND), else the title's first three words that are not "of", "the", "in" and the like.
        ASCII and lower case; "-2", "-3" and so on are added until no other source has it.
        """
        base = "-".join(
            part
            for part in (
                _key_author(self.authors, self.publisher),
                str(self.publication_year or ""),
                _key_title(self.title),
            )
            if part
        )
        base = base[:90].strip("-") or "source"
        key, n = base, 1
        while Source.objects.filter(key=key).exclude(pk=self.pk).exists():
            n += 1
            key = f"{base}-{n}"
        return key

    @property
    def short_label(self) -> str:
        """'King B et al., JAMA Dermatology 2024' style label for table cells."""
        lead = self.authors.split(",")[0].strip() if self.authors else ""
        lead = f"{lead} et al., " if lead and "," in self.authors else (f"{lead}, " if lead else "")
        year = f" {self.publication_year}" if self.publication_year else ""
        return f"{lead}{self.publisher}{year}"

    @property
    def citation_without_year(self) -> str:
        """The citation without a leading "<publication year>;", which older data repeated from the year field."""
        year = f"{self.publication_year};"
        return self.citation.removeprefix(year).lstrip() if self.publication_year else self.citation

    @property
    def year_and_citation(self) -> str:
        """'2024;160(10):1075–1081': the year once, then volume, issue and pages, as references print them."""
        return ";".join(part for part in (str(self.publication_year or ""), self.citation_without_year) if part)

    @property
    def link(self) -> str:
        """Where the reader goes: the page itself, else the DOI, else PubMed."""
        if self.url:
            return self.url
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"


class RelapseRisk(models.TextChoices):
    HIGH = "high", _("High")
    MODERATE = "moderate", _("Moderate")
    LOW = "low", _("Low")
    NOT_ESTABLISHED = "not_established", _("Not established")


# The scenario groups a curator may give a level by judgement (field prefixes on RelapseProfile).
OVERRIDE_GROUPS = ("stopping", "tapering", "interruption")
OVERRIDE_NEEDS_REASON = _("Write the reason for your judgement (readers see it), or clear the level.")


class RelapseProfileQuerySet(models.QuerySet):
    def for_condition_page(self, condition):
        """Each published drug's profile for one condition, its rows and their sources included."""
        from drugs.models.statements import RelapseFactor, Statement

        return (
            self.filter(condition=condition, drug__public_copy_of__isnull=False)
            .select_related("drug", "condition")
            .prefetch_related(
                models.Prefetch("findings", queryset=RelapseFinding.objects.select_related("source", "total_source")),
                models.Prefetch("factors", queryset=RelapseFactor.objects.select_related("source")),
                models.Prefetch("statements", queryset=Statement.objects.select_related("source")),
            )
            .order_by("drug__name")
        )

    def of_single_drugs(self):
        return self.filter(drug__entry_kind=EntryKind.DRUG)

    def of_classes_and_strategies(self):
        """Evidence about any drug of a class, or a strategy: shown apart from single drugs."""
        return self.exclude(drug__entry_kind=EntryKind.DRUG)


def check_review_dates(row) -> None:
    """A review cannot fall due before the search it follows."""
    if row.evidence_searched_to and row.review_due and row.review_due <= row.evidence_searched_to:
        raise ValidationError({"review_due": _("The review must fall due after the date the evidence was searched.")})


class RelapseProfile(TranslatableMixin, EditVersioned):
    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="relapse_profiles")
    condition = models.ForeignKey(Condition, on_delete=models.PROTECT, related_name="relapse_profiles")
    guidance = models.TextField(
        blank=True,
        help_text=_(
            "Practical point for the clinician, e.g. continued administration is usually needed to keep the effect."
        ),
    )
    guidance_zh = models.TextField(_("guidance (Chinese)"), blank=True)
    not_established = models.TextField(
        _("not established"),
        blank=True,
        help_text=_("Questions the evidence does not answer, one per line, e.g. relapse after complete withdrawal."),
    )
    not_established_zh = models.TextField(_("not established (Chinese)"), blank=True)
    last_reviewed = models.DateField(
        null=True, blank=True, help_text=_("When a curator last checked this profile against its sources.")
    )
    # Currency: evidence ages and labels change. Readers see the dates (never "overdue": a stored page must not
    # depend on today's date); curators see the overdue queue in the admin (drugs/admin/monograph.py).
    evidence_searched_to = models.DateField(
        _("evidence searched up to"),
        null=True,
        blank=True,
        help_text=_("The date of the last search for new evidence: readers see 'evidence current to' this date."),
    )
    review_due = models.DateField(
        _("review due"),
        null=True,
        blank=True,
        help_text=_("When the evidence must be searched again; past it, the profile is in the overdue queue."),
    )
    # A curator may set a scenario's level by judgement instead of by the rule (drugs/answers.py), only with a
    # reason readers are shown. One set of fields per scenario group keeps the override inside the profile, so
    # publishing, history, restore and export carry it like any other field.
    stopping_override = models.CharField(
        _("level after stopping: curator's judgement"),
        max_length=20,
        choices=RelapseRisk.choices,
        blank=True,
        help_text=_("Leave empty to show the level the rule gives. Set it only with a reason readers will see."),
    )
    stopping_override_reason = models.TextField(_("reason for the level after stopping"), blank=True)
    stopping_override_reason_zh = models.TextField(_("reason for the level after stopping (Chinese)"), blank=True)
    tapering_override = models.CharField(
        _("level after tapering: curator's judgement"),
        max_length=20,
        choices=RelapseRisk.choices,
        blank=True,
        help_text=_("Leave empty to show the level the rule gives. Set it only with a reason readers will see."),
    )
    tapering_override_reason = models.TextField(_("reason for the level after tapering"), blank=True)
    tapering_override_reason_zh = models.TextField(_("reason for the level after tapering (Chinese)"), blank=True)
    interruption_override = models.CharField(
        _("level after a temporary interruption: curator's judgement"),
        max_length=20,
        choices=RelapseRisk.choices,
        blank=True,
        help_text=_("Leave empty to show the level the rule gives. Set it only with a reason readers will see."),
    )
    interruption_override_reason = models.TextField(
        _("reason for the level after a temporary interruption"), blank=True
    )
    interruption_override_reason_zh = models.TextField(
        _("reason for the level after a temporary interruption (Chinese)"), blank=True
    )

    objects = RelapseProfileQuerySet.as_manager()

    class Meta:
        ordering = ["drug", "condition"]
        verbose_name = _("relapse profile")
        verbose_name_plural = _("relapse profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["drug", "condition"],
                name="drugs_relapseprofile_one_per_drug_condition",
                violation_error_message=_("This drug already has a relapse profile for this condition: edit that one."),
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{group}_override": ""}) | ~Q(**{f"{group}_override_reason": ""}),
                    name=f"drugs_relapseprofile_{group}_override_has_reason",
                    violation_error_message=OVERRIDE_NEEDS_REASON,
                )
                for group in OVERRIDE_GROUPS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drug} — {self.condition}"

    def clean(self):
        super().clean()
        check_review_dates(self)
        errors = {
            f"{group}_override_reason": OVERRIDE_NEEDS_REASON
            for group in OVERRIDE_GROUPS
            if getattr(self, f"{group}_override") and not getattr(self, f"{group}_override_reason").strip()
        }
        if errors:
            raise ValidationError(errors)

    def get_absolute_url(self) -> str:
        return f"{self.drug.get_absolute_url()}#{self.condition.slug}"

    @property
    def rows(self) -> list:
        """Its findings, factors and statements, from the prefetched relations (no query when prefetched)."""
        return [*self.findings.all(), *self.factors.all(), *self.statements.all()]

    @property
    def label_statements(self) -> list:
        """What the labels say, by agency and in the order a clinician asks (dose, reduction, stopping, pause)."""
        return self._statements("label")

    @property
    def guideline_statements(self) -> list:
        return self._statements("guideline")

    def _statements(self, kind: str) -> list:
        return sorted((s for s in self.statements.all() if s.kind == kind), key=lambda s: s.sort_key)

    @property
    def evidence_by_study(self) -> list["StudyGroup"]:
        """The findings in their order, in runs that share a study, source, design, population and grade."""
        return [StudyGroup(list(run)) for _key, run in groupby(self.findings.all(), key=StudyGroup.key)]

    @property
    def not_established_list(self) -> list[str]:
        return split_list(self.not_established, "\n")

    @property
    def headline_findings(self) -> list:
        return [f for f in self.findings.all() if f.is_headline]

    @cached_property
    def answers(self) -> list:
        """What happens after stopping, tapering or interrupting, each by the rule in drugs/answers.py."""
        from drugs import answers

        return answers.for_profile(self)

    @property
    def is_risk_established(self) -> bool:
        """Some scenario has a level, by the rule or by a curator's judgement."""
        return any(answer.is_established for answer in self.answers)

    @property
    def timeline(self):
        """The relapse-over-time chart of this profile's findings (None when nothing can be drawn)."""
        from drugs import charts

        return charts.build(self.findings.all(), label_of=charts.arm_label) if self.is_risk_established else None


@dataclass
class StudyGroup:
    """Findings of one study as one source reports them: the evidence table states the study, design,
    population, grade and source once above their rows (a row per arm and time point), so a page of
    findings is not the same sentences repeated, on a phone or on paper."""

    findings: list

    @staticmethod
    def key(finding) -> tuple:
        tr = finding.tr
        return (
            finding.study_name,
            str(tr.study_design),
            str(tr.population),
            finding.source_id,
            finding.evidence_grade,
            finding.reviewed_on,
        )

    @property
    def first(self):
        return self.findings[0]

    @property
    def note(self):
        """A note every finding of the group carries, said once for the group."""
        notes = {str(finding.tr.note) for finding in self.findings}
        return self.first.tr.note if len(notes) == 1 else ""

    @property
    def rows(self) -> list["StudyRow"]:
        """Each finding with the note it carries of its own (none when the group says it once), and whether its
        arm and outcome repeat the row above (paper prints "as above" there, to keep rows short)."""
        shared = bool(self.note)
        rows, above = [], None
        for finding in self.findings:
            rows.append(
                StudyRow(
                    finding,
                    note="" if shared else finding.tr.note,
                    same_arm=above is not None and StudyRow.arm_of(above) == StudyRow.arm_of(finding),
                    same_outcome=above is not None and StudyRow.outcome_of(above) == StudyRow.outcome_of(finding),
                )
            )
            above = finding
        return rows


@dataclass
class StudyRow:
    finding: "RelapseFinding"
    note: str
    same_arm: bool
    same_outcome: bool

    @staticmethod
    def arm_of(finding) -> tuple:
        return (finding.scenario, str(finding.arm_local))

    @staticmethod
    def outcome_of(finding) -> tuple:
        return (finding.measure, str(finding.tr.outcome_definition))


class Scenario(models.TextChoices):
    STOPPED = "stopped", _("Stopped completely")
    TAPERED = "tapered", _("Dose tapered")
    WITHDRAWN_TO_PLACEBO = "withdrawn_to_placebo", _("Randomized withdrawal to placebo")
    CONTINUED = "continued", _("Continued (comparator arm)")
    RESTARTED = "restarted", _("Restarted after relapse")
    INTERRUPTED = "interrupted", _("Temporarily interrupted")
    OTHER = "other", _("Other")


class Measure(models.TextChoices):
    RELAPSE = "relapse", _("Relapse / loss of response")
    RESPONSE_MAINTAINED = "maintained", _("Response maintained")
    RESPONSE_REGAINED = "regained", _("Response regained after restarting")
    RESCUE = "rescue", _("Needed rescue treatment")


class TimeUnit(models.TextChoices):
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")
    YEARS = "years", _("years")


class AnalysisMethod(models.TextChoices):
    """How the source computed a proportion, where it says (shown beside the figure)."""

    AS_REPORTED = "as_reported", _("Observed (as reported)")
    KAPLAN_MEIER = "kaplan_meier", _("Kaplan–Meier estimate")
    LOCF = "locf", _("Last observation carried forward")
    NRI = "nri", _("Non-responder imputation")


class EvidenceGrade(models.IntegerChoices):
    """Strength of the design behind a figure, strongest first."""

    RANDOMIZED_WITHDRAWAL = 5, _("Randomized withdrawal trial")
    RANDOMIZED_TAPER = 4, _("Randomized taper trial")
    OBSERVATIONAL = 3, _("Observational study")
    CASE_SERIES = 2, _("Case series")
    STATEMENT = 1, _("Manufacturer or secondary statement")


def _paired(low: str, high: str) -> Q:
    return Q(**{f"{low}__isnull": True}) | Q(**{f"{high}__isnull": True}) | Q(**{f"{low}__lte": F(high)})


def _has_unit(unit: str, *values: str) -> Q:
    all_empty = Q()
    for value in values:
        all_empty &= Q(**{f"{value}__isnull": True})
    return all_empty | ~Q(**{unit: ""})


def _not_negative(*fields: str) -> Q:
    condition = Q()
    for field in fields:
        condition &= Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0})
    return condition


def _percent(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | (Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": 100}))


class RelapseFinding(TranslatableMixin, EditVersioned):
    """One measured outcome after stopping, tapering or restarting a drug."""

    profile = models.ForeignKey(RelapseProfile, on_delete=models.CASCADE, related_name="findings")
    scenario = models.CharField(max_length=30, choices=Scenario.choices)
    measure = models.CharField(_("what was measured"), max_length=20, choices=Measure.choices, default=Measure.RELAPSE)
    regimen_before = models.CharField(
        max_length=200, help_text=_("The regimen before the change, e.g. baricitinib 4 mg once daily.")
    )
    regimen_after = models.CharField(
        max_length=200, blank=True, help_text=_("The regimen after the change, e.g. placebo, 2 mg once daily, none.")
    )
    regimen_before_zh = models.CharField(
        _("regimen before (Chinese)"), max_length=200, blank=True, help_text=_("e.g. 巴瑞替尼 4 mg，每日一次。")
    )
    regimen_after_zh = models.CharField(
        _("regimen after (Chinese)"), max_length=200, blank=True, help_text=_("e.g. 安慰剂；2 mg，每日一次。")
    )
    outcome_definition = models.CharField(
        max_length=300, help_text=_("What counted, e.g. loss of SALT ≤ 20 response (worsening > 20 SALT points).")
    )
    outcome_definition_zh = models.CharField(_("outcome definition (Chinese)"), max_length=300, blank=True)
    timepoint = models.DecimalField(
        _("time point"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Time after the change at which the proportion was measured."),
    )
    timepoint_unit = models.CharField(_("time point unit"), max_length=10, choices=TimeUnit.choices, blank=True)
    timepoint_note = models.CharField(
        max_length=200, blank=True, help_text=_("How the source states the time, e.g. 'study week 152'.")
    )
    timepoint_note_zh = models.CharField(_("time point note (Chinese)"), max_length=200, blank=True)
    proportion = models.DecimalField(
        _("proportion (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
        help_text=_("Percent of patients with the outcome, 0–100. Leave empty if the source gives none."),
    )
    proportion_upper = models.DecimalField(
        _("proportion, upper end (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
        help_text=_("Only where the source gives a range (e.g. 10–11%): the upper end; the proportion is the lower."),
    )
    proportion_is_approximate = models.BooleanField(
        _("approximate"), default=False, help_text=_("Tick when the source says 'about' (shown as ≈).")
    )
    ci_low = models.DecimalField(
        _("95% CI, low (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT_VALIDATORS
    )
    ci_high = models.DecimalField(
        _("95% CI, high (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT_VALIDATORS
    )
    events = models.PositiveIntegerField(_("n (with outcome)"), null=True, blank=True)
    total = models.PositiveIntegerField(_("N (in the group)"), null=True, blank=True)
    relapse_time_median = models.DecimalField(
        _("median time to relapse"), max_digits=6, decimal_places=1, null=True, blank=True, validators=NON_NEGATIVE
    )
    relapse_time_low = models.DecimalField(
        _("time to relapse, from"), max_digits=6, decimal_places=1, null=True, blank=True, validators=NON_NEGATIVE
    )
    relapse_time_high = models.DecimalField(
        _("time to relapse, to"), max_digits=6, decimal_places=1, null=True, blank=True, validators=NON_NEGATIVE
    )
    relapse_time_unit = models.CharField(_("time to relapse unit"), max_length=10, choices=TimeUnit.choices, blank=True)
    follow_up = models.DecimalField(
        _("follow-up"), max_digits=6, decimal_places=1, null=True, blank=True, validators=NON_NEGATIVE
    )
    follow_up_unit = models.CharField(_("follow-up unit"), max_length=10, choices=TimeUnit.choices, blank=True)
    study_design = models.CharField(
        max_length=300, help_text=_("e.g. Phase 3 RCT; responders at week 52 re-randomized 3:1 to continue or placebo.")
    )
    study_design_zh = models.CharField(_("study design (Chinese)"), max_length=300, blank=True)
    evidence_grade = models.PositiveSmallIntegerField(choices=EvidenceGrade.choices)
    population = models.CharField(
        max_length=400, help_text=_("Who was studied, e.g. adults with severe alopecia areata who reached SALT ≤ 20.")
    )
    population_zh = models.CharField(_("population (Chinese)"), max_length=400, blank=True)
    study_name = models.CharField(max_length=100, blank=True, help_text=_("e.g. BRAVE-AA1."))
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        help_text=_("Required before the monograph can be published."),
    )
    note = models.TextField(blank=True, help_text=_("Context a reader needs, e.g. the source's own wording."))
    note_zh = models.TextField(_("note (Chinese)"), blank=True)
    is_headline = models.BooleanField(
        _("headline"), default=False, help_text=_("Show at the top of the condition's section.")
    )
    order = models.PositiveSmallIntegerField(default=0, help_text=_("Position in the table; lower first."))
    reviewed_on = models.DateField(_("last checked against the source"), null=True, blank=True)
    quote = models.TextField(
        _("source text"),
        blank=True,
        help_text=_(
            "The source's sentence or table cell that gives the figure, copied verbatim and in the source's "
            "language (no translation). Leave empty if you could not find it: never paraphrase."
        ),
    )
    quote_location = models.CharField(
        _("where in the source"),
        max_length=200,
        blank=True,
        help_text=_("Where the text stands, e.g. Abstract, Results; Table 2; Figure 3 legend."),
    )
    is_derived = models.BooleanField(
        _("derived by the curator"),
        default=False,
        help_text=_(
            "Tick when you computed the figure yourself, e.g. the percentage from n/N; the source text then "
            "holds the counts."
        ),
    )
    analysis_method = models.CharField(
        _("analysis method"),
        max_length=20,
        choices=AnalysisMethod.choices,
        blank=True,
        help_text=_(
            "How the source computed the proportion, where it says (e.g. last observation carried forward). "
            "Leave empty if the source does not say."
        ),
    )
    # A report may give the percentage but not the group size, which the paper gives: then N keeps its own source
    # and sentence, so every number still traces to the words it came from.
    total_source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="totals",
        verbose_name=_("source of N"),
        help_text=_("Only when N comes from another source than the figure, e.g. the paper behind a news report."),
    )
    total_quote = models.TextField(
        _("source text for N"),
        blank=True,
        help_text=_("That source's sentence giving N, verbatim, e.g. '30 of 115 responders … were rerandomized'."),
    )

    class Meta:
        ordering = ["profile", "order", "id"]
        verbose_name = _("relapse finding")
        verbose_name_plural = _("relapse findings")
        constraints = [
            models.CheckConstraint(
                condition=_percent("proportion")
                & _percent("proportion_upper")
                & _percent("ci_low")
                & _percent("ci_high"),
                name="drugs_relapsefinding_percent_between_0_and_100",
                violation_error_message=_("Percentages must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(proportion_upper__isnull=True)
                | (Q(proportion__isnull=False) & Q(proportion__lte=F("proportion_upper"))),
                name="drugs_relapsefinding_proportion_range_ordered",
                violation_error_message=_("A proportion range needs a lower end not above its upper end."),
            ),
            models.CheckConstraint(
                condition=Q(ci_low__isnull=True, ci_high__isnull=True)
                | (Q(ci_low__isnull=False, ci_high__isnull=False) & Q(ci_low__lte=F("ci_high"))),
                name="drugs_relapsefinding_ci_ordered",
                violation_error_message=_("A confidence interval needs both ends, the low end not above the high end."),
            ),
            models.CheckConstraint(
                condition=Q(ci_low__isnull=True)
                | Q(proportion__isnull=True)
                | (Q(ci_low__lte=F("proportion")) & Q(ci_high__gte=F("proportion"))),
                name="drugs_relapsefinding_ci_contains_proportion",
                violation_error_message=_("The confidence interval must contain the proportion."),
            ),
            models.CheckConstraint(
                condition=Q(events__isnull=True) | Q(total__isnull=False),
                name="drugs_relapsefinding_events_need_total",
                violation_error_message=_("n (with outcome) needs N (in the group)."),
            ),
            models.CheckConstraint(
                condition=_paired("events", "total"),
                name="drugs_relapsefinding_events_not_above_total",
                violation_error_message=_("n (with outcome) cannot be larger than N (in the group)."),
            ),
            models.CheckConstraint(
                condition=_paired("relapse_time_low", "relapse_time_high"),
                name="drugs_relapsefinding_relapse_time_range_ordered",
                violation_error_message=_("The time-to-relapse range needs its 'from' not after its 'to'."),
            ),
            models.CheckConstraint(
                condition=_paired("relapse_time_low", "relapse_time_median")
                & _paired("relapse_time_median", "relapse_time_high"),
                name="drugs_relapsefinding_relapse_time_median_in_range",
                violation_error_message=_("The median time to relapse must lie within its range."),
            ),
            models.CheckConstraint(
                condition=_not_negative(
                    "timepoint", "relapse_time_median", "relapse_time_low", "relapse_time_high", "follow_up"
                ),
                name="drugs_relapsefinding_times_not_negative",
                violation_error_message=_("Times cannot be negative."),
            ),
            models.CheckConstraint(
                condition=_has_unit(
                    "relapse_time_unit", "relapse_time_median", "relapse_time_low", "relapse_time_high"
                ),
                name="drugs_relapsefinding_relapse_time_has_unit",
                violation_error_message=_("A time to relapse needs a unit (days, weeks, months or years)."),
            ),
            models.CheckConstraint(
                condition=_has_unit("timepoint_unit", "timepoint"),
                name="drugs_relapsefinding_timepoint_has_unit",
                violation_error_message=_("A time point needs a unit (days, weeks, months or years)."),
            ),
            models.CheckConstraint(
                condition=_has_unit("follow_up_unit", "follow_up"),
                name="drugs_relapsefinding_follow_up_has_unit",
                violation_error_message=_("A follow-up length needs a unit (days, weeks, months or years)."),
            ),
            models.CheckConstraint(
                condition=Q(evidence_grade__gte=1) & Q(evidence_grade__lte=5),
                name="drugs_relapsefinding_evidence_grade_known",
                violation_error_message=_("Choose an evidence grade from the list."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile}: {self.arm} — {self.get_measure_display()}{self._at()}"

    def _at(self) -> str:
        return f" at {self.timepoint_display}" if self.timepoint_display else ""

    def clean(self):
        """The database constraints again, each message on the field a curator must fix."""
        super().clean()
        errors: dict[str, str] = {}
        if (self.total_source_id is None) != (not self.total_quote.strip()):
            field = "total_quote" if self.total_source_id else "total_source"
            errors[field] = _("N from another source needs both that source and its sentence giving N.")
        elif self.total_source_id and self.total is None:
            errors["total"] = _("Enter N as that source gives it, or clear its source and sentence.")
        if self.proportion_upper is not None:
            if self.proportion is None:
                errors["proportion"] = _("Enter the lower end of the range here, or clear the upper end.")
            elif self.proportion > self.proportion_upper:
                errors["proportion_upper"] = _("The upper end must not be below the proportion (the lower end).")
        if (self.ci_low is None) != (self.ci_high is None):
            errors["ci_high" if self.ci_high is None else "ci_low"] = _(
                "Enter both ends of the confidence interval, or neither."
            )
        elif self.ci_low is not None and self.ci_low > self.ci_high:
            errors["ci_low"] = _("The low end of the confidence interval must not be above the high end.")
        elif (
            self.ci_low is not None
            and self.proportion is not None
            and not (self.ci_low <= self.proportion <= self.ci_high)
        ):
            errors["proportion"] = _("The proportion must lie within its confidence interval.")
        if self.events is not None and self.total is None:
            errors["total"] = _("Enter N (in the group) as well, or clear n.")
        elif self.events is not None and self.events > self.total:
            errors["events"] = _("n (with outcome) cannot be larger than N (in the group).")
        if (
            self.relapse_time_low is not None
            and self.relapse_time_high is not None
            and self.relapse_time_low > self.relapse_time_high
        ):
            errors["relapse_time_low"] = _("The 'from' end of the time to relapse must not be after its 'to' end.")
        elif self.relapse_time_median is not None and not (
            (self.relapse_time_low is None or self.relapse_time_low <= self.relapse_time_median)
            and (self.relapse_time_high is None or self.relapse_time_median <= self.relapse_time_high)
        ):
            errors["relapse_time_median"] = _("The median time to relapse must lie within its range.")
        unit_rules = [
            ("relapse_time_unit", (self.relapse_time_median, self.relapse_time_low, self.relapse_time_high)),
            ("timepoint_unit", (self.timepoint,)),
            ("follow_up_unit", (self.follow_up,)),
        ]
        for unit_field, values in unit_rules:
            if not getattr(self, unit_field) and any(v is not None for v in values):
                errors[unit_field] = _("Choose a unit (days, weeks, months or years) for this time.")
        if errors:
            raise ValidationError(errors)

    # What the page shows; None means the source does not report it ("not reported").

    @property
    def arm(self) -> str:
        return f"{self.regimen_before} → {self.regimen_after}" if self.regimen_after else self.regimen_before

    @property
    def arm_local(self):
        """The arm in the reader's language (the English, marked, where a regimen has no Chinese twin)."""
        before, after = self.tr.regimen_before, self.tr.regimen_after
        if before.is_fallback or (after and after.is_fallback):
            return LocalText(self.arm, is_fallback=True)
        return LocalText(f"{before} → {after}" if after else str(before))

    @property
    def proportion_display(self) -> str | None:
        return formatting.percent(self.proportion, self.proportion_upper, approximate=self.proportion_is_approximate)

    @property
    def ci_display(self) -> str | None:
        interval = formatting.confidence_interval(self.ci_low, self.ci_high)
        label = gettext("95% CI")
        return f"{label} {interval}" if interval else None

    @property
    def count_display(self) -> str | None:
        return formatting.count(self.events, self.total)

    @property
    def timepoint_display(self) -> str | None:
        return formatting.duration(self.timepoint, self.get_timepoint_unit_display())

    @property
    def relapse_time_display(self) -> str | None:
        unit = self.get_relapse_time_unit_display()
        spread = formatting.duration(self.relapse_time_low, unit, self.relapse_time_high)
        if self.relapse_time_median is None:
            return spread
        median = gettext("median %(time)s") % {"time": formatting.duration(self.relapse_time_median, unit)}
        return gettext("%(median)s (range %(range)s)") % {"median": median, "range": spread} if spread else median

    @property
    def follow_up_display(self) -> str | None:
        return formatting.duration(self.follow_up, self.get_follow_up_unit_display())
