"""POST /api/v1/housing-benefit/assess and the lifecycle endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tsunagu.programs.models import HousingBenefitApplication, HousingBenefitPayment

pytestmark = pytest.mark.django_db

ASSESS = "/api/v1/housing-benefit/assess"
APPS = "/api/v1/housing-benefit/applications"


def body(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "municipality_code": "131041",
        "application_date": "2025-04-10",
        "type": "rent",
        "cause": "job_loss",
        "job_loss_date": "2025-02-28",
        "is_main_earner": True,
        "household_size": 1,
        "household_monthly_income": 100_000,
        "household_financial_assets": 200_000,
        "monthly_rent": 50_000,
        "receives_overlapping_housing_aid": False,
        "household_member_is_gang_member": False,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


@pytest.fixture
def api(hb: Any, login: Callable[[str], Client]) -> Client:
    return login("shinjuku-soudan")


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data, content_type="application/json")


def test_assess_shinjuku_single_person(api: Client) -> None:
    r = post(api, ASSESS, body())
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["eligible"] is True
    assert out["monthly_amount"] == 34_000  # 84,000 + 50,000 − 100,000
    assert (out["base_amount"], out["rent_cap"], out["income_limit"], out["asset_limit"]) == (
        84_000,
        53_700,
        134_000,
        504_000,
    )
    assert out["period_months"] == 3
    assert out["relocation_amount"] == 0
    assert out["rule_effective_from"] == "2023-04-01"
    reqs = {x["code"]: x for x in out["requirements"]}
    assert reqs["income"]["met"] is True
    assert reqs["housing_loss"]["met"] is None and reqs["housing_loss"]["status"] == "evidence_needed"
    assert all(x["message_ja"] for x in out["requirements"])


def test_assess_hasuda_four_persons_not_eligible_on_assets(api: Client) -> None:
    out = post(
        api,
        ASSESS,
        body(
            municipality_code="112381",
            household_size=4,
            household_financial_assets=1_000_001,
            monthly_rent=60_000,
        ),
    ).json()
    assert out["eligible"] is False
    assert out["monthly_amount"] == 0
    assert out["asset_limit"] == 1_000_000
    assert out["income_limit"] == 175_000 + 48_000
    assert {x["code"]: x["met"] for x in out["requirements"]}["assets"] is False


def test_assess_relocation(api: Client) -> None:
    out = post(
        api,
        ASSESS,
        body(
            type="relocation",
            cause="reduced_income",
            job_loss_date=None,
            income_drop_date="2025-01-20",
            supported_by_household_budget_program=True,
            relocation_costs=300_000,
        ),
    ).json()
    assert out["eligible"] is True
    assert out["relocation_amount"] == 161_100
    assert out["monthly_amount"] == 0


def test_assess_reaward_fields(api: Client) -> None:
    out = post(
        api, ASSESS, body(previous_award_last_payment_date="2024-03-31", reaward_cause="dismissal")
    ).json()
    assert {x["code"]: x["met"] for x in out["requirements"]}["reaward"] is True
    r = post(api, ASSESS, body(previous_award_last_payment_date="2024-03-31"))
    assert r.status_code == 422
    assert "reaward_cause" in r.json()["errors"]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"household_monthly_income": -1}, "household_monthly_income", "0以上"),
        ({"monthly_rent": 50000.5}, "monthly_rent", "整数"),
        ({"monthly_rent": "50000"}, "monthly_rent", "整数"),
        ({"household_financial_assets": True}, "household_financial_assets", "整数"),
        ({"municipality_code": "999999"}, "municipality_code", "登録されていない自治体"),
        ({"municipality_code": "13104"}, "municipality_code", "自治体"),
        ({"application_date": "2025-02-30"}, "application_date", "存在しない日付"),
        ({"application_date": "2025/04/10"}, "application_date", "YYYY-MM-DD"),
        ({"application_date": 1744243200}, "application_date", "YYYY-MM-DD"),
        ({"application_date": "2099-04-01"}, "application_date", "未来"),
        ({"job_loss_date": None}, "job_loss_date", "離職日"),
        ({"job_loss_date": "2025-05-01"}, "job_loss_date", "申請日以前"),
        ({"cause": "reduced_income", "job_loss_date": None}, "income_drop_date", "収入が減少した日"),
        ({"type": "relocation"}, "supported_by_household_budget_program", "家計改善"),
        (
            {"type": "relocation", "supported_by_household_budget_program": True},
            "relocation_costs",
            "転居費用",
        ),
        ({"type": "loan"}, "type", "選択肢"),
        ({"household_size": 0}, "household_size", "1以上"),
        ({"household_size": 7}, "household_size", "7人世帯"),
        ({"monthly_rent": 0}, "monthly_rent", "0円は不可"),
        ({"unable_to_seek_work_days": 100}, "unable_to_seek_work_days", "日数を超えて"),
        ({"is_main_earner": ...}, "is_main_earner", "必須"),
        (
            {"application_date": "2022-04-01", "job_loss_date": "2022-03-01"},
            "application_date",
            "有効な基準額表がありません",
        ),
    ],
)
def test_assess_bad_input_is_a_japanese_422_per_field(
    api: Client, overrides: dict[str, Any], field: str, fragment: str
) -> None:
    r = post(api, ASSESS, body(**overrides))
    assert r.status_code == 422, r.content
    out = r.json()
    assert out["detail"] == "入力内容に誤りがあります。"
    assert field in out["errors"], out
    assert any(fragment in m for m in out["errors"][field]), out["errors"][field]


def test_assess_collects_several_field_errors_at_once(api: Client) -> None:
    r = post(api, ASSESS, body(municipality_code="000000", job_loss_date=None, monthly_rent=0))
    assert r.status_code == 422
    assert set(r.json()["errors"]) >= {"municipality_code", "job_loss_date", "monthly_rent"}


def test_assess_needs_authentication(hb: Any) -> None:
    r = Client().post(ASSESS, data=body(), content_type="application/json")
    assert r.status_code == 401


def test_lifecycle_over_the_api(hb: Any, login: Callable[[str], Client], shinjuku_case: Any) -> None:
    centre = login("shinjuku-soudan")
    officer = login("shinjuku-jichitai")
    data = body(household_monthly_income=60_000, monthly_rent=65_000) | {
        "case_id": shinjuku_case.pk,
        "payee_name": "株式会社西新宿不動産",
        "payee_account_holder": "カ）ニシシンジュクフドウサン",
        "explained_stop_conditions": True,
        "explained_extension": True,
        "explained_extension_requirements": True,
    }
    data.pop("municipality_code")
    r = post(centre, APPS, data | {"explained_extension": False})
    assert r.status_code == 422
    assert "explained_extension" in r.json()["errors"]
    r = post(centre, APPS, data)
    assert r.status_code == 201, r.content
    app_id = r.json()["id"]
    assert r.json()["state"] == "applied"

    # Payment before the decision: refused.
    r = post(officer, f"{APPS}/{app_id}/payments", {"month": "2025-04-01", "paid_on": "2025-04-25"})
    assert r.status_code == 422
    # The centre cannot decide.
    r = post(centre, f"{APPS}/{app_id}/decision", {"outcome": "award", "decided_on": "2025-04-20"})
    assert r.status_code == 403
    r = post(officer, f"{APPS}/{app_id}/decision", {"outcome": "award", "decided_on": "2025-04-20"})
    assert r.status_code == 201, r.content
    assert r.json()["monthly_amount"] == 53_700
    assert r.json()["rule_effective_from"] == "2023-04-01"

    r = post(
        officer, f"{APPS}/{app_id}/payments", {"month": "2025-04-01", "paid_on": "2025-04-25", "amount": 12.5}
    )
    assert r.status_code == 422 and "amount" in r.json()["errors"]
    r = post(officer, f"{APPS}/{app_id}/payments", {"month": "2025-04-01", "paid_on": "2025-04-25"})
    assert r.status_code == 201, r.content
    assert r.json()["payee_name"] == "株式会社西新宿不動産"

    r = post(
        centre,
        f"{APPS}/{app_id}/job-search-reports",
        {
            "month": "2025-04-01",
            "centre_consultations": 4,
            "counselling": 2,
            "applications": 4,
            "reported_on": "2025-04-30",
        },
    )
    assert r.status_code == 201 and r.json()["met"] is True

    r = centre.get(f"{APPS}/{app_id}")
    assert r.status_code == 200
    out = r.json()
    assert out["state"] == "awarded" and out["period_end"] == "2025-06-30"
    assert len(out["payments"]) == 1 and len(out["job_search_reports"]) == 1

    # Another municipality's officer sees nothing.
    assert login("hasuda-jichitai").get(f"{APPS}/{app_id}").status_code == 404
    with CaptureQueriesContext(connection) as ctx:
        listing = officer.get(APPS).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == app_id
    assert len(listing["items"][0]["payments"]) == 1
    assert len(ctx.captured_queries) <= 15  # no query per application

    r = post(
        officer,
        f"{APPS}/{app_id}/stop",
        {"reason": "public_assistance", "effective_month": "2025-05-01", "decided_on": "2025-05-02"},
    )
    assert r.status_code == 200 and r.json()["state"] == "stopped"
    assert HousingBenefitApplication.objects.get(pk=app_id).state == "stopped"
    assert HousingBenefitPayment.objects.count() == 1
