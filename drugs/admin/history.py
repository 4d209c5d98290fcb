"""History: every curated row's versions (django-reversion), and restore limited to what a row owns."""

import reversion
from django.contrib.admin.utils import quote, unquote
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import get_object_or_404
from reversion.admin import VersionAdmin
from reversion.models import Version

from drugs.admin.editing import EditVersionAdmin
from drugs.admin.inputs import PlainNumberInputs
from drugs.models import (
    Drug,
    RegulatoryApproval,
    RelapseFinding,
    RelapseProfile,
)

# History: a drug's version holds its profiles and approvals, a profile's holds its findings, so
# restoring a version brings a monograph's rows back together. (Registered before the admin classes,
# which would otherwise register the inline models without their children.)
reversion.register(RelapseFinding)
reversion.register(RelapseProfile, follow=["findings"])
reversion.register(RegulatoryApproval)
reversion.register(Drug, follow=["relapse_profiles_with_findings", "approvals"])


class CuratedVersionAdmin(EditVersionAdmin, PlainNumberInputs, VersionAdmin):
    """History with restore, limited to this admin's own rows: a version id from another model, or a
    row this admin does not show (a public copy), is a 404 rather than a revert. Figures are typed as
    plain numbers (drugs/admin/inputs.py)."""

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
