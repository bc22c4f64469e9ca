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
