"""Monograph content: drugs, their relapse profiles, findings and approvals (working copies only).

Any saved change sends the monograph back to draft; only the review workflow reaches the public.
"""

from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.forms.models import model_to_dict
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drugs import services
from drugs.admin.editing import EditVersionInline
from drugs.admin.findings_table import FindingsTableForm
from drugs.admin.history import CuratedVersionAdmin
from drugs.admin.inputs import PlainNumberInputs
from drugs.changes import monograph_changes
from drugs.models import (
    Drug,
    MonographEvent,
    MonographStatus,
    RegulatoryApproval,
    RelapseFactor,
    RelapseFinding,
    RelapseProfile,
    Statement,
)
from drugs.services import findings_import

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
    (
        _("Source text (the sentence behind the figure, verbatim)"),
        {"fields": ["quote", ("quote_location", "analysis_method", "is_derived"), ("total_source", "total_quote")]},
    ),
    (_("Display"), {"fields": [("is_headline", "order")]}),
]


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

    def _mark_edited(self, request, drug: Drug) -> None:
        was_public = drug.status in (MonographStatus.PUBLISHED, MonographStatus.IN_REVIEW)
        services.monograph_mark_edited(drug=drug, user=request.user)
        if was_public:
            messages.info(
                request,
                _("%(drug)s is back in draft: readers keep seeing the last published version until it is reviewed.")
                % {"drug": drug},
            )


class RegulatoryApprovalInline(EditVersionInline, PlainNumberInputs, admin.TabularInline):
    model = RegulatoryApproval
    extra = 0
    autocomplete_fields = ["condition", "source"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("drug", "condition", "source")


class RelapseProfileInline(EditVersionInline, PlainNumberInputs, admin.TabularInline):
    model = RelapseProfile
    extra = 0
    fields = ["condition", "last_reviewed", "evidence_searched_to", "review_due"]
    autocomplete_fields = ["condition"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("drug", "condition")


class EvidenceReviewFilter(admin.SimpleListFilter):
    """The overdue queue: monographs with a profile or a label or guideline statement past its review date."""

    title = _("evidence review")
    parameter_name = "review"
    SOON_DAYS = 30

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("overdue")),
            ("soon", _("due within 30 days")),
            ("unscheduled", _("a profile without a review date")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        due = {"overdue": today, "soon": today + timedelta(days=self.SOON_DAYS)}.get(self.value())
        if due is not None:
            past = Q(relapse_profiles__review_due__lt=due) | Q(relapse_profiles__statements__review_due__lt=due)
            return queryset.filter(past).distinct()
        if self.value() == "unscheduled":
            return queryset.filter(relapse_profiles__review_due__isnull=True).distinct()
        return queryset


@admin.register(Drug)
class DrugAdmin(MonographContentAdmin):
    list_display = ["name", "name_zh", "brand_names", "drug_class", "status", "has_public_version", "last_edited_at"]
    list_filter = [EvidenceReviewFilter, "status", "entry_kind", "drug_class"]
    search_fields = ["name", "name_zh", "brand_names", "brand_names_zh", "atc_code"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["brand_names_zh_source", "atc_source"]
    readonly_fields = ["status", "last_edited_by", "last_edited_at", "reviewed_by", "reviewed_on"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "entry_kind",
                    ("name", "name_zh"),
                    "slug",
                    ("brand_names", "brand_names_zh"),
                    "brand_names_zh_source",
                    ("drug_class", "drug_class_zh"),
                    "manufacturer",
                ]
            },
        ),
        (_("For the clinician"), {"fields": ["summary", "mechanism"]}),
        (_("For the clinician, in Simplified Chinese"), {"fields": ["summary_zh", "mechanism_zh"]}),
        (_("Codes"), {"fields": [("atc_code", "atc_source"), "rxnorm_cui"]}),
        (_("Review"), {"fields": ["status", "last_edited_by", "last_edited_at", "reviewed_by", "reviewed_on"]}),
    ]
    inlines = [RelapseProfileInline, RegulatoryApprovalInline]
    change_form_template = "admin/drugs/drug/change_form.html"

    @admin.display(boolean=True, description=_("public version"))
    def has_public_version(self, drug):
        return hasattr(drug, "public_copy")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("public_copy")

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return services.may_delete_draft(request.user, obj)

    def get_deleted_objects(self, objs, request):
        # The review trail is never deleted on its own (its admin is read-only); a draft that may be deleted
        # (has_delete_permission above) takes its trail of submissions and returns with it.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(MonographEvent._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        services.monograph_delete_draft(drug=obj, user=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for drug in queryset:
            services.monograph_delete_draft(drug=drug, user=request.user)

    def get_urls(self):
        workflow_view = self.admin_site.admin_view(self.workflow_view)
        return [path("<path:object_id>/workflow/", workflow_view, name="drugs_drug_workflow"), *super().get_urls()]

    def workflow_view(self, request, object_id):
        """The review page: what is missing, who changed what, and the buttons to move it on."""
        drug = self.get_object(request, unquote(object_id))
        if drug is None:
            raise Http404
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
            "problems": services.publication_problems(drug),
            "changes": monograph_changes(drug),
            "events": drug.events.select_related("user")[:50],
            "can_submit": drug.status == MonographStatus.DRAFT and user.has_perm(services.SUBMIT_PERMISSION),
            "can_review": drug.status == MonographStatus.IN_REVIEW and user.has_perm(services.PUBLISH_PERMISSION),
            "can_recall": drug.status == MonographStatus.IN_REVIEW and services.submitter_of(drug) == user,
            "can_withdraw": hasattr(drug, "public_copy") and user.has_perm(services.PUBLISH_PERMISSION),
            "is_last_editor": drug.editors_since_review.filter(pk=user.pk).exists(),
            "edit_marker": services.edit_marker(drug),
        }
        return TemplateResponse(request, "admin/drugs/drug/workflow.html", context)

    def _run_transition(self, request, drug: Drug) -> None:
        action, note, user = request.POST.get("action"), request.POST.get("note", ""), request.user
        transitions = {
            "submit": lambda: services.monograph_submit(drug=drug, user=user),
            "recall": lambda: services.monograph_recall(drug=drug, user=user),
            "return": lambda: services.monograph_return_to_draft(drug=drug, user=user, note=note),
            "publish": lambda: services.monograph_publish(
                drug=drug, reviewer=user, note=note, seen_edit=request.POST.get("seen_edit")
            ),
            "withdraw": lambda: services.monograph_withdraw(drug=drug, reviewer=user, note=note),
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


class RelapseFindingInline(EditVersionInline, PlainNumberInputs, admin.TabularInline):
    """The profile's findings as a summary table: each finding is edited on its own page (with Duplicate and
    "Save and add another"), or many at once by table import. A paper's 20 findings in full here were a
    38,000-pixel form of 672 controls; the table keeps only what is decided across findings: order, headline."""

    model = RelapseFinding
    extra = 0
    fields = ["order", "what", "figures", "cited", "is_headline"]
    readonly_fields = ["what", "figures", "cited"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("profile__drug", "profile__condition", "source")

    def has_add_permission(self, request, obj=None):
        # A new finding needs its whole form: the "Add a finding" link opens it with this profile chosen.
        return False

    @admin.display(description=_("finding"))
    def what(self, finding):
        study = f"{finding.study_name}: " if finding.study_name else ""
        at = f", {finding.timepoint_display}" if finding.timepoint_display else ""
        return f"{study}{finding.arm} — {finding.get_measure_display()}{at}"

    @admin.display(description=_("figures"))
    def figures(self, finding):
        shown = [finding.proportion_display, finding.count_display]
        return ", ".join(part for part in shown if part) or "—"

    @admin.display(description=_("source"))
    def cited(self, finding):
        return finding.source.short_label if finding.source else "—"


class RelapseFactorInline(EditVersionInline, PlainNumberInputs, admin.StackedInline):
    """What relapse depends on, each with what supports it (publication refuses a factor that cites nothing)."""

    model = RelapseFactor
    extra = 0
    fields = [("text", "text_zh"), ("support", "source"), "quote", ("limitation", "limitation_zh"), "order"]
    autocomplete_fields = ["source"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("profile__drug", "source")


class StatementInline(EditVersionInline, admin.StackedInline):
    model = Statement
    extra = 0
    fields = [
        ("kind", "issuer", "topic"),
        "source",
        ("location", "location_zh"),
        ("quote", "quote_zh"),
        ("strength", "strength_zh"),
        ("label_revised_on", "evidence_searched_to", "review_due"),
    ]
    autocomplete_fields = ["source"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("profile__drug", "source")


@admin.register(RelapseProfile)
class RelapseProfileAdmin(MonographContentAdmin):
    drug_path = "drug"
    list_display = ["drug", "condition", "finding_count", "last_reviewed", "evidence_searched_to", "review_due"]
    list_filter = ["condition", "drug__status"]
    search_fields = ["drug__name", "drug__brand_names", "condition__name"]
    autocomplete_fields = ["drug", "condition"]
    fieldsets = [
        (None, {"fields": ["drug", "condition", "last_reviewed", ("evidence_searched_to", "review_due")]}),
        (_("English"), {"fields": ["guidance", "not_established"]}),
        (
            _("Simplified Chinese (English is shown, marked, where this is empty)"),
            {"fields": ["guidance_zh", "not_established_zh"]},
        ),
        (
            _("Levels: by the rule, or your judgement with a reason"),
            {
                "description": _(
                    "Each scenario's level is worked out from the findings by the rule on the public page "
                    "'How to read this page'. Set a level here only to overrule it, with the reason readers will "
                    "see beside the rule's own level."
                ),
                "fields": [
                    "levels_by_rule",
                    "stopping_override",
                    ("stopping_override_reason", "stopping_override_reason_zh"),
                    "tapering_override",
                    ("tapering_override_reason", "tapering_override_reason_zh"),
                    "interruption_override",
                    ("interruption_override_reason", "interruption_override_reason_zh"),
                ],
            },
        ),
    ]
    readonly_fields = ["levels_by_rule"]
    inlines = [RelapseFindingInline, RelapseFactorInline, StatementInline]
    change_form_template = "admin/drugs/relapseprofile/change_form.html"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("drug", "condition").annotate(finding_total=Count("findings"))
        )

    @admin.display(description=_("findings"), ordering="finding_total")
    def finding_count(self, profile):
        return profile.finding_total

    @admin.display(description=_("levels by the rule"))
    def levels_by_rule(self, profile):
        if profile.pk is None:
            return "—"
        return " · ".join(f"{answer.label}: {answer.get_rule_level_display()}" for answer in profile.answers)

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_findings_view)
        name = "drugs_relapseprofile_import_findings"
        return [path("<path:object_id>/import-findings/", view, name=name), *super().get_urls()]

    def import_findings_view(self, request, object_id):
        """Step 1 previews every row with what is wrong; step 2 imports them all, checked again, or none."""
        profile = self.get_object(request, unquote(object_id))  # working copies only
        if profile is None:
            raise Http404
        if not request.user.has_perm(findings_import.ADD_PERMISSION):
            raise PermissionDenied
        form = FindingsTableForm(request.POST or None, request.FILES or None)
        checks, refusal = None, None
        if request.method == "POST" and form.is_valid():
            rows = form.cleaned_data["rows"]
            if "import" in request.POST:
                try:
                    added = findings_import.findings_import(profile=profile, rows=rows, user=request.user)
                except ValidationError as error:
                    refusal = error.messages
                else:
                    messages.success(
                        request,
                        _("%(count)s findings imported; the monograph is back in draft.") % {"count": len(added)},
                    )
                    return redirect("admin:drugs_relapseprofile_change", profile.pk)
            checks = findings_import.findings_check(profile=profile, rows=rows)
            form = FindingsTableForm(initial={"table": form.cleaned_data["text"]})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": profile,
            "title": _("Import findings from a table: %(profile)s") % {"profile": profile},
            "form": form,
            "checks": checks,
            "valid_count": len(checks) if checks and all(check.is_valid for check in checks) else 0,
            "refusal": refusal,
            "columns": findings_import.column_guide(),
            "max_rows": findings_import.MAX_ROWS,
        }
        return TemplateResponse(request, "admin/drugs/relapseprofile/import_findings.html", context)


class StudyListFilter(admin.SimpleListFilter):
    title = _("study")
    parameter_name = "study"

    def lookups(self, request, model_admin):
        names = (
            model_admin.get_queryset(request)
            .exclude(study_name="")
            .order_by("study_name")
            .values_list("study_name", flat=True)
            .distinct()
        )
        return [(name, name) for name in names]

    def queryset(self, request, queryset):
        return queryset.filter(study_name=self.value()) if self.value() else queryset


# What a paper's findings share: "Save and add another" opens the next one with these filled in.
FINDING_CONTEXT = ["profile", "source", "study_name", "study_design", "population", "evidence_grade"]
# Not copied by "Duplicate": the row's identity and its edit number (a copy is a new row).
NOT_DUPLICATED = {"id", "edit_version"}


@admin.register(RelapseFinding)
class RelapseFindingAdmin(MonographContentAdmin):
    drug_path = "profile__drug"
    list_display = ["__str__", "proportion", "total", "evidence_grade", "source"]
    # Related-only filters list what the (working-copy) findings use: never a public copy's drug.
    list_filter = [
        ("profile__drug", admin.RelatedOnlyFieldListFilter),
        ("profile__condition", admin.RelatedOnlyFieldListFilter),
        ("source", admin.RelatedOnlyFieldListFilter),
        StudyListFilter,
        "scenario",
        "measure",
        "evidence_grade",
    ]
    search_fields = ["study_name", "regimen_before", "regimen_after", "outcome_definition", "profile__drug__name"]
    autocomplete_fields = ["profile", "source", "total_source"]
    list_select_related = ["profile__drug", "profile__condition", "source"]
    fieldsets = [(None, {"fields": ["profile"]}), *FINDING_FIELDSETS]
    change_form_template = "admin/drugs/relapsefinding/change_form.html"

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        original = initial.pop("duplicate", None)
        if original:
            found = self.get_queryset(request).filter(pk=original).first() if str(original).isdigit() else None
            if found is not None and self.has_view_or_change_permission(request, found):
                copied = model_to_dict(found, exclude=NOT_DUPLICATED)
                initial = {**copied, "order": found.order + 1}
        return initial

    def response_add(self, request, obj, post_url_continue=None):
        return self._keep_context(request, obj, super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        return self._keep_context(request, obj, super().response_change(request, obj))

    def _keep_context(self, request, obj, response):
        if "_addanother" not in request.POST or response.status_code != 302:
            return response
        url = urlsplit(response["Location"])
        query = QueryDict(url.query, mutable=True)
        for name in FINDING_CONTEXT:
            value = getattr(obj, self.model._meta.get_field(name).attname)
            query[name] = "" if value is None else str(value)
        response["Location"] = urlunsplit(url._replace(query=query.urlencode()))
        return response


@admin.register(RegulatoryApproval)
class RegulatoryApprovalAdmin(MonographContentAdmin):
    drug_path = "drug"
    list_display = ["drug", "agency", "when", "indication"]
    list_filter = ["agency"]
    search_fields = ["drug__name", "indication"]
    autocomplete_fields = ["drug", "condition", "source"]
