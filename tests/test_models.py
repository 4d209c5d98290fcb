"""The database keeps the evidence true, and a curator is told what to fix."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from drugs.models import RelapseFinding, RelapseProfile, Source
from tests.factories import make_condition, make_drug, make_finding, make_profile, make_source

pytestmark = pytest.mark.django_db

# (field values that break a rule, the field the message is on, words in the message, the database constraint)
BAD_FINDINGS = [
    ({"proportion": Decimal("100.5")}, "proportion", "less than or equal to 100", "percent_between_0_and_100"),
    ({"proportion": Decimal("-1")}, "proportion", "greater than or equal to 0", "percent_between_0_and_100"),
    (
        {"proportion": Decimal(20), "proportion_upper": Decimal(10)},
        "proportion_upper",
        "upper end",
        "proportion_range_ordered",
    ),
    ({"proportion": None, "proportion_upper": Decimal(10)}, "proportion", "lower end", "proportion_range_ordered"),
    ({"proportion": None, "ci_low": Decimal(70), "ci_high": Decimal(50)}, "ci_low", "low end", "ci_ordered"),
    ({"ci_low": Decimal(40), "ci_high": None}, "ci_high", "both ends", "ci_ordered"),
    ({"ci_low": Decimal(10), "ci_high": Decimal(20)}, "proportion", "confidence interval", "ci_contains_proportion"),
    ({"events": 31, "total": 30}, "events", "cannot be larger", "events_not_above_total"),
    ({"events": 3, "total": None}, "total", "Enter N", "events_need_total"),
    (
        {"relapse_time_low": Decimal(24), "relapse_time_high": Decimal(8), "relapse_time_unit": "weeks"},
        "relapse_time_low",
        "'from'",
        "relapse_time_range_ordered",
    ),
    (
        {
            "relapse_time_median": Decimal(30),
            "relapse_time_low": 8,
            "relapse_time_high": 24,
            "relapse_time_unit": "weeks",
        },
        "relapse_time_median",
        "within its range",
        "relapse_time_median_in_range",
    ),
    (
        {"relapse_time_median": Decimal(8), "relapse_time_unit": ""},
        "relapse_time_unit",
        "unit",
        "relapse_time_has_unit",
    ),
    ({"timepoint": Decimal(-4)}, "timepoint", "greater than or equal to 0", "times_not_negative"),
    ({"timepoint": Decimal(24), "timepoint_unit": ""}, "timepoint_unit", "unit", "timepoint_has_unit"),
    ({"follow_up": Decimal(48), "follow_up_unit": ""}, "follow_up_unit", "unit", "follow_up_has_unit"),
]


@pytest.mark.parametrize(("values", "field", "words", "constraint"), BAD_FINDINGS)
def test_bad_figure_is_refused_on_the_field_with_a_message_saying_what_to_fix(values, field, words, constraint):
    finding = make_finding()
    for name, value in values.items():
        setattr(finding, name, value)
    with pytest.raises(ValidationError) as refused:
        finding.full_clean()
    messages = " ".join(refused.value.message_dict.get(field, []))
    assert words in messages


@pytest.mark.parametrize(("values", "field", "words", "constraint"), BAD_FINDINGS)
def test_bad_figure_is_refused_by_the_database_itself(values, field, words, constraint):
    finding = make_finding()
    with pytest.raises(IntegrityError, match=f"drugs_relapsefinding_{constraint}"), transaction.atomic():
        RelapseFinding.objects.filter(pk=finding.pk).update(**values)
    finding.refresh_from_db()
    assert finding.proportion == Decimal(60), "the saved figure survives the refused edit"


def test_valid_range_and_interval_are_accepted_and_shown_with_units():
    finding = make_finding(
        proportion=Decimal(10),
        proportion_upper=Decimal(11),
        ci_low=Decimal(5),
        ci_high=Decimal(20),
        events=3,
        total=30,
        relapse_time_low=Decimal(8),
        relapse_time_high=Decimal(24),
        relapse_time_unit="weeks",
    )
    finding.full_clean()
    assert finding.proportion_display == "10–11%"
    assert finding.ci_display == "95% CI 5–20%"
    assert finding.count_display == "3/30"
    assert finding.relapse_time_display == "8–24 weeks"
    finding.relapse_time_median = Decimal(12)
    finding.full_clean()
    assert finding.relapse_time_display == "median 12 weeks (range 8–24 weeks)"
    assert finding.timepoint_display == "24 weeks"


def test_missing_figures_read_as_none_so_the_page_says_not_established():
    finding = make_finding(proportion=None, total=None, timepoint=None, timepoint_unit="")
    assert finding.proportion_display is None
    assert finding.count_display is None
    assert finding.relapse_time_display is None
    assert finding.timepoint_display is None


def test_one_relapse_profile_per_drug_and_condition():
    profile = make_profile()
    duplicate = RelapseProfile(drug=profile.drug, condition=profile.condition)
    with pytest.raises(ValidationError, match="already has a relapse profile"):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    assert RelapseProfile.objects.count() == 1


def test_slugs_are_unique():
    make_drug(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_drug(slug="same")
    make_condition(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_condition(slug="same")


@pytest.mark.parametrize(
    ("model_factory", "field", "value"),
    [
        (make_drug, "atc_code", "L04-AF02"),
        (make_drug, "rxnorm_cui", "RX123"),
        (make_condition, "icd10_code", "L639"),
        (make_condition, "snomed_code", "12"),
        (make_source, "doi", "https://example.org/10.1001/x"),  # a doi.org link is tidied to its DOI
        (make_source, "pmid", "PMC1234567"),  # "PMID: 39141364" is tidied to its number
    ],
)
def test_malformed_codes_are_refused_with_an_example_of_the_right_format(model_factory, field, value):
    instance = model_factory()
    setattr(instance, field, value)
    with pytest.raises(ValidationError) as refused:
        instance.full_clean()
    assert "such as" in " ".join(refused.value.message_dict[field])


def test_source_link_must_be_http_or_https():
    source = make_source()
    source.url = "javascript:alert(1)"
    with pytest.raises(ValidationError) as refused:
        source.full_clean()
    assert "http" in " ".join(refused.value.message_dict["url"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.filter(pk=source.pk).update(url="javascript:alert(1)")


def test_source_without_any_way_to_find_it_is_refused():
    source = make_source()
    source.url = ""
    with pytest.raises(ValidationError, match="URL, DOI or PMID"):
        source.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.filter(pk=source.pk).update(url="", doi="", pmid="")


def test_source_link_falls_back_to_doi_then_pubmed():
    assert make_source(url="", doi="10.1001/x.1").link == "https://doi.org/10.1001/x.1"
    assert make_source(url="", pmid="123").link == "https://pubmed.ncbi.nlm.nih.gov/123/"


def test_monograph_sources_are_numbered_once_in_order_of_first_citation():
    source_a, source_b = make_source(), make_source()
    profile = make_profile()
    make_finding(profile=profile, source=source_b)
    make_finding(profile=profile, source=source_a, timepoint=Decimal(8))
    make_finding(profile=profile, source=source_b, timepoint=Decimal(52))
    assert profile.drug.sources == [source_b, source_a]


def test_n_from_another_source_needs_that_source_and_its_sentence(db):
    from drugs.models import RelapseFinding
    from tests.factories import make_finding, make_source

    finding = make_finding()
    finding.total_quote = "30 of 115 responders were rerandomized."
    with pytest.raises(ValidationError) as error:
        finding.full_clean()
    assert list(error.value.message_dict) == ["total_source"]
    finding.total_source = make_source()
    finding.full_clean()
    assert isinstance(finding, RelapseFinding)
