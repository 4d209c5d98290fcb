"""Drugs and the conditions they treat."""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from drugs import validators
from drugs.localization import LocalText, TranslatableMixin, reading_chinese
from drugs.models.editing import EditVersioned


def cited_sources(row: models.Model) -> list:
    """The sources a monograph row points at, through any of its fields (a finding's source and its source of N),
    read from the row's loaded relations."""
    return [
        getattr(row, field.name)
        for field in row._meta.concrete_fields
        if field.is_relation and field.related_model._meta.label == "drugs.Source" and getattr(row, field.attname)
    ]


def split_list(text: str, separator: str = ",") -> list[str]:
    return [item.strip() for item in text.split(separator) if item.strip()]


class MonographStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DrugQuerySet(models.QuerySet):
    """Each monograph has a working copy (what curators edit) and, once published, a public copy.

    Publishing replaces the public copy with a copy of the reviewed working copy, so edits never
    reach the public before a reviewer publishes them.
    """

    def working(self):
        return self.filter(public_copy_of__isnull=True)

    def published(self):
        return self.filter(public_copy_of__isnull=False)

    def with_content(self, *, profiles_by: str = "condition__name"):
        """A monograph's rows, one query per kind however many drugs: profiles with their conditions,
        their findings (in table order), factors and label or guideline statements with sources, approvals
        with conditions and sources.

        The one prefetch the monograph page, the FHIR export, the data export and the review diff share.
        """
        from drugs.models.evidence import RelapseFinding, RelapseProfile
        from drugs.models.statements import RelapseFactor, Statement

        # Explicit orders: the models' default orderings would join drug and condition again.
        findings = RelapseFinding.objects.select_related("source", "total_source").order_by("order", "id")
        factors = RelapseFactor.objects.select_related("source").order_by("order", "id")
        statements = Statement.objects.select_related("source").order_by("kind", "issuer", "id")
        profiles = (
            RelapseProfile.objects.select_related("condition")
            .order_by(profiles_by, "id")
            .prefetch_related(
                Prefetch("findings", queryset=findings),
                Prefetch("factors", queryset=factors),
                Prefetch("statements", queryset=statements),
            )
        )
        approvals = RegulatoryApproval.objects.select_related("condition", "source").order_by(
            "year", "month", "agency", "id"
        )
        return self.select_related("atc_source", "brand_names_zh_source").prefetch_related(
            Prefetch("relapse_profiles", queryset=profiles), Prefetch("approvals", queryset=approvals)
        )

    def for_monograph(self, *, preview: bool = False):
        """Everything the monograph page shows, in a fixed number of queries.

        The change log belongs to the working copy: a public copy reaches it through public_copy_of.
        """
        from drugs.models.review import MonographEvent

        publications = MonographEvent.objects.filter(action=MonographEvent.Action.PUBLISHED)
        return (
            self.with_content()
            .select_related("public_copy_of")
            .prefetch_related(
                Prefetch(
                    "events" if preview else "public_copy_of__events", queryset=publications, to_attr="publications"
                ),
            )
        )

    def awaiting_review(self):
        """Working copies in review, longest waiting first, each with who submitted it and when
        (submitted_by, submitted_at: the latest submission, one subquery each, whatever the queue's length)."""
        from drugs.models.review import MonographEvent

        submissions = MonographEvent.objects.filter(
            drug=OuterRef("pk"), action=MonographEvent.Action.SUBMITTED
        ).order_by("-at", "-id")
        return (
            self.working()
            .filter(status=MonographStatus.IN_REVIEW)
            .annotate(
                submitted_at=Subquery(submissions.values("at")[:1]),
                submitted_by=Subquery(submissions.values("user__username")[:1]),
            )
            .order_by(F("submitted_at").asc(nulls_first=True), "pk")
        )

    def drafts_of(self, user):
        """Drafts this user changed since the last publication, latest change first."""
        return (
            self.working()
            .filter(status=MonographStatus.DRAFT)
            .filter(Q(last_edited_by=user) | Q(editors_since_review=user))
            .distinct()
            .order_by(F("last_edited_at").desc(nulls_last=True), "pk")
        )

    def in_catalogue_order(self):
        """Alphabetical whatever the case ("TNF inhibitors (any)" among the lower-case INNs), as lists and search
        results show drugs (pk breaks ties the same way everywhere)."""
        return self.order_by(Lower("name"), "pk")


DUPLICATE_NAME = _("A drug with this name already exists: edit that one.")


class EntryKind(models.TextChoices):
    """What a catalogue entry is about. A trial that let patients stop "any TNF inhibitor" or taper "any DMARD"
    is evidence about a class or a strategy, never pinned on one of its drugs: it is an entry of its own, with
    the same profiles, findings, review and history as a drug, shown apart from single drugs."""

    DRUG = "drug", _("one drug")
    CLASS = "class", _("a drug class")
    STRATEGY = "strategy", _("a treatment strategy")


class Drug(TranslatableMixin, EditVersioned):
    entry_kind = models.CharField(
        _("catalogue entry"),
        max_length=10,
        choices=EntryKind.choices,
        default=EntryKind.DRUG,
        help_text=_(
            "A class (e.g. TNF inhibitors, any of them) or a strategy (e.g. tapering any DMARD) when the trials "
            "let patients stop any drug of it: the condition page shows it apart from single drugs."
        ),
    )
    name = models.CharField(
        _("international nonproprietary name"),
        max_length=120,
        help_text=_("The generic name (INN), lower case as in prose, e.g. baricitinib."),
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True, help_text=_("e.g. 巴瑞替尼."))
    slug = models.SlugField(
        max_length=120, help_text=_("Part of the page address, e.g. baricitinib. Filled in from the name.")
    )
    brand_names = models.CharField(
        max_length=300, blank=True, help_text=_("Brand names, separated by commas, e.g. Olumiant.")
    )
    brand_names_zh = models.CharField(
        _("brand names (Chinese)"),
        max_length=300,
        blank=True,
        help_text=_(
            "Chinese brand names as registered in China, separated by commas; leave empty unless checked "
            "against a source. Search finds them."
        ),
    )
    drug_class = models.CharField(
        _("drug class"), max_length=200, blank=True, help_text=_("e.g. Janus kinase (JAK1/JAK2) inhibitor.")
    )
    drug_class_zh = models.CharField(_("drug class (Chinese)"), max_length=200, blank=True)
    mechanism = models.TextField(_("mechanism of action"), blank=True)
    mechanism_zh = models.TextField(_("mechanism of action (Chinese)"), blank=True)
    summary = models.TextField(blank=True, help_text=_("One paragraph a clinician reads first."))
    summary_zh = models.TextField(_("summary (Chinese)"), blank=True)
    manufacturer = models.CharField(
        max_length=200, blank=True, help_text=_("The originator manufacturer, e.g. Eli Lilly and Company.")
    )
    manufacturer_zh = models.CharField(
        _("manufacturer (Chinese)"), max_length=200, blank=True, help_text=_("e.g. 礼来公司.")
    )
    atc_code = models.CharField(
        _("ATC code"), max_length=7, blank=True, validators=[validators.atc_code], help_text=_("e.g. L04AF02.")
    )
    atc_source = models.ForeignKey(
        "drugs.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="atc_code_of",
        verbose_name=_("source of the ATC code"),
        help_text=_("Where the ATC code was read (the WHO ATC/DDD index, an SmPC's section 5.1); readers see it."),
    )
    brand_names_zh_source = models.ForeignKey(
        "drugs.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chinese_brand_names_of",
        verbose_name=_("source of the Chinese brand names"),
        help_text=_("Where the Chinese brand names were read (an NMPA notice, a Chinese label); readers see it."),
    )
    rxnorm_cui = models.CharField(
        _("RxNorm CUI"),
        max_length=9,
        blank=True,
        validators=[validators.rxnorm_cui],
        help_text=_("Leave empty unless checked against RxNorm."),
    )
    status = models.CharField(
        max_length=20,
        choices=MonographStatus.choices,
        default=MonographStatus.DRAFT,
        editable=False,
        help_text=_("Changed through the review workflow, never by hand."),
    )
    public_copy_of = models.OneToOneField(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="public_copy",
        help_text=_("Set on the copy the public reads; empty on the working copy curators edit."),
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    last_edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    editors_since_review = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        editable=False,
        related_name="+",
        help_text=_("Everyone who changed the content since it was last published: none of them may publish it."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("last reviewed by"),
    )
    reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = DrugQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("drug")
        verbose_name_plural = _("drugs")
        permissions = [
            ("submit_monograph", _("Can submit a monograph for review")),
            ("publish_monograph", _("Can publish and withdraw monographs")),
        ]
        constraints = [
            # Working and public copies share a name and slug; within each kind they are unique.
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(public_copy_of__isnull=True),
                name="drugs_drug_unique_slug",
                violation_error_message=_("Another drug already uses this slug: choose another."),
            ),
            # Case-blind: "Tofacitinib" beside "tofacitinib" would be two monographs of one drug.
            models.UniqueConstraint(
                Lower("name"),
                condition=Q(public_copy_of__isnull=True),
                name="drugs_drug_unique_name_ci",
                violation_error_message=DUPLICATE_NAME,
            ),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(public_copy_of__isnull=False),
                name="drugs_drug_unique_public_slug",
                violation_error_message=_("Two published drugs cannot share a slug."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("drugs:drug_detail", kwargs={"slug": self.slug})

    def clean(self):
        """The case-blind name rule again, on the name field: a constraint on an expression can only
        report a form-wide error."""
        super().clean()
        if self.public_copy_of_id is None and self.name:
            same_name = (
                Drug.objects.working()
                .alias(lower_name=Lower("name"))
                .filter(lower_name=Lower(Value(self.name)))
                .exclude(pk=self.pk)
            )
            if same_name.exists():
                raise ValidationError({"name": DUPLICATE_NAME}, code="unique")

    @property
    def relapse_profiles_with_findings(self):
        """The profiles, named by their conditions, with their rows: a query per kind of row, not per profile.
        The history of a whole monograph (django-reversion) follows this."""
        return self.relapse_profiles.select_related("condition").prefetch_related("findings", "statements", "factors")

    @property
    def display_name(self) -> str:
        """Baricitinib, capitalised for headings (the INN stays lower case in data)."""
        return self.name[:1].upper() + self.name[1:]

    @property
    def brand_list(self) -> list[str]:
        return split_list(self.brand_names)

    @property
    def title(self) -> str:
        """The heading name: the Chinese name on a Chinese page (where curated), else the INN."""
        return self.name_zh if reading_chinese() and self.name_zh else self.display_name

    @property
    def subtitle(self) -> str:
        """What follows the heading in brackets: the INN when the heading is Chinese, and the brands (a Chinese
        reader sees the Chinese brand names first, where curated)."""
        names = [self.display_name] if self.title != self.display_name else []
        chinese_brands = split_list(self.brand_names_zh) if reading_chinese() else []
        return "; ".join(names + chinese_brands + self.brand_list)

    @property
    def is_single_drug(self) -> bool:
        return self.entry_kind == EntryKind.DRUG

    @property
    def status_is_published(self) -> bool:
        """The working copy's review status says published (readers see Drug.objects.published(): public copies)."""
        return self.status == MonographStatus.PUBLISHED

    @property
    def is_public_copy(self) -> bool:
        return self.public_copy_of_id is not None

    @property
    def working_copy(self) -> "Drug":
        return self.public_copy_of or self

    @property
    def change_log(self) -> list:
        """Published 'what changed' notes, newest first (prefetched by for_monograph)."""
        return getattr(self.working_copy, "publications", [])

    @property
    def sources(self) -> list:
        """Every source cited by the monograph, numbered in order of first citation."""
        seen: dict[int, object] = {}
        rows = [row for profile in self.relapse_profiles.all() for row in profile.rows]
        for row in [*rows, *self.approvals.all()]:
            for source in cited_sources(row):
                seen.setdefault(source.pk, source)
        return list(seen.values())


# A closing bracketed qualifier of the curated class, in either script: "Tumor necrosis factor (TNF) blocker
# (TNF receptor–Fc fusion protein)" browses with the other TNF blockers, its qualifier shown beside the drug.
_CLASS_QUALIFIER = re.compile(r"^(?P<name>.*\S)\s*(?P<qualifier>[(（][^()（）]+[)）])$")


@dataclass
class ClassGroup:
    """Drugs that share a curated class (its text, case aside, without a closing qualifier in brackets).

    Groups are only as alike as curators write them: no class is named in code, so "Interleukin-23 blocker" and
    "Interleukin-23 antagonist" stay two groups until the texts agree."""

    name: LocalText
    entries: list = field(default_factory=list)  # (drug, its own qualifier in its brackets, or "")


def class_and_qualifier(text: LocalText) -> tuple[LocalText, str]:
    match = _CLASS_QUALIFIER.match(str(text))
    if not match:
        return text, ""
    return LocalText(match["name"], is_fallback=text.is_fallback), match["qualifier"]


def by_class(drugs) -> tuple[list[ClassGroup], list]:
    """Single drugs grouped by their class in the reader's language (groups alphabetical, drugs in the order
    given), and apart from them the class and strategy entries; a drug with no class is grouped under an empty
    name, listed last."""
    groups: dict[str, ClassGroup] = {}
    beyond_one_drug = []
    for drug in drugs:
        if not drug.is_single_drug:
            beyond_one_drug.append(drug)
            continue
        name, qualifier = class_and_qualifier(drug.tr.drug_class)
        groups.setdefault(name.casefold(), ClassGroup(name)).entries.append((drug, qualifier))
    return sorted(groups.values(), key=lambda group: (not group.name, group.name.casefold())), beyond_one_drug


class ConditionQuerySet(models.QuerySet):
    def with_published_drugs(self):
        # EXISTS, not a join with DISTINCT: it stops at the first published drug instead of visiting them all.
        from drugs.models.evidence import RelapseProfile

        published = RelapseProfile.objects.filter(condition=OuterRef("pk"), drug__public_copy_of__isnull=False)
        return self.filter(Exists(published))


class Condition(TranslatableMixin, EditVersioned):
    name = models.CharField(
        max_length=200, unique=True, help_text=_("The condition's usual name, e.g. Alopecia areata.")
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True, help_text=_("e.g. 斑秃."))
    slug = models.SlugField(
        max_length=200, unique=True, help_text=_("Part of the page address. Filled in from the name.")
    )
    synonyms = models.CharField(
        max_length=500, blank=True, help_text=_("Other names and abbreviations, separated by commas, e.g. AA.")
    )
    synonyms_zh = models.CharField(_("synonyms (Chinese)"), max_length=500, blank=True)
    icd10_code = models.CharField(
        _("ICD-10 code"), max_length=8, blank=True, validators=[validators.icd10_code], help_text=_("e.g. L63.9.")
    )
    snomed_code = models.CharField(
        _("SNOMED CT code"),
        max_length=18,
        blank=True,
        validators=[validators.snomed_code],
        help_text=_("e.g. 68225006."),
    )
    description = models.TextField(blank=True, help_text=_("A sentence or two for the condition page."))

    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    objects = ConditionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("drugs:condition_detail", kwargs={"slug": self.slug})

    @property
    def synonym_list(self) -> list[str]:
        return split_list(self.synonyms)


class Agency(models.TextChoices):
    FDA = "FDA", _("US Food and Drug Administration (FDA)")
    EMA = "EMA", _("European Medicines Agency (EMA)")
    PMDA = "PMDA", _("Japan PMDA / MHLW")
    NMPA = "NMPA", _("China NMPA")
    MHRA = "MHRA", _("UK MHRA")
    OTHER = "other", _("Other agency")


class RegulatoryApproval(TranslatableMixin, EditVersioned):
    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="approvals")
    agency = models.CharField(max_length=10, choices=Agency.choices)
    indication = models.CharField(
        max_length=300, help_text=_("What it was approved for, e.g. adults with severe alopecia areata.")
    )
    indication_zh = models.CharField(_("indication (Chinese)"), max_length=300, blank=True)
    condition = models.ForeignKey(
        Condition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approvals",
        help_text=_("The condition, where the indication is one of ours."),
    )
    year = models.PositiveSmallIntegerField(help_text=_("Year of approval, e.g. 2022."))
    month = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Month (1–12), where known."))
    note = models.CharField(max_length=300, blank=True, help_text=_("e.g. NDA 207924; boxed warning updated 05/2022."))
    note_zh = models.CharField(_("note (Chinese)"), max_length=300, blank=True)
    source = models.ForeignKey(
        "drugs.Source", on_delete=models.PROTECT, null=True, blank=True, related_name="approvals"
    )

    class Meta:
        ordering = ["drug", "year", "month", "agency"]
        verbose_name = _("regulatory approval")
        verbose_name_plural = _("regulatory approvals")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1900) & Q(year__lte=2100),
                name="drugs_regulatoryapproval_year_plausible",
                violation_error_message=_("Year must be between 1900 and 2100."),
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | (Q(month__gte=1) & Q(month__lte=12)),
                name="drugs_regulatoryapproval_month_in_year",
                violation_error_message=_("Month must be between 1 and 12."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.when}: {self.indication}"

    @property
    def when(self) -> str:
        return f"{self.month:02d}/{self.year}" if self.month else str(self.year)
