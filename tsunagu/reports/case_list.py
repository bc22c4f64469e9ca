"""支援ケース一覧 (自立相談支援機関使用標準様式【4】): its columns, declared once, and its period.

Every column is one entry of ``COLUMNS``: its key (the layout, the API), its Japanese header (the
screen, the xlsx and CSV header row, the API) and how its value is read from a case of
``case_rows`` — only from what that queryset annotates, selects or prefetches, so that a list costs
the same number of queries whatever the number of cases. Code values are shown by the labels of
the case's municipality (``core.codes.code_labels``), dates in 和暦 (``core.dates.wareki``) unless
西暦 is asked for.

The national form's exact columns are not published; each 実施主体 chooses among these columns and
their order (``models.CaseListLayout``, ``docs/reports.md``). ``STANDARD_KEYS`` is the set used
when a municipality has saved none.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import models
from django.db.models import Exists, Max, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from tsunagu.cases.models import (
    Case,
    CaseState,
    CaseTransition,
    EmploymentOutcome,
    ScreeningOutcome,
    StatutoryProgram,
    SupportPlan,
)
from tsunagu.core.codes import code_labels
from tsunagu.core.dates import age_on, fiscal_year_label, wareki
from tsunagu.core.models import CodeList
from tsunagu.meetings.models import Decision
from tsunagu.persons.models import Gender
from tsunagu.programs.models import (
    ApplicationState,
    BudgetPlan,
    EnrolmentProgram,
    HouseholdBudgetSheet,
    HousingBenefitApplication,
    ProgramEnrolment,
)

# --- the period: a 年度 and a range of its months ----------------------------------------------------

FISCAL_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)


@dataclass(frozen=True)
class ListPeriod:
    """Months ``first``..``last`` (calendar months, in 年度 order: 4 … 12, 1 … 3) of 年度 ``fiscal_year``."""

    fiscal_year: int
    first: int = 4
    last: int = 3

    def __post_init__(self) -> None:
        if not 2000 <= self.fiscal_year <= 2100:
            raise ValueError("年度は2000年度から2100年度の間で指定してください。")
        if self.first not in FISCAL_MONTHS or self.last not in FISCAL_MONTHS:
            raise ValueError("月は1から12の数で指定してください。")
        if FISCAL_MONTHS.index(self.first) > FISCAL_MONTHS.index(self.last):
            raise ValueError("終わりの月は始めの月以降（年度の中の順：4月〜翌3月）にしてください。")

    def _year(self, month: int) -> int:
        return self.fiscal_year if month >= 4 else self.fiscal_year + 1

    @property
    def start(self) -> date:
        return date(self._year(self.first), self.first, 1)

    @property
    def end(self) -> date:
        y = self._year(self.last)
        return date(y, self.last, calendar.monthrange(y, self.last)[1])

    @property
    def whole_year(self) -> bool:
        return self.first == 4 and self.last == 3

    def label(self, *, seireki: bool = False) -> str:
        fy = fiscal_year_label(self.fiscal_year, seireki=seireki)
        if self.whole_year:
            return fy
        if self.first == self.last:
            return f"{fy} {self.first}月"
        return f"{fy} {self.first}月〜{self.last}月"

    @property
    def key(self) -> str:
        """``FY2026`` or ``FY2026-04-09`` (file names, audit rows)."""
        return (
            f"FY{self.fiscal_year}"
            if self.whole_year
            else f"FY{self.fiscal_year}-{self.first:02d}-{self.last:02d}"
        )


def period_cases_q(period: ListPeriod) -> Q:
    """Cases open at any time in the period: 受付日 ≤ its end, and not 終結・中断 before its start.

    A case that ended at スクリーニング has no 終結日: it ends on the day of that transition, so one
    screened out in an earlier period is not listed again in every later one."""
    start = timezone.make_aware(datetime.combine(period.start, time.min))
    screened_since_start = Exists(
        CaseTransition.objects.filter(
            case=OuterRef("pk"), to_state=CaseState.ENDED_AT_SCREENING, occurred_at__gte=start
        )
    )
    ended_at_screening = Q(state=CaseState.ENDED_AT_SCREENING)
    return Q(opened_on__lte=period.end) & (
        (ended_at_screening & (Q(opened_on__gte=period.start) | screened_since_start))
        | (~ended_at_screening & (Q(closed_on__isnull=True) | Q(closed_on__gte=period.start)))
    )


# --- reading one case ------------------------------------------------------------------------------


@dataclass
class RowContext:
    """What every value needs besides the case: the 和暦/西暦 choice and the municipalities' labels
    (read once per list and municipality, never per case)."""

    seireki: bool = False
    _labels: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)

    def label(self, list_key: CodeList, case: Case, code: str) -> str:
        if not code:
            return ""
        key = (str(list_key), case.municipality_id)
        if key not in self._labels:
            self._labels[key] = code_labels(list_key, case.municipality_id)
        return self._labels[key].get(code, code)

    def labels(self, list_key: CodeList, case: Case, codes: Iterable[str]) -> str:
        return "、".join(self.label(list_key, case, c) for c in codes if c)


Reader = Callable[[Case, RowContext], Any]


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    read: Reader
    kind: str = "text"  # text | date | number


def _intake(case: Case) -> Any:
    return getattr(case, "intake", None)


def _intake_value(name: str) -> Callable[[Case], str]:
    def read(case: Case) -> str:
        intake = _intake(case)
        return str(getattr(intake, name, "") or "") if intake is not None else ""

    return read


def _age(case: Case, ctx: RowContext) -> int | None:
    birth = case.person.birth_date
    return age_on(birth, case.opened_on) if birth else None


def _gender(case: Case, ctx: RowContext) -> str:
    g = case.person.gender
    return str(Gender(g).label) if g in Gender.values else g


def _topics(case: Case, ctx: RowContext) -> str:
    intake = _intake(case)
    topics = (intake.topics if intake is not None else None) or case.topics or []
    return ctx.labels(CodeList.CONSULTATION_TOPIC, case, topics)


def _screening(case: Case, ctx: RowContext) -> str:
    outcome = _intake_value("screening_outcome")(case)
    return str(ScreeningOutcome(outcome).label) if outcome in ScreeningOutcome.values else outcome


def _programs_used(case: Case, ctx: RowContext) -> str:
    """Every programme the case used: the 支援決定 of a plan (決定した事業), a 住居確保給付金 awarded,
    an enrolment (利用開始) and a 家計表・家計再生プラン (家計改善支援). Each named once."""
    used: dict[str, str] = {}
    for decision in case.report_decisions:  # type: ignore[attr-defined]
        for code in decision.programs or []:
            if code in StatutoryProgram.values:
                used.setdefault(code, str(StatutoryProgram(code).label))
    if case.report_housing:  # type: ignore[attr-defined]
        used.setdefault(StatutoryProgram.HOUSING_BENEFIT, str(StatutoryProgram.HOUSING_BENEFIT.label))
    for enrolment in case.report_enrolments:  # type: ignore[attr-defined]
        if enrolment.program in StatutoryProgram.values:
            used.setdefault(enrolment.program, str(StatutoryProgram(enrolment.program).label))
        else:
            used.setdefault(enrolment.program, str(EnrolmentProgram(enrolment.program).label))
    if case.report_budget_sheet or case.report_budget_plan:  # type: ignore[attr-defined]
        used.setdefault(StatutoryProgram.HOUSEHOLD_BUDGET, str(StatutoryProgram.HOUSEHOLD_BUDGET.label))
    order = {code: i for i, code in enumerate([*StatutoryProgram.values, *EnrolmentProgram.values])}
    return "、".join(label for code, label in sorted(used.items(), key=lambda kv: order.get(kv[0], 99)))


def _outcomes(case: Case, ctx: RowContext) -> str:
    parts = []
    for o in sorted(case.report_outcomes, key=lambda o: (o.occurred_on, o.pk)):  # type: ignore[attr-defined]
        kind = "就労" if o.kind == "employed" else "増収"
        parts.append(f"{kind}（{wareki(o.occurred_on, seireki=ctx.seireki)}）")
    return "、".join(parts)


def _worker(case: Case, ctx: RowContext) -> str:
    return str(case.assigned_worker) if case.assigned_worker_id else ""


def _applied_on(case: Case, ctx: RowContext) -> date | None:
    intake = _intake(case)
    return intake.applied_on if intake is not None else None


COLUMNS: tuple[Column, ...] = (
    Column("no", "No.", lambda c, ctx: None, "number"),  # filled with the row's number in the list
    Column("case_number", "ケース番号", lambda c, ctx: c.case_number),
    Column("opened_on", "受付日", lambda c, ctx: c.opened_on, "date"),
    Column("name", "氏名", lambda c, ctx: c.person.name),
    Column("gender", "性別", _gender),
    Column("age", "年齢（受付日現在）", _age, "number"),
    Column(
        "route", "相談経路", lambda c, ctx: ctx.label(CodeList.REFERRAL_ROUTE, c, _intake_value("route")(c))
    ),
    Column(
        "main_topic",
        "最も困っていること（◎）",
        lambda c, ctx: ctx.label(CodeList.CONSULTATION_TOPIC, c, _intake_value("main_topic")(c)),
    ),
    Column("topics", "相談したいこと", _topics),
    Column(
        "work_status",
        "仕事（受付時）",
        lambda c, ctx: ctx.label(CodeList.WORK_STATUS, c, _intake_value("work_status")(c)),
    ),
    Column(
        "housing_type",
        "住居（受付時）",
        lambda c, ctx: ctx.label(CodeList.HOUSING_TYPE, c, _intake_value("housing_type")(c)),
    ),
    Column("state", "状態", lambda c, ctx: str(CaseState(c.state).label)),
    Column("screening", "スクリーニング結果", _screening),
    Column("applied_on", "利用申込日", _applied_on, "date"),
    Column("first_decision_on", "初回プランの支援決定日", lambda c, ctx: c.report_first_decision_on, "date"),  # type: ignore[attr-defined]
    Column("plan_versions", "プラン版数", lambda c, ctx: c.report_plan_versions, "number"),  # type: ignore[attr-defined]
    Column(
        "employment_target",
        "就労支援対象",
        lambda c, ctx: "○" if c.report_employment_target else "",  # type: ignore[attr-defined]
    ),
    Column("programs_used", "利用した事業", _programs_used),
    Column("employment_outcomes", "就労・増収", _outcomes),
    Column("closed_on", "終結日（中断日）", lambda c, ctx: c.closed_on, "date"),
    Column(
        "closure_reason",
        "終結理由",
        lambda c, ctx: ctx.label(CodeList.CLOSURE_REASON, c, c.closure_reason),
    ),
    Column("worker", "担当者", _worker),
)

COLUMNS_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
STANDARD_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)


def clean_keys(keys: Iterable[str]) -> list[str]:
    """Known keys, each once, in the order given (a key retired from ``COLUMNS`` drops out)."""
    return list(dict.fromkeys(k for k in keys if k in COLUMNS_BY_KEY))


def columns_of(keys: Sequence[str]) -> list[Column]:
    return [COLUMNS_BY_KEY[k] for k in clean_keys(keys)] or list(COLUMNS)


# --- the queryset ----------------------------------------------------------------------------------


_AWARDED = (ApplicationState.AWARDED, ApplicationState.STOPPED, ApplicationState.ENDED)


def case_rows(qs: models.QuerySet[Case]) -> models.QuerySet[Case]:
    """``qs`` (already scoped) with everything the columns read: a fixed number of queries for a
    page or a file (one for the cases, one per prefetch), none per case."""
    first_decision = (
        Decision.objects.filter(case_id=OuterRef("pk"), plan__number=1)
        .order_by("decided_on")
        .values("decided_on")[:1]
    )
    plan_versions = (
        SupportPlan.objects.filter(case_id=OuterRef("pk"))
        .values("case_id")
        .annotate(n=Max("number"))
        .values("n")[:1]
    )
    return (
        qs.select_related("person", "assigned_worker", "intake")
        .annotate(
            report_first_decision_on=Subquery(first_decision),
            report_plan_versions=Subquery(plan_versions),
            report_employment_target=Exists(
                Decision.objects.filter(case_id=OuterRef("pk"), plan__employment_support_target=True)
            ),
            report_housing=Exists(
                HousingBenefitApplication.objects.filter(case_id=OuterRef("pk"), state__in=_AWARDED)
            ),
            report_budget_sheet=Exists(HouseholdBudgetSheet.objects.filter(case_id=OuterRef("pk"))),
            report_budget_plan=Exists(BudgetPlan.objects.filter(case_id=OuterRef("pk"))),
        )
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=Decision.objects.only("id", "case_id", "programs"),
                to_attr="report_decisions",
            ),
            Prefetch(
                "enrolments",
                queryset=ProgramEnrolment.objects.only("id", "case_id", "program"),
                to_attr="report_enrolments",
            ),
            Prefetch(
                "employment_outcomes",
                queryset=EmploymentOutcome.objects.only("id", "case_id", "kind", "occurred_on"),
                to_attr="report_outcomes",
            ),
        )
        .order_by("opened_on", "case_number", "pk")
    )


def shown(value: Any, column: Column, ctx: RowContext) -> Any:
    """A value as the screen and the files show it: dates in 和暦 (or 西暦), None as empty."""
    if value is None:
        return ""
    if column.kind == "date" and isinstance(value, date):
        return wareki(value, seireki=ctx.seireki)
    return value


def row_values(case: Case, number: int, columns: Sequence[Column], ctx: RowContext) -> list[Any]:
    """One line of the list: the shown value of each column (``number`` goes in No.)."""
    return [number if c.key == "no" else shown(c.read(case, ctx), c, ctx) for c in columns]
