"""The disclaimer a visitor acknowledges, and the record of that acknowledgment."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from drugs import cache
from drugs.models import AcknowledgmentTally, Disclaimer

DISCLAIMER_PERMISSION = "drugs.change_disclaimer"


@transaction.atomic
def disclaimer_make_current(*, disclaimer: Disclaimer, user=None) -> Disclaimer:
    """Make one version current; every visitor then acknowledges again. Only a reviewer (who keeps the
    disclaimer) may; user is None only for an operator's command or import."""
    if user is not None and not user.has_perm(DISCLAIMER_PERMISSION):
        raise PermissionDenied(_("Only a reviewer can change which disclaimer visitors see."))
    Disclaimer.objects.filter(is_current=True).exclude(pk=disclaimer.pk).update(is_current=False)
    disclaimer.is_current = True
    disclaimer.full_clean()
    disclaimer.save()
    cache.content_changed()  # every visitor acknowledges again, on every host
    return disclaimer


def acknowledgment_record(*, disclaimer: Disclaimer, role: str) -> None:
    """Count one acknowledgment on today's tally for this version and role: the table grows by one row a
    day per version and role at most, however many anonymous visitors post the gate form."""
    tally = AcknowledgmentTally(day=timezone.localdate(), disclaimer=disclaimer, role=role, count=1)
    tally.full_clean(validate_unique=False, validate_constraints=False)
    same_tally = AcknowledgmentTally.objects.filter(day=tally.day, disclaimer=disclaimer, role=role)
    # One UPDATE, counted by the database: concurrent requests cannot lose an increment.
    if same_tally.update(count=F("count") + 1):
        return
    try:
        # A savepoint, so that a refused insert leaves an enclosing transaction usable (PostgreSQL).
        with transaction.atomic():
            tally.save()
    except IntegrityError:
        # Another request created today's tally between our update and our insert: count on it.
        same_tally.update(count=F("count") + 1)
