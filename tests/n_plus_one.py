"""The test suite's N+1 guard: django-zeal around every request (tests/settings.py puts it outermost)."""

import re

from django.http import HttpResponse
from django.urls import path
from zeal import zeal_ignore
from zeal.middleware import zeal_middleware

from medinfo import urls as site_urls

# On a change page Django itself reads each inline row by primary key (the formset's id field on a save, the
# autocomplete widget's chosen source or condition): one monograph's rows (tens), never the catalogue.
CHANGE_PATH = re.compile(r"^/admin/drugs/\w+/\d+/change/$")
# Deleting a draft, Django's confirmation names every row that goes with it (one monograph's rows, never
# the catalogue), each by its __str__, which names its drug and condition.
DELETE_PATH = re.compile(r"^/admin/drugs/drug/(\d+/delete|)/?$")


def guard(get_response):
    def restoring(request):
        if DELETE_PATH.match(request.path_info):
            with zeal_ignore([{"model": "drugs.*", "field": "*"}]):
                return get_response(request)
        if CHANGE_PATH.match(request.path_info):
            with zeal_ignore([{"model": "drugs.*", "field": "get()"}]):
                return get_response(request)
        return get_response(request)

    return zeal_middleware(restoring)


def profiles_one_query_each(request):
    """A deliberately careless page, for the test that shows the guard at work."""
    from drugs.models import RelapseProfile

    return HttpResponse(", ".join(profile.drug.name for profile in RelapseProfile.objects.all()))


urlpatterns = [path("careless/", profiles_one_query_each, name="careless"), *site_urls.urlpatterns]
