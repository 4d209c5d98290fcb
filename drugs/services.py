"""Writes that span rows or enforce a rule: one home for them."""

import reversion
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


# The seed: a JSON file of monographs, loaded so that a second run changes nothing.

FINDING_IDENTITY = (
    "scenario",
    "measure",
    "regimen_before",
    "regimen_after",
    "outcome_definition",
    "timepoint",
    "timepoint_unit",
    "population",
)


def _upsert(model, lookup: dict, values: dict) -> tuple[object, bool]:
    """update_or_create that validates like the admin does, and saves only what differs."""
    instance = model.objects.filter(**lookup).first() or model(**lookup)
    changed = instance.pk is None
    for field, value in values.items():
        model_field = model._meta.get_field(field)
        value = model_field.to_python(value) if not model_field.is_relation else value
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    if changed:
        # clean() mirrors every check constraint and the database enforces them on save, so the
        # per-constraint validation queries (a dozen per finding) would only make loading slower.
        instance.full_clean(validate_constraints=False)
        instance.save()
    return instance, changed


@transaction.atomic
def seed_load(*, data: dict) -> None:
    """Load seed monographs; a reviewed seed drug is published as it stands."""
    from drugs import workflow
    from drugs.models import MonographEvent

    # The working rows join the history like any curator's save; the public copies stay out of it.
    with reversion.create_revision():
        reversion.set_comment("Loaded from the seed file")
        to_publish = _seed_working_copies(data)
    for drug, note in to_publish:
        workflow.replace_public_copy(drug)
        MonographEvent.objects.get_or_create(drug=drug, action=MonographEvent.Action.PUBLISHED, defaults={"note": note})


def _seed_working_copies(data: dict) -> list:
    from drugs.models import Condition, Drug, RegulatoryApproval, RelapseFinding, RelapseProfile, Source

    to_publish = []

    for record in data.get("disclaimers", []):
        # A version visitors may already have accepted is never rewritten: new wording needs a new version.
        disclaimer = Disclaimer.objects.filter(version=record["version"]).first()
        if disclaimer is None:
            values = {k: v for k, v in record.items() if k != "is_current"}
            disclaimer, _ = _upsert(Disclaimer, {"version": record["version"]}, values)
        if record.get("is_current") and not Disclaimer.objects.filter(is_current=True).exists():
            disclaimer_make_current(disclaimer=disclaimer)

    sources = {}
    for record in data.get("sources", []):
        values = {k: v for k, v in record.items() if k not in ("key", "title")}
        sources[record["key"]], _ = _upsert(Source, {"title": record["title"]}, values)

    conditions = {}
    for record in data.get("conditions", []):
        values = {k: v for k, v in record.items() if k != "slug"}
        conditions[record["slug"]], _ = _upsert(Condition, {"slug": record["slug"]}, values)

    for record in data.get("drugs", []):
        values = {k: v for k, v in record.items() if k not in ("slug", "approvals", "profiles", "publication_note")}
        drug, changed = _upsert(Drug, {"slug": record["slug"], "public_copy_of": None}, values)
        for approval in record.get("approvals", []):
            lookup = {"drug": drug, "agency": approval["agency"], "indication": approval["indication"]}
            values = {
                **approval,
                "condition": conditions.get(approval["condition"]),
                "source": sources.get(approval["source"]),
            }
            changed |= _upsert(RegulatoryApproval, lookup, {k: v for k, v in values.items() if k not in lookup})[1]
        for profile_record in record.get("profiles", []):
            condition = conditions[profile_record["condition"]]
            values = {k: v for k, v in profile_record.items() if k not in ("condition", "findings")}
            profile, profile_changed = _upsert(RelapseProfile, {"drug": drug, "condition": condition}, values)
            changed |= profile_changed
            for finding in profile_record.get("findings", []):
                finding = {**finding, "source": sources[finding["source"]]}
                lookup = {"profile": profile, **{k: finding[k] for k in FINDING_IDENTITY}}
                changed |= _upsert(RelapseFinding, lookup, {k: v for k, v in finding.items() if k not in lookup})[1]
        # The seed was reviewed against its sources before it was written: it is published as it stands.
        if drug.status == "published" and (changed or not hasattr(drug, "public_copy")):
            to_publish.append((drug, record.get("publication_note", "")))
    return to_publish
