"""Two curators, one row: the second save, based on what the first has since changed, is refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from drugs.models import Condition, Disclaimer, Drug, RelapseFinding, RelapseProfile, Source
from drugs.models.editing import StaleEdit
from tests.admin_forms import change_form
from tests.conftest import logged_in, staff_member
from tests.factories import make_disclaimer
from tests.test_workflow import seeded_finding

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_curator(roles, django_user_model):
    return staff_member(django_user_model, "curator2", "Curator")


def profile_url(profile: RelapseProfile) -> str:
    return reverse("admin:drugs_relapseprofile_change", args=[profile.pk])


def inline_prefix_of(form: dict, finding: RelapseFinding) -> str:
    return next(
        key.removesuffix("-id") for key, value in form.items() if key.endswith("-id") and value == str(finding.pk)
    )


def test_a_stale_profile_form_cannot_revert_a_findings_order_saved_meanwhile(seed, curator, second_curator):
    finding = seeded_finding()
    url = profile_url(finding.profile)
    first, second = logged_in(curator), logged_in(second_curator)
    first_form, second_form = change_form(first, url), change_form(second, url)  # both open the profile

    # The profile page lists findings as a summary; their order is the figure typed there.
    prefix = inline_prefix_of(first_form, finding)
    old_order = first_form[f"{prefix}-order"]
    assert first.post(url, {**first_form, f"{prefix}-order": "61"}).status_code == 302
    assert RelapseFinding.objects.get(pk=finding.pk).order == 61

    refused = second.post(url, {**second_form, "guidance": "Stale guidance"})
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "Someone saved this relapse finding after you opened it" in page
    assert f"{old_order} → 61" in page, "the page shows what the other curator changed"
    assert RelapseFinding.objects.get(pk=finding.pk).order == 61, "the corrected order is kept"
    assert RelapseProfile.objects.get(pk=finding.profile_id).guidance != "Stale guidance", "nothing half-written"


def test_saving_a_profile_keeps_a_figure_corrected_meanwhile_on_the_findings_own_page(seed, curator, second_curator):
    finding = seeded_finding()
    url = profile_url(finding.profile)
    stale_profile_form = change_form(logged_in(second_curator), url)
    finding_url = reverse("admin:drugs_relapsefinding_change", args=[finding.pk])
    first = logged_in(curator)
    assert first.post(finding_url, {**change_form(first, finding_url), "proportion": "61.00"}).status_code == 302

    assert logged_in(second_curator).post(url, {**stale_profile_form, "guidance": "New guidance"}).status_code == 302
    assert RelapseFinding.objects.get(pk=finding.pk).proportion == Decimal(61)
    assert RelapseProfile.objects.get(pk=finding.profile_id).guidance == "New guidance"


def test_a_stale_profile_form_is_refused_even_when_the_other_change_was_to_the_profile(seed, curator, second_curator):
    profile = seeded_finding().profile
    url = profile_url(profile)
    first, second = logged_in(curator), logged_in(second_curator)
    first_form, second_form = change_form(first, url), change_form(second, url)
    assert first.post(url, {**first_form, "guidance": "Corrected guidance"}).status_code == 302
    page = second.post(url, {**second_form, "not_established": "Stale question"}).content.decode()
    assert "Someone saved this relapse profile after you opened it" in page and "Corrected guidance" in page
    profile.refresh_from_db()
    assert profile.guidance == "Corrected guidance" and profile.not_established != "Stale question"


def _finding(_seed_drug):
    return seeded_finding()


CHANGE_FORMS = {
    "drug": (lambda: Drug.objects.working().get(slug="baricitinib"), "summary", "Summary A", "Summary B"),
    "relapsefinding": (seeded_finding, "population", "Population A", "Population B"),
    "source": (lambda: Source.objects.get(key="king-2024-brave-aa1-withdrawal"), "title", "Title A", "Title B"),
    "condition": (lambda: Condition.objects.get(slug="alopecia-areata"), "description", "About A", "About B"),
}


@pytest.mark.parametrize("model_name", CHANGE_FORMS)
def test_every_curated_change_form_refuses_a_stale_save(seed, reviewer, second_reviewer, model_name):
    get, field, first_value, second_value = CHANGE_FORMS[model_name]
    obj = get()
    url = reverse(f"admin:drugs_{model_name}_change", args=[obj.pk])
    first, second = logged_in(reviewer), logged_in(second_reviewer)  # reviewers may edit shared rows readers see
    first_form, second_form = change_form(first, url), change_form(second, url)
    assert first.post(url, {**first_form, field: first_value}).status_code == 302
    page = second.post(url, {**second_form, field: second_value}).content.decode()
    assert "after you opened it" in page and first_value in page
    assert getattr(type(obj).objects.get(pk=obj.pk), field) == first_value


def test_a_disclaimer_draft_refuses_a_stale_save(admin_client, django_user_model):
    draft = make_disclaimer(current=False, text="Draft wording")
    url = reverse("admin:drugs_disclaimer_change", args=[draft.pk])
    stale = change_form(admin_client, url)
    other = logged_in(staff_member(django_user_model, "boss2", is_superuser=True))
    assert other.post(url, {**change_form(other, url), "text": "Corrected wording"}).status_code == 302
    page = admin_client.post(url, {**stale, "text": "Stale wording"}).content.decode()
    assert "after you opened it" in page
    assert Disclaimer.objects.get(pk=draft.pk).text == "Corrected wording"


def test_two_saves_racing_from_one_copy_cannot_both_win(seed):
    first, second = seeded_finding(), seeded_finding()  # read at the same moment
    first.proportion = Decimal(61)
    first.save()
    second.population = "Stale population"
    with pytest.raises(StaleEdit):
        second.save()
    stored = RelapseFinding.objects.get(pk=first.pk)
    assert stored.proportion == Decimal(61) and stored.population != "Stale population"


def test_a_form_that_does_not_say_which_version_it_was_opened_on_is_refused(seed, curator):
    finding = seeded_finding()
    url = reverse("admin:drugs_relapsefinding_change", args=[finding.pk])
    form = change_form(logged_in(curator), url)
    del form["loaded_version"]
    page = logged_in(curator).post(url, {**form, "proportion": "62"}).content.decode()
    assert "does not say which version it was opened on" in page
    assert RelapseFinding.objects.get(pk=finding.pk).proportion == Decimal(60)


def test_a_stale_drug_page_cannot_delete_a_profile_corrected_meanwhile(seed, curator, second_curator):
    drug = Drug.objects.working().get(slug="baricitinib")
    url = reverse("admin:drugs_drug_change", args=[drug.pk])
    stale = change_form(logged_in(curator), url)
    profile = drug.relapse_profiles.get(condition__slug="rheumatoid-arthritis")
    prefix = next(
        key.removesuffix("-id") for key, value in stale.items() if key.endswith("-id") and value == str(profile.pk)
    )

    profile.guidance = "Corrected while the other page was open"
    profile.save()  # the other curator's correction
    response = logged_in(curator).post(url, {**stale, f"{prefix}-DELETE": "on"}, follow=True)
    assert "after you opened it" in response.content.decode()
    assert RelapseProfile.objects.get(pk=profile.pk).guidance == "Corrected while the other page was open"


def test_a_save_of_named_content_fields_is_checked_too(seed):
    first, second = seeded_finding(), seeded_finding()
    first.proportion = Decimal(61)
    first.save(update_fields=["proportion"])
    second.population = "Stale population"
    with pytest.raises(StaleEdit):
        second.save(update_fields=["population"])
    assert RelapseFinding.objects.get(pk=first.pk).population != "Stale population"


def test_a_delete_confirmed_on_a_page_opened_before_an_edit_is_refused(seed, curator, second_curator):
    finding = seeded_finding()
    url = reverse("admin:drugs_relapsefinding_delete", args=[finding.pk])
    page = logged_in(curator).get(url).content.decode()
    loaded = page.split('name="loaded_version" value="')[1].split('"')[0]
    finding.population = "Corrected while the delete page was open"
    finding.save()
    response = logged_in(curator).post(url, {"post": "yes", "loaded_version": loaded}, follow=True)
    assert "after you opened it" in response.content.decode()
    assert RelapseFinding.objects.filter(pk=finding.pk).exists()
    fresh = logged_in(curator).get(url).content.decode().split('name="loaded_version" value="')[1].split('"')[0]
    logged_in(curator).post(url, {"post": "yes", "loaded_version": fresh})
    assert not RelapseFinding.objects.filter(pk=finding.pk).exists(), "a delete of what the page showed goes ahead"
