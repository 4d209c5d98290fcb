"""The disclaimer a visitor acknowledges, and the record of that acknowledgment."""

from django.db import transaction

from drugs.models import Acknowledgment, Disclaimer


@transaction.atomic
def disclaimer_make_current(*, disclaimer: Disclaimer) -> Disclaimer:
    """Make one version current; every visitor then acknowledges again."""
    Disclaimer.objects.filter(is_current=True).exclude(pk=disclaimer.pk).update(is_current=False)
    disclaimer.is_current = True
    disclaimer.full_clean()
    disclaimer.save()
    return disclaimer


def acknowledgment_record(*, disclaimer: Disclaimer, role: str) -> Acknowledgment:
    acknowledgment = Acknowledgment(disclaimer=disclaimer, role=role)
    acknowledgment.full_clean()
    acknowledgment.save()
    return acknowledgment
