"""Writes that span rows or enforce a rule: one home for them."""

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


def _upsert(model, lookup: dict, values: dict):
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
    return instance


@transaction.atomic
def seed_load(*, data: dict) -> None:
    from drugs.models import Condition, Drug, RegulatoryApproval, RelapseFinding, RelapseProfile, Source

    for record in data.get("disclaimers", []):
        # A version visitors may already have accepted is never rewritten: new wording needs a new version.
        disclaimer = Disclaimer.objects.filter(version=record["version"]).first()
        if disclaimer is None:
            values = {k: v for k, v in record.items() if k != "is_current"}
            disclaimer = _upsert(Disclaimer, {"version": record["version"]}, values)
        if record.get("is_current") and not Disclaimer.objects.filter(is_current=True).exists():
            disclaimer_make_current(disclaimer=disclaimer)

    sources = {}
    for record in data.get("sources", []):
        values = {k: v for k, v in record.items() if k not in ("key", "title")}
        sources[record["key"]] = _upsert(Source, {"title": record["title"]}, values)

    conditions = {}
    for record in data.get("conditions", []):
        values = {k: v for k, v in record.items() if k != "slug"}
        conditions[record["slug"]] = _upsert(Condition, {"slug": record["slug"]}, values)

    for record in data.get("drugs", []):
        values = {k: v for k, v in record.items() if k not in ("slug", "approvals", "profiles")}
        drug = _upsert(Drug, {"slug": record["slug"]}, values)
        for approval in record.get("approvals", []):
            lookup = {"drug": drug, "agency": approval["agency"], "indication": approval["indication"]}
            values = {
                **approval,
                "condition": conditions.get(approval["condition"]),
                "source": sources.get(approval["source"]),
            }
            _upsert(RegulatoryApproval, lookup, {k: v for k, v in values.items() if k not in lookup})
        for profile_record in record.get("profiles", []):
            condition = conditions[profile_record["condition"]]
            values = {k: v for k, v in profile_record.items() if k not in ("condition", "findings")}
            profile = _upsert(RelapseProfile, {"drug": drug, "condition": condition}, values)
            for finding in profile_record.get("findings", []):
                finding = {**finding, "source": sources[finding["source"]]}
                lookup = {"profile": profile, **{k: finding[k] for k in FINDING_IDENTITY}}
                _upsert(RelapseFinding, lookup, {k: v for k, v in finding.items() if k not in lookup})
