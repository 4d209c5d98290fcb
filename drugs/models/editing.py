"""Optimistic locking for curated rows: a save based on an old copy is refused, never applied.

Every curated row carries an edit number that moves on each saved edit. A save states the number
its form was loaded with; the database changes the row only if that is still the number it holds
(one conditional UPDATE, so two saves racing each other cannot both win). Writes of workflow fields only
(a status change, saved with update_fields) leave the number alone.
"""

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

# Written by the review workflow, not by an editor: saving only these leaves the edit number alone, so a
# curator's open form stays valid when a reviewer submits or publishes.
BOOKKEEPING_FIELDS = frozenset({"status", "updated", "reviewed_by", "reviewed_on", "last_edited_by", "last_edited_at"})


class StaleEdit(Exception):
    """The row changed since the copy being saved was read; nothing was written."""

    def __init__(self, instance: models.Model):
        super().__init__(f"{instance._meta.verbose_name} {instance.pk} changed since it was read")
        self.instance = instance


class EditVersioned(models.Model):
    edit_version = models.PositiveIntegerField(
        _("edit number"),
        default=1,
        editable=False,
        help_text=_("Moves with every saved edit: a form loaded before the last edit cannot overwrite it."),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if self._state.adding or (update_fields is not None and set(update_fields) <= BOOKKEEPING_FIELDS):
            return super().save(*args, **kwargs)
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "edit_version"}
        expected = self.edit_version
        with transaction.atomic(using=kwargs.get("using")):
            # Claim the next number first: a concurrent save blocks here, then finds the number gone.
            claimed = (
                type(self)._base_manager.filter(pk=self.pk, edit_version=expected).update(edit_version=expected + 1)
            )
            if not claimed:
                raise StaleEdit(self)
            self.edit_version = expected + 1
            try:
                return super().save(*args, **kwargs)
            except BaseException:
                self.edit_version = expected
                raise

    def delete(self, *args, **kwargs):
        # A delete from a form states the edit number it was opened with: deleting a row someone has
        # changed since would throw their change away unseen.
        loaded = getattr(self, "loaded_version", None)
        if loaded is not None and self.pk is not None:
            with transaction.atomic(using=kwargs.get("using")):
                current = type(self)._base_manager.select_for_update().filter(pk=self.pk)
                if not current.filter(edit_version=loaded).exists():
                    raise StaleEdit(self)
                return super().delete(*args, **kwargs)
        return super().delete(*args, **kwargs)
