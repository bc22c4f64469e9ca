"""Writes for 住居確保給付金: the application (申請の受付), the decision and the payments.

The state an action may start from is checked against ``workflow.ACTIONS`` under the row
lock.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from tsunagu.cases.models import Case
from tsunagu.core.audit import audit_record
from tsunagu.core.dates import add_months, wareki
from tsunagu.core.idempotency import create_once
from tsunagu.core.models import AuditAction
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from .. import housing_rules as hr
from .. import workflow
from ..lookups import (
    assessment_for_application,
    housing_assess,
    job_search_requirement_in_force,
    last_recorded_payment_month,
    payment_cap_for_month,
)
from ..models import (
    ApplicationState,
    BenefitType,
    DecisionOutcome,
    HousingBenefitApplication,
    HousingBenefitDecision,
    HousingBenefitPayment,
    HousingBenefitStop,
)
from ..validation import MAX_MONTHLY_YEN

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

from .common import (
    CONCURRENT,
    _bump,
    _check_date,
    _check_yen,
    _locked,
    _raise,
    _require_officer_of,
    _today,
)

APPLICATION_INPUT_FIELDS = (
    "application_date",
    "cause",
    "job_loss_date",
    "income_drop_date",
    "is_main_earner",
    "household_size",
    "household_monthly_income",
    "household_financial_assets",
    "monthly_rent",
    "unable_to_seek_work_days",
    "previous_award_last_payment_date",
    "reaward_cause",
    "receives_overlapping_housing_aid",
    "household_member_is_gang_member",
    "supported_by_household_budget_program",
    "relocation_costs",
)
EXPLAINED_FIELDS = {
    "explained_stop_conditions": "中止事項を説明し、同意を得たことを確認してください。",
    "explained_extension": "延長できることを説明したことを確認してください。",
    "explained_extension_requirements": "延長の要件を説明したことを確認してください。",
}


# --- Application ------------------------------------------------------------------------------------


def housing_application_create(
    *,
    actor: User,
    case: Case,
    values: dict[str, Any],
    idempotency_key: str | None = None,
    submission_token: str | None = None,
) -> HousingBenefitApplication:
    """申請の受付 at the centre, linked to a case; the inputs are checked exactly as the 簡易判定 does.

    The explanations (中止事項・延長できること・延長の要件) must be recorded. A repeated submission
    with the same ``idempotency_key`` (``submission_token`` is its older name) by the same account
    returns the application that account already created (``core.idempotency``: a key never
    reaches another account or agency).
    """
    guards.require_agency_of(actor, case, Permission.CASE_EDIT, message="他機関のケースです。")
    application, _created = create_once(
        actor=actor,
        scope="housing_benefit_application",
        key=idempotency_key or _legacy_key(submission_token),
        model=HousingBenefitApplication,
        create=lambda: _application_create(actor=actor, case=case, values=values),
    )
    return application


def _legacy_key(token: str | None) -> str | None:
    """``submission_token`` (any string up to 64 characters, as before) as an idempotency key."""
    if not token:
        return None
    return "st:" + hashlib.sha256(token.encode()).hexdigest()[:40]


def _application_create(*, actor: User, case: Case, values: dict[str, Any]) -> HousingBenefitApplication:
    errors: dict[str, list[str]] = {}
    for name, message in EXPLAINED_FIELDS.items():
        if values.get(name) is not True:
            errors[name] = [message]
    if not case.is_open:
        errors.setdefault(NON_FIELD_ERRORS, []).append("終結・中断したケースには申請を登録できません。")
    btype = values.get("type", values.get("benefit_type"))
    assess_values = {k: values.get(k) for k in APPLICATION_INPUT_FIELDS}
    assess_values |= {"type": btype, "municipality_code": case.municipality.code}
    recorded = last_recorded_payment_month(case.person_id)
    if recorded is not None:
        # 再支給: the earlier award's last payment as recorded here, whatever was typed.
        assess_values["previous_award_last_payment_date"] = recorded
    assessment = None
    try:
        assessment = housing_assess(assess_values)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(NON_FIELD_ERRORS if field == "municipality_code" else field, []).extend(
                messages
            )
    payee = {k: (values.get(k) or "").strip() for k in ("payee_name", "payee_account_holder")}
    for k, v in payee.items():
        if len(v) > 100:
            errors[k] = ["100文字以内で入力してください。"]
    open_apps = HousingBenefitApplication.objects.filter(
        person_id=case.person_id, state__in=[ApplicationState.APPLIED, ApplicationState.AWARDED]
    )
    if open_apps.exists():
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            "この方には決定待ちまたは支給中の住居確保給付金があります。終了・中止の後に申請してください。"
        )
    if errors:
        raise ValidationError(errors)
    assert assessment is not None
    inp = assessment.input
    try:
        with transaction.atomic():
            application = HousingBenefitApplication(
                agency_id=case.agency_id,
                municipality_id=case.municipality_id,
                person_id=case.person_id,
                case=case,
                benefit_type=inp.type.value,
                cause=inp.cause.value,
                application_date=inp.application_date,
                job_loss_date=inp.job_loss_date,
                income_drop_date=inp.income_drop_date,
                is_main_earner=inp.is_main_earner,
                household_size=inp.household_size,
                household_monthly_income=inp.household_monthly_income,
                household_financial_assets=inp.household_financial_assets,
                monthly_rent=inp.monthly_rent,
                unable_to_seek_work_days=inp.unable_to_seek_work_days,
                previous_award_last_payment_date=inp.previous_award_last_payment_date,
                reaward_cause=inp.reaward_cause.value if inp.reaward_cause else "",
                receives_overlapping_housing_aid=inp.receives_overlapping_housing_aid,
                household_member_is_gang_member=inp.household_member_is_gang_member,
                supported_by_household_budget_program=inp.supported_by_household_budget_program,
                relocation_costs=inp.relocation_costs,
                explained_stop_conditions=True,
                explained_extension=True,
                explained_extension_requirements=True,
                created_by=actor,
                **payee,
            )
            application.full_clean(
                exclude=["case", "agency", "municipality", "person", "created_by", "submission_token"]
            )
            application.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=application,
                person_id=case.person_id,
                details={
                    "case_id": case.pk,
                    "benefit_type": inp.type.value,
                    "eligible": assessment.result.eligible,
                    "monthly_amount": assessment.result.monthly_amount,
                    "relocation_amount": assessment.result.relocation_amount,
                    "rule_id": assessment.rule.pk,
                },
            )
    except IntegrityError as exc:
        raise ValidationError(CONCURRENT) from exc
    return application


# --- Decision ---------------------------------------------------------------------------------------


def housing_decision_record(
    *,
    actor: User,
    application: HousingBenefitApplication,
    outcome: str,
    decided_on: Any,
    reason: str = "",
    first_month: Any = None,
) -> HousingBenefitDecision:
    """支給決定 or 不支給 by the municipality's 自治体担当者.

    The requirements are assessed again with the table in force on the application date and kept
    with the decision (rule row ids + the requirement list), so the decision can be re-explained.
    A 支給決定 is refused while any requirement is not met.
    """
    _require_officer_of(actor, application.municipality_id)
    errors: dict[str, str] = {}
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = "支給決定か不支給かを選んでください。"
    _check_date(
        errors,
        "decided_on",
        decided_on,
        "決定日",
        not_before=application.application_date,
        before_label="申請日",
    )
    reason = (reason or "").strip()
    if outcome == DecisionOutcome.REJECT and not reason:
        errors["reason"] = "不支給の理由を入力してください。"
    start = hr.first_of_month(application.application_date)
    if outcome == DecisionOutcome.AWARD:
        if first_month in (None, ""):
            first_month = start
        if not isinstance(first_month, date):
            errors["first_month"] = "支給開始月を入力してください。"
        else:
            first_month = hr.first_of_month(first_month)
            latest = add_months(
                hr.first_of_month(decided_on if isinstance(decided_on, date) else _today()), 1
            )
            if first_month < start:
                errors["first_month"] = f"支給開始月は申請月（{hr.month_label(start)}）以降にしてください。"
            elif first_month > latest:
                errors["first_month"] = (
                    f"支給開始月は決定月の翌月（{hr.month_label(latest)}）までにしてください。"
                )
    _raise(errors)
    try:
        with transaction.atomic():
            locked = _locked(application)
            workflow.check_state("decision", locked)
            if HousingBenefitDecision.objects.filter(application=locked).exists():
                raise ValidationError(workflow.ACTION["decision"].refused)
            assessment = assessment_for_application(locked)
            result = assessment.result
            if outcome == DecisionOutcome.AWARD and not result.eligible:
                raise ValidationError(
                    {
                        "outcome": "要件を満たしていないため支給決定できません: "
                        + " ".join(r.message_ja for r in result.not_met)
                    }
                )
            job_rule = None
            if locked.benefit_type == BenefitType.RENT:
                job_rule = job_search_requirement_in_force(
                    municipality=locked.municipality, cause=locked.cause, on=locked.application_date
                )
            award = outcome == DecisionOutcome.AWARD
            decision = HousingBenefitDecision(
                application=locked,
                agency_id=locked.agency_id,
                municipality_id=locked.municipality_id,
                person_id=locked.person_id,
                outcome=outcome,
                decided_on=decided_on,
                decided_by=actor,
                reason=reason,
                rule=assessment.rule,
                job_search_rule=job_rule,
                monthly_amount=result.monthly_amount if award else 0,
                relocation_amount=result.relocation_amount if award else 0,
                base_amount=result.base_amount,
                rent_cap=result.rent_cap,
                income_limit=result.income_limit,
                asset_limit=result.asset_limit,
                first_month=first_month if award else None,
                requirements=[r.as_dict() for r in result.requirements],
            )
            decision.full_clean(
                exclude=["application", "agency", "municipality", "person", "decided_by", "rule"]
            )
            decision.save()
            if award:
                months = hr.INITIAL_PERIOD_MONTHS if locked.benefit_type == BenefitType.RENT else 1
                _bump(locked, state=ApplicationState.AWARDED, first_month=first_month, months_awarded=months)
            else:
                _bump(locked, state=ApplicationState.REJECTED)
            audit_record(
                actor=actor,
                action=AuditAction.TRANSITION,
                obj=locked,
                person_id=locked.person_id,
                details={
                    "transition": "decide",
                    "outcome": outcome,
                    "decision_id": decision.pk,
                    "rule_id": assessment.rule.pk,
                    "job_search_rule_id": job_rule.pk if job_rule else None,
                    "monthly_amount": decision.monthly_amount,
                    "relocation_amount": decision.relocation_amount,
                },
            )
    except IntegrityError as exc:
        raise ValidationError(CONCURRENT) from exc
    application.refresh_from_db()
    return decision


# --- Payments ---------------------------------------------------------------------------------------


def housing_payment_record(
    *,
    actor: User,
    application: HousingBenefitApplication,
    month: Any,
    paid_on: Any,
    amount: Any = None,
    payee_name: str = "",
    payee_account_holder: str = "",
) -> HousingBenefitPayment:
    """One month's 代理納付 to the landlord. Refused without a 支給決定, outside the months decided
    (never past 9), after a 中止, twice for a month, or above the decided amount."""
    _require_officer_of(actor, application.municipality_id)
    errors: dict[str, str] = {}
    if not isinstance(month, date):
        errors["month"] = "支給の対象月を入力してください。"
    payee_name = (payee_name or application.payee_name or "").strip()
    payee_account_holder = (payee_account_holder or application.payee_account_holder or "").strip()
    if not payee_name:
        errors["payee_name"] = "支払先（貸主・管理会社等）を入力してください。"
    elif len(payee_name) > 100:
        errors["payee_name"] = "100文字以内で入力してください。"
    if not payee_account_holder:
        errors["payee_account_holder"] = "口座名義を入力してください。"
    elif len(payee_account_holder) > 100:
        errors["payee_account_holder"] = "100文字以内で入力してください。"
    _raise(errors)
    try:
        with transaction.atomic():
            locked = _locked(application)
            decision = HousingBenefitDecision.objects.filter(application=locked).first()
            if decision is None or decision.outcome != DecisionOutcome.AWARD or locked.first_month is None:
                raise ValidationError("支給決定のない申請には支給を記録できません。")
            target = hr.first_of_month(month)
            n = hr.month_number(locked.first_month, target)
            end = hr.period_end(locked.first_month, locked.months_awarded)
            if n < 1:
                errors["month"] = f"支給開始月（{hr.month_label(locked.first_month)}）より前の月です。"
            elif n > hr.MAX_PERIOD_MONTHS:
                errors["month"] = "支給は通算9か月が上限です。9か月を超える支給は記録できません。"
            elif n > locked.months_awarded:
                errors["month"] = (
                    f"支給決定した期間（{wareki(end)}まで）を超えています。延長の決定がなければ支給できません。"
                )
            stop = HousingBenefitStop.objects.filter(application=locked).first()
            if stop is not None and target >= stop.effective_month:
                errors["month"] = (
                    f"支給を中止した月（{hr.month_label(stop.effective_month)}）以降の支給は記録できません。"
                )
            if locked.state not in workflow.ACTION["payment"].sources:
                errors[NON_FIELD_ERRORS] = workflow.ACTION["payment"].refused
            if (
                "month" not in errors
                and HousingBenefitPayment.objects.filter(application=locked, month=target).exists()
            ):
                errors["month"] = f"{hr.month_label(target)}分の支給は既に記録されています。"
            cap = payment_cap_for_month(locked, n) if "month" not in errors else 0
            if amount in (None, "") and cap:
                amount = cap
            amount_ok = _check_yen(errors, "amount", amount, "支給額", maximum=MAX_MONTHLY_YEN, positive=True)
            if amount_ok is not None and cap and amount_ok > cap:
                errors["amount"] = f"決定した支給額（{cap:,}円）を超えています。"
            _check_date(
                errors, "paid_on", paid_on, "支払日", not_before=decision.decided_on, before_label="決定日"
            )
            _raise(errors)
            payment = HousingBenefitPayment(
                application=locked,
                decision=decision,
                agency_id=locked.agency_id,
                municipality_id=locked.municipality_id,
                person_id=locked.person_id,
                month_number=n,
                month=target,
                amount=amount,
                payee_name=payee_name,
                payee_account_holder=payee_account_holder,
                paid_on=paid_on,
                recorded_by=actor,
            )
            payment.full_clean(
                exclude=["application", "decision", "agency", "municipality", "person", "recorded_by"],
                validate_unique=False,
            )
            payment.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=payment,
                person_id=locked.person_id,
                details={
                    "application_id": locked.pk,
                    "month": target.isoformat(),
                    "month_number": n,
                    "amount": amount,
                },
            )
    except IntegrityError as exc:
        raise ValidationError(
            "支給を記録できませんでした（支給決定・支給期間・同じ月の重複を確認してください）。"
        ) from exc
    return payment
