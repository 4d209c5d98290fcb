"""What changed between two copies of a curated row, in words a curator reads: field, old → new.

Shared by the review page (working copy against public copy), the restore confirmation (now against
the version to restore) and the refusal of a stale save (what someone else saved meanwhile).
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext

# Bookkeeping, not content: never listed as a change. (A finding's reviewed_on — when a curator last
# checked it against its source — is content readers see; the drug's is the review workflow's.)
IGNORED_FIELDS = frozenset({"id", "edit_version", "public_copy_of", "status", "created", "updated", "drug", "profile"})
WORKFLOW_FIELDS = frozenset({"last_edited_by", "last_edited_at", "reviewed_by", "reviewed_on"})


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

    @property
    def kind_display(self) -> str:
        return {
            "changed": pgettext("a row", "changed"),
            "added": pgettext("a row", "added"),
            "deleted": pgettext("a row", "removed"),
        }[self.kind]


def content_fields(model: type[models.Model]) -> list[models.Field]:
    from drugs.models import Drug

    ignored = IGNORED_FIELDS | WORKFLOW_FIELDS if model is Drug else IGNORED_FIELDS
    return [f for f in model._meta.concrete_fields if f.name not in ignored]


def values_of(instance: models.Model) -> dict:
    """A row's content as {attname: stored value} (foreign keys as ids, like a reversion Version)."""
    return {f.attname: getattr(instance, f.attname) for f in content_fields(type(instance))}


def related_labels(model: type[models.Model], rows: list[dict]) -> dict:
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
        labels = related_labels(model, [old, new])
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
    if isinstance(value, str):
        # Browsers send a textarea's lines ending in CRLF: the same text as the LF it was loaded with.
        return value.replace("\r\n", "\n")
    return value


def rows_changes(
    model: type[models.Model], before: dict, after: dict, label_of, labels: dict | None = None
) -> list[RowChange]:
    """Rows of one kind, matched by key ({key: values_of(row)} before and after): changed, added, deleted.

    label_of(key, values) names a row for the curator, e.g. "BRAVE-AA1: 4 mg → placebo at 24 weeks".
    """
    if labels is None:
        labels = related_labels(model, [*before.values(), *after.values()])
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


@dataclass
class Section:
    """One part of a monograph on the review page: the drug, its approvals, or one condition's profile."""

    title: str
    rows: list[RowChange]


def monograph_changes(working) -> list["Section"]:
    """What readers will see change when this working copy is published: each part of the monograph
    against its public copy (against nothing when it was never published: everything is added).

    Public rows are fresh copies with their own primary keys, so rows are matched by what they are:
    approvals by agency, year and indication; profiles by condition; findings by study, scenario,
    measure, regimens and time point; factors by their text; statements by issuer, topic and place.
    Rows sharing a key are paired in their display order. Six queries, whatever the monograph's size.
    """
    from drugs.models import Drug, RegulatoryApproval, RelapseFactor, RelapseFinding, RelapseProfile, Statement

    copies = list(Drug.objects.filter(Q(pk=working.pk) | Q(public_copy_of=working.pk)).with_content())
    current = next(copy for copy in copies if copy.pk == working.pk)
    public = next((copy for copy in copies if copy.pk != working.pk), None)
    names = _names_in(copies)

    sections = []
    drug_fields = field_changes(Drug, values_of(public) if public else {}, values_of(current), names)
    if drug_fields:
        kind = "changed" if public else "added"
        sections.append(Section(gettext("Drug"), [RowChange(kind, current.display_name, drug_fields)]))

    approvals = _keyed_changes(
        RegulatoryApproval,
        public.approvals.all() if public else [],
        current.approvals.all(),
        lambda a: (a.agency, a.year, a.indication),
        lambda a: f"{a.get_agency_display()} {a.when}: {a.indication}",
        names,
    )
    if approvals:
        sections.append(Section(gettext("Regulatory approvals"), approvals))

    before = {p.condition_id: p for p in (public.relapse_profiles.all() if public else [])}
    after = {p.condition_id: p for p in current.relapse_profiles.all()}
    for condition_id in sorted(before.keys() | after.keys(), key=lambda c: str((after.get(c) or before[c]).condition)):
        old, new = before.get(condition_id), after.get(condition_id)
        profile = new or old
        rows = rows_changes(
            RelapseProfile,
            {condition_id: values_of(old)} if old else {},
            {condition_id: values_of(new)} if new else {},
            lambda key, values: gettext("Relapse profile"),
            names,
        )
        rows += _keyed_changes(
            RelapseFinding,
            old.findings.all() if old else [],
            new.findings.all() if new else [],
            _finding_key,
            _finding_label,
            names,
        )
        rows += _keyed_changes(
            RelapseFactor,
            old.factors.all() if old else [],
            new.factors.all() if new else [],
            lambda factor: (factor.text,),
            lambda factor: gettext("Depends on: %(factor)s") % {"factor": factor.text},
            names,
        )
        rows += _keyed_changes(
            Statement,
            old.statements.all() if old else [],
            new.statements.all() if new else [],
            lambda statement: (statement.kind, statement.issuer, statement.topic, statement.location),
            lambda statement: f"{statement.issuer}: {statement.get_topic_display()} ({statement.location})",
            names,
        )
        if rows:
            title = gettext("Relapse profile: %(condition)s") % {"condition": profile.condition}
            sections.append(Section(title, rows))
    return sections


def _names_in(drugs) -> dict:
    """{(model, pk): str} of every condition and source the rows of these drugs refer to (already read)."""
    from drugs.models.catalog import cited_sources

    names = {}
    for drug in drugs:
        for approval in drug.approvals.all():
            for related in (approval.condition, approval.source):
                if related is not None:
                    names[type(related), related.pk] = str(related)
        for profile in drug.relapse_profiles.all():
            names[type(profile.condition), profile.condition_id] = str(profile.condition)
            for row in profile.rows:
                for source in cited_sources(row):
                    names[type(source), source.pk] = str(source)
    return names


def _keyed_changes(model, old_rows, new_rows, natural_key, label, names) -> list[RowChange]:
    """Rows matched by natural key; the nth row with a key pairs with the nth row with it on the other side."""

    def keyed(rows) -> dict:
        seen: Counter = Counter()
        result = {}
        for row in rows:
            key = natural_key(row)
            result[key, seen[key]] = row
            seen[key] += 1
        return result

    before, after = keyed(old_rows), keyed(new_rows)

    def label_of(key, values) -> str:
        text = label(after.get(key) or before[key])
        return f"{text} ({key[1] + 1})" if key[1] else text

    return rows_changes(
        model,
        {key: values_of(row) for key, row in before.items()},
        {key: values_of(row) for key, row in after.items()},
        label_of,
        names,
    )


def _finding_key(finding) -> tuple:
    return (
        finding.study_name,
        finding.scenario,
        finding.measure,
        finding.regimen_before,
        finding.regimen_after,
        _normal(finding.timepoint),
        finding.timepoint_unit,
    )


def _finding_label(finding) -> str:
    """'BRAVE-AA1: baricitinib 4 mg once daily → placebo — Relapse / loss of response at 24 weeks'."""
    study = f"{finding.study_name}: " if finding.study_name else ""
    what = f"{study}{finding.arm} — {finding.get_measure_display()}"
    if finding.timepoint_display:
        return gettext("%(finding)s at %(time)s") % {"finding": what, "time": finding.timepoint_display}
    return what
