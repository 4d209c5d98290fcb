"""Personas and data shared by the whole suite."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from reversion.models import Revision

from drugs import cache, gate, interchange
from drugs.management.commands.load_seed import SEED_DIR
from drugs.models import Condition, Disclaimer, Drug, ProfessionalRole, Source
from tests.factories import make_disclaimer


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no stored page: rows a test rolls back must not live on in memory."""
    cache.reset()
    gate.verified_acknowledgment.cache_clear()  # a test may sign with another key
    yield
    cache.reset()
    translation.activate(settings.LANGUAGE_CODE)  # a Chinese page leaves its language active in this thread


def load_seed() -> None:
    """Every seed file (drugs/seed/*.json), as `make run` loads them."""
    for path in sorted(SEED_DIR.glob("*.json")):
        interchange.import_data(json.loads(path.read_text(encoding="utf-8")), keep_existing=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Each test database (one per xdist worker) holds the seed from the start: it is imported once, not per
    test, and every test rolls back what it changes. pytest-django runs transactional tests (the browser
    tests), which empty the database after them, after all the others."""
    with django_db_blocker.unblock():
        load_seed()


def acknowledge(client, role: str = ProfessionalRole.PHYSICIAN):
    """Go through the gate as a visitor would: tick the box, name a role."""
    return client.post(reverse("drugs:acknowledge"), {"role": role, "accept": "on", "next": "/"})


def remove_seed() -> None:
    """Empty the catalogue inside the running test (its transaction rolls the seed back in afterwards)."""
    for model in (Drug, Source, Condition, Disclaimer, Revision):
        model._base_manager.all().delete()


@pytest.fixture(autouse=True)
def catalogue(request):
    """A test sees the seed when it asks for it (`seed`, or the browser tests' `site`); any other test that
    uses the database starts from an empty catalogue, as if the seed had never been loaded."""
    wants_seed = {"seed", "site"} & set(request.fixturenames)
    uses_database = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if uses_database and not wants_seed:
        request.getfixturevalue("_django_db_helper")
        remove_seed()


def seeded() -> bool:
    return Drug.objects.filter(slug="baricitinib").exists()


@pytest.fixture
def seed(db):
    """The seed catalogue: already there (django_db_setup), or imported again after a transactional test."""
    if not seeded():
        load_seed()


@pytest.fixture
def disclaimer(db):
    return make_disclaimer()


@pytest.fixture
def visitor(client):
    """Anonymous, has not acknowledged the disclaimer."""
    return client


@pytest.fixture
def clinician(client, disclaimer):
    """A visitor who acknowledged the current disclaimer."""
    acknowledge(client)
    return client


@pytest.fixture
def seeded_clinician(client, seed):
    acknowledge(client)
    return client


@pytest.fixture
def roles(db):
    call_command("setup_roles", stdout=StringIO())


def staff_member(django_user_model, username: str, group: str | None = None, **extra):
    user = django_user_model.objects.create_user(username=username, password="pw", is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def curator(roles, django_user_model):
    return staff_member(django_user_model, "curator", "Curator")


@pytest.fixture
def reviewer(roles, django_user_model):
    return staff_member(django_user_model, "reviewer", "Reviewer")


@pytest.fixture
def second_reviewer(roles, django_user_model):
    return staff_member(django_user_model, "reviewer2", "Reviewer")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
