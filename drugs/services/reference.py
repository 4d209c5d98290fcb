"""Sources and conditions: shared by every monograph and read live by the public pages.

Once readers can see one, only a reviewer may change or delete it; anyone who curates may add new ones.
"Readers can see it" is worked out from the model relations themselves: every row that points at a
source or condition is followed to the drug it belongs to, so a relation added later is covered too
(tests/test_reference_data.py fails for a relation that leads to no drug).
"""

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from drugs import cache
from drugs.models import Drug, MonographStatus
from drugs.services.monographs import PUBLISH_PERMISSION


def path_to_drug(model: type[models.Model], seen: frozenset = frozenset()) -> str | None:
    """The lookup from a row of `model` to the drug it belongs to ("" for a drug), or None."""
    if model is Drug:
        return ""
    for field in model._meta.get_fields():
        if not (field.many_to_one or field.one_to_one) or not field.concrete or field.related_model in seen:
            continue
        rest = path_to_drug(field.related_model, seen | {model})
        if rest is not None:
            return f"{field.name}__{rest}" if rest else field.name
    return None


def public_references(model: type[models.Model]) -> list[tuple[type[models.Model], str, str]]:
    """(referring model, its field pointing at `model`, lookup to its drug) for every relation to `model`."""
    references = []
    for relation in model._meta.related_objects:
        if not relation.one_to_many:
            raise FieldDoesNotExist(
                f"{relation.related_model.__name__}.{relation.field.name} is not a plain foreign key to "
                f"{model.__name__}: say in drugs/services/reference.py how readers see it."
            )
        path = path_to_drug(relation.related_model, frozenset({model}))
        if path is None:
            raise FieldDoesNotExist(
                f"{relation.related_model.__name__}.{relation.field.name} points at {model.__name__} but leads to no "
                "drug: say in drugs/services/reference.py whether readers can see it."
            )
        references.append((relation.related_model, relation.field.name, path))
    return references


def in_public_use(obj: models.Model) -> bool:
    """Does anything a reader can see point at this source or condition: a row of a published monograph,
    or of one in review (a reviewer is checking it as it will be published, source details included)?"""
    if obj.pk is None:
        return False
    for referring, field, path in public_references(type(obj)):
        prefix = f"{path}__" if path else ""
        published = Q(**{f"{prefix}public_copy_of__isnull": False})
        in_review = Q(**{f"{prefix}public_copy_of__isnull": True, f"{prefix}status": MonographStatus.IN_REVIEW})
        if referring._default_manager.filter(published | in_review, **{field: obj}).exists():
            return True
    return False


def may_change(user, obj: models.Model | None) -> bool:
    """A new row, or one no reader sees, is anyone's to edit; a row readers see is a reviewer's."""
    return obj is None or user.has_perm(PUBLISH_PERMISSION) or not in_public_use(obj)


def _check(user, obj: models.Model) -> None:
    if obj.pk is not None and not may_change(user, type(obj)._default_manager.get(pk=obj.pk)):
        raise PermissionDenied(
            _("Readers can see this %(what)s, or a reviewer is checking it: only a reviewer may change or delete it.")
            % {"what": obj._meta.verbose_name}
        )


def reference_save(*, obj: models.Model, user) -> models.Model:
    """Save a source or condition, if this user may."""
    _check(user, obj)
    obj.full_clean()
    seen_by_readers = in_public_use(obj)
    obj.save()
    if seen_by_readers:
        cache.content_changed()
    return obj


def reference_delete(*, obj: models.Model, user) -> None:
    _check(user, obj)
    seen_by_readers = in_public_use(obj)
    obj.delete()
    if seen_by_readers:
        cache.content_changed()
