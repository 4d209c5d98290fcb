"""Draft → in review → published (or withdrawn): the rules a monograph's life follows.

Curators edit the working copy; publishing copies it, reviewed, to the public copy that
pages, search and exports read. Nothing a curator types reaches a reader unreviewed.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drugs import cache
from drugs.models import (
    Drug,
    MonographEvent,
    MonographStatus,
    RegulatoryApproval,
    RelapseFactor,
    RelapseFinding,
    Statement,
)

# A profile's rows, by the name the profile reaches them with: published, kept in history, restored and exported
# together (drugs/services/restore.py, drugs/admin/history.py and drugs/interchange/importer.py read this).
PROFILE_PARTS = {"findings": RelapseFinding, "factors": RelapseFactor, "statements": Statement}

PUBLISH_PERMISSION = "drugs.publish_monograph"
SUBMIT_PERMISSION = "drugs.submit_monograph"
DELETE_PERMISSION = "drugs.delete_drug"


def publication_problems(drug: Drug, *, uncited_factors: bool = False) -> list[str]:
    """What stops a monograph from being published, each in words a curator can act on. uncited_factors lets
    factors that cite nothing pass: only for public copies restored from a file older than factor support."""
    problems = []
    for profile in Drug.objects.with_content().get(pk=drug.pk).relapse_profiles.all():
        # A scenario's level comes from the findings by rule, so a profile without findings reads "not
        # established" by itself; only a curator's level needs a finding of that scenario, or it has nothing to
        # overrule.
        for answer in profile.answers:
            if answer.override and answer.override != "not_established" and not answer.findings:
                problems.append(
                    _("%(condition)s: '%(scenario)s' has a curator's level but no finding: add one, or clear it.")
                    % {"condition": profile.condition, "scenario": answer.label}
                )
        for finding in profile.findings.all():
            if finding.source_id is None:
                problems.append(
                    _("%(condition)s: the finding '%(finding)s' has no source.")
                    % {"condition": profile.condition, "finding": finding.arm}
                )
        for factor in profile.factors.all():
            if not factor.is_cited and not uncited_factors:
                problems.append(
                    _(
                        "%(condition)s: the factor '%(factor)s' cites nothing: choose what supports it (a study or "
                        "statement with its words, or expert opinion), or delete it."
                    )
                    % {"condition": profile.condition, "factor": factor.text}
                )
    return problems


def monograph_mark_edited(*, drug: Drug, user) -> None:
    """A content change: it needs a new review, so the working copy goes back to draft."""
    working = drug.working_copy
    Drug.objects.filter(pk=working.pk).update(
        last_edited_by=user, last_edited_at=timezone.now(), status=MonographStatus.DRAFT
    )
    working.editors_since_review.add(user)


def edit_marker(drug: Drug) -> str:
    """Names the monograph's last content change (every change passes through monograph_mark_edited)."""
    return drug.last_edited_at.isoformat() if drug.last_edited_at else ""


def submitter_of(drug: Drug):
    """Who submitted the monograph now in review (None if nobody has)."""
    event = drug.working_copy.events.filter(action=MonographEvent.Action.SUBMITTED).select_related("user").first()
    return event.user if event else None


def _locked(drug: Drug) -> Drug:
    """The working copy as the database has it now, locked: two reviewers cannot race one transition."""
    return Drug.objects.select_for_update().get(pk=drug.working_copy.pk)


def _record(drug: Drug, action: str, user, note: str = "", *, override: bool = False) -> MonographEvent:
    return MonographEvent.objects.create(drug=drug, action=action, user=user, note=note, four_eyes_override=override)


@transaction.atomic
def monograph_submit(*, drug: Drug, user) -> Drug:
    drug = _locked(drug)
    if not user.has_perm(SUBMIT_PERMISSION):
        raise PermissionDenied(_("You cannot submit monographs for review."))
    if drug.status != MonographStatus.DRAFT:
        raise ValidationError(_("Only a draft can be submitted for review."))
    problems = publication_problems(drug)
    if problems:
        raise ValidationError(problems)
    drug.status = MonographStatus.IN_REVIEW
    drug.save(update_fields=["status", "updated"])
    _record(drug, MonographEvent.Action.SUBMITTED, user)
    return drug


@transaction.atomic
def monograph_recall(*, drug: Drug, user) -> Drug:
    """The submitter takes their own submission back to draft (e.g. to fix something before review)."""
    drug = _locked(drug)
    if drug.status != MonographStatus.IN_REVIEW:
        raise ValidationError(_("Only a monograph in review can be recalled."))
    if submitter_of(drug) != user:
        raise PermissionDenied(_("Only the person who submitted it can recall it; a reviewer can return it."))
    return _back_to_draft(drug, MonographEvent.Action.RECALLED, user)


@transaction.atomic
def monograph_return_to_draft(*, drug: Drug, user, note: str = "") -> Drug:
    """A reviewer sends someone's submission back, saying why."""
    drug = _locked(drug)
    if not user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("Only a reviewer can return a submission; its submitter can recall it."))
    if drug.status != MonographStatus.IN_REVIEW:
        raise ValidationError(_("Only a monograph in review can be returned to draft."))
    return _back_to_draft(drug, MonographEvent.Action.RETURNED, user, note)


def _back_to_draft(drug: Drug, action: str, user, note: str = "") -> Drug:
    drug.status = MonographStatus.DRAFT
    drug.save(update_fields=["status", "updated"])
    _record(drug, action, user, note)
    return drug


@transaction.atomic
def monograph_publish(*, drug: Drug, reviewer, note: str, seen_edit: str | None = None) -> Drug:
    """Publish a monograph in review: four eyes, sources required, a 'what changed' line.

    seen_edit: the last content change the reviewer's page showed (edit_marker); if the monograph has
    changed since, the reviewer has not seen what they would publish, and it is refused.
    """
    drug = _locked(drug)
    if seen_edit is not None and seen_edit != edit_marker(drug):
        raise ValidationError(_("The monograph changed since you opened this page: look at the changes again."))
    if not reviewer.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("Only a reviewer can publish."))
    if drug.status != MonographStatus.IN_REVIEW:
        raise ValidationError(_("Only a monograph in review can be published: submit it for review first."))
    # Four eyes: nobody who changed the content since the last publication may publish it.
    override = drug.editors_since_review.filter(pk=reviewer.pk).exists()
    if override and not reviewer.is_superuser:
        raise PermissionDenied(
            _("You changed this monograph since it was last published: another reviewer must publish it.")
        )
    note = " ".join(note.split())
    if not note:
        raise ValidationError(_("Write one line saying what changed; readers see it on the monograph."))
    problems = publication_problems(drug)
    if problems:
        raise ValidationError(problems)
    drug.status = MonographStatus.PUBLISHED
    drug.reviewed_by = reviewer
    drug.reviewed_on = timezone.localdate()
    drug.save(update_fields=["status", "reviewed_by", "reviewed_on", "updated"])
    drug.editors_since_review.clear()
    replace_public_copy(drug)
    _record(drug, MonographEvent.Action.PUBLISHED, reviewer, note, override=override)
    return drug


@transaction.atomic
def monograph_withdraw(*, drug: Drug, reviewer, note: str = "") -> Drug:
    drug = _locked(drug)
    if not reviewer.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("Only a reviewer can withdraw a monograph."))
    if not Drug.objects.filter(public_copy_of=drug).exists():
        raise ValidationError(_("Only a published monograph can be withdrawn."))
    Drug.objects.filter(public_copy_of=drug).delete()
    cache.content_changed()
    drug.status = MonographStatus.WITHDRAWN
    drug.save(update_fields=["status", "updated"])
    _record(drug, MonographEvent.Action.WITHDRAWN, reviewer, note)
    return drug


def may_delete_draft(user, drug: Drug) -> bool:
    """Only a monograph readers never saw may be deleted: one once published keeps its review trail (withdraw
    it instead). A reviewer may delete any such draft; a curator only a draft (not in review) nobody else
    has changed since it was last reviewed, which they changed themselves."""
    if drug.is_public_copy or not user.has_perm(DELETE_PERMISSION):
        return False
    if Drug.objects.filter(public_copy_of=drug).exists():
        return False
    if drug.events.filter(action=MonographEvent.Action.PUBLISHED).exists():
        return False
    if user.has_perm(PUBLISH_PERMISSION):
        return True
    editors = set(drug.editors_since_review.values_list("pk", flat=True))
    if drug.last_edited_by_id is not None:
        editors.add(drug.last_edited_by_id)
    return drug.status == MonographStatus.DRAFT and editors == {user.pk}


@transaction.atomic
def monograph_delete_draft(*, drug: Drug, user) -> None:
    """Delete a never-published draft, with its profiles, findings, approvals and review trail."""
    if drug.is_public_copy:
        raise PermissionDenied(_("A published copy is never deleted: withdraw the monograph instead."))
    drug = _locked(drug)
    if not may_delete_draft(user, drug):
        raise PermissionDenied(
            _(
                "Only a draft that was never published can be deleted, by a reviewer or by the only curator who "
                "changed it; a published monograph is withdrawn instead."
            )
        )
    drug.delete()  # never published: readers never saw it, so their pages stay as they are


def _copy(instance, **changes):
    instance.pk = None
    instance.id = None
    instance._state.adding = True
    for field, value in changes.items():
        setattr(instance, field, value)
    return instance


@transaction.atomic
def replace_public_copy(drug: Drug) -> Drug:
    """Copy the working monograph, rows and all, over its public copy."""
    Drug.objects.filter(public_copy_of=drug).delete()
    working = Drug.objects.with_content().get(pk=drug.pk)
    approvals = list(working.approvals.all())
    profiles = list(working.relapse_profiles.all())
    public = _copy(Drug.objects.get(pk=drug.pk), public_copy_of=drug, status=MonographStatus.PUBLISHED)
    public.save()
    RegulatoryApproval.objects.bulk_create(_copy(a, drug=public) for a in approvals)
    for profile in profiles:
        parts = {model: list(getattr(profile, name).all()) for name, model in PROFILE_PARTS.items()}
        public_profile = _copy(profile, drug=public)
        public_profile.save()
        for model, rows in parts.items():
            model.objects.bulk_create(_copy(row, profile=public_profile) for row in rows)
    cache.content_changed()
    return public
