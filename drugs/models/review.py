"""The review trail of each monograph: who submitted, published or withdrew it, when, and why."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drugs.models.catalog import Drug


class MonographEvent(models.Model):
    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for review")
        RECALLED = "recalled", _("Recalled by its submitter")
        RETURNED = "returned", _("Returned to draft by a reviewer")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    drug = models.ForeignKey(
        Drug, on_delete=models.CASCADE, related_name="events", help_text=_("The working copy of the monograph.")
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(
        _("what changed"), max_length=300, blank=True, help_text=_("One line; published notes are shown to readers.")
    )
    four_eyes_override = models.BooleanField(
        default=False, help_text=_("A superuser published their own change without a second reviewer.")
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("monograph event")
        verbose_name_plural = _("monograph events")

    def __str__(self) -> str:
        return f"{self.drug}: {self.get_action_display()} {self.at:%Y-%m-%d}"
