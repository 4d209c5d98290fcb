"""Every public page is valid HTML, by the W3C Nu HTML checker (npm vnu-jar, run with Java)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import acknowledge

VNU_JAR = Path(__file__).resolve().parents[1] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

PAGES = {
    "gate": "/en/acknowledge/?next=/en/",
    "home": "/en/",
    "monograph-en": "/en/drugs/baricitinib/",
    "monograph-zh": "/zh-hans/drugs/baricitinib/",
    "condition": "/en/conditions/alopecia-areata/",
    "condition-zh": "/zh-hans/conditions/rheumatoid-arthritis/",
    "search": "/en/search/?q=olumiant",
    "search-zh": "/zh-hans/search/?q=x",
    "how-to-read": "/en/how-to-read/",
    "declined": "/en/acknowledge/declined/",
}


def checker_missing() -> str | None:
    if not VNU_JAR.exists():
        return f"no HTML checker at {VNU_JAR} (npm ci)"
    if shutil.which("java") is None:
        return "no java on the PATH (apt-get install default-jre-headless)"
    return None


def test_every_page_passes_the_html_checker_without_errors(client, seed, tmp_path):
    if reason := checker_missing():
        if os.environ.get("CI"):
            pytest.fail(f"CI must check HTML validity: {reason}")
        pytest.skip(reason.upper())
    files = {}
    gate_page = client.get(PAGES["gate"])
    assert gate_page.status_code == 200
    files[tmp_path / "gate.html"] = gate_page.content
    acknowledge(client)
    for name, path in PAGES.items():
        if name == "gate":
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        files[tmp_path / f"{name}.html"] = response.content
    for file, content in files.items():
        file.write_bytes(content)
    result = subprocess.run(  # noqa: S603 - a fixed command on files this test wrote
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert errors == [], "\n".join(errors)
