"""Browser test: 住居確保給付金 from the centre's application to the municipal officer's decision.

Debian's chromium via Playwright with the site's real CSP, using the shared browser fixtures and
helpers of ``tests/browser`` (imported: they live in another folder's conftest). Without chromium
the test is skipped locally and fails in CI (CI=true).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from tests.browser.plugin import ConsoleLog

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded(demo: Any) -> Any:
    from tsunagu.programs.seed import seed_housing_benefit_demo

    seed_housing_benefit_demo()
    return demo


def _logout(page: Any) -> None:
    page.locator("form:has(button:text('ログアウト')) button").first.click()
    page.wait_for_load_state()


def test_application_to_decision_in_the_browser(
    page: Any,
    live_server: Any,
    seeded: Any,
    console: ConsoleLog,
) -> None:
    from tsunagu.cases.models import Case
    from tsunagu.organizations.models import User

    case = (
        Case.objects.filter(agency=User.objects.get(username="shinjuku-soudan").agency).order_by("id").first()
    )
    assert case is not None

    # 1. The centre receives the application, recording the explanations.
    login_in_browser(page, live_server, "shinjuku-soudan")
    page.goto(f"{live_server.url}/programs/housing-benefit/new/")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "住居確保給付金の申請"
    page.select_option("main form[method=post] select[name=case]", str(case.pk))
    page.fill("input[name=application_date]", "令和7年4月10日")
    page.check("input[name=type][value=rent]")
    page.check("input[name=cause][value=job_loss]")
    page.fill("input[name=job_loss_date]", "令和7年2月28日")
    page.check("input[name=is_main_earner][value=yes]")
    page.fill("input[name=household_size]", "1")
    page.fill("input[name=household_monthly_income]", "60,000")
    page.fill("input[name=household_financial_assets]", "200000")
    page.fill("input[name=monthly_rent]", "65000")
    page.check("input[name=receives_overlapping_housing_aid][value=no]")
    page.check("input[name=household_member_is_gang_member][value=no]")
    page.fill("input[name=payee_name]", "株式会社西新宿不動産")
    page.fill("input[name=payee_account_holder]", "カ）ニシシンジュクフドウサン")
    # Forgetting the explanations: refused beside the fields, typed values kept.
    page.locator("main form[method=post] button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "中止事項を説明し、同意を得たことを確認してください。" in page.locator("main").inner_text()
    assert page.input_value("input[name=household_monthly_income]") == "60,000"
    page.check("input[name=explained_stop_conditions]")
    page.check("input[name=explained_extension]")
    page.check("input[name=explained_extension_requirements]")
    page.locator("main form[method=post] button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/programs/housing-benefit/\d+/$"))
    detail_url = page.url
    main = page.locator("main#main").inner_text()
    assert "申請中（決定待ち）" in main
    assert "53,700円" in main
    assert "支給決定・不支給を記録する" not in main
    assert_no_serious_axe_violations(page)
    _logout(page)

    # 2. The municipal officer of 新宿区 decides.
    login_in_browser(page, live_server, "shinjuku-jichitai")
    page.goto(detail_url)
    page.get_by_role("link", name="支給決定・不支給を記録する").click()
    page.wait_for_url(re.compile(r"/decision/$"))
    page.check("input[name=outcome][value=award]")
    page.fill("input[name=decided_on]", "令和7年4月20日")
    page.locator("main form[method=post] button[type=submit]").first.click()
    page.wait_for_url(detail_url)
    main = page.locator("main#main").inner_text()
    assert "決定を記録しました。" in page.locator("body").inner_text()
    assert "決定：支給決定" in main
    assert "支給中" in main
    assert "令和7年4月〜令和7年6月30日（3か月／上限9か月）" in main
    assert "53,700円" in main
    save_screenshot(page, "housing_benefit_decided")
    assert console.csp_violations() == []
