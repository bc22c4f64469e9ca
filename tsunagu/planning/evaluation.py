"""Plan-vs-actual (事業評価), arranged as 手引き 図表Ⅷ-2: ①構造評価 ②プロセス評価 ③成果評価.

Every number comes from the database, computed by the database (COUNT / GROUP BY); the indicators
are the statistics engine's (``tsunagu.statistics.indicators``), never re-defined here. The area is
the plan's agency as a whole (``Area.agency``), the period its 年度; "as of" is today inside the 年度
(the pro-rata target is the annual target × elapsed months ÷ 12) and the 年度's last day after it.

Nothing here checks permissions: callers pass a plan already fetched for the user (selectors.py).
The number of queries does not depend on the amount of data: a fixed set for the structure and the
process, one per indicator for the figures, one per targeted indicator for the monthly series.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone

from tsunagu.cases.models import Assessment, Evaluation, SupportRecord
from tsunagu.core.dates import add_months
from tsunagu.meetings.models import Meeting, MeetingKind
from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.organizations.models import OperationType, StaffRole, User
from tsunagu.organizations.roles import Role
from tsunagu.privacy.models import PrivacyNotice
from tsunagu.statistics.creaming import (
    GOAL_ACHIEVEMENT_RATE,
    IMPROVEMENT_RATE,
    BandRow,
    Headline,
    PlanAchievement,
    complexity_table,
    headline_rates,
    plan_achievement,
    rate,
)
from tsunagu.statistics.indicators import DISTRIBUTIONS, INDICATORS, Area, Figure, Figures, Period, compute

from .models import AnnualPlan, AnnualTarget
from .targets import DATE_FIELDS, EMPLOYMENT_INCOME_RATE, rate_base

MONTH_LABELS = tuple(f"{m}月" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3))


# --- 年度 and "as of" ------------------------------------------------------------------------------


def month_starts(fy: int) -> list[date]:
    return [add_months(date(fy, 4, 1), i) for i in range(12)]


def month_end(start: date) -> date:
    return add_months(start, 1) - timedelta(days=1)


def as_of_for(fy: int, today: date | None = None) -> date | None:
    """The day the 年度 is evaluated at: today inside it, its last day after it, None before it."""
    today = today or timezone.localdate()
    period = Period.fiscal_year(fy)
    if today < period.start:
        return None
    return min(today, period.end)


def months_elapsed(fy: int, as_of: date | None) -> int:
    """Months of the 年度 begun by ``as_of`` (the current month counts), 0–12."""
    if as_of is None:
        return 0
    return sum(1 for s in month_starts(fy) if s <= as_of)


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def pro_rata(target: int | None, months: int) -> Decimal | None:
    """The share of an annual target due after ``months`` months (evenly spread)."""
    if target is None:
        return None
    return _one_decimal(Decimal(target) * months / 12)


def achievement(actual: int, target: int | Decimal | None) -> Decimal | None:
    """Actual ÷ target in %, one decimal; None when there is no (non-zero) target."""
    if target is None or not target:
        return None
    return _one_decimal(Decimal(actual) * 100 / Decimal(target))


# --- ①構造評価 ---------------------------------------------------------------------------------------


@dataclass
class StructureFacts:
    operation_type: str
    operator_name: str
    municipalities: list[str]
    staff_total: int
    staff_by_role: list[tuple[str, int]]
    partners_total: int
    partners_by_type: list[tuple[str, int]]
    coordination_meetings: int
    council_meetings: int
    privacy_notice: PrivacyNotice | None


def structure_facts(plan: AnnualPlan, period: Period, as_of: date | None) -> StructureFacts:
    agency = plan.agency
    munis = list(agency.area().select_related("prefecture").order_by("code"))
    muni_ids = {m.pk for m in munis}
    roles = dict(
        StaffRole.objects.filter(user__agency_id=agency.pk, user__is_active=True)
        .values("role")
        .annotate(n=Count("user", distinct=True))
        .order_by()
        .values_list("role", "n")
    )
    staff_total = User.objects.filter(agency_id=agency.pk, is_active=True).count()
    partners = dict(
        PartnerAgency.objects.filter(municipality_id__in=muni_ids, is_active=True)
        .values("agency_type")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("agency_type", "n")
    )
    meetings: dict[str, int] = {}
    notice = None
    if as_of is not None:
        meetings = dict(
            Meeting.objects.filter(agency_id=agency.pk, held_on__range=(period.start, as_of))
            .values("kind")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("kind", "n")
        )
        notice = (
            PrivacyNotice.objects.filter(agency_id=agency.pk, effective_from__lte=as_of)
            .order_by("-effective_from", "-version")
            .first()
        )
    return StructureFacts(
        operation_type=OperationType(agency.operation_type).label
        if agency.operation_type in OperationType.values
        else agency.operation_type,
        operator_name=agency.operator_name,
        municipalities=[str(m) for m in munis],
        staff_total=staff_total,
        staff_by_role=[
            (r.label, int(roles.get(r.value, 0))) for r in Role if r not in {Role.MUNICIPAL_OFFICER}
        ],
        partners_total=sum(partners.values()),
        partners_by_type=[
            (label, int(partners[k])) for k, label in PartnerAgencyType.choices if partners.get(k)
        ],
        coordination_meetings=int(meetings.get(MeetingKind.COORDINATION, 0)),
        council_meetings=int(meetings.get(MeetingKind.COUNCIL, 0)),
        privacy_notice=notice,
    )


# --- ②プロセス評価 -----------------------------------------------------------------------------------


@dataclass
class ProcessRow:
    label: str
    value: int
    unit: str
    note: str = ""


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def process_rows(plan: AnnualPlan, period: Period, figures: Figures) -> list[ProcessRow]:
    f = figures.by_code()
    low, high = _day_bounds(period.start, period.end)
    records = SupportRecord.objects.filter(
        agency_id=plan.agency_id, occurred_at__gte=low, occurred_at__lt=high
    ).aggregate(
        n=Count("id"),
        cases=Count("case", distinct=True),
        monitoring=Count("id", filter=Q(is_monitoring=True)),
    )
    assessments = Assessment.objects.filter(
        agency_id=plan.agency_id, assessed_on__range=(period.start, period.end)
    ).aggregate(
        n=Count("id"),
        cases=Count("case", distinct=True),
        shared=Count("id", filter=Q(shared_with_budget_support=True)),
    )
    evaluations = Evaluation.objects.filter(
        agency_id=plan.agency_id, evaluated_on__range=(period.start, period.end)
    ).count()

    def fig(code: str) -> int:
        return f[code].value if code in f else 0

    return [
        ProcessRow(
            "アセスメントの実施（版の数）",
            int(assessments["n"] or 0),
            "件",
            f"ケース {assessments['cases'] or 0}件",
        ),
        ProcessRow(
            "うち家計改善支援員と共有したアセスメント",
            int(assessments["shared"] or 0),
            "件",
            "本人の同意に基づく共有（図表Ⅷ-2「アセスメントとプランについて関係者間の共有状況」）",
        ),
        ProcessRow(
            INDICATORS["plans_created"].name_ja, fig("plans_created"), "件", "初回プランの支援決定・確認"
        ),
        ProcessRow(INDICATORS["replans"].name_ja, fig("replans"), "件", "第2版以降のプランの支援決定・確認"),
        ProcessRow(
            INDICATORS["referrals"].name_ja, fig("referrals"), "件", "つないだケースの数（取消を除く）"
        ),
        ProcessRow("支援経過記録", int(records["n"] or 0), "件", f"ケース {records['cases'] or 0}件"),
        ProcessRow("うちモニタリングの記録", int(records["monitoring"] or 0), "件"),
        ProcessRow("評価シート（プラン評価）", int(evaluations), "件"),
    ]


# --- ③成果評価: targets and actuals --------------------------------------------------------------------


@dataclass
class TargetRow:
    code: str
    name_ja: str
    unit: str
    definition: str
    actual: int
    target: int | None = None
    pro_rata_target: Decimal | None = None
    achievement: Decimal | None = None
    pace: Decimal | None = None
    rate_target: Decimal | None = None
    actual_rate: Decimal | None = None
    base_name: str = ""
    per_100k: Decimal | None = None
    guide_per_100k: Decimal | None = None

    @property
    def has_target(self) -> bool:
        return self.target is not None


def target_rows(
    targets: list[AnnualTarget], figures: Figures, months: int, *, with_untargeted: bool = True
) -> list[TargetRow]:
    """One row per indicator: the targeted ones first (in the engine's order), then the others."""
    by_target = {t.indicator: t for t in targets}
    f = figures.by_code()
    rows: list[TargetRow] = []
    for fig in figures.figures:
        t = by_target.get(fig.code)
        if t is None and not with_untargeted:
            continue
        base = rate_base(fig.code)
        base_fig: Figure | None = f.get(base) if base else None
        row = TargetRow(
            code=fig.code,
            name_ja=fig.name_ja,
            unit=fig.unit,
            definition=fig.definition,
            actual=fig.value,
            base_name=base_fig.name_ja if base_fig is not None else "",
            actual_rate=rate(fig.value, base_fig.value) if base_fig is not None else None,
            per_100k=fig.per_100k,
            guide_per_100k=fig.guide_per_100k,
        )
        if t is not None:
            row.target = t.annual_count
            row.pro_rata_target = pro_rata(t.annual_count, months)
            row.achievement = achievement(fig.value, t.annual_count)
            row.pace = achievement(fig.value, row.pro_rata_target)
            row.rate_target = t.rate_percent
        rows.append(row)
    rows.sort(key=lambda r: 0 if r.has_target else 1)
    return rows


def figure_codes_for(targets: list[AnnualTarget]) -> list[str]:
    """The indicators needed for the targeted rows: each target and the base of its rate."""
    codes = {t.indicator for t in targets if t.indicator in INDICATORS}
    codes |= {b for c in list(codes) if (b := rate_base(c))}
    return sorted(codes)


# --- Monthly cumulative actual -------------------------------------------------------------------------


@dataclass
class MonthPoint:
    start: date
    label: str
    cumulative: int | None  # None: the month has not begun
    pro_rata_target: Decimal | None


@dataclass
class MonthlySeries:
    code: str
    name_ja: str
    unit: str
    target: int | None
    points: list[MonthPoint] = field(default_factory=list)

    @property
    def latest(self) -> int | None:
        shown = [p.cumulative for p in self.points if p.cumulative is not None]
        return shown[-1] if shown else None


def cumulative_counts(area: Area, fy: int, code: str, months: int) -> list[int]:
    """The indicator's count from 1 April to the end of each of the first ``months`` months.

    The same rows as the engine's count for those periods: one query (COUNT DISTINCT with a
    FILTER per month end) when the indicator's date field is known (targets.DATE_FIELDS), else
    one ``count`` per month.
    """
    if months <= 0:
        return []
    ind = INDICATORS[code]
    full = Period.fiscal_year(fy)
    ends = [month_end(s) for s in month_starts(fy)[:months]]
    date_field = DATE_FIELDS.get(code)
    if date_field is None:
        return [ind.count(area, Period(full.start, end, full.label, i + 1)) for i, end in enumerate(ends)]
    aggregates = {
        f"m{i}": Count(ind.case_field, distinct=True, filter=Q(**{f"{date_field}__lte": end}))
        for i, end in enumerate(ends)
    }
    row = ind.area_rows(area, full).aggregate(**aggregates)
    return [int(row[f"m{i}"] or 0) for i in range(len(ends))]


def monthly_series(area: Area, fy: int, code: str, target: int | None, as_of: date | None) -> MonthlySeries:
    months = months_elapsed(fy, as_of)
    counts = cumulative_counts(area, fy, code, months)
    ind = INDICATORS[code]
    series = MonthlySeries(code=code, name_ja=ind.name_ja, unit=ind.unit, target=target)
    for i, start in enumerate(month_starts(fy)):
        series.points.append(
            MonthPoint(
                start=start,
                label=MONTH_LABELS[i],
                cumulative=counts[i] if i < len(counts) else None,
                pro_rata_target=pro_rata(target, i + 1),
            )
        )
    return series


# --- The whole evaluation ------------------------------------------------------------------------------


@dataclass
class PlanEvaluation:
    plan: AnnualPlan
    area: Area
    period: Period
    as_of: date | None
    months: int
    structure: StructureFacts
    process: list[ProcessRow]
    targets: list[TargetRow]
    headline: list[Headline]
    employment_income_rate_target: Decimal | None
    employment_income_rate: Headline | None
    closures: list[tuple[str, str, int]]
    closures_total: int
    complexity: list[BandRow]
    monthly: list[MonthlySeries]
    achievement: PlanAchievement | None = None
    rate_targets: dict[str, Decimal] = field(default_factory=dict)

    @property
    def headline_rows(self) -> list[tuple[Headline, Decimal | None]]:
        """Each headline rate with the plan's target for it: the 就労・増収率 target of the plan, and
        for the rates of the 評価シート the 割合の目標 of the indicator they are the rate of."""
        out = []
        for h in self.headline:
            if h == self.employment_income_rate:
                out.append((h, self.employment_income_rate_target))
            else:
                out.append((h, self.rate_targets.get(h.name_ja)))
        return out

    @property
    def targeted(self) -> list[TargetRow]:
        return [r for r in self.targets if r.has_target]

    @property
    def untargeted(self) -> list[TargetRow]:
        return [r for r in self.targets if not r.has_target]

    @property
    def monthly_rows(self) -> list[tuple[str, list[MonthPoint]]]:
        """(month label, the point of each series) — the monthly series as one table."""
        return [(label, [s.points[i] for s in self.monthly]) for i, label in enumerate(MONTH_LABELS)]


def plan_area(plan: AnnualPlan) -> Area:
    return Area.agency(plan.agency)


def build(plan: AnnualPlan, *, today: date | None = None) -> PlanEvaluation:
    """The plan-vs-actual of ``plan`` (its agency, its 年度), as of ``today``."""
    period = Period.fiscal_year(plan.fiscal_year)
    as_of = as_of_for(plan.fiscal_year, today)
    months = months_elapsed(plan.fiscal_year, as_of)
    area = plan_area(plan)
    targets = list(plan.targets.all())
    figures = compute(area, period)
    headline = headline_rates(figures)
    closures = DISTRIBUTIONS["closure_reasons"].counts(area, period)
    rate_targets = {
        name: t.rate_percent
        for t in targets
        if t.rate_percent is not None and (name := HEADLINE_OF_TARGET.get(t.indicator))
    }
    return PlanEvaluation(
        plan=plan,
        area=area,
        period=period,
        as_of=as_of,
        months=months,
        structure=structure_facts(plan, period, as_of),
        process=process_rows(plan, period, figures),
        targets=target_rows(targets, figures, months),
        headline=headline,
        employment_income_rate_target=plan.employment_income_rate_target,
        employment_income_rate=next((h for h in headline if h.name_ja == EMPLOYMENT_INCOME_RATE), None),
        closures=closures,
        closures_total=sum(n for _k, _l, n in closures),
        complexity=complexity_table(area, period),
        monthly=[monthly_series(area, plan.fiscal_year, t.indicator, t.annual_count, as_of) for t in targets],
        achievement=plan_achievement(figures),
        rate_targets=rate_targets,
    )


# The headline rate whose target is the 割合の目標 of an indicator's target (targets.RATE_BASES).
HEADLINE_OF_TARGET: dict[str, str] = {
    "goals_achieved": GOAL_ACHIEVEMENT_RATE,
    "improved_persons": IMPROVEMENT_RATE,
}


def targets_chart_rows(plan: AnnualPlan, *, today: date | None = None) -> list[TargetRow]:
    """Only what the target-vs-actual chart needs: the targeted rows (and their bases)."""
    targets = list(plan.targets.all())
    if not targets:
        return []
    as_of = as_of_for(plan.fiscal_year, today)
    figures = compute(plan_area(plan), Period.fiscal_year(plan.fiscal_year), codes=figure_codes_for(targets))
    return target_rows(targets, figures, months_elapsed(plan.fiscal_year, as_of), with_untargeted=False)


def monthly_chart_series(plan: AnnualPlan, code: str, *, today: date | None = None) -> MonthlySeries | None:
    """The monthly cumulative series of one targeted indicator (None if the plan has no such target)."""
    target = next((t for t in plan.targets.all() if t.indicator == code), None)
    if target is None or code not in INDICATORS:
        return None
    as_of = as_of_for(plan.fiscal_year, today)
    return monthly_series(plan_area(plan), plan.fiscal_year, code, target.annual_count, as_of)
