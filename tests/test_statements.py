"""What the label and guidelines say, and what relapse depends on: sourced, reviewed, published, exported."""

import json
import re

import pytest
import reversion
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from reversion.models import Version

from drugs import fhir, interchange, services
from drugs.models import (
    Drug,
    FactorSupport,
    RelapseFactor,
    RelapseProfile,
    Statement,
    StatementKind,
    StatementTopic,
)
from drugs.models.statements import GUIDELINE_NEEDS_STRENGTH
from drugs.services import restore
from tests.factories import make_finding, make_source, make_statement, publish

MONOGRAPH = reverse("drugs:drug_detail", kwargs={"slug": "baricitinib"})
RA_PAGE = reverse("drugs:condition_detail", kwargs={"slug": "rheumatoid-arthritis"})


def section(page: str, slug: str) -> str:
    """One condition's section of the monograph page."""
    match = re.search(rf'<section id="{slug}".*?</section>', page, re.S)
    assert match, slug
    return match.group(0)


# The seed, as a clinician reads it


def test_the_ra_section_quotes_the_fda_and_ema_labels_with_place_and_link(seeded_clinician):
    ra = section(seeded_clinician.get(MONOGRAPH).content.decode(), "rheumatoid-arthritis")
    labels = ra[ra.index("What the label says") :]
    assert (
        "“A dose of 2 mg once daily may also be considered for patients who have achieved sustained control" in labels
    )
    assert "EMA · Dose reduction:" in labels and "FDA · Temporary interruption:" in labels
    assert "SmPC 4.2, as quoted by Lilly Medical Information" in labels
    assert 'href="https://www.lillymedical.eu/en-gb/answers/olumiant-baricitinib-dosing-for-moderate' in labels


def test_the_ra_section_gives_the_acr_guideline_with_its_strength(seeded_clinician):
    ra = section(seeded_clinician.get(MONOGRAPH).content.decode(), "rheumatoid-arthritis")
    guidelines = ra[ra.index("What guidelines say") :]
    assert (
        "Continuation of all DMARDs at their current dose is conditionally recommended over dose reduction"
        in guidelines
    )
    assert "Strength of recommendation: Conditionally recommended; certainty of evidence: low" in guidelines


def test_alopecia_areata_quotes_no_guideline_none_having_been_read(seeded_clinician):
    aa = section(seeded_clinician.get(MONOGRAPH).content.decode(), "alopecia-areata")
    assert "What the label says" in aa and "What guidelines say" not in aa


def test_a_chinese_reader_sees_the_translation_and_the_original_wording_beside_it(seeded_clinician):
    page = seeded_clinician.get(MONOGRAPH.replace("/en/", "/zh-hans/")).content.decode()
    ra = section(page, "rheumatoid-arthritis")
    assert "对于使用 4 mg 每日一次已持续控制疾病活动度、且适合减量的患者，也可考虑 2 mg 每日一次。" in ra
    original = re.search(r'<blockquote class="mb-0" lang="en">A dose of 2 mg once daily may also be considered', ra)
    assert original, "the label's own words stay one click away"


def test_the_condition_page_gives_each_guideline_statement_once(seeded_clinician):
    page = seeded_clinician.get(RA_PAGE).content.decode()
    statement = "Gradual discontinuation is conditionally recommended over abrupt discontinuation of a DMARD."
    assert page.count(statement) == 1
    assert "What guidelines say" in page


def test_each_seed_factor_says_what_supports_it(seeded_clinician):
    aa = section(seeded_clinician.get(MONOGRAPH).content.decode(), "alopecia-areata")
    factors = aa[aa.index("Depends on:") : aa.index("</div>", aa.index("Depends on:"))]
    assert "Sustained response before the dose was lowered" in factors
    assert "Reported by a study" in factors and "33% (11/33)" in factors
    assert "Limitation:" in factors
    for unsupported in ["Treatment duration before stopping", "Severity at baseline"]:
        assert unsupported not in factors


def test_ra_says_no_factor_is_established_rather_than_listing_unsupported_ones(seeded_clinician):
    ra = section(seeded_clinician.get(MONOGRAPH).content.decode(), "rheumatoid-arthritis")
    factors = ra[ra.index("Depends on:") : ra.index("</div>", ra.index("Depends on:"))]
    assert "not established" in factors and "Individual differences" not in factors


# Rules a curator meets


def test_a_guideline_statement_needs_its_strength_on_the_field_to_fix(db):
    statement = Statement(
        profile=make_finding().profile,
        kind=StatementKind.GUIDELINE,
        issuer="ACR 2021",
        topic=StatementTopic.STOPPING,
        quote="Gradual discontinuation is conditionally recommended.",
        location="Table 5",
        source=make_source(),
    )
    with pytest.raises(ValidationError) as error:
        statement.full_clean()
    assert error.value.message_dict["strength"] == [str(GUIDELINE_NEEDS_STRENGTH)]
    with pytest.raises(IntegrityError), transaction.atomic():
        statement.save()


def test_a_factor_from_a_study_needs_its_source_and_words(db):
    factor = RelapseFactor(profile=make_finding().profile, text="Longer response", support=FactorSupport.STUDY)
    with pytest.raises(ValidationError) as error:
        factor.full_clean()
    assert set(error.value.message_dict) == {"source", "quote"}
    opinion = RelapseFactor(profile=factor.profile, text="Disease duration", support=FactorSupport.EXPERT_OPINION)
    opinion.full_clean()  # the editors' opinion needs no source: it is labelled as such


def test_a_factor_that_cites_nothing_stops_publication(db):
    finding = make_finding()
    RelapseFactor.objects.create(profile=finding.profile, text="Treatment duration")
    problems = services.publication_problems(finding.profile.drug)
    assert any("Treatment duration" in problem and "cites nothing" in problem for problem in problems)


# Nothing unpublished leaks; everything published travels with the monograph


def test_a_statement_reaches_readers_only_when_its_monograph_is_published(seeded_clinician):
    working = Drug.objects.working().get(slug="baricitinib")
    profile = working.relapse_profiles.get(condition__slug="alopecia-areata")
    make_statement(profile, quote="Stop the drug after 36 weeks without benefit (draft wording).")
    assert "draft wording" not in seeded_clinician.get(MONOGRAPH).content.decode()
    publish(working)
    assert "draft wording" in seeded_clinician.get(MONOGRAPH).content.decode()


def test_statements_and_factors_survive_an_export_import_round_trip(seed):
    before = interchange.export_json()
    Drug.objects.all().delete()
    interchange.import_data(json.loads(before))
    assert interchange.export_json() == before
    published = json.loads(before)["drugs"]
    assert Statement.objects.filter(profile__drug__public_copy_of__isnull=False).count() == sum(
        len(profile["statements"]) for drug in published for profile in drug["profiles"]
    )


def test_a_file_from_before_factors_cited_their_support_keeps_each_line(db):
    data = {
        "format": "medinfo/1",
        "sources": [
            {"key": "s1", "title": "A trial", "publisher": "J", "kind": "randomized_trial", "url": "https://e.org/1"}
        ],
        "conditions": [{"slug": "aa", "name": "Alopecia areata"}],
        "drugs": [
            {
                "slug": "testinib",
                "name": "testinib",
                "status": "draft",
                "profiles": [
                    {"condition": "aa", "factors": "Treatment duration\nSeverity", "factors_zh": "治疗时长\n严重程度"}
                ],
            }
        ],
    }
    interchange.import_data(data)
    factors = list(RelapseFactor.objects.order_by("order").values_list("text", "text_zh", "support"))
    assert factors == [("Treatment duration", "治疗时长", ""), ("Severity", "严重程度", "")]


def test_an_older_backup_of_a_published_monograph_imports_with_its_factors_to_cite(seed):
    data = json.loads(interchange.export_json(drug_slug="baricitinib"))
    for profile in data["drugs"][0]["profiles"]:
        profile["factors"] = "Treatment duration\n\nSeverity"  # a blank line between, as typed
        profile["factors_zh"] = "治疗时长\n严重程度\n个体差异"  # one more line than the English
    Drug.objects.all().delete()
    interchange.import_data(data)
    public = Drug.objects.published().get(slug="baricitinib")
    factors = RelapseFactor.objects.filter(profile__drug=public, profile__condition__slug="alopecia-areata")
    assert [(f.text, f.text_zh, f.support) for f in factors.order_by("order")] == [
        ("Treatment duration", "治疗时长", ""),
        ("Severity", "严重程度", ""),
        ("个体差异", "个体差异", ""),
    ], "every line kept, none cut or dropped"
    working = Drug.objects.working().get(slug="baricitinib")
    assert any("cites nothing" in problem for problem in services.publication_problems(working))


def test_the_fhir_bundle_carries_label_and_guideline_statements_as_artifact_assessments(seed):
    bundle = fhir.bundle_for(fhir.exportable())
    assessments = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ArtifactAssessment"]
    acr = next(a for a in assessments if a["title"].startswith("ACR 2021 on stopping") and "Gradual" in json.dumps(a))
    assert acr["content"][0]["summary"] == (
        "Gradual discontinuation is conditionally recommended over abrupt discontinuation of a DMARD."
    )
    assert acr["content"][1] == {
        "informationType": "rating",
        "summary": "Conditionally recommended; certainty of evidence: low",
        "type": {"text": "Strength of recommendation"},
    }
    citations = {e["fullUrl"]: e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Citation"}
    assert citations[acr["artifactReference"]["reference"]]["title"].startswith("2021 American College of Rheumatology")
    factors = [
        a["content"][0]["summary"] for a in assessments if a["content"][0]["type"]["text"] == "What relapse depends on"
    ]
    assert "Sustained response before the dose was lowered" in factors, "baricitinib's, among the seed's"


def test_restoring_a_profile_brings_back_a_deleted_statement(seed, django_user_model):
    profile = RelapseProfile.objects.get(
        drug__public_copy_of__isnull=True, drug__slug="baricitinib", condition__slug="rheumatoid-arthritis"
    )
    with reversion.create_revision():
        profile.save()
    version = Version.objects.get_for_object(profile).first()
    statement = profile.statements.get(issuer="ACR 2021", quote__startswith="Gradual")
    statement.delete()
    plan = restore.restore_plan(version)
    assert not plan.problems and any(row.model is Statement and row.current is None for row in plan.rows)
    reviewer = django_user_model.objects.create_superuser("restorer", password="pw")
    restore.restore(version=version, user=reviewer, fingerprint=plan.fingerprint)
    assert profile.statements.filter(quote__startswith="Gradual").exists()


def test_labels_say_in_chinese_what_the_topic_is(seeded_clinician):
    with translation.override("zh-hans"):
        label = str(StatementTopic.DOSE_REDUCTION.label)
    page = seeded_clinician.get(MONOGRAPH.replace("/en/", "/zh-hans/")).content.decode()
    assert label != "Dose reduction" and f"EMA · {label}" in page


def test_label_words_reach_fhir_consumers_unchanged_by_markdown(seed):
    bundle = fhir.bundle_for(fhir.exportable())
    summaries = [
        content["summary"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "ArtifactAssessment"
        for content in entry["resource"]["content"]
    ]
    assert "Treatment should be interrupted if Hb \\< 8 g/dL and may be restarted once Hb return above this value" in (
        summaries
    ), "'<' escaped: a markdown reader would otherwise take it for the start of an HTML tag"


def test_words_quoted_for_a_factor_need_a_source_readers_can_follow(db):
    factor = RelapseFactor(
        profile=make_finding().profile, text="Disease duration", support=FactorSupport.EXPERT_OPINION, quote="Said so."
    )
    with pytest.raises(ValidationError) as error:
        factor.full_clean()
    assert set(error.value.message_dict) == {"source"}
