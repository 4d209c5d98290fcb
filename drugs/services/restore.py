"""Restore an earlier version of a curated row, or recover a deleted one, changing only what that row owns.

A django-reversion revision may hold many rows (a drug's save holds its profiles and findings; an old
import held everything). Reverting a whole revision would also revert whatever else it holds: a shared
source, the disclaimer, another drug. So a restore is planned row by row from the chosen version:

- a drug: its own fields, profiles (with their findings, factors and statements) and approvals (rows added
  since are deleted, rows deleted since come back); never a source, condition, disclaimer, another drug or
  the public copy;
- a profile: its fields, findings, factors and label or guideline statements;
- a finding, an approval, a source or a condition: that row only;
- a disclaimer: only a version nobody has been shown; a shown wording never changes (write a new version).

The curator sees the plan (each field old → new, rows added or deleted) and confirms it; the plan is made
again on confirmation and applied only if it is still the one they saw. Workflow fields (status, public
copy, reviewers) are never restored, and a restored monograph goes back to draft like any other edit.
"""

import hashlib
from dataclasses import dataclass, field

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from reversion.models import Version

from drugs import cache
from drugs.changes import RowChange, content_fields, field_changes, related_labels, values_of
from drugs.models import (
    Condition,
    Disclaimer,
    Drug,
    RegulatoryApproval,
    RelapseFinding,
    RelapseProfile,
    Source,
)
from drugs.services import reference
from drugs.services.monographs import PROFILE_PARTS as PROFILE_PART_NAMES
from drugs.services.monographs import monograph_mark_edited

PROFILE_PARTS = list(PROFILE_PART_NAMES.values())
# A monograph's rows and the row each belongs to.
PARENTS = {
    RelapseProfile: ("drug_id", Drug),
    RegulatoryApproval: ("drug_id", Drug),
    **dict.fromkeys(PROFILE_PARTS, ("profile_id", RelapseProfile)),
}


@dataclass
class PlannedRow:
    model: type[models.Model]
    pk: int
    restored: dict | None  # content values to write; None: the row is deleted
    current: dict | None  # content values now; None: the row is (re)created

    @property
    def kind(self) -> str:
        return "added" if self.current is None else ("deleted" if self.restored is None else "changed")


@dataclass
class RestorePlan:
    version: Version
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[RowChange]:
        """What the curator confirms: rows whose content would differ, field by field."""
        labels = {}  # names of the sources and conditions rows point at: one query per kind for the whole plan
        for model in {row.model for row in self.rows}:
            values = [v for row in self.rows if row.model is model for v in (row.current, row.restored) if v]
            labels.update(related_labels(model, values))
        listed = []
        for row in self.rows:
            fields = field_changes(row.model, row.current or {}, row.restored or {}, labels)
            if fields or row.kind != "changed":
                listed.append(RowChange(row.kind, _label(row), fields))
        return listed

    @property
    def fingerprint(self) -> str:
        """Names this exact plan: a confirmation applies only the plan the curator saw."""
        text = repr(
            [
                (r.model.__name__, r.pk, sorted((r.restored or {}).items()), sorted((r.current or {}).items()))
                for r in self.rows
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def _label(row: PlannedRow) -> str:
    values = row.restored or row.current
    what = str(row.model._meta.verbose_name)
    if row.model is RelapseFinding:
        arm = " → ".join(filter(None, [values.get("regimen_before"), values.get("regimen_after")]))
        units = dict(RelapseFinding._meta.get_field("timepoint_unit").flatchoices)
        when = (
            f" {values.get('timepoint')} {units.get(values.get('timepoint_unit'), '')}"
            if values.get("timepoint")
            else ""
        )
        return f"{what}: {values.get('study_name') or ''} {arm}{when}".strip()
    name = (
        values.get("name")
        or values.get("title")
        or values.get("indication")
        or values.get("version")
        or values.get("text")
        or values.get("issuer")
    )
    return f"{what}: {name}" if name else f"{what} #{row.pk}"


def _same_revision(version: Version, model: type[models.Model]) -> list[Version]:
    content_type = ContentType.objects.get_for_model(model)
    return list(version.revision.version_set.filter(content_type=content_type))


def _children(version: Version, model, parent_ids: set[int], current: models.QuerySet | None) -> list[PlannedRow]:
    """Rows of `model` belonging to these parents (PARENTS): as the revision holds them, and the rows `current`
    holds now that the revision does not (to delete). current is None when the parent no longer exists."""
    attname = PARENTS[model][0]
    held = [v for v in _same_revision(version, model) if v.field_dict.get(attname) in parent_ids]
    return _rows(model, held, current.in_bulk() if current is not None else {})


def _rows(model, versions: list[Version], current: dict[int, models.Model]) -> list[PlannedRow]:
    """Rows as in the versions, and rows now present that the versions do not hold (to delete)."""
    restored = {int(v.object_id): _content(model, v.field_dict) for v in versions}
    planned = [PlannedRow(model, pk, values, _values(current.get(pk))) for pk, values in restored.items()]
    planned += [PlannedRow(model, pk, None, _values(obj)) for pk, obj in current.items() if pk not in restored]
    return sorted(planned, key=lambda row: row.pk)


def _content(model, field_dict: dict) -> dict:
    """The version's content, with the row's own monograph (to bring a deleted row back where it was)."""
    values = {f.attname: field_dict.get(f.attname) for f in content_fields(model)}
    if model in PARENTS:
        values[PARENTS[model][0]] = field_dict.get(PARENTS[model][0])
    return values


def _values(obj) -> dict | None:
    if obj is None:
        return None
    values = values_of(obj)
    if type(obj) in PARENTS:
        values[PARENTS[type(obj)][0]] = getattr(obj, PARENTS[type(obj)][0])
    return values


def restore_plan(version: Version) -> RestorePlan:
    """What restoring (or recovering) this version would change, and what stops it."""
    model = version.content_type.model_class()
    pk = int(version.object_id)
    plan = RestorePlan(version)
    if model is Drug:
        _plan_drug(plan, pk)
    elif model is RelapseProfile:
        _plan_profile(plan, version, pk)
    else:
        current = model._default_manager.filter(pk=pk).first()
        plan.rows.append(PlannedRow(model, pk, _content(model, version.field_dict), _values(current)))
        _check_parent(plan, version, model)
    if model is Disclaimer:
        _check_disclaimer(plan, pk)
    _check_references(plan)
    return plan


def _plan_drug(plan: RestorePlan, pk: int) -> None:
    drug = Drug.objects.filter(pk=pk).first()
    if drug is not None and drug.public_copy_of_id is not None:
        plan.problems.append(_("A public copy is never restored: restore the working copy and publish it."))
        return
    plan.rows.append(PlannedRow(Drug, pk, _content(Drug, plan.version.field_dict), _values(drug)))
    profiles = _children(
        plan.version, RelapseProfile, {pk}, RelapseProfile.objects.filter(drug_id=pk) if drug else None
    )
    profile_ids = {row.pk for row in profiles if row.restored is not None}
    plan.rows += profiles
    for part in PROFILE_PARTS:
        current = part.objects.filter(profile__drug_id=pk) if drug else None
        plan.rows += _children(plan.version, part, profile_ids, current)
    approvals = RegulatoryApproval.objects.filter(drug_id=pk) if drug else None
    plan.rows += _children(plan.version, RegulatoryApproval, {pk}, approvals)
    if drug is None and Drug.objects.working().filter(slug=plan.version.field_dict.get("slug")).exists():
        plan.problems.append(_("Another drug now uses this slug: rename or delete it before recovering this one."))


def _plan_profile(plan: RestorePlan, version: Version, pk: int) -> None:
    profile = RelapseProfile.objects.filter(pk=pk).first()
    plan.rows.append(PlannedRow(RelapseProfile, pk, _content(RelapseProfile, version.field_dict), _values(profile)))
    for part in PROFILE_PARTS:
        current = part.objects.filter(profile_id=pk) if profile else None
        plan.rows += _children(version, part, {pk}, current)
    _check_parent(plan, version, RelapseProfile)


def _check_parent(plan: RestorePlan, version: Version, model) -> None:
    """A row of a monograph comes back only into its own working copy, which must still exist."""
    if model not in PARENTS:
        return
    attname, parent_model = PARENTS[model]
    parent_id = version.field_dict.get(attname)
    parents = parent_model._default_manager.filter(pk=parent_id)
    parents = parents.filter(public_copy_of__isnull=True) if parent_model is Drug else parents
    parents = parents.filter(drug__public_copy_of__isnull=True) if parent_model is RelapseProfile else parents
    if not parents.exists():
        plan.problems.append(
            _("Its %(parent)s no longer exists: recover that first.") % {"parent": parent_model._meta.verbose_name}
        )


def _check_disclaimer(plan: RestorePlan, pk: int) -> None:
    disclaimer = Disclaimer.objects.filter(pk=pk).first()
    if disclaimer is not None and (disclaimer.is_current or disclaimer.acknowledgment_tallies.exists()):
        plan.problems.append(
            _("Visitors have been shown this version: its wording can never change. Add a new version instead.")
        )
    for row in plan.rows:
        if row.restored is not None:
            row.restored.pop("is_current", None)  # which version is current changes only by making one current
            if row.current is not None:
                row.current.pop("is_current", None)


def _check_references(plan: RestorePlan) -> None:
    """A restored row may point only at sources and conditions that still exist (one query per kind)."""
    wanted = []
    for row in plan.rows:
        for field_ in content_fields(row.model) if row.restored is not None else []:
            value = row.restored.get(field_.attname)
            if field_.is_relation and field_.related_model in (Source, Condition) and value is not None:
                wanted.append((row, field_.related_model, value))
    existing = {
        model: set(
            model._default_manager.filter(pk__in={v for _r, m, v in wanted if m is model}).values_list("pk", flat=True)
        )
        for model in (Source, Condition)
    }
    for row, model, value in wanted:
        if value not in existing[model]:
            plan.problems.append(
                _("%(row)s refers to a %(what)s that has since been deleted: recover it first.")
                % {"row": _label(row), "what": model._meta.verbose_name}
            )


def _may_restore(user, plan: RestorePlan) -> bool:
    for row in plan.rows:
        action = "add" if row.kind == "added" else ("delete" if row.kind == "deleted" else "change")
        if not user.has_perm(f"drugs.{action}_{row.model._meta.model_name}"):
            return False
        shared = row.model in (Source, Condition) and row.current is not None
        if shared and not reference.may_change(user, row.model._default_manager.get(pk=row.pk)):
            return False
    return True


@transaction.atomic
def restore(*, version: Version, user, fingerprint: str) -> RestorePlan:
    """Apply the plan the curator confirmed (named by its fingerprint); refuse if anything changed since."""
    plan = restore_plan(version)
    if not _may_restore(user, plan):
        raise PermissionDenied(_("You may not make every change this restore needs."))
    if plan.problems:
        raise ValidationError(plan.problems)
    if plan.fingerprint != fingerprint:
        raise ValidationError(_("The data changed since you opened this page: check the list of changes again."))
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(
            _("Restored the version of %(when)s") % {"when": f"{version.revision.date_created:%Y-%m-%d %H:%M}"}
        )
        for row in sorted(plan.rows, key=_write_order):
            _apply(row)
    for drug in _monographs_touched(plan):
        monograph_mark_edited(drug=drug, user=user)
    if any(row.model in (Source, Condition, Disclaimer) for row in plan.rows):
        cache.content_changed()  # shared rows are read live by the public pages; monographs wait for review
    return plan


def _write_order(row: PlannedRow) -> tuple:
    # Deletions first (children before parents), then parents before children.
    depth = {Drug: 0, RegulatoryApproval: 1, RelapseProfile: 1, **dict.fromkeys(PROFILE_PARTS, 2)}.get(row.model, 0)
    return (0, -depth) if row.restored is None else (1, depth)


def _apply(row: PlannedRow) -> None:
    manager = row.model._default_manager
    if row.restored is None:
        manager.filter(pk=row.pk).delete()
        return
    obj = manager.filter(pk=row.pk).first()
    if obj is None:
        obj = row.model(pk=row.pk)
    for attname, value in row.restored.items():
        setattr(obj, attname, value)
    obj.full_clean(validate_unique=True)
    obj.save()
    reversion.add_to_revision(obj)


def _monographs_touched(plan: RestorePlan) -> list[Drug]:
    drug_ids = set()
    for row in plan.rows:
        if row.model is Drug:
            drug_ids.add(row.pk)
        elif row.model in (RelapseProfile, RegulatoryApproval):
            drug_ids |= {(row.restored or {}).get("drug_id"), (row.current or {}).get("drug_id")}
        elif row.model in PROFILE_PARTS:
            profile_ids = {(row.restored or {}).get("profile_id"), (row.current or {}).get("profile_id")}
            drug_ids |= set(
                RelapseProfile.objects.filter(pk__in=profile_ids - {None}).values_list("drug_id", flat=True)
            )
    return list(Drug.objects.filter(pk__in=drug_ids - {None}))
