"""家計改善支援 (issue #5 point 7): who sees the budget (consent), integer yen, debts, plan, loans, API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.test import Client
from django.utils import timezone

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.programs import selectors, services
from tsunagu.programs.models import BudgetLine, Debt, HouseholdBudgetSheet

pytestmark = pytest.mark.django_db


def give_consent(case: Any, *, purposes: list[str], categories: list[str]) -> Any:
    """A consent through the service, against the agency's notice in force (the demo's 第1版)."""
    from tsunagu.privacy.services import consent_give

    return consent_give(
        actor=case.assigned_worker,
        person=case.person,
        values={
            "purposes": purposes,
            "data_categories": categories,
            "given_on": timezone.localdate() - timedelta(days=1),
            "method": "signature",
        },
    )


@pytest.fixture
def no_consent(open_case: Any) -> Any:
    from tsunagu.privacy.models import Consent

    Consent.objects.filter(person=open_case.person).update(withdrawn_on=F("given_on"))
    return open_case


def sheet(staff: Any, case: Any, **overrides: Any) -> Any:
    kwargs: dict[str, Any] = {
        "as_of": date(2025, 5, 1),
        "incomes": {"salary": 120_000, "allowance": 10_000},
        "expenses": {"housing": 55_000, "food": 40_000, "utilities": 12_000, "loan_repayment": 15_000},
    }
    kwargs.update(overrides)
    return services.budget_sheet_save(actor=staff("shinjuku-kakei"), case=case, **kwargs)


def test_budget_supporter_always_sees(staff: Any, no_consent: Any) -> None:
    assert selectors.budget_visible_to(staff("shinjuku-kakei"), no_consent)
    s = sheet(staff, no_consent)
    assert selectors.sheet_totals(s) == {"income": 130_000, "expense": 122_000, "balance": 8_000}
    assert AuditEvent.objects.filter(object_type="householdbudgetsheet", object_id=str(s.pk)).exists()


def test_assigned_worker_needs_consent(staff: Any, no_consent: Any) -> None:
    worker = staff("shinjuku-soudan")
    case = no_consent
    assert not selectors.budget_visible_to(worker, case)
    with pytest.raises(Http404):
        selectors.household_budget_for_user(user=worker, case_id=case.pk)
    assert AuditEvent.objects.filter(actor=worker, action=AuditAction.ACCESS_DENIED).exists()
    # consent without the finances category is not enough
    give_consent(case, purposes=["support"], categories=["basic"])
    assert not selectors.budget_visible_to(worker, case)
    give_consent(case, purposes=["support"], categories=["basic", "finances"])
    assert selectors.budget_visible_to(worker, case)
    budget = selectors.household_budget_for_user(user=worker, case_id=case.pk)
    assert budget.case.pk == case.pk


def test_withdrawn_consent_hides_again(staff: Any, no_consent: Any) -> None:
    c = give_consent(no_consent, purposes=["support"], categories=["finances"])
    assert selectors.budget_visible_to(staff("shinjuku-soudan"), no_consent)
    c.withdrawn_on = timezone.localdate()
    c.save()
    assert not selectors.budget_visible_to(staff("shinjuku-soudan"), no_consent)


def test_others_never_see(staff: Any, open_case: Any) -> None:
    give_consent(open_case, purposes=["support"], categories=["finances"])
    assert not selectors.budget_visible_to(staff("shinjuku-shuro"), open_case)  # not assigned
    assert not selectors.budget_visible_to(staff("hasuda-kakei"), open_case)  # other agency
    assert not selectors.budget_visible_to(staff("shinjuku-jichitai"), open_case)


def test_worker_without_consent_cannot_write(staff: Any, no_consent: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.budget_sheet_save(
            actor=staff("shinjuku-soudan"), case=no_consent, as_of=date(2025, 5, 1), incomes={}, expenses={}
        )


@pytest.mark.parametrize("bad", [-1, 1.5, "1000", True, 10**9])
def test_integer_yen_validation(staff: Any, open_case: Any, bad: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        sheet(staff, open_case, incomes={"salary": bad})
    assert "income_salary" in exc.value.message_dict
    assert "円" in exc.value.message_dict["income_salary"][0]
    assert not HouseholdBudgetSheet.objects.exists()


def test_unknown_category_refused(staff: Any, open_case: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        sheet(staff, open_case, expenses={"travel": 1000})
    assert "支出の項目にありません" in exc.value.message_dict["expense_travel"][0]


def test_sheet_save_replaces_lines_same_day(staff: Any, open_case: Any) -> None:
    s1 = sheet(staff, open_case)
    s2 = sheet(staff, open_case, incomes={"pension": 70_000}, expenses={"food": 30_000})
    assert s1.pk == s2.pk
    assert sorted(BudgetLine.objects.filter(sheet=s2).values_list("category", "amount")) == [
        ("food", 30_000),
        ("pension", 70_000),
    ]


def test_db_refuses_negative_amount(staff: Any, open_case: Any) -> None:
    s = sheet(staff, open_case)
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.filter(sheet=s).update(amount=-1)


def test_debts_plan_and_loans(staff: Any, open_case: Any) -> None:
    kakei = staff("shinjuku-kakei")
    d = services.debt_add(
        actor=kakei,
        case=open_case,
        values={
            "kind": "tax",
            "creditor": "新宿区（住民税）",
            "amount": 180_000,
            "monthly_repayment": 10_000,
            "status": "instalments",
        },
    )
    assert d.get_status_display() == "分納中"
    with pytest.raises(ValidationError) as exc:
        services.debt_add(
            actor=kakei,
            case=open_case,
            values={"kind": "casino", "creditor": "", "amount": -5, "status": "?"},
        )
    assert set(exc.value.message_dict) == {"kind", "creditor", "amount", "status"}
    assert Debt.objects.count() == 1
    p = services.budget_plan_add(
        actor=kakei,
        case=open_case,
        values={
            "made_on": date(2025, 5, 1),
            "goals": "滞納の解消",
            "monthly_plan": "食費を月3万円に",
            "monthly_saving_target": 10_000,
            "review_on": date(2025, 8, 1),
        },
    )
    assert p.monthly_saving_target == 10_000
    loan = services.loan_link_add(
        actor=kakei,
        case=open_case,
        values={
            "kind": "emergency_small",
            "applied_on": date(2025, 5, 2),
            "status": "applied",
            "amount": 100_000,
        },
    )
    assert loan.get_kind_display() == "緊急小口資金"
    budget = selectors.household_budget_for_user(user=kakei, case_id=open_case.pk)
    assert (len(budget.debts), len(budget.plans), len(budget.loans)) == (1, 1, 1)


# --- API -----------------------------------------------------------------------------------------------


def test_api_budget_201_404_422(login: Callable[[str], Client], no_consent: Any) -> None:
    url = f"/api/v1/cases/{no_consent.pk}/household-budget"
    kakei = login("shinjuku-kakei")
    r = kakei.post(
        f"{url}/sheets",
        data={"as_of": "2025-05-01", "incomes": {"salary": 150000}, "expenses": {"housing": 60000}},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["sheets"][0]["balance"] == 90_000
    r = kakei.post(
        f"{url}/sheets",
        data={"as_of": "2025-05-01", "incomes": {"salary": 1.5}},
        content_type="application/json",
    )
    assert r.status_code == 422
    r = kakei.post(
        f"{url}/debts",
        data={"kind": "rent", "creditor": "大家", "amount": 130000, "status": "arrears"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert kakei.get(url).status_code == 200
    # the assigned worker without consent: 404 with the Japanese notice
    worker = login("shinjuku-soudan")
    r = worker.get(url)
    assert r.status_code == 404
    give_consent(no_consent, purposes=["support"], categories=["finances"])
    r = worker.get(url)
    assert r.status_code == 200
    assert r.json()["debts"][0]["kind_ja"] == "家賃"
    assert login("hasuda-kakei").get(url).status_code == 404


# --- Screens -------------------------------------------------------------------------------------------


def test_budget_screen(login: Callable[[str], Client], no_consent: Any) -> None:
    url = f"/programs/budget/{no_consent.pk}/"
    kakei = login("shinjuku-kakei")
    assert kakei.get(url).status_code == 200
    r = kakei.post(
        url, {"form": "sheet", "as_of": "令和7年5月1日", "income_salary": "150,000", "expense_food": "1.5"}
    )
    assert r.status_code == 200 and "整数" in r.content.decode()
    assert not HouseholdBudgetSheet.objects.exists()
    r = kakei.post(
        url,
        {"form": "sheet", "as_of": "令和7年5月1日", "income_salary": "150,000", "expense_food": "30000円"},
    )
    assert r.status_code == 302
    r = kakei.post(
        url,
        {"form": "debt", "kind": "utility", "creditor": "東京電力", "amount": "12000", "status": "arrears"},
    )
    assert r.status_code == 302
    page = kakei.get(url).content.decode()
    assert "150,000" in page and "東京電力" in page
    worker = login("shinjuku-soudan")
    r = worker.get(url)
    assert r.status_code == 404 and "同意" in r.content.decode() and "東京電力" not in r.content.decode()
    give_consent(no_consent, purposes=["support"], categories=["finances"])
    assert "東京電力" in worker.get(url).content.decode()
    assert login("hasuda-kakei").get(url).status_code == 404


def test_api_plan_and_loan(login: Callable[[str], Client], open_case: Any) -> None:
    url = f"/api/v1/cases/{open_case.pk}/household-budget"
    kakei = login("shinjuku-kakei")
    r = kakei.post(
        f"{url}/plans",
        data={
            "made_on": "2025-05-01",
            "goals": "滞納の解消",
            "monthly_plan": "分納を続ける",
            "monthly_saving_target": 5000,
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    r = kakei.post(
        f"{url}/loans",
        data={"kind": "general_support", "applied_on": "2025-05-02", "status": "applied", "amount": "100000"},
        content_type="application/json",
    )
    assert r.status_code == 422
    r = kakei.post(
        f"{url}/loans",
        data={"kind": "general_support", "applied_on": "2025-05-02", "status": "applied", "amount": 100000},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["loans"][0]["kind_ja"] == "総合支援資金" and out["plans"][0]["monthly_saving_target"] == 5000


def test_debt_status_update_and_stale_copy_refused(
    staff: Any, open_case: Any, login: Callable[[str], Client]
) -> None:
    from tsunagu.core.models import AuditAction, AuditEvent

    kakei = staff("shinjuku-kakei")
    d = services.debt_add(
        actor=kakei,
        case=open_case,
        values={
            "kind": "rent",
            "creditor": "大家",
            "amount": 120_000,
            "monthly_repayment": 20_000,
            "status": "arrears",
        },
    )
    # Through the screen: 滞納中 → 分納中 with a new remaining amount.
    client = login("shinjuku-kakei")
    url = f"/programs/budget/{open_case.pk}/"
    r = client.post(
        url,
        {
            "form": "debt_status",
            "debt_id": d.pk,
            "expected_status": "arrears",
            "status": "instalments",
            "amount": "100,000",
        },
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.amount) == ("instalments", 100_000)
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="debt", object_id=str(d.pk)
    ).exists()
    # A second user still holding the old page (expected 滞納中) is refused; nothing overwritten.
    with pytest.raises(ValidationError) as exc:
        services.debt_status_update(
            actor=kakei, case=open_case, debt_id=d.pk, expected_status="arrears", status="repaid", amount=0
        )
    assert "他の職員が更新しました" in exc.value.messages[0]
    d.refresh_from_db()
    assert (d.status, d.amount) == ("instalments", 100_000)
    # Bad input: a negative amount and an unknown status are refused with messages beside the fields.
    with pytest.raises(ValidationError) as exc:
        services.debt_status_update(
            actor=kakei, case=open_case, debt_id=d.pk, expected_status="instalments", status="?", amount=-1
        )
    assert set(exc.value.message_dict) == {"status", "amount"}
