"""区分マスタ（自治体ごと） and 基準額表の確定 in a real browser.

The センター長 of 新宿区 adds a 相談経路 of the ward and retires one; the 自治体担当者 prepares next
year's 基準額表, sees it beside the table in force with the changes marked, and confirms it.
Screenshots: var/screenshots/masters_*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from .plugin import ConsoleLog


@pytest.mark.browser
def test_director_adds_and_retires_a_route(
    browser: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog
) -> None:
    from tsunagu.core.models import CodeItem

    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = ctx.new_page()
    console.listen(page)
    login_in_browser(page, live_server, "shinjuku-center")
    page.goto(f"{live_server.url}/masters/codes/")
    save_screenshot(page, "masters_lists")
    page.get_by_role("link", name="相談経路・紹介元").first.click()
    page.wait_for_url(re.compile(r"/masters/codes/\d+/referral_route/$"))
    page.get_by_label("表示名").fill("区の出張相談会")
    page.get_by_label("統計上の標準の項目").select_option(index=1)
    page.get_by_role("button", name="追加する").click()
    page.wait_for_url(re.compile(r"/masters/codes/\d+/referral_route/$"))
    assert "「区の出張相談会」を追加しました" in page.inner_text("body")
    row = page.locator("tr", has_text="区の出張相談会")
    assert "自治体独自" in row.inner_text() and "使用中" in row.inner_text()
    # Retire a standard route: it stays listed, marked 使用中止.
    first = page.locator("tbody tr").first
    label = first.locator("td").nth(1).inner_text()
    first.get_by_role("button", name=re.compile("使用中止にする")).click()
    page.wait_for_url(re.compile(r"/masters/codes/\d+/referral_route/$"))
    assert "使用中止にしました" in page.inner_text("body")
    assert "使用中止" in page.locator("tr", has_text=label).first.inner_text()
    assert CodeItem.objects.filter(label=label, is_active=False, municipality_id__isnull=False).exists()
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "masters_route_list")
    assert console.csp_violations() == []
    assert console.page_errors == []
    ctx.close()


@pytest.mark.browser
def test_officer_prepares_and_confirms_next_years_table(
    browser: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog
) -> None:
    from tsunagu.programs.models import HousingRuleDraft
    from tsunagu.programs.seed import seed_housing_benefit_demo

    seed_housing_benefit_demo()
    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = ctx.new_page()
    console.listen(page)
    login_in_browser(page, live_server, "shinjuku-jichitai")
    page.goto(f"{live_server.url}/programs/housing-benefit/rules/")
    page.get_by_role("link", name=re.compile("新しい基準額表を作成する")).click()
    page.get_by_label("適用開始日").fill("令和9年4月1日")
    page.get_by_label("級地").select_option("1-1")
    page.get_by_label("1人世帯の基準額（円）").fill("85,000")
    page.get_by_label("1人世帯の家賃上限（円）").fill("53700")
    page.get_by_label("2人世帯の基準額（円）").fill("131000")
    page.get_by_label("2人世帯の家賃上限（円）").fill("64000")
    page.get_by_label("3人世帯の基準額（円）").fill("172000")
    page.get_by_label("3人世帯の家賃上限（円）").fill("69800")
    page.get_by_label("3人世帯の資産上限（円、空欄なら基準額×6と100万円の小さい方）").fill("1000000")
    page.get_by_label(re.compile("出典")).fill("新宿区住居確保給付金支給要綱 別表（令和9年4月改正）")
    save_screenshot(page, "masters_rule_table_form")
    page.get_by_role("button", name="保存して確認へ進む").click()
    page.wait_for_url(re.compile(r"/programs/housing-benefit/rules/table/\d+/$"))
    body = page.inner_text("body")
    assert "確認と確定" in body and "変更" in body and "84,000円" in body and "85,000円" in body
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "masters_rule_table_review")
    page.get_by_role("button", name=re.compile("確定する")).click()
    page.wait_for_url(f"{live_server.url}/programs/housing-benefit/rules/")
    body = page.inner_text("body")
    assert "基準額表を確定しました" in body and "適用予定（令和9年4月1日から）" in body
    assert HousingRuleDraft.objects.get().status == "approved"
    save_screenshot(page, "masters_rule_list_upcoming")
    assert console.csp_violations() == []
    assert console.page_errors == []
    ctx.close()
