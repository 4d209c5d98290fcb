"""python manage.py audit_evidence: a figure without its sentence, or a sentence without its figure, fails."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from drugs.models import EvidenceGrade, RelapseFinding
from tests.factories import make_finding, make_source

pytestmark = pytest.mark.django_db


def audit() -> str:
    out = StringIO()
    call_command("audit_evidence", stdout=out)
    return out.getvalue()


def test_the_seed_passes_and_its_secondary_figures_and_address_only_sources_are_listed(seed):
    report = audit()
    assert "no source sentence (fix): 0" in report and "do not contain their figure (fix): 0" in report
    assert "mims-2024-brave-aa1-news: https://" in report, "a news report has no DOI or PMID"
    assert "king-2024-brave-aa1" not in report.split("Sources with neither")[1].split("Figures graded")[0]
    secondary = report.split("secondary statement (read the primary source): ")[1]
    graded_from_statements = RelapseFinding.objects.filter(
        profile__drug__public_copy_of__isnull=True, evidence_grade=EvidenceGrade.STATEMENT
    ).exclude(proportion=None, events=None, total=None)
    assert secondary.startswith(f"{graded_from_statements.count()}\n") and "MIMS 2024" in secondary


def test_a_figure_without_its_sentence_fails_and_is_named():
    make_finding(proportion=Decimal(45), quote="", study_name="PREDICTRA")
    with pytest.raises(CommandError, match="evidence audit failed"):
        audit()


def test_a_sentence_that_does_not_hold_its_figure_fails_with_what_is_missing():
    make_finding(proportion=Decimal(45), total=20, quote="9 (45%) patients flared in the withdrawal arm.")
    make_finding(proportion=Decimal(36), total=102, quote="Overall, 37 (36%) patients experienced a flare.")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("audit_evidence", stdout=out)
    assert "N = 20 not in the source text" in out.getvalue() and "N = 102 not in the source text" in out.getvalue()


def test_a_source_with_a_doi_is_not_listed_and_one_known_by_its_address_is():
    make_finding(
        source=make_source(key="paper", doi="10.1136/annrheumdis-2020-217246", url=""),
        quote="60% relapsed (N = 30).",
        evidence_grade=EvidenceGrade.RANDOMIZED_WITHDRAWAL,
    )
    make_finding(source=make_source(key="a-news-page"), quote="60% relapsed (N = 30).")
    report = audit()
    assert "a-news-page: https://example.org/" in report and "paper:" not in report
