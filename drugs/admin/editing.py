"""Two curators, one row: a save based on a copy someone else has since changed is refused, with
what they changed shown. The rule itself is in drugs/models/editing.py; this is how the admin says it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from reversion.models import Version

from drugs.changes import field_changes, values_of
from drugs.models.editing import StaleEdit


def changed_meanwhile(instance, loaded_version: int):
    """Why a save is refused: who saved what since the copy with `loaded_version` was opened (HTML)."""
    current = type(instance)._base_manager.get(pk=instance.pk)
    versions = list(Version.objects.get_for_object(current).select_related("revision__user"))
    base = next((v for v in versions if v.field_dict.get("edit_version") == loaded_version), None)
    latest = versions[0] if versions else None
    who = ""
    if latest is not None:
        who = _(" (last by %(user)s, %(when)s)") % {
            "user": latest.revision.user or _("an import or command"),
            "when": date_format(localtime(latest.revision.date_created), "Y-m-d H:i"),
        }
    lead = _("Someone saved this %(what)s after you opened it%(who)s. Nothing of yours was saved.") % {
        "what": instance._meta.verbose_name,
        "who": who,
    }
    changes = field_changes(type(current), base.field_dict, values_of(current)) if base else []
    listing = format_html_join("", "<li>{}: {} → {}</li>", ((c.label, c.old, c.new) for c in changes))
    after = _("Reload the page to see the current version, then make your change again.")
    if changes:
        return format_html("{} {}<ul>{}</ul>{}", lead, _("What they changed:"), listing, after)
    return format_html("{} {}", lead, after)


class EditVersionForm(forms.ModelForm):
    """Carries the edit number the form was opened with; refuses to save over a newer one."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.edit_version

    def clean(self):
        cleaned = super().clean()
        loaded = cleaned.get("loaded_version")
        # A row deleted from a formset is not validated (Django drops its errors): the delete itself
        # checks this number (EditVersioned.delete).
        self.instance.loaded_version = loaded
        # A row this form leaves as it found it is not saved (formsets skip it), so it cannot be stale.
        if self.instance.pk is None or not [name for name in self.changed_data if name != "loaded_version"]:
            return cleaned
        if loaded is None:
            raise ValidationError(_("This form does not say which version it was opened on: reload the page."))
        current = type(self.instance)._base_manager.filter(pk=self.instance.pk).values_list("edit_version", flat=True)
        if current and current[0] != loaded:
            raise ValidationError(changed_meanwhile(self.instance, loaded), code="stale")
        self.instance.edit_version = loaded
        return cleaned


def _with_loaded_version(fieldsets):
    """The hidden edit number rides in the first fieldset (a hidden row), so every layout carries it."""
    (name, options), *rest = fieldsets
    return [(name, {**options, "fields": [*options["fields"], "loaded_version"]}), *rest]


class EditVersionAdmin:
    """For a ModelAdmin: its change form refuses stale saves, its delete page a stale delete."""

    form = EditVersionForm
    delete_confirmation_template = "admin/drugs/delete_confirmation.html"

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        loaded = request.POST.get("loaded_version", "") if request.POST.get("post") == "yes" else ""
        if obj is not None and loaded.isdigit():
            obj.loaded_version = int(loaded)  # the delete confirmation's number: EditVersioned.delete checks it
        return obj

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except StaleEdit as stale:
            messages.error(request, changed_meanwhile(stale.instance, stale.instance.loaded_version))
            return HttpResponseRedirect(request.get_full_path())

    def get_fieldsets(self, request, obj=None):
        return _with_loaded_version(super().get_fieldsets(request, obj))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleEdit as stale:
            # Someone saved between this form's checks and its write: the transaction rolled back.
            loaded = getattr(stale.instance, "loaded_version", None) or stale.instance.edit_version
            messages.error(request, changed_meanwhile(stale.instance, loaded))
            return HttpResponseRedirect(request.get_full_path())


class EditVersionInline:
    """For an inline: each row refuses a stale save."""

    form = EditVersionForm

    def get_fieldsets(self, request, obj=None):
        return _with_loaded_version(super().get_fieldsets(request, obj))
