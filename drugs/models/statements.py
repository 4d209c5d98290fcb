"""What the label and guidelines say, and what relapse depends on: sourced statements beside the findings.

Both belong to one drug's profile for one condition, so they are drafted, reviewed, published, restored
and exported with the monograph, like its findings. A guideline speaks about a condition rather than one
drug; it is quoted in each drug's section where it applies (the condition page shows it once).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from drugs.localization import TranslatableMixin, reading_chinese
from drugs.models.editing import EditVersioned
from drugs.models.evidence import RelapseProfile, Source, check_review_dates


class StatementKind(models.TextChoices):
    LABEL = "label", _("Regulatory label")
    GUIDELINE = "guideline", _("Clinical practice guideline")


class StatementTopic(models.TextChoices):
    """Listed in the order a clinician asks: the dose, then lowering it, stopping it, pausing it."""

    DOSE = "dose", _("Recommended dose")
    DOSE_REDUCTION = "dose_reduction", _("Dose reduction")
    STOPPING = "stopping", _("Stopping")
    INTERRUPTION = "interruption", _("Temporary interruption")


TOPIC_ORDER = {topic: position for position, topic in enumerate(StatementTopic.values)}
GUIDELINE_NEEDS_STRENGTH = _(
    "Write the strength of recommendation as the guideline gives it (or 'not graded' if it gives none)."
)


class Statement(TranslatableMixin, EditVersioned):
    """One statement of a regulatory label or a guideline, quoted word for word."""

    profile = models.ForeignKey(RelapseProfile, on_delete=models.CASCADE, related_name="statements")
    kind = models.CharField(max_length=20, choices=StatementKind.choices)
    issuer = models.CharField(
        max_length=100,
        help_text=_("Who says it, as clinicians name them: FDA, EMA, NMPA; ACR 2021, EULAR 2022 update."),
    )
    topic = models.CharField(max_length=20, choices=StatementTopic.choices)
    quote = models.TextField(
        _("statement, verbatim"),
        help_text=_("Copied word for word from the label or guideline, in its own language: never paraphrase."),
    )
    quote_zh = models.TextField(
        _("statement (Chinese translation)"),
        blank=True,
        help_text=_("Chinese readers see this translation with the original beside it."),
    )
    strength = models.CharField(
        _("strength of recommendation"),
        max_length=300,
        blank=True,
        help_text=_("Guidelines only: strength and certainty as the guideline states them, e.g. conditional; low."),
    )
    strength_zh = models.CharField(_("strength of recommendation (Chinese)"), max_length=300, blank=True)
    location = models.CharField(
        _("where in the source"),
        max_length=200,
        help_text=_("Section or recommendation number, e.g. 2.3 Recommended Dosage; recommendation 12."),
    )
    location_zh = models.CharField(_("where in the source (Chinese)"), max_length=200, blank=True)
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="statements",
        help_text=_("The label or guideline, with its date (e.g. 'Revised 6/2022' in its citation) and link."),
    )
    label_revised_on = models.DateField(
        _("label revised"),
        null=True,
        blank=True,
        help_text=_("For a label: the revision date the label itself gives (labels change; JAK inhibitor labels did)."),
    )
    evidence_searched_to = models.DateField(
        _("evidence searched up to"),
        null=True,
        blank=True,
        help_text=_("The date the label or guideline was last read for changes."),
    )
    review_due = models.DateField(
        _("review due"), null=True, blank=True, help_text=_("When to read the label or guideline again.")
    )

    class Meta:
        ordering = ["profile", "kind", "issuer", "id"]
        verbose_name = _("label or guideline statement")
        verbose_name_plural = _("label and guideline statements")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=StatementKind.GUIDELINE) | ~Q(strength=""),
                name="drugs_statement_guideline_has_strength",
                violation_error_message=GUIDELINE_NEEDS_STRENGTH,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer}: {self.get_topic_display()}"

    def clean(self):
        super().clean()
        check_review_dates(self)
        if self.kind == StatementKind.GUIDELINE and not self.strength.strip():
            raise ValidationError({"strength": GUIDELINE_NEEDS_STRENGTH})

    @property
    def sort_key(self) -> tuple:
        return (self.issuer, TOPIC_ORDER.get(self.topic, len(TOPIC_ORDER)), self.pk or 0)

    @property
    def is_label(self) -> bool:
        return self.kind == StatementKind.LABEL

    @property
    def heading(self) -> str:
        """'EMA · Dose reduction': who says it, about what (in the reader's language)."""
        return f"{self.issuer} · {self.get_topic_display()}"

    @property
    def quote_original(self) -> str:
        """The verbatim words, shown beside a translation (empty when the reader reads them as they are)."""
        return self.quote if reading_chinese() and self.quote_zh else ""


def guideline_statements_for(condition) -> list[Statement]:
    """What guidelines say about a condition, as quoted in its published drugs' profiles, each once (a guideline
    speaks about the condition, not one drug); one query, whichever page of drugs is shown. Copies that differ in
    anything readers see (strength, translation, place) are all kept."""
    statements = Statement.objects.filter(
        kind=StatementKind.GUIDELINE, profile__condition=condition, profile__drug__public_copy_of__isnull=False
    ).select_related("source")
    seen = {}
    for statement in statements.order_by("pk"):
        shown = (statement.source_id, statement.topic, statement.quote, statement.quote_zh, statement.strength)
        seen.setdefault((*shown, statement.strength_zh, statement.location, statement.location_zh), statement)
    return sorted(seen.values(), key=lambda statement: statement.sort_key)


class FactorSupport(models.TextChoices):
    STUDY = "study", _("Reported by a study")
    STATEMENT = "statement", _("Manufacturer's or secondary statement")
    EXPERT_OPINION = "expert_opinion", _("Expert opinion (the editors')")


FACTOR_NEEDS_SOURCE = _("Choose the study or statement this factor comes from.")
FACTOR_NEEDS_QUOTE = _("Copy the source's sentence that supports this factor, word for word.")
QUOTE_NEEDS_SOURCE = _(
    "Choose the source these words come from, or clear them: a quote readers cannot trace is not shown."
)


class RelapseFactor(TranslatableMixin, EditVersioned):
    """One thing the risk of relapse depends on, with what supports it."""

    profile = models.ForeignKey(RelapseProfile, on_delete=models.CASCADE, related_name="factors")
    # Text fields, as the one-per-line text they replace: a factor carried over from it is never cut short.
    text = models.TextField(_("factor"), help_text=_("e.g. Sustained response before the dose was lowered."))
    text_zh = models.TextField(_("factor (Chinese)"), blank=True)
    support = models.CharField(
        _("supported by"),
        max_length=20,
        choices=FactorSupport.choices,
        blank=True,
        help_text=_("Required before publication: a study's finding, a statement, or the editors' opinion."),
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="factors",
        help_text=_("The study or statement (optional for expert opinion)."),
    )
    quote = models.TextField(
        _("source text"), blank=True, help_text=_("The source's sentence that supports the factor, verbatim.")
    )
    limitation = models.TextField(
        blank=True,
        help_text=_("What limits it, e.g. seen in 8 patients only; not tested beyond 52 weeks of treatment."),
    )
    limitation_zh = models.TextField(_("limitation (Chinese)"), blank=True)
    order = models.PositiveSmallIntegerField(default=0, help_text=_("Position in the list; lower first."))

    class Meta:
        ordering = ["profile", "order", "id"]
        verbose_name = _("factor relapse depends on")
        verbose_name_plural = _("factors relapse depends on")

    def __str__(self) -> str:
        return self.text

    def clean(self):
        super().clean()
        errors = {}
        if self.support in (FactorSupport.STUDY, FactorSupport.STATEMENT):
            if self.source_id is None:
                errors["source"] = FACTOR_NEEDS_SOURCE
            if not self.quote.strip():
                errors["quote"] = FACTOR_NEEDS_QUOTE
        elif self.quote.strip() and self.source_id is None:
            errors["source"] = QUOTE_NEEDS_SOURCE
        if errors:
            raise ValidationError(errors)

    @property
    def is_cited(self) -> bool:
        """What publication needs: a kind of support, and for a study or statement its source and words."""
        if self.support == FactorSupport.EXPERT_OPINION:
            return True
        return bool(self.support and self.source_id and self.quote.strip())
