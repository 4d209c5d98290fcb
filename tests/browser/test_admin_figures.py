"""A figure typed into the admin is stored as typed, or refused: never silently changed (real Chromium)."""

import pytest
from playwright.sync_api import expect

from drugs.models import RelapseFinding
from tests.browser.test_editorial_flow import log_in, staff  # noqa: F401 (staff is a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def working_finding() -> RelapseFinding:
    return RelapseFinding.objects.get(
        profile__drug__public_copy_of__isnull=True,
        study_name="BRAVE-AA1",
        timepoint=24,
        regimen_before__contains="4 mg once",
    )


def type_into(page, field: str, text: str) -> None:
    box = page.locator(f"#id_{field}")
    box.clear()
    box.press_sequentially(text)  # key by key, as a curator types: fill() would skip the browser's own parsing


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("proportion", "8,5", "Enter a plain number; use a point for decimals (8.5, not 8,5)."),
        ("events", "29/34", "Enter a whole number, digits only (34, not 29/34)."),
    ],
)
@pytest.mark.usefixtures("staff")
def test_a_comma_or_a_fraction_typed_into_a_figure_is_refused_and_the_figure_kept(page, site, field, typed, message):
    finding = working_finding()
    before = (finding.proportion, finding.events, finding.total)
    log_in(page, site, "curator")
    page.goto(f"{site}/admin/drugs/relapsefinding/{finding.pk}/change/")
    type_into(page, field, typed)
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(f"#id_{field}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#id_{field}_error")).to_have_text(message)
    expect(page.locator(f"#id_{field}")).to_have_value(typed)
    finding.refresh_from_db()
    assert (finding.proportion, finding.events, finding.total) == before
