"""The statistics screens in a real browser (Debian chromium, the site's CSP): the monthly survey,
a drill-down, and a 年度 run with its progress — no CSP violation, no serious axe-core violation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from tests.browser.plugin import ConsoleLog

from .handbuilt import build

pytestmark = pytest.mark.browser


def test_statistics_screens(page: Any, live_server: Any, demo: Any, console: ConsoleLog) -> None:
    world = build()
    login_in_browser(page, live_server, "shinjuku-center")
    page.goto(f"{live_server.url}/statistics/?area=m:{world.shinjuku.code}&period=FY2025")
    main = page.locator("main#main")
    assert main.get_by_role("heading", level=1).inner_text().strip() == "統計：支援状況調査"
    survey = main.locator(
        "table", has=page.locator("caption", has_text="支援状況調査（自治体別集計表の列順）")
    )
    row = survey.locator("tr", has=page.locator("th", has_text=re.compile(r"^プラン作成件数$")))
    assert row.locator("td").nth(1).inner_text().strip() == "3"
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "statistics_monthly")

    row.locator("td").nth(1).get_by_role("link").click()
    page.wait_for_url(re.compile(r"/statistics/cases/"))
    assert "統計の内訳：プラン作成件数" in main.inner_text()
    assert main.locator("tbody tr").count() == 3
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "statistics_drilldown")

    page.goto(f"{live_server.url}/statistics/runs/")
    page.locator("select[name=area]").select_option(f"m:{world.shinjuku.code}")
    page.locator("select[name=fiscal_year]").select_option("2025")
    page.get_by_role("button", name="集計を始める").click()
    page.wait_for_url(re.compile(r"/statistics/runs/\d+/"))
    page.get_by_text("状態：").first.wait_for()
    page.locator("#run-progress").get_by_text("完了").wait_for(timeout=15_000)
    assert "自治体別集計表（令和7年度（2025年度））" in main.inner_text()
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "statistics_run")
    assert console.csp_violations() == []
    assert console.errors() == []
