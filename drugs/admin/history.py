"""History: every curated row's versions (django-reversion), and restore limited to what a row owns."""

import reversion
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from reversion.admin import VersionAdmin
from reversion.models import Version

from drugs.admin.editing import EditVersionAdmin
from drugs.admin.inputs import PlainNumberInputs
from drugs.models import (
    Drug,
    RegulatoryApproval,
    RelapseProfile,
)
from drugs.services import restore
from drugs.services.monographs import PROFILE_PARTS

# History: a drug's version holds its profiles and approvals, a profile's its findings, factors and statements, so
# restoring a version brings a monograph's rows back together. (Registered before the admin classes,
# which would otherwise register the inline models without their children.)
for part in PROFILE_PARTS.values():
    reversion.register(part)
reversion.register(RelapseProfile, follow=list(PROFILE_PARTS))
reversion.register(RegulatoryApproval)
reversion.register(Drug, follow=["relapse_profiles_with_findings", "approvals"])


class CuratedVersionAdmin(EditVersionAdmin, PlainNumberInputs, VersionAdmin):
    """History with restore. A restore changes only what the row owns (drugs/services/restore.py) and is
    confirmed on a page listing every change; a version id from another model, or a row this admin does not
    show (a public copy), is a 404. Figures are typed as plain numbers (drugs/admin/inputs.py)."""

    def _own_version(self, version_id, **filters) -> Version:
        content_type = ContentType.objects.get_for_model(self.model)
        return get_object_or_404(Version, pk=version_id, content_type=content_type, **filters)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        object_id = unquote(object_id)
        obj = self.get_object(request, object_id)  # None for an id that is not a number, too
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        version = self._own_version(version_id, object_id=object_id)
        return self._restore_view(request, version, _("Restore an earlier version of %(name)s") % {"name": obj})

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = self._own_version(version_id)
        if self.model._default_manager.filter(pk=version.object_id).exists():
            raise Http404("That row was not deleted: use its history to restore a version.")
        return self._restore_view(request, version, _("Recover %(name)s") % {"name": version.object_repr})

    def _restore_view(self, request, version: Version, title: str):
        """The confirmation page: every change the restore makes, then the button that makes them."""
        if request.method == "POST":
            try:
                restore.restore(version=version, user=request.user, fingerprint=request.POST.get("fingerprint", ""))
            except (ValidationError, PermissionDenied) as refusal:
                reasons = refusal.messages if isinstance(refusal, ValidationError) else [str(refusal)]
                for reason in reasons:
                    messages.error(request, reason)
            else:
                messages.success(request, _("Restored. The monograph needs a new review before readers see it."))
                return redirect(f"admin:drugs_{self.model._meta.model_name}_change", version.object_id)
        plan = restore.restore_plan(version)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "version": version,
            "plan": plan,
            "changes": plan.changes,
        }
        return TemplateResponse(request, "admin/drugs/restore_confirm.html", context)
