"""A malformed or dishonest file is refused by import_monographs: a problem list, exit status 1, no row changed."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from drugs import interchange
from tests.test_seed import snapshot

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
FINDING = "drugs[0] baricitinib › profiles[0] alopecia-areata › findings[0]"


def baricitinib_file() -> str:
    """The seed's baricitinib as its own file (drugs[0] in it is baricitinib, whatever else is seeded)."""
    return interchange.export_json(drug_slug="baricitinib")


def exported() -> dict:
    return json.loads(baricitinib_file())


def refused_by_the_command(tmp_path, content: bytes | str | dict | list) -> str:
    """Import the file through the command; return its problem list, after checking that no row changed."""
    if isinstance(content, dict | list):
        content = json.dumps(content, ensure_ascii=False)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path = tmp_path / "import.json"
    path.write_bytes(content)
    rows, export = snapshot(), interchange.export_json()
    with pytest.raises(CommandError) as refused:
        call_command("import_monographs", str(path))
    assert "nothing was imported" in str(refused.value)
    assert snapshot() == rows
    assert interchange.export_json() == export
    return str(refused.value)


def test_a_file_that_is_not_utf8_is_one_clear_problem(seed, tmp_path):
    content = baricitinib_file().encode("gb18030")  # saved by an editor in a legacy Chinese encoding
    problems = refused_by_the_command(tmp_path, content)
    assert "file: not UTF-8 text" in problems


def test_a_top_level_array_is_refused(seed, tmp_path):
    problems = refused_by_the_command(tmp_path, [exported()])
    assert "file: the document must be a JSON object" in problems


@pytest.mark.parametrize(
    ("place", "line"),
    [
        (lambda data: data["sources"], "sources[0]: must be a record (a JSON object), found text"),
        (lambda data: data["drugs"], "drugs[0]: must be a record (a JSON object), found text"),
        (
            lambda data: data["drugs"][0]["profiles"][0]["findings"],
            "profiles[0] alopecia-areata › findings[0]: must be a record (a JSON object), found text",
        ),
    ],
)
def test_a_record_that_is_not_an_object_is_refused(seed, tmp_path, place, line):
    data = exported()
    place(data)[0] = "not a record"
    assert line in refused_by_the_command(tmp_path, data)


def test_a_section_that_is_not_a_list_is_refused(seed, tmp_path):
    data = exported()
    data["conditions"] = {"slug": "alopecia-areata"}
    assert "conditions: must be a list of records, found an object" in refused_by_the_command(tmp_path, data)


def test_a_year_of_1e400_is_a_problem_on_that_field(seed, tmp_path):
    content = re.sub(r'"year": \d+', '"year": 1e400', baricitinib_file(), count=1)  # the first approval's
    problems = refused_by_the_command(tmp_path, content)
    assert "drugs[0] baricitinib › approvals[0]: year: 1e400 is not a finite number" in problems


def test_nan_and_fractional_years_are_problems_on_that_field(seed, tmp_path):
    content = re.sub(r'"year": \d+', '"year": NaN', baricitinib_file(), count=1)  # the first approval's
    content = re.sub(r'"year": (\d+)', r'"year": \1.5', content, count=1)  # the second's
    problems = refused_by_the_command(tmp_path, content)
    assert "drugs[0] baricitinib › approvals[0]: year: NaN is not a finite number" in problems
    assert "drugs[0] baricitinib › approvals[1]: year: must be a whole number, found a decimal number" in problems


def test_deep_nesting_is_refused(seed, tmp_path):
    content = '{"format": "medinfo/1", "drugs": ' + "[" * 100_000 + "]" * 100_000 + "}"
    problems = refused_by_the_command(tmp_path, content)
    assert "file: nested too deeply" in problems


def test_nesting_inside_a_field_is_a_problem_on_that_field(seed, tmp_path):
    data = exported()
    data["drugs"][0]["summary"] = json.loads("[" * 50 + "]" * 50)
    problems = refused_by_the_command(tmp_path, data)
    assert "drugs[0] baricitinib: summary: must be text, found a list" in problems


def test_a_proportion_that_is_not_a_number_on_a_finding_with_a_ci_is_a_problem_on_that_field(seed, tmp_path):
    data = exported()
    finding = data["drugs"][0]["profiles"][0]["findings"][0]
    finding.update(proportion="abc", ci_low="10.00", ci_high="90.00")
    problems = refused_by_the_command(tmp_path, data)
    assert f"{FINDING}: proportion: “abc” value must be a decimal number." in problems


def test_a_status_outside_the_workflow_is_refused(seed, tmp_path):
    data = exported()
    data["drugs"][0]["status"] = "hacked"
    problems = refused_by_the_command(tmp_path, data)
    assert "drugs[0] baricitinib: status: Value 'hacked' is not a valid choice." in problems


def test_a_choice_outside_its_list_is_refused_on_a_finding(seed, tmp_path):
    data = exported()
    data["drugs"][0]["profiles"][0]["findings"][0]["evidence_grade"] = 9
    assert f"{FINDING}: evidence_grade: Value 9 is not a valid choice." in refused_by_the_command(tmp_path, data)


def test_a_name_given_as_a_list_is_refused(seed, tmp_path):
    data = exported()
    data["drugs"][0]["name"] = ["baricitinib", "olumiant"]
    assert "drugs[0] baricitinib: name: must be text, found a list" in refused_by_the_command(tmp_path, data)


def test_an_unknown_field_is_refused_rather_than_silently_dropped(seed, tmp_path):
    data = exported()
    data["sources"][0]["titel"] = "A misspelt title"
    assert "sources[0] dermatology-republic-2024-brave-aa1-news: titel: not a field" in refused_by_the_command(
        tmp_path, data
    )


def test_a_draft_cannot_claim_a_public_copy_without_a_publication_in_its_trail(seed, tmp_path):
    data = exported()
    data["drugs"][0].update(status="draft", events=[])
    problems = refused_by_the_command(tmp_path, data)
    assert "drugs[0] baricitinib: public_copy: readers can only see a version with a 'published' event" in problems


def test_an_unsourced_monograph_cannot_be_imported_as_published(seed, tmp_path):
    data = exported()
    data["drugs"][0]["profiles"][0]["findings"][0]["source"] = None
    problems = refused_by_the_command(tmp_path, data)
    assert "drugs[0] baricitinib: public_copy: Alopecia areata: the finding" in problems
    assert "has no source." in problems


def test_a_published_status_needs_a_public_copy(seed, tmp_path):
    data = exported()
    data["drugs"][0]["public_copy"] = None
    problems = refused_by_the_command(tmp_path, data)
    assert "drugs[0] baricitinib: status: a published monograph needs a public copy" in problems


def test_an_oversized_text_field_is_refused_with_its_limit(seed, tmp_path):
    data = exported()
    data["drugs"][0]["summary"] = "x" * 20_001
    problems = refused_by_the_command(tmp_path, data)
    assert "drugs[0] baricitinib: summary: 20,001 characters; at most 20,000 are allowed" in problems


def test_an_oversized_file_is_refused_before_it_is_parsed(seed, tmp_path):
    data = exported()
    data["drugs"][0]["summary"] = "x" * 21_000_000
    problems = refused_by_the_command(tmp_path, data)
    assert "file: larger than 20 MB, the most an import reads" in problems


def test_a_refused_file_gives_exit_status_1_and_no_traceback(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"format": "medinfo/1", "drugs": [{"name": "ß"}]}'.encode("latin-1"))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "import_monographs", str(path)],
        cwd=ROOT,
        env={
            **environment,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "file: not UTF-8 text" in result.stderr


@pytest.mark.parametrize("escape", ["\\ud800", "\\u0000"])
def test_text_no_database_can_store_is_a_problem_not_a_traceback(seed, tmp_path, escape):
    content = baricitinib_file().replace('"key": "', f'"key": "{escape}', 1)
    problems = refused_by_the_command(tmp_path, content)
    assert "sources[0]" in problems and "a character no database can store" in problems
