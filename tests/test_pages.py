"""What a clinician reads: the monograph, the condition comparison, search, and the 404 page."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from drugs.models import MonographStatus
from tests.factories import make_condition, make_drug, make_finding, make_profile, make_source, publish

pytestmark = pytest.mark.django_db

MONOGRAPH = reverse("drugs:drug_detail", kwargs={"slug": "baricitinib"})


def finding_rows(page: str) -> list[str]:
    """The evidence table rows of a page (one per finding), each read with its study's heading above it."""
    rows = []
    for study in re.findall(r'<tbody class="study">(.*?)</tbody>', page, re.DOTALL):
        heading = re.search(r'<tr class="study-row">(.*?)</tr>', study, re.DOTALL).group(1)
        rows += [heading + row for row in re.findall(r'<tr class="finding">(.*?)</tr>', study, re.DOTALL)]
    return rows


def test_monograph_answers_the_relapse_question_by_condition(seeded_clinician):
    page = seeded_clinician.get(MONOGRAPH).content.decode()
    relapse = page.split('id="relapse-heading"')[1]
    assert relapse.index('id="alopecia-areata"') < relapse.index('id="rheumatoid-arthritis"')
    assert "HIGH" in page and "MODERATE" in page
    assert "Continued administration is usually needed" in page
    assert "Sustained response before the dose was lowered" in page
    assert "Last reviewed:" in page and "2026-11-25" in page


def test_the_sixty_percent_is_shown_with_its_arm_time_point_n_and_sources(seeded_clinician):
    page = seeded_clinician.get(MONOGRAPH).content.decode()
    row = next(r for r in finding_rows(page) if "<strong>60%</strong>" in r and "BRAVE-AA1" in r)
    assert "baricitinib 4 mg once daily → placebo" in row
    assert "24 weeks" in row
    assert "N = 30" in row
    # The 60% is from a news report of the trial, N from the trial's paper: each shows its own words and source.
    n_source = row.split("Source of N</summary>")[1].split("</details>")[0]
    assert "30 of 115 responders taking baricitinib, 4 mg, were rerandomized to placebo" in n_source
    assert 'href="https://doi.org/10.1001/jamadermatol.2024.2734"' in n_source
    assert "Manufacturer or secondary statement" in row and ">MIMS 2024<" in row
    assert 'href="https://prdmspapp.mimsdev.com/philippines/news-updates/topic/ongoing-treatment' in row


def test_the_manufacturer_pages_figure_is_explained_not_shown_unread(seeded_clinician):
    page = seeded_clinician.get(MONOGRAPH).content.decode()
    assert not any("≈60%" in r for r in finding_rows(page)), "its page could not be read: the figure is left out"
    assert "4 mg), 24 weeks after withdrawal" in page


def test_a_figure_the_source_does_not_give_reads_not_reported_not_not_established(seeded_clinician):
    page = seeded_clinician.get(MONOGRAPH).content.decode()
    stop_row = next(r for r in finding_rows(page) if "Recurrence of symptoms" in r)
    assert stop_row.count('<span class="not-reported">not reported</span>') >= 3, "proportion, time, time to relapse"
    assert "not established" not in stop_row, "'not established' is for questions no study answers"


def test_the_sources_list_gives_full_addresses(seeded_clinician):
    page = seeded_clinician.get(MONOGRAPH).content.decode()
    sources = page.split('id="sources-heading"')[1]
    assert "https://ard.bmj.com/content/78/2/171" in sources
    assert "PMID 39141364" in sources


HIDDEN_STATUSES = [MonographStatus.DRAFT, MonographStatus.IN_REVIEW, MonographStatus.WITHDRAWN]


def test_the_monograph_says_where_its_atc_code_and_chinese_brand_names_were_read(clinician):
    who = make_source(publisher="WHO Collaborating Centre", url="https://atcddd.fhi.no/atc_ddd_index/?code=L04AF02")
    nmpa = make_source(publisher="NMPA", url="https://www.nmpa.gov.cn/olumiant")
    drug = make_drug(atc_code="L04AF02", atc_source=who, brand_names_zh="艾乐明", brand_names_zh_source=nmpa)
    page = clinician.get(publish(drug).get_absolute_url()).content.decode()
    assert 'ATC L04AF02 (<a href="https://atcddd.fhi.no/atc_ddd_index/?code=L04AF02"' in page
    assert '艾乐明 (<a href="https://www.nmpa.gov.cn/olumiant"' in page


def test_an_unknown_monograph_is_404_in_the_sites_layout(clinician):
    response = clinician.get(reverse("drugs:drug_detail", kwargs={"slug": "no-such-drug"}))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert 'class="site-footer' in response.content.decode()


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_an_unpublished_monograph_is_404_and_absent_from_home_search_and_conditions(clinician, status):
    condition = make_condition(name="Hiddenitis", slug="hiddenitis")
    drug = make_drug(name="hiddenib", brand_names="Secretbrand", status=status)
    make_finding(profile=make_profile(drug=drug, condition=condition))
    response = clinician.get(drug.get_absolute_url())
    assert response.status_code == 404
    assert "hiddenib" not in response.content.decode().lower()
    assert clinician.get(condition.get_absolute_url()).status_code == 404
    for page in [clinician.get("/en/"), clinician.get(reverse("drugs:search"), {"q": "hidden"})]:
        text = page.content.decode().lower()
        assert "hiddenib" not in text and "secretbrand" not in text and "hiddenitis" not in text


def test_condition_page_puts_each_drug_side_by_side(clinician):
    condition = make_condition(name="Alopecia areata", slug="alopecia-areata")
    first = make_profile(drug=make_drug(name="baricitinib"), condition=condition)
    second = make_profile(drug=make_drug(name="ritlecitinib"), condition=condition)
    make_finding(profile=first, proportion=Decimal(60))
    publish(first.drug)
    publish(second.drug)
    make_profile(drug=make_drug(name="hiddenib"), condition=condition)
    page = clinician.get(condition.get_absolute_url()).content.decode()
    assert "Baricitinib" in page and "Ritlecitinib" in page
    assert "HIGH" in page and "NOT ESTABLISHED" in page
    assert "hiddenib" not in page.lower()
    assert second.drug.get_absolute_url() in page


def test_a_condition_with_no_published_drug_is_404(clinician):
    condition = make_condition()
    make_profile(drug=make_drug(), condition=condition)
    assert clinician.get(condition.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("baricitinib", "Baricitinib"),
        ("BARI", "Baricitinib"),
        ("olumiant", "Baricitinib"),
        ("alopecia", "Alopecia areata"),
        ("RA", "Rheumatoid arthritis"),
    ],
)
def test_search_finds_drugs_brands_conditions_and_synonyms(seeded_clinician, query, expected):
    page = seeded_clinician.get(reverse("drugs:search"), {"q": query}).content.decode()
    assert f">{expected}</a>" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Search by generic name, brand name, condition or synonym"),
        (" ", "Search by generic name, brand name, condition or synonym"),
        ("x", "Type at least two letters"),
        ("%", "Type at least two letters"),
        ("<script>", "No published drug matches “&lt;script&gt;”"),
        ("'; DROP TABLE drugs_drug; --", "No published drug matches"),
        ("zz" * 300, "No published drug matches"),
    ],
)
def test_empty_or_junk_queries_get_a_helpful_page(seeded_clinician, query, message):
    response = seeded_clinician.get(reverse("drugs:search"), {"q": query})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "<script>" not in page.split("<main")[1]


def drug_results(page: str) -> list[str]:
    drugs = page.split("<main")[1].split('<h2 class="h4">Conditions')[0]
    return re.findall(r'<a href="/en/drugs/[^"]+/">([^<]+)</a>', drugs)


def test_a_broad_search_lists_the_first_fifty_alphabetically_and_says_how_many_more(clinician):
    for n in reversed(range(53)):
        publish(make_drug(name=f"broadinib{n:02d}", slug=f"broadinib{n:02d}"))
    page = clinician.get(reverse("drugs:search"), {"q": "broadin"}).content.decode()
    assert drug_results(page) == [f"Broadinib{n:02d}" for n in range(50)]
    assert "3 more drugs match “broadin”: type more of the name to narrow the list." in page
    narrower = clinician.get(reverse("drugs:search"), {"q": "broadinib5"}).content.decode()
    assert drug_results(narrower) == ["Broadinib50", "Broadinib51", "Broadinib52"]
    assert "more drug" not in narrower


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("citinib", ["Abrocitinib", "Baricitinib", "Ritlecitinib", "Tofacitinib", "Upadacitinib"]),
        ("ＯＬＵ", ["Baricitinib"]),  # full-width letters, as a Chinese input method types them
        ("瑞替", ["Baricitinib"]),
        ("Lilly", []),  # the manufacturer is not searched
        ("尼olu", []),  # would join the Chinese name and the brand
        ("nib巴", []),  # would join the generic and the Chinese name
    ],
)
def test_search_matches_any_part_of_a_name_but_not_across_names_or_other_fields(seeded_clinician, query, expected):
    page = seeded_clinician.get(reverse("drugs:search"), {"q": query}).content.decode()
    assert drug_results(page) == expected


def test_search_does_not_join_two_brand_names(clinician):
    publish(make_drug(name="tofacitinib", slug="tofacitinib", name_zh="", brand_names="Xeljanz, Xeljanz XR"))
    found = drug_results(clinician.get(reverse("drugs:search"), {"q": "xeljanz xr"}).content.decode())
    assert found == ["Tofacitinib"]
    assert drug_results(clinician.get(reverse("drugs:search"), {"q": "z, x"}).content.decode()) == []


def test_a_published_drug_and_its_condition_are_found_on_the_next_request_and_not_once_withdrawn(clinician, reviewer):
    from drugs import services

    def found(query: str) -> list[str]:
        return drug_results(clinician.get(reverse("drugs:search"), {"q": query}).content.decode())

    def condition_found(query: str) -> bool:
        return ">Newitis</a>" in clinician.get(reverse("drugs:search"), {"q": query}).content.decode()

    drug = make_drug(name="newinib", slug="newinib")
    make_profile(drug=drug, condition=make_condition(name="Newitis", slug="newitis"))
    assert found("newinib") == [] and not condition_found("newitis")
    publish(drug)
    assert found("newinib") == ["Newinib"] and condition_found("newitis")
    services.monograph_withdraw(drug=drug, reviewer=reviewer)
    assert found("newinib") == [] and not condition_found("newitis")


@pytest.mark.parametrize("drugs", [2, 40])
def test_search_query_count_does_not_grow_with_the_catalogue(clinician, django_assert_num_queries, drugs):
    for n in range(drugs):
        publish(make_drug(name=f"countinib{n:02d}", slug=f"countinib{n:02d}"))
    clinician.get(reverse("drugs:search"), {"q": "warm"})  # the disclaimer and the name index, once per change
    # the matching drugs (at most fifty, by id); the conditions are kept in memory with the name index
    with django_assert_num_queries(1):
        page = clinician.get(reverse("drugs:search"), {"q": "countinib"}).content.decode()
    assert len(drug_results(page)) == drugs


@pytest.mark.parametrize("query", ["baricitinib", "alopecia"])
def test_search_results_show_no_bare_figures(seeded_clinician, query):
    page = seeded_clinician.get(reverse("drugs:search"), {"q": query}).content.decode()
    results = page.split("<main")[1].split("</main>")[0]
    assert "Baricitinib" in results or "Alopecia" in results
    assert "%" not in results


def build_monograph(findings_per_profile: int, conditions: int):
    drug = make_drug(slug="bench")
    for _ in range(conditions):
        profile = make_profile(drug=drug)
        for week in range(findings_per_profile):
            make_finding(profile=profile, source=make_source(), timepoint=Decimal(week))
    return publish(drug)


@pytest.mark.parametrize(("findings", "conditions"), [(1, 1), (8, 4)])
def test_monograph_query_count_does_not_grow_with_its_data(clinician, django_assert_num_queries, findings, conditions):
    drug = build_monograph(findings, conditions)
    # current disclaimer (the data just changed), public drug + working copy, profiles+conditions,
    # findings+sources, factors+sources, statements+sources, approvals+sources, published change notes; the
    # acknowledgment is a signed cookie
    with django_assert_num_queries(8):
        response = clinician.get(drug.get_absolute_url())
    assert response.status_code == 200
    with django_assert_num_queries(0):
        again = clinician.get(drug.get_absolute_url())
    assert again.content == response.content, "the second reader gets the stored page"
    assert response.content.decode().count('<tr class="finding">') == findings * conditions


@pytest.mark.parametrize("drugs", [1, 6])
def test_condition_page_query_count_does_not_grow_with_its_data(clinician, django_assert_num_queries, drugs):
    condition = make_condition()
    for _ in range(drugs):
        profile = make_profile(condition=condition)
        for week in range(3):
            make_finding(profile=profile, source=make_source(), timepoint=Decimal(week))
        publish(profile.drug)
    # current disclaimer, condition, count of its drugs (pages), one page of profiles+drugs, findings+sources,
    # factors+sources, statements+sources, the profiles of classes and strategies (first page; their rows only
    # when there are some), the condition's guideline statements (every page of drugs)
    with django_assert_num_queries(9):
        response = clinician.get(condition.get_absolute_url())
    assert response.status_code == 200


def test_a_condition_treated_by_many_drugs_is_shown_a_page_at_a_time(clinician):
    condition = make_condition(name="Commonitis", slug="commonitis")
    for n in range(15):
        profile = make_profile(drug=make_drug(name=f"drug{n:02d}"), condition=condition)
        make_finding(profile=profile)
        publish(profile.drug)
    first = clinician.get(condition.get_absolute_url()).content.decode()
    second = clinician.get(condition.get_absolute_url(), {"page": 2}).content.decode()
    assert "Drug00" in first and "Drug11" in first and "Drug12" not in first
    assert "Drug12" in second and "Drug14" in second and "Drug00" not in second
    assert "Page 1 of 2" in first


def test_the_home_page_lists_drugs_a_page_at_a_time(clinician):
    for n in range(62):
        publish(make_drug(name=f"listinib{n:02d}"))
    first = clinician.get("/en/").content.decode()
    assert "Listinib00" in first and "Listinib59" in first and "Listinib60" not in first
    assert "Listinib61" in clinician.get("/en/", {"page": 2}).content.decode()


def test_an_n_plus_one_query_in_a_request_fails_the_test(clinician, settings):
    from zeal.errors import NPlusOneError

    settings.ROOT_URLCONF = "tests.n_plus_one"
    for _ in range(3):
        make_profile()
    with pytest.raises(NPlusOneError, match="RelapseProfile.drug"):
        clinician.get("/careless/")


def test_a_profile_never_checked_says_its_review_date_is_not_recorded(clinician):
    drug = make_drug()
    make_finding(profile=make_profile(drug=drug, last_reviewed=None))
    publish(drug)
    page = clinician.get(drug.get_absolute_url()).content.decode()
    assert 'Profile last reviewed: <span class="not-reported">not recorded</span>' in page


def test_the_evidence_table_states_a_studys_design_population_and_source_once_above_its_rows(clinician):
    paper, news = make_source(authors="King B, et al."), make_source(authors="MIMS", kind="news")
    profile = make_profile()
    study = {"study_name": "BRAVE-AA9", "study_design": "Phase 3 withdrawal trial", "population": "Responders"}
    for weeks in (4, 8):
        make_finding(profile=profile, source=paper, timepoint=Decimal(weeks), note="Both cohorts pooled.", **study)
    make_finding(profile=profile, source=news, timepoint=Decimal(24), note="From a news report.", **study)
    make_finding(profile=profile, source=news, timepoint=Decimal(52), note="Per cohort.", **study)
    page = clinician.get(publish(profile.drug).get_absolute_url()).content.decode()

    rows = finding_rows(page)
    assert len(rows) == 4, "a row per finding"
    assert page.count("Phase 3 withdrawal trial") == 2 and page.count("Population: Responders") == 2, (
        "said once per study and source, not on each of the four rows"
    )
    assert all("BRAVE-AA9" in row and "Phase 3 withdrawal trial" in row for row in rows)
    assert "King B" in rows[0] and "King B" in rows[1] and "MIMS" in rows[2] and "MIMS" in rows[3]
    assert page.count("Both cohorts pooled.") == 1, "a note all rows of a study share is said once"
    assert page.count("From a news report.") == 1 and page.count("Per cohort.") == 1, "others stay by their row"
    # On paper a row that repeats the arm and outcome above it says "as above" (print.css) instead.
    assert [row.count('class="same-as-above" data-as-above="as above"') for row in rows] == [0, 2, 0, 2]


def test_the_condition_pages_evidence_tables_wait_behind_details_as_on_the_monograph(seeded_clinician):
    page = seeded_clinician.get("/en/conditions/rheumatoid-arthritis/").content.decode()
    evidence = page.split('id="evidence-heading"')[1]
    assert evidence.count("<table") >= 3, "baricitinib, adalimumab, etanercept"
    assert evidence.count("<table") == evidence.count('<details class="evidence">'), "each table behind a summary line"
