"""History saved before factors were rows still reads, restores and recovers.

A relapse profile's versions (django-reversion) held its factors as one-per-line text. Such a version could no
longer be read once `factors` named the profile's factor rows, and restoring it would have deleted every factor.
Each old profile version is rewritten: the text leaves the profile's data and becomes, in the same revision, one
factor version per line — with the id of the factor row migration 0007 made from the same line, or with a fresh id
(taken from the table's own sequence, so no later row can get it) for a line that was edited away before.
"""

import json

from django.db import migrations

FACTOR_FIELDS = {"support": "", "source": None, "quote": "", "limitation": "", "limitation_zh": "", "edit_version": 1}


def factor_pairs(english, chinese):
    """As in 0007: (English, Chinese) per non-empty line; a Chinese line with no English twin stands alone."""
    english = [line.strip() for line in (english or "").split("\n") if line.strip()]
    chinese = [line.strip() for line in (chinese or "").split("\n") if line.strip()]
    pairs = [(text, chinese[n] if n < len(chinese) else "") for n, text in enumerate(english)]
    return pairs + [(text, text) for text in chinese[len(english) :]]


def fresh_ids(apps, count):
    """Ids no factor row has or will ever get: rows made and deleted in this transaction use them up."""
    if not count:
        return []
    Factor = apps.get_model("drugs", "RelapseFactor")
    Profile = apps.get_model("drugs", "RelapseProfile")
    profile = Profile.objects.first()
    scaffold = None
    if profile is None:
        drug = apps.get_model("drugs", "Drug").objects.create(name="migration 0008", slug="migration-0008")
        condition = apps.get_model("drugs", "Condition").objects.create(name="migration 0008", slug="migration-0008")
        profile = scaffold = Profile.objects.create(drug=drug, condition=condition)
    ids = [Factor.objects.create(profile=profile, text="").pk for _ in range(count)]
    Factor.objects.filter(pk__in=ids).delete()
    if scaffold is not None:
        scaffold.delete()
        drug.delete()
        condition.delete()
    return ids


def _occurrences(profile_id, pairs):
    seen = {}
    for text, text_zh in pairs:
        seen[text] = seen.get(text, -1) + 1
        yield (profile_id, text, seen[text]), (text, text_zh)


def rewrite_profile_versions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    Factor = apps.get_model("drugs", "RelapseFactor")
    profile_type = ContentType.objects.filter(app_label="drugs", model="relapseprofile").first()
    if profile_type is None:
        return
    factor_type, _ = ContentType.objects.get_or_create(app_label="drugs", model="relapsefactor")
    old = []
    for version in Version.objects.filter(content_type=profile_type, format="json"):
        data = json.loads(version.serialized_data)
        fields = data[0]["fields"]
        if "factors" in fields or "factors_zh" in fields:
            old.append((version, data, factor_pairs(fields.pop("factors", ""), fields.pop("factors_zh", ""))))
    # A line is named by its profile, its text and which occurrence of that text it is (a text may repeat).
    current = {}
    for factor in Factor.objects.order_by("order", "pk"):
        occurrence = sum(1 for key in current if key[:2] == (factor.profile_id, factor.text))
        current[factor.profile_id, factor.text, occurrence] = factor.pk
    keyed = [(version, data, list(_occurrences(int(version.object_id), pairs))) for version, data, pairs in old]
    unmatched = sorted({key for _, _, rows in keyed for key, _ in rows if key not in current})
    current.update(zip(unmatched, fresh_ids(apps, len(unmatched)), strict=True))
    for version, data, rows in keyed:
        version.serialized_data = json.dumps(data)
        version.save(update_fields=["serialized_data"])
        profile_id = int(version.object_id)
        for order, (key, (text, text_zh)) in enumerate(rows):
            pk = current[key]
            row = {"profile": profile_id, "text": text, "text_zh": text_zh, "order": order, **FACTOR_FIELDS}
            Version.objects.create(
                revision_id=version.revision_id,
                object_id=str(pk),
                content_type=factor_type,
                db=version.db,
                format="json",
                serialized_data=json.dumps([{"model": "drugs.relapsefactor", "pk": pk, "fields": row}]),
                object_repr=text[:191],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("drugs", "0007_statements_and_factors"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Forwards only: the old text stays readable in 0007's reverse, and the rewritten versions stay valid.
    operations = [migrations.RunPython(rewrite_profile_versions, migrations.RunPython.noop)]
