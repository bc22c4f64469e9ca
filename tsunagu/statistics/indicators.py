"""The indicators (指標): each defined once — code, Japanese name, definition, and its SQL.

An indicator is "the cases (or rows) behind an event dated in the period": new consultations are
cases whose 受付日 falls in the period, plans are 支援決定・確認 of a first plan dated in the period,
and so on. Its value is a COUNT in the database; its drill-down is the same queryset turned into the
list of cases (``case_ids``). Nothing here loops over rows in Python.

Periods are a month or a 年度 (April–March); areas are a municipality (実施主体, optionally only
one agency's share of it), an agency, or a prefecture. Rows are placed by the municipality and
agency they carry (the 実施主体 at the time of the event), so a person who moves and starts again
elsewhere counts in each place for what happened there.

docs/statistics.md lists every definition (generated from ``INDICATORS``; a test keeps it equal).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Concat, ExtractDay, ExtractMonth, ExtractYear, Greatest
from django.db.models.lookups import GreaterThan

from tsunagu.cases.models import (
    Achievement,
    Case,
    CaseState,
    EmploymentOutcome,
    EmploymentOutcomeKind,
    Evaluation,
    GoalResult,
    PlanGoal,
    ProviderKind,
)
from tsunagu.core.codes import counted_contains, counted_expression, standard_labels
from tsunagu.core.dates import fiscal_year, fiscal_year_label, fiscal_year_range, wareki
from tsunagu.core.db import JSONArrayContains
from tsunagu.core.request_context import current_code_labels
from tsunagu.meetings.models import Decision
from tsunagu.organizations.models import Agency, Municipality, Prefecture
from tsunagu.persons.models import HouseholdMember
from tsunagu.programs.models import (
    DecisionOutcome,
    EnrolmentProgram,
    ExtensionState,
    HousingBenefitApplication,
    HousingBenefitDecision,
    HousingBenefitExtension,
    HousingBenefitStop,
    LoanLink,
    LoanStatus,
    ProgramEnrolment,
)
from tsunagu.referrals.models import Referral, ReferralProgram, ReferralStatus

from .guides import guide_values
from .models import PER_100K_CODES

# --- Areas and periods ------------------------------------------------------------------------------

MUNICIPALITY = "municipality"
AGENCY = "agency"
PREFECTURE = "prefecture"


@dataclass(frozen=True)
class Area:
    """Where the figures are counted. ``agency_id`` narrows a municipality to one agency's share."""

    kind: str
    id: int
    name: str
    population: int
    agency_id: int | None = None
    code: str = ""

    @classmethod
    def municipality(cls, muni: Municipality, *, agency: Agency | None = None) -> Area:
        name = str(muni) + (f"（{agency.name}分）" if agency is not None else "")
        return cls(
            MUNICIPALITY,
            muni.pk,
            name,
            muni.population,
            agency_id=agency.pk if agency is not None else None,
            code=muni.code,
        )

    @classmethod
    def agency(cls, agency: Agency) -> Area:
        """The agency's whole area (``Agency.area``: its own municipality and every 共同実施 one);
        the population is the sum of theirs."""
        population = (
            Municipality.objects.filter(pk__in=agency.area_ids()).aggregate(p=Sum("population"))["p"] or 0
        )
        return cls(AGENCY, agency.pk, agency.name, population)

    @classmethod
    def prefecture(cls, pref: Prefecture) -> Area:
        population = (
            Municipality.objects.filter(prefecture=pref).aggregate(p=models.Sum("population"))["p"] or 0
        )
        return cls(PREFECTURE, pref.pk, pref.name, population, code=pref.code)

    def q(self, prefix: str = "") -> Q:
        """The rows of this area, for a model with ``municipality`` and ``agency`` fields."""
        if self.kind == AGENCY:
            return Q(**{f"{prefix}agency_id": self.id})
        if self.kind == PREFECTURE:
            return Q(**{f"{prefix}municipality__prefecture_id": self.id})
        q = Q(**{f"{prefix}municipality_id": self.id})
        if self.agency_id is not None:
            q &= Q(**{f"{prefix}agency_id": self.agency_id})
        return q


@dataclass(frozen=True)
class Period:
    """A month or a 年度, both ends included."""

    start: date
    end: date
    label: str
    months: int

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        start = date(year, month, 1)
        era_year = wareki(start).split("年")[0]
        return cls(start, date(year, month, last), f"{era_year}年{month}月（{year}年{month}月）", 1)

    @classmethod
    def fiscal_year(cls, fy: int) -> Period:
        start, end = fiscal_year_range(fy)
        return cls(start, end, f"{fiscal_year_label(fy)}（{fy}年度）", 12)

    @property
    def key(self) -> str:
        """``2026-10`` for a month, ``FY2026`` for a 年度 (URLs, files, API)."""
        if self.months == 1:
            return f"{self.start:%Y-%m}"
        return f"FY{fiscal_year(self.start)}"

    @classmethod
    def parse(cls, key: str) -> Period:
        """The inverse of ``key``; ValueError for anything else."""
        key = (key or "").strip()
        if key.upper().startswith("FY"):
            fy = int(key[2:])
            if not 2000 <= fy <= 2100:
                raise ValueError(key)
            return cls.fiscal_year(fy)
        year_s, month_s = key.split("-")
        year, month = int(year_s), int(month_s)
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValueError(key)
        return cls.month(year, month)


FIRST_MONTH = date(2015, 4, 1)  # 生活困窮者自立支援制度の施行


def period_problem(period: Period, today: date) -> str:
    """Why a period cannot be counted (empty when it can)."""
    if period.start > today:
        return "未来の期間のため集計できません。集計できるのは今月（今年度）までです。"
    if period.end < FIRST_MONTH:
        return "制度の施行（平成27年4月）より前の期間のため、データはありません。"
    return ""


# --- Building blocks (who is a プラン作成者, when) --------------------------------------------------


def _plan_use(qs: models.QuerySet[Any], p: Period, *, case_ref: str, used_on: str) -> models.QuerySet[Any]:
    """A programme used by a プラン作成者 in connection with the plan, counted in the period of the
    later of its own date (``used_on``: 支給決定日, 申請日) and the case's first plan decision
    (支援決定・確認).

    "In connection with the plan" means: in the same case. A use on or after the plan decision
    counts on its own date; a use decided before the plan — 緊急的な支援 given while the plan was
    being made (手引き: プラン策定前の支援) — counts when the plan is decided, because the plan
    takes that support over. A case without a decided plan never counts.
    """
    first_plan_on = Subquery(
        Decision.objects.filter(case_id=OuterRef(case_ref)).order_by("decided_on").values("decided_on")[:1]
    )
    return (
        qs.filter(**{f"{used_on}__lte": p.end})
        .annotate(_plan_on=first_plan_on)
        .filter(_plan_on__isnull=False)
        .annotate(_counted_on=Greatest(used_on, "_plan_on"))
        .filter(_counted_on__range=(p.start, p.end))
    )


def _employment_target_holder(case_ref: str, on_or_before: Any) -> Exists:
    """The case has a 就労支援対象 plan decided on or before ``on_or_before``."""
    return Exists(
        Decision.objects.filter(
            case_id=OuterRef(case_ref),
            plan__employment_support_target=True,
            decided_on__lte=on_or_before,
        )
    )


def _first_plan_decisions() -> models.QuerySet[Decision]:
    return Decision.objects.filter(plan__number=1)


def _employment_target_first(p: Period) -> models.QuerySet[Decision]:
    earlier = Decision.objects.filter(
        case_id=OuterRef("case_id"),
        plan__employment_support_target=True,
        decided_on__lt=p.start,
    )
    return Decision.objects.filter(
        plan__employment_support_target=True, decided_on__range=(p.start, p.end)
    ).exclude(Exists(earlier))


def _staff_employment_support(p: Period) -> models.QuerySet[Decision]:
    by_staff = PlanGoal.objects.filter(plan_id=OuterRef("plan_id"), provider_kind=ProviderKind.STAFF)
    return Decision.objects.filter(
        decided_on__range=(p.start, p.end), plan__employment_support_target=True
    ).filter(Exists(by_staff))


def _outcomes(kind: str, *, target_only: bool) -> Callable[[Period], models.QuerySet[Any]]:
    def rows(p: Period) -> models.QuerySet[Any]:
        qs = EmploymentOutcome.objects.filter(kind=kind, occurred_on__range=(p.start, p.end))
        if target_only:
            qs = qs.filter(_employment_target_holder("case_id", OuterRef("occurred_on")))
        return qs

    return rows


def _enrolments(*programs: str) -> Callable[[Period], models.QuerySet[Any]]:
    def rows(p: Period) -> models.QuerySet[Any]:
        return ProgramEnrolment.objects.filter(program__in=programs, start_on__range=(p.start, p.end))

    return rows


LOAN_GRANTED = (LoanStatus.APPROVED, LoanStatus.REPAYING, LoanStatus.EXEMPTED, LoanStatus.REPAID)
REFERRAL_MADE = Q(status__in=[s for s in ReferralStatus.values if s != ReferralStatus.CANCELLED])


# --- The indicators --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    code: str
    name_ja: str
    definition: str
    section: str
    rows: Callable[[Period], models.QuerySet[Any]]
    case_field: str = "case_id"
    unit: str = "件"
    # The 自治体別集計表 column this is (1-based, in the order of 厚生労働省「生活困窮者自立支援制度
    # 支援状況調査」's 自治体別集計表), if any.
    survey_column: int | None = None
    # The path to the row that carries ``municipality`` / ``agency`` (``evaluation__`` for a goal
    # result, which is placed by its 評価シート).
    area_prefix: str = ""

    @property
    def per_100k(self) -> bool:
        """The 自治体別集計表 prints a 人口10万人あたり column after this one (``models.PER_100K_CODES``)."""
        return self.code in PER_100K_CODES

    def area_rows(self, area: Area, period: Period) -> models.QuerySet[Any]:
        """The indicator's rows of the period in the area."""
        return self.rows(period).filter(area.q(self.area_prefix))

    def count(self, area: Area, period: Period) -> int:
        qs = self.area_rows(area, period)
        return int(qs.aggregate(n=Count(self.case_field, distinct=True))["n"] or 0)

    def case_ids(self, area: Area, period: Period) -> models.QuerySet[Any]:
        """The ids of the cases behind the figure (a subquery, for the drill-down list)."""
        return self.area_rows(area, period).values(self.case_field)


SURVEY = "支援状況調査"
HOUSING = "住居確保給付金"
PROCESS = "支援の経過"
EVALUATION = "プランの評価（評価シート）"


def _goal_results(*achievements: str) -> Callable[[Period], models.QuerySet[Any]]:
    """目標ごとの達成状況 of the 評価シート dated (評価日) in the period; all of them when no
    achievement is named."""

    def rows(p: Period) -> models.QuerySet[Any]:
        qs = GoalResult.objects.filter(evaluation__evaluated_on__range=(p.start, p.end))
        if achievements:
            qs = qs.filter(achievement__in=achievements)
        return qs

    return rows


IMPROVED_GOALS = (Achievement.ACHIEVED, Achievement.PARTLY)
OTHER_CHANGE = "other"  # 本人の変化「その他」: not by itself an improvement that can be checked


def improvement_q() -> Q:
    """An 評価シート that records an improvement towards 自立: one 本人の変化 of the standard list
    other than 「その他」 (a municipality's own item counts as the standard item it is counted as),
    or one goal 達成 / 一部達成."""
    q = Q(Exists(GoalResult.objects.filter(evaluation_id=OuterRef("pk"), achievement__in=IMPROVED_GOALS)))
    for code in standard_labels("change_item"):
        if code != OTHER_CHANGE:
            q |= counted_contains("change_item", "changes", code)
    return q


def _evaluations(*, improved: bool) -> Callable[[Period], models.QuerySet[Any]]:
    def rows(p: Period) -> models.QuerySet[Any]:
        qs = Evaluation.objects.filter(evaluated_on__range=(p.start, p.end))
        return qs.filter(improvement_q()) if improved else qs

    return rows


INDICATORS_LIST: tuple[Indicator, ...] = (
    Indicator(
        "new_consultations",
        "新規相談受付件数",
        "受付日がその期間にあるケースの数。受付でケースを開いたものだけを数える（スクリーニングで終了したもの、"
        "終結・中断の後の再度の相談で新しく開いたケースを含む。開いているケースに記録した相談、取消したケースは数えない）。",
        SURVEY,
        lambda p: Case.objects.filter(opened_on__range=(p.start, p.end)),
        case_field="id",
        survey_column=1,
    ),
    Indicator(
        "plans_created",
        "プラン作成件数",
        "初回プラン（第1版）の支援決定・確認の日がその期間にあるケースの数。再プランは含めない（「再プラン件数」）。",
        SURVEY,
        lambda p: _first_plan_decisions().filter(decided_on__range=(p.start, p.end)),
        survey_column=2,
    ),
    Indicator(
        "employment_support_targets",
        "就労支援対象者数",
        "就労支援対象とするプランの支援決定・確認がその期間にあり、それより前に就労支援対象のプランがなかったケースの数。",
        SURVEY,
        _employment_target_first,
        survey_column=3,
    ),
    Indicator(
        "use_housing_benefit",
        "プラン作成者の利用：住居確保給付金",
        "住居確保給付金の支給決定があり、同じケースでプランの支援決定・確認があるケースの数。"
        "支給決定日と初回プランの支援決定・確認の日の遅い方がその期間にあるものを数える"
        "（プラン策定前に緊急的な支援として支給決定したものは、プランの支援決定・確認の月に数える）。",
        SURVEY,
        lambda p: _plan_use(
            HousingBenefitDecision.objects.filter(outcome=DecisionOutcome.AWARD),
            p,
            case_ref="application__case_id",
            used_on="decided_on",
        ),
        case_field="application__case_id",
        survey_column=4,
    ),
    Indicator(
        "use_temporary_living",
        "プラン作成者の利用：一時生活支援",
        "居住支援事業（シェルター事業・地域居住支援事業）の利用開始日がその期間にあるケースの数（利用はプランに基づく）。",
        SURVEY,
        _enrolments(EnrolmentProgram.TEMPORARY_LIVING, EnrolmentProgram.HOUSING_SUPPORT),
        survey_column=5,
    ),
    Indicator(
        "use_household_budget",
        "プラン作成者の利用：家計改善支援",
        "家計改善支援事業を含む支援決定の日がその期間にあるケースの数。",
        SURVEY,
        lambda p: Decision.objects.filter(decided_on__range=(p.start, p.end)).filter(
            JSONArrayContains("programs", "household_budget")
        ),
        survey_column=6,
    ),
    Indicator(
        "use_employment_preparation",
        "プラン作成者の利用：就労準備支援",
        "就労準備支援事業の利用開始日がその期間にあるケースの数。",
        SURVEY,
        _enrolments(EnrolmentProgram.EMPLOYMENT_PREPARATION),
        survey_column=7,
    ),
    Indicator(
        "use_certified_training",
        "プラン作成者の利用：就労訓練事業",
        "認定就労訓練事業の利用開始日がその期間にあるケースの数。",
        SURVEY,
        _enrolments(EnrolmentProgram.CERTIFIED_TRAINING),
        survey_column=8,
    ),
    Indicator(
        "use_center_employment_support",
        "プラン作成者の利用：自立相談支援機関による就労支援",
        "就労支援対象とし、センター職員が支援を担う目標のあるプラン（再プランを含む）の支援決定・確認の日がその期間にあるケースの数。",
        SURVEY,
        _staff_employment_support,
        survey_column=9,
    ),
    Indicator(
        "use_welfare_loan",
        "プラン作成者の利用：生活福祉資金貸付",
        "生活福祉資金の貸付決定に至った申請があり、同じケースでプランの支援決定・確認があるケースの数。"
        "申請日と初回プランの支援決定・確認の日の遅い方がその期間にあるものを数える"
        "（プラン策定前に申請したものは、プランの支援決定・確認の月に数える）。",
        SURVEY,
        lambda p: _plan_use(
            LoanLink.objects.filter(status__in=LOAN_GRANTED), p, case_ref="case_id", used_on="applied_on"
        ),
        survey_column=10,
    ),
    Indicator(
        "use_hw_public_assistance_employment",
        "プラン作成者の利用：生活保護受給者等就労自立促進事業",
        "ハローワークの生活保護受給者等就労自立促進事業へつないだ日がその期間にあるケースの数（取消を除く）。",
        SURVEY,
        lambda p: Referral.objects.filter(
            program=ReferralProgram.HW_PUBLIC_ASSISTANCE_EMPLOYMENT, referred_on__range=(p.start, p.end)
        ).filter(REFERRAL_MADE),
        survey_column=11,
    ),
    Indicator(
        "employed",
        "就労者数",
        "就労（就職・就労開始）の実績の日がその期間にあるケースの数。",
        SURVEY,
        _outcomes(EmploymentOutcomeKind.EMPLOYED, target_only=False),
        unit="人",
        survey_column=12,
    ),
    Indicator(
        "employed_target",
        "就労者数（うち就労支援対象プラン作成者分）",
        "就労者のうち、就労の日までに就労支援対象のプランの支援決定・確認があったケースの数。",
        SURVEY,
        _outcomes(EmploymentOutcomeKind.EMPLOYED, target_only=True),
        unit="人",
        survey_column=13,
    ),
    Indicator(
        "income_increased",
        "増収者数",
        "増収の実績の日がその期間にあるケースの数。",
        SURVEY,
        _outcomes(EmploymentOutcomeKind.INCOME_INCREASED, target_only=False),
        unit="人",
        survey_column=14,
    ),
    Indicator(
        "income_increased_target",
        "増収者数（うち就労支援対象プラン作成者分）",
        "増収者のうち、増収の日までに就労支援対象のプランの支援決定・確認があったケースの数。",
        SURVEY,
        _outcomes(EmploymentOutcomeKind.INCOME_INCREASED, target_only=True),
        unit="人",
        survey_column=15,
    ),
    Indicator(
        "hb_applications",
        "住居確保給付金 新規申請件数",
        "申請日がその期間にある住居確保給付金の申請の数。",
        HOUSING,
        lambda p: HousingBenefitApplication.objects.filter(application_date__range=(p.start, p.end)),
        case_field="id",
    ),
    Indicator(
        "hb_awards",
        "住居確保給付金 支給決定件数",
        "支給決定の日がその期間にある決定の数。",
        HOUSING,
        lambda p: HousingBenefitDecision.objects.filter(
            outcome=DecisionOutcome.AWARD, decided_on__range=(p.start, p.end)
        ),
        case_field="id",
    ),
    Indicator(
        "hb_extensions",
        "住居確保給付金 延長決定件数",
        "延長（再延長を含む）の決定の日がその期間にある件数。",
        HOUSING,
        lambda p: HousingBenefitExtension.objects.filter(
            state=ExtensionState.APPROVED, decided_on__range=(p.start, p.end)
        ),
        case_field="id",
    ),
    Indicator(
        "hb_stops",
        "住居確保給付金 中止件数",
        "中止の決定の日がその期間にある件数。",
        HOUSING,
        lambda p: HousingBenefitStop.objects.filter(decided_on__range=(p.start, p.end)),
        case_field="id",
    ),
    Indicator(
        "replans",
        "再プラン件数",
        "第2版以降のプランの支援決定・確認の日がその期間にある件数（ケースの数）。",
        PROCESS,
        lambda p: Decision.objects.filter(plan__number__gt=1, decided_on__range=(p.start, p.end)),
    ),
    Indicator(
        "referrals",
        "他機関・他制度へのつなぎ件数",
        "つないだ日がその期間にあるつなぎのあるケースの数（取消を除く）。",
        PROCESS,
        lambda p: Referral.objects.filter(referred_on__range=(p.start, p.end)).filter(REFERRAL_MADE),
    ),
    Indicator(
        "closures",
        "終結件数",
        "終結日がその期間にあるケースの数（終結後のフォローアップ中を含む。中断は含めない）。",
        PROCESS,
        lambda p: Case.objects.filter(
            closed_on__range=(p.start, p.end), state__in=[CaseState.CLOSED, CaseState.FOLLOW_UP]
        ),
        case_field="id",
    ),
    Indicator(
        "goals_evaluated",
        "プラン達成状況：評価した目標",
        "評価日がその期間にある評価シートで、達成状況（達成・一部達成・未達成）を記録した目標の数。",
        EVALUATION,
        _goal_results(),
        case_field="id",
        area_prefix="evaluation__",
    ),
    Indicator(
        "goals_achieved",
        "プラン達成状況：うち達成",
        "評価した目標のうち、達成状況が「達成」の数。",
        EVALUATION,
        _goal_results(Achievement.ACHIEVED),
        case_field="id",
        area_prefix="evaluation__",
    ),
    Indicator(
        "goals_partly_achieved",
        "プラン達成状況：うち一部達成",
        "評価した目標のうち、達成状況が「一部達成」の数。",
        EVALUATION,
        _goal_results(Achievement.PARTLY),
        case_field="id",
        area_prefix="evaluation__",
    ),
    Indicator(
        "goals_not_achieved",
        "プラン達成状況：うち未達成",
        "評価した目標のうち、達成状況が「未達成」の数。",
        EVALUATION,
        _goal_results(Achievement.NOT_ACHIEVED),
        case_field="id",
        area_prefix="evaluation__",
    ),
    Indicator(
        "evaluated_persons",
        "評価を行った者",
        "評価日がその期間にある評価シートのあるケースの数（1人が期間内に何度評価しても1人）。",
        EVALUATION,
        _evaluations(improved=False),
        unit="人",
    ),
    Indicator(
        "improved_persons",
        "自立に向けた改善が見られた者",
        "評価を行った者のうち、期間内の評価シートのいずれかに、本人の変化として「その他」以外の項目"
        "（自治体独自の項目は、集計上の区分が「その他」以外のもの）が1つ以上あるか、"
        "達成状況が「達成」または「一部達成」の目標が1つ以上あるケースの数。"
        "「その他」だけの評価シートは、記録から改善を確かめられないため数えない。",
        EVALUATION,
        _evaluations(improved=True),
        unit="人",
    ),
)

INDICATORS: dict[str, Indicator] = {i.code: i for i in INDICATORS_LIST}
SURVEY_INDICATORS: tuple[Indicator, ...] = tuple(
    sorted((i for i in INDICATORS_LIST if i.survey_column), key=lambda i: i.survey_column or 0)
)


def per_100k(value: int, population: int, months: int) -> Decimal | None:
    """Per 100,000 population per month, to one decimal: count ÷ months ÷ population × 10⁵ (the
    支援状況調査's 人口10万人あたり figures are per month)."""
    if not population or not months:
        return None
    raw = Decimal(value) * Decimal(100_000) / Decimal(population) / Decimal(months)
    return raw.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Figure:
    code: str
    name_ja: str
    value: int
    per_100k: Decimal | None = None
    guide_per_100k: Decimal | None = None
    guide_label: str = ""
    definition: str = ""
    section: str = ""
    unit: str = "件"


@dataclass
class Figures:
    area: Area
    period: Period
    figures: list[Figure] = field(default_factory=list)

    def by_code(self) -> dict[str, Figure]:
        return {f.code: f for f in self.figures}

    def value(self, code: str) -> int:
        return self.by_code()[code].value


@contextmanager
def code_lists_read_once() -> Iterator[None]:
    """Outside a request, read the 区分マスタ once for the whole computation (inside a request the
    middleware already does: ``core.request_context.current_code_labels``)."""
    if current_code_labels.get() is not None:
        yield
        return
    token = current_code_labels.set({})
    try:
        yield
    finally:
        current_code_labels.reset(token)


def compute(area: Area, period: Period, codes: list[str] | None = None) -> Figures:
    """Every indicator (or those in ``codes``) for the area and period: one COUNT query each (and
    one read of the 区分マスタ)."""
    with code_lists_read_once():
        return _compute(area, period, codes)


def _compute(area: Area, period: Period, codes: list[str] | None) -> Figures:
    guides = guide_values(fiscal_year(period.start))
    out = Figures(area, period)
    for ind in INDICATORS_LIST:
        if codes is not None and ind.code not in codes:
            continue
        value = ind.count(area, period)
        guide = guides.get(ind.code)
        out.figures.append(
            Figure(
                code=ind.code,
                name_ja=ind.name_ja,
                value=value,
                per_100k=per_100k(value, area.population, period.months) if ind.per_100k else None,
                guide_per_100k=guide.value if guide else None,
                guide_label=guide.label if guide else "",
                definition=ind.definition,
                section=ind.section,
                unit=ind.unit,
            )
        )
    return out


# --- Distributions (相談経路, 課題, つなぎ先の種別, 終結理由) ----------------------------------------------


@dataclass
class MonthlyRow:
    """One category of a distribution over a 年度: its count in each month (April … March) and
    in the whole 年度."""

    key: str
    label: str
    months: list[int]
    total: int


def fiscal_year_months(fiscal_year_: int) -> list[Period]:
    """The twelve months of a 年度, April first."""
    return [Period.month(fiscal_year_ + (m < 4), m) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


@dataclass(frozen=True)
class Distribution:
    """A count per category. ``rows`` are the event rows; ``key`` the category expression."""

    code: str
    name_ja: str
    definition: str
    rows: Callable[[Period], models.QuerySet[Any]]
    key: Callable[[], Any]
    labels: Callable[[], dict[str, str]]
    case_field: str = "case_id"
    list_key: str = ""  # the 区分マスタ list: a municipality's own code counts as its standard code
    date_field: str = "opened_on"  # what places a row in a month (the monthly table of a 年度)

    def counts(self, area: Area, period: Period) -> list[tuple[str, str, int]]:
        labels = self.labels()
        grouped = (
            self.rows(period)
            .filter(area.q())
            .annotate(_k=self.key())
            .values("_k")
            .annotate(n=Count(self.case_field, distinct=True))
            .order_by()
        )
        found = {str(r["_k"] or ""): int(r["n"]) for r in grouped}
        ordered = [(k, label, found.pop(k, 0)) for k, label in labels.items()]
        ordered += [(k, k or "（未記入）", n) for k, n in sorted(found.items())]
        return ordered

    def _month_filters(self, months: list[Period]) -> dict[str, Q]:
        return {f"m{i}": Q(**{f"{self.date_field}__range": (m.start, m.end)}) for i, m in enumerate(months)}

    def monthly_counts(self, area: Area, fiscal_year_: int) -> list[MonthlyRow]:
        """The 年度's count per category and per month (April … March) and for the whole 年度, in
        one query (COUNT DISTINCT … FILTER per month). The 年度 total counts a case once even when
        it falls in two months (a multi-month category such as 抱える課題)."""
        months = fiscal_year_months(fiscal_year_)
        aggregates: dict[str, Any] = {
            name: Count(self.case_field, distinct=True, filter=q)
            for name, q in self._month_filters(months).items()
        }
        aggregates["total"] = Count(self.case_field, distinct=True)
        grouped = (
            self.rows(Period.fiscal_year(fiscal_year_))
            .filter(area.q())
            .annotate(_k=self.key())
            .values("_k")
            .annotate(**aggregates)
            .order_by()
        )
        found = {
            str(r["_k"] or ""): ([int(r[f"m{i}"] or 0) for i in range(len(months))], int(r["total"] or 0))
            for r in grouped
        }
        empty = ([0] * len(months), 0)
        out = [MonthlyRow(k, label, *found.pop(k, empty)) for k, label in self.labels().items()]
        out += [MonthlyRow(k, k or "（未記入）", *v) for k, v in sorted(found.items())]
        return out

    def case_ids(self, area: Area, period: Period, key: str) -> models.QuerySet[Any]:
        return (
            self.rows(period)
            .filter(area.q())
            .annotate(_k=self.key())
            .filter(_k=key or "")
            .values(self.case_field)
        )


class MultiDistribution(Distribution):
    """A count per code of a JSON list (a case counts once under each code it has)."""

    def counts(self, area: Area, period: Period) -> list[tuple[str, str, int]]:
        labels = self.labels()
        field_name = self.key()
        aggregates = {
            f"c{i}": Count(
                self.case_field, distinct=True, filter=counted_contains(self.list_key, field_name, code)
            )
            for i, code in enumerate(labels)
        }
        if not aggregates:
            return []
        row = self.rows(period).filter(area.q()).aggregate(**aggregates)
        return [(code, label, int(row[f"c{i}"] or 0)) for i, (code, label) in enumerate(labels.items())]

    def case_ids(self, area: Area, period: Period, key: str) -> models.QuerySet[Any]:
        return (
            self.rows(period)
            .filter(area.q())
            .filter(counted_contains(self.list_key, self.key(), key))
            .values(self.case_field)
        )

    def monthly_counts(self, area: Area, fiscal_year_: int) -> list[MonthlyRow]:
        """Per code and per month of the 年度, and for the 年度: one query (an aggregate per code
        and month)."""
        labels = self.labels()
        months = fiscal_year_months(fiscal_year_)
        field_name = self.key()
        aggregates: dict[str, Any] = {}
        for c, code in enumerate(labels):
            has = counted_contains(self.list_key, field_name, code)
            for name, q in self._month_filters(months).items():
                aggregates[f"c{c}{name}"] = Count(self.case_field, distinct=True, filter=has & q)
            aggregates[f"c{c}total"] = Count(self.case_field, distinct=True, filter=has)
        if not aggregates:
            return []
        row = self.rows(Period.fiscal_year(fiscal_year_)).filter(area.q()).aggregate(**aggregates)
        return [
            MonthlyRow(
                code,
                label,
                [int(row[f"c{c}m{i}"] or 0) for i in range(len(months))],
                int(row[f"c{c}total"] or 0),
            )
            for c, (code, label) in enumerate(labels.items())
        ]


def _codes(list_key: str) -> Callable[[], dict[str, str]]:
    """The standard list's categories: a municipality's own code is counted as the standard code
    it names (``counted_as``, ``core.codes.counted_expression`` / ``counted_contains``), so every
    municipality's figures fall into the national categories."""

    def labels() -> dict[str, str]:
        return standard_labels(list_key)

    return labels


def _partner_or_program() -> Any:
    return models.Case(
        models.When(
            partner__isnull=False,
            then=Concat(models.Value("agency:"), "partner__agency_type"),
        ),
        default=Concat(models.Value("program:"), "program"),
        output_field=models.CharField(),
    )


def _destination_labels() -> dict[str, str]:
    from tsunagu.network.models import PartnerAgencyType

    return {f"agency:{k}": f"関係機関：{v}" for k, v in PartnerAgencyType.choices} | {
        f"program:{k}": f"事業：{v}" for k, v in ReferralProgram.choices
    }


def _closure_key() -> Any:
    return models.Case(
        models.When(state=CaseState.SUSPENDED, then=models.Value("suspended")),
        default=counted_expression("closure_reason", "closure_reason"),
        output_field=models.CharField(),
    )


def _closure_labels() -> dict[str, str]:
    return _codes("closure_reason")() | {"suspended": "中断"}


DISTRIBUTIONS_LIST: tuple[Distribution, ...] = (
    Distribution(
        "intake_routes",
        "相談経路",
        "受付日がその期間にあるケースの、申込票の相談経路・紹介元ごとの数。",
        lambda p: Case.objects.filter(opened_on__range=(p.start, p.end)),
        lambda: counted_expression("referral_route", "intake__route"),
        _codes("referral_route"),
        case_field="id",
    ),
    MultiDistribution(
        "intake_topics",
        "相談したいこと（受付時の課題）",
        "受付日がその期間にあるケースの、申込票で選ばれた「相談したいこと」ごとの数（複数回答）。",
        lambda p: Case.objects.filter(opened_on__range=(p.start, p.end)),
        lambda: "topics",
        _codes("consultation_topic"),
        case_field="id",
        list_key="consultation_topic",
    ),
    MultiDistribution(
        "assessment_issues",
        "抱える課題（アセスメント）",
        "実施日がその期間にあるアセスメントの「抱える課題」ごとのケースの数（複数回答）。",
        lambda p: _assessments(p),
        lambda: "issues",
        _codes("assessment_issue"),
        list_key="assessment_issue",
        date_field="assessed_on",
    ),
    Distribution(
        "referral_destinations",
        "つなぎ先の種別",
        "つないだ日がその期間にあるつなぎの、つなぎ先（関係機関の種別または事業）ごとのケースの数（取消を除く）。",
        lambda p: Referral.objects.filter(referred_on__range=(p.start, p.end)).filter(REFERRAL_MADE),
        _partner_or_program,
        _destination_labels,
    ),
    Distribution(
        "closure_reasons",
        "終結理由",
        "終結日（中断日）がその期間にあるケースの、終結理由ごとの数（中断を含む）。",
        lambda p: Case.objects.filter(
            closed_on__range=(p.start, p.end),
            state__in=[CaseState.CLOSED, CaseState.FOLLOW_UP, CaseState.SUSPENDED],
        ),
        _closure_key,
        _closure_labels,
        case_field="id",
    ),
    Distribution(
        "intake_work_status",
        "新規相談者の仕事（受付時）",
        "受付日がその期間にあるケースの、申込票（B票）の「仕事」ごとの数。自治体独自の区分は、集計上の区分に数える。",
        lambda p: Case.objects.filter(opened_on__range=(p.start, p.end)),
        lambda: counted_expression("work_status", "intake__work_status"),
        _codes("work_status"),
        case_field="id",
    ),
    Distribution(
        "intake_housing_type",
        "新規相談者の住居（受付時）",
        "受付日がその期間にあるケースの、申込票（B票）の「住居」ごとの数。自治体独自の区分は、集計上の区分に数える。",
        lambda p: Case.objects.filter(opened_on__range=(p.start, p.end)),
        lambda: counted_expression("housing_type", "intake__housing_type"),
        _codes("housing_type"),
        case_field="id",
    ),
    Distribution(
        "intake_age_band",
        "新規相談者の年齢（受付日時点）",
        "受付日がその期間にあるケースの、相談者の受付日時点の満年齢（生年月日から計算）の区分ごとの数。"
        "生年月日の記録がないものは「不明」。",
        lambda p: Case.objects.filter(opened_on__range=(p.start, p.end)).annotate(_age=_age_at_intake()),
        lambda: _age_band(),
        lambda: dict(AGE_BANDS_LABELS),
        case_field="id",
    ),
    Distribution(
        "intake_household_type",
        "新規相談者の世帯（同居の人数）",
        "受付日がその期間にあるケースの、相談者の世帯構成で「同居」とした世帯員の数に本人を加えた人数ごとの数"
        "（単身・2人・3人・4人以上）。世帯構成は集計の時点の記録（受付時点の履歴は持たない）。"
        "世帯員が1人も記録されておらず、世帯構成を一度も保存していないものは「不明」。"
        "続柄は自由記述のため、世帯の類型（高齢者世帯・ひとり親世帯など）は数えない。",
        lambda p: Case.objects.filter(opened_on__range=(p.start, p.end)).annotate(
            _living=Coalesce(Subquery(_living_together()), 0),
            _has_member=Exists(HouseholdMember.objects.filter(person_id=OuterRef("person_id"))),
        ),
        lambda: _household_band(),
        lambda: dict(HOUSEHOLD_LABELS),
        case_field="id",
    ),
)

# The profile of the new consultations (新規相談者の状況): its screen and files list these.
PROFILE_CODES: tuple[str, ...] = (
    "intake_work_status",
    "intake_housing_type",
    "intake_age_band",
    "intake_household_type",
    "assessment_issues",
)


AGE_BANDS: tuple[tuple[str, str, int | None], ...] = (
    # (key, label, the band's upper bound, exclusive)
    ("under_20", "〜19歳", 20),
    ("20s", "20代", 30),
    ("30s", "30代", 40),
    ("40s", "40代", 50),
    ("50s", "50代", 60),
    ("60s", "60代", 70),
    ("70_plus", "70歳〜", None),
)
AGE_BANDS_LABELS: tuple[tuple[str, str], ...] = (
    *((k, label) for k, label, _u in AGE_BANDS),
    ("unknown", "不明"),
)


def _age_at_intake() -> Any:
    """The person's age in whole years on the 受付日, in SQL (both engines): the difference of the
    years, less one when the birthday (month × 100 + day) falls after the 受付日's in that year.
    NULL when the birth date is not recorded."""
    birth, opened = "person__birth_date", "opened_on"
    birthday = ExtractMonth(birth) * 100 + ExtractDay(birth)
    day_of_year = ExtractMonth(opened) * 100 + ExtractDay(opened)
    before_birthday = models.Case(
        models.When(GreaterThan(birthday, day_of_year), then=models.Value(1)),
        default=models.Value(0),
        output_field=models.IntegerField(),
    )
    return models.ExpressionWrapper(
        ExtractYear(opened) - ExtractYear(birth) - before_birthday, output_field=models.IntegerField()
    )


def _age_band() -> Any:
    whens = [models.When(_age__isnull=True, then=models.Value("unknown"))]
    for key, _label, upper in AGE_BANDS:
        cond = Q(_age__isnull=False) if upper is None else Q(_age__lt=upper)
        whens.append(models.When(cond, then=models.Value(key)))
    return models.Case(*whens, default=models.Value("unknown"), output_field=models.CharField())


HOUSEHOLD_LABELS: tuple[tuple[str, str], ...] = (
    ("single", "単身"),
    ("two", "2人"),
    ("three", "3人"),
    ("four_plus", "4人以上"),
    ("unknown", "不明"),
)


def _living_together() -> models.QuerySet[Any]:
    """The number of 同居 members of the case's person (a subquery)."""
    return (
        HouseholdMember.objects.filter(person_id=OuterRef("person_id"), lives_together=True)
        .values("person_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )


def _household_band() -> Any:
    return models.Case(
        models.When(Q(_has_member=False) & Q(person__household_version__lte=1), then=models.Value("unknown")),
        models.When(_living=0, then=models.Value("single")),
        models.When(_living=1, then=models.Value("two")),
        models.When(_living=2, then=models.Value("three")),
        default=models.Value("four_plus"),
        output_field=models.CharField(),
    )


def _assessments(p: Period) -> models.QuerySet[Any]:
    from tsunagu.cases.models import Assessment

    return Assessment.objects.filter(assessed_on__range=(p.start, p.end))


DISTRIBUTIONS: dict[str, Distribution] = {d.code: d for d in DISTRIBUTIONS_LIST}
