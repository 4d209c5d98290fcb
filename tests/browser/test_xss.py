"""Curated text is inert: payloads in every text field render as text, in real Chromium."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from drugs import services
from drugs.models import (
    Condition,
    Disclaimer,
    Drug,
    MonographEvent,
    RegulatoryApproval,
    RelapseFinding,
    RelapseProfile,
    Source,
)
from tests.browser.conftest import pass_gate
from tests.factories import make_finding, publish

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">"><svg onload=window.__xss=3>'
JAVASCRIPT_URL = "javascript:window.__xss=4"
# Fields that must stay machine-readable (they are validated and used in addresses or choices).
KEEP = {"slug", "key", "status", "kind", "scenario", "measure", "timepoint_unit", "relapse_time_unit"}
KEEP |= {"follow_up_unit", "agency", "url", "action"}


def poison(instance) -> None:
    for field in instance._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)) and field.name not in KEEP and not field.choices:
            setattr(instance, field.name, PAYLOAD[: field.max_length] if field.max_length else PAYLOAD)
    instance.save()


@pytest.fixture
def poisoned(live_server):
    disclaimer = Disclaimer.objects.create(version=7, text=PAYLOAD, text_original=PAYLOAD, effective_from="2026-11-01")
    services.disclaimer_make_current(disclaimer=disclaimer)
    finding = make_finding(ci_low=50, ci_high=70, events=18, relapse_time_median=8, relapse_time_unit="weeks")
    for instance in [
        finding,
        finding.source,
        finding.profile,
        finding.profile.condition,
        finding.profile.drug,
        RegulatoryApproval(drug=finding.profile.drug, agency="FDA", year=2022, source=finding.source),
    ]:
        poison(instance)
    drug = Drug.objects.get(pk=finding.profile.drug_id)
    MonographEvent.objects.create(drug=drug, action="published", note=PAYLOAD[:300])
    publish(drug)
    return live_server.url, drug, finding.profile.condition


def assert_inert(page) -> None:
    assert page.evaluate("window.__xss === undefined"), "a payload ran"
    assert page.locator("img[onerror], svg[onload], script:not([src])").count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert "<script>window.__xss" not in page.content()


def test_payloads_in_every_text_field_render_as_text(page, poisoned):
    site, drug, condition = poisoned
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{site}/en/drugs/{drug.slug}/")
    assert_inert(page)
    page.locator(".gate-disclaimer").get_by_text("<script>window.__xss=1</script>", exact=False).first.wait_for()
    pass_gate(page)
    for path in [f"/en/drugs/{drug.slug}/", f"/en/conditions/{condition.slug}/", "/en/", "/en/search/?q=%3Cscript%3E"]:
        page.goto(f"{site}{path}")
        assert_inert(page)
    page.goto(f"{site}/en/drugs/{drug.slug}/")
    assert page.get_by_text("<script>window.__xss=1</script>", exact=False).first.is_visible()
    assert dialogs == []


def test_a_javascript_link_cannot_be_stored_as_a_source(db):
    source = Source(key="js", title="t", publisher="p", kind="other", url=JAVASCRIPT_URL)
    with pytest.raises(ValidationError, match="http"):
        source.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        source.save()
    assert not Source.objects.filter(key="js").exists()


def test_only_published_rows_were_poisoned_for_the_check(poisoned):
    # Guard against a vacuous pass: the payload really is stored in the rows the pages show.
    site, drug, condition = poisoned
    public = Drug.objects.published().get(slug=drug.slug)
    assert public.summary == PAYLOAD and condition.name.startswith("<script>")
    assert RelapseProfile.objects.filter(drug=public, guidance=PAYLOAD).exists()
    assert RelapseFinding.objects.filter(profile__drug=public, note=PAYLOAD).exists()
    assert Condition.objects.filter(pk=condition.pk, description=PAYLOAD).exists()
