"""Export and import the whole curated dataset: lossless, deterministic, all or nothing."""

import copy
import json
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from reversion.models import Revision

from drugs import interchange, services
from drugs.models import (
    AcknowledgmentTally,
    Condition,
    Disclaimer,
    Drug,
    RegulatoryApproval,
    RelapseFinding,
    RelapseProfile,
    Source,
)
from tests.conftest import logged_in
from tests.test_seed import snapshot
from tests.test_workflow import edit_figure_in_admin, seeded_finding

pytestmark = pytest.mark.django_db


def empty_the_database():
    AcknowledgmentTally.objects.all().delete()
    Drug.objects.all().delete()
    Source.objects.all().delete()
    Condition.objects.all().delete()
    Disclaimer.objects.all().delete()
    get_user_model().objects.all().delete()


def test_round_trip_is_byte_identical_with_drafts_reviews_and_history(seed, curator, reviewer):
    edit_figure_in_admin(logged_in(curator), seeded_finding(), "61")
    drug = Drug.objects.working().get(slug="baricitinib")
    services.monograph_submit(drug=drug, user=curator)
    services.monograph_publish(drug=drug, reviewer=reviewer, note="Corrected")
    edit_figure_in_admin(logged_in(curator), seeded_finding(), "62")  # a pending draft: public copy differs
    first = interchange.export_json()
    assert '"public_copy": {' in first, "the draft and the public version are both kept"

    empty_the_database()
    interchange.import_data(json.loads(first))

    assert interchange.export_json() == first
    public = Drug.objects.published().get(slug="baricitinib")
    assert public.relapse_profiles.filter(findings__proportion=61).exists()
    assert not public.relapse_profiles.filter(findings__proportion=62).exists()
    assert not get_user_model().objects.get(username="curator").is_active, "imported names cannot log in"


def test_the_export_does_not_depend_on_the_order_rows_were_written(seed, curator, reviewer):
    edit_figure_in_admin(logged_in(curator), seeded_finding(), "61")
    first = interchange.export_json()
    data = json.loads(first)
    for section in ("sources", "conditions", "disclaimers"):
        data[section].reverse()
    for drug in data["drugs"]:
        drug["approvals"].reverse()
        drug["profiles"].reverse()
    empty_the_database()
    interchange.import_data(data)
    assert interchange.export_json() == first


@pytest.mark.parametrize("username", ["x" * 200, "bad\x00name"])
def test_an_impossible_username_is_a_reported_problem_not_a_crash(seed, username):
    data = json.loads(interchange.export_json(drug_slug="baricitinib"))
    data["drugs"][0]["last_edited_by"] = username
    before = snapshot()
    with pytest.raises(interchange.ImportRefused) as refused:
        interchange.import_data(data)
    assert "drugs[0] baricitinib › last_edited_by: not a valid username" in "\n".join(refused.value.problems)
    assert snapshot() == before


def bad_file() -> dict:
    data = json.loads(interchange.export_json(drug_slug="baricitinib"))
    broken = copy.deepcopy(data)
    findings = broken["drugs"][0]["profiles"][0]["findings"]
    findings[0]["proportion"] = "150"
    findings[1]["source"] = "no-such-source"
    broken["drugs"][0]["profiles"][1]["condition"] = "no-such-condition"
    broken["sources"][0]["accessed_on"] = "25/11/2026"
    broken["conditions"].append(dict(broken["conditions"][0]))
    broken["drugs"][0]["name"] = "baricitinib-renamed"
    return broken


def test_a_bad_import_changes_nothing_and_reports_every_problem(seed):
    before = snapshot()
    with pytest.raises(interchange.ImportRefused) as refused:
        interchange.import_data(bad_file())
    problems = "\n".join(refused.value.problems)
    assert "drugs[0] baricitinib › profiles[0] alopecia-areata › findings[0]: proportion: Ensure this value" in problems
    assert "findings[1] › source: unknown source 'no-such-source'" in problems
    assert "profiles[1] no-such-condition › condition: unknown condition 'no-such-condition'" in problems
    assert "sources[0] dermatology-republic-2024-brave-aa1-news: accessed_on:" in problems
    assert "conditions: slug 'alopecia-areata' appears 2 times" in problems
    assert snapshot() == before
    assert Drug.objects.working().get(slug="baricitinib").name == "baricitinib"


def test_the_import_command_reports_problems_and_exits_non_zero(seed, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad_file()), encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError, match="nothing was imported; fix these"):
        call_command("import_monographs", str(path))
    assert snapshot() == before


def test_export_then_import_commands_restore_an_empty_database(seed, tmp_path, capsys):
    path = tmp_path / "data.json"
    working_findings = RelapseFinding.objects.filter(profile__drug__public_copy_of__isnull=True)
    seeded = working_findings.count()
    assert seeded >= 35, "every seed drug's findings"
    call_command("export_monographs")
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    empty_the_database()
    call_command("import_monographs", str(path))
    assert working_findings.count() == seeded
    assert Disclaimer.objects.current().version == 1


def test_an_import_is_authoritative_for_the_records_it_holds(seed):
    data = json.loads(interchange.export_json(drug_slug="baricitinib"))
    data["drugs"][0]["profiles"][0]["findings"] = data["drugs"][0]["profiles"][0]["findings"][:1]
    data["drugs"][0]["summary"] = "Changed by import."
    interchange.import_data(data)
    drug = Drug.objects.working().get(slug="baricitinib")
    assert drug.summary == "Changed by import."
    assert drug.relapse_profiles.get(condition__slug="alopecia-areata").findings.count() == 1


def test_a_wrong_format_is_refused():
    with pytest.raises(interchange.ImportRefused, match="1 problem"):
        interchange.import_data({"format": "something-else"})


def test_each_seed_file_is_the_export_of_its_drug_and_the_disclaimers_have_their_own(seed):
    from drugs.management.commands.load_seed import SEED_DIR

    files = {path.stem: path.read_text(encoding="utf-8") for path in SEED_DIR.glob("*.json")}
    assert files.pop("disclaimers") == interchange.export_json(disclaimers_only=True)
    assert set(files) == set(Drug.objects.working().values_list("slug", flat=True)), "one file per drug"
    for slug, text in files.items():
        assert text == interchange.export_json(drug_slug=slug), slug
    whole = interchange.export_data()
    parts = [json.loads(text) for text in files.values()]
    assert sorted(d["slug"] for part in parts for d in part["drugs"]) == [d["slug"] for d in whole["drugs"]]
    assert {s["key"] for part in parts for s in part["sources"]} == {s["key"] for s in whole["sources"]}, (
        "every source is cited by some drug's file"
    )


def test_a_drugs_file_carries_the_sources_of_its_atc_code_and_chinese_brand_names(seed):
    drug = Drug.objects.working().get(slug="baricitinib")
    drug.atc_source = Source.objects.create(key="who-atc-index", title="ATC/DDD Index", url="https://atcddd.fhi.no/")
    drug.brand_names_zh_source = Source.objects.create(key="nmpa-notice", title="Notice", url="https://nmpa.gov.cn/")
    drug.save()
    exported = json.loads(interchange.export_json(drug_slug="baricitinib"))
    assert {"who-atc-index", "nmpa-notice"} <= {source["key"] for source in exported["sources"]}
    assert exported["drugs"][0]["atc_source"] == "who-atc-index"
    assert exported["drugs"][0]["brand_names_zh_source"] == "nmpa-notice"


SHARED_MODELS = {Source, Condition, Disclaimer}
MONOGRAPH_MODELS = {Drug, RelapseProfile, RelapseFinding, RegulatoryApproval}


def models_per_revision() -> list[list]:
    return [
        [version.content_type.model_class() for version in revision.version_set.all()]
        for revision in Revision.objects.prefetch_related("version_set__content_type")
    ]


def test_loading_the_seed_keeps_shared_rows_and_each_drug_in_revisions_of_their_own(db):
    call_command("load_seed", stdout=StringIO())
    revisions = models_per_revision()
    assert revisions, "the seed joins the history"
    for models in revisions:
        assert not (set(models) & SHARED_MODELS and set(models) & MONOGRAPH_MODELS), models
        assert len([m for m in models if m in SHARED_MODELS]) <= 1, "each shared row has its own revision"
        assert models.count(Drug) <= 1


def test_an_import_of_two_drugs_keeps_each_drug_in_its_own_revision(seed):
    data = json.loads(interchange.export_json(drug_slug="baricitinib"))
    twin = copy.deepcopy(data["drugs"][0])
    twin.update(slug="baricitinib-twin", name="baricitinib twin")
    twin["public_copy"] = "working"
    data["drugs"].append(twin)
    empty_the_database()
    Revision.objects.all().delete()
    interchange.import_data(data)
    revisions = models_per_revision()
    drug_revisions = [models for models in revisions if Drug in models]
    assert len(drug_revisions) == 2
    for models in revisions:
        assert models.count(Drug) <= 1
        assert not (set(models) & SHARED_MODELS and set(models) & MONOGRAPH_MODELS), models


def test_every_model_field_is_exported_or_left_out_with_a_reason():
    from drugs.interchange import fields

    for model in apps.get_app_config("drugs").get_models():
        if model in fields.NOT_EXPORTED_MODELS:
            continue
        assert model in fields.KEY_ORDER, f"{model.__name__} is neither a section of the file nor left out"
        exported = fields.exported_fields(model)
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            apart = fields.WRITTEN_APART.get((model, field.name))
            reason = fields.left_out(model, field.name)
            assert field.name in exported or apart or reason, (
                f"{model.__name__}.{field.name} is neither exported nor left out with a reason (interchange/fields.py)"
            )
            assert not (field.name in exported and reason), f"{model.__name__}.{field.name} is both"


def test_the_derived_field_lists_keep_the_order_files_were_written_in():
    from drugs.interchange import fields

    for model, order in fields.KEY_ORDER.items():
        assert fields.exported_fields(model) == order, model.__name__


def test_exporting_a_drug_that_does_not_exist_says_so(seed):
    with pytest.raises(CommandError, match="No drug with the slug 'nope'"):
        call_command("export_monographs", drug="nope", stdout=StringIO())
