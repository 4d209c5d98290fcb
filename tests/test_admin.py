"""Curators build monographs in the admin; bad input is refused with a message and nothing is lost."""

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.forms.models import model_to_dict
from django.urls import reverse

from drugs import services
from drugs.models import (
    AcknowledgmentTally,
    Condition,
    Disclaimer,
    Drug,
    MonographEvent,
    RegulatoryApproval,
    RelapseFinding,
    RelapseProfile,
    Source,
)
from tests.factories import make_disclaimer, make_finding, make_profile, make_source

pytestmark = pytest.mark.django_db

CURATED_MODELS = [m for m in admin.site._registry if m._meta.app_label == "drugs"]


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:drugs_{model._meta.model_name}_{action}", args=args)


def management_form(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def finding_form(prefix: str = "", **overrides) -> dict:
    values = {
        "scenario": "withdrawn_to_placebo",
        "measure": "relapse",
        "regimen_before": "4 mg once daily",
        "regimen_after": "placebo",
        "outcome_definition": "Loss of response",
        "timepoint": "24",
        "timepoint_unit": "weeks",
        "proportion": "60",
        "total": "30",
        "study_design": "RCT withdrawal",
        "evidence_grade": "5",
        "population": "Adults who responded",
        "order": "0",
        **overrides,
    }
    return {f"{prefix}{key}": value for key, value in values.items()}


@pytest.fixture
def filled(db):
    """One object of every curated model, for the change pages."""
    make_disclaimer()
    finding = make_finding()
    RegulatoryApproval.objects.create(drug=finding.profile.drug, agency="FDA", indication="Test indication", year=2022)
    services.acknowledgment_record(disclaimer=Disclaimer.objects.current(), role="nurse")
    MonographEvent.objects.create(drug=finding.profile.drug, action="submitted")
    return finding


@pytest.mark.parametrize("model", CURATED_MODELS, ids=lambda m: m.__name__)
def test_staff_can_open_every_list_add_and_change_page(admin_client, filled, model):
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "changelist"), {"q": "test"}).status_code == 200
    expected_add = 403 if model in (AcknowledgmentTally, MonographEvent) else 200
    assert admin_client.get(admin_url(model, "add")).status_code == expected_add
    obj = model.objects.first()
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_curator_adds_a_condition_a_source_a_drug_and_a_finding(admin_client):
    response = admin_client.post(
        admin_url(Condition, "add"),
        {"name": "Atopic dermatitis", "slug": "atopic-dermatitis", "synonyms": "AD, eczema", "icd10_code": "L20.9"},
    )
    assert response.status_code == 302, response.context["adminform"].errors
    condition = Condition.objects.get(slug="atopic-dermatitis")

    response = admin_client.post(
        admin_url(Source, "add"),
        {
            "key": "a-trial",
            "title": "A trial",
            "publisher": "A journal",
            "kind": "randomized_trial",
            "doi": "10.1000/xyz.1",
        },
    )
    assert response.status_code == 302
    source = Source.objects.get(doi="10.1000/xyz.1")

    drug_form = {
        "entry_kind": "drug",  # the form's preselected default
        "name": "upadacitinib",
        "slug": "upadacitinib",
        "brand_names": "Rinvoq",
        "status": "draft",
        **management_form("relapse_profiles", total=1),
        "relapse_profiles-0-condition": str(condition.pk),
        **management_form("approvals"),
    }
    response = admin_client.post(admin_url(Drug, "add"), drug_form)
    assert response.status_code == 302, response.context["errors"]
    profile = RelapseProfile.objects.get(drug__slug="upadacitinib", condition=condition)

    response = admin_client.post(
        admin_url(RelapseFinding, "add"), finding_form(profile=str(profile.pk), source=str(source.pk))
    )
    assert response.status_code == 302, response.context["errors"]
    finding = profile.findings.get()
    assert finding.proportion == Decimal(60)
    assert finding.source == source


def test_a_proportion_above_100_is_refused_on_the_form_and_the_saved_value_kept(admin_client):
    finding = make_finding(proportion=Decimal(60))
    response = admin_client.post(
        admin_url(RelapseFinding, "change", finding.pk),
        finding_form(profile=str(finding.profile_id), source=str(finding.source_id), proportion="150"),
    )
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 100" in response.content.decode()
    finding.refresh_from_db()
    assert finding.proportion == Decimal(60)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"proportion": "20", "proportion_upper": "10"}, "The upper end must not be below the proportion"),
        ({"events": "31", "total": "30"}, "n (with outcome) cannot be larger than N"),
        ({"ci_low": "70", "ci_high": "50"}, "The low end of the confidence interval must not be above the high end"),
        (
            {"relapse_time_low": "24", "relapse_time_high": "8", "relapse_time_unit": "weeks"},
            "The &#x27;from&#x27; end of the time to relapse must not be after its &#x27;to&#x27; end",
        ),
        ({"timepoint_unit": ""}, "Choose a unit (days, weeks, months or years)"),
    ],
)
def test_inconsistent_figures_are_refused_with_a_message_and_nothing_is_saved(admin_client, overrides, message):
    profile = make_profile()
    source = make_source()
    response = admin_client.post(
        admin_url(RelapseFinding, "add"), finding_form(profile=str(profile.pk), source=str(source.pk), **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RelapseFinding.objects.exists()


def test_a_bad_finding_inline_keeps_the_whole_profile_unchanged(admin_client):
    finding = make_finding(proportion=Decimal(60))
    profile = finding.profile
    form = {
        "drug": str(profile.drug_id),
        "condition": str(profile.condition_id),
        "stopping_override": "low",
        "stopping_override_reason": "A reason",
        "guidance": "Changed guidance",
        **management_form("findings", total=1, initial=1),
        # The profile page lists findings as a summary: their order is what is typed there.
        "findings-0-id": str(finding.pk),
        "findings-0-profile": str(profile.pk),
        "findings-0-loaded_version": str(finding.edit_version),
        "findings-0-order": "1.5",
    }
    response = admin_client.post(admin_url(RelapseProfile, "change", profile.pk), form)
    assert response.status_code == 200
    assert "Enter a whole number, digits only" in response.content.decode()
    profile.refresh_from_db()
    finding.refresh_from_db()
    assert profile.stopping_override == "" and profile.guidance == "Keep treating."
    assert finding.order == 0


def test_a_second_profile_for_the_same_drug_and_condition_is_refused_with_a_message(admin_client):
    profile = make_profile()
    response = admin_client.post(
        admin_url(RelapseProfile, "add"),
        {
            "drug": str(profile.drug_id),
            "condition": str(profile.condition_id),
            **management_form("findings"),
        },
    )
    assert response.status_code == 200
    assert "This drug already has a relapse profile for this condition" in response.content.decode()
    assert RelapseProfile.objects.count() == 1


def test_making_a_disclaimer_current_retires_the_previous_one(admin_client):
    old = make_disclaimer(version=1)
    new = make_disclaimer(version=2, current=False)
    response = admin_client.post(
        admin_url(Disclaimer, "changelist"),
        {"action": "make_current", admin.helpers.ACTION_CHECKBOX_NAME: [str(new.pk)]},
    )
    assert response.status_code == 302
    assert Disclaimer.objects.current() == new
    old.refresh_from_db()
    assert not old.is_current


def test_the_wording_of_a_disclaimer_visitors_have_seen_cannot_be_changed(admin_client):
    current = make_disclaimer(version=1, text="Original wording.")
    page = admin_client.get(admin_url(Disclaimer, "change", current.pk)).content.decode()
    assert 'name="text"' not in page
    admin_client.post(admin_url(Disclaimer, "change", current.pk), {"text": "Changed wording.", "version": "1"})
    current.refresh_from_db()
    assert current.text == "Original wording."
    draft = make_disclaimer(version=2, current=False)
    assert 'name="text"' in admin_client.get(admin_url(Disclaimer, "change", draft.pk)).content.decode()


def test_acknowledgment_audit_is_read_only_and_holds_no_personal_data(admin_client, filled):
    tally = AcknowledgmentTally.objects.get()
    assert admin_client.get(admin_url(AcknowledgmentTally, "delete", tally.pk)).status_code == 403
    field_names = {f.name for f in AcknowledgmentTally._meta.get_fields()}
    assert field_names == {"id", "day", "disclaimer", "role", "count"}


def test_the_acknowledgment_audit_lists_day_version_role_and_count(admin_client, filled):
    earlier = make_disclaimer(version=7, current=False)
    for _ in range(3):
        services.acknowledgment_record(disclaimer=earlier, role="pharmacist")
    page = admin_client.get(admin_url(AcknowledgmentTally, "changelist")).content.decode()
    page = page[page.index('id="result_list"') :]
    headers = re.findall(r'<div class="text">(?:<a[^>]*>|<span>)?([^<]+)<', page)
    assert headers == ["Day", "Disclaimer version", "Stated role", "Acknowledgments"]
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page, re.DOTALL) if "Pharmacist" in r)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
    assert cells[-3:] == ["7", "Pharmacist", "3"]


def test_drug_change_page_links_to_the_public_monograph(admin_client, filled):
    drug = filled.profile.drug
    response = admin_client.get(admin_url(Drug, "change", drug.pk))
    assert "View on site" in response.content.decode()


def input_tag(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, f"no input named {name}"
    return match.group(0)


def test_no_admin_form_offers_a_number_input_that_could_change_what_a_curator_types(admin_client, filled):
    opened = []
    for model in CURATED_MODELS:
        for url in [admin_url(model, "add"), admin_url(model, "change", model.objects.first().pk)]:
            response = admin_client.get(url)
            if response.status_code == 403:  # the audit trails cannot be added to
                continue
            assert response.status_code == 200, url
            assert 'type="number"' not in response.content.decode(), url
            opened.append(url)
    assert admin_url(RelapseProfile, "change", filled.profile_id) in opened


def test_every_figure_is_a_text_input_with_a_numeric_keyboard_in_forms_and_inlines(admin_client, filled):
    finding_page = admin_client.get(admin_url(RelapseFinding, "change", filled.pk)).content.decode()
    profile_page = admin_client.get(admin_url(RelapseProfile, "change", filled.profile_id)).content.decode()
    drug_page = admin_client.get(admin_url(Drug, "change", filled.profile.drug_id)).content.decode()
    source_page = admin_client.get(admin_url(Source, "add")).content.decode()
    disclaimer_page = admin_client.get(admin_url(Disclaimer, "add")).content.decode()
    decimals = ["timepoint", "proportion", "proportion_upper", "ci_low", "ci_high", "follow_up"]
    decimals += ["relapse_time_median", "relapse_time_low", "relapse_time_high"]
    expected = [
        *((finding_page, name, "decimal") for name in decimals),
        *((finding_page, name, "numeric") for name in ["events", "total", "order"]),
        (profile_page, "findings-0-order", "numeric"),  # the profile page lists findings as a summary
        (drug_page, "approvals-0-year", "numeric"),
        (drug_page, "approvals-0-month", "numeric"),
        (admin_client.get(admin_url(RegulatoryApproval, "add")).content.decode(), "year", "numeric"),
        (source_page, "publication_year", "numeric"),
        (disclaimer_page, "version", "numeric"),
    ]
    for page, name, inputmode in expected:
        tag = input_tag(page, name)
        assert 'type="text"' in tag and f'inputmode="{inputmode}"' in tag, tag


PLAIN_NUMBER = "Enter a plain number; use a point for decimals (8.5, not 8,5)."
WHOLE_NUMBER = "Enter a whole number, digits only (34, not 29/34)."


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("proportion", "8,5", PLAIN_NUMBER),
        ("proportion", "1,000", PLAIN_NUMBER),
        ("proportion", "1e1", PLAIN_NUMBER),
        ("timepoint", "29/34", PLAIN_NUMBER),
        ("ci_low", "8.", PLAIN_NUMBER),
        ("events", "29/34", WHOLE_NUMBER),
        ("total", "30.0", WHOLE_NUMBER),
        ("total", "1_000", WHOLE_NUMBER),
    ],
)
def test_a_figure_that_is_not_a_plain_number_is_refused_on_its_field_and_nothing_changes(
    admin_client, field, typed, message
):
    finding = make_finding(proportion=Decimal(60))
    before = model_to_dict(finding)
    response = admin_client.post(
        admin_url(RelapseFinding, "change", finding.pk),
        finding_form(profile=str(finding.profile_id), source=str(finding.source_id), **{field: typed}),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    finding.refresh_from_db()
    assert model_to_dict(finding) == before


def test_plain_numbers_with_spaces_around_them_are_taken(admin_client):
    finding = make_finding(proportion=Decimal(60))
    response = admin_client.post(
        admin_url(RelapseFinding, "change", finding.pk),
        finding_form(
            profile=str(finding.profile_id),
            source=str(finding.source_id),
            proportion=" 8.5 ",
            total=" 34",
            loaded_version=str(finding.edit_version),
        ),
    )
    assert response.status_code == 302, response.context["adminform"].errors
    finding.refresh_from_db()
    assert (finding.proportion, finding.total) == (Decimal("8.5"), 34)


def test_a_chinese_curator_is_told_in_chinese_to_use_a_point(admin_client):
    finding = make_finding(proportion=Decimal(60))
    response = admin_client.post(
        admin_url(RelapseFinding, "change", finding.pk),
        finding_form(profile=str(finding.profile_id), source=str(finding.source_id), proportion="8,5", events="29/34"),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    page = response.content.decode()
    assert "请输入纯数字，小数请用英文句点（8.5，而非 8,5）。" in page
    assert "请输入整数，只用数字（34，而非 29/34）。" in page
