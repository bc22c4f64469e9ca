"""Every indicator against an independent hand count of the hand-built data set (handbuilt.py).

The expected numbers are written out by hand from the story in handbuilt.py's docstring; they
are not computed by the code under test.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tsunagu.organizations.models import Prefecture
from tsunagu.statistics.creaming import complexity_table, headline_rates
from tsunagu.statistics.indicators import (
    DISTRIBUTIONS,
    INDICATORS,
    Area,
    Period,
    compute,
)

from .handbuilt import World, build


@pytest.fixture
def world(demo: Any) -> World:
    return build()


def values(area: Area, period: Period) -> dict[str, int]:
    return {f.code: f.value for f in compute(area, period).figures}


ZERO = dict.fromkeys(INDICATORS, 0)


def expect(**nonzero: int) -> dict[str, int]:
    return ZERO | nonzero


def test_march_2025_shinjuku_counts_only_c1_intake(world: World) -> None:
    got = values(Area.municipality(world.shinjuku), Period.month(2025, 3))
    assert got == expect(new_consultations=1)


def test_april_2025_shinjuku(world: World) -> None:
    got = values(Area.municipality(world.shinjuku), Period.month(2025, 4))
    assert got == expect(
        new_consultations=2,  # C2 (4/1), C3 (4/15); C1 was received on 3/31, the previous 年度
        plans_created=2,  # C1 (4/10), C2 (4/30)
        employment_support_targets=1,  # C1
        use_housing_benefit=1,  # C1 awarded 4/20, plan decided 4/10
        use_temporary_living=1,  # C1 shelter 4/12
        use_household_budget=1,  # C2's decision includes 家計改善支援
        use_center_employment_support=1,  # C1: target + staff goal
        hb_applications=1,
        hb_awards=1,
        # C1's referral (4/20) was cancelled: no referral counted
    )


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2025, 5, {"use_employment_preparation": 1, "employed": 1, "employed_target": 1}),
        (2025, 6, {"use_welfare_loan": 1, "closures": 1}),  # C2's loan; C3 has no plan; C1 closed 6/30
        (2025, 7, {"replans": 1, "employment_support_targets": 1, "hb_extensions": 1}),  # C2 v2 is a target
        (2025, 8, {"income_increased": 1, "income_increased_target": 1}),  # C2, target since 7/15
        (
            2025,
            9,
            {
                "new_consultations": 1,  # C4: the same person came back — a new consultation
                "plans_created": 1,
                "employment_support_targets": 1,
                "employed": 1,
                "employed_target": 1,
                "hb_stops": 1,
            },
        ),
        (2025, 10, {"employed": 1, "employed_target": 1}),  # C4's second job
    ],
)
def test_months_across_the_year(world: World, year: int, month: int, expected: dict[str, int]) -> None:
    assert values(Area.municipality(world.shinjuku), Period.month(year, month)) == expect(**expected)


def test_fiscal_year_2025_shinjuku(world: World) -> None:
    got = values(Area.municipality(world.shinjuku), Period.fiscal_year(2025))
    assert got == expect(
        new_consultations=3,  # C2, C3, C4 (C1 is FY2024)
        plans_created=3,  # C1, C2, C4 first plans; C2's v2 is a re-plan
        replans=1,
        employment_support_targets=3,  # C1 (4月), C2 (7月 re-plan), C4 (9月)
        use_housing_benefit=1,
        use_temporary_living=1,
        use_household_budget=1,
        use_employment_preparation=1,
        use_center_employment_support=1,
        use_welfare_loan=1,  # C2 only: C1's was rejected, C3 had no plan
        employed=2,  # C1, C4 (C4 twice, counted once)
        employed_target=2,
        income_increased=1,
        income_increased_target=1,
        hb_applications=1,
        hb_awards=1,
        hb_extensions=1,
        hb_stops=1,
        closures=1,  # C1
    )


def test_fiscal_year_2024_shinjuku_closed_then_followed_up(world: World) -> None:
    got = values(Area.municipality(world.shinjuku), Period.fiscal_year(2024))
    assert got == expect(
        new_consultations=3,  # C6, C7, C1 (3/31)
        plans_created=2,  # C6, C7
        closures=1,  # C6 closed 12/10, now in フォローアップ; C7 was suspended, not closed
    )
    reasons = {
        k: n
        for k, _label, n in DISTRIBUTIONS["closure_reasons"].counts(
            Area.municipality(world.shinjuku), Period.fiscal_year(2024)
        )
        if n
    }
    assert reasons == {"goal_achieved": 1, "suspended": 1}


def test_transfer_between_agencies_counts_where_it_happened(world: World) -> None:
    hasuda = values(Area.municipality(world.hasuda), Period.fiscal_year(2025))
    assert hasuda == expect(
        new_consultations=1,
        plans_created=1,
        hb_applications=1,
        hb_awards=1,
        use_housing_benefit=1,  # awarded 10/10 as 緊急的な支援, before her plan (10/20): counted with it
        use_hw_public_assistance_employment=1,
        referrals=1,
    )
    # 蓮田市's centre has nothing in 新宿区, and 新宿区's nothing in 蓮田市.
    assert values(Area.municipality(world.shinjuku, agency=world.agency_h), Period.fiscal_year(2025)) == ZERO
    assert values(Area.municipality(world.hasuda, agency=world.agency_s), Period.fiscal_year(2025)) == ZERO
    assert values(Area.agency(world.agency_h), Period.fiscal_year(2025)) == hasuda


def test_prefecture_is_the_sum_of_its_municipalities(world: World) -> None:
    saitama = Prefecture.objects.get(pk=world.hasuda.prefecture_id)
    tokyo = Prefecture.objects.get(pk=world.shinjuku.prefecture_id)
    fy = Period.fiscal_year(2025)
    assert values(Area.prefecture(saitama), fy) == values(Area.municipality(world.hasuda), fy)
    assert values(Area.prefecture(tokyo), fy) == values(Area.municipality(world.shinjuku), fy)


def test_per_100k_per_month(world: World) -> None:
    area = Area.municipality(world.shinjuku)
    fy = compute(area, Period.fiscal_year(2025)).by_code()
    pop = world.shinjuku.population
    # 3 new consultations in a year: 3 ÷ 12 ÷ population × 100,000
    hand = (Decimal(3) / 12 / pop * 100_000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert fy["new_consultations"].per_100k == hand
    month = compute(area, Period.month(2025, 4)).by_code()
    assert month["plans_created"].per_100k == (Decimal(2) / pop * 100_000).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    assert fy["employed"].per_100k is None  # the survey prints per-100k only for the first three


def test_guide_values_in_force(world: World) -> None:
    from tsunagu.statistics.models import GuideValue

    area = Area.municipality(world.shinjuku)
    f2016 = compute(area, Period.fiscal_year(2016)).by_code()
    assert f2016["new_consultations"].guide_per_100k == Decimal("22.0")
    # After FY2017 no national value was found: the FY2017 one stays in force, labelled as such.
    f2025 = compute(area, Period.fiscal_year(2025)).by_code()
    assert f2025["plans_created"].guide_per_100k == Decimal("12.0")
    assert "平成29年度" in f2025["plans_created"].guide_label
    GuideValue.objects.create(fiscal_year=2025, indicator_code="plans_created", value_per_100k=Decimal("9.5"))
    assert compute(area, Period.fiscal_year(2025)).by_code()["plans_created"].guide_per_100k == Decimal("9.5")


def test_distributions(world: World) -> None:
    area = Area.municipality(world.shinjuku)
    april = Period.month(2025, 4)

    def nonzero(code: str, period: Period) -> dict[str, int]:
        return {k: n for k, _label, n in DISTRIBUTIONS[code].counts(area, period) if n}

    assert nonzero("intake_routes", april) == {"self": 1, "family": 1}
    assert nonzero("intake_routes", Period.month(2025, 3)) == {"hello_work": 1}
    assert nonzero("assessment_issues", april) == {"economic_hardship": 1, "debt": 2}
    assert nonzero("intake_topics", april) == {
        "health": 2,
        "housing": 1,
        "income": 1,
        "rent_loan": 1,
        "debt": 1,
        "job_search": 1,
    }
    assert nonzero("referral_destinations", Period.fiscal_year(2025)) == {}
    assert {
        k: n
        for k, _l, n in DISTRIBUTIONS["referral_destinations"].counts(
            Area.municipality(world.hasuda), Period.fiscal_year(2025)
        )
        if n
    } == {"program:hw_public_assistance_employment": 1}


def test_drilldown_ids_match_the_counts(world: World) -> None:
    area = Area.municipality(world.shinjuku)
    fy = Period.fiscal_year(2025)
    c = world.cases
    ids = {r["case_id"] for r in INDICATORS["plans_created"].case_ids(area, fy)}
    assert ids == {c["C1"].pk, c["C2"].pk, c["C4"].pk}
    ids = {r["id"] for r in INDICATORS["new_consultations"].case_ids(area, fy)}
    assert ids == {c["C2"].pk, c["C3"].pk, c["C4"].pk}
    ids = {r["case_id"] for r in INDICATORS["employed_target"].case_ids(area, fy)}
    assert ids == {c["C1"].pk, c["C4"].pk}


def test_creaming_guard_by_topics_at_intake(world: World) -> None:
    rows = {r.key: r for r in complexity_table(Area.municipality(world.shinjuku), Period.fiscal_year(2025))}
    # C2: 1 topic, plan 29 days after intake, income up. C4: 2 topics, plan after 19 days, employed.
    # C3: 6 topics, ended at screening.
    assert (rows["1"].cases, rows["1"].planned, rows["1"].avg_days_to_plan) == (1, 1, Decimal("29.0"))
    assert rows["1"].employed_or_increased == 1
    assert (rows["2"].cases, rows["2"].planned, rows["2"].avg_days_to_plan) == (1, 1, Decimal("19.0"))
    assert (rows["6+"].cases, rows["6+"].planned, rows["6+"].ended_at_screening) == (1, 0, 1)
    assert rows["6+"].avg_days_to_plan is None and rows["6+"].screening_rate == Decimal("100.0")
    assert sum(r.cases for r in rows.values()) == 3


def test_headline_rates(world: World) -> None:
    figures = compute(Area.municipality(world.shinjuku), Period.fiscal_year(2025))
    rates = {h.name_ja: h for h in headline_rates(figures)}
    assert rates["プラン作成率"].value == Decimal("100.0")  # 3 / 3
    # (employed_target 2 + income_increased_target 1) / employment_support_targets 3
    assert (rates["就労・増収率"].numerator, rates["就労・増収率"].denominator) == (3, 3)


def test_no_data_is_zero_not_an_error(world: World) -> None:
    assert values(Area.municipality(world.hasuda), Period.fiscal_year(2016)) == ZERO


def test_query_count_does_not_grow_with_data(world: World) -> None:
    area = Area.municipality(world.shinjuku)
    with CaptureQueriesContext(connection) as few:
        compute(area, Period.fiscal_year(2025))
    from .handbuilt import Builder

    b = Builder()
    b.seq = 950
    for i in range(5):
        case = b.case(world.cases["C2"].person, world.shinjuku, Period.month(2025, 5 + i).start, topics=2)
        b.plan(case, Period.month(2025, 6 + i).start, target=True)
    with CaptureQueriesContext(connection) as many:
        got = compute(area, Period.fiscal_year(2025))
    assert len(many) == len(few) == len(INDICATORS) + 2  # + the 目安値 and the 区分マスタ, once each
    assert got.by_code()["plans_created"].value == 8


def test_operator_change_keeps_the_municipality_figures(world: World) -> None:
    """委託先の変更: the municipality's records pass to the next operator through the one hand-over
    service (``handovers.services``). The municipality's figures (what the 支援状況調査 reports) do
    not move, monthly or by 年度; the new operator's own figures now include the history (cases,
    plans, outcomes and referrals all moved), and the old operator's are empty."""
    from django.utils import timezone

    from tsunagu.handovers import services as handovers
    from tsunagu.organizations.models import Agency, OperationType, User

    officer = User.objects.get(username="shinjuku-jichitai")

    fy = Period.fiscal_year(2025)
    month = Period.month(2025, 6)
    before = values(Area.municipality(world.shinjuku), fy)
    before_month = values(Area.municipality(world.shinjuku), month)
    old_before = values(Area.agency(world.agency_s), fy)
    successor = Agency.objects.create(
        name="新宿区くらし相談センター（新受託者）",
        operation_type=OperationType.CONTRACTED,
        operator_name="社会福祉法人 つなぐ会",
        municipality=world.shinjuku,
    )
    handover = handovers.handover_create(
        actor=officer,
        municipality=world.shinjuku,
        from_agency=world.agency_s,
        to_agency=successor,
        handover_date=timezone.localdate(),
        reason="委託契約の期間満了",
    )
    handovers.handover_execute(actor=officer, handover=handover, version=handover.version)
    assert values(Area.municipality(world.shinjuku), fy) == before
    assert values(Area.municipality(world.shinjuku), month) == before_month
    moved = values(Area.agency(successor), fy)
    assert moved == old_before
    assert moved["new_consultations"] == 3 and moved["plans_created"] == 3
    assert values(Area.agency(world.agency_s), fy)["plans_created"] == 0
