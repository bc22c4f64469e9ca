"""相談受付 in a real browser: search first, register a new person with the 申込票, consent and
利用申込, then start the assessment — as a 相談支援員 would, with the site's CSP in force."""

from __future__ import annotations

import re
from typing import Any

from tsunagu.core.dates import wareki

from .helpers import login_in_browser, save_screenshot
from .plugin import ConsoleLog


def _check(page: Any, group: str, label: str) -> None:
    page.locator(f"#{group}").get_by_label(label, exact=True).check()


def test_intake_of_a_new_person_through_to_assessment(
    page: Any, live_server: Any, demo: Any, console: ConsoleLog
) -> None:
    from django.utils import timezone

    from tsunagu.cases.models import Case, CaseState

    login_in_browser(page, live_server, "shinjuku-soudan")

    # 1. Search first: nobody found, so register a new person.
    page.goto(f"{live_server.url}/intake/")
    page.get_by_label("氏名（漢字）").fill("佐々木 太郎")
    page.get_by_label("フリガナ").fill("ささき たろう")
    page.get_by_role("button", name="検索").click()
    page.wait_for_load_state()
    assert "該当する方は見つかりませんでした" in page.locator("main").inner_text()
    page.get_by_role("link", name="新しい相談者として受付する").click()
    page.wait_for_url(re.compile(r"/intake/new/"))

    # 2. The person: what was searched for is already filled in.
    assert page.locator("#id_person-name").input_value() == "佐々木 太郎"
    assert page.locator("#id_person-kana").input_value() == "ささき たろう"
    page.locator("#id_person-birth_date").fill("昭和55年5月12日")
    page.locator("#id_person-gender").select_option(label="回答しない")
    page.locator("#id_person-postal_code").fill("160-0022")
    page.locator("#id_person-address").fill("東京都新宿区新宿三丁目1番1号")
    page.locator("#id_person-phone").fill("090-1111-2222")
    page.locator("#id_person-contact_method").select_option(label="電話")
    page.locator("#id_person-contact_times").fill("平日 18時以降")
    page.locator("#id_person-housing_status").select_option(label="賃貸（民間）")

    # 3. The intake: method, route, topics with ◎, 主訴, an urgency flag, screening.
    page.locator("#id_intake-method").select_option(label="来所")
    page.locator("#id_intake-route").select_option(label="関係機関：福祉事務所")
    page.locator("#id_intake-referring_partner").select_option(label="新宿区福祉事務所（生活福祉課）")
    _check(page, "id_intake-topics", "住まいについて")
    _check(page, "id_intake-topics", "収入・生活費のこと")
    page.locator("#id_intake-main_topic").select_option(label="住まいについて")
    page.locator("#id_intake-chief_complaint").fill("家賃を3か月滞納し、退去を求められている。")
    _check(page, "id_intake-urgency_flags", "住まいを失った／失うおそれ")
    _check(page, "id_intake-screening_outcome", "継続支援")
    today = wareki(timezone.localdate())
    page.locator("#id_intake-applied_on").fill(today)

    # 4. Consent: the box, then purposes, data categories, date and method.
    page.locator("#id_consent-given").check()
    _check(page, "id_consent-purposes", "本人の支援のため、センター内や支援調整会議等において検討する")
    _check(page, "id_consent-recipient_types", "福祉事務所")
    _check(page, "id_consent-data_categories", "氏名・性別・年齢・住所・電話番号・家族関係等の基本的情報")
    _check(page, "id_consent-data_categories", "収入・資産・債務等の経済状況")
    page.locator("#id_consent-given_on").fill(today)
    page.locator("#id_consent-method").select_option(label="署名（申込票）")
    save_screenshot(page, "intake_form")

    page.get_by_role("button", name="受付を保存する").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))

    # 5. The case page: number, state 申込, the emergency tag.
    case = Case.objects.get(person__name="佐々木 太郎")
    assert case.case_number == "R8-0004"  # three 新宿区 cases in the demo data before it
    main = page.locator("main")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "ケース R8-0004"
    assert "相談を受け付けました（ケース番号 R8-0004）" in page.locator("body").inner_text()
    summary = main.locator("dl.summary-list").first
    assert "申込" in summary.inner_text()
    assert main.locator(".tag--danger", has_text="緊急的な支援あり").count() == 1
    assert "プラン策定前の支援（緊急的な支援）" in main.inner_text()
    assert "◎住まいについて" in main.inner_text()
    save_screenshot(page, "intake_case")

    # 6. Start the assessment.
    page.get_by_role("button", name="アセスメントを開始する", exact=True).click()
    page.wait_for_load_state()
    assert "状態を変更しました" in page.locator("body").inner_text()
    assert "アセスメント" in page.locator("main dl.summary-list").first.inner_text()
    case.refresh_from_db()
    assert case.state == CaseState.ASSESSMENT
    history = page.locator("main table").last.inner_text()
    assert "申込 → アセスメント" in history and "受付 → 申込" in history
    save_screenshot(page, "intake_assessment")

    problems = console.csp_violations() + console.errors()
    assert not problems, "CSP違反・コンソールのエラー:\n" + "\n".join(problems)


def test_bad_input_in_the_browser_stays_typed_with_the_message_beside_the_field(
    page: Any, live_server: Any, demo: Any, console: ConsoleLog
) -> None:
    from tsunagu.persons.models import Person

    login_in_browser(page, live_server, "shinjuku-soudan")
    page.goto(f"{live_server.url}/intake/new/")
    page.locator("#id_person-name").fill("佐々木 太郎")
    page.locator("#id_person-kana").fill("佐々木")
    page.locator("#id_person-birth_date").fill("平成31年5月1日")
    page.locator("#id_person-postal_code").fill("160-02")
    page.locator("#id_intake-method").select_option(label="電話")
    page.locator("#id_intake-route").select_option(label="本人自ら")
    page.locator("#id_intake-chief_complaint").fill("消さないでほしい主訴")
    page.get_by_role("button", name="受付を保存する").click()
    page.wait_for_load_state()

    assert page.locator("#id_person-kana_error").inner_text().strip().startswith("フリガナはカタカナ")
    assert "平成は平成31年4月30日まで" in page.locator("#id_person-birth_date_error").inner_text()
    assert "7桁" in page.locator("#id_person-postal_code_error").inner_text()
    assert page.locator("#id_person-birth_date").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_person-birth_date").input_value() == "平成31年5月1日"
    assert page.locator("#id_person-kana").input_value() == "佐々木"
    assert page.locator("#id_intake-chief_complaint").input_value() == "消さないでほしい主訴"
    assert not Person.objects.filter(name="佐々木 太郎").exists()
    save_screenshot(page, "intake_errors")
    assert not console.csp_violations()
