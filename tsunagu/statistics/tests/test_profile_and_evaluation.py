"""The 評価シート indicators (プラン達成状況, 自立に向けた改善が見られた者) and the profile of the new
consultations (仕事・住居・年齢・世帯 at intake), against hand counts of rows built here.

Everything is placed in 新宿区's 2018年度 (平成30年度), which no other data set of the tests uses;
the expected numbers are written out by hand beside each row.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from tsunagu.cases.models import Case, Evaluation, GoalResult, Intake, PlanGoal, SupportPlan
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.masters import services as masters
from tsunagu.persons.models import HouseholdMember, Person
from tsunagu.statistics.exports import SUPPRESSION_NOTE, suppress
from tsunagu.statistics.indicators import DISTRIBUTIONS, INDICATORS, Area, Period, compute

from .handbuilt import Builder

FY = 2018
PERIOD = Period.fiscal_year(FY)
MAY = Period.month(2018, 5)
JUNE = Period.month(2018, 6)


class Story:
    def __init__(self, staff: Any) -> None:
        self.b = Builder()
        self.b.seq = 700
        self.admin = staff("shinjuku-center")
        self.area = Area.municipality(self.b.shinjuku)
        self.cases: dict[str, Case] = {}

    def person(self, name: str, birth: date | None = None) -> Person:
        return Person.objects.create(
            agency=self.b.agency_s,
            municipality=self.b.shinjuku,
            name=name,
            kana="テスト",
            birth_date=birth,
            created_by=self.b.worker_s,
        )

    def own_code(self, list_key: str, label: str, counted_as: str) -> str:
        item = masters.code_add(
            actor=self.admin,
            municipality=self.b.shinjuku,
            list_key=list_key,
            label=label,
            counted_as=counted_as,
        )
        return str(item.code)

    def evaluate(
        self, case: Case, on: date, *, changes: list[str], results: list[str], plan_on: date | None = None
    ) -> Evaluation:
        plan = SupportPlan.objects.filter(case=case).order_by("-number").first()
        if plan is None:
            plan = self.b.plan(case, plan_on or case.opened_on)
        evaluation = Evaluation.objects.create(
            case=case,
            agency=case.agency,
            municipality=case.municipality,
            author=self.b.worker_s,
            plan=plan,
            evaluated_on=on,
            changes=changes,
            direction="replan",
        )
        for i, achievement in enumerate(results):
            goal = PlanGoal.objects.create(
                plan=plan, issue="課題", goal=f"目標{on}{i}", support="支援", provider_kind="resource"
            )
            GoalResult.objects.create(evaluation=evaluation, goal=goal, achievement=achievement)
        return evaluation


@pytest.fixture
def story(demo: Any, staff: Any) -> Story:
    return Story(staff)


def ids(qs: Any) -> set[int]:
    return set(Case.objects.filter(pk__in=qs).values_list("id", flat=True))


# --- 評価シート ------------------------------------------------------------------------------------


@pytest.fixture
def evaluations(story: Story) -> Story:
    s = story
    muni = s.b.shinjuku
    own_housing = s.own_code("change_item", "住まいを見つけた（区独自）", "housing_secured")
    own_other = s.own_code("change_item", "区独自のその他", "other")
    for key in "ABCDEF":
        s.cases[key] = s.b.case(s.person(f"評価{key}"), muni, date(2018, 4, 2))
    # A: one goal 達成, changes 「その他」 only → improved by the goal. A second 評価 in the 年度
    # with a goal 未達成: A's goals count 2, A counts once among the persons.
    s.evaluate(s.cases["A"], date(2018, 5, 10), changes=["other"], results=["achieved"])
    s.evaluate(s.cases["A"], date(2018, 8, 1), changes=[], results=["not_achieved"])
    # B: 未達成, 「その他」 only → evaluated, not improved.
    s.evaluate(s.cases["B"], date(2018, 6, 1), changes=["other"], results=["not_achieved"])
    # C: 未達成 but 目標ができた → improved.
    s.evaluate(s.cases["C"], date(2018, 6, 15), changes=["has_goal"], results=["not_achieved"])
    # D: 一部達成, no change ticked → improved.
    s.evaluate(s.cases["D"], date(2018, 7, 1), changes=[], results=["partly"])
    # E: no goal result; an own item counted as 住まいの確保・安定化 → improved.
    s.evaluate(s.cases["E"], date(2018, 7, 2), changes=[own_housing], results=[])
    # F: an own item counted as 「その他」 only → evaluated, not improved.
    s.evaluate(s.cases["F"], date(2018, 7, 3), changes=[own_other], results=[])
    # B again after the 年度 (2019-04-01), 達成: not in 2018年度.
    s.evaluate(s.cases["B"], date(2019, 4, 1), changes=["motivation"], results=["achieved"])
    return s


EVALUATION_CODES = [
    "goals_evaluated",
    "goals_achieved",
    "goals_partly_achieved",
    "goals_not_achieved",
    "evaluated_persons",
    "improved_persons",
]


def test_plan_achievement_and_improvement_counts(evaluations: Story) -> None:
    s = evaluations
    got = {f.code: f.value for f in compute(s.area, PERIOD, codes=EVALUATION_CODES).figures}
    assert got == {
        "goals_evaluated": 5,  # A×2, B, C, D
        "goals_achieved": 1,  # A (5/10)
        "goals_partly_achieved": 1,  # D
        "goals_not_achieved": 3,  # A (8/1), B, C
        "evaluated_persons": 6,  # A–F
        "improved_persons": 4,  # A (goal), C (目標ができた), D (一部達成), E (own item → 住まい)
    }
    c = s.cases
    assert ids(INDICATORS["improved_persons"].case_ids(s.area, PERIOD)) == {
        c["A"].pk,
        c["C"].pk,
        c["D"].pk,
        c["E"].pk,
    }
    assert ids(INDICATORS["evaluated_persons"].case_ids(s.area, PERIOD)) == {c[k].pk for k in "ABCDEF"}
    # In 2019年度 only B's second 評価: 1 goal, 達成, improved.
    nxt = {f.code: f.value for f in compute(s.area, Period.fiscal_year(2019), codes=EVALUATION_CODES).figures}
    assert nxt == {
        "goals_evaluated": 1,
        "goals_achieved": 1,
        "goals_partly_achieved": 0,
        "goals_not_achieved": 0,
        "evaluated_persons": 1,
        "improved_persons": 1,
    }
    # By month: June has B and C (both 未達成), C improved.
    june = {f.code: f.value for f in compute(s.area, JUNE, codes=EVALUATION_CODES).figures}
    assert june["goals_not_achieved"] == 2 and june["improved_persons"] == 1


def test_the_rates_are_the_engine_headlines(evaluations: Story) -> None:
    from decimal import Decimal

    from tsunagu.statistics.creaming import (
        GOAL_ACHIEVEMENT_RATE,
        IMPROVEMENT_RATE,
        headline_rates,
        plan_achievement,
    )

    figures = compute(evaluations.area, PERIOD)
    rates = {h.name_ja: h for h in headline_rates(figures)}
    assert (rates[GOAL_ACHIEVEMENT_RATE].numerator, rates[GOAL_ACHIEVEMENT_RATE].denominator) == (1, 5)
    assert rates[GOAL_ACHIEVEMENT_RATE].value == Decimal("20.0")
    assert (rates[IMPROVEMENT_RATE].numerator, rates[IMPROVEMENT_RATE].denominator) == (4, 6)
    assert rates[IMPROVEMENT_RATE].value == Decimal("66.7")
    a = plan_achievement(figures)
    assert (a.evaluated, a.achieved, a.partly, a.not_achieved) == (5, 1, 1, 3)
    assert a.improvement_rate == Decimal("66.7")


def test_goal_drilldown_lists_the_cases_of_the_goal_results(evaluations: Story, login: Any) -> None:
    c = evaluations.cases
    client = login("shinjuku-center")
    r = client.get(
        "/statistics/cases/", {"area": "m:131041", "period": "FY2018", "code": "goals_not_achieved"}
    )
    assert r.status_code == 200
    shown = {case.pk for case in r.context["cases"]}
    assert shown == {c["A"].pk, c["B"].pk, c["C"].pk}
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, details__indicator="goals_not_achieved"
    ).count() == len(shown)


def test_monthly_screen_lists_the_evaluation_section_and_rates(evaluations: Story, login: Any) -> None:
    r = login("shinjuku-center").get("/statistics/", {"area": "m:131041", "period": "FY2018"})
    html = r.content.decode()
    assert "プランの評価（評価シート）" in html
    assert "自立に向けた改善が見られた者の割合" in html
    assert "66.7%" in html
    assert "code=improved_persons" in html


def test_plan_evaluation_shows_plan_achievement(evaluations: Story, staff: Any, login: Any) -> None:
    from tsunagu.planning import evaluation as plan_eval
    from tsunagu.planning import services

    plan = services.annual_plan_create(
        actor=staff("shinjuku-center"),
        agency=evaluations.b.agency_s,
        fiscal_year=FY,
        values={"structure_items": "", "support_items": "", "community_items": "", "notes": ""},
        targets=[{"indicator": "improved_persons", "annual_count": 10, "rate_percent": "70"}],
    )
    ev = plan_eval.build(plan, today=date(2019, 5, 1))
    assert ev.achievement is not None
    assert (ev.achievement.evaluated, ev.achievement.achieved, ev.achievement.improved_persons) == (5, 1, 4)
    rows = {h.name_ja: target for h, target in ev.headline_rows}
    assert str(rows["自立に向けた改善が見られた者の割合"]) == "70.0"
    row = next(r for r in ev.targets if r.code == "improved_persons")
    assert row.target == 10 and row.actual == 4 and str(row.actual_rate) == "66.7"
    page = login("shinjuku-center").get(f"/planning/{plan.pk}/evaluation/").content.decode()
    section = page[page.index("③成果評価（事業の結果）") :]
    assert "プラン達成状況（評価日が平成30年度（2018年度）の評価シート）" in section
    assert "66.7%" in section and "20.0%" in section and "70.0%" in section
    # The monthly cumulative series of the targeted indicator uses the same rows: May A, June C,
    # July D and E; A's second 評価 (August) adds no one.
    series = ev.monthly[0]
    assert [p.cumulative for p in series.points][:5] == [0, 1, 2, 4, 4]


# --- 新規相談者の状況 --------------------------------------------------------------------------------


@pytest.fixture
def profile(story: Story) -> Story:
    """Seven new consultations in 2018年度 (six in May, one in June) and one in March 2018 (FY2017)."""
    s = story
    muni = s.b.shinjuku
    own_work = s.own_code("work_status", "求職中（区独自）", "unemployed")
    own_house = s.own_code("housing_type", "ネットカフェ（区独自）", "homeless")
    rows = [
        # key, birth, opened, work, housing, household
        ("P1", date(1998, 5, 10), date(2018, 5, 10), "unemployed", "rented", None),  # 20 → 20代; 不明
        ("P2", date(1998, 5, 11), date(2018, 5, 10), own_work, own_house, [True, False]),  # 19; 2人
        ("P3", date(1948, 5, 10), date(2018, 5, 10), "pension_life", "owned", []),  # 70; 単身 (saved)
        (
            "P4",
            date(1958, 5, 11),
            date(2018, 5, 10),
            "unemployed",
            "homeless",
            [True, True, True],
        ),  # 59; 4人以上
        ("P5", None, date(2018, 5, 20), "", "rented", [False]),  # 不明; 単身
        ("P6", date(2000, 2, 29), date(2018, 5, 31), "unemployed", "rented", [True, True]),  # 18; 3人
        ("P7", date(1980, 6, 1), date(2018, 6, 30), own_work, "rented", None),  # 38 → 30代 (June)
        ("P8", date(1980, 6, 1), date(2018, 3, 31), "unemployed", "rented", None),  # FY2017: never counted
    ]
    for key, birth, opened, work, housing, household in rows:
        person = s.person(key, birth)
        case = s.b.case(person, muni, opened)
        Intake.objects.filter(case=case).update(work_status=work, housing_type=housing)
        if household is not None:
            for i, together in enumerate(household):
                HouseholdMember.objects.create(
                    person=person, name=f"{key}の家族{i}", relationship="家族", lives_together=together
                )
            Person.objects.filter(pk=person.pk).update(household_version=2)
        s.cases[key] = case
    # 抱える課題: P1 assessed in May and June (one case; one in each month, once in the 年度).
    s.b.assessment(s.cases["P1"], date(2018, 5, 15), ["debt"])
    s.b.assessment(s.cases["P1"], date(2018, 6, 15), ["debt", "unstable_housing"])
    return s


def counts(s: Story, code: str, period: Period) -> dict[str, int]:
    return {k: n for k, _label, n in DISTRIBUTIONS[code].counts(s.area, period) if n}


def test_profile_distributions_by_month(profile: Story) -> None:
    s = profile
    assert counts(s, "intake_work_status", MAY) == {
        "unemployed": 4,  # P1, P2 (own code → 失業・休職中), P4, P6
        "pension_life": 1,  # P3
        "": 1,  # P5 未記入
    }
    assert counts(s, "intake_housing_type", MAY) == {"rented": 3, "homeless": 2, "owned": 1}
    assert counts(s, "intake_age_band", MAY) == {
        "under_20": 2,  # P2 (the day before his 20th birthday), P6 (born on 29 Feb)
        "20s": 1,  # P1 (his 20th birthday)
        "50s": 1,  # P4 (the day before 60)
        "70_plus": 1,  # P3
        "unknown": 1,  # P5
    }
    assert counts(s, "intake_household_type", MAY) == {
        "unknown": 1,  # P1: nothing recorded, never saved
        "two": 1,  # P2: one member together, one apart
        "single": 2,  # P3 (saved with no member), P5 (only a member apart)
        "four_plus": 1,  # P4
        "three": 1,  # P6
    }
    assert counts(s, "intake_age_band", JUNE) == {"30s": 1}
    assert counts(s, "intake_work_status", JUNE) == {"unemployed": 1}  # P7's own code
    # The own code has no category of its own, and its drill-down finds the case under the standard one.
    c = s.cases
    assert ids(DISTRIBUTIONS["intake_work_status"].case_ids(s.area, MAY, "unemployed")) == {
        c["P1"].pk,
        c["P2"].pk,
        c["P4"].pk,
        c["P6"].pk,
    }
    assert ids(DISTRIBUTIONS["intake_household_type"].case_ids(s.area, MAY, "single")) == {
        c["P3"].pk,
        c["P5"].pk,
    }
    assert ids(DISTRIBUTIONS["intake_age_band"].case_ids(s.area, MAY, "under_20")) == {c["P2"].pk, c["P6"].pk}


def test_profile_monthly_table_of_a_fiscal_year(profile: Story) -> None:
    s = profile
    rows = {r.key: r for r in DISTRIBUTIONS["intake_work_status"].monthly_counts(s.area, FY)}
    assert rows["unemployed"].months == [0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]  # April … March
    assert rows["unemployed"].total == 5  # P8 (March 2018) is in 2017年度
    assert rows["pension_life"].total == 1 and rows["regular"].total == 0
    issues = {r.key: r for r in DISTRIBUTIONS["assessment_issues"].monthly_counts(s.area, FY)}
    assert issues["debt"].months[1:3] == [1, 1]
    assert issues["debt"].total == 1  # one case in the 年度, though in two months
    assert issues["unstable_housing"].months[2] == 1
    # Each month equals the month's own count (the same rows).
    for i, month in enumerate([Period.month(2018, 5), Period.month(2018, 6)], start=1):
        by_month = counts(s, "intake_age_band", month)
        table = {r.key: r.months[i] for r in DISTRIBUTIONS["intake_age_band"].monthly_counts(s.area, FY)}
        assert {k: n for k, n in table.items() if n} == by_month


def test_profile_screen_and_drilldown_of_a_month_cell(profile: Story, login: Any) -> None:
    client = login("shinjuku-center")
    r = client.get("/statistics/profile/", {"area": "m:131041", "period": "FY2018"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "新規相談者の仕事（受付時）（月別）" in html
    assert "period=2018-05&amp;code=intake_work_status&amp;group=unemployed" in html
    r = client.get(
        "/statistics/cases/",
        {"area": "m:131041", "period": "2018-05", "code": "intake_household_type", "group": "single"},
    )
    assert {c.pk for c in r.context["cases"]} == {profile.cases["P3"].pk, profile.cases["P5"].pk}
    r = client.get("/statistics/profile/", {"area": "m:131041", "period": "2018-05"})
    assert '<th scope="row">4人以上</th>' in r.content.decode()


def test_profile_screen_query_count_is_fixed(
    profile: Story, login: Any, django_assert_max_num_queries: Any
) -> None:
    """The 年度 screen: the session and the user's areas, one read of the 区分マスタ, one COUNT for
    the new consultations and one query per distribution (twelve months in each) — 19, whatever
    the amount of data."""
    client = login("shinjuku-center")
    client.get("/statistics/profile/", {"area": "m:131041", "period": "FY2018"})  # warm the session
    with django_assert_max_num_queries(19) as before:
        client.get("/statistics/profile/", {"area": "m:131041", "period": "FY2018"})
    for i in range(6):
        case = profile.b.case(
            profile.person(f"追加{i}", date(1990, 1, 1)), profile.b.shinjuku, date(2018, 7, 1)
        )
        profile.b.assessment(case, date(2018, 7, 2), ["debt"])
    with django_assert_max_num_queries(19) as after:
        r = client.get("/statistics/profile/", {"area": "m:131041", "period": "FY2018"})
    assert r.status_code == 200
    assert len(after) == len(before)


def test_suppress_rule() -> None:
    assert [suppress(v) for v in (0, 1, 4, 5, 12, "1人")] == [0, "*", "*", 5, 12, "1人"]


def _csv(client: Any, period: str) -> list[list[str]]:
    r = client.get("/statistics/profile.csv", {"area": "m:131041", "period": period})
    assert r.status_code == 200
    body = r.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_profile_csv_suppresses_one_to_four(profile: Story, login: Any) -> None:
    # One more new consultation 失業・休職中 in May: 5, shown.
    p = profile
    extra = p.b.case(p.person("P9", date(1990, 1, 1)), p.b.shinjuku, date(2018, 5, 2))
    Intake.objects.filter(case=extra).update(work_status="unemployed")
    client = login("shinjuku-center")
    rows = _csv(client, "2018-05")
    assert [SUPPRESSION_NOTE] in rows
    by_label = {r[0]: r[1:] for r in rows if r and len(r) == 2}
    assert by_label["失業・休職中"] == ["5"]
    assert by_label["年金生活"] == ["*"]  # 1
    assert by_label["正社員・公務員"] == ["0"]  # 0 stays 0
    assert by_label["新規相談受付件数"] == ["7"]
    assert by_label["4人以上"] == ["*"]
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, object_type="statistics_profile").exists()
    # The 年度 file: months as columns, every 1–4 suppressed, the 年度計 too.
    rows = _csv(client, "FY2018")
    header = next(r for r in rows if r and r[0] == "区分")
    assert header[1:] == [f"{m}月" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)] + ["年度計"]
    unemployed = next(r for r in rows if r and r[0] == "失業・休職中")
    assert unemployed[1:] == ["0", "5", "*", "0", "0", "0", "0", "0", "0", "0", "0", "0", "6"]
    cells = [c for r in rows for c in r[1:]]
    assert not any(c in {"1", "2", "3", "4"} for c in cells)


def test_profile_xlsx_suppresses_one_to_four(profile: Story, login: Any) -> None:
    client = login("shinjuku-center")
    r = client.get("/statistics/profile.xlsx", {"area": "m:131041", "period": "2018-05"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    assert [SUPPRESSION_NOTE] == [v for v in values[1] if v is not None]
    by_label = {
        row[0]: row[1] for row in values if row and row[0] and len([v for v in row if v is not None]) == 2
    }
    assert by_label["失業・休職中"] == "*"  # 4
    assert by_label["年金生活"] == "*"
    assert by_label["正社員・公務員"] == 0
    assert by_label["新規相談受付件数"] == 6
    numbers = [v for row in values for v in row if isinstance(v, int)]
    assert not any(1 <= v <= 4 for v in numbers)


def test_profile_needs_an_area_of_the_user(profile: Story, login: Any) -> None:
    r = login("hasuda-center").get("/statistics/profile.csv", {"area": "m:131041", "period": "FY2018"})
    assert r.status_code == 404


def test_api_carries_the_evaluation_indicators_unsuppressed(evaluations: Story, login: Any) -> None:
    """The API is JSON for users with the area in scope: real numbers, also 1–4."""
    r = login("shinjuku-center").get(
        "/api/v1/statistics/fiscal-year", {"municipality": "131041", "fiscal_year": "2018"}
    )
    assert r.status_code == 200
    got = {i["code"]: i["value"] for i in r.json()["indicators"]}
    assert got["improved_persons"] == 4 and got["evaluated_persons"] == 6 and got["goals_achieved"] == 1
