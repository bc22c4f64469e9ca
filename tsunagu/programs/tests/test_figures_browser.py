"""Browser test: the 住居確保給付金 application and the 家計表 start from the assessment (one source).

- choosing the case loads the assessment's figures into the form, the 出典 beside each field;
- a different rent typed by staff is saved as typed; the detail page shows the difference and offers
  a new assessment version (the link carries the GET parameters), nothing written to the assessment;
- the 家計表 page of a case without one starts from the assessment and offers its debts; a sheet that
  differs then offers both ways.

Screenshots: var/screenshots/figures_*.png.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from tests.browser.plugin import ConsoleLog

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded(demo: Any) -> Any:
    from tsunagu.programs.seed import seed_housing_benefit_demo

    seed_housing_benefit_demo()
    return demo


def test_the_two_screens_start_from_the_assessment(
    page: Any, live_server: Any, seeded: Any, console: ConsoleLog
) -> None:
    from tsunagu.cases.models import Assessment, Case, CaseState
    from tsunagu.organizations.models import User
    from tsunagu.persons.models import HouseholdMember
    from tsunagu.programs.models import HouseholdBudgetSheet

    from .test_figures import SOURCE, assess

    worker = User.objects.get(username="shinjuku-soudan")
    case = Case.objects.filter(agency=worker.agency).order_by("id").first()
    assert case is not None
    Case.objects.filter(pk=case.pk).update(state=CaseState.IN_SUPPORT)
    Assessment.objects.filter(case=case).delete()
    HouseholdBudgetSheet.objects.filter(case=case).delete()
    HouseholdMember.objects.filter(person=case.person).delete()
    assess(case, worker, number=1, incomes={"pension": 1})
    assess(case, worker)
    before = Assessment.objects.filter(case=case).count()

    login_in_browser(page, live_server, "shinjuku-soudan")
    page.goto(f"{live_server.url}/programs/housing-benefit/new/")
    page.select_option("#figures-case", str(case.pk))
    page.get_by_role("button", name="値を読み込む").click()
    page.wait_for_url(re.compile(r"\?case=\d+$"))
    assert page.input_value("input[name=monthly_rent]") == "52,000"
    assert page.input_value("input[name=household_size]") == "1"
    assert page.input_value("input[name=household_monthly_income]") == "60,000"
    main = page.locator("main").inner_text()
    assert f"{SOURCE}より" in main and "世帯構成より" in main
    save_screenshot(page, "figures_application_form")
    assert_no_serious_axe_violations(page)

    page.fill("input[name=application_date]", "令和7年4月10日")
    page.check("input[name=type][value=rent]")
    page.check("input[name=cause][value=job_loss]")
    page.fill("input[name=job_loss_date]", "令和7年2月28日")
    page.check("input[name=is_main_earner][value=yes]")
    page.fill("input[name=monthly_rent]", "55,000")
    page.check("input[name=receives_overlapping_housing_aid][value=no]")
    page.check("input[name=household_member_is_gang_member][value=no]")
    page.check("input[name=explained_stop_conditions]")
    page.check("input[name=explained_extension]")
    page.check("input[name=explained_extension_requirements]")
    page.locator("main form[method=post] button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/programs/housing-benefit/\d+/$"))
    main = page.locator("main").inner_text()
    assert "アセスメントの値と異なります：家賃月額 アセスメント 52,000円／申請 55,000円" in main
    link = page.get_by_role("link", name="申請の値をアセスメントに反映する（新しい版を作成）")
    href = link.get_attribute("href") or ""
    assert urlsplit(href).path == f"/cases/{case.pk}/assessments/new/"
    save_screenshot(page, "figures_application_detail")
    assert_no_serious_axe_violations(page)
    # the offer opens the new assessment version with the application's rent, nothing saved yet
    link.click()
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/assessments/new/"))
    assert "の値を反映しています。確認して保存してください。" in page.locator("main").inner_text()
    assert page.input_value("input[name=monthly_rent]") == "55,000"
    save_screenshot(page, "figures_offer_on_the_assessment")
    assert Assessment.objects.filter(case=case).count() == before

    assert console.csp_violations() == []


def test_the_budget_page_starts_from_the_assessment(
    page: Any, live_server: Any, seeded: Any, console: ConsoleLog
) -> None:
    from django.utils import timezone

    from tsunagu.cases.models import Assessment, Case, CaseState
    from tsunagu.organizations.models import User
    from tsunagu.programs.models import Debt, HouseholdBudgetSheet

    from .test_figures import SOURCE, assess

    worker = User.objects.get(username="shinjuku-soudan")
    kakei = User.objects.get(username="shinjuku-kakei")
    case = Case.objects.filter(agency=worker.agency).order_by("id").first()
    assert case is not None
    Case.objects.filter(pk=case.pk).update(state=CaseState.IN_SUPPORT)
    Assessment.objects.filter(case=case).delete()
    HouseholdBudgetSheet.objects.filter(case=case).delete()
    Debt.objects.filter(case=case).delete()
    a = assess(case, kakei)  # written by the 家計改善支援員 (共同アセスメント): visible to them
    Assessment.objects.filter(pk=a.pk).update(shared_at=timezone.now())

    login_in_browser(page, live_server, "shinjuku-kakei")
    page.goto(f"{live_server.url}/programs/budget/{case.pk}/")
    assert page.input_value("input[name=income_salary]") == "60,000"
    assert page.input_value("input[name=expense_housing]") == "52,000"
    assert f"{SOURCE}より" in page.locator("main").inner_text()
    page.get_by_label(re.compile("税　新宿区（住民税）")).check()
    page.get_by_role("button", name="選んだ債務を追加する").click()
    page.wait_for_load_state()
    assert [d.creditor for d in Debt.objects.filter(case=case)] == ["新宿区（住民税）"]
    page.fill("input[name=as_of]", "令和7年5月1日")
    page.fill("input[name=income_salary]", "100,000")
    page.locator("form:has(input[name=form][value=sheet]) button[type=submit]").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "給与 アセスメント 60,000円／家計表 100,000円" in main
    assert "家計表をアセスメントの値で作り直す" in main
    save_screenshot(page, "figures_budget")
    assert_no_serious_axe_violations(page)
    assert console.csp_violations() == []
