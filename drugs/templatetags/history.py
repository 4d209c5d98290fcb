"""What each version in a row's History changed (templates/reversion/object_history.html)."""

from django import template
from reversion.models import Version

from drugs.changes import field_changes, related_labels

register = template.Library()


@register.simple_tag
def with_changes(obj, action_list) -> list[dict]:
    """reversion's history entries, each with `changes`: field, old → new against the version before it
    (None for the first version kept). One query for the versions and one per kind of row they refer to
    (e.g. sources), however long the history."""
    model = type(obj)
    versions = sorted(Version.objects.get_for_object(obj), key=lambda version: version.pk)
    dicts = [version.field_dict for version in versions]
    names = related_labels(model, dicts)
    changes = {versions[0].revision_id: None} if versions else {}
    for version, before, after in zip(versions[1:], dicts, dicts[1:], strict=False):
        changes[version.revision_id] = field_changes(model, before, after, names)
    return [{**action, "changes": changes.get(action["revision"].pk)} for action in action_list]
