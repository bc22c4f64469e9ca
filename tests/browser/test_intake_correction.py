"""申込票の訂正 and the open-case rule in a real browser, with the site's CSP in force:

(a) a 相談支援員 corrects a 申込票 (スクリーニング結果 and 所見) from the case page and sees the
    version history with the earlier values; a 主任 who had the same 申込票 open is shown both
    versions (``includes/stale.html``) and nothing is overwritten;
(b) a 相談受付 for a person who already has an open case shows that case with
    「このケースに記録する」; opening a second case anyway needs a reason.

Screenshots: var/screenshots/intake_*.png and case_*.png.
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
def test_a_caseworker_corrects_the_intake_and_a_concurrent_edit_shows_both_versions(
    browser: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog
) -> None:
    from tsunagu.cases.models import Case, CaseState, Intake

    case = Case.objects.get(person__name="山﨑 花子")
    assert case.state == CaseState.INTAKE
    ctx_a, ctx_b = (browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo") for _ in range(2))
    a, b = ctx_a.new_page(), ctx_b.new_page()
    for p in (a, b):
        console.listen(p)
    login_in_browser(a, live_server, "shinjuku-soudan")
    login_in_browser(b, live_server, "shinjuku-shunin")

    # The chief opens the 申込票 first (and leaves it open).
    b.goto(f"{live_server.url}/cases/{case.pk}/intake/edit/")

    # The worker goes from the case page to the correction screen.
    a.goto(f"{live_server.url}/cases/{case.pk}/")
    a.get_by_role("link", name=re.compile("申込票・スクリーニングを訂正する")).click()
    a.wait_for_url(re.compile(r"/intake/edit/"))
    assert a.locator("form#intake-form").count() == 1
    a.get_by_label("情報提供・助言のみで終了").check()
    a.locator("textarea[name='intake-screening_note']").fill("家賃の相談窓口を案内し、本人の了解のうえ終了")
    _shot(a, "intake_edit_before_save")
    a.get_by_role("button", name="訂正を保存する").click()
    a.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    assert "申込票を訂正しました" in a.locator("main").inner_text()
    assert "スクリーニングで終了" in a.locator("main").inner_text()
    _shot(a, "intake_corrected_case_page")

    # The history shows who changed what, when (和暦), and the earlier values.
    a.goto(f"{live_server.url}/cases/{case.pk}/intake/edit/")
    history = a.locator("section[aria-labelledby='history-heading']").inner_text()
    assert "第2版" in history and "令和" in history
    assert "継続支援" in history and "情報提供・助言のみで終了" in history
    assert "家賃の相談窓口を案内し" in history
    assert_no_serious_axe_violations(a)
    _shot(a, "intake_history")

    # The chief saves from the page opened before: refused, both versions shown, the typing kept.
    b.locator("textarea[name='intake-chief_complaint']").fill("主任が古い画面から訂正")
    b.get_by_role("button", name="訂正を保存する").click()
    b.wait_for_load_state()
    body = b.locator("main").inner_text()
    assert "他の職員が保存した最新の内容" in body
    assert "情報提供・助言のみで終了" in body  # their version
    assert b.locator("textarea[name='intake-chief_complaint']").input_value() == "主任が古い画面から訂正"
    intake = Intake.objects.get(pk=case.intake.pk)
    assert intake.version == 2 and intake.chief_complaint != "主任が古い画面から訂正"
    assert_no_serious_axe_violations(b)
    _shot(b, "intake_edit_stale")
    ctx_a.close()
    ctx_b.close()
    assert console.csp_violations() == []
    assert console.page_errors == []


@pytest.mark.browser
def test_an_intake_for_a_person_with_an_open_case_offers_that_case(
    page: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog
) -> None:
    from tsunagu.cases.models import Case

    console.listen(page)
    takahashi_case = Case.objects.get(person__name="髙橋 一郎")
    login_in_browser(page, live_server, "shinjuku-soudan")

    # A surname alone (half-width kana) finds 髙橋 一郎, shown with his open case.
    page.goto(f"{live_server.url}/intake/")
    page.get_by_label("フリガナ").fill("ﾀｶﾊｼ")
    page.get_by_role("button", name="検索").click()
    page.wait_for_load_state()
    row = page.locator("tr", has_text="髙橋 一郎")
    assert row.count() == 1
    assert takahashi_case.case_number in row.inner_text()
    record_link = row.get_by_role("link", name="このケースに記録する")
    assert record_link.get_attribute("href") == f"/cases/{takahashi_case.pk}/records/new/"
    _shot(page, "intake_search_surname_open_case")

    # Starting the 受付 anyway: the open case is shown first, with 「このケースに記録する」.
    row.get_by_role("link", name="別のケースとして受付").click()
    page.wait_for_url(re.compile(r"/intake/new/\?person="))
    warning = page.locator("#open-case")
    assert takahashi_case.case_number in warning.inner_text()
    assert warning.get_by_role("link", name="このケースに記録する").count() == 1
    page.locator("#id_intake-method").select_option(index=1)
    page.locator("#id_intake-route").select_option(index=1)
    page.get_by_role("button", name="受付を保存する").click()
    page.wait_for_load_state()
    assert "別のケースとして受け付ける理由を入力してください" in page.locator("main").inner_text()
    assert Case.objects.filter(person__name="髙橋 一郎").count() == 1
    _shot(page, "intake_second_case_needs_reason")

    page.locator("textarea[name='intake-second_case_reason']").fill(
        "就労の相談とは別に、家族の介護について新たに相談"
    )
    page.get_by_role("button", name="受付を保存する").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    assert Case.objects.filter(person__name="髙橋 一郎").count() == 2
    _shot(page, "intake_second_case_opened")

    # 「このケースに記録する」 opens the record form of the open case.
    page.goto(f"{live_server.url}/intake/?kana=タカハシ")
    page.locator("tr", has_text="髙橋 一郎").get_by_role("link", name="このケースに記録する").first.click()
    page.wait_for_url(re.compile(r"/records/new/"))
    _shot(page, "intake_record_in_open_case")

    # A new person: the search's name, フリガナ and 生年月日 are carried into the sectioned form.
    page.goto(f"{live_server.url}/intake/?name=木村+次郎&kana=キムラ+ジロウ&birth_date=昭和60年4月1日")
    page.get_by_role("link", name="新しい相談者として受付する").click()
    page.wait_for_url(re.compile(r"/intake/new/"))
    assert page.locator("#id_person-name").input_value() == "木村 次郎"
    assert page.locator("#id_person-kana").input_value() == "キムラ ジロウ"
    assert page.locator("#id_person-birth_date").input_value() != ""
    steps = page.locator("nav.intake-steps").inner_text()
    for label in ("本人", "相談の内容", "スクリーニング", "同意"):
        assert label in steps
    assert_no_serious_axe_violations(page)
    _shot(page, "intake_form_sections")
    assert console.csp_violations() == []
    assert console.page_errors == []


@pytest.mark.browser
def test_the_chief_cancels_a_case_opened_by_mistake(
    page: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog, staff: Any
) -> None:
    from tsunagu.cases.models import Case, CaseState
    from tsunagu.cases.tests.helpers import open_case

    console.listen(page)
    case = open_case(staff("shinjuku-soudan"), person_kw={"name": "誤登 太郎", "kana": "ゴトウ タロウ"})
    login_in_browser(page, live_server, "shinjuku-shunin")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    form = page.locator("form.transition", has=page.locator("input[name='name'][value='cancel']"))
    assert form.count() == 1
    form.locator("textarea[name='reason']").fill("別の方の相談を誤ってこの方で受け付けたため")
    form.get_by_role("button").click()
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    main = page.locator("main").inner_text()
    assert "状態を変更しました" in main and "取消" in main
    assert "別の方の相談を誤ってこの方で受け付けたため" in main  # the reason, in the state history
    assert Case.all_cases.get(pk=case.pk).state == CaseState.CANCELLED
    assert "取消されています" in main and "閲覧だけできます" in main
    assert page.locator(f"form[action='/cases/{case.pk}/assign/']").count() == 0  # read-only
    assert page.locator("form[action$='/records/new/']").count() == 0
    _shot(page, "case_cancelled")
    page.goto(f"{live_server.url}/cases/?scope=agency")
    assert case.case_number not in page.locator("main").inner_text()
    _shot(page, "case_list_without_cancelled")
    assert console.csp_violations() == []
