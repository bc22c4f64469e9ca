"""Figures from the assessment (one source): the 住居確保給付金 application and the 家計表 start from
the assessment and the 世帯構成, show the source, and offer differences back — never copy them."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tsunagu.cases.models import Assessment, AssessmentDebt, AssessmentIncome, CaseState
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.core.offers import read_offer
from tsunagu.organizations.models import User
from tsunagu.persons.models import HouseholdMember
from tsunagu.programs import figures, services
from tsunagu.programs.models import BudgetLine, Debt, HouseholdBudgetSheet, HousingBenefitApplication

from .conftest import application_values
from .test_household_budget import give_consent

pytestmark = pytest.mark.django_db

SOURCE = "アセスメント第2版（令和7年4月1日）"


def assess(case: Any, author: Any, *, number: int = 2, incomes: dict[str, int] | None = None) -> Assessment:
    """A structured assessment version (the cases app's screens write these; here the rows only)."""
    a = Assessment.objects.create(
        case=case,
        agency_id=case.agency_id,
        municipality_id=case.municipality_id,
        author=author,
        number=number,
        assessed_on=date(2025, 4, 1),
        savings=200_000,
        monthly_rent=52_000,
    )
    for category, amount in (incomes if incomes is not None else {"salary": 60_000}).items():
        AssessmentIncome.objects.create(assessment=a, category=category, amount=amount)
    AssessmentDebt.objects.create(
        assessment=a, kind="tax", creditor="新宿区（住民税）", amount=80_000, monthly_repayment=5_000
    )
    AssessmentDebt.objects.create(assessment=a, kind="loan", creditor="", amount=300_000)
    return a


@pytest.fixture
def assessed(shinjuku_case: Any, staff: Any) -> Any:
    case = shinjuku_case
    type(case).objects.filter(pk=case.pk).update(state=CaseState.IN_SUPPORT)
    case.refresh_from_db()
    Assessment.objects.filter(case=case).delete()
    assess(case, staff("shinjuku-soudan"), number=1, incomes={"pension": 1})
    assess(case, staff("shinjuku-soudan"))
    # shared with the 家計改善支援員 under a consent covering 経済状況 (cases.policies)
    give_consent(case, purposes=["support"], categories=["basic", "finances"])
    Assessment.objects.filter(case=case).update(
        shared_with_budget_support=True, shared_with=staff("shinjuku-kakei"), shared_at=timezone.now()
    )
    HouseholdMember.objects.filter(person=case.person).delete()
    HouseholdMember.objects.create(person=case.person, name="山田 花子", relationship="妻")
    HouseholdMember.objects.create(
        person=case.person, name="山田 一郎", relationship="父", lives_together=False
    )
    return case


def test_figures_and_their_sources(assessed: Any, staff: Any) -> None:
    found = figures.figures_for(user=staff("shinjuku-soudan"), case=assessed)
    assert found.assessment is not None and found.assessment.number == 2
    assert (found.household_size.value, found.household_size.source) == (2, "世帯構成")
    assert (found.monthly_income.value, found.monthly_income.source) == (60_000, SOURCE)
    assert found.financial_assets.value == 200_000 and found.monthly_rent.value == 52_000
    assert list(found.incomes) == ["salary"]
    assert [(d.kind, d.amount) for d in found.debts] == [("tax", 80_000), ("loan", 300_000)]
    assert found.monthly_rent.note == f"{SOURCE}より"
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="assessment", object_id=str(found.assessment.pk)
    ).exists()


def test_no_assessment_gives_none(shinjuku_case: Any, staff: Any) -> None:
    Assessment.objects.filter(case=shinjuku_case).delete()
    found = figures.figures_for(user=staff("shinjuku-soudan"), case=shinjuku_case)
    assert found.assessment is None
    assert found.monthly_rent.value is None and found.monthly_rent.source is None
    assert (found.household_size.value or 0) >= 1 and found.household_size.source == "世帯構成"


def test_a_sheet_the_budget_supporter_may_not_see_gives_no_figures(assessed: Any, staff: Any) -> None:
    Assessment.objects.filter(case=assessed).update(shared_with_budget_support=False, shared_with=None)
    found = figures.figures_for(user=staff("shinjuku-kakei"), case=assessed)
    assert found.assessment is None and found.monthly_rent.value is None and found.debts == []


# --- 住居確保給付金 ------------------------------------------------------------------------------------


def test_new_application_starts_from_the_assessment(assessed: Any, login: Any) -> None:
    page = login("shinjuku-soudan").get(f"/programs/housing-benefit/new/?case={assessed.pk}")
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["household_size"] == 2
    assert form.initial["household_monthly_income"] == 60_000
    assert form.initial["household_financial_assets"] == 200_000
    assert form.initial["monthly_rent"] == 52_000
    html = page.content.decode()
    assert f"{SOURCE}より" in html and "世帯構成より" in html
    assert 'value="52,000"' in html  # editable initial value


def offered(url: str, username: str) -> tuple[str, dict[str, int]]:
    """What the link offers to ``username`` on the new-assessment form (the signed token)."""
    parts = urlsplit(url)
    [token] = parse_qs(parts.query)["offer"]
    found = read_offer(token, user=User.objects.get(username=username), path=parts.path)
    assert found is not None
    return found


def test_the_detail_offers_the_difference_with_the_right_link(
    assessed: Any, make_application: Any, login: Any
) -> None:
    before = Assessment.objects.filter(case=assessed).count()
    app = make_application(
        case=assessed, household_size=2, household_monthly_income=60_000, monthly_rent=55_000
    )
    html = login("shinjuku-soudan").get(f"/programs/housing-benefit/{app.pk}/").content.decode()
    banner = "アセスメントの値と異なります：家賃月額 アセスメント 52,000円／申請 55,000円"
    assert banner in html
    page = login("shinjuku-soudan").get(f"/programs/housing-benefit/{app.pk}/")
    url = page.context["differences"].offer_url
    parts = urlsplit(url)
    assert parts.path == f"/cases/{assessed.pk}/assessments/new/"
    assert offered(url, "shinjuku-soudan") == (banner, {"monthly_rent": 55_000})
    assert Assessment.objects.filter(case=assessed).count() == before  # nothing written


def test_income_is_offered_only_with_one_income_category(
    assessed: Any, make_application: Any, login: Any, staff: Any
) -> None:
    app = make_application(
        case=assessed, household_size=2, household_monthly_income=70_000, monthly_rent=52_000
    )
    page = login("shinjuku-soudan").get(f"/programs/housing-benefit/{app.pk}/")
    _text, q = offered(page.context["differences"].offer_url, "shinjuku-soudan")
    assert q == {"income_salary": 70_000}
    # two income categories: the difference is shown, not offered
    assess(assessed, staff("shinjuku-soudan"), number=3, incomes={"salary": 50_000, "pension": 10_000})
    page = login("shinjuku-soudan").get(f"/programs/housing-benefit/{app.pk}/")
    diff = page.context["differences"]
    assert "世帯の月収 アセスメント 60,000円／申請 70,000円" in diff.text
    assert diff.offer_url == ""
    assert "アセスメントに反映する" not in page.content.decode()


def test_household_size_difference_is_shown_not_offered(
    assessed: Any, make_application: Any, login: Any
) -> None:
    app = make_application(
        case=assessed, household_size=3, household_monthly_income=60_000, monthly_rent=52_000
    )
    diff = login("shinjuku-soudan").get(f"/programs/housing-benefit/{app.pk}/").context["differences"]
    assert diff.text == "アセスメントの値と異なります：世帯人数 世帯構成 2人／申請 3人"
    assert diff.offer_url == ""


def test_no_offer_without_case_edit_rights(assessed: Any, make_application: Any, login: Any) -> None:
    app = make_application(
        case=assessed, household_size=2, household_monthly_income=60_000, monthly_rent=55_000
    )
    page = login("shinjuku-kansa").get(f"/programs/housing-benefit/{app.pk}/")
    assert page.status_code == 200
    diff = page.context["differences"]
    assert "家賃月額 アセスメント 52,000円／申請 55,000円" in diff.text
    assert diff.offer_url == ""
    assert "/assessments/new/" not in page.content.decode()


def test_the_api_create_schema_keeps_explicit_figures(assessed: Any, api_as: Any) -> None:
    body = application_values(application_date="2025-04-10", job_loss_date="2025-02-28")
    body.pop("case", None)
    body["case_id"] = assessed.pk
    resp = api_as("shinjuku-soudan").post(
        "/api/v1/housing-benefit/applications", body, content_type="application/json"
    )
    assert resp.status_code == 201, resp.content
    app = HousingBenefitApplication.objects.get(pk=resp.json()["id"])
    assert app.monthly_rent == 65_000  # what the client sent, not the assessment's 52,000


# --- 家計表 ---------------------------------------------------------------------------------------------


def test_a_new_budget_sheet_starts_from_the_assessment(assessed: Any, login: Any) -> None:
    HouseholdBudgetSheet.objects.filter(case=assessed).delete()
    page = login("shinjuku-kakei").get(f"/programs/budget/{assessed.pk}/")
    assert page.status_code == 200
    form = page.context["sheet_form"]
    assert form.initial["income_salary"] == 60_000
    assert form.initial["expense_housing"] == 52_000
    html = page.content.decode()
    assert f"{SOURCE}より" in html
    assert "アセスメントの債務を債務・滞納に追加" in html
    assert "新宿区（住民税）" in html
    assert not Debt.objects.filter(case=assessed).exists()  # offered, not added


def test_assessment_debts_are_added_only_when_chosen(assessed: Any, login: Any, staff: Any) -> None:
    client = login("shinjuku-kakei")
    found = figures.figures_for(user=staff("shinjuku-kakei"), case=assessed)
    tax = next(d for d in found.debts if d.kind == "tax")
    url = f"/programs/budget/{assessed.pk}/"
    resp = client.post(url, {"form": "assessment_debts", "debts": [str(tax.id)], "status": "arrears"})
    assert resp.status_code == 302
    debts = list(Debt.objects.filter(case=assessed))
    assert [(d.kind, d.creditor, d.amount, d.monthly_repayment, d.status) for d in debts] == [
        ("tax", "新宿区（住民税）", 80_000, 5_000, "arrears")
    ]
    # a double submit adds nothing; the added debt is no longer offered
    client.post(url, {"form": "assessment_debts", "debts": [str(tax.id)], "status": "arrears"})
    assert Debt.objects.filter(case=assessed).count() == 1
    offered = client.get(url).context["assessment_debts_form"]
    assert [label for _k, label in offered.fields["debts"].choices] == [
        "借入　（債権者未記入）　残額 300,000円"
    ]
    # nothing chosen: refused beside the field
    page = client.post(url, {"form": "assessment_debts", "status": "arrears"})
    assert page.status_code == 200 and "追加する債務を選んでください。" in page.content.decode()


def test_budget_differences_offer_both_ways(assessed: Any, login: Any, staff: Any) -> None:
    before = Assessment.objects.filter(case=assessed).count()
    services.budget_sheet_save(
        actor=staff("shinjuku-kakei"),
        case=assessed,
        as_of=date(2025, 5, 1),
        incomes={"salary": 100_000},
        expenses={"housing": 52_000, "food": 30_000},
    )
    # the case's worker (with the consent): sees the difference, may offer it to the assessment,
    # may not rebuild the 家計表 (budget.edit)
    page = login("shinjuku-soudan").get(f"/programs/budget/{assessed.pk}/")
    html = page.content.decode()
    assert "給与 アセスメント 60,000円／家計表 100,000円" in html
    assert "家計表をアセスメントの値で作り直す" not in html
    diff = page.context["differences"]
    assert offered(diff.offer_url, "shinjuku-soudan") == (diff.text, {"income_salary": 100_000})
    assert "アセスメントに反映" in html
    # the 家計改善支援員: both ways
    html = login("shinjuku-kakei").get(f"/programs/budget/{assessed.pk}/").content.decode()
    assert "家計表をアセスメントの値で作り直す" in html and "アセスメントに反映" in html
    # 作り直す: a new sheet prefilled from the assessment, the other expenses kept
    page = login("shinjuku-kakei").get(f"/programs/budget/{assessed.pk}/?from=assessment")
    initial = page.context["sheet_form"].initial
    assert initial["income_salary"] == 60_000 and initial["expense_food"] == 30_000
    assert initial["as_of"] == timezone.localdate()
    assert Assessment.objects.filter(case=assessed).count() == before
    assert BudgetLine.objects.filter(sheet__case=assessed, category="salary").get().amount == 100_000


def test_the_case_page_lists_the_budget_difference(assessed: Any, login: Any, staff: Any) -> None:
    services.budget_sheet_save(
        actor=staff("shinjuku-kakei"),
        case=assessed,
        as_of=date(2025, 5, 1),
        incomes={"salary": 1},
        expenses={},
    )
    html = login("shinjuku-kakei").get(f"/cases/{assessed.pk}/").content.decode()
    assert "家計表とアセスメントの値が異なります" in html


# --- API ----------------------------------------------------------------------------------------------


def test_api_assessment_figures(assessed: Any, api_as: Any, hasuda_case: Any) -> None:
    resp = api_as("shinjuku-soudan").get(f"/api/v1/cases/{assessed.pk}/assessment-figures")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["assessment"]["number"] == 2
    assert body["household_size"] == {"value": 2, "source": "世帯構成"}
    assert body["monthly_rent"] == {"value": 52_000, "source": SOURCE}
    assert body["incomes"] == [
        {"category": "salary", "category_ja": "給与", "value": 60_000, "source": SOURCE}
    ]
    assert [d["kind"] for d in body["debts"]] == ["tax", "loan"]
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="assessment").exists()
    # another agency's case: 404
    assert (
        api_as("shinjuku-soudan").get(f"/api/v1/cases/{hasuda_case.pk}/assessment-figures").status_code == 404
    )


def test_the_case_page_query_count_does_not_grow_with_the_figures(
    assessed: Any, login: Any, staff: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    kakei = staff("shinjuku-kakei")
    services.budget_sheet_save(
        actor=kakei, case=assessed, as_of=date(2025, 5, 1), incomes={"salary": 1}, expenses={}
    )
    client = login("shinjuku-kakei")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert (
                "家計表とアセスメントの値が異なります"
                in client.get(f"/cases/{assessed.pk}/").content.decode()
            )
        return len(ctx.captured_queries)

    few = count()
    latest = Assessment.objects.filter(case=assessed).order_by("-number").first()
    assert latest is not None
    for category in ("pension", "allowance", "support"):
        AssessmentIncome.objects.create(assessment=latest, category=category, amount=10_000)
    for n in range(4):
        AssessmentDebt.objects.create(assessment=latest, kind="other", creditor=f"債権者{n}", amount=n + 1)
    services.budget_sheet_save(
        actor=kakei,
        case=assessed,
        as_of=date(2025, 5, 1),
        incomes={"salary": 1, "pension": 2, "support": 3},
        expenses={"housing": 4, "food": 5, "medical": 6},
    )
    HouseholdMember.objects.create(person=assessed.person, name="山田 次郎", relationship="子")
    assert count() == few


def test_the_budget_page_offers_nothing_to_the_assessment_without_case_edit(
    assessed: Any, login: Any, staff: Any
) -> None:
    from tsunagu.organizations.guards import allowed
    from tsunagu.organizations.roles import Permission

    services.budget_sheet_save(
        actor=staff("shinjuku-kakei"),
        case=assessed,
        as_of=date(2025, 5, 1),
        incomes={"salary": 1},
        expenses={},
    )
    found = figures.figures_for(user=staff("shinjuku-soudan"), case=assessed)
    sheet_ = HouseholdBudgetSheet.objects.get(case=assessed)
    for username in ("shinjuku-jimu", "shinjuku-kansa"):
        u = staff(username)
        assert not allowed(u, Permission.CASE_EDIT)
        diff = figures.sheet_differences(user=u, figures=found, sheet=sheet_)
        assert diff and diff.offer_url == ""
    assert figures.sheet_differences(user=staff("shinjuku-soudan"), figures=found, sheet=sheet_).offer_url
