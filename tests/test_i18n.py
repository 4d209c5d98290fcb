"""Simplified Chinese and English: the interface, the curated text, the disclaimer, search."""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import make_finding, publish

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
# The site's original disclaimer, word for word (shared/domain/disclaimer.md).
ORIGINAL_DISCLAIMER = (
    "[ 免责声明 ] 本页面内容来自公开渠道(如FDA官网、Drugs官网、原研药厂官网等),"
    "仅供持有医疗专业资质的人员用于医学药学研究参考,"
    "不构成任何治疗建议或药品推荐。所涉药品可能未在中国大陆获批上市,不适用于中国境内销售和使用。"
    "如需治疗,请咨询正规医疗机构。"
    "本站不提供药品销售或代购服务。"
)


def zh(path: str) -> str:
    return "/zh-hans" + path.removeprefix("/en")


@pytest.fixture
def chinese_clinician(client, seed):
    with translation.override("zh-hans"):
        client.post(reverse("drugs:acknowledge"), {"role": "physician", "accept": "on", "next": "/zh-hans/"})
    return client


def test_a_chinese_browser_lands_on_chinese_pages(client, seed):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert response["Location"].startswith("/zh-hans/acknowledge/")
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")["Location"].startswith("/en/acknowledge/")


def test_the_chinese_gate_shows_the_original_disclaimer_word_for_word(client, seed):
    page = client.get("/zh-hans/acknowledge/").content.decode()
    assert ORIGINAL_DISCLAIMER in page
    assert "仅供医疗专业人员使用" in page and "医师" in page and "药师" in page
    assert "The content of this page comes from public sources" not in page


def test_the_monograph_reads_in_chinese_with_english_fallback_marked(chinese_clinician):
    page = chinese_clinician.get(zh("/en/drugs/baricitinib/")).content.decode()
    assert "<h1" in page and "巴瑞替尼" in page
    assert "停药后复发（按疾病）" in page
    assert "斑秃" in page and "类风湿关节炎" in page
    assert "通常需要持续用药以维持头发再生" in page
    assert "24 周" in page, "units are in Chinese"
    assert "巴瑞替尼 4 mg，每日一次 → 安慰剂" in page, "regimens too"
    assert "BRAVE-AA1 第 52 周时为应答者（SALT ≤ 20）的重度斑秃成人患者（SALT ≥ 50）" in page


@pytest.mark.parametrize(
    "path", ["/en/drugs/baricitinib/", "/en/conditions/alopecia-areata/", "/en/conditions/rheumatoid-arthritis/"]
)
def test_no_english_leaks_into_the_chinese_seed_pages(chinese_clinician, path):
    page = chinese_clinician.get(zh(path)).content.decode()
    assert 'class="fallback-note"' not in page, "every curated text of the seed has its Chinese twin"
    # What a reader sees, less the verbatim quotes (kept in the source's language, one click away) and the
    # reference list (titles, authors and journals are named in their own language).
    body = page.split('id="sources-heading"')[0]
    shown = re.sub(r"<details.*?</details>|<[^>]+>", " ", body, flags=re.S)
    for english in ["once daily", "continued", "Adults with", "study week", "Phase 3", "placebo", "boxed warning"]:
        assert english not in shown, english


def test_curated_english_without_a_chinese_twin_is_shown_marked(client, disclaimer):
    finding = make_finding(population="Adults who responded", population_zh="")
    publish(finding.profile.drug)
    client.post(reverse("drugs:acknowledge"), {"role": "physician", "accept": "on", "next": "/"})
    page = client.get(zh(finding.profile.drug.get_absolute_url())).content.decode()
    assert '<span lang="en">Adults who responded</span> <span class="fallback-note">' in page


def test_an_acknowledgment_holds_across_languages(chinese_clinician):
    assert chinese_clinician.get("/en/drugs/baricitinib/").status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [("巴瑞替尼", "巴瑞替尼"), ("类风湿关节炎", "类风湿关节炎"), ("斑秃", "斑秃"), ("olumiant", "巴瑞替尼")],
)
def test_search_finds_names_in_both_languages(chinese_clinician, query, expected):
    page = chinese_clinician.get("/zh-hans/search/", {"q": query}).content.decode()
    assert f">{expected}</a>" in page


def test_english_search_finds_chinese_names_too(seeded_clinician):
    page = seeded_clinician.get("/en/search/", {"q": "斑秃"}).content.decode()
    assert ">Alopecia areata</a>" in page


def run(*command: str, cwd: Path) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_interface_string_has_a_chinese_translation(tmp_path):
    """makemessages over a copy of the code: no untranslated or fuzzy entry may appear."""
    for part in ["drugs", "medinfo", "templates", "locale"]:
        shutil.copytree(ROOT / part, tmp_path / part)
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    env_python = [sys.executable, "manage.py"]
    subprocess.run(
        [*env_python, "makemessages", "-l", "zh_Hans"],
        cwd=tmp_path,
        env={"DJANGO_SETTINGS_MODULE": "medinfo.settings", "DJANGO_DEBUG": "true", "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        timeout=120,
    )
    po = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    assert run("msgattrib", "--untranslated", "--no-obsolete", str(po), cwd=tmp_path) == ""
    assert run("msgattrib", "--only-fuzzy", "--no-obsolete", str(po), cwd=tmp_path) == ""


def test_the_compiled_catalogue_matches_the_translations(tmp_path):
    compiled = tmp_path / "django.mo"
    run("msgfmt", "--check-format", "-o", str(compiled), str(CATALOGUE / "django.po"), cwd=tmp_path)
    with open(compiled, "rb") as fresh, open(CATALOGUE / "django.mo", "rb") as committed:
        assert gettext.GNUTranslations(fresh)._catalog == gettext.GNUTranslations(committed)._catalog


def test_the_chinese_heading_names_the_chinese_brand_beside_the_latin_one(chinese_clinician):
    page = chinese_clinician.get(zh("/en/drugs/tofacitinib/")).content.decode()
    heading = page.split("<h1")[1].split("</h1>")[0]
    assert "托法替布" in heading and "尚杰; Xeljanz" in heading
    english = chinese_clinician.get("/en/drugs/tofacitinib/").content.decode()
    assert "尚杰" not in english.split("<h1")[1].split("</h1>")[0]
