"""クリーミングの防止 (手引き VIII 留意事項): outcomes by how complex the case was at intake.

Chasing headline rates invites supporting only the easy cases. So beside the rates, the cases
received in the period are shown by the number of 相談したいこと ticked on the 申込票 (known for
every case, also those that never reached an assessment): how many reached a plan, how long that
took, how many ended at screening, how many found work or more income. One GROUP BY query.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.db.models import Avg, Count, Exists, OuterRef, Q, Subquery

from tsunagu.cases.models import Case, CaseState, EmploymentOutcome
from tsunagu.core.db import DaysBetween, JSONArrayLength
from tsunagu.meetings.models import Decision

from .indicators import Area, Figures, Period

# (key, label, lowest count, highest count or None)
BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("0", "未記入", 0, 0),
    ("1", "1つ", 1, 1),
    ("2", "2つ", 2, 2),
    ("3", "3つ", 3, 3),
    ("4-5", "4〜5", 4, 5),
    ("6+", "6つ以上", 6, None),
)
POSITIVE_CLOSURES = ("goal_achieved", "employment_income")


@dataclass
class BandRow:
    key: str
    label: str
    cases: int
    planned: int
    avg_days_to_plan: Decimal | None
    ended_at_screening: int
    employed_or_increased: int
    closed_positive: int

    @property
    def plan_rate(self) -> Decimal | None:
        return rate(self.planned, self.cases)

    @property
    def outcome_rate(self) -> Decimal | None:
        return rate(self.employed_or_increased, self.cases)

    @property
    def screening_rate(self) -> Decimal | None:
        return rate(self.ended_at_screening, self.cases)


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage to one decimal, or None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _band_expression() -> Any:
    whens = []
    for key, _label, low, high in BANDS:
        cond = Q(_n__gte=low) if high is None else Q(_n__gte=low, _n__lte=high)
        whens.append(models.When(cond, then=models.Value(key)))
    return models.Case(*whens, default=models.Value("0"), output_field=models.CharField())


def complexity_cases(area: Area, period: Period) -> models.QuerySet[Case]:
    """Cases received in the period with their band (``_band``): the base of the table and its drill-down."""
    return (
        Case.objects.filter(opened_on__range=(period.start, period.end))
        .filter(area.q())
        .annotate(_n=JSONArrayLength("topics"))
        .annotate(_band=_band_expression())
    )


def complexity_table(area: Area, period: Period) -> list[BandRow]:
    first_decision = (
        Decision.objects.filter(case_id=OuterRef("pk")).order_by("decided_on").values("decided_on")[:1]
    )
    outcome = EmploymentOutcome.objects.filter(case_id=OuterRef("pk"))
    rows = (
        complexity_cases(area, period)
        .annotate(_first=Subquery(first_decision), _outcome=Exists(outcome))
        .annotate(_days=DaysBetween(models.F("_first"), models.F("opened_on")))
        .values("_band")
        .annotate(
            cases=Count("id"),
            planned=Count("id", filter=Q(_first__isnull=False)),
            avg_days=Avg("_days", filter=Q(_first__isnull=False)),
            screened_out=Count("id", filter=Q(state=CaseState.ENDED_AT_SCREENING)),
            outcome=Count("id", filter=Q(_outcome=True)),
            positive=Count("id", filter=Q(closure_reason__in=POSITIVE_CLOSURES)),
        )
        .order_by()
    )
    found: dict[str, dict[str, Any]] = {r["_band"]: dict(r) for r in rows}
    table = []
    for key, label, _low, _high in BANDS:
        r = found.get(key) or {}
        avg = r.get("avg_days")
        table.append(
            BandRow(
                key=key,
                label=label,
                cases=int(r.get("cases") or 0),
                planned=int(r.get("planned") or 0),
                avg_days_to_plan=(
                    Decimal(str(avg)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
                    if avg is not None
                    else None
                ),
                ended_at_screening=int(r.get("screened_out") or 0),
                employed_or_increased=int(r.get("outcome") or 0),
                closed_positive=int(r.get("positive") or 0),
            )
        )
    return table


@dataclass
class Headline:
    name_ja: str
    definition: str
    value: Decimal | None
    numerator: int
    denominator: int


GOAL_ACHIEVEMENT_RATE = "目標の達成率（プラン達成状況）"
IMPROVEMENT_RATE = "自立に向けた改善が見られた者の割合"


@dataclass(frozen=True)
class Rate:
    """A headline rate: the sum of the ``numerator`` indicators ÷ the ``denominator`` indicator."""

    name_ja: str
    definition: str
    numerator: tuple[str, ...]
    denominator: str


# docs/statistics-definitions.md lists these (statistics/docs.py).
RATES: tuple[Rate, ...] = (
    Rate("プラン作成率", "プラン作成件数 ÷ 新規相談受付件数", ("plans_created",), "new_consultations"),
    Rate(
        "就労支援対象者の割合",
        "就労支援対象者数 ÷ プラン作成件数",
        ("employment_support_targets",),
        "plans_created",
    ),
    Rate(
        "就労・増収率",
        "（就労者数＋増収者数、いずれも就労支援対象プラン作成者分）÷ 就労支援対象者数",
        ("employed_target", "income_increased_target"),
        "employment_support_targets",
    ),
    Rate(
        GOAL_ACHIEVEMENT_RATE,
        "プラン達成状況：うち達成 ÷ 評価した目標（評価シートの目標ごとの達成状況）",
        ("goals_achieved",),
        "goals_evaluated",
    ),
    Rate(
        IMPROVEMENT_RATE,
        "自立に向けた改善が見られた者 ÷ 評価を行った者（行政事業レビューの成果指標）",
        ("improved_persons",),
        "evaluated_persons",
    ),
)


def headline_rates(figures: Figures) -> list[Headline]:
    """The rates a centre is judged by (the 支援状況調査's 就労・増収率 and プラン作成率, and the
    評価シート's 達成率 and 改善の割合; docs/statistics.md), from figures already computed."""
    f = figures.by_code()

    def v(code: str) -> int:
        return f[code].value if code in f else 0

    out = []
    for r in RATES:
        numerator = sum(v(c) for c in r.numerator)
        out.append(
            Headline(r.name_ja, r.definition, rate(numerator, v(r.denominator)), numerator, v(r.denominator))
        )
    return out


@dataclass
class PlanAchievement:
    """「プラン達成状況」 (手引き 図表Ⅷ-2 ③成果評価) and the improvement rate, from figures already
    computed by the engine (indicators ``goals_*``, ``evaluated_persons``, ``improved_persons``)."""

    evaluated: int
    achieved: int
    partly: int
    not_achieved: int
    evaluated_persons: int
    improved_persons: int

    @property
    def achieved_rate(self) -> Decimal | None:
        return rate(self.achieved, self.evaluated)

    @property
    def improvement_rate(self) -> Decimal | None:
        return rate(self.improved_persons, self.evaluated_persons)


def plan_achievement(figures: Figures) -> PlanAchievement:
    f = figures.by_code()

    def v(code: str) -> int:
        return f[code].value if code in f else 0

    return PlanAchievement(
        evaluated=v("goals_evaluated"),
        achieved=v("goals_achieved"),
        partly=v("goals_partly_achieved"),
        not_achieved=v("goals_not_achieved"),
        evaluated_persons=v("evaluated_persons"),
        improved_persons=v("improved_persons"),
    )
