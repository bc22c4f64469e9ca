"""Polish as a caseworker meets it, in a real browser:

- a 支援経過記録 whose date and time are typed by hand in 和暦 (R8.12.2 10:30) is accepted and
  shown back in 和暦; the calendar beside the box writes the picked day into it in 和暦;
- a wrong address shows the Japanese 404 page;
- the 住居確保給付金 rule table shows a plain source name, no research marker;
- the 個人情報管理責任者 sees only the menu entries the role may use.

Screenshots: var/screenshots/polish_*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import login_in_browser, save_screenshot
from .plugin import ConsoleLog


@pytest.mark.browser
def test_wareki_typed_by_hand_error_pages_rule_sources_and_the_privacy_officers_menu(
    browser: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog
) -> None:
    from django.utils import timezone

    from tsunagu.cases.models import Case, SupportRecord
    from tsunagu.core.dates import wareki

    case = Case.objects.filter(person__name="髙橋 一郎").order_by("-id").first()
    assert case is not None
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    login_in_browser(page, live_server, "shinjuku-soudan")

    # The record form: the calendar writes 和暦 into the box; a typed 和暦 date-time is accepted.
    page.goto(f"{live_server.url}/cases/{case.pk}/records/new/")
    box = page.locator("#id_occurred_at")
    assert box.input_value().startswith(wareki(timezone.localdate()))
    page.locator('input.date-input__picker[data-date-picker-for="id_occurred_at"]').fill("2026-12-01T09:15")
    assert box.input_value() == "令和8年12月1日 9:15"
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    typed = f"R{yesterday.year - 2018}.{yesterday.month}.{yesterday.day} 10:30"
    box.fill(typed)
    page.locator("#id_method").select_option(index=1)
    page.locator("#id_content").fill("電話で近況を確認した。")
    save_screenshot(page, "polish_wareki_typed")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert "支援経過記録を保存しました。" in page.content()
    record = SupportRecord.objects.filter(case=case).order_by("-id").first()
    assert record is not None
    local = timezone.localtime(record.occurred_at)
    assert (local.date(), local.hour, local.minute) == (yesterday, 10, 30)
    assert f"{wareki(yesterday)} 10:30" in page.locator("main").inner_text()
    save_screenshot(page, "polish_wareki_saved")

    # A wrong address.
    page.goto(f"{live_server.url}/no-such-page/")
    assert "お探しの情報は見つかりませんでした" in page.locator("main").inner_text()
    save_screenshot(page, "polish_404")

    # The rule table shows a plain public source name.
    page.goto(f"{live_server.url}/programs/housing-benefit/rules/")
    page.locator("details summary").first.click()
    text = page.locator("main").inner_text()
    assert "台東区ホームページ「住居確保給付金」" in text
    assert "要確認" not in text
    save_screenshot(page, "polish_housing_rules")
    context.close()

    # The 個人情報管理責任者's menu.
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    login_in_browser(page, live_server, "shinjuku-privacy")
    menu = page.locator("nav.global-nav").inner_text()
    assert "監査ログ" in menu
    assert "相談受付" not in menu and "支援決定" not in menu
    save_screenshot(page, "polish_privacy_officer_menu")
    context.close()
    assert console.page_errors == []
