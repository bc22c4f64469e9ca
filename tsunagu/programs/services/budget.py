"""Writes for 家計改善支援: 家計表, 債務・滞納, 家計計画, 貸付 (生活福祉資金).

Written by the holders of ``budget.edit`` of the case's own agency (``policies.budget_writer``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction

from tsunagu.cases.models import Case
from tsunagu.core.audit import audit_record
from tsunagu.core.idempotency import create_once
from tsunagu.core.locking import StaleVersionError, VersionMissingError, lock
from tsunagu.core.models import AuditAction
from tsunagu.organizations.roles import Permission

from ..models import (
    BudgetLine,
    BudgetLineKind,
    BudgetPlan,
    Debt,
    DebtKind,
    DebtStatus,
    ExpenseCategory,
    HouseholdBudgetSheet,
    IncomeCategory,
    LoanKind,
    LoanLink,
    LoanStatus,
)
from ..validation import MAX_MONTHLY_YEN

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

from .common import (
    MAX_DEBT_YEN,
    MAX_TEXT,
    _a_date,
    _check_yen,
    _raise,
    _require_case_staff,
    _save_checked,
    _text,
)


def _require_budget_writer(actor: User, case: Case) -> None:
    """家計改善支援 records are written by the holders of ``budget.edit`` (家計改善支援員・主任) of
    the case's own agency — the permission is the gate, not a role."""
    _require_case_staff(actor, case, Permission.BUDGET_SUPPORT)


def _budget_row(case: Case, actor: User) -> dict[str, Any]:
    return {
        "agency_id": case.agency_id,
        "municipality_id": case.municipality_id,
        "case": case,
        "created_by": actor,
    }


_BUDGET_EXCLUDE = ["agency", "municipality", "case", "created_by", "sheet"]


def budget_sheet_save(
    *,
    actor: User,
    case: Case,
    as_of: Any,
    incomes: dict[str, Any],
    expenses: dict[str, Any],
    note: str = "",
) -> HouseholdBudgetSheet:
    """家計表 as of a date: the lines given replace the sheet's lines (one sheet per case and date)."""
    _require_budget_writer(actor, case)
    errors: dict[str, str] = {}
    day = _a_date(errors, "as_of", as_of, "基準日")
    note = _text(errors, "note", note, "備考", required=False, max_len=MAX_TEXT)
    lines: list[tuple[str, str, int]] = []
    for kind, given, allowed in (
        (BudgetLineKind.INCOME, incomes, IncomeCategory),
        (BudgetLineKind.EXPENSE, expenses, ExpenseCategory),
    ):
        labels = dict(allowed.choices)
        for code, value in (given or {}).items():
            if code not in labels:
                errors[f"{kind.value}_{code}"] = f"「{code}」は{kind.label}の項目にありません。"
                continue
            if value is None or value == "":
                continue
            amount = _check_yen(
                errors, f"{kind.value}_{code}", value, str(labels[code]), maximum=MAX_MONTHLY_YEN
            )
            if amount is not None:
                lines.append((kind.value, code, amount))
    _raise(errors)
    assert day is not None
    with transaction.atomic():
        sheet = HouseholdBudgetSheet.objects.select_for_update().filter(case=case, as_of=day).first()
        created = sheet is None
        if sheet is None:
            sheet = HouseholdBudgetSheet(as_of=day, note=note, **_budget_row(case, actor))
            sheet.save()
        else:
            sheet.note = note
            sheet.save(update_fields=["note"])
            sheet.lines.all().delete()
        BudgetLine.objects.bulk_create(
            [BudgetLine(sheet=sheet, kind=k, category=c, amount=a) for k, c, a in lines]
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=sheet,
            person_id=case.person_id,
            details={"case_id": case.pk, "as_of": str(day), "lines": len(lines)},
        )
    return sheet


def debt_add(*, actor: User, case: Case, values: dict[str, Any], idempotency_key: str | None = None) -> Debt:
    """債務・滞納 (税・家賃・公共料金・借入) with its status."""
    record, _created = create_once(
        actor=actor,
        scope="debt",
        key=idempotency_key,
        model=Debt,
        create=lambda: _debt_add(actor=actor, case=case, values=values),
    )
    return record


def _debt_add(*, actor: User, case: Case, values: dict[str, Any]) -> Debt:
    _require_budget_writer(actor, case)
    errors: dict[str, str] = {}
    kind = values.get("kind")
    if kind not in DebtKind.values:
        errors["kind"] = "種類（税・家賃・公共料金・借入・その他）を選んでください。"
    status = values.get("status")
    if status not in DebtStatus.values:
        errors["status"] = "状況（滞納中・分納中・相談中・完済・債務整理中）を選んでください。"
    creditor = _text(errors, "creditor", values.get("creditor"), "債権者・滞納先", required=True, max_len=200)
    amount = _check_yen(errors, "amount", values.get("amount"), "残額", maximum=MAX_DEBT_YEN)
    repayment = values.get("monthly_repayment", 0)
    repayment = _check_yen(
        errors,
        "monthly_repayment",
        0 if repayment is None else repayment,
        "月々の返済・分納額",
        maximum=MAX_MONTHLY_YEN,
    )
    note = _text(errors, "note", values.get("note"), "備考", required=False, max_len=MAX_TEXT)
    sheet = values.get("sheet")
    if sheet is not None and getattr(sheet, "case_id", None) != case.pk:
        errors["sheet"] = "このケースの家計表を選んでください。"
    _raise(errors)
    assert kind is not None and status is not None and amount is not None and repayment is not None
    with transaction.atomic():
        debt = Debt(
            kind=kind,
            status=status,
            creditor=creditor,
            amount=amount,
            monthly_repayment=repayment,
            note=note,
            sheet=sheet,
            **_budget_row(case, actor),
        )
        _save_checked(debt, exclude=_BUDGET_EXCLUDE)
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=debt, person_id=case.person_id, details={"kind": kind}
        )
    return debt


def debts_add_from_assessment(*, actor: User, case: Case, debts: Sequence[Any], status: str) -> list[Debt]:
    """Add the chosen 債務・滞納 of the assessment (``figures.DebtFigure``: kind, creditor, amount,
    monthly_repayment) as the case's debts with ``status``, in one transaction. A debt already
    recorded (same kind, creditor and amount) is not added twice (a double submit adds nothing)."""
    _require_budget_writer(actor, case)
    if status not in DebtStatus.values:
        _raise({"status": "状況（滞納中・分納中・相談中・完済・債務整理中）を選んでください。"})
    if not debts:
        _raise({"debts": "追加する債務を選んでください。"})
    added: list[Debt] = []
    with transaction.atomic():
        lock(case)
        for d in debts:
            creditor = (d.creditor or "").strip() or str(DebtKind(d.kind).label)
            if Debt.objects.filter(case=case, kind=d.kind, creditor=creditor, amount=d.amount).exists():
                continue
            debt = Debt(
                kind=d.kind,
                status=status,
                creditor=creditor,
                amount=d.amount,
                monthly_repayment=d.monthly_repayment or 0,
                note="アセスメントの債務から追加",
                **_budget_row(case, actor),
            )
            _save_checked(debt, exclude=_BUDGET_EXCLUDE)
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=debt,
                person_id=case.person_id,
                details={"kind": d.kind, "from_assessment": True},
            )
            added.append(debt)
    return added


DEBT_STALE = "この債務・滞納の記録は、画面を開いた後に他の職員が更新しました。最新の内容を確認してください。"


def debt_status_update(
    *, actor: User, case: Case, debt_id: int, expected_status: str, status: str, amount: int
) -> Debt:
    """Update a debt's status and remaining amount (e.g. 分納中 → 完済).

    ``expected_status`` is the status the user saw (the debt's version for this edit): if someone
    changed the debt since, the save is refused with ``core.locking.StaleVersionError`` (nothing
    overwritten silently); without it the save is refused (``VersionMissingError``).
    """
    _require_budget_writer(actor, case)
    errors: dict[str, str] = {}
    if status not in DebtStatus.values:
        errors["status"] = "状況（滞納中・分納中・相談中・完済・債務整理中）を選んでください。"
    checked = _check_yen(errors, "amount", amount, "残額", maximum=MAX_DEBT_YEN)
    debt = Debt.objects.filter(pk=debt_id, case=case).first()
    if debt is None:
        errors[NON_FIELD_ERRORS] = "このケースの債務・滞納の記録ではありません。"
    _raise(errors)
    assert debt is not None and checked is not None
    if not expected_status:
        raise VersionMissingError("expected_status")
    with transaction.atomic():
        locked = lock(debt)
        if locked.status != expected_status:
            raise StaleVersionError(locked, message=DEBT_STALE)
        Debt.objects.filter(pk=debt.pk).update(status=status, amount=checked)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=debt,
            person_id=case.person_id,
            details={"status": [expected_status, status], "amount": [debt.amount, checked]},
        )
        debt.refresh_from_db()
    return debt


def budget_plan_add(
    *, actor: User, case: Case, values: dict[str, Any], idempotency_key: str | None = None
) -> BudgetPlan:
    """家計計画: goals, the monthly plan, a saving / repayment target and a review date."""
    record, _created = create_once(
        actor=actor,
        scope="budget_plan",
        key=idempotency_key,
        model=BudgetPlan,
        create=lambda: _budget_plan_add(actor=actor, case=case, values=values),
    )
    return record


def _budget_plan_add(*, actor: User, case: Case, values: dict[str, Any]) -> BudgetPlan:
    _require_budget_writer(actor, case)
    errors: dict[str, str] = {}
    made_on = _a_date(errors, "made_on", values.get("made_on"), "作成日")
    goals = _text(errors, "goals", values.get("goals"), "目標", required=True, max_len=MAX_TEXT)
    plan_text = _text(
        errors,
        "monthly_plan",
        values.get("monthly_plan"),
        "月々の家計の計画",
        required=True,
        max_len=MAX_TEXT,
    )
    target = values.get("monthly_saving_target", 0)
    target = _check_yen(
        errors,
        "monthly_saving_target",
        0 if target is None else target,
        "月々の目標額",
        maximum=MAX_MONTHLY_YEN,
    )
    review_on = values.get("review_on")
    if review_on is not None and not isinstance(review_on, date):
        errors["review_on"] = "見直し予定日を正しく入力してください。"
    elif review_on and made_on and review_on < made_on:
        errors["review_on"] = "見直し予定日は作成日以降にしてください。"
    _raise(errors)
    assert made_on is not None and target is not None
    with transaction.atomic():
        plan = BudgetPlan(
            made_on=made_on,
            goals=goals,
            monthly_plan=plan_text,
            monthly_saving_target=target,
            review_on=review_on,
            sheet=values.get("sheet"),
            **_budget_row(case, actor),
        )
        _save_checked(plan, exclude=_BUDGET_EXCLUDE)
        audit_record(actor=actor, action=AuditAction.CREATE, obj=plan, person_id=case.person_id, details={})
    return plan


def loan_link_add(
    *, actor: User, case: Case, values: dict[str, Any], idempotency_key: str | None = None
) -> LoanLink:
    """生活福祉資金 (総合支援資金・緊急小口資金・福祉資金・教育支援資金) linked to the case."""
    record, _created = create_once(
        actor=actor,
        scope="loan_link",
        key=idempotency_key,
        model=LoanLink,
        create=lambda: _loan_link_add(actor=actor, case=case, values=values),
    )
    return record


def _loan_link_add(*, actor: User, case: Case, values: dict[str, Any]) -> LoanLink:
    _require_budget_writer(actor, case)
    errors: dict[str, str] = {}
    kind = values.get("kind")
    if kind not in LoanKind.values:
        errors["kind"] = "資金の種類を選んでください。"
    status = values.get("status")
    if status not in LoanStatus.values:
        errors["status"] = "状況を選んでください。"
    applied_on = _a_date(errors, "applied_on", values.get("applied_on"), "申請日（相談日）")
    amount = values.get("amount")
    if amount is not None and amount != "":
        amount = _check_yen(errors, "amount", amount, "貸付額", maximum=MAX_DEBT_YEN)
    else:
        amount = None
    note = _text(errors, "note", values.get("note"), "備考", required=False, max_len=MAX_TEXT)
    _raise(errors)
    assert kind is not None and status is not None and applied_on is not None
    with transaction.atomic():
        loan = LoanLink(
            kind=kind,
            status=status,
            applied_on=applied_on,
            amount=amount,
            note=note,
            **_budget_row(case, actor),
        )
        _save_checked(loan, exclude=_BUDGET_EXCLUDE)
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=loan, person_id=case.person_id, details={"kind": kind}
        )
    return loan
