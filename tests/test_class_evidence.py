"""Trials of "any TNF inhibitor" or "any DMARD" are evidence about a class or a strategy, never pinned on one
drug: an entry of its own, shown apart from single drugs on the condition page."""

from decimal import Decimal

import pytest

from drugs.models import EntryKind
from tests.factories import make_condition, make_drug, make_finding, make_profile, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def condition_with_a_class_trial():
    condition = make_condition(name="Rheumatoid arthritis", slug="ra")
    adalimumab = make_drug(name="adalimumab")
    make_finding(profile=make_profile(drug=adalimumab, condition=condition), study_name="PREDICTRA")
    tnf = make_drug(name="TNF inhibitors, any", slug="tnf-inhibitors", entry_kind=EntryKind.CLASS)
    make_finding(
        profile=make_profile(drug=tnf, condition=condition),
        study_name="ARCTIC REWIND",
        proportion=Decimal(63),
        quote="In the tapering TNFi group, 27/43 (63%) experienced a flare.",
        events=27,
        total=43,
    )
    publish(adalimumab)
    publish(tnf)
    return condition


def test_the_condition_page_shows_class_evidence_apart_from_the_drugs(clinician, condition_with_a_class_trial):
    page = clinician.get(condition_with_a_class_trial.get_absolute_url()).content.decode()
    comparison = page.split('comparison">')[1].split('<section class="mb-4')[0]
    assert "Adalimumab" in comparison and "TNF inhibitors" not in comparison, "not compared as if one drug"
    apart = page.split('id="beyond-heading"')[1].split("</section>\n</section>")[0]
    assert "not one drug" in page and "TNF inhibitors, any" in apart and "(a drug class)" in apart
    assert "ARCTIC REWIND" in apart and "<strong>63%</strong>" in apart
    chart = page.split('id="timeline-heading"')[1].split("</figure>")[0]
    assert "ARCTIC REWIND" not in chart and "PREDICTRA" in chart


def test_a_class_entrys_page_says_it_is_not_one_drug(clinician, condition_with_a_class_trial):
    page = clinician.get("/en/drugs/tnf-inhibitors/").content.decode()
    assert "This entry is a drug class, not one drug" in page
    assert "If a drug of this class or strategy is stopped or lowered" in page
    adalimumab = clinician.get("/en/drugs/adalimumab/").content.decode()
    assert "not one drug" not in adalimumab
    home = clinician.get("/en/").content.decode()
    assert "a drug class: " in home


def test_a_capitalised_class_name_is_listed_in_alphabetical_order_among_the_drugs(clinician):
    for name in ("zanubrutinib", "abatacept"):
        publish(make_drug(name=name))
    publish(make_drug(name="TNF inhibitors, any", slug="tnf", entry_kind=EntryKind.CLASS))
    home = clinician.get("/en/").content.decode()
    assert home.index("Abatacept") < home.index("TNF inhibitors, any") < home.index("Zanubrutinib")
