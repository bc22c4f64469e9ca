"""Writes for 住居確保給付金: rule tables, application, decision, payments, reports, extension, stop, end.

Every service takes a keyword-only ``actor``, checks the permission and the tenancy, validates with
Japanese messages per field, writes in one transaction with its audit row, and turns a database
refusal (constraint, trigger) into a ``ValidationError`` — nothing is half-saved.

Who does what:
- centre staff (``CASE_EDIT``, own agency): application, 求職活動状況報告, extension application;
- the 自治体担当者 of the application's municipality (``DECISION_RECORD``): decision, payments,
  extension decision, 中止, end; rule edits need ``RULES_EDIT`` and the officer's own municipality.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from tsunagu.cases.models import Case, PlanStatus, StatutoryProgram, SupportPlan
from tsunagu.core.audit import audit_record
from tsunagu.core.dates import add_months, wareki
from tsunagu.core.idempotency import create_once
from tsunagu.core.models import AuditAction
from tsunagu.organizations import guards
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission, Role

from . import housing_rules as hr
from . import housing_workflow as workflow
from .lookups import (
    assessment_for_application,
    housing_assess,
    job_search_requirement_in_force,
    last_recorded_payment_month,
    payment_cap_for_month,
    report_months_status,
    rule_for_assessment,
)
from .models import (
    ApplicationsPer,
    ApplicationState,
    BenefitType,
    BudgetLine,
    BudgetLineKind,
    BudgetPlan,
    Cause,
    CertifiedTrainingProvider,
    Debt,
    DebtKind,
    DebtStatus,
    DecisionOutcome,
    EnrolmentProgram,
    EnrolmentStatus,
    ExpenseCategory,
    ExtensionState,
    HandBackKind,
    HouseholdBudgetSheet,
    HousingBenefitApplication,
    HousingBenefitDecision,
    HousingBenefitExtension,
    HousingBenefitPayment,
    HousingBenefitRuleTable,
    HousingBenefitStop,
    IncomeCategory,
    JobSearchReport,
    JobSearchRequirement,
    LoanKind,
    LoanLink,
    LoanStatus,
    ProgramEnrolment,
    ProgressReport,
    StopReason,
    TrainingType,
    TrainingTypeDecision,
)
from .validation import LAW_START, MAX_ASSET_YEN, MAX_MONTHLY_YEN

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

CONCURRENT = (
    "同時に別の操作が行われたため保存できませんでした。画面を開き直してから、もう一度お試しください。"
)
MAX_COUNT = 99

# The inputs of an application (the API's field names, ``type`` → ``benefit_type``).
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


# --- Guards (``tsunagu.organizations.guards``: every refusal audited once) ----------------------------

OTHER_MUNICIPALITY = "この自治体の担当者だけが行えます。"


def _require_officer_of(
    actor: User, municipality_id: int, permission: Permission = Permission.DECISION_RECORD
) -> None:
    """Decisions: ``permission`` *and* an officer of the record's own municipality."""
    guards.require_municipality_of(actor, municipality_id, permission, message=OTHER_MUNICIPALITY)


def _require_centre_of(actor: User, application: HousingBenefitApplication) -> None:
    guards.require_agency_of(actor, application, Permission.CASE_EDIT, message="他機関の申請です。")


def _today() -> date:
    return timezone.localdate()


def _check_date(
    errors: dict[str, str],
    name: str,
    value: Any,
    label: str,
    *,
    not_before: date | None = None,
    before_label: str = "",
) -> date | None:
    if not isinstance(value, date):
        errors[name] = f"{label}を入力してください。"
        return None
    if value > _today():
        errors[name] = f"{label}に未来の日付は入力できません。"
        return None
    if not_before is not None and value < not_before:
        errors[name] = f"{label}は{before_label}（{wareki(not_before)}）以降の日付を入力してください。"
        return None
    return value


def _check_yen(
    errors: dict[str, str], name: str, value: Any, label: str, *, maximum: int, positive: bool = False
) -> int | None:
    if value is None or value == "":
        errors[name] = f"{label}を入力してください（円、整数）。"
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        errors[name] = f"{label}は円単位の整数で入力してください。"
        return None
    if value < 0 or (positive and value == 0):
        errors[name] = f"{label}は{'1円以上' if positive else '0円以上'}で入力してください。"
        return None
    if value > maximum:
        errors[name] = f"{label}が大きすぎます（{maximum:,}円まで）。桁を確認してください。"
        return None
    return value


def _check_count(errors: dict[str, str], name: str, value: Any, label: str) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool) or not (0 <= value <= MAX_COUNT):
        errors[name] = f"{label}は0〜{MAX_COUNT}の回数（整数）で入力してください。"
        return None
    return value


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _locked(application: HousingBenefitApplication) -> HousingBenefitApplication:
    return (
        HousingBenefitApplication.objects.select_for_update()
        .select_related("municipality")
        .get(pk=application.pk)
    )


def _bump(application: HousingBenefitApplication, **fields: Any) -> None:
    """Save the lifecycle fields of an application (and its version) in one UPDATE."""
    for k, v in fields.items():
        setattr(application, k, v)
    HousingBenefitApplication.objects.filter(pk=application.pk).update(
        **fields, version=F("version") + 1, updated_at=timezone.now()
    )
    application.version += 1


# --- Rule tables ----------------------------------------------------------------------------------


def housing_rule_add(
    *,
    actor: User,
    municipality: Municipality,
    household_size: Any,
    effective_from: Any,
    base_amount: Any,
    rent_cap: Any,
    asset_limit: Any = None,
    applies_to_larger: bool = False,
    source: str = "",
    note: str = "",
) -> HousingBenefitRuleTable:
    """Add a version of one row of the municipality's table (nothing is overwritten).

    A row for the same household size and date gets the next revision; a row with a new date
    starts to apply on that date. Past decisions keep the row they used.
    """
    _require_officer_of(actor, municipality.pk, Permission.RULES_EDIT)
    errors: dict[str, str] = {}
    if (
        not isinstance(household_size, int)
        or isinstance(household_size, bool)
        or not 1 <= household_size <= 20
    ):
        errors["household_size"] = "世帯人数は1〜20の整数で入力してください。"
    if not isinstance(effective_from, date):
        errors["effective_from"] = "適用開始日を入力してください。"
    elif effective_from < LAW_START:
        errors["effective_from"] = "適用開始日が制度の開始（平成27年4月1日）より前です。"
    base = _check_yen(errors, "base_amount", base_amount, "基準額", maximum=MAX_MONTHLY_YEN, positive=True)
    _check_yen(errors, "rent_cap", rent_cap, "家賃上限", maximum=MAX_MONTHLY_YEN, positive=True)
    if asset_limit in (None, "") and base is not None:
        asset_limit = hr.asset_limit_for(base)
    limit = _check_yen(
        errors, "asset_limit", asset_limit, "資産上限", maximum=hr.ASSET_LIMIT_CEILING, positive=True
    )
    if base is not None and limit is not None and limit > hr.asset_limit_for(base):
        errors["asset_limit"] = (
            f"資産上限は基準額の6倍と100万円の小さい方（{hr.asset_limit_for(base):,}円）以下で入力してください。"
        )
    source = (source or "").strip()
    note = (note or "").strip()
    if not source:
        errors["source"] = "出典（要綱・告示・通知の名称や日付）を入力してください。"
    _raise(errors)
    try:
        with transaction.atomic():
            existing = HousingBenefitRuleTable.objects.filter(
                municipality=municipality, household_size=household_size
            )
            if existing.exists() and not note:
                raise ValidationError({"note": "既に登録のある世帯人数です。変更の理由を入力してください。"})
            last = existing.filter(effective_from=effective_from).aggregate(m=Max("revision"))["m"] or 0
            row = HousingBenefitRuleTable(
                municipality=municipality,
                household_size=household_size,
                applies_to_larger=bool(applies_to_larger),
                effective_from=effective_from,
                revision=last + 1,
                base_amount=base_amount,
                rent_cap=rent_cap,
                asset_limit=asset_limit,
                source=source[:500],
                note=note,
                created_by=actor,
            )
            row.full_clean()
            row.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=row,
                municipality_id=municipality.pk,
                details={
                    "household_size": household_size,
                    "effective_from": effective_from.isoformat(),
                    "revision": row.revision,
                    "base_amount": base_amount,
                    "rent_cap": rent_cap,
                    "asset_limit": asset_limit,
                },
            )
    except IntegrityError as exc:
        raise ValidationError(CONCURRENT) from exc
    return row


def job_search_requirement_add(
    *,
    actor: User,
    municipality: Municipality,
    cause: str,
    effective_from: Any,
    centre_consultations_min: Any,
    counselling_min: Any,
    applications_min: Any,
    applications_per: str,
    source: str = "",
    note: str = "",
) -> JobSearchRequirement:
    """Add the municipality's own 求職活動等要件 from a date (the national standard stays as it is)."""
    _require_officer_of(actor, municipality.pk, Permission.RULES_EDIT)
    errors: dict[str, str] = {}
    if cause not in Cause.values:
        errors["cause"] = "対象を選んでください。"
    if applications_per not in ApplicationsPer.values:
        errors["applications_per"] = "回数の単位を選んでください。"
    if not isinstance(effective_from, date):
        errors["effective_from"] = "適用開始日を入力してください。"
    elif effective_from < LAW_START:
        errors["effective_from"] = "適用開始日が制度の開始（平成27年4月1日）より前です。"
    _check_count(errors, "centre_consultations_min", centre_consultations_min, "面談の回数")
    _check_count(errors, "counselling_min", counselling_min, "相談の回数")
    _check_count(errors, "applications_min", applications_min, "応募等の回数")
    source = (source or "").strip()
    if not source:
        errors["source"] = "出典（要綱・通知の名称や日付）を入力してください。"
    _raise(errors)
    try:
        with transaction.atomic():
            last = (
                JobSearchRequirement.objects.filter(
                    municipality=municipality, cause=cause, effective_from=effective_from
                ).aggregate(m=Max("revision"))["m"]
                or 0
            )
            row = JobSearchRequirement(
                municipality=municipality,
                cause=cause,
                effective_from=effective_from,
                revision=last + 1,
                centre_consultations_min=centre_consultations_min,
                counselling_min=counselling_min,
                applications_min=applications_min,
                applications_per=applications_per,
                source=source[:500],
                note=(note or "").strip(),
                created_by=actor,
            )
            row.full_clean()
            row.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=row,
                municipality_id=municipality.pk,
                details={
                    "cause": cause,
                    "effective_from": effective_from.isoformat(),
                    "revision": row.revision,
                },
            )
    except IntegrityError as exc:
        raise ValidationError(CONCURRENT) from exc
    return row


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


# --- 求職活動状況報告 --------------------------------------------------------------------------------


def job_search_report_record(
    *,
    actor: User,
    application: HousingBenefitApplication,
    month: Any,
    centre_consultations: Any,
    counselling: Any,
    applications: Any,
    reported_on: Any,
    note: str = "",
) -> JobSearchReport:
    """The monthly report, checked against the thresholds in force for that month.

    For 休業等 recipients, months 7–9 are checked against the job-search (離職) thresholds
    (docs/programs-housing-benefit.md explains the reading of the rule).
    """
    _require_centre_of(actor, application)
    errors: dict[str, str] = {}
    if not isinstance(month, date):
        errors["month"] = "報告する月を入力してください。"
    _check_count(errors, "centre_consultations", centre_consultations, "面談の回数")
    _check_count(errors, "counselling", counselling, "相談の回数")
    _check_count(errors, "applications", applications, "応募等の回数")
    _check_date(errors, "reported_on", reported_on, "報告日")
    _raise(errors)
    try:
        with transaction.atomic():
            locked = _locked(application)
            workflow.check_state("report", locked)
            if locked.benefit_type != BenefitType.RENT or locked.first_month is None:
                raise ValidationError(workflow.ACTION["report"].refused)
            target = hr.first_of_month(month)
            n = hr.month_number(locked.first_month, target)
            if not 1 <= n <= locked.months_awarded:
                errors["month"] = (
                    f"支給期間（{hr.month_label(locked.first_month)}〜"
                    f"{hr.month_label(hr.period_end(locked.first_month, locked.months_awarded))}）の月を入力してください。"
                )
            elif target > hr.first_of_month(_today()):
                errors["month"] = "まだ来ていない月の報告は記録できません。"
            elif JobSearchReport.objects.filter(application=locked, month=target).exists():
                errors["month"] = f"{hr.month_label(target)}分の報告は既に記録されています。"
            _raise(errors)
            cause = locked.cause
            if cause == Cause.REDUCED_INCOME and n > hr.INITIAL_PERIOD_MONTHS + hr.EXTENSION_MONTHS:
                cause = Cause.JOB_LOSS
            requirement = job_search_requirement_in_force(
                municipality=locked.municipality, cause=cause, on=target
            )
            if requirement is None:
                raise ValidationError(
                    "この月に有効な求職活動等要件が登録されていません（自治体担当者が登録します）。"
                )
            met, shortfalls = hr.check_job_search(
                hr.JobSearchCounts(centre_consultations, counselling, applications),
                requirement.as_thresholds(),
                cause=hr.Cause(cause),
            )
            report = JobSearchReport.objects.create(
                application=locked,
                agency_id=locked.agency_id,
                municipality_id=locked.municipality_id,
                person_id=locked.person_id,
                month=target,
                month_number=n,
                centre_consultations=centre_consultations,
                counselling=counselling,
                applications=applications,
                requirement=requirement,
                met=met,
                shortfalls=shortfalls,
                note=(note or "").strip(),
                reported_on=reported_on,
                recorded_by=actor,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=report,
                person_id=locked.person_id,
                details={"application_id": locked.pk, "month": target.isoformat(), "met": met},
            )
    except IntegrityError as exc:
        raise ValidationError(CONCURRENT) from exc
    return report


# --- Extension -----------------------------------------------------------------------------------


def housing_extension_apply(
    *,
    actor: User,
    application: HousingBenefitApplication,
    applied_on: Any,
    household_monthly_income: Any,
    household_financial_assets: Any,
) -> HousingBenefitExtension:
    """延長の申請 (centre): by the last day of the current period, at most twice, 9 months in all."""
    _require_centre_of(actor, application)
    errors: dict[str, str] = {}
    _check_date(errors, "applied_on", applied_on, "延長申請日")
    _check_yen(
        errors, "household_monthly_income", household_monthly_income, "世帯の月収", maximum=MAX_MONTHLY_YEN
    )
    _check_yen(
        errors,
        "household_financial_assets",
        household_financial_assets,
        "世帯の金融資産",
        maximum=MAX_ASSET_YEN,
    )
    _raise(errors)
    try:
        with transaction.atomic():
            locked = _locked(application)
            workflow.check_state("extension_apply", locked)
            if locked.benefit_type != BenefitType.RENT:
                raise ValidationError(workflow.ACTION["extension_apply"].refused)
            assert locked.first_month is not None
            if locked.extensions.filter(state=ExtensionState.PENDING).exists():
                raise ValidationError("決定待ちの延長申請があります。")
            done = locked.extensions.filter(state=ExtensionState.APPROVED).count()
            if (
                done >= hr.MAX_EXTENSIONS
                or locked.months_awarded + hr.EXTENSION_MONTHS > hr.MAX_PERIOD_MONTHS
            ):
                raise ValidationError(
                    "延長は2回まで（3か月ずつ、通算9か月まで）です。これ以上延長できません。"
                )
            end = hr.period_end(locked.first_month, locked.months_awarded)
            if applied_on > end:
                errors["applied_on"] = (
                    f"延長の申請期限（支給期間の最終月の末日、{wareki(end)}）を過ぎています。"
                )
            elif applied_on < locked.first_month:
                errors["applied_on"] = "支給期間が始まる前の日付です。"
            _raise(errors)
            sequence = (locked.extensions.aggregate(m=Max("sequence"))["m"] or 0) + 1
            if sequence > hr.MAX_EXTENSIONS:
                raise ValidationError(
                    "延長は2回までです（延長しない決定があった場合も、改めての延長申請はできません）。"
                )
            ext = HousingBenefitExtension.objects.create(
                application=locked,
                agency_id=locked.agency_id,
                municipality_id=locked.municipality_id,
                person_id=locked.person_id,
                sequence=sequence,
                applied_on=applied_on,
                household_monthly_income=household_monthly_income,
                household_financial_assets=household_financial_assets,
                requested_by=actor,
                months_after=locked.months_awarded + hr.EXTENSION_MONTHS,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=ext,
                person_id=locked.person_id,
                details={"application_id": locked.pk, "sequence": sequence},
            )
    except IntegrityError as exc:
        raise ValidationError(CONCURRENT) from exc
    return ext


def extension_requirements_for(extension: HousingBenefitExtension) -> tuple[hr.Requirement, ...]:
    """The 延長の要件 of a pending extension, with the table in force on its application date."""
    app = extension.application
    assert app.first_month is not None
    rule = rule_for_assessment(
        municipality=app.municipality, household_size=app.household_size, on=extension.applied_on
    )
    missing, unmet = report_months_status(app, before=extension.applied_on)
    return hr.extension_requirements(
        applied_on=extension.applied_on,
        first_month=app.first_month,
        months_awarded=extension.months_after - hr.EXTENSION_MONTHS,
        extensions_so_far=extension.sequence - 1,
        income=extension.household_monthly_income,
        assets=extension.household_financial_assets,
        rent=app.monthly_rent,
        rules=rule.as_rules(),
        missing_report_months=missing,
        unmet_report_months=unmet,
    )


def housing_extension_decide(
    *, actor: User, extension: HousingBenefitExtension, approve: bool, decided_on: Any, reason: str = ""
) -> HousingBenefitExtension:
    """延長の決定 by the 自治体担当者: approved only when every 延長の要件 is met."""
    _require_officer_of(actor, extension.municipality_id)
    errors: dict[str, str] = {}
    _check_date(
        errors, "decided_on", decided_on, "決定日", not_before=extension.applied_on, before_label="延長申請日"
    )
    reason = (reason or "").strip()
    if not approve and not reason:
        errors["reason"] = "延長しない理由を入力してください。"
    _raise(errors)
    try:
        with transaction.atomic():
            locked_app = _locked(extension.application)
            ext = HousingBenefitExtension.objects.select_for_update().get(pk=extension.pk)
            if ext.state != ExtensionState.PENDING:
                raise ValidationError("この延長申請は既に決定済みです。")
            workflow.check_state("extension_decide", locked_app)
            ext.application = locked_app
            reqs = extension_requirements_for(ext)
            ext.requirements = [r.as_dict() for r in reqs]
            if approve:
                failed = [r for r in reqs if r.status == hr.Status.NOT_MET]
                if failed:
                    raise ValidationError(
                        {"approve": "延長の要件を満たしていません: " + " ".join(r.message_ja for r in failed)}
                    )
                rule = rule_for_assessment(
                    municipality=locked_app.municipality,
                    household_size=locked_app.household_size,
                    on=ext.applied_on,
                )
                ext.rule = rule
                ext.monthly_amount = hr.monthly_amount(
                    income=ext.household_monthly_income,
                    rent=locked_app.monthly_rent,
                    rules=rule.as_rules(),
                    on=ext.applied_on,
                )
                ext.state = ExtensionState.APPROVED
                _bump(locked_app, months_awarded=ext.months_after)
            else:
                ext.state = ExtensionState.REJECTED
            ext.decided_by = actor
            ext.decided_on = decided_on
            ext.reason = reason
            ext.full_clean(
                exclude=[
                    "application",
                    "agency",
                    "municipality",
                    "person",
                    "requested_by",
                    "decided_by",
                    "rule",
                ],
                validate_unique=False,
            )
            ext.save()
            audit_record(
                actor=actor,
                action=AuditAction.TRANSITION,
                obj=locked_app,
                person_id=locked_app.person_id,
                details={
                    "transition": "extension_decide",
                    "extension_id": ext.pk,
                    "sequence": ext.sequence,
                    "approved": bool(approve),
                    "months_awarded": locked_app.months_awarded,
                    "monthly_amount": ext.monthly_amount,
                },
            )
    except IntegrityError as exc:
        raise ValidationError(CONCURRENT) from exc
    return ext


# --- Stop and end --------------------------------------------------------------------------------


def housing_benefit_stop(
    *,
    actor: User,
    application: HousingBenefitApplication,
    reason: str,
    effective_month: Any,
    decided_on: Any,
    note: str = "",
) -> HousingBenefitStop:
    """支給の中止 (施行規則に定める中止事由): nothing is paid from ``effective_month`` on."""
    _require_officer_of(actor, application.municipality_id)
    errors: dict[str, str] = {}
    if reason not in StopReason.values:
        errors["reason"] = "中止事由を選んでください。"
    note = (note or "").strip()
    if reason == StopReason.OTHER and not note:
        errors["note"] = "「その他」の場合は詳細を入力してください。"
    if not isinstance(effective_month, date):
        errors["effective_month"] = "中止する月を入力してください。"
    _check_date(
        errors,
        "decided_on",
        decided_on,
        "決定日",
        not_before=application.application_date,
        before_label="申請日",
    )
    _raise(errors)
    try:
        with transaction.atomic():
            locked = _locked(application)
            workflow.check_state("stop", locked)
            assert locked.first_month is not None
            target = hr.first_of_month(effective_month)
            n = hr.month_number(locked.first_month, target)
            if not 1 <= n <= locked.months_awarded:
                errors["effective_month"] = "支給期間内の月を入力してください。"
            elif HousingBenefitPayment.objects.filter(application=locked, month__gte=target).exists():
                errors["effective_month"] = "中止する月以降の支給が既に記録されています。"
            _raise(errors)
            stop = HousingBenefitStop.objects.create(
                application=locked,
                agency_id=locked.agency_id,
                municipality_id=locked.municipality_id,
                person_id=locked.person_id,
                reason=reason,
                note=note,
                effective_month=target,
                decided_on=decided_on,
                decided_by=actor,
            )
            _bump(locked, state=ApplicationState.STOPPED, ended_on=decided_on)
            audit_record(
                actor=actor,
                action=AuditAction.TRANSITION,
                obj=locked,
                person_id=locked.person_id,
                details={"transition": "stop", "reason": reason, "effective_month": target.isoformat()},
            )
    except IntegrityError as exc:
        raise ValidationError(CONCURRENT) from exc
    return stop


def housing_benefit_end(
    *, actor: User, application: HousingBenefitApplication, ended_on: Any
) -> HousingBenefitApplication:
    """支給終了 at the end of the period decided (to stop earlier, record a 中止)."""
    _require_officer_of(actor, application.municipality_id)
    errors: dict[str, str] = {}
    _check_date(errors, "ended_on", ended_on, "終了日")
    _raise(errors)
    with transaction.atomic():
        locked = _locked(application)
        workflow.check_state("end", locked)
        assert locked.first_month is not None
        if locked.extensions.filter(state=ExtensionState.PENDING).exists():
            raise ValidationError("決定待ちの延長申請があります。先に延長の決定をしてください。")
        end = hr.period_end(locked.first_month, locked.months_awarded)
        if ended_on < end:
            raise ValidationError(
                {
                    "ended_on": f"支給期間（{wareki(end)}まで）の途中です。途中でやめる場合は中止を記録してください。"
                }
            )
        _bump(locked, state=ApplicationState.ENDED, ended_on=ended_on)
        audit_record(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=locked,
            person_id=locked.person_id,
            details={"transition": "end", "months_awarded": locked.months_awarded},
        )
    return locked


# =====================================================================================================
# Other programmes
# =====================================================================================================

EP_STANDARD_MONTHS = 12  # 就労準備支援事業: 1年以内（自治体が認めれば延長可）
SHELTER_STANDARD_MONTHS = 3  # 一時生活支援事業: 原則3か月
SHELTER_MAXIMUM_MONTHS = 6  # 延長しても6か月まで
MAX_DEBT_YEN = 999_999_999
MAX_TEXT = 2000

# The plan's 利用申込する事業 that each programme needs.
PLAN_PROGRAM_FOR = {
    EnrolmentProgram.EMPLOYMENT_PREPARATION: StatutoryProgram.EMPLOYMENT_PREPARATION,
    EnrolmentProgram.CERTIFIED_TRAINING: StatutoryProgram.CERTIFIED_TRAINING,
    EnrolmentProgram.TEMPORARY_LIVING: StatutoryProgram.TEMPORARY_LIVING,
    EnrolmentProgram.HOUSING_SUPPORT: StatutoryProgram.TEMPORARY_LIVING,
    EnrolmentProgram.CHILD_LEARNING: StatutoryProgram.CHILD_LEARNING,
}


def period_last_day(start: date, months: int) -> date:
    """Last day of an inclusive period of ``months`` from ``start`` (4/1 + 12 → 翌3/31)."""
    return add_months(start, months) - timedelta(days=1)


def enrolment_limits(program: str, start: date) -> tuple[date, date | None]:
    """(標準の期間の最終日, 上限の最終日 or None when there is no absolute maximum)."""
    if program == EnrolmentProgram.EMPLOYMENT_PREPARATION:
        return period_last_day(start, EP_STANDARD_MONTHS), None
    if program == EnrolmentProgram.TEMPORARY_LIVING:
        return period_last_day(start, SHELTER_STANDARD_MONTHS), period_last_day(start, SHELTER_MAXIMUM_MONTHS)
    # 居住支援・子どもの学習・生活支援・認定就労訓練: no statutory limit; the plan's period bounds them.
    return period_last_day(start, 120), None


def _require_case_staff(actor: User, case: Case, permission: Permission = Permission.CASE_EDIT) -> None:
    guards.require_agency_of(actor, case, permission, message="他機関のケースです。")


def _text(errors: dict[str, str], name: str, value: Any, label: str, *, required: bool, max_len: int) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        errors[name] = f"{label}は文字で入力してください。"
        return ""
    if required and not text:
        errors[name] = f"{label}を入力してください。"
    elif len(text) > max_len:
        errors[name] = f"{label}は{max_len}文字以内で入力してください。"
    return text


def _a_date(errors: dict[str, str], name: str, value: Any, label: str) -> date | None:
    if not isinstance(value, date):
        errors[name] = f"{label}を入力してください。"
        return None
    return value


def _db_refusal(exc: IntegrityError) -> ValidationError:
    return ValidationError(f"保存できませんでした。入力内容を確認してください。（{exc.__class__.__name__}）")


def _save_checked(obj: Any, *, exclude: list[str]) -> None:
    """Model validation (CheckConstraints with their Japanese messages) before the INSERT/UPDATE."""
    obj.full_clean(exclude=exclude)
    obj.save()


# --- 認定就労訓練事業所 ------------------------------------------------------------------------------


def certified_provider_add(*, actor: User, values: dict[str, Any]) -> CertifiedTrainingProvider:
    """Register a certified provider (自治体担当者 of their own municipality)."""
    guards.require(actor, Permission.DECISION_RECORD)
    errors: dict[str, str] = {}
    name = _text(errors, "name", values.get("name"), "事業所名", required=True, max_len=200)
    number = _text(
        errors,
        "certification_number",
        values.get("certification_number"),
        "認定番号",
        required=True,
        max_len=50,
    )
    authority = _text(
        errors,
        "certifying_authority",
        values.get("certifying_authority"),
        "認定した自治体",
        required=True,
        max_len=100,
    )
    valid_from = _a_date(errors, "valid_from", values.get("valid_from"), "認定の有効期間（開始）")
    valid_to = _a_date(errors, "valid_to", values.get("valid_to"), "認定の有効期間（終了）")
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = "認定の有効期間の終了日は開始日以降にしてください。"
    _raise(errors)
    assert valid_from is not None and valid_to is not None
    if CertifiedTrainingProvider.objects.filter(
        certifying_authority=authority, certification_number=number, valid_from=valid_from
    ).exists():
        raise ValidationError({"certification_number": "この認定番号・有効期間の事業所は登録済みです。"})
    with transaction.atomic():
        provider = CertifiedTrainingProvider(
            municipality_id=actor.municipality_id,
            name=name,
            certification_number=number,
            certifying_authority=authority,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        _save_checked(provider, exclude=["municipality"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=provider,
            municipality_id=actor.municipality_id,
            details={"certification_number": number, "certifying_authority": authority},
        )
    return provider


def training_type_decide(
    *,
    actor: User,
    case: Case,
    provider: CertifiedTrainingProvider,
    training_type: Any,
    decided_on: Any,
    note: str = "",
) -> TrainingTypeDecision:
    """雇用型／非雇用型の決定: only a 自治体担当者 of the case's municipality."""
    _require_officer_of(actor, case.municipality_id)
    errors: dict[str, str] = {}
    if training_type not in TrainingType.values:
        errors["training_type"] = "雇用型か非雇用型かを選んでください。"
    day = _a_date(errors, "decided_on", decided_on, "決定日")
    if day and day > _today():
        errors["decided_on"] = "決定日に未来の日付は入力できません。"
    note = _text(errors, "note", note, "備考", required=False, max_len=MAX_TEXT)
    _raise(errors)
    assert day is not None
    with transaction.atomic():
        decision = TrainingTypeDecision(
            agency_id=case.agency_id,
            municipality_id=case.municipality_id,
            case=case,
            provider=provider,
            training_type=training_type,
            decided_on=day,
            decided_by=actor,
            note=note,
        )
        _save_checked(decision, exclude=["agency", "municipality", "case", "provider", "decided_by"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=decision,
            person_id=case.person_id,
            details={"case_id": case.pk, "training_type": training_type, "provider_id": provider.pk},
        )
    return decision


# --- Enrolments ----------------------------------------------------------------------------------------


# Relations set by the service itself; full_clean() checks the rest of an enrolment.
_ENROLMENT_RELATIONS = [
    "agency",
    "municipality",
    "person",
    "case",
    "plan",
    "certified_provider",
    "training_decision",
    "created_by",
    "municipality_extension_decided_by",
]


def enrolment_create(*, actor: User, case: Case, values: dict[str, Any]) -> ProgramEnrolment:
    """利用開始: linked to a plan of the case that applied for the programme; limits checked here and in the DB.

    ``values``: plan (SupportPlan or id), program, start_on, end_on, provider_name, certified_provider
    (for 認定就労訓練, with ``training_decision``).
    """
    _require_case_staff(actor, case)
    errors: dict[str, str] = {}
    program = values.get("program")
    if program not in EnrolmentProgram.values:
        errors["program"] = "事業を選んでください。"
    plan_value = values.get("plan")
    plan_id = plan_value.pk if isinstance(plan_value, SupportPlan) else plan_value
    plan = SupportPlan.objects.filter(pk=plan_id, case=case).first() if plan_id else None
    if plan is None:
        errors["plan"] = "このケースのプランを選んでください。"
    elif plan.status != PlanStatus.DECIDED:
        errors["plan"] = (
            "自治体による支援決定が記録されたプランが必要です"
            f"（このプランは「{plan.get_status_display()}」です）。"
        )
    start = _a_date(errors, "start_on", values.get("start_on"), "利用開始日")
    end = _a_date(errors, "end_on", values.get("end_on"), "利用終了予定日")
    provider_name = _text(
        errors, "provider_name", values.get("provider_name"), "実施事業者・施設", required=False, max_len=200
    )
    if not case.is_open:
        errors[NON_FIELD_ERRORS] = "終結・中断したケースには事業の利用を登録できません。"
    if plan is not None and program in EnrolmentProgram.values:
        needed = PLAN_PROGRAM_FOR[EnrolmentProgram(program)]
        if needed.value not in (plan.programs or []):
            errors["plan"] = (
                f"このプランでは「{needed.label}」の利用を申し込んでいません。プランを確認してください。"
            )
    if start and end and end < start:
        errors["end_on"] = "利用終了予定日は開始日以降にしてください。"
    provider = None
    decision = None
    if program == EnrolmentProgram.CERTIFIED_TRAINING:
        pv = values.get("certified_provider")
        provider = (
            pv
            if isinstance(pv, CertifiedTrainingProvider)
            else CertifiedTrainingProvider.objects.filter(pk=pv).first()
            if pv
            else None
        )
        if provider is None:
            errors["certified_provider"] = "認定就労訓練事業所を選んでください。"
        elif start and not provider.valid_on(start):
            errors["certified_provider"] = (
                f"この事業所の認定は利用開始日（{wareki(start)}）に有効ではありません"
                f"（有効期間 {wareki(provider.valid_from)}〜{wareki(provider.valid_to)}）。"
            )
        dv = values.get("training_decision")
        decision = (
            dv
            if isinstance(dv, TrainingTypeDecision)
            else TrainingTypeDecision.objects.filter(pk=dv).first()
            if dv
            else TrainingTypeDecision.objects.filter(case=case, provider=provider)
            .order_by("-decided_on", "-id")
            .first()
            if provider
            else None
        )
        if (
            decision is None
            or decision.case_id != case.pk
            or (provider and decision.provider_id != provider.pk)
        ):
            errors["training_decision"] = (
                "雇用型／非雇用型の決定がありません。自治体担当者の決定を記録してから登録してください。"
            )
        elif not decision.decided_by.has_role(Role.MUNICIPAL_OFFICER) or (
            decision.decided_by.municipality_id != case.municipality_id
        ):
            errors["training_decision"] = "雇用型／非雇用型はケースの自治体の担当者が決定したものが必要です。"
    elif values.get("certified_provider"):
        errors["certified_provider"] = "認定就労訓練事業所は認定就労訓練事業でのみ選べます。"
    elif program in EnrolmentProgram.values and not provider_name:
        errors["provider_name"] = "実施事業者・施設を入力してください。"
    if start and end and program in EnrolmentProgram.values and "end_on" not in errors:
        standard, maximum = enrolment_limits(program, start)
        if program == EnrolmentProgram.EMPLOYMENT_PREPARATION and end > standard:
            errors["end_on"] = (
                f"就労準備支援事業の利用は1年以内（{wareki(standard)}まで）です。"
                "それを超える期間は自治体の決定（期間延長）を記録してください。"
            )
        elif program == EnrolmentProgram.TEMPORARY_LIVING and end > standard:
            errors["end_on"] = (
                f"一時生活支援事業は原則3か月以内（{wareki(standard)}まで）です。"
                "延長は利用開始後に延長の記録をして行ってください（6か月まで）。"
            )
        elif end > standard:
            errors["end_on"] = f"利用終了予定日は{wareki(standard)}までにしてください。"
    _raise(errors)
    assert start is not None and end is not None and plan is not None and program is not None
    standard, maximum = enrolment_limits(str(program), start)
    try:
        with transaction.atomic():
            enrolment = ProgramEnrolment(
                agency_id=case.agency_id,
                municipality_id=case.municipality_id,
                person_id=case.person_id,
                case=case,
                plan=plan,
                program=program,
                start_on=start,
                end_on=end,
                standard_limit_on=standard,
                maximum_limit_on=maximum,
                provider_name=provider_name if provider is None else provider.name,
                certified_provider=provider,
                training_decision=decision,
                created_by=actor,
            )
            _save_checked(
                enrolment,
                exclude=_ENROLMENT_RELATIONS,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=enrolment,
                person_id=case.person_id,
                details={"case_id": case.pk, "program": program, "start_on": str(start), "end_on": str(end)},
            )
    except IntegrityError as exc:
        raise _db_refusal(exc) from exc
    return enrolment


def _require_enrolment_staff(actor: User, enrolment: ProgramEnrolment) -> None:
    guards.require_agency_of(actor, enrolment, Permission.CASE_EDIT, message="他機関の利用です。")


def _locked_enrolment(enrolment: ProgramEnrolment) -> ProgramEnrolment:
    return ProgramEnrolment.objects.select_for_update().select_related("case").get(pk=enrolment.pk)


def enrolment_extend(
    *, actor: User, enrolment: ProgramEnrolment, end_on: Any, reason: Any, recorded_on: Any = None
) -> ProgramEnrolment:
    """期間延長.

    - 就労準備支援事業 beyond 1 year: decided by a 自治体担当者 of the enrolment's municipality;
    - 一時生活支援事業 beyond 3 months: an extension record by the centre, never beyond 6 months;
    - other programmes: the centre moves the planned end (within the plan's limit).
    """
    program = enrolment.program
    if program == EnrolmentProgram.EMPLOYMENT_PREPARATION:
        _require_officer_of(actor, enrolment.municipality_id)
    else:
        _require_enrolment_staff(actor, enrolment)
    errors: dict[str, str] = {}
    new_end = _a_date(errors, "end_on", end_on, "延長後の利用終了予定日")
    reason_text = _text(errors, "reason", reason, "延長の理由", required=True, max_len=MAX_TEXT)
    day = recorded_on if isinstance(recorded_on, date) else _today()
    if enrolment.status != EnrolmentStatus.ACTIVE:
        errors[NON_FIELD_ERRORS] = "終了した利用は延長できません。"
    if new_end and new_end <= enrolment.end_on:
        errors["end_on"] = (
            f"延長後の終了予定日は現在の終了予定日（{wareki(enrolment.end_on)}）より後にしてください。"
        )
    elif new_end and enrolment.maximum_limit_on and new_end > enrolment.maximum_limit_on:
        errors["end_on"] = (
            f"一時生活支援事業は延長しても6か月（{wareki(enrolment.maximum_limit_on)}）までです。"
        )
    elif (
        new_end
        and program not in (EnrolmentProgram.EMPLOYMENT_PREPARATION, EnrolmentProgram.TEMPORARY_LIVING)
        and new_end > enrolment.standard_limit_on
    ):
        errors["end_on"] = f"利用終了予定日は{wareki(enrolment.standard_limit_on)}までにしてください。"
    _raise(errors)
    assert new_end is not None
    try:
        with transaction.atomic():
            e = _locked_enrolment(enrolment)
            before = e.end_on
            e.end_on = new_end
            e.extension_reason = reason_text
            e.extension_recorded_on = day
            if program == EnrolmentProgram.EMPLOYMENT_PREPARATION:
                e.municipality_extension_decided_by = actor
            e.version += 1
            _save_checked(
                e,
                exclude=_ENROLMENT_RELATIONS,
            )
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=e,
                person_id=e.person_id,
                details={"extension": True, "end_on_before": str(before), "end_on": str(new_end)},
            )
    except IntegrityError as exc:
        raise _db_refusal(exc) from exc
    return e


def enrolment_end_with_handback(
    *,
    actor: User,
    enrolment: ProgramEnrolment,
    ended_on: Any,
    hand_back_kind: Any,
    hand_back_on: Any = None,
    note: Any = "",
) -> ProgramEnrolment:
    """利用終了 and the つなぎ先 (ハローワーク・一般就労・その他)."""
    _require_enrolment_staff(actor, enrolment)
    errors: dict[str, str] = {}
    end = _a_date(errors, "ended_on", ended_on, "利用終了日")
    if end and end < enrolment.start_on:
        errors["ended_on"] = f"利用終了日は利用開始日（{wareki(enrolment.start_on)}）以降にしてください。"
    elif end and end > _today():
        errors["ended_on"] = "利用終了日に未来の日付は入力できません。"
    if hand_back_kind not in HandBackKind.values:
        errors["hand_back_kind"] = "終了後のつなぎ先（ハローワーク・一般就労・その他）を選んでください。"
    hb_on = hand_back_on if hand_back_on is not None else end
    if hand_back_on is not None and not isinstance(hand_back_on, date):
        errors["hand_back_on"] = "引継ぎ日を入力してください。"
    note_text = _text(
        errors, "note", note, "引継ぎの内容", required=hand_back_kind == "other", max_len=MAX_TEXT
    )
    if enrolment.status == EnrolmentStatus.ENDED:
        errors[NON_FIELD_ERRORS] = "この利用は終了済みです。"
    _raise(errors)
    with transaction.atomic():
        e = _locked_enrolment(enrolment)
        e.status = EnrolmentStatus.ENDED
        e.ended_on = end
        e.hand_back_kind = hand_back_kind
        e.hand_back_on = hb_on
        e.hand_back_note = note_text
        e.version += 1
        e.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=e,
            person_id=e.person_id,
            details={"ended_on": str(end), "hand_back_kind": hand_back_kind},
        )
    return e


def progress_report_add(
    *, actor: User, enrolment: ProgramEnrolment, values: dict[str, Any]
) -> ProgressReport:
    """経過報告 by programme staff (own agency)."""
    _require_enrolment_staff(actor, enrolment)
    errors: dict[str, str] = {}
    day = _a_date(errors, "reported_on", values.get("reported_on"), "報告日")
    if day and day < enrolment.start_on:
        errors["reported_on"] = f"報告日は利用開始日（{wareki(enrolment.start_on)}）以降にしてください。"
    elif day and day > _today():
        errors["reported_on"] = "報告日に未来の日付は入力できません。"
    content = _text(errors, "content", values.get("content"), "経過・様子", required=True, max_len=MAX_TEXT)
    counts: dict[str, int | None] = {}
    for name, label in (("planned_days", "予定日数"), ("attended_days", "出席日数")):
        v = values.get(name)
        if v is None or v == "":
            counts[name] = None
        elif not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 366:
            errors[name] = f"{label}は0〜366の整数で入力してください。"
        else:
            counts[name] = v
    p, a = counts.get("planned_days"), counts.get("attended_days")
    if p is not None and a is not None and a > p:
        errors["attended_days"] = "出席日数は予定日数以下にしてください。"
    _raise(errors)
    assert day is not None
    with transaction.atomic():
        report = ProgressReport(
            agency_id=enrolment.agency_id,
            municipality_id=enrolment.municipality_id,
            enrolment=enrolment,
            reported_on=day,
            author=actor,
            content=content,
            planned_days=p,
            attended_days=a,
        )
        _save_checked(report, exclude=["agency", "municipality", "enrolment", "author"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=report,
            person_id=enrolment.person_id,
            details={"enrolment_id": enrolment.pk},
        )
    return report


# =====================================================================================================
# 家計改善支援
# =====================================================================================================


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


def debt_add(*, actor: User, case: Case, values: dict[str, Any]) -> Debt:
    """債務・滞納 (税・家賃・公共料金・借入) with its status."""
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


def debt_status_update(
    *, actor: User, case: Case, debt_id: int, expected_status: str, status: str, amount: int
) -> Debt:
    """Update a debt's status and remaining amount (e.g. 分納中 → 完済).

    ``expected_status`` is the status the user saw: if someone changed the debt since, the save is
    refused (nothing overwritten silently).
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
    with transaction.atomic():
        updated = Debt.objects.filter(pk=debt.pk, status=expected_status).update(
            status=status, amount=checked
        )
        if updated != 1:
            raise ValidationError(
                "この債務・滞納の記録は、画面を開いた後に他の職員が更新しました。最新の内容を確認してください。",
                code="stale",
            )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=debt,
            person_id=case.person_id,
            details={"status": [expected_status, status], "amount": [debt.amount, checked]},
        )
        debt.refresh_from_db()
    return debt


def budget_plan_add(*, actor: User, case: Case, values: dict[str, Any]) -> BudgetPlan:
    """家計計画: goals, the monthly plan, a saving / repayment target and a review date."""
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


def loan_link_add(*, actor: User, case: Case, values: dict[str, Any]) -> LoanLink:
    """生活福祉資金 (総合支援資金・緊急小口資金・福祉資金・教育支援資金) linked to the case."""
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
