"""Shared sources and conditions readers can see change only by a reviewer, whatever refers to them."""

import pytest
from django.urls import reverse

from drugs.models import (
    Agency,
    Condition,
    Drug,
    MonographStatus,
    RegulatoryApproval,
    RelapseFactor,
    RelapseFinding,
    RelapseProfile,
    Source,
    Statement,
)
from drugs.services import reference
from tests.conftest import logged_in
from tests.factories import make_condition, make_drug, make_finding, make_profile, make_source, publish

pytestmark = pytest.mark.django_db


def published_drug_with_an_approval(*, source: Source | None = None, condition: Condition | None = None):
    """A published drug whose only link to `source` / `condition` is one regulatory approval."""
    drug = make_drug()
    make_finding(profile=make_profile(drug=drug))
    RegulatoryApproval.objects.create(
        drug=drug, agency=Agency.FDA, indication="adults", year=2022, source=source, condition=condition
    )
    return publish(drug)


def source_form(source: Source, **changes) -> dict:
    values = {
        "key": source.key,
        "title": source.title,
        "authors": source.authors,
        "publisher": source.publisher,
        "kind": source.kind,
        "url": source.url,
        "loaded_version": source.edit_version,
        **changes,
    }
    return {key: value for key, value in values.items() if value is not None}


def test_a_curator_cannot_change_a_source_cited_only_by_a_published_approval(curator):
    label = make_source(key="fda-label", url="https://www.accessdata.fda.gov/label.pdf")
    published_drug_with_an_approval(source=label)
    response = logged_in(curator).post(
        reverse("admin:drugs_source_change", args=[label.pk]), source_form(label, url="https://phishing.example/")
    )
    assert response.status_code == 403
    assert Source.objects.get(pk=label.pk).url == "https://www.accessdata.fda.gov/label.pdf"


def test_a_curator_cannot_change_a_condition_referenced_only_by_a_published_approval(curator):
    condition = make_condition(icd10_code="L63.9")
    published_drug_with_an_approval(condition=condition)
    form = {"name": condition.name, "slug": condition.slug, "icd10_code": "L40.0"}
    response = logged_in(curator).post(reverse("admin:drugs_condition_change", args=[condition.pk]), form)
    assert response.status_code == 403
    assert Condition.objects.get(pk=condition.pk).icd10_code == "L63.9"


def test_a_curator_cannot_delete_a_source_readers_see(curator):
    label = make_source()
    published_drug_with_an_approval(source=label)
    logged_in(curator).post(reverse("admin:drugs_source_delete", args=[label.pk]), {"post": "yes"})
    assert Source.objects.filter(pk=label.pk).exists()


def test_a_reviewer_may_correct_a_source_readers_see(reviewer):
    label = make_source()
    published_drug_with_an_approval(source=label)
    response = logged_in(reviewer).post(
        reverse("admin:drugs_source_change", args=[label.pk]), source_form(label, title="Corrected title")
    )
    assert response.status_code == 302
    assert Source.objects.get(pk=label.pk).title == "Corrected title"


def test_a_source_only_a_draft_cites_is_the_curators_to_edit(curator):
    draft_only = make_source()
    make_finding(profile=make_profile(drug=make_drug()), source=draft_only)  # never published
    response = logged_in(curator).post(
        reverse("admin:drugs_source_change", args=[draft_only.pk]), source_form(draft_only, title="Better title")
    )
    assert response.status_code == 302
    assert Source.objects.get(pk=draft_only.pk).title == "Better title"


@pytest.mark.parametrize("model", [Source, Condition])
def test_every_relation_to_shared_reference_data_leads_to_a_drug(model):
    """A new model pointing at a source or condition must say whether readers see it: this fails until it does."""
    references = reference.public_references(model)
    referring = {(ref.__name__, field) for ref, field, _path in references}
    relations = {(r.related_model.__name__, r.field.name) for r in model._meta.related_objects}
    assert referring == relations and relations


@pytest.mark.parametrize("model", [Source, Condition])
def test_each_relation_makes_a_row_public_once_its_drug_is_published(model):
    for referring, field, _path in reference.public_references(model):
        shared = make_source() if model is Source else make_condition()
        drug = make_drug()
        profile = make_profile(drug=drug)
        make_finding(profile=profile)
        if referring is RegulatoryApproval:
            RegulatoryApproval.objects.create(
                drug=drug, agency=Agency.EMA, indication="x", year=2020, **{field: shared}
            )
        elif referring is RelapseProfile:
            profile.condition = shared
            profile.save()
        elif referring is RelapseFinding:
            make_finding(profile=profile, **{field: shared}, total=30, total_quote="30 of 115 were rerandomized")
        elif referring is Statement:
            Statement.objects.create(
                profile=profile,
                kind="label",
                issuer="FDA",
                topic="stopping",
                quote="q",
                location="2.1",
                **{field: shared},
            )
        elif referring is RelapseFactor:
            RelapseFactor.objects.create(profile=profile, text="x", support="study", quote="q", **{field: shared})
        elif referring is Drug:
            setattr(drug, field, shared)
            drug.save()
        else:
            raise AssertionError(f"say here how to make a {referring.__name__} that points at a {model.__name__}")
        assert not reference.in_public_use(shared), f"{referring.__name__}.{field}: a draft is not public"
        publish(drug)
        assert reference.in_public_use(shared), f"{referring.__name__}.{field}: readers see it once published"


def test_a_curator_cannot_change_a_source_while_its_monograph_is_in_review(curator):
    cited = make_source()
    drug = make_drug()
    make_finding(profile=make_profile(drug=drug), source=cited)
    Drug.objects.filter(pk=drug.pk).update(status=MonographStatus.IN_REVIEW)
    response = logged_in(curator).post(
        reverse("admin:drugs_source_change", args=[cited.pk]), source_form(cited, url="https://elsewhere.example/")
    )
    assert response.status_code == 403
    assert Source.objects.get(pk=cited.pk).url == cited.url
