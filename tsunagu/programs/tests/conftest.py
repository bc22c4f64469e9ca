"""Fixtures for the 住居確保給付金 tests: the demo data set plus the seeded rule tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest


@pytest.fixture
def hb(demo: dict[str, int]) -> dict[str, int]:
    """Demo data + 新宿区/蓮田市 tables + national 求職活動等要件 (created after the municipalities)."""
    from tsunagu.programs.seed import seed_housing_benefit_demo

    seed_housing_benefit_demo()
    return demo


@pytest.fixture
def shinjuku_case(hb: Any, staff: Callable[[str], Any]) -> Any:
    from tsunagu.cases.models import Case

    return Case.objects.filter(agency=staff("shinjuku-soudan").agency).order_by("id").first()


@pytest.fixture
def hasuda_case(hb: Any, staff: Callable[[str], Any]) -> Any:
    from tsunagu.cases.models import Case

    return Case.objects.filter(agency=staff("hasuda-soudan").agency).order_by("id").first()


def application_values(**overrides: Any) -> dict[str, Any]:
    """A 新宿区 single-person 家賃補助 application that meets every requirement (amount 53,700円)."""
    values: dict[str, Any] = {
        "application_date": date(2025, 4, 10),
        "type": "rent",
        "cause": "job_loss",
        "job_loss_date": date(2025, 2, 28),
        "income_drop_date": None,
        "is_main_earner": True,
        "household_size": 1,
        "household_monthly_income": 60_000,
        "household_financial_assets": 200_000,
        "monthly_rent": 65_000,
        "unable_to_seek_work_days": None,
        "previous_award_last_payment_date": None,
        "reaward_cause": None,
        "receives_overlapping_housing_aid": False,
        "household_member_is_gang_member": False,
        "supported_by_household_budget_program": None,
        "relocation_costs": None,
        "payee_name": "株式会社西新宿不動産",
        "payee_account_holder": "カ）ニシシンジュクフドウサン",
        "explained_stop_conditions": True,
        "explained_extension": True,
        "explained_extension_requirements": True,
    }
    values.update(overrides)
    return values


@pytest.fixture
def make_application(staff: Callable[[str], Any], shinjuku_case: Any) -> Callable[..., Any]:
    from tsunagu.programs.services import housing_application_create

    def make(case: Any = None, actor: str = "shinjuku-soudan", **overrides: Any) -> Any:
        return housing_application_create(
            actor=staff(actor), case=case or shinjuku_case, values=application_values(**overrides)
        )

    return make


@pytest.fixture
def awarded(make_application: Callable[..., Any], staff: Callable[[str], Any]) -> Any:
    """An awarded 新宿区 application, months 2025-04 to 2025-06, 53,700円 a month."""
    from tsunagu.programs.services import housing_decision_record

    app = make_application()
    housing_decision_record(
        actor=staff("shinjuku-jichitai"), application=app, outcome="award", decided_on=date(2025, 4, 20)
    )
    app.refresh_from_db()
    return app


# --- Other programmes and 家計改善支援 (issue #5 points 6–7) ---------------------------------------------


@pytest.fixture
def open_case(demo: Any, staff: Callable[[str], Any]) -> Any:
    """An open 新宿区 case assigned to shinjuku-soudan, with a decided plan applying for every programme."""
    from tsunagu.cases.models import OPEN_STATES, Case, PlanStatus, StatutoryProgram, SupportPlan

    worker = staff("shinjuku-soudan")
    case = (
        Case.objects.filter(agency=worker.agency, state__in=list(OPEN_STATES))
        .select_related("person")
        .first()
    )
    assert case is not None
    Case.objects.filter(pk=case.pk).update(assigned_worker=worker)
    case.refresh_from_db()
    number = (
        SupportPlan.objects.filter(case=case).order_by("-number").values_list("number", flat=True).first()
        or 0
    ) + 1
    plan = SupportPlan.objects.create(
        case=case,
        agency_id=case.agency_id,
        municipality_id=case.municipality_id,
        author=worker,
        number=number,
        status=PlanStatus.DECIDED,
        wishes="働きたい",
        issues="生活リズム",
        long_term_goal="一般就労",
        programs=[p.value for p in StatutoryProgram],
        start_date=date(2025, 4, 1),
        end_date=date(2026, 9, 30),
    )
    case.test_plan = plan  # type: ignore[attr-defined]
    return case


@pytest.fixture
def provider(demo: Any, staff: Callable[[str], Any]) -> Any:
    """A 認定就労訓練事業所 certified by 東京都 from 2024-04-01 to 2027-03-31."""
    from tsunagu.programs.services import certified_provider_add

    return certified_provider_add(
        actor=staff("shinjuku-jichitai"),
        values={
            "name": "社会福祉法人つなぐ会 就労訓練センター",
            "certification_number": "東京都第123号",
            "certifying_authority": "東京都",
            "valid_from": date(2024, 4, 1),
            "valid_to": date(2027, 3, 31),
        },
    )
