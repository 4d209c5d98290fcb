"""Small factory functions: valid objects by default, any field overridable."""

import datetime
from decimal import Decimal
from itertools import count

from drugs import services
from drugs.models import (
    Condition,
    Disclaimer,
    Drug,
    EvidenceGrade,
    MonographStatus,
    RelapseFinding,
    RelapseProfile,
    Scenario,
    Source,
    SourceKind,
    Statement,
    StatementKind,
    StatementTopic,
    TimeUnit,
)

_serial = count(1)


def make_disclaimer(*, version: int | None = None, current: bool = True, **fields) -> Disclaimer:
    version = version or next(_serial)
    disclaimer = Disclaimer.objects.create(
        version=version,
        text=fields.pop("text", f"Disclaimer version {version}: for qualified medical professionals only."),
        effective_from=fields.pop("effective_from", datetime.date(2026, 11, 1)),
        **fields,
    )
    if current:
        services.disclaimer_make_current(disclaimer=disclaimer)
    return disclaimer


def make_drug(**fields) -> Drug:
    n = next(_serial)
    defaults = {
        "name": f"testinib{n}",
        "slug": f"testinib{n}",
        "brand_names": f"Testabrand{n}",
        "drug_class": "JAK inhibitor",
        "summary": "A test drug.",
    }
    return Drug.objects.create(**{**defaults, **fields})


def publish(drug: Drug) -> Drug:
    """Put the working copy, as it stands, in front of readers (what a reviewer's publish does)."""
    drug.status = MonographStatus.PUBLISHED
    drug.save()
    services.replace_public_copy(drug)
    return drug


def make_condition(**fields) -> Condition:
    n = next(_serial)
    defaults = {"name": f"Condition {n}", "slug": f"condition-{n}", "synonyms": f"C{n}"}
    return Condition.objects.create(**{**defaults, **fields})


def make_source(**fields) -> Source:
    n = next(_serial)
    defaults = {
        "key": f"trial-{n}",
        "title": f"A randomized withdrawal trial {n}",
        "authors": "Doe J, Roe R, et al.",
        "publisher": "Journal of Tests",
        "kind": SourceKind.RANDOMIZED_TRIAL,
        "url": f"https://example.org/trial-{n}",
        "publication_year": 2024,
    }
    return Source.objects.create(**{**defaults, **fields})


def make_profile(*, drug: Drug | None = None, condition: Condition | None = None, **fields) -> RelapseProfile:
    defaults = {"guidance": "Keep treating.", "last_reviewed": datetime.date(2026, 11, 20)}
    return RelapseProfile.objects.create(
        drug=drug or make_drug(), condition=condition or make_condition(), **{**defaults, **fields}
    )


def make_finding(*, profile: RelapseProfile | None = None, **fields) -> RelapseFinding:
    defaults = {
        "scenario": Scenario.WITHDRAWN_TO_PLACEBO,
        "regimen_before": "4 mg once daily",
        "regimen_after": "placebo",
        "outcome_definition": "Loss of response",
        "timepoint": Decimal(24),
        "timepoint_unit": TimeUnit.WEEKS,
        "proportion": Decimal(60),
        "total": 30,
        "study_design": "Phase 3 RCT, randomized withdrawal",
        "evidence_grade": EvidenceGrade.RANDOMIZED_WITHDRAWAL,
        "population": "Adults who responded",
    }
    values = {**defaults, **fields}
    if "source" not in values:
        values["source"] = make_source()
    return RelapseFinding.objects.create(profile=profile or make_profile(), **values)


def make_statement(profile: RelapseProfile, **fields) -> Statement:
    defaults = {
        "kind": StatementKind.LABEL,
        "issuer": "FDA",
        "topic": StatementTopic.INTERRUPTION,
        "quote": "Interrupt treatment if serious infection occurs.",
        "location": "Boxed warning",
        "source": make_source(kind="regulatory_label"),
    }
    return Statement.objects.create(profile=profile, **{**defaults, **fields})
