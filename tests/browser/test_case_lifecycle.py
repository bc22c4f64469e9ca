"""One case from 相談受付 to 終結 in a real browser, by the three people who take part:

the 相談支援員 (shinjuku-soudan) takes the intake with 利用申込 and consent, assesses, writes the plan with
a goal and the person's agreement and submits it; the 主任相談支援員 (shinjuku-shunin) holds the
支援調整会議 and approves it; the 自治体担当者 (shinjuku-jichitai) records the 支援決定; the worker then
starts support, records a contact, evaluates (終結 with a reason) and closes the case.

Each stage leaves a screenshot: var/screenshots/lifecycle_NN_<stage>.png.
"""

from __future__ import annotations

import re
from typing import Any

from tsunagu.core.dates import wareki

from .helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from .plugin import ConsoleLog


def _shot(page: Any, n: int, stage: str) -> None:
    save_screenshot(page, f"lifecycle_{n:02d}_{stage}")


def _logout(page: Any) -> None:
    page.locator("header form button", has_text="ログアウト").click()
    page.wait_for_load_state()


def _state(page: Any) -> str:
    return page.locator("main dl.summary-list").first.inner_text()


def _transition(page: Any, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_load_state()
    assert "状態を変更しました" in page.locator("body").inner_text(), page.locator("main").inner_text()[:500]


def _check(page: Any, group: str, label: str) -> None:
    page.locator(f"#{group}").get_by_label(label, exact=True).check()


def test_one_case_from_intake_to_closure(page: Any, live_server: Any, demo: Any, console: ConsoleLog) -> None:
    from django.utils import timezone

    from tsunagu.cases.models import Case, CaseState, PlanStatus
    from tsunagu.meetings.models import AgendaItem, Decision, Meeting

    today = wareki(timezone.localdate())
    base = live_server.url

    # 1. 相談受付 with 利用申込 and consent (相談支援員).
    login_in_browser(page, live_server, "shinjuku-soudan")
    page.goto(f"{base}/intake/")
    page.get_by_label("氏名（漢字）").fill("松田 直樹")
    page.get_by_label("フリガナ").fill("マツダ ナオキ")
    page.get_by_role("button", name="検索").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="新しい相談者として受付する").click()
    page.wait_for_url(re.compile(r"/intake/new/"))
    page.locator("#id_person-birth_date").fill("昭和58年8月20日")
    page.locator("#id_person-address").fill("東京都新宿区百人町一丁目10番1号")
    page.locator("#id_person-phone").fill("090-3333-4444")
    page.locator("#id_intake-method").select_option(label="来所")
    page.locator("#id_intake-route").select_option(label="本人自ら")
    _check(page, "id_intake-topics", "仕事探し、就職について")
    _check(page, "id_intake-topics", "収入・生活費のこと")
    page.locator("#id_intake-main_topic").select_option(label="仕事探し、就職について")
    page.locator("#id_intake-chief_complaint").fill(
        "派遣の契約が終わり、次の仕事が見つからない。貯金が尽きかけている。"
    )
    _check(page, "id_intake-screening_outcome", "継続支援")
    page.locator("#id_intake-applied_on").fill(today)
    page.locator("#id_consent-given").check()
    _check(page, "id_consent-purposes", "本人の支援のため、センター内や支援調整会議等において検討する")
    _check(page, "id_consent-recipient_types", "ハローワーク")
    _check(page, "id_consent-data_categories", "氏名・性別・年齢・住所・電話番号・家族関係等の基本的情報")
    page.locator("#id_consent-given_on").fill(today)
    page.locator("#id_consent-method").select_option(label="署名（申込票）")
    _shot(page, 1, "intake")
    page.get_by_role("button", name="受付を保存する").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(person__name="松田 直樹")
    case_url = f"{base}/cases/{case.pk}/"
    assert case.state == CaseState.APPLIED
    assert "申込" in _state(page) and "有効" in _state(page)
    _shot(page, 2, "application_consent")

    # 2. アセスメント.
    _transition(page, "アセスメントを開始する")
    page.get_by_role("link", name="アセスメントシートを作成する").click()
    page.wait_for_load_state()
    page.locator("#id_section_work").fill("派遣で事務職10年。契約終了後3か月求職中。")
    page.locator("#id_section_finances").fill("貯金残り約5万円。家賃6万円。")
    page.locator("#id_wishes").fill("正社員の事務職に就きたい。")
    page.get_by_role("button", name="新しい版として保存する").click()
    page.wait_for_load_state()
    assert case.assessments.count() == 1
    _shot(page, 3, "assessment")

    # 3. プラン（案）: a goal and the person's agreement date.
    page.goto(case_url)
    _transition(page, "プラン策定に進む")
    page.get_by_role("link", name="プラン（案）を作成する").click()
    page.wait_for_load_state()
    page.locator("#id_wishes").fill("正社員の事務職に就き、家賃を払い続けたい。")
    page.locator("#id_issues").fill("失業による収入の途絶、求職活動の停滞。")
    page.locator("#id_long_term_goal").fill("安定した就労による生活の再建")
    page.locator("#id_short_term_goal").fill("1か月以内に応募書類を整え、3社に応募する")
    _check(page, "id_programs", "家計改善支援事業")
    page.locator("#id_agreed_on").fill(today)
    page.locator("#id_goals-0-term").select_option(value="short")
    page.locator("#id_goals-0-issue").fill("求職活動が進んでいない")
    page.locator("#id_goals-0-goal").fill("応募書類を整えて3社に応募する")
    page.locator("#id_goals-0-support").fill("ハローワークへの同行、履歴書の作成支援")
    page.locator("#id_goals-0-provider_kind").select_option(value="staff")
    page.locator("#id_goals-0-provider_staff").select_option(label="佐藤 由紀")
    page.locator("#id_goals-0-frequency").fill("週1回面談")
    _shot(page, 4, "plan")
    page.get_by_role("button", name="保存する", exact=True).click()
    page.wait_for_url(re.compile(r"/plans/\d+/$"))

    # 4. 支援調整会議に提出.
    page.goto(case_url)
    _transition(page, "プラン（案）を支援調整会議に提出する")
    case.refresh_from_db()
    assert case.state == CaseState.COORDINATION_MEETING
    _shot(page, 5, "submitted_to_meeting")
    _logout(page)

    # 5. 支援調整会議 (主任相談支援員): the meeting, the case on the agenda, 承認 with minutes.
    login_in_browser(page, live_server, "shinjuku-shunin")
    page.goto(f"{base}/meetings/new/")
    page.locator("#id_held_on").fill(today)
    page.locator("#id_place").fill("センター相談室A")
    _check(page, "id_staff_attendees", "佐藤 由紀")
    _check(page, "id_staff_attendees", "井上 拓也")
    _check(page, "id_partner_attendees", "ハローワーク新宿")
    page.locator("#id_other_attendees").fill("本人")
    page.get_by_role("button", name="登録する").click()
    page.wait_for_url(re.compile(r"/meetings/\d+/$"))
    meeting = Meeting.objects.get()
    page.get_by_role("button", name=f"{case.case_number} のプラン（案）を議題に追加").click()
    page.wait_for_load_state()
    item = AgendaItem.objects.get(meeting=meeting, case=case)
    section = page.locator(f"#item-{item.pk}")
    section.get_by_label("承認", exact=True).check()
    section.locator("textarea").fill("プランを承認。家計改善支援事業の利用について自治体の決定を求める。")
    section.get_by_role("button", name="結果と議事録を記録する").click()
    page.wait_for_load_state()
    assert "「承認」と議事録を記録しました" in page.locator("body").inner_text()
    assert case.plans.get().status == PlanStatus.APPROVED
    assert_no_serious_axe_violations(page)
    _shot(page, 6, "meeting_approved")
    _logout(page)

    # 6. 支援決定 (自治体担当者 of 新宿区): the dashboard shows the plan waiting for them.
    login_in_browser(page, live_server, "shinjuku-jichitai")
    assert case.case_number in page.locator("main").inner_text()
    assert_no_serious_axe_violations(page)
    page.goto(f"{base}/meetings/decisions/pending/")
    page.get_by_role("link", name=f"{case.case_number} の決定・確認を記録する").click()
    page.wait_for_load_state()
    assert page.locator("input[name=kind][value=decision]").is_checked()
    page.locator("#id_decided_on").fill(today)
    page.locator("#id_note").fill("家計改善支援事業の利用を決定。")
    assert_no_serious_axe_violations(page)
    _shot(page, 7, "decision")
    page.get_by_role("button", name="記録する").click()
    page.wait_for_url(re.compile(r"/meetings/decisions/pending/$"))
    assert "支援決定を記録しました" in page.locator("body").inner_text()
    decision = Decision.objects.get(case=case)
    assert decision.kind == "decision" and decision.programs == ["household_budget"]
    _logout(page)

    # 7. 支援開始 → a record → 評価 (終結) → 終結 (相談支援員).
    login_in_browser(page, live_server, "shinjuku-soudan")
    page.goto(case_url)
    assert "支援決定" in _state(page)
    _transition(page, "支援を開始する（モニタリング）")
    assert "次回モニタリング日" in _state(page)
    _shot(page, 8, "support_started")

    page.locator("#id_method").select_option(label="同行")
    page.locator("#id_duration_minutes").fill("90")
    page.locator("#id_content").fill("ハローワーク新宿に同行し求職登録。2社に応募。")
    page.locator("#id_is_monitoring").check()
    page.locator("#records").get_by_role("button", name="記録する").click()
    page.wait_for_load_state()
    assert "支援経過記録を保存しました" in page.locator("body").inner_text()
    assert case.records.count() == 1
    _shot(page, 9, "record")

    _transition(page, "プラン評価を始める")
    page.get_by_role("link", name="評価シートを記入する").click()
    page.wait_for_load_state()
    page.locator("input[name$='_achievement'][value='achieved']").first.check()
    page.locator("#id_summary").fill("事務職として正社員で採用され、収入が安定した。")
    page.locator("input[name=direction][value=close]").check()
    page.locator("#id_closure_reason").select_option(index=1)
    _shot(page, 10, "evaluation")
    page.get_by_role("button", name="評価を保存する").click()
    page.wait_for_load_state()

    page.goto(case_url)
    _transition(page, "終結する")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.closed_on is not None and case.closure_reason
    assert "終結" in _state(page)
    history = page.locator("main table").last.inner_text()
    for step in ("支援調整会議 → 支援決定", "支援決定 → 支援中", "評価 → 終結"):
        assert step in history, history
    _shot(page, 11, "closed")

    problems = console.csp_violations() + console.errors()
    assert not problems, "CSP違反・コンソールのエラー:\n" + "\n".join(problems)
