"""Search finds what a clinician types: typos, several words, strengths, classes, codes, lay and Chinese names.

The same expectations hold on SQLite and PostgreSQL (the index is built in memory from the public copies).
"""

import pytest
from django.urls import reverse

from drugs.models import MonographStatus
from tests.factories import make_condition, make_drug, make_profile, publish
from tests.test_pages import drug_results

pytestmark = pytest.mark.django_db

SEARCH = reverse("drugs:search")


def search(client, query: str) -> str:
    return client.get(SEARCH, {"q": query}).content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "baricitinib",
        "baricitnib",  # one letter left out
        "bariictinib",  # two letters swapped
        "alopecia areata baricitinib",  # several words, across the drug and its condition
        "baricitinib alopecia",  # in any order
        "Olumiant 2 mg",  # a brand with a strength
        "olumiant 4mg tablets",
        "JAK",  # the drug class
        "Janus kinase inhibitor",
        "L63.9",  # ICD-10, alopecia areata
        "M06.9",  # ICD-10, rheumatoid arthritis
        "68225006",  # SNOMED CT, alopecia areata
        "hair loss",  # a lay synonym, curated on the condition
        "巴瑞替尼片",
        "鬼剃头",  # a Chinese lay synonym of alopecia areata
        "斑秃 巴瑞替尼",
    ],
)
def test_each_kind_of_search_finds_baricitinib(seeded_clinician, query):
    results = drug_results(search(seeded_clinician, query))
    if query in SHARED_BY_OTHER_DRUGS:
        assert "Baricitinib" in results
    else:
        assert results == ["Baricitinib"]


# A class, a condition's code or synonym: the other seeded JAK inhibitors and alopecia areata drugs share them.
SHARED_BY_OTHER_DRUGS = {"JAK", "Janus kinase inhibitor", "L63.9", "M06.9", "68225006", "hair loss", "鬼剃头"}


@pytest.mark.parametrize("query", ["xyzzyq", "qwertyuiop", "baricitinib xyzzyq", "2 mg", "zz" * 50])
def test_nonsense_finds_nothing(seeded_clinician, query):
    page = search(seeded_clinician, query)
    assert drug_results(page) == []
    assert "No condition matches" in page


@pytest.mark.parametrize(
    ("query", "condition"),
    [("hair loss", "Alopecia areata"), ("L63.9", "Alopecia areata"), ("M06.9", "Rheumatoid arthritis")],
)
def test_conditions_are_found_by_synonym_and_code(seeded_clinician, query, condition):
    conditions = search(seeded_clinician, query).split('<h2 class="h4">Conditions')[1]
    assert f">{condition}</a>" in conditions


def test_the_exact_name_comes_first_then_names_that_start_with_it_then_the_rest(clinician):
    for name in ["alphanib", "nibrazine", "nib", "betanib"]:
        publish(make_drug(name=name, slug=name))
    publish(make_drug(name="zetanib", slug="zetanib", brand_names="Nib"))
    assert drug_results(search(clinician, "nib")) == ["Nib", "Zetanib", "Nibrazine", "Alphanib", "Betanib"]


def test_a_name_match_comes_before_a_class_or_condition_match(clinician):
    publish(make_drug(name="aaranib", slug="aaranib", drug_class="Kinase blocker"))
    publish(make_drug(name="zzblockerin", slug="zzblockerin", drug_class="Other"))
    assert drug_results(search(clinician, "blocker")) == ["Zzblockerin", "Aaranib"]


@pytest.mark.parametrize("query", ["尚杰", "尚杰 5毫克"])
def test_a_chinese_brand_name_finds_its_drug(seeded_clinician, query):
    assert drug_results(search(seeded_clinician, query)) == ["Tofacitinib"]


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("Olumiant 2 mg", "brand “<mark>Olumiant</mark>”"),
        ("olu", "brand “<mark>Olu</mark>miant”"),
        ("JAK", "class “Janus kinase (<mark>JAK</mark>) inhibitor (JAK1/JAK2)”"),
        ("L63.9", "ICD-10 “<mark>L63.9</mark>”"),
        ("hair loss", "synonym “<mark>hair</mark> <mark>loss</mark>”"),
        ("尚杰", "Chinese brand “<mark>尚杰</mark>”"),
        ("baricitnib", "name “<mark>baricitinib</mark>”"),
    ],
)
def test_the_matched_part_is_shown(seeded_clinician, query, shown):
    drugs = search(seeded_clinician, query).split('<h2 class="h4">Conditions')[0]
    assert shown in drugs


def test_a_corrected_spelling_says_so(seeded_clinician):
    assert "these are the closest spellings" in search(seeded_clinician, "baricitnib")
    assert "closest spellings" not in search(seeded_clinician, "baricitinib")


def test_the_matched_part_is_labelled_in_chinese(seeded_clinician):
    page = seeded_clinician.get("/zh-hans/search/", {"q": "尚杰"}).content.decode()
    assert "中文商品名 “<mark>尚杰</mark>”" in page


@pytest.mark.parametrize("status", [MonographStatus.DRAFT, MonographStatus.IN_REVIEW, MonographStatus.WITHDRAWN])
def test_a_draft_is_never_found_by_any_kind_of_search(clinician, status):
    condition = make_condition(name="Draftitis", slug="draftitis", icd10_code="L99.1", synonyms="secret loss")
    drug = make_drug(name="draftinib", brand_names="Draftbrand", brand_names_zh="草稿明", status=status)
    make_profile(drug=drug, condition=condition)
    for query in ["draftinib", "draftinb", "draftbrand 2 mg", "草稿明", "L99.1", "secret loss", "draftitis draftinib"]:
        page = search(clinician, query)
        assert drug_results(page) == [], query
        assert ">Draftitis</a>" not in page, query


def test_an_edit_not_yet_published_is_not_found(clinician):
    drug = publish(make_drug(name="editinib", slug="editinib", brand_names_zh=""))
    drug.brand_names_zh = "新名"
    drug.save()
    assert drug_results(search(clinician, "新名")) == []
    assert drug_results(search(clinician, "editinib")) == ["Editinib"]
