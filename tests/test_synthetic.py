"""Synthetic monographs for benchmarks: published, unmistakably fake, added up to a total."""

import pytest
from django.core.management import call_command

from drugs.models import Drug, RelapseFinding

pytestmark = pytest.mark.django_db


def test_synthetic_drugs_are_published_marked_and_topped_up_to_the_total(clinician):
    call_command("generate_synthetic", drugs=3, profiles=2, findings=2, stdout=None, stderr=None)
    assert Drug.objects.published().filter(slug__startswith="synthetinib-").count() == 3
    drug = Drug.objects.published().get(slug="synthetinib-00001")
    assert drug.summary.startswith("SYNTHETIC TEST DATA")
    working = drug.public_copy_of
    assert [
        f.proportion for f in RelapseFinding.objects.filter(profile__drug=drug).order_by("profile__condition", "order")
    ] == [
        f.proportion
        for f in RelapseFinding.objects.filter(profile__drug=working).order_by("profile__condition", "order")
    ], "readers see exactly the working copy"
    page = clinician.get("/en/drugs/synthetinib-00001/").content.decode()
    assert "SYNTHETIC TEST DATA" in page
    call_command("generate_synthetic", drugs=5, profiles=2, findings=2, stdout=None, stderr=None)
    assert Drug.objects.working().filter(slug__startswith="synthetinib-").count() == 5
