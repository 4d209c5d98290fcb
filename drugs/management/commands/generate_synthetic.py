"""Synthetic monographs for benchmarks: clearly fake, published, never loaded by make run.

Every synthetic drug is named "synthetinib-NNNNN", its summary says it is synthetic test data, and
its sources point to example.org. Running it again adds drugs up to the requested total.
"""

import random
from datetime import date
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from drugs import cache
from drugs.models import (
    Condition,
    Drug,
    MonographStatus,
    RelapseFinding,
    RelapseProfile,
    Source,
)

PREFIX = "synthetinib"
WARNING = "SYNTHETIC TEST DATA generated for benchmarks: not a real drug, not medical information."
CONDITIONS = 60
SOURCES = 300
SCENARIOS = ["withdrawn_to_placebo", "tapered", "stopped", "continued"]


class Command(BaseCommand):
    help = "Add synthetic published monographs (for benchmarks only) until there are --drugs of them."

    def add_arguments(self, parser):
        parser.add_argument("--drugs", type=int, required=True, help="how many synthetic drugs in total")
        parser.add_argument("--profiles", type=int, default=10, help="condition profiles per drug, at most")
        parser.add_argument("--findings", type=int, default=5, help="findings per profile")

    def handle(self, *args, drugs, profiles, findings, **options):
        conditions = self.conditions()
        sources = self.sources()
        existing = Drug.objects.working().filter(slug__startswith=f"{PREFIX}-").count()
        for start in range(existing, drugs, 500):
            with transaction.atomic():
                self.batch(range(start, min(start + 500, drugs)), conditions, sources, profiles, findings)
            self.stderr.write(f"\r{min(start + 500, drugs)}/{drugs} synthetic drugs", ending="")
        self.stderr.write("")
        cache.content_changed()  # published synthetic drugs: readers see them
        self.stdout.write(f"{Drug.objects.working().filter(slug__startswith=f'{PREFIX}-').count()} synthetic drugs.")

    def conditions(self) -> list[Condition]:
        for n in range(CONDITIONS):
            Condition.objects.get_or_create(
                slug=f"synthetic-condition-{n:03d}",
                defaults={"name": f"Synthetic condition {n:03d}", "description": WARNING, "synonyms": f"SC{n}"},
            )
        return list(Condition.objects.filter(slug__startswith="synthetic-condition-").order_by("slug"))

    def sources(self) -> list[Source]:
        for n in range(SOURCES):
            Source.objects.get_or_create(
                key=f"synthetic-source-{n:03d}",
                defaults={
                    "title": f"Synthetic trial {n:03d} ({WARNING})",
                    "publisher": "Synthetic Journal",
                    "kind": "randomized_trial",
                    "url": f"https://example.org/synthetic/{n:03d}",
                    "publication_year": 2020 + n % 6,
                },
            )
        return list(Source.objects.filter(key__startswith="synthetic-source-").order_by("key"))

    def batch(self, numbers, conditions, sources, profiles_per_drug, findings_per_profile):
        now = timezone.now()
        for public in (False, True):  # the working copies, then the public copies readers see
            drugs = [
                Drug(
                    name=f"{PREFIX}-{n:05d}",
                    slug=f"{PREFIX}-{n:05d}",
                    brand_names=f"Synthobrand {n:05d}",
                    drug_class="Synthetic class",
                    summary=WARNING,
                    mechanism=WARNING,
                    status=MonographStatus.PUBLISHED,
                    reviewed_on=date(2026, 1, 1),
                    last_edited_at=now,
                )
                for n in numbers
            ]
            if public:
                working = {d.slug: d for d in Drug.objects.working().filter(slug__in=[d.slug for d in drugs])}
                for drug in drugs:
                    drug.public_copy_of = working[drug.slug]
            Drug.objects.bulk_create(drugs)
            drugs = list(Drug.objects.filter(slug__in=[d.slug for d in drugs], public_copy_of__isnull=not public))
            profiles = []
            for drug in drugs:
                # Seeded by slug: repeatable fake figures, the same for the working and the public copy.
                rng = random.Random(drug.slug)  # noqa: S311
                for condition in rng.sample(conditions, rng.randint(1, profiles_per_drug)):
                    profiles.append(RelapseProfile(drug=drug, condition=condition, guidance=WARNING))
            RelapseProfile.objects.bulk_create(profiles)
            profiles = RelapseProfile.objects.filter(drug__in=drugs).select_related("drug", "condition")
            findings = []
            for profile in profiles:
                rng = random.Random(f"{profile.drug.slug}/{profile.condition.slug}")  # noqa: S311
                for order in range(findings_per_profile):
                    findings.append(
                        RelapseFinding(
                            profile=profile,
                            order=order,
                            scenario=SCENARIOS[order % len(SCENARIOS)],
                            regimen_before="synthetic 4 mg once daily",
                            regimen_after="placebo",
                            outcome_definition="Synthetic outcome",
                            timepoint=Decimal(4 * (order + 1)),
                            timepoint_unit="weeks",
                            proportion=Decimal(rng.randint(0, 100)),
                            total=rng.randint(10, 300),
                            study_design="Synthetic randomized withdrawal",
                            evidence_grade=rng.randint(1, 5),
                            population=WARNING,
                            source=rng.choice(sources),
                        )
                    )
            RelapseFinding.objects.bulk_create(findings, batch_size=2000)
