"""A row's History says what each version changed against the one before: field, old → new."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drugs.models import RelapseFinding
from tests.conftest import logged_in
from tests.test_review_diff import text_of
from tests.test_workflow import _form_of, edit_figure_in_admin, seeded_finding

pytestmark = pytest.mark.django_db


def history_of(client, finding: RelapseFinding) -> str:
    response = client.get(reverse("admin:drugs_relapsefinding_history", args=[finding.pk]))
    assert response.status_code == 200
    return text_of(response.content.decode())


def test_history_shows_each_figure_old_and_new(seed, curator):
    client = logged_in(curator)
    finding = seeded_finding()
    assert edit_figure_in_admin(client, finding, "61").status_code == 302
    finding.refresh_from_db()
    assert edit_figure_in_admin(client, finding, "62.5").status_code == 302
    page = history_of(client, finding)
    assert "Proportion (%) 61.00 → 62.50" in page
    assert "Proportion (%) 60.00 → 61.00" in page


def test_history_names_a_changed_source_rather_than_its_number(seed, curator):
    client = logged_in(curator)
    finding = seeded_finding()
    other = RelapseFinding.objects.exclude(source=finding.source).exclude(source=None).first().source
    url = reverse("admin:drugs_relapsefinding_change", args=[finding.pk])
    assert client.post(url, _form_of(finding, source=other.pk)).status_code == 302
    page = history_of(client, finding)
    assert f"Source {finding.source} → {other}" in page


def test_history_reads_its_versions_in_a_bounded_number_of_queries(seed, curator):
    client = logged_in(curator)
    finding = seeded_finding()

    def queries_for_history() -> int:
        with CaptureQueriesContext(connection) as queries:
            history_of(client, finding)
        return len(queries)

    assert edit_figure_in_admin(client, finding, "61").status_code == 302
    finding.refresh_from_db()
    history_of(client, finding)  # the footer's disclaimer, read once per content version
    short = queries_for_history()
    for proportion in ("62", "63", "64"):
        assert edit_figure_in_admin(client, finding, proportion).status_code == 302
        finding.refresh_from_db()
    # Session, user, permissions, the row and its title (profile, drug, condition), reversion's version list,
    # the changes' own read of the versions, one read of the sources they name: 12 however many versions there
    # are (the footer's disclaimer is held per content version, which a draft edit does not move).
    assert queries_for_history() == short == 12
    assert "63.00 → 64.00" in history_of(client, finding)
