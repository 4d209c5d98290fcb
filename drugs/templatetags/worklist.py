"""Where the work waits, for the admin index (templates/admin/index.html)."""

from django import template

from drugs.models import Drug
from drugs.services import PUBLISH_PERMISSION

register = template.Library()


@register.simple_tag
def admin_worklist(user) -> dict:
    """Monographs waiting for review (for those who may publish them; None for others) and the user's own drafts."""
    return {
        "in_review": list(Drug.objects.awaiting_review()) if user.has_perm(PUBLISH_PERMISSION) else None,
        "drafts": list(Drug.objects.drafts_of(user)),
    }
