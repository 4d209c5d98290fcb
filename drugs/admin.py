"""The curator's workspace: every model, laid out the way a curator works."""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from drugs import services
from drugs.models import (
    Acknowledgment,
    Condition,
    Disclaimer,
    Drug,
    RegulatoryApproval,
    RelapseFinding,
    RelapseProfile,
    Source,
)

FINDING_FIELDSETS = [
    (
        _("What was measured"),
        {
            "fields": [
                "study_name",
                ("scenario", "measure"),
                ("regimen_before", "regimen_after"),
                "outcome_definition",
                ("timepoint", "timepoint_unit", "timepoint_note"),
            ]
        },
    ),
    (
        _("Figures (leave empty what the source does not give: the page says 'not established')"),
        {
            "fields": [
                ("proportion", "proportion_upper", "proportion_is_approximate"),
                ("ci_low", "ci_high"),
                ("events", "total"),
                ("relapse_time_median", "relapse_time_low", "relapse_time_high", "relapse_time_unit"),
                ("follow_up", "follow_up_unit"),
            ]
        },
    ),
    (
        _("Evidence"),
        {"fields": ["study_design", "evidence_grade", "population", "source", "reviewed_on", "note"]},
    ),
    (_("Display"), {"fields": [("is_headline", "order")]}),
]


class RegulatoryApprovalInline(admin.TabularInline):
    model = RegulatoryApproval
    extra = 0
    autocomplete_fields = ["condition", "source"]


class RelapseProfileInline(admin.TabularInline):
    model = RelapseProfile
    extra = 0
    fields = ["condition", "risk", "risk_qualifier", "last_reviewed"]
    autocomplete_fields = ["condition"]
    show_change_link = True


@admin.register(Drug)
class DrugAdmin(admin.ModelAdmin):
    list_display = ["name", "brand_names", "drug_class", "status", "updated"]
    list_filter = ["status", "drug_class"]
    search_fields = ["name", "brand_names", "atc_code"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "brand_names", "drug_class", "manufacturer", "status"]}),
        (_("For the clinician"), {"fields": ["summary", "mechanism"]}),
        (_("Codes"), {"fields": ["atc_code", "rxnorm_cui"]}),
    ]
    inlines = [RelapseProfileInline, RegulatoryApprovalInline]


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["name", "synonyms", "icd10_code", "snomed_code"]
    list_filter = ["relapse_profiles__drug"]
    search_fields = ["name", "synonyms", "icd10_code"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "kind", "publication_year", "doi", "pmid"]
    list_filter = ["kind", "publisher"]
    search_fields = ["title", "authors", "publisher", "doi", "pmid", "url"]
    # A pasted address without a scheme is taken as https, never http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "authors", "publisher", "citation", "kind", "publication_year"]}),
        (_("Where to find it (at least one)"), {"fields": ["url", "doi", "pmid", "accessed_on"]}),
    ]


class RelapseFindingInline(admin.StackedInline):
    model = RelapseFinding
    extra = 0
    fieldsets = FINDING_FIELDSETS
    autocomplete_fields = ["source"]


@admin.register(RelapseProfile)
class RelapseProfileAdmin(admin.ModelAdmin):
    list_display = ["drug", "condition", "risk", "finding_count", "last_reviewed"]
    list_filter = ["risk", "condition", "drug__status"]
    search_fields = ["drug__name", "drug__brand_names", "condition__name"]
    autocomplete_fields = ["drug", "condition"]
    fields = ["drug", "condition", "risk", "risk_qualifier", "factors", "guidance", "not_established", "last_reviewed"]
    inlines = [RelapseFindingInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("drug", "condition").annotate(finding_total=Count("findings"))
        )

    @admin.display(description=_("findings"), ordering="finding_total")
    def finding_count(self, profile):
        return profile.finding_total


@admin.register(RelapseFinding)
class RelapseFindingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "proportion", "total", "evidence_grade", "source"]
    list_filter = ["scenario", "measure", "evidence_grade", "profile__condition"]
    search_fields = ["study_name", "regimen_before", "regimen_after", "outcome_definition", "profile__drug__name"]
    autocomplete_fields = ["profile", "source"]
    list_select_related = ["profile__drug", "profile__condition", "source"]
    fieldsets = [(None, {"fields": ["profile"]}), *FINDING_FIELDSETS]


@admin.register(RegulatoryApproval)
class RegulatoryApprovalAdmin(admin.ModelAdmin):
    list_display = ["drug", "agency", "when", "indication"]
    list_filter = ["agency"]
    search_fields = ["drug__name", "indication"]
    autocomplete_fields = ["drug", "condition", "source"]


@admin.register(Disclaimer)
class DisclaimerAdmin(admin.ModelAdmin):
    list_display = ["version", "effective_from", "is_current", "created"]
    list_filter = ["is_current"]
    search_fields = ["text", "text_original"]
    actions = ["make_current"]

    def get_readonly_fields(self, request, obj=None):
        # Visitors acknowledge a version: once it has been shown, its wording is fixed (write a new version).
        if obj is not None and (obj.is_current or obj.acknowledgments.exists()):
            return ["version", "text", "text_original", "effective_from", "is_current"]
        return ["is_current"]

    @admin.action(description=_("Make the selected version current (every visitor acknowledges again)"))
    def make_current(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one version to make current."), messages.ERROR)
            return
        disclaimer = services.disclaimer_make_current(disclaimer=queryset.get())
        self.message_user(request, _("%(disclaimer)s is now current.") % {"disclaimer": disclaimer}, messages.SUCCESS)


@admin.register(Acknowledgment)
class AcknowledgmentAdmin(admin.ModelAdmin):
    """A read-only audit trail for compliance: when, which version, stated role."""

    list_display = ["created", "disclaimer", "role"]
    list_filter = ["role", "disclaimer"]
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
