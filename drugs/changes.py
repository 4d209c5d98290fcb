"""What changed between two copies of a curated row, in words a curator reads: field, old → new.

Shared by the review page (working copy against public copy), the restore confirmation (now against
the version to restore) and the refusal of a stale save (what someone else saved meanwhile).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models

# Bookkeeping, not content: never listed as a change.
IGNORED_FIELDS = frozenset(
    {
        "id",
        "edit_version",
        "public_copy_of",
        "status",
        "last_edited_by",
        "last_edited_at",
        "reviewed_by",
        "reviewed_on",
        "created",
        "updated",
        "drug",
        "profile",
    }
)


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class RowChange:
    """One row: changed (fields), added or deleted."""

    kind: str  # "changed", "added" or "deleted"
    label: str
    fields: list[FieldChange] = field(default_factory=list)


def content_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in IGNORED_FIELDS]


def values_of(instance: models.Model) -> dict:
    """A row's content as {attname: stored value} (foreign keys as ids, like a reversion Version)."""
    return {f.attname: getattr(instance, f.attname) for f in content_fields(type(instance))}


def _related_labels(model: type[models.Model], rows: list[dict]) -> dict:
    """{(related model, pk): label} for every foreign key value in these rows: one query per related model."""
    wanted: dict[type, set] = {}
    for field_ in content_fields(model):
        if field_.is_relation:
            ids = {row.get(field_.attname) for row in rows} - {None, ""}
            wanted.setdefault(field_.related_model, set()).update(ids)
    labels = {}
    for related, ids in wanted.items():
        found = related._default_manager.in_bulk(ids) if ids else {}
        for pk in ids:
            labels[(related, pk)] = str(found[pk]) if pk in found else f"#{pk} (deleted)"
    return labels


def display(field_: models.Field, value, labels: dict) -> str:
    if value is None or value == "":
        return "—"
    if field_.choices:
        return str(dict(field_.flatchoices).get(value, value))
    if field_.is_relation:
        return labels.get((field_.related_model, value), f"#{value}")
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(field_, models.DecimalField):
        # As the form shows it (60.00), whether the value was typed as 60 or read back as 60.00.
        return f"{Decimal(str(value)):.{field_.decimal_places}f}"
    return str(value)


def field_changes(model: type[models.Model], old: dict, new: dict, labels: dict | None = None) -> list[FieldChange]:
    """Each content field whose value differs, with old and new as the curator reads them."""
    if labels is None:
        labels = _related_labels(model, [old, new])
    changes = []
    for field_ in content_fields(model):
        before, after = old.get(field_.attname), new.get(field_.attname)
        if _normal(before) != _normal(after):
            label = str(field_.verbose_name)
            changes.append(
                FieldChange(
                    label[:1].upper() + label[1:], display(field_, before, labels), display(field_, after, labels)
                )
            )
    return changes


def _normal(value):
    # "" and None both mean "not given"; 60 and 60.00 are the same figure.
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    return value


def rows_changes(model: type[models.Model], before: dict, after: dict, label_of) -> list[RowChange]:
    """Rows of one kind, matched by key ({key: values_of(row)} before and after): changed, added, deleted.

    label_of(key, values) names a row for the curator, e.g. "BRAVE-AA1: 4 mg → placebo at 24 weeks".
    """
    labels = _related_labels(model, [*before.values(), *after.values()])
    changes = []
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if old is None:
            changes.append(RowChange("added", label_of(key, new), field_changes(model, {}, new, labels)))
        elif new is None:
            changes.append(RowChange("deleted", label_of(key, old), field_changes(model, old, {}, labels)))
        else:
            fields = field_changes(model, old, new, labels)
            if fields:
                changes.append(RowChange("changed", label_of(key, new), fields))
    return sorted(changes, key=lambda change: (change.label, change.kind))
