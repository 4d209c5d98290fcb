"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against Django's live server."""

import os
from pathlib import Path

import pytest

from tests.conftest import load_seed, seeded

# Playwright's sync API runs an event loop; Django's live server and ORM are used from the same thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI must run the browser tests, but there is no Chromium at {CHROMIUM}.")
    skip = pytest.mark.skip(reason=f"NO CHROMIUM AT {CHROMIUM}: browser tests skipped (apt-get install chromium)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def site(live_server, transactional_db):
    """The seeded site's base URL (the seed is imported again after an earlier transactional test emptied it)."""
    if not seeded():
        load_seed()
    return live_server.url


@pytest.fixture
def csp_errors(page):
    """Console errors from Content-Security-Policy violations, collected while the test runs."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


def pass_gate(page, role_label: str = "Physician") -> None:
    page.get_by_label(role_label, exact=True).check()
    page.get_by_label("I hold a medical professional qualification").check()
    # Returns once the page the gate leads to has loaded: evaluating the document mid-navigation found none.
    with page.expect_navigation():
        page.get_by_role("button", name="Accept and continue").click()


def serious_accessibility_violations(page) -> list[dict]:
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
