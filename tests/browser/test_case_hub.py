"""The case page as the hub, in a real browser: a case with 住居確保給付金 支給中 and a つなぎ 依頼中.

- the hub shows both, with their dates in 和暦 (the follow-up date of the referral);
- the timeline filter (a link per kind, no JavaScript needed) shows one kind only;
- a long record is collapsed and 「全文を表示」 opens it;
- recording a 就労 leads to the income re-check with the rule in force;
- 終結 is refused listing both open items; with a reason for each, it succeeds.

Screenshots: var/screenshots/hub_*.png.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from .helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from .plugin import ConsoleLog

LONG = "本人と面談し、求職活動の状況と家計の状況を確認した。ハローワークで2件応募、うち1件は面接予定。" * 5


@pytest.fixture
def demo(demo: dict[str, int]) -> dict[str, int]:
    """The browser demo data set (tests/browser/conftest.py) with the 住居確保給付金 rule tables."""
    from tsunagu.programs.seed import seed_housing_benefit_demo

    seed_housing_benefit_demo()
    return demo


def shot(page: Any, name: str) -> None:
    save_screenshot(page, name)


@pytest.mark.browser
def test_the_case_hub_and_the_closing_check(
    page: Any, live_server: Any, demo: Any, console: ConsoleLog
) -> None:
    from django.utils import timezone

    from tsunagu.cases import services as case_services
    from tsunagu.cases.models import CaseState, CaseTransition
    from tsunagu.cases.tests.process import record_values, user
    from tsunagu.core.dates import wareki
    from tsunagu.referrals.tests.test_case_hub import awarded, closing_case, pay, refer

    case = closing_case(name="森 春香", kana="モリ ハルカ")
    app = awarded(case)
    pay(app)
    referral = refer(case)
    worker = user("shinjuku-soudan")
    case_services.record_create(
        actor=worker,
        case=case,
        values=record_values(worker, content=LONG, occurred_at=timezone.now() - timedelta(hours=2)),
    )

    login_in_browser(page, live_server, "shinjuku-soudan")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    main = page.locator("main")
    programs = page.locator("#hub-programs")
    assert "支給中" in programs.inner_text() and "家賃補助" in programs.inner_text()
    assert "1か月／3か月" in programs.inner_text()
    referrals = page.locator("#hub-referrals")
    assert "依頼中" in referrals.inner_text()
    assert wareki(timezone.localdate() + timedelta(days=14)) in referrals.inner_text()
    assert wareki(app.application_date) in programs.inner_text()
    assert "令和" in main.inner_text()
    assert_no_serious_axe_violations(page)
    shot(page, "hub_case_page")

    # The timeline: filter by kind (a link; the page reloads with ?kind=referral).
    timeline = page.locator("#timeline")
    assert timeline.locator("li[data-kind='payment']").count() == 2  # the application and the payment
    assert "件中 1〜" in timeline.inner_text()
    timeline.get_by_role("link", name="つなぎ", exact=True).click()
    page.wait_for_load_state()
    assert "kind=referral" in page.url
    timeline = page.locator("#timeline")
    assert timeline.locator("li[data-kind]").count() == 1
    assert timeline.locator("li[data-kind='referral']").count() == 1
    assert timeline.locator(f"a[href='/referrals/{referral.pk}/']").count() == 1
    shot(page, "hub_timeline_filtered")

    # 「全文を表示」 opens a long record.
    timeline.get_by_role("link", name="支援経過記録", exact=True).click()
    page.wait_for_load_state()
    entry = page.locator("#timeline li[data-kind='record']").first
    full = entry.locator(".longtext__full")
    assert not full.is_visible()
    entry.get_by_text("全文を表示").click()
    assert full.is_visible() and LONG[-30:] in full.inner_text()
    shot(page, "hub_timeline_long_text_open")

    # 就労 recorded while the benefit is 支給中: the income re-check with the rule in force.
    page.goto(f"{live_server.url}/cases/{case.pk}/outcomes/new/")
    page.get_by_label("種別").select_option(value="employed")
    page.get_by_label("就労・増収の日").fill(wareki(timezone.localdate()))
    page.get_by_label("就労先").fill("株式会社つなぐ食品")
    page.get_by_role("button", name="記録する").click()
    page.wait_for_load_state()
    assert f"/programs/housing-benefit/{app.pk}/income-recheck/" in page.url
    body = page.locator("main").inner_text()
    assert "収入基準額" in body and "施行規則第17条" in body and "継続" in body
    page.get_by_label("就労・増収後の世帯の月収（円）").fill("250000")
    page.get_by_role("button", name="確認する").click()
    page.wait_for_load_state()
    assert "を超えています" in page.locator("#recheck-result").inner_text()
    assert_no_serious_axe_violations(page)
    shot(page, "hub_income_recheck")

    # 終結 is refused, listing both open items.
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    close_form = page.locator("form.transition:has(input[name='name'][value='close'])")
    assert close_form.locator(f"a[href='/programs/housing-benefit/{app.pk}/']").count() == 1
    close_form.get_by_role("button", name="終結する").click()
    page.wait_for_load_state()
    message = page.locator("main").inner_text()
    assert "終結できません" in message
    assert "住居確保給付金（家賃補助）が支給中" in message and "つなぎが依頼中" in message
    case.refresh_from_db()
    assert case.state == CaseState.EVALUATION
    shot(page, "hub_close_refused")

    # With a reason for each, 終結 succeeds and the reasons are kept in the history.
    close_form = page.locator("form.transition:has(input[name='name'][value='close'])")
    close_form.get_by_label("「住居確保給付金（家賃補助）が支給中」を終結後も続ける理由").fill(
        "残りの支給期間は自治体担当者が管理する"
    )
    close_form.get_by_label("「家計改善支援事業へのつなぎが依頼中」を終結後も続ける理由").fill(
        "家計改善支援員に引継ぎ済み"
    )
    close_form.get_by_role("button", name="終結する").click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert "家計改善支援員に引継ぎ済み" in CaseTransition.objects.get(case=case, name="close").reason
    assert "家計改善支援員に引継ぎ済み" in page.locator("#history").inner_text()
    shot(page, "hub_closed_with_carry_over")
    assert console.csp_violations() == []
