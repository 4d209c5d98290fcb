"""The FHIR R5 export: valid resources, the seed's figures, determinism, the download and the command."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from fhir.resources import get_fhir_model_class
from fhir.resources.bundle import Bundle

from drugs import fhir, interchange
from drugs.models import Condition, Drug, RegulatoryApproval, Source
from tests.factories import make_finding, make_profile, publish

pytestmark = pytest.mark.django_db

BRAVE_AA1_DOI = "10.1001/jamadermatol.2024.2734"


def seed_bundle() -> dict:
    return fhir.bundle_for(fhir.exportable())


def resources(bundle: dict, resource_type: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


def seeded_slugs() -> list[str]:
    """The published seed drugs, by slug (one seed file per drug)."""
    return sorted(Drug.objects.published().values_list("slug", flat=True))


def catalogue_entries(bundle: dict) -> list[str]:
    """The ids of what each catalogue entry exports as: a drug's MedicationKnowledge, a class's or a strategy's
    EvidenceVariable (the contained outcome variables of the Evidence are not entries)."""
    return [r["id"] for r in resources(bundle, "MedicationKnowledge") + resources(bundle, "EvidenceVariable")]


def by_url(bundle: dict) -> dict[str, dict]:
    return {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}


def relapse_evidence(bundle: dict, condition: str, change: str) -> dict:
    """The seed's Evidence for relapse in one condition after one regimen change (and time point)."""
    title = f"Baricitinib, {condition}: relapse / loss of response after {change}"
    (evidence,) = [e for e in resources(bundle, "Evidence") if e["title"] == title]
    return evidence


def published_drug_with_a_finding(**finding_fields) -> Drug:
    finding = make_finding(**finding_fields)
    drug = finding.profile.drug
    RegulatoryApproval.objects.create(
        drug=drug, agency="FDA", indication="Test", condition=finding.profile.condition, year=2020
    )
    return publish(drug)


def validated(bundle: dict) -> dict:
    """The bundle, once the R5 models have parsed it and every resource in it."""
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        parsed = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        # Nothing the models do not know was dropped on the way.
        assert json.loads(parsed.model_dump_json(exclude_none=True)) == resource
    return bundle


def test_every_resource_of_the_seed_bundle_is_valid_fhir_r5(seed):
    bundle = validated(seed_bundle())
    types = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert types == {"MedicationKnowledge", "EvidenceVariable", "Evidence", "Group", "Citation", "ArtifactAssessment"}
    assert bundle["type"] == "collection"


def test_references_in_the_bundle_all_resolve_to_its_entries(seed):
    bundle = seed_bundle()
    urls = by_url(bundle)
    text = json.dumps(bundle)
    referenced = {part.split('"')[0] for part in text.split('"reference": "')[1:]}
    assert referenced - {"#outcome"} <= set(urls)
    assert len(urls) == len(bundle["entry"]), "fullUrls are unique"


def test_the_medication_carries_names_class_and_atc_code(seed):
    (medication,) = [m for m in resources(seed_bundle(), "MedicationKnowledge") if m["id"] == "baricitinib"]
    assert medication["status"] == "active"
    assert medication["name"] == ["baricitinib", "Olumiant"]
    codings = [
        c for m in medication["medicineClassification"] for cc in m["classification"] for c in cc.get("coding", [])
    ]
    assert {"system": "http://www.whocc.no/atc", "code": "L04AF02"} in codings


def test_a_class_entry_is_exported_as_an_exposure_not_as_one_medication(seed):
    bundle = validated(fhir.bundle_for(fhir.exportable("tnf-inhibitors")))
    assert resources(bundle, "MedicationKnowledge") == [], "no product, code or brand names for a class"
    (exposure,) = resources(bundle, "EvidenceVariable")
    assert exposure["title"] == "TNF inhibitors (any)"
    assert exposure["description"].startswith("A drug class, not one drug: Tumour necrosis factor (TNF) inhibitors")
    evidence = resources(bundle, "Evidence")
    assert evidence and all(
        e["variableDefinition"][1]["observed"]["reference"] == fhir.full_url("EvidenceVariable", "tnf-inhibitors")
        for e in evidence
    ), "each finding's exposure points at the class"
    assert "ARCTIC REWIND" in json.dumps(evidence)
    single = fhir.bundle_for(fhir.exportable("adalimumab"))
    assert [m["id"] for m in resources(single, "MedicationKnowledge")] == ["adalimumab"]
    assert "observed" not in resources(single, "Evidence")[0]["variableDefinition"][1]


def test_brave_aa1_4_mg_to_placebo_evidence_carries_60_percent_of_30_at_24_weeks(seed):
    bundle = seed_bundle()
    evidence = relapse_evidence(bundle, "Alopecia areata", "baricitinib 4 mg once daily → placebo at 24 weeks")
    (statistic,) = evidence["statistic"]
    assert statistic["statisticType"]["coding"][0]["code"] == "C44256"
    assert statistic["quantity"] == {"value": 60, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}
    assert statistic["sampleSize"] == {"numberOfParticipants": 30}, "N from the paper, the 60% from a report of it"
    (n_source,) = [artifact for artifact in evidence["relatedArtifact"] if artifact.get("label") == "N"]
    paper = by_url(bundle)[n_source["resourceReference"]["reference"]]
    assert {"system": "https://doi.org", "value": BRAVE_AA1_DOI} in paper["citedArtifact"]["identifier"]
    assert "numberAffected" not in statistic, "n is not stored for this finding"
    (outcome,) = evidence["contained"]
    (time_point,) = outcome["characteristic"][0]["timeFromEvent"]
    assert time_point["quantity"]["value"] == 24 and time_point["quantity"]["code"] == "wk"
    exposure = [v for v in evidence["variableDefinition"] if v["variableRole"]["coding"][0]["code"] == "exposure"]
    assert exposure[0]["description"] == "baricitinib 4 mg once daily → placebo (Randomized withdrawal to placebo)"
    population = evidence["variableDefinition"][0]
    group = by_url(bundle)[population["observed"]["reference"]]
    condition_codes = {(c["system"], c["code"]) for c in group["characteristic"][0]["valueCodeableConcept"]["coding"]}
    assert condition_codes == {("http://hl7.org/fhir/sid/icd-10", "L63.9"), ("http://snomed.info/sct", "68225006")}
    # Read only in a news summary of the trial: graded as a secondary statement, cited as that report.
    assert evidence["certainty"][0]["rating"]["coding"][0]["code"] == "very-low"
    news = by_url(bundle)[evidence["relatedArtifact"][0]["resourceReference"]["reference"]]
    assert news["citedArtifact"]["webLocation"][0]["url"].endswith(
        "ongoing-treatment-required-in-severe-patchy-hair-loss"
    )

    week_8 = relapse_evidence(bundle, "Alopecia areata", "baricitinib 4 mg or 2 mg once daily → placebo at 8 weeks")
    designs = {c["code"] for design in week_8["studyDesign"] for c in design.get("coding", [])}
    assert designs == {"SEVCO:01001", "SEVCO:01003"}
    assert week_8["certainty"][0]["rating"]["coding"][0] == {
        "system": "http://hl7.org/fhir/certainty-rating",
        "code": "high",
        "display": "High quality",
    }
    citation = by_url(bundle)[week_8["relatedArtifact"][0]["resourceReference"]["reference"]]
    assert citation["resourceType"] == "Citation"
    assert {"system": "https://doi.org", "value": BRAVE_AA1_DOI} in citation["citedArtifact"]["identifier"]
    assert {"system": "https://pubmed.ncbi.nlm.nih.gov", "value": "39141364"} in citation["citedArtifact"]["identifier"]


def test_a_finding_without_a_proportion_has_no_statistic_value_not_zero(seed):
    evidence = relapse_evidence(seed_bundle(), "Rheumatoid arthritis", "baricitinib (dose and duration not stated)")
    (statistic,) = evidence["statistic"]
    assert "quantity" not in statistic and "sampleSize" not in statistic and "attributeEstimate" not in statistic
    assert "not established" in evidence["description"]


def test_an_established_zero_is_kept_as_zero(seed):
    evidence = relapse_evidence(
        seed_bundle(), "Alopecia areata", "baricitinib 4 mg or 2 mg once daily → placebo at 4 weeks"
    )
    assert evidence["statistic"][0]["quantity"]["value"] == 0


def test_a_confidence_interval_and_n_are_written_where_stored(db):
    drug = published_drug_with_a_finding(
        proportion=Decimal("60.5"), ci_low=Decimal(50), ci_high=Decimal(70), events=18, total=30
    )
    (evidence,) = resources(validated(fhir.bundle_for(fhir.exportable(drug.slug))), "Evidence")
    statistic = evidence["statistic"][0]
    assert statistic["quantity"]["value"] == 60.5
    assert statistic["numberAffected"] == 18 and statistic["sampleSize"]["numberOfParticipants"] == 30
    (interval,) = statistic["attributeEstimate"]
    assert interval["type"]["coding"][0]["code"] == "C53324"
    assert interval["level"] == 0.95
    assert interval["range"]["low"]["value"] == 50 and interval["range"]["high"]["value"] == 70


def test_a_reported_range_is_an_estimate_not_a_single_value(seed):
    evidence = relapse_evidence(
        seed_bundle(), "Alopecia areata", "baricitinib 4 mg or 2 mg once daily → placebo at 8 weeks"
    )
    statistic = evidence["statistic"][0]
    assert "quantity" not in statistic
    (estimate,) = statistic["attributeEstimate"]
    assert estimate["type"]["coding"][0]["code"] == "C38013"
    assert (estimate["range"]["low"]["value"], estimate["range"]["high"]["value"]) == (10, 11)


def test_only_published_content_is_exported(seed):
    published = seeded_slugs()
    assert "baricitinib" in published
    unpublished = make_finding().profile.drug
    working = Drug.objects.working().get(slug="baricitinib")
    working.summary = "An unreviewed edit"
    working.save()
    text = fhir.to_json(seed_bundle())
    assert unpublished.slug not in text
    assert sorted(catalogue_entries(seed_bundle())) == published


def test_the_export_is_byte_identical_twice_and_after_an_interchange_round_trip(seed):
    first = fhir.to_json(seed_bundle())
    assert fhir.to_json(seed_bundle()) == first
    data = interchange.export_data()
    Drug.objects.all().delete()
    Source.objects.all().delete()
    Condition.objects.all().delete()
    assert fhir.to_json(seed_bundle()) != first
    interchange.import_data(data)
    assert fhir.to_json(seed_bundle()) == first


def test_queries_do_not_grow_with_the_number_of_drugs(seed, django_assert_num_queries):
    # drugs, their profiles with conditions, findings, factors and statements with sources, approvals
    seeded = len(seeded_slugs())
    with django_assert_num_queries(6):
        fhir.bundle_for(fhir.exportable())
    for _ in range(3):
        published_drug_with_a_finding()
    with django_assert_num_queries(6):
        bundle = fhir.bundle_for(fhir.exportable())
    assert len(catalogue_entries(bundle)) == seeded + 3


# The download


def test_an_acknowledged_clinician_downloads_the_monograph_bundle(seeded_clinician):
    response = seeded_clinician.get(reverse("drugs:drug_fhir", kwargs={"slug": "baricitinib"}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response["Content-Disposition"] == 'attachment; filename="baricitinib-fhir-r5.json"'
    assert response.content.decode() == fhir.to_json(fhir.bundle_for(fhir.exportable("baricitinib")))


def test_the_download_is_404_for_an_unknown_slug(seeded_clinician):
    assert seeded_clinician.get(reverse("drugs:drug_fhir", kwargs={"slug": "no-such-drug"})).status_code == 404


def test_the_download_is_404_for_an_unpublished_drug(seeded_clinician):
    drug = make_profile().drug
    assert seeded_clinician.get(reverse("drugs:drug_fhir", kwargs={"slug": drug.slug})).status_code == 404


def test_an_unacknowledged_visitor_is_sent_to_the_gate(client, seed):
    response = client.get(reverse("drugs:drug_fhir", kwargs={"slug": "baricitinib"}))
    assert response.status_code == 302
    assert response["Location"].startswith("/en/acknowledge/")


def test_the_monograph_links_to_its_bundle_in_both_languages(seeded_clinician):
    url = reverse("drugs:drug_fhir", kwargs={"slug": "baricitinib"})
    page = seeded_clinician.get(reverse("drugs:drug_detail", kwargs={"slug": "baricitinib"})).content.decode()
    assert f'href="{url}"' in page and "FHIR R5 JSON" in page
    with translation.override("zh-hans"):  # and back: the request leaves its language active
        chinese = seeded_clinician.get("/zh-hans/drugs/baricitinib/").content.decode()
    assert 'href="/zh-hans/drugs/baricitinib/fhir.json"' in chinese and "FHIR R5 JSON 下载" in chinese


# The command


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_export_fhir_for_one_drug_writes_the_same_bundle(seed):
    out, err = StringIO(), StringIO()
    call_command("export_fhir", "--drug", "baricitinib", stdout=out, stderr=err)
    assert out.getvalue() == fhir.to_json(fhir.bundle_for(fhir.exportable("baricitinib")))
    assert err.getvalue() == "", "no progress bar when stderr is not a terminal"


def test_export_fhir_refuses_an_unknown_slug(seed):
    with pytest.raises(CommandError, match="no-such-drug"):
        call_command("export_fhir", "--drug", "no-such-drug", stdout=StringIO())


def test_export_fhir_shows_progress_on_a_terminal(seed):
    drugs = len(seeded_slugs()) + 1
    published_drug_with_a_finding()
    out, err = StringIO(), Terminal()
    call_command("export_fhir", stdout=out, stderr=err)
    assert "\r[" in err.getvalue() and f"{drugs}/{drugs} drugs" in err.getvalue()
    assert len(catalogue_entries(json.loads(out.getvalue()))) == drugs
