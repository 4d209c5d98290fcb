"""A Chinese-speaking clinician, with a zh-CN browser, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serious_accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_chinese_gate_monograph_and_switch_to_english(browser, site):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{site}/")
    expect(page).to_have_url(re.compile(r"/zh-hans/acknowledge/"))
    expect(page.get_by_role("heading", name="仅供医疗专业人员使用")).to_be_visible()
    expect(page.locator(".gate-disclaimer")).to_contain_text(
        "本页面内容来自公开渠道(如FDA官网、Drugs官网、原研药厂官网等),仅供持有医疗专业资质的人员用于医学药学研究参考"
    )
    assert serious_accessibility_violations(page) == []

    page.get_by_label("医师", exact=True).check()
    page.get_by_label("我持有医疗专业资质").check()
    page.get_by_role("button", name="接受并继续").click()
    page.goto(f"{site}/zh-hans/drugs/baricitinib/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("巴瑞替尼")
    section = page.locator("#alopecia-areata")
    expect(section.get_by_role("heading", name="斑秃")).to_be_visible()
    expect(page.locator(".answers-overview")).to_contain_text("停药后：")
    expect(page.locator(".answers-overview")).to_contain_text("多快复发：")
    expect(section).to_contain_text("通常需要持续用药以维持头发再生")
    expect(section.locator("tbody tr").filter(has_text="24 周").first).to_contain_text("60%")
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{site}/en/drugs/baricitinib/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Baricitinib")
    expect(page.locator("#alopecia-areata")).to_contain_text("Continued administration is usually needed")
    page.goto(f"{site}/")
    expect(page).to_have_url(f"{site}/en/"), "the choice of English is remembered, and the acknowledgment holds"
    context.close()
