"""Audit trails: readable, never edited."""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from drugs.models import (
    AcknowledgmentTally,
    MonographEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit trails: readable, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AcknowledgmentTally)
class AcknowledgmentTallyAdmin(ReadOnlyAdmin):
    """How many accepted, by day, version and stated role: no IP address, no identity."""

    list_display = ["day", "version", "role", "count"]
    list_filter = ["role", "disclaimer"]
    date_hierarchy = "day"
    list_select_related = ["disclaimer"]

    @admin.display(description=_("disclaimer version"), ordering="disclaimer__version")
    def version(self, tally):
        return tally.disclaimer.version


@admin.register(MonographEvent)
class MonographEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "drug", "action", "user", "note", "four_eyes_override"]
    list_filter = ["action", "four_eyes_override"]
    search_fields = ["drug__name", "note"]
    date_hierarchy = "at"
    list_select_related = ["drug", "user"]

    def view_on_site(self, event):
        return reverse("drugs:drug_detail", kwargs={"slug": event.drug.slug})
