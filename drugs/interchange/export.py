"""Export: the whole curated dataset as one deterministic JSON document (docs/data-format.md), or one part
of it: a drug with the sources and conditions it cites (a seed file per drug), or the disclaimers alone."""

import json
from datetime import UTC, datetime
from decimal import Decimal

from drugs.interchange.fields import (
    APPROVAL_FIELDS,
    CONDITION_FIELDS,
    DISCLAIMER_FIELDS,
    DRUG_FIELDS,
    EVENT_FIELDS,
    FACTOR_FIELDS,
    FINDING_FIELDS,
    FORMAT,
    PROFILE_FIELDS,
    SAME_AS_WORKING,
    SOURCE_FIELDS,
    STATEMENT_FIELDS,
    natural_key,
)
from drugs.models import Condition, Disclaimer, Drug, Source
from drugs.models.catalog import cited_sources


def _plain(value):
    """One JSON spelling for each value: decimals keep their stored places, times are UTC."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _record(instance, fields: list[str]) -> dict:
    record = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.is_relation:
            related = getattr(instance, name)
            record[name] = None if related is None else getattr(related, natural_key(field.related_model))
        else:
            record[name] = _plain(getattr(instance, name))
    return record


def _sorted(records: list[dict], *keys: str) -> list[dict]:
    """Sorted in Python, so the order never depends on a database's collation or NULL ordering."""
    return sorted(records, key=lambda r: tuple((r[k] is not None, r[k] if r[k] is not None else 0) for k in keys))


def _drug_record(drug: Drug) -> dict:
    """One drug with its rows (prefetched by DrugQuerySet.with_content)."""
    approvals = drug.approvals.all()
    profiles = drug.relapse_profiles.all()
    return {
        **_record(drug, DRUG_FIELDS),
        "approvals": _sorted([_record(a, APPROVAL_FIELDS) for a in approvals], "year", "month", "agency", "indication"),
        "profiles": _sorted([_profile_record(p) for p in profiles], "condition"),
    }


def _profile_record(profile) -> dict:
    statements = [_record(s, STATEMENT_FIELDS) for s in profile.statements.all()]
    return {
        **_record(profile, PROFILE_FIELDS),
        "findings": [_record(f, FINDING_FIELDS) for f in profile.findings.all()],
        "factors": [_record(f, FACTOR_FIELDS) for f in profile.factors.all()],
        "statements": _sorted(statements, "kind", "issuer", "topic", "location", "quote"),
    }


PEOPLE = ["last_edited_by", "reviewed_by"]


def _cited(drug: Drug) -> tuple[set, set]:
    """The keys of the sources and the slugs of the conditions a drug's rows point at."""
    rows = [drug, *drug.approvals.all()]
    for profile in drug.relapse_profiles.all():
        rows += profile.rows
    sources = {source.key for row in rows for source in cited_sources(row)}
    conditions = {p.condition.slug for p in drug.relapse_profiles.all()} | {
        a.condition.slug for a in drug.approvals.all() if a.condition_id
    }
    return sources, conditions


def export_data(*, drug_slug: str | None = None, disclaimers_only: bool = False) -> dict:
    """Everything; or one drug with the sources and conditions it cites; or the disclaimers alone."""
    drugs = []
    public_copies = {d.public_copy_of_id: d for d in Drug.objects.published().with_content().select_related(*PEOPLE)}
    working = Drug.objects.working().with_content().select_related(*PEOPLE).prefetch_related("editors_since_review")
    sources, conditions, disclaimers = Source.objects.all(), Condition.objects.all(), Disclaimer.objects.all()
    if drug_slug is not None or disclaimers_only:
        working = list(working.filter(slug=drug_slug) if drug_slug is not None else working.none())
        disclaimers = disclaimers if disclaimers_only else disclaimers.none()
        cited = [_cited(d) for d in working] + [_cited(public_copies[d.pk]) for d in working if d.pk in public_copies]
        sources = sources.filter(key__in={key for keys, _slugs in cited for key in keys})
        conditions = conditions.filter(slug__in={slug for _keys, slugs in cited for slug in slugs})
    for drug in working:
        record = _drug_record(drug)
        public = public_copies.get(drug.pk)
        if public is None:
            record["public_copy"] = None
        else:
            public_record = _drug_record(public)
            record["public_copy"] = (
                SAME_AS_WORKING if public_record == {**record, "status": "published"} else public_record
            )
        record["editors_since_review"] = sorted(user.get_username() for user in drug.editors_since_review.all())
        events = drug.events.select_related("user").order_by("at", "id")
        record["events"] = [_record(e, EVENT_FIELDS) for e in events]
        drugs.append(record)
    return {
        "format": FORMAT,
        "disclaimers": _sorted([_record(d, DISCLAIMER_FIELDS) for d in disclaimers], "version"),
        "sources": _sorted([_record(s, SOURCE_FIELDS) for s in sources], "key"),
        "conditions": _sorted([_record(c, CONDITION_FIELDS) for c in conditions], "slug"),
        "drugs": _sorted(drugs, "slug"),
    }


def export_json(**part) -> str:
    return json.dumps(export_data(**part), ensure_ascii=False, indent=2) + "\n"
