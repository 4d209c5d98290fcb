"""The professional-use disclaimer and the audit trail of its acknowledgments (counted by day)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from drugs.localization import reading_chinese
from drugs.models.editing import EditVersioned


class DisclaimerQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True).first()


class Disclaimer(EditVersioned):
    version = models.PositiveIntegerField(
        unique=True, help_text=_("Raise it for every new text: visitors must acknowledge each version again.")
    )
    text = models.TextField(
        _("text (English)"), help_text=_("The disclaimer as the gate and every page footer show it.")
    )
    text_original = models.TextField(
        _("original text (Simplified Chinese)"), blank=True, help_text=_("The original wording, kept word for word.")
    )
    effective_from = models.DateField(help_text=_("The date this version took effect."))
    is_current = models.BooleanField(
        _("current"),
        default=False,
        help_text=_("Making a version current retires the previous one and asks every visitor to acknowledge again."),
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = DisclaimerQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("disclaimer")
        verbose_name_plural = _("disclaimers")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="drugs_disclaimer_single_current",
                violation_error_message=_("Only one disclaimer can be current."),
            ),
        ]

    def __str__(self) -> str:
        return f"Disclaimer v{self.version} ({self.effective_from:%Y-%m-%d})"

    @property
    def local_text(self) -> str:
        """The reader's language: the original Chinese wording on Chinese pages."""
        return self.text_original if reading_chinese() and self.text_original else self.text

    @property
    def shows_original_too(self) -> bool:
        """English readers also see the original wording, which is the one that binds."""
        return bool(self.text_original) and self.local_text != self.text_original


class ProfessionalRole(models.TextChoices):
    PHYSICIAN = "physician", _("Physician")
    PHARMACIST = "pharmacist", _("Pharmacist")
    NURSE = "nurse", _("Nurse")
    RESEARCHER = "researcher", _("Researcher")
    OTHER = "other", _("Other healthcare professional")


class AcknowledgmentTally(models.Model):
    """How many visitors accepted one disclaimer version in one stated role on one day.

    A count, not a row per visitor: the audit trail says who (by role) accepted which wording when, while
    anonymous visitors cannot grow the database at will. No IP, no identity, by design.
    """

    day = models.DateField(help_text=_("The day (in the site's time zone) the visitors accepted."))
    disclaimer = models.ForeignKey(Disclaimer, on_delete=models.PROTECT, related_name="acknowledgment_tallies")
    role = models.CharField(_("stated role"), max_length=20, choices=ProfessionalRole.choices)
    count = models.PositiveIntegerField(_("acknowledgments"), default=0)

    class Meta:
        ordering = ["-day", "disclaimer", "role"]
        verbose_name = _("acknowledgments of a day")
        verbose_name_plural = _("acknowledgments by day")
        constraints = [
            # Also the index the service's increment looks the row up by.
            models.UniqueConstraint(
                fields=["day", "disclaimer", "role"], name="drugs_acknowledgmenttally_one_per_day_version_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.get_role_display()} accepted v{self.disclaimer.version} on {self.day:%Y-%m-%d}"
