"""The 支援ケース一覧 in a real browser (Debian chromium, the site's CSP): the list and the layout
form — no CSP violation, no serious axe-core violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from tests.browser.plugin import ConsoleLog

pytestmark = pytest.mark.browser


def test_case_list_report_screens(page: Any, live_server: Any, demo: Any, console: ConsoleLog) -> None:
    login_in_browser(page, live_server, "shinjuku-center")
    page.goto(f"{live_server.url}/reports/case-list/")
    main = page.locator("main#main")
    assert main.get_by_role("heading", level=1).inner_text().strip() == "支援ケース一覧（様式【4】）"
    assert main.locator("thead th").first.inner_text().strip() == "No."
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "reports_case_list")

    main.get_by_role("link", name="列の設定（新宿区）").click()
    page.wait_for_url("**/reports/case-list/layout/131041/")
    page.get_by_role("button", name="氏名を上へ").click()
    assert "並び順を変えました" in main.inner_text()
    assert page.get_by_label("氏名の並び順").input_value() == "3"
    page.get_by_label("氏名の並び順").fill("1")
    page.get_by_label("氏名の並び順").press("Enter")  # Enter saves
    assert "列の設定を保存しました。" in main.inner_text()
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "reports_layout_edit")
    assert console.csp_violations() == []
