"""Reference data shared by every monograph (sources, conditions) and the disclaimer."""

from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _

from drugs import services, validators
from drugs.admin.history import CuratedVersionAdmin
from drugs.models import (
    Condition,
    Disclaimer,
    Source,
)
from drugs.services import reference


class ReferenceDataAdmin(CuratedVersionAdmin):
    """Sources and conditions are shared by every monograph and read live by the public pages, so a
    row readers can see is changed or deleted only by a reviewer; curators may add new ones."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and reference.may_change(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and reference.may_change(request.user, obj)

    def save_model(self, request, obj, form, change):
        reference.reference_save(obj=obj, user=request.user)

    def delete_model(self, request, obj):
        reference.reference_delete(obj=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            reference.reference_delete(obj=obj, user=request.user)


@admin.register(Condition)
class ConditionAdmin(ReferenceDataAdmin):
    list_display = ["name", "name_zh", "synonyms", "icd10_code", "snomed_code"]
    list_filter = [("relapse_profiles__drug", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "name_zh", "synonyms", "synonyms_zh", "icd10_code"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Source)
class SourceAdmin(ReferenceDataAdmin):
    list_display = ["title", "publisher", "kind", "publication_year", "doi", "pmid"]
    list_filter = ["kind", "publisher"]
    search_fields = ["key", "title", "authors", "publisher", "doi", "pmid", "url"]
    # A pasted address without a scheme is taken as https, never http.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "key", "authors", "publisher", "citation", "kind", "publication_year"]}),
        (_("Where to find it (at least one)"), {"fields": ["url", "doi", "pmid", "accessed_on"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        # A DOI or PMID is searched for as it is pasted (a doi.org link, "doi:…", "PMID: …"); it is stored bare.
        return super().get_search_results(request, queryset, validators.bare_pmid(validators.bare_doi(search_term)))

    def get_readonly_fields(self, request, obj=None):
        # Exports, imports and FHIR Citation ids name a source by its key: once saved, it stays.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "key"] if obj is not None else fields


@admin.register(Disclaimer)
class DisclaimerAdmin(CuratedVersionAdmin):
    list_display = ["version", "effective_from", "is_current", "created"]
    list_filter = ["is_current"]
    search_fields = ["text", "text_original"]
    actions = ["make_current"]

    def get_readonly_fields(self, request, obj=None):
        # Visitors acknowledge a version: once it has been shown, its wording is fixed (write a new version).
        if obj is not None and (obj.is_current or obj.acknowledgment_tallies.exists()):
            return ["version", "text", "text_original", "effective_from", "is_current"]
        return ["is_current"]

    @admin.action(
        description=_("Make the selected version current (every visitor acknowledges again)"), permissions=["change"]
    )
    def make_current(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one version to make current."), messages.ERROR)
            return
        disclaimer = services.disclaimer_make_current(disclaimer=queryset.get(), user=request.user)
        self.message_user(request, _("%(disclaimer)s is now current.") % {"disclaimer": disclaimer}, messages.SUCCESS)
