"""今日やること in a real browser: a caseworker sees the panel on the dashboard with 和暦 dates and
reasons, clicks an item and lands on the screen where the work is done; the full page filters by kind.

Screenshots: var/screenshots/todo_*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from .plugin import ConsoleLog


def _shot(page: Any, name: str) -> None:
    save_screenshot(page, name)


@pytest.mark.browser
def test_todo_panel_opens_the_screen_where_the_work_is_done(
    browser: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from tsunagu.cases.models import SupportPlan
    from tsunagu.dashboard.tests.test_dashboard import _in_support, _time_passes
    from tsunagu.organizations.models import User

    worker = User.objects.get(username="shinjuku-soudan")
    late = _in_support(worker)
    _time_passes(late, monitoring_days_ago=3)
    soon = _in_support(worker)
    SupportPlan.objects.filter(case=soon, status="decided").update(
        next_monitoring_on=timezone.localdate() + timedelta(days=4)
    )

    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = ctx.new_page()
    console.listen(page)
    login_in_browser(page, live_server, "shinjuku-soudan")

    panel = page.get_by_test_id("todo-panel")
    assert panel.get_by_role("heading", name=re.compile("今日やること")).count() == 1
    text = panel.inner_text()
    assert "期限切れ" in text and "令和" in text and "モニタリングを行い" in text
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text)  # no ISO dates on screen
    overdue_row = panel.locator("tr[data-overdue='true'][data-kind='monitoring']")
    assert overdue_row.count() == 1 and "期限切れ" in overdue_row.inner_text()
    assert late.case_number in overdue_row.inner_text()
    assert panel.locator("tr[data-kind='monitoring']:not([data-overdue])").count() == 1
    assert_no_serious_axe_violations(page)
    _shot(page, "todo_home_panel")

    # The full page, filtered by kind.
    page.goto(f"{live_server.url}/dashboard/todo/")
    page.get_by_role("link", name=re.compile(r"^モニタリング（2件）")).click()
    page.wait_for_url(re.compile(r"kind=monitoring"))
    rows = page.get_by_test_id("todo-table").locator("tbody tr")
    assert rows.count() == 2
    assert_no_serious_axe_violations(page)
    _shot(page, "todo_full_page_monitoring")

    # Back on the dashboard, the overdue item opens the record form of that case.
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("todo-panel").locator("tr[data-overdue='true'][data-kind='monitoring'] a").click()
    page.wait_for_url(f"{live_server.url}/cases/{late.pk}/records/new/?monitoring=1")
    assert page.locator("h1").count() == 1 and page.locator("form").count() >= 1
    # The record form opens with 「モニタリングとして記録する」 already ticked.
    assert page.locator("input[type=checkbox][name$=is_monitoring]").is_checked()
    _shot(page, "todo_clicked_record_new")
    assert console.csp_violations() == []
    assert console.page_errors == []
    ctx.close()


@pytest.mark.browser
def test_municipal_officer_todo(
    browser: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog
) -> None:
    from tsunagu.meetings.tests.helpers import approved_case
    from tsunagu.organizations.models import User

    case, _ = approved_case(
        User.objects.get(username="shinjuku-shunin"), User.objects.get(username="shinjuku-soudan")
    )
    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = ctx.new_page()
    console.listen(page)
    login_in_browser(page, live_server, "shinjuku-jichitai")
    panel = page.get_by_test_id("todo-panel")
    assert "支援決定・確認を記録してください" in panel.inner_text()
    assert "から決定待ち" in panel.inner_text() and "待っている日の古い順" in panel.inner_text()
    _shot(page, "todo_officer_home")
    panel.get_by_role("link", name="支援決定・確認").click()
    page.wait_for_url(f"{live_server.url}/meetings/decisions/cases/{case.pk}/")
    _shot(page, "todo_officer_decision")
    assert console.csp_violations() == []
    ctx.close()
