"""Acknowledgments are counted per day, disclaimer version and stated role instead of kept one row each:
anonymous visitors can no longer grow the database at will. Existing rows are folded into tallies."""

import datetime

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone


def fold_rows_into_tallies(apps, schema_editor):
    Acknowledgment = apps.get_model("drugs", "Acknowledgment")
    AcknowledgmentTally = apps.get_model("drugs", "AcknowledgmentTally")
    # TruncDate uses the site's time zone, as the service's timezone.localdate() does.
    groups = (
        Acknowledgment.objects.annotate(day=TruncDate("created"))
        .values("day", "disclaimer_id", "role")
        .annotate(count=Count("id"))
        .order_by()
    )
    AcknowledgmentTally.objects.bulk_create(AcknowledgmentTally(**group) for group in groups)


def unfold_tallies_into_rows(apps, schema_editor):
    """Back to one row per acknowledgment, each at noon of its day: the time of day was not kept."""
    Acknowledgment = apps.get_model("drugs", "Acknowledgment")
    AcknowledgmentTally = apps.get_model("drugs", "AcknowledgmentTally")
    for tally in AcknowledgmentTally.objects.iterator():
        rows = Acknowledgment.objects.bulk_create(
            Acknowledgment(disclaimer_id=tally.disclaimer_id, role=tally.role) for _ in range(tally.count)
        )
        # created is auto_now_add, which bulk_create fills with the present time: set the day afterwards.
        noon = timezone.make_aware(datetime.datetime.combine(tally.day, datetime.time(12)))
        Acknowledgment.objects.filter(pk__in=[row.pk for row in rows]).update(created=noon)


class Migration(migrations.Migration):
    dependencies = [
        ("drugs", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AcknowledgmentTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(help_text="The day (in the site's time zone) the visitors accepted.")),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("physician", "Physician"),
                            ("pharmacist", "Pharmacist"),
                            ("nurse", "Nurse"),
                            ("researcher", "Researcher"),
                            ("other", "Other healthcare professional"),
                        ],
                        max_length=20,
                        verbose_name="stated role",
                    ),
                ),
                ("count", models.PositiveIntegerField(default=0, verbose_name="acknowledgments")),
                (
                    "disclaimer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="acknowledgment_tallies",
                        to="drugs.disclaimer",
                    ),
                ),
            ],
            options={
                "verbose_name": "acknowledgments of a day",
                "verbose_name_plural": "acknowledgments by day",
                "ordering": ["-day", "disclaimer", "role"],
            },
        ),
        migrations.AddConstraint(
            model_name="acknowledgmenttally",
            constraint=models.UniqueConstraint(
                fields=("day", "disclaimer", "role"), name="drugs_acknowledgmenttally_one_per_day_version_role"
            ),
        ),
        migrations.RunPython(fold_rows_into_tallies, unfold_tallies_into_rows),
        migrations.DeleteModel(
            name="Acknowledgment",
        ),
    ]
