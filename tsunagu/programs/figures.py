"""Figures from the assessment: one source for the amounts the programmes ask for again.

The 住居確保給付金 application (世帯人数・世帯の月収・金融資産・家賃) and the 家計改善支援's 家計表
(収入の種類ごと・住居費) and 債務・滞納 start from what the インテーク・アセスメントシート already holds
(``Assessment.incomes`` / ``debts`` / ``savings`` / ``monthly_rent``) and from the person's 世帯構成
(``persons.HouseholdMember``, 同居 members plus the person). Every figure carries its source
(「アセスメント第2版（令和8年11月30日）」, 「世帯構成」) or None when the record has no value.

Nothing here writes: a difference between what staff typed and the source is offered to the
assessment as a link to a new version prefilled by GET parameters (docs/programs-housing-benefit.md
「アセスメントの値から始める（一つの出典）」); nothing changes until the user saves that version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from tsunagu.cases.models import Assessment, Case, DebtKind, IncomeCategory
from tsunagu.cases.selectors import latest_assessment
from tsunagu.cases.workflow import available_actions
from tsunagu.core.audit import audit_record
from tsunagu.core.dates import wareki
from tsunagu.core.models import AuditAction
from tsunagu.core.offers import offer_token
from tsunagu.persons.models import HouseholdMember

HOUSEHOLD_SOURCE = "世帯構成"
DIFFERS_HEADING = "アセスメントの値と異なります"


def assessment_source(assessment: Assessment) -> str:
    """「アセスメント第2版（令和8年11月30日）」."""
    return f"アセスメント第{assessment.number}版（{wareki(assessment.assessed_on)}）"


@dataclass(frozen=True)
class Figure:
    """One figure and where it comes from; ``value`` None when the record holds none."""

    value: int | None
    source: str | None

    @property
    def note(self) -> str:
        """「アセスメント第2版（令和8年11月30日）より」 (beside the field), or ""."""
        return f"{self.source}より" if self.source and self.value is not None else ""


@dataclass(frozen=True)
class DebtFigure:
    id: int
    kind: str
    kind_label: str
    creditor: str
    amount: int
    monthly_repayment: int | None


@dataclass(frozen=True)
class AssessmentFigures:
    case: Case
    assessment: Assessment | None
    household_size: Figure
    monthly_income: Figure
    financial_assets: Figure
    monthly_rent: Figure
    incomes: dict[str, Figure] = field(default_factory=dict)  # IncomeCategory → figure, in its order
    debts: list[DebtFigure] = field(default_factory=list)

    @property
    def source(self) -> str | None:
        return assessment_source(self.assessment) if self.assessment is not None else None

    def as_dict(self) -> dict[str, Any]:
        """The API's shape (``GET /api/v1/cases/{case_id}/assessment-figures``)."""

        def one(f: Figure) -> dict[str, Any]:
            return {"value": f.value, "source": f.source if f.value is not None else None}

        a = self.assessment
        return {
            "case_id": self.case.pk,
            "assessment": {"id": a.pk, "number": a.number, "assessed_on": a.assessed_on}
            if a is not None
            else None,
            "household_size": one(self.household_size),
            "monthly_income": one(self.monthly_income),
            "financial_assets": one(self.financial_assets),
            "monthly_rent": one(self.monthly_rent),
            "incomes": [
                {"category": c, "category_ja": str(IncomeCategory(c).label), **one(f)}
                for c, f in self.incomes.items()
            ],
            "debts": [
                {
                    "kind": d.kind,
                    "kind_ja": d.kind_label,
                    "creditor": d.creditor,
                    "amount": d.amount,
                    "monthly_repayment": d.monthly_repayment,
                    "source": self.source,
                }
                for d in self.debts
            ],
        }


def household_size_of(case: Case) -> int:
    """1 (the person) + the members of the 世帯構成 who live together (one query)."""
    return 1 + HouseholdMember.objects.filter(person_id=case.person_id, lives_together=True).count()


def figures_for(*, user: Any, case: Case, audit: bool = True) -> AssessmentFigures:
    """The figures of ``case`` (already fetched through the scope) for ``user``.

    ``audit``: a VIEW of the assessment read (screens and API); the case page, which audited its
    own read, passes False.
    """
    assessment = latest_assessment(user=user, case=case)
    size = Figure(household_size_of(case), HOUSEHOLD_SOURCE)
    if assessment is None:
        empty = Figure(None, None)
        return AssessmentFigures(case, None, size, empty, empty, empty)
    if audit:
        audit_record(
            actor=user,
            action=AuditAction.VIEW,
            obj=assessment,
            person_id=case.person_id,
            details={"number": assessment.number, "figures": True},
        )
    source = assessment_source(assessment)
    rows = {i.category: i.amount for i in assessment.incomes.all()}
    incomes = {c: Figure(rows[c], source) for c in IncomeCategory.values if c in rows}
    return AssessmentFigures(
        case=case,
        assessment=assessment,
        household_size=size,
        monthly_income=Figure(sum(rows.values()) if rows else None, source),
        financial_assets=Figure(assessment.savings, source),
        monthly_rent=Figure(assessment.monthly_rent, source),
        incomes=incomes,
        debts=[
            DebtFigure(
                id=d.pk,
                kind=d.kind,
                kind_label=str(DebtKind(d.kind).label),
                creditor=d.creditor,
                amount=d.amount,
                monthly_repayment=d.monthly_repayment,
            )
            for d in assessment.debts.all()
        ],
    )


# --- differences and the offer to the assessment --------------------------------------------------


def _yen(value: int | None) -> str:
    return "未記入" if value is None else f"{value:,}円"


@dataclass(frozen=True)
class Difference:
    """One item whose typed value differs from its source (both shown; nothing copied)."""

    label: str
    source_label: str  # アセスメント / 世帯構成
    source_value: int | None
    value: int | None
    other_label: str  # 申請 / 家計表
    unit: str = "円"
    param: str = ""  # the GET parameter of the new assessment version; "" when not offered

    @property
    def text(self) -> str:
        if self.unit == "人":
            a = "未記入" if self.source_value is None else f"{self.source_value}人"
            b = "未記入" if self.value is None else f"{self.value}人"
        else:
            a, b = _yen(self.source_value), _yen(self.value)
        return f"{self.label} {self.source_label} {a}／{self.other_label} {b}"


@dataclass(frozen=True)
class Differences:
    items: list[Difference]
    offer_url: str = ""  # "" when nothing can be offered or the user may not edit the case

    @property
    def text(self) -> str:
        """「アセスメントの値と異なります：家賃月額 アセスメント 52,000円／申請 55,000円」."""
        return f"{DIFFERS_HEADING}：" + "、".join(d.text for d in self.items) if self.items else ""

    def __bool__(self) -> bool:
        return bool(self.items)


def may_offer_to_assessment(user: Any, case: Case) -> bool:
    """The case page's own rule for offering a new assessment version (``cases.workflow``
    ``available_actions``: CASE_EDIT of the case's agency, and the case in an assessment state)."""
    return bool(available_actions(case, user).get("assess"))


def assessment_offer_url(user: Any, case: Case, text: str, params: Mapping[str, int]) -> str:
    """The new assessment version, prefilled from a signed offer (``core.offers``: the banner
    ``text`` and the values, for this account and this case's form only)."""
    path = reverse("cases:assessment_new", args=[case.pk])
    token = offer_token(user=user, path=path, label=text, values=params)
    return f"{path}?{urlencode({'offer': token})}"


def _differs(a: int | None, b: int | None) -> bool:
    return (a or 0) != (b or 0)


def _finish(user: Any, figures: AssessmentFigures, items: list[Difference]) -> Differences:
    params = {d.param: d.value or 0 for d in items if d.param}
    if not items or not params or not may_offer_to_assessment(user, figures.case):
        return Differences(items)
    diff = Differences(items)
    return Differences(items, assessment_offer_url(user, figures.case, diff.text, params))


def application_differences(*, user: Any, figures: AssessmentFigures, values: Any) -> Differences:
    """What a 住居確保給付金 application (``values`` has its four figures as attributes) says
    differently from the assessment and the 世帯構成. The total income is offered to the
    assessment only when the assessment has exactly one income category."""
    if figures.assessment is None:
        return Differences([])
    items: list[Difference] = []
    size = getattr(values, "household_size", None)
    if figures.household_size.value is not None and size != figures.household_size.value:
        items.append(
            Difference("世帯人数", HOUSEHOLD_SOURCE, figures.household_size.value, size, "申請", unit="人")
        )
    income = getattr(values, "household_monthly_income", None)
    if _differs(figures.monthly_income.value, income):
        param = f"income_{next(iter(figures.incomes))}" if len(figures.incomes) == 1 else ""
        items.append(
            Difference(
                "世帯の月収", "アセスメント", figures.monthly_income.value, income, "申請", param=param
            )
        )
    assets = getattr(values, "household_financial_assets", None)
    if _differs(figures.financial_assets.value, assets):
        items.append(
            Difference(
                "金融資産", "アセスメント", figures.financial_assets.value, assets, "申請", param="savings"
            )
        )
    rent = getattr(values, "monthly_rent", None)
    if _differs(figures.monthly_rent.value, rent):
        items.append(
            Difference(
                "家賃月額", "アセスメント", figures.monthly_rent.value, rent, "申請", param="monthly_rent"
            )
        )
    return _finish(user, figures, items)


HOUSING_EXPENSE = "housing"  # ExpenseCategory.HOUSING (住居費), the 家計表's line for the rent


def budget_differences(
    *, user: Any, figures: AssessmentFigures, incomes: Mapping[str, int], housing: int | None
) -> Differences:
    """What the latest 家計表 (its income lines by category, its 住居費) says differently from the
    assessment. A category absent on one side counts as 0; every difference can be offered."""
    if figures.assessment is None:
        return Differences([])
    items: list[Difference] = []
    for code, label in IncomeCategory.choices:
        source = figures.incomes[code].value if code in figures.incomes else None
        mine = incomes.get(code)
        if _differs(source, mine):
            items.append(
                Difference(str(label), "アセスメント", source, mine, "家計表", param=f"income_{code}")
            )
    if _differs(figures.monthly_rent.value, housing):
        items.append(
            Difference(
                "家賃月額",
                "アセスメント",
                figures.monthly_rent.value,
                housing,
                "家計表",
                param="monthly_rent",
            )
        )
    return _finish(user, figures, items)


def sheet_differences(*, user: Any, figures: AssessmentFigures, sheet: Any) -> Differences:
    """``budget_differences`` for a 家計表 (its lines prefetched or read here: one query)."""
    lines = list(sheet.lines.all())
    return budget_differences(
        user=user,
        figures=figures,
        incomes={x.category: x.amount for x in lines if x.kind == "income"},
        housing=next(
            (x.amount for x in lines if x.kind == "expense" and x.category == HOUSING_EXPENSE), None
        ),
    )


def budget_initial(figures: AssessmentFigures) -> dict[str, int]:
    """The 家計表 form's initial lines from the assessment: income by category, the rent as 住居費."""
    out = {f"income_{c}": f.value for c, f in figures.incomes.items() if f.value is not None}
    if figures.monthly_rent.value is not None:
        out[f"expense_{HOUSING_EXPENSE}"] = figures.monthly_rent.value
    return out


def budget_sources(figures: AssessmentFigures) -> dict[str, str]:
    """{form field: 「アセスメント第N版（…）より」} for the lines ``budget_initial`` fills."""
    out = {f"income_{c}": f.note for c, f in figures.incomes.items() if f.note}
    if figures.monthly_rent.note:
        out[f"expense_{HOUSING_EXPENSE}"] = figures.monthly_rent.note
    return out


def application_initial(figures: AssessmentFigures) -> tuple[dict[str, int], dict[str, str]]:
    """(initial values, {field: source note}) for a new 住居確保給付金 application."""
    pairs = {
        "household_size": figures.household_size,
        "household_monthly_income": figures.monthly_income,
        "household_financial_assets": figures.financial_assets,
        "monthly_rent": figures.monthly_rent,
    }
    initial = {k: f.value for k, f in pairs.items() if f.value is not None}
    notes = {k: f.note for k, f in pairs.items() if f.note}
    return initial, notes
