"""Plan-vs-actual against the statistics engine and against hand counts of the hand-built data set.

The data are the statistics app's hand-built story (tsunagu/statistics/tests/handbuilt.py); the
expected monthly numbers below are counted by hand from its docstring, not by the code under test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tsunagu.meetings.models import Meeting, MeetingKind
from tsunagu.organizations.roles import Role
from tsunagu.planning import evaluation
from tsunagu.planning.targets import DATE_FIELDS
from tsunagu.statistics.indicators import DISTRIBUTIONS, INDICATORS, Area, Period, compute
from tsunagu.statistics.tests.handbuilt import World, build

from .helpers import make_plan

pytestmark = pytest.mark.django_db

AFTER_THE_YEAR = date(2026, 6, 1)


@pytest.fixture
def world(demo: Any) -> World:
    return build()


@pytest.fixture
def plan(world: World, staff: Any) -> Any:
    return make_plan(staff("shinjuku-center"), fiscal_year=2025)


def test_every_indicator_is_placed_in_time() -> None:
    """Each indicator's monthly series is one query (no fallback to a count per month)."""
    assert set(DATE_FIELDS) == set(INDICATORS)


def test_as_of_and_months_elapsed() -> None:
    assert evaluation.as_of_for(2025, date(2025, 3, 31)) is None
    assert evaluation.months_elapsed(2025, None) == 0
    assert evaluation.as_of_for(2025, date(2025, 10, 15)) == date(2025, 10, 15)
    assert evaluation.months_elapsed(2025, date(2025, 10, 15)) == 7  # 4月〜10月
    assert evaluation.as_of_for(2025, date(2026, 5, 1)) == date(2026, 3, 31)
    assert evaluation.months_elapsed(2025, date(2026, 3, 31)) == 12
    assert evaluation.pro_rata(12, 7) == Decimal("7.0")
    assert evaluation.pro_rata(5, 7) == Decimal("2.9")
    assert evaluation.achievement(3, 12) == Decimal("25.0")
    assert evaluation.achievement(3, 0) is None


def test_actuals_are_the_engines_figures(plan: Any, world: World) -> None:
    ev = evaluation.build(plan, today=AFTER_THE_YEAR)
    engine = compute(Area.agency(world.agency_s), Period.fiscal_year(2025)).by_code()
    assert {r.code: r.actual for r in ev.targets} == {code: f.value for code, f in engine.items()}
    rows = {r.code: r for r in ev.targeted}
    assert list(rows) == ["new_consultations", "plans_created", "employed"]
    # Hand counts (handbuilt.py): 受付 C2, C3, C4; first plans C1, C2, C4; employed C1, C4.
    assert (rows["new_consultations"].target, rows["new_consultations"].actual) == (12, 3)
    assert rows["new_consultations"].achievement == Decimal("25.0")
    assert rows["new_consultations"].pro_rata_target == Decimal("12.0")
    assert (rows["plans_created"].actual, rows["plans_created"].achievement) == (3, Decimal("50.0"))
    assert rows["plans_created"].rate_target == Decimal("50.0")
    assert rows["plans_created"].actual_rate == Decimal("100.0")  # 3 plans ÷ 3 new consultations
    assert rows["plans_created"].base_name == INDICATORS["new_consultations"].name_ja
    assert (rows["employed"].actual, rows["employed"].achievement) == (2, Decimal("50.0"))
    assert ev.untargeted and all(r.target is None for r in ev.untargeted)
    rate = ev.employment_income_rate
    assert rate is not None and ev.employment_income_rate_target == Decimal("75.0")
    # (employed_target 2 + income_increased_target 1) ÷ employment_support_targets 3
    assert (rate.numerator, rate.denominator, rate.value) == (3, 3, Decimal("100.0"))
    closures = DISTRIBUTIONS["closure_reasons"].counts(Area.agency(world.agency_s), Period.fiscal_year(2025))
    assert ev.closures == closures and ev.closures_total == sum(n for _k, _l, n in closures)
    assert sum(b.cases for b in ev.complexity) == 3


def test_monthly_cumulative_by_hand(plan: Any) -> None:
    ev = evaluation.build(plan, today=AFTER_THE_YEAR)
    series = {s.code: s for s in ev.monthly}
    assert [p.label for p in series["plans_created"].points][:2] == ["4月", "5月"]
    # plans: C1 4/10, C2 4/30, C4 9/20
    assert [p.cumulative for p in series["plans_created"].points] == [2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3]
    # employed: C1 5/20, C4 9/25 (and again 10/5: the same case counts once)
    assert [p.cumulative for p in series["employed"].points] == [0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2]
    # 受付: C2 4/1, C3 4/15, C4 9/1
    assert [p.cumulative for p in series["new_consultations"].points] == [2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3]
    assert [p.pro_rata_target for p in series["new_consultations"].points][:3] == [
        Decimal("1.0"),
        Decimal("2.0"),
        Decimal("3.0"),
    ]


def test_monthly_series_stops_at_today(plan: Any) -> None:
    ev = evaluation.build(plan, today=date(2025, 9, 30))
    points = {s.code: s for s in ev.monthly}["plans_created"].points
    assert [p.cumulative for p in points] == [2, 2, 2, 2, 2, 3, None, None, None, None, None, None]
    assert ev.months == 6
    row = {r.code: r for r in ev.targeted}["plans_created"]
    assert row.pro_rata_target == Decimal("3.0") and row.pace == Decimal("100.0")


@pytest.mark.parametrize("code", sorted(INDICATORS))
def test_cumulative_counts_equal_the_engine_per_period(world: World, code: str) -> None:
    """The one-query monthly series counts exactly what the engine counts for 1 April → month end."""
    for area in (Area.agency(world.agency_s), Area.agency(world.agency_h)):
        got = evaluation.cumulative_counts(area, 2025, code, 12)
        full = Period.fiscal_year(2025)
        expected = [
            INDICATORS[code].count(area, Period(full.start, evaluation.month_end(s), full.label, i + 1))
            for i, s in enumerate(evaluation.month_starts(2025))
        ]
        assert got == expected, code


def test_structure_counts_what_exists(plan: Any, world: World, staff: Any) -> None:
    shunin = staff("shinjuku-shunin")
    for held_on, kind in (
        (date(2025, 5, 1), MeetingKind.COORDINATION),
        (date(2025, 6, 1), MeetingKind.COORDINATION),
    ):
        Meeting.objects.create(
            agency=world.agency_s, municipality=world.shinjuku, kind=kind, held_on=held_on, created_by=shunin
        )
    Meeting.objects.create(  # the year before: not counted
        agency=world.agency_s,
        municipality=world.shinjuku,
        kind=MeetingKind.COORDINATION,
        held_on=date(2025, 3, 31),
        created_by=shunin,
    )
    ev = evaluation.build(plan, today=AFTER_THE_YEAR)
    s = ev.structure
    roles = dict(s.staff_by_role)
    # The demo agency has one member of staff per role; the 自治体担当者 belongs to the municipality.
    assert roles[Role.CONSULTANT.label] == 1 and roles[Role.CENTER_DIRECTOR.label] == 1
    assert Role.MUNICIPAL_OFFICER.label not in roles
    assert s.staff_total == 8
    assert s.partners_total == 6  # the demo's 新宿区 partner agencies
    assert s.coordination_meetings == 2 and s.council_meetings == 0
    assert s.privacy_notice is not None and s.privacy_notice.agency_id == world.agency_s.pk
    assert s.operation_type == "委託"


def test_process_rows(plan: Any) -> None:
    ev = evaluation.build(plan, today=AFTER_THE_YEAR)
    rows = {r.label: r.value for r in ev.process}
    assert rows["アセスメントの実施（版の数）"] == 2  # C1 4/5, C2 4/10
    assert rows[INDICATORS["plans_created"].name_ja] == 3
    assert rows[INDICATORS["replans"].name_ja] == 1  # C2 v2
    assert rows[INDICATORS["referrals"].name_ja] == 0  # C1's was cancelled


def test_plan_for_a_year_not_begun_shows_no_months(staff: Any, world: World) -> None:
    plan = make_plan(staff("shinjuku-center"), fiscal_year=2027)
    ev = evaluation.build(plan, today=date(2026, 11, 1))
    assert ev.as_of is None and ev.months == 0
    assert all(p.cumulative is None for s in ev.monthly for p in s.points)
    assert ev.structure.coordination_meetings == 0 and ev.structure.privacy_notice is None
