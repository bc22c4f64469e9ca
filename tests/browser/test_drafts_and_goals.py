"""Nothing typed is lost, and plans with many goals at once, in a real browser:

(a) a 相談支援員 types a 支援経過記録; the page saves a draft on the server by itself; while text is
    not yet saved, leaving the page asks first (beforeunload); after a reload the text is back with
    「保存されていない下書きを復元しました」; saving the record deletes the draft;
(b) the plan form: 「目標を追加」 up to ten goals without saving, one moved up with 「↑」, one removed
    with 「削除」, saved once — the plan shows the goals in that order.

Screenshots: var/screenshots/drafts_*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tsunagu.core.dates import wareki

from .helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from .plugin import ConsoleLog

NOTICE = "保存されていない下書きを復元しました"


def _armed(page: Any) -> bool:
    """Would leaving the page ask first? (The page's beforeunload handler cancels the event.)"""
    return bool(
        page.evaluate(
            """() => {
                const e = new Event("beforeunload", {cancelable: true});
                window.dispatchEvent(e);
                return e.defaultPrevented;
            }"""
        )
    )


@pytest.mark.browser
def test_a_record_draft_survives_a_reload_and_is_gone_after_saving(
    page: Any, live_server: Any, demo: Any, console: ConsoleLog
) -> None:
    from tsunagu.cases.models import CaseState, SupportRecord
    from tsunagu.cases.tests.process import case_at
    from tsunagu.core.models import AuditAction, AuditEvent, FormDraft

    case = case_at(CaseState.IN_SUPPORT)
    login_in_browser(page, live_server, "shinjuku-soudan")
    url = f"{live_server.url}/cases/{case.pk}/records/new/"
    page.goto(url)
    assert not _armed(page)  # nothing typed yet
    page.locator("#id_method").select_option(value="phone")
    text = "本人から電話。家賃の支払いについて相談。来週、福祉事務所へ同行する。"
    page.locator("#id_content").fill(text)
    assert _armed(page)  # typed, not yet on the server: leaving would ask
    status = page.locator("[data-draft-status]")
    status.filter(has_text="下書きを保存しました").wait_for()
    assert not _armed(page)  # the server has it
    draft = FormDraft.objects.get(path=f"/cases/{case.pk}/records/new/")
    assert draft.data["content"] == [text]
    save_screenshot(page, "drafts_01_record_autosaved")

    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    page.wait_for_load_state()
    notice = page.locator("[data-draft-notice]")
    assert NOTICE in notice.inner_text()
    assert wareki(draft.updated_at.date())[:2] in notice.inner_text()  # 和暦 (令和…)
    assert page.locator("#id_content").input_value() == text
    assert page.locator("#id_method").input_value() == "phone"
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "drafts_02_record_restored")
    assert AuditEvent.objects.filter(object_type="formdraft", action=AuditAction.VIEW).count() == 1

    page.get_by_role("button", name="記録する").click()
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/"))
    assert SupportRecord.objects.filter(case=case, content=text).exists()
    assert not FormDraft.objects.exists()
    page.goto(url)
    assert page.locator("[data-draft-notice]").count() == 0
    assert page.locator("#id_content").input_value() == ""
    save_screenshot(page, "drafts_03_record_after_save")
    assert not console.csp_violations(), console.csp_violations()
    assert not console.errors(), console.errors()


@pytest.mark.browser
def test_ten_goals_added_reordered_and_one_removed_in_one_save(
    page: Any, live_server: Any, demo: Any, console: ConsoleLog
) -> None:
    from django.utils import timezone

    from tsunagu.cases.models import CaseState, PlanGoal, SupportPlan
    from tsunagu.cases.tests.process import case_at

    case = case_at(CaseState.PLANNING)
    login_in_browser(page, live_server, "shinjuku-soudan")
    page.goto(f"{live_server.url}/cases/{case.pk}/plans/new/")
    page.locator("#id_wishes").fill("働いて家賃を払い続けたい。")
    page.locator("#id_issues").fill("失業と家賃滞納。")
    page.locator("#id_long_term_goal").fill("安定した就労")
    page.locator("#id_short_term_goal").fill("応募書類を整える")
    page.locator("#id_agreed_on").fill(wareki(timezone.localdate()))

    add = page.get_by_role("button", name="目標を追加")
    rows = page.locator("[data-goal-row]:visible")
    assert rows.count() == 1
    for _ in range(10):  # eleven rows: one will be removed
        add.click()
    assert rows.count() == 11
    assert page.locator("input[name='goals-TOTAL_FORMS']").input_value() == "11"
    for i in range(11):
        row = rows.nth(i)
        row.locator("select[name$='-term']").select_option(value="short")
        row.locator("textarea[name$='-issue']").fill(f"課題{i + 1}")
        row.locator("textarea[name$='-goal']").fill(f"目標{i + 1}")
        row.locator("textarea[name$='-support']").fill(f"支援{i + 1}")
        row.locator("select[name$='-provider_kind']").select_option(value="resource")
        row.locator("input[name$='-provider_resource']").fill("地域の社会資源")
    # 目標3 is not needed; 目標11 goes up one place (before 目標10).
    rows.nth(2).get_by_role("button", name="この目標を削除").click()
    assert rows.count() == 10
    rows.nth(9).get_by_role("button", name="この目標を上へ移動").click()
    expected = ["目標1", "目標2", "目標4", "目標5", "目標6", "目標7", "目標8", "目標9", "目標11", "目標10"]
    shown = [rows.nth(i).locator("textarea[name$='-goal']").input_value() for i in range(10)]
    assert shown == expected
    assert [rows.nth(i).locator("[data-goal-number]").inner_text() for i in range(10)] == [
        str(n) for n in range(1, 11)
    ]
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "drafts_04_plan_ten_goals")

    page.get_by_role("button", name="保存する", exact=True).click()
    page.wait_for_url(re.compile(r"/plans/\d+/$"))
    plan = SupportPlan.objects.get(case=case)
    saved = list(PlanGoal.objects.filter(plan=plan).order_by("order").values_list("goal", flat=True))
    assert saved == expected
    cells = [c.strip() for c in page.locator("main td").all_inner_texts()]
    assert [c for c in cells if re.fullmatch(r"目標\d+", c)] == expected  # the plan shows them in order
    save_screenshot(page, "drafts_05_plan_saved")
    assert not console.csp_violations(), console.csp_violations()
    assert not console.errors(), console.errors()


@pytest.mark.browser
def test_without_javascript_goal_rows_are_added_by_the_server(
    browser: Any, live_server: Any, demo: Any, console: ConsoleLog
) -> None:
    from tsunagu.cases.models import CaseState, SupportPlan
    from tsunagu.cases.tests.process import case_at

    case = case_at(CaseState.PLANNING)
    context = browser.new_context(java_script_enabled=False, locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    try:
        login_in_browser(page, live_server, "shinjuku-soudan")
        page.goto(f"{live_server.url}/cases/{case.pk}/plans/new/")
        rows = page.locator("[data-goal-row]:visible")
        assert rows.count() == 1
        assert page.get_by_label("並び順").count() == 1  # the order number is a plain field
        rows.nth(0).locator("textarea[name$='-goal']").fill("応募書類を整える")
        page.get_by_role("button", name="目標を追加").click()
        page.wait_for_load_state()
        assert rows.count() == 2  # the server added a row, nothing was saved
        assert rows.nth(1).locator("select[name$='-term']").input_value() == "short"
        assert rows.nth(0).locator("textarea[name$='-goal']").input_value() == "応募書類を整える"
        assert page.locator("[role=alert]").count() == 0  # no errors for a form not sent yet
        assert not SupportPlan.objects.filter(case=case).exists()
        save_screenshot(page, "drafts_06_plan_without_javascript")
    finally:
        context.close()
