import functools
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import translate_url
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from drugs import answers, cache, charts, comparison, fhir, gate, services
from drugs import search as drug_search
from drugs.forms import AcknowledgmentForm, SearchForm
from drugs.models import Condition, Drug, EvidenceGrade, RelapseProfile, Scenario
from drugs.models.catalog import by_class
from drugs.models.statements import guideline_statements_for
from drugs.outage import database_available

MIN_QUERY_LENGTH = 2
DRUGS_PER_CONDITION_PAGE = 12
DRUGS_PER_HOME_PAGE = 60


def home(request):
    # Drugs a page at a time, alphabetically: the page stays small however many monographs there are.
    drugs = Drug.objects.published().in_catalogue_order()
    page = Paginator(drugs, DRUGS_PER_HOME_PAGE).get_page(request.GET.get("page"))
    # The same page of drugs, by class: no second query, and the page's size still does not grow.
    drugs_on_page = list(page.object_list)
    class_groups, classes_and_strategies = by_class(drugs_on_page)
    context = {
        "search_form": SearchForm(),
        "drugs": drugs_on_page,
        "class_groups": class_groups,
        "classes_and_strategies": classes_and_strategies,
        "page": page,
        "conditions": Condition.objects.with_published_drugs(),
    }
    return render(request, "drugs/home.html", context)


def drug_detail(request, slug: str):
    drug = get_object_or_404(Drug.objects.published().for_monograph(), slug=slug)
    return render(request, "drugs/drug_detail.html", {"drug": drug})


@require_safe
def drug_fhir(request, slug: str):
    """The published monograph as a FHIR R5 Bundle, for download."""
    drugs = list(fhir.exportable(slug))
    if not drugs:
        raise Http404
    response = HttpResponse(fhir.to_json(fhir.bundle_for(drugs)), content_type="application/fhir+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-fhir-r5.json"'
    return response


@never_cache
def drug_preview(request, slug: str):
    """Staff see the working copy exactly as it will look, under a PREVIEW banner; others get a 404."""
    if not request.user.is_staff:
        raise Http404
    drug = get_object_or_404(Drug.objects.working().for_monograph(preview=True), slug=slug)
    return render(request, "drugs/drug_detail.html", {"drug": drug, "preview": True})


def condition_detail(request, slug: str):
    condition = get_object_or_404(Condition.objects.with_published_drugs(), slug=slug)
    all_profiles = RelapseProfile.objects.for_condition_page(condition)
    # Drugs a page at a time: the page's size and cost stay the same however many drugs treat it.
    page = Paginator(all_profiles.of_single_drugs(), DRUGS_PER_CONDITION_PAGE).get_page(request.GET.get("page"))
    # Classes and strategies stand apart from the drugs, on the first page.
    beyond_one_drug = all_profiles.of_classes_and_strategies() if page.number == 1 else all_profiles.none()
    profiles = list(page.object_list)
    class_profiles = list(beyond_one_drug)
    sort = comparison.sort_from(request.GET.get("sort"))
    context = {
        "condition": condition,
        "profiles": profiles,
        "class_profiles": class_profiles,
        "page": page,
        "page_query": "" if sort == comparison.DEFAULT_SORT else f"&sort={sort}",
        "comparison_tables": comparison.tables(profiles, class_profiles, sort),
        "sort_links": comparison.links(sort, page.number),
        "sort": sort,
        "comparison_chart": charts.comparison(profiles),
        "guideline_statements": guideline_statements_for(condition),
    }
    return render(request, "drugs/condition_detail.html", context)


def how_to_read(request):
    """Levels, the rule behind them, scenarios, grades and missing figures; the thresholds are the code's own."""
    context = {
        "high_from": answers.HIGH_FROM,
        "moderate_from": answers.MODERATE_FROM,
        "window_weeks": answers.WINDOW_WEEKS,
        "groups": [
            (group.label, [Scenario(scenario).label for scenario in scenarios])
            for group, scenarios in answers.GROUP_SCENARIOS.items()
        ],
        "grades": sorted(EvidenceGrade, reverse=True),
    }
    return render(request, "drugs/how_to_read.html", context)


def search(request):
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    searched = len(query) >= MIN_QUERY_LENGTH
    matches = drug_search.find(query) if searched else drug_search.NO_MATCHES
    found = Drug.objects.published().in_bulk(matches.drug_ids)
    context = {
        "search_form": form,
        "query": query,
        "searched": searched,
        "too_short": bool(query) and not searched,
        "drugs": [(found[pk], matches.highlights.get(pk, [])) for pk in matches.drug_ids if pk in found],
        "more_drugs": matches.more,
        "corrected": matches.corrected,
        "conditions": matches.conditions,
    }
    return render(request, "drugs/search.html", context)


def acknowledge(request):
    disclaimer = gate.current_disclaimer(request)
    next_path = gate.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = AcknowledgmentForm(request.POST or None, initial={"next": next_path})
    if request.method == "POST" and disclaimer and form.is_valid():
        services.acknowledgment_record(disclaimer=disclaimer, role=form.cleaned_data["role"])
        response = redirect(next_path)
        gate.remember_acknowledgment(response, disclaimer)
        return response
    if request.method == "POST" or disclaimer is None:
        status = 200 if disclaimer else 503
        return render(request, "drugs/acknowledge.html", {"form": form, "disclaimer": disclaimer}, status=status)
    # Every first visit lands here: the page is rendered once, and each visitor gets it with a token of their own.
    return cache.with_fresh_csrf_token(
        request,
        lambda csrf_token: render(
            request, "drugs/acknowledge.html", {"form": form, "disclaimer": disclaimer, "csrf_token": csrf_token}
        ),
    )


def declined(request):
    return render(request, "drugs/declined.html")


@require_safe
def switch_language(request):
    """Switch language and stay on the same page; the choice is remembered in a cookie."""
    language = request.GET.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    target = translate_url(gate.safe_next(request, request.GET.get("next")), language)
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 60 * 60,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response


@require_safe
@never_cache
def healthz(request):
    """For load balancers: 503 when the database does not answer; a shared cache that does not answer only
    makes the site slower (pages come from the database), so that is 200, "degraded", with the reason."""
    if not database_available():
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    problem = cache.shared_cache_problem()
    if problem is not None:
        return HttpResponse(f"degraded: shared cache unavailable ({problem})\n", content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@require_safe
def robots_txt(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")


FAVICON_MAX_AGE = 24 * 60 * 60


@functools.cache
def favicon_svg() -> bytes:
    return Path(finders.find("favicon.svg")).read_bytes()


@require_safe
def favicon(request):
    """/favicon.ico, which browsers and crawlers ask for whatever a page links: the icon itself, not a redirect,
    since the pages link it under a hashed static name that changes with every edit of the file."""
    response = HttpResponse(favicon_svg(), content_type="image/svg+xml")
    patch_cache_control(response, public=True, max_age=FAVICON_MAX_AGE)
    return response
