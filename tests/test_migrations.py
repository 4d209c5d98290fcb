"""Schema changes keep the data: the acknowledgment trail survives being folded into daily tallies."""

import datetime
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from reversion.models import Revision, Version

from drugs.models import RelapseFactor, RelapseProfile
from drugs.services import restore

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("drugs", "0001_initial")]
AFTER = [("drugs", "0002_acknowledgment_daily_tally")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def schema_restored():
    yield
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())


def test_existing_acknowledgments_are_folded_into_daily_tallies_and_back(schema_restored):
    apps = migrate(BEFORE)
    disclaimer = apps.get_model("drugs", "Disclaimer").objects.create(
        version=1, text="For professionals.", effective_from=datetime.date(2026, 1, 1), is_current=True
    )
    Acknowledgment = apps.get_model("drugs", "Acknowledgment")
    monday, tuesday = (timezone.make_aware(datetime.datetime(2026, 3, d, 9)) for d in (2, 3))
    for when, role in [(monday, "nurse"), (monday, "nurse"), (monday, "physician"), (tuesday, "nurse")]:
        Acknowledgment.objects.filter(pk=Acknowledgment.objects.create(disclaimer=disclaimer, role=role).pk).update(
            created=when
        )

    apps = migrate(AFTER)
    tallies = apps.get_model("drugs", "AcknowledgmentTally").objects.all()
    assert {(t.day.isoformat(), t.role, t.count) for t in tallies} == {
        ("2026-03-02", "nurse", 2),
        ("2026-03-02", "physician", 1),
        ("2026-03-03", "nurse", 1),
    }

    apps = migrate(BEFORE)
    rows = apps.get_model("drugs", "Acknowledgment").objects.all()
    assert sorted((timezone.localdate(r.created).isoformat(), r.role) for r in rows) == [
        ("2026-03-02", "nurse"),
        ("2026-03-02", "nurse"),
        ("2026-03-02", "physician"),
        ("2026-03-03", "nurse"),
    ]


def test_each_line_of_the_old_factors_text_becomes_a_factor_to_cite_and_back(schema_restored):
    apps = migrate([("drugs", "0006_finding_quotes")])
    drug = apps.get_model("drugs", "Drug").objects.create(name="testinib", slug="testinib")
    condition = apps.get_model("drugs", "Condition").objects.create(name="Alopecia areata", slug="aa")
    apps.get_model("drugs", "RelapseProfile").objects.create(
        drug=drug, condition=condition, factors="Treatment duration\n\nSeverity", factors_zh="治疗时长\n\n严重程度"
    )

    apps = migrate([("drugs", "0007_statements_and_factors")])
    factors = apps.get_model("drugs", "RelapseFactor").objects.order_by("order")
    assert [(f.text, f.text_zh, f.support) for f in factors] == [
        ("Treatment duration", "治疗时长", ""),
        ("Severity", "严重程度", ""),
    ], "nothing is lost; each factor waits for a curator to cite it"

    apps = migrate([("drugs", "0006_finding_quotes")])
    profile = apps.get_model("drugs", "RelapseProfile").objects.get()
    assert (profile.factors, profile.factors_zh) == ("Treatment duration\nSeverity", "治疗时长\n严重程度")


def test_profile_history_saved_before_factor_rows_still_reads_and_restores(schema_restored, django_user_model):
    apps = migrate([("drugs", "0006_finding_quotes")])
    drug = apps.get_model("drugs", "Drug").objects.create(name="testinib", slug="testinib")
    condition = apps.get_model("drugs", "Condition").objects.create(name="Alopecia areata", slug="aa")
    profile = apps.get_model("drugs", "RelapseProfile").objects.create(
        drug=drug, condition=condition, factors="Treatment duration", factors_zh="治疗时长"
    )
    # The content-type and history tables are not drugs' own: the current models write them as they were then.
    content_type = ContentType.objects.get_or_create(app_label="drugs", model="relapseprofile")[0]
    revision = Revision.objects.create(date_created=timezone.now(), comment="old")
    fields = {"drug": drug.pk, "condition": condition.pk, "guidance": "Old guidance"}
    fields |= {"factors": "Severity\nTreatment duration", "factors_zh": "严重程度\n治疗时长"}  # since edited
    Version.objects.create(
        revision=revision,
        object_id=str(profile.pk),
        content_type=content_type,
        db="default",
        format="json",
        serialized_data=json.dumps([{"model": "drugs.relapseprofile", "pk": profile.pk, "fields": fields}]),
        object_repr="testinib — Alopecia areata",
    )

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    version = Version.objects.get_for_object(RelapseProfile.objects.get(pk=profile.pk)).get()
    assert version.field_dict["guidance"] == "Old guidance", "the old version reads"
    plan = restore.restore_plan(version)
    assert not plan.problems
    reviewer = django_user_model.objects.create_superuser("restorer", password="pw")
    restore.restore(version=version, user=reviewer, fingerprint=plan.fingerprint)
    factors = RelapseFactor.objects.filter(profile_id=profile.pk).order_by("order")
    assert [(f.text, f.text_zh) for f in factors] == [("Severity", "严重程度"), ("Treatment duration", "治疗时长")]
