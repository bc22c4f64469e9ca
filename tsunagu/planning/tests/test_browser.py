"""The 事業計画 screens in a real browser (Debian chromium, the site's CSP): create a plan, then its
plan-vs-actual with the SVG charts loaded as images — no CSP violation, no serious axe-core violation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from tests.browser.plugin import ConsoleLog
from tsunagu.statistics.tests.handbuilt import build

pytestmark = pytest.mark.browser


def test_plan_and_plan_vs_actual(page: Any, live_server: Any, demo: Any, console: ConsoleLog) -> None:
    build()
    login_in_browser(page, live_server, "shinjuku-center")
    page.goto(f"{live_server.url}/planning/")
    page.get_by_role("link", name="事業計画を作成").first.click()
    page.wait_for_url(re.compile(r"/planning/new/"))
    page.get_by_label("年度").select_option("2025")
    page.get_by_label("①体制整備・運営計画").fill(
        "主任相談支援員1名、相談支援員2名を配置する\n養成研修を全員が修了する"
    )
    page.get_by_label("②自立相談支援業務計画").fill("家計改善支援へのつなぎを年10件")
    page.get_by_label("新規相談受付件数：年間の目標値").fill("12")
    page.get_by_label("プラン作成件数：年間の目標値").fill("6")
    page.get_by_label("プラン作成件数：割合の目標（%）").fill("50")
    page.get_by_label("就労者数：年間の目標値").fill("4")
    assert_no_serious_axe_violations(page)
    page.get_by_role("button", name="作成する").click()
    page.wait_for_url(re.compile(r"/planning/\d+/$"))
    main = page.locator("main#main")
    assert "令和7年度 事業計画" in main.get_by_role("heading", level=1).inner_text()
    assert_no_serious_axe_violations(page)

    main.get_by_role("link", name="計画と実績を見る").click()
    page.wait_for_url(re.compile(r"/planning/\d+/evaluation/"))
    for heading in ("①構造評価", "②プロセス評価", "③成果評価"):
        assert main.get_by_role("heading", name=re.compile(heading)).count() == 1
    targets = main.locator("#targets-table")
    row = targets.locator("tr", has=page.locator("th", has_text=re.compile(r"^プラン作成件数$")))
    assert row.locator("td").nth(2).inner_text().strip() == "3件"
    widths = page.evaluate(
        "Array.from(document.querySelectorAll('img[src*=\"/charts/\"]')).map(i => i.complete && i.naturalWidth)"
    )
    assert len(widths) == 4 and all(w and w > 0 for w in widths), widths
    monthly = main.locator("#monthly-table")
    plans = monthly.locator("tbody tr").nth(5)  # 9月: C4's plan is the third
    assert plans.locator("th").inner_text().strip() == "9月"
    assert [c.strip() for c in plans.locator("td").all_inner_texts()] == ["3", "6.0", "3", "3.0", "2", "2.0"]
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "planning_evaluation")
    assert console.csp_violations() == []
    assert console.errors() == []
