"""The curator's workspace: every model, laid out the way a curator works.

Curators see and edit working copies only; any saved change sends the monograph back to draft,
and only the review workflow (the "Review and publish" page of a drug) reaches the public.
"""

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from reversion.admin import VersionAdmin
from reversion.models import Version

from drugs import services, workflow
from drugs.models import (
    Acknowledgment,
    Condition,
    Disclaimer,
    Drug,
    MonographEvent,
    MonographStatus,
    RegulatoryApproval,
    RelapseFinding,
    RelapseProfile,
    Source,
)

# History: a drug's version holds its profiles and approvals, a profile's holds its findings, so
# restoring a version brings a monograph's rows back together. (Registered before the admin classes,
# which would otherwise register the inline models without their children.)
reversion.register(RelapseFinding)
reversion.register(RelapseProfile, follow=["findings"])
reversion.register(RegulatoryApproval)
reversion.register(Drug, follow=["relapse_profiles_with_findings", "approvals"])

FINDING_FIELDSETS = [
    (
        _("What was measured"),
        {
            "fields": [
                "study_name",
                ("scenario", "measure"),
                ("regimen_before", "regimen_after"),
                ("outcome_definition", "outcome_definition_zh"),
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
        {"fields": ["study_design", "evidence_grade", "population", "source", "reviewed_on", ("note", "note_zh")]},
    ),
    (_("Display"), {"fields": [("is_headline", "order")]}),
]


class CuratedVersionAdmin(VersionAdmin):
    """History with restore, limited to this admin's own rows: a version id from another model, or a
    row this admin does not show (a public copy), is a 404 rather than a revert."""

    def _own_version(self, version_id, **filters) -> Version:
        content_type = ContentType.objects.get_for_model(self.model)
        return get_object_or_404(Version, pk=version_id, content_type=content_type, **filters)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        object_id = unquote(object_id)
        get_object_or_404(self.get_queryset(request), pk=object_id)
        version = self._own_version(version_id, object_id=object_id)
        response = super().revision_view(request, quote(object_id), version_id, extra_context)
        self.after_restore(request, version, response)
        return response

    def recover_view(self, request, version_id, extra_context=None):
        version = self._own_version(version_id)
        if self.model.objects.filter(pk=version.object_id).exists():
            raise Http404("That row was not deleted: use its history to restore a version.")
        response = super().recover_view(request, version_id, extra_context)
        self.after_restore(request, version, response)
        return response

    def after_restore(self, request, version: Version, response) -> None:
        """Hook for what a completed restore (a POST answered by a redirect) must also do."""


class MonographContentAdmin(CuratedVersionAdmin):
    """Rows that belong to one monograph: working copies only; any saved change needs a new review."""

    drug_path = ""  # the lookup from this model to its Drug, e.g. "profile__drug"

    def drug_of(self, obj) -> Drug:
        for part in self.drug_path.split("__") if self.drug_path else []:
            obj = getattr(obj, part)
        return obj

    def get_queryset(self, request):
        prefix = f"{self.drug_path}__" if self.drug_path else ""
        return super().get_queryset(request).filter(**{f"{prefix}public_copy_of__isnull": True})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Drug:
            kwargs["queryset"] = Drug.objects.working()
        elif db_field.related_model is RelapseProfile:
            kwargs["queryset"] = RelapseProfile.objects.filter(drug__public_copy_of__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # A row moved to another monograph changes both: remember the one it leaves.
        previous = self.model.objects.filter(pk=obj.pk).first() if change else None
        obj._previous_drug = self.drug_of(previous) if previous is not None else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.has_changed() or any(formset.has_changed() for formset in formsets):
            drug = self.drug_of(form.instance)
            self._mark_edited(request, drug)
            previous = getattr(form.instance, "_previous_drug", None)
            if previous is not None and previous.pk != drug.pk:
                self._mark_edited(request, previous)

    def delete_model(self, request, obj):
        drug = self.drug_of(obj)
        super().delete_model(request, obj)
        if drug is not obj:
            self._mark_edited(request, drug)

    def delete_queryset(self, request, queryset):
        drugs = {self.drug_of(obj) for obj in queryset}
        super().delete_queryset(request, queryset)
        for drug in drugs:
            if drug.pk and Drug.objects.filter(pk=drug.pk).exists():
                self._mark_edited(request, drug)

    def after_restore(self, request, version: Version, response) -> None:
        # A restore may bring back an old status and last editor with the old values: it is an edit.
        if request.method == "POST" and response.status_code == 302:
            restored = self.model.objects.filter(pk=version.object_id).first()
            if restored is not None:
                self._mark_edited(request, self.drug_of(restored))

    def _mark_edited(self, request, drug: Drug) -> None:
        was_public = drug.status in (MonographStatus.PUBLISHED, MonographStatus.IN_REVIEW)
        workflow.monograph_mark_edited(drug=drug, user=request.user)
        if was_public:
            messages.info(
                request,
                _("%(drug)s is back in draft: readers keep seeing the last published version until it is reviewed.")
                % {"drug": drug},
            )


class ReferenceDataAdmin(CuratedVersionAdmin):
    """Sources and conditions are shared by every monograph and read live by the public pages, so a
    row readers can see is changed or deleted only by a reviewer; curators may add new ones."""

    in_public_use_lookup = ""

    def _in_public_use(self, obj) -> bool:
        return self.model.objects.filter(pk=obj.pk, **{self.in_public_use_lookup: False}).exists()

    def _may_touch(self, request, obj) -> bool:
        return obj is None or request.user.has_perm(workflow.PUBLISH_PERMISSION) or not self._in_public_use(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_touch(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_touch(request, obj)


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
class DrugAdmin(MonographContentAdmin):
    list_display = ["name", "name_zh", "brand_names", "drug_class", "status", "has_public_version", "last_edited_at"]
    list_filter = ["status", "drug_class"]
    search_fields = ["name", "name_zh", "brand_names", "atc_code"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["status", "last_edited_by", "last_edited_at", "reviewed_by", "reviewed_on"]
    fieldsets = [
        (
            None,
            {"fields": [("name", "name_zh"), "slug", "brand_names", ("drug_class", "drug_class_zh"), "manufacturer"]},
        ),
        (_("For the clinician"), {"fields": ["summary", "mechanism"]}),
        (_("For the clinician, in Simplified Chinese"), {"fields": ["summary_zh", "mechanism_zh"]}),
        (_("Codes"), {"fields": ["atc_code", "rxnorm_cui"]}),
        (_("Review"), {"fields": ["status", "last_edited_by", "last_edited_at", "reviewed_by", "reviewed_on"]}),
    ]
    inlines = [RelapseProfileInline, RegulatoryApprovalInline]
    change_form_template = "admin/drugs/drug/change_form.html"

    @admin.display(boolean=True, description=_("public version"))
    def has_public_version(self, drug):
        return hasattr(drug, "public_copy")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("public_copy")

    def get_urls(self):
        workflow_view = self.admin_site.admin_view(self.workflow_view)
        return [path("<path:object_id>/workflow/", workflow_view, name="drugs_drug_workflow"), *super().get_urls()]

    def workflow_view(self, request, object_id):
        """The review page: what is missing, who changed what, and the buttons to move it on."""
        drug = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_or_change_permission(request, drug):
            raise PermissionDenied
        if request.method == "POST":
            self._run_transition(request, drug)
            return redirect("admin:drugs_drug_workflow", drug.pk)
        user = request.user
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Review and publish: %(drug)s") % {"drug": drug},
            "drug": drug,
            "problems": workflow.publication_problems(drug),
            "events": drug.events.select_related("user")[:50],
            "can_submit": drug.status == MonographStatus.DRAFT and user.has_perm(workflow.SUBMIT_PERMISSION),
            "can_review": drug.status == MonographStatus.IN_REVIEW and user.has_perm(workflow.PUBLISH_PERMISSION),
            "can_withdraw": hasattr(drug, "public_copy") and user.has_perm(workflow.PUBLISH_PERMISSION),
            "is_last_editor": drug.editors_since_review.filter(pk=user.pk).exists(),
        }
        return TemplateResponse(request, "admin/drugs/drug/workflow.html", context)

    def _run_transition(self, request, drug: Drug) -> None:
        action, note, user = request.POST.get("action"), request.POST.get("note", ""), request.user
        transitions = {
            "submit": lambda: workflow.monograph_submit(drug=drug, user=user),
            "return": lambda: workflow.monograph_return_to_draft(drug=drug, user=user, note=note),
            "publish": lambda: workflow.monograph_publish(drug=drug, reviewer=user, note=note),
            "withdraw": lambda: workflow.monograph_withdraw(drug=drug, reviewer=user, note=note),
        }
        if action not in transitions:
            messages.error(request, _("Unknown action."))
            return
        try:
            drug = transitions[action]()
        except (ValidationError, PermissionDenied) as refusal:
            reasons = refusal.messages if isinstance(refusal, ValidationError) else [str(refusal)]
            for reason in reasons:
                messages.error(request, reason)
            return
        messages.success(
            request, _("%(drug)s is now %(status)s.") % {"drug": drug, "status": drug.get_status_display()}
        )


@admin.register(Condition)
class ConditionAdmin(ReferenceDataAdmin):
    in_public_use_lookup = "relapse_profiles__drug__public_copy_of__isnull"
    list_display = ["name", "name_zh", "synonyms", "icd10_code", "snomed_code"]
    list_filter = [("relapse_profiles__drug", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "name_zh", "synonyms", "synonyms_zh", "icd10_code"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(ReferenceDataAdmin):
    in_public_use_lookup = "findings__profile__drug__public_copy_of__isnull"
    list_display = ["title", "publisher", "kind", "publication_year", "doi", "pmid"]
    list_filter = ["kind", "publisher"]
    search_fields = ["key", "title", "authors", "publisher", "doi", "pmid", "url"]
    # A pasted address without a scheme is taken as https, never http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    prepopulated_fields = {"key": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "key", "authors", "publisher", "citation", "kind", "publication_year"]}),
        (_("Where to find it (at least one)"), {"fields": ["url", "doi", "pmid", "accessed_on"]}),
    ]


class RelapseFindingInline(admin.StackedInline):
    model = RelapseFinding
    extra = 0
    fieldsets = FINDING_FIELDSETS
    autocomplete_fields = ["source"]


@admin.register(RelapseProfile)
class RelapseProfileAdmin(MonographContentAdmin):
    drug_path = "drug"
    list_display = ["drug", "condition", "risk", "finding_count", "last_reviewed"]
    list_filter = ["risk", "condition", "drug__status"]
    search_fields = ["drug__name", "drug__brand_names", "condition__name"]
    autocomplete_fields = ["drug", "condition"]
    fieldsets = [
        (None, {"fields": ["drug", "condition", "risk", "last_reviewed"]}),
        (_("English"), {"fields": ["risk_qualifier", "factors", "guidance", "not_established"]}),
        (
            _("Simplified Chinese (English is shown, marked, where this is empty)"),
            {"fields": ["risk_qualifier_zh", "factors_zh", "guidance_zh", "not_established_zh"]},
        ),
    ]
    inlines = [RelapseFindingInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("drug", "condition").annotate(finding_total=Count("findings"))
        )

    @admin.display(description=_("findings"), ordering="finding_total")
    def finding_count(self, profile):
        return profile.finding_total


@admin.register(RelapseFinding)
class RelapseFindingAdmin(MonographContentAdmin):
    drug_path = "profile__drug"
    list_display = ["__str__", "proportion", "total", "evidence_grade", "source"]
    list_filter = ["scenario", "measure", "evidence_grade", "profile__condition"]
    search_fields = ["study_name", "regimen_before", "regimen_after", "outcome_definition", "profile__drug__name"]
    autocomplete_fields = ["profile", "source"]
    list_select_related = ["profile__drug", "profile__condition", "source"]
    fieldsets = [(None, {"fields": ["profile"]}), *FINDING_FIELDSETS]


@admin.register(RegulatoryApproval)
class RegulatoryApprovalAdmin(MonographContentAdmin):
    drug_path = "drug"
    list_display = ["drug", "agency", "when", "indication"]
    list_filter = ["agency"]
    search_fields = ["drug__name", "indication"]
    autocomplete_fields = ["drug", "condition", "source"]


@admin.register(Disclaimer)
class DisclaimerAdmin(CuratedVersionAdmin):
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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit trails: readable, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Acknowledgment)
class AcknowledgmentAdmin(ReadOnlyAdmin):
    """When, which version, stated role: no IP address, no identity."""

    list_display = ["created", "disclaimer", "role"]
    list_filter = ["role", "disclaimer"]
    date_hierarchy = "created"


@admin.register(MonographEvent)
class MonographEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "drug", "action", "user", "note", "four_eyes_override"]
    list_filter = ["action", "four_eyes_override"]
    search_fields = ["drug__name", "note"]
    date_hierarchy = "at"
    list_select_related = ["drug", "user"]

    def view_on_site(self, event):
        return reverse("drugs:drug_detail", kwargs={"slug": event.drug.slug})
