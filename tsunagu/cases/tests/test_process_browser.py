"""The support-process screens in a real browser (Debian chromium, the site's CSP): the case page
with its quick record entry, the assessment, plan, record and evaluation forms and the overdue
list — no CSP violation, no console error, no serious axe-core violation.

The end-to-end walk through the whole process (with the meeting and the decision) lives in
tests/browser; this file checks each screen of this app on its own.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.helpers import assert_no_serious_axe_violations, login_in_browser
from tests.browser.plugin import ConsoleLog

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db: Any) -> dict[str, int]:
    """The demo data set, with the category lists put back (an earlier live-server test empties them)."""
    from tsunagu.cases.tests.helpers import ensure_default_codes
    from tsunagu.demo.data import load_demo_data

    ensure_default_codes()
    return load_demo_data()


def test_process_screens_in_the_browser(
    page: Any,
    live_server: Any,
    demo: Any,
    console: ConsoleLog,
) -> None:
    from tsunagu.cases import services
    from tsunagu.cases.models import CaseState, SupportRecord
    from tsunagu.cases.selectors import plan_current
    from tsunagu.cases.tests.process import case_at, plan_values, user

    supported = case_at(CaseState.EVALUATION)
    planning = case_at(CaseState.PLANNING, name="鈴木 次郎", kana="スズキ ジロウ")
    draft = services.plan_create(actor=user("shinjuku-soudan"), case=planning, values=plan_values(), goals=[])
    plan = plan_current(supported)
    assert plan is not None
    assessment = supported.assessments.get()

    login_in_browser(page, live_server, "shinjuku-soudan")
    base = live_server.url

    # Quick entry on the case page.
    page.goto(f"{base}/cases/{supported.pk}/")
    assert_no_serious_axe_violations(page)
    records = page.locator("#records")
    records.get_by_label("方法").select_option(label="電話")
    records.get_by_label("所要時間（分）").fill("20")
    records.get_by_label("内容").fill("電話で就職活動の状況を確認した。")
    records.get_by_role("button", name="記録する").click()
    page.wait_for_url(re.compile(r"/cases/\d+/#records$"))
    assert "支援経過記録を保存しました" in page.locator("body").inner_text()
    assert "電話で就職活動の状況を確認した。" in page.locator("#records").inner_text()
    assert SupportRecord.objects.filter(case=supported, method="phone", duration_minutes=20).exists()

    for url in (
        f"/cases/{supported.pk}/assessments/new/",
        f"/cases/{supported.pk}/assessments/{assessment.pk}/",
        f"/cases/{supported.pk}/assessments/",
        f"/cases/{supported.pk}/plans/{plan.pk}/",
        f"/cases/{planning.pk}/plans/{draft.pk}/edit/",
        f"/cases/{planning.pk}/plans/new/",
        f"/cases/{supported.pk}/records/new/",
        f"/cases/{supported.pk}/evaluations/new/",
        "/cases/monitoring/overdue/",
    ):
        page.goto(f"{base}{url}")
        assert page.get_by_role("heading", level=1).count() == 1, url
        assert_no_serious_axe_violations(page)

    # The evaluation form refuses a closure without a reason, beside the field, keeping the input.
    page.goto(f"{base}/cases/{supported.pk}/evaluations/new/")
    page.get_by_label("達成", exact=True).first.check()
    page.get_by_label("終結", exact=True).check()
    page.get_by_label("評価の所見").fill("就職が決まった。")
    page.get_by_role("button", name="評価を保存する").click()
    page.wait_for_load_state()
    assert "終結の場合は終結理由を選んでください" in page.locator("#id_closure_reason_error").inner_text()
    assert page.get_by_label("評価の所見").input_value() == "就職が決まった。"
    page.get_by_label("終結理由（終結の場合）").select_option(label="就労・増収による自立")
    page.get_by_role("button", name="評価を保存する").click()
    page.wait_for_url(re.compile(r"/evaluations/\d+/$"))
    page.goto(f"{base}/cases/{supported.pk}/")
    page.get_by_role("button", name="終結する", exact=True).click()
    page.wait_for_load_state()
    assert "終結" in page.locator("main dl.summary-list").first.inner_text()

    problems = console.csp_violations() + console.errors()
    assert not problems, "CSP違反・コンソールのエラー:\n" + "\n".join(problems)


def test_the_structured_assessment_sheet_in_the_browser(
    page: Any,
    live_server: Any,
    demo: Any,
    console: ConsoleLog,
) -> None:
    """Fill the structured sheet (手帳, 通院, 就労, 家賃, 月収, 預貯金), add a 債務 row with 「行を追加」
    (static/js/rows.js, no round trip) and save: the items and rows are on the saved version."""
    from tsunagu.cases.models import Assessment, CaseState
    from tsunagu.cases.tests.process import case_at

    case = case_at(CaseState.ASSESSMENT)
    login_in_browser(page, live_server, "shinjuku-soudan")
    page.goto(f"{live_server.url}/cases/{case.pk}/assessments/new/")
    assert_no_serious_axe_violations(page)
    page.get_by_label("就労（現状・職歴・資格）").fill("3月に解雇され、求職中。")
    page.get_by_label("障害者手帳").select_option(label="有")
    page.get_by_label("手帳の種類（有・申請中の場合）").select_option(label="精神障害者保健福祉手帳")
    page.get_by_label("等級・程度").select_option(label="2級")
    page.locator("[name=outpatient][value=yes]").check()
    page.get_by_label("通院先・頻度").fill("○○クリニック 月2回")
    page.get_by_label("就労の現状").select_option(label="失業・休職中")
    page.get_by_label("家賃月額（円）").fill("６．５万円")
    page.get_by_label("月収：給与（円）").fill("0")
    page.get_by_label("預貯金・現金（円）").fill("30,000")
    page.locator("[name=debts-0-kind]").select_option(label="借入")
    page.locator("[name=debts-0-creditor]").fill("○○カード")
    page.locator("[name=debts-0-amount]").fill("30万円")
    page.get_by_role("button", name="債務の行を追加").click()
    assert page.locator("[name=debts-TOTAL_FORMS]").input_value() == "2"  # added in the page
    page.locator("[name=debts-1-kind]").select_option(label="税")
    page.locator("[name=debts-1-amount]").fill("40000")
    page.get_by_role("button", name="新しい版として保存する").click()
    page.wait_for_url(re.compile(r"/assessments/\d+/$"))
    body = page.locator("main").inner_text()
    assert "精神障害者保健福祉手帳 2級" in body and "借入（○○カード） 残額 300,000円" in body
    a = Assessment.objects.get(case=case)
    assert (a.monthly_rent, a.savings, a.outpatient, a.certificate_grade) == (65_000, 30_000, True, "2")
    assert sorted((d.kind, d.amount) for d in a.debts.all()) == [("loan", 300_000), ("tax", 40_000)]
    assert_no_serious_axe_violations(page)
    problems = console.csp_violations() + console.errors()
    assert not problems, "CSP違反・コンソールのエラー:\n" + "\n".join(problems)
