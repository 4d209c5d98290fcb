"""A paper's findings pasted as a table: previewed row by row, imported all or nothing, with the form's rules."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Version

from drugs.models import Drug, MonographStatus, RelapseFinding
from tests.conftest import logged_in, staff_member
from tests.factories import make_finding, make_profile, make_source, publish

pytestmark = pytest.mark.django_db

HEADER = "study_name\tscenario\tregimen_before\tregimen_after\toutcome_definition\ttimepoint\ttimepoint_unit\t"
HEADER += "proportion\tevents\ttotal\tstudy_design\tevidence_grade\tpopulation\tsource\tproportion_is_approximate"


def row(**cells) -> str:
    values = {
        "study_name": "BRAVE-AA1",
        "scenario": "withdrawn_to_placebo",
        "regimen_before": "4 mg once daily",
        "regimen_after": "placebo",
        "outcome_definition": "Loss of response",
        "timepoint": "24",
        "timepoint_unit": "weeks",
        "proportion": "60",
        "events": "18",
        "total": "30",
        "study_design": "Phase 3 RCT, randomized withdrawal",
        "evidence_grade": "Randomized withdrawal trial",
        "population": "Adults who responded",
        "source": "trial-key",
        "proportion_is_approximate": "no",
        **cells,
    }
    return "\t".join(values[name] for name in HEADER.split("\t"))


def table(*rows: str) -> str:
    return "\n".join([HEADER, *rows])


@pytest.fixture
def profile(db):
    make_source(key="trial-key")
    profile = make_profile()
    publish(profile.drug)
    return profile


def import_url(profile) -> str:
    return reverse("admin:drugs_relapseprofile_import_findings", args=[profile.pk])


def test_the_profile_page_links_to_the_table_import(curator, profile):
    page = logged_in(curator).get(reverse("admin:drugs_relapseprofile_change", args=[profile.pk])).content.decode()
    assert import_url(profile) in page and "Import findings from a table" in page


def test_a_valid_pasted_table_is_previewed_then_imported_and_the_monograph_goes_back_to_draft(curator, profile):
    client = logged_in(curator)
    pasted = table(row(timepoint="12", proportion="8.5", events="", scenario="Dose tapered"), row())
    preview = client.post(import_url(profile), {"table": pasted, "preview": "1"})
    page = preview.content.decode()
    assert preview.status_code == 200 and "All 2 rows are valid." in page and "Import 2 findings" in page
    assert not profile.findings.exists(), "the preview saves nothing"

    response = client.post(import_url(profile), {"table": pasted, "import": "1"})
    assert response.status_code == 302
    first, second = profile.findings.order_by("order")
    assert (first.proportion, first.events, first.scenario, first.timepoint) == (Decimal("8.5"), None, "tapered", 12)
    assert second.evidence_grade == 5 and second.source.key == "trial-key" and second.order == first.order + 1
    drug = Drug.objects.get(pk=profile.drug_id)
    assert drug.status == MonographStatus.DRAFT and drug.last_edited_by == curator
    versions = Version.objects.get_for_object(drug)
    assert versions.count() == 1 and versions[0].revision.user == curator


def test_an_uploaded_csv_file_is_previewed_like_a_paste(curator, profile):
    out = io.StringIO()
    csv.writer(out).writerows(line.split("\t") for line in table(row()).split("\n"))
    csv_text = out.getvalue()
    assert '"Phase 3 RCT, randomized withdrawal"' in csv_text
    upload = SimpleUploadedFile("findings.csv", csv_text.encode("utf-8-sig"), content_type="text/csv")
    page = logged_in(curator).post(import_url(profile), {"upload": upload}).content.decode()
    assert "The row is valid." in page and "Import 1 finding" in page


@pytest.mark.parametrize(
    ("cells", "field", "message"),
    [
        ({"proportion": "8,5"}, "proportion", "Enter a plain number; use a point for decimals (8.5, not 8,5)."),
        ({"source": "no-such-key"}, "source", "No source has the key “no-such-key”"),
        ({"events": "31"}, "events", "n (with outcome) cannot be larger than N (in the group)."),
        ({"scenario": "paused"}, "scenario", "Select a valid choice. paused is not one of the available choices."),
    ],
)
def test_one_bad_row_is_named_with_its_field_and_nothing_is_written(curator, profile, cells, field, message):
    client = logged_in(curator)
    pasted = table(row(), row(), row(**cells))
    page = client.post(import_url(profile), {"table": pasted, "preview": "1"}).content.decode()
    problem = re.search(
        r'<tr class="import-problem"><td>(\d+)</td><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td>', page
    )
    assert problem, page
    assert problem.group(1) == "4" and problem.group(2) == field  # row 1 is the header
    assert message in problem.group(3).replace("&quot;", '"')
    assert "Import 3 findings" not in page

    forged = client.post(import_url(profile), {"table": pasted, "import": "1"})
    assert forged.status_code == 200 and "Nothing was imported" in forged.content.decode()
    assert not RelapseFinding.objects.filter(profile=profile).exists()
    assert Drug.objects.get(pk=profile.drug_id).status == MonographStatus.PUBLISHED


def test_a_table_over_the_row_limit_is_refused_with_a_message(curator, profile):
    page = logged_in(curator).post(import_url(profile), {"table": table(*[row()] * 501)}).content.decode()
    assert "The table has 501 rows; at most 500 can be imported at once." in page
    assert not profile.findings.exists()


def test_an_unknown_column_is_refused_before_any_row_is_read(curator, profile):
    page = logged_in(curator).post(import_url(profile), {"table": "study_name\tcolour\nA\tred"}).content.decode()
    assert "Unknown columns: colour." in page


def test_a_user_without_add_permission_gets_403_and_nothing_is_written(django_user_model, roles, profile):
    viewer = staff_member(django_user_model, "viewer")
    allowed = ["view_relapseprofile", "change_relapseprofile", "view_relapsefinding"]
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=allowed))
    client = logged_in(viewer)
    assert client.get(import_url(profile)).status_code == 403
    assert client.post(import_url(profile), {"table": table(row()), "import": "1"}).status_code == 403
    assert not profile.findings.exists()


def test_a_public_copys_profile_has_no_import_page(curator, profile):
    make_finding(profile=profile)
    publish(profile.drug)
    public_profile = Drug.objects.get(public_copy_of=profile.drug).relapse_profiles.get()
    assert logged_in(curator).get(import_url(public_profile)).status_code == 404
