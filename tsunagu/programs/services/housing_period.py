"""Writes during the 住居確保給付金 period: 求職活動状況報告, extension (申請・決定), 中止, 支給終了.

The state an action may start from is checked against ``workflow.ACTIONS`` under the row
lock.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from tsunagu.core.audit import audit_record
from tsunagu.core.dates import wareki
from tsunagu.core.models import AuditAction

from .. import housing_rules as hr
from .. import workflow
from ..lookups import (
    job_search_requirement_in_force,
    report_months_status,
    rule_for_assessment,
)
from ..models import (
    ApplicationState,
    BenefitType,
    ExtensionState,
    HousingBenefitApplication,
    HousingBenefitExtension,
    HousingBenefitPayment,
    HousingBenefitStop,
    JobSearchReport,
    StopReason,
)
from ..validation import MAX_ASSET_YEN, MAX_MONTHLY_YEN

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

from .common import (
    CONCURRENT,
    _bump,
    _check_count,
    _check_date,
    _check_yen,
    _locked,
    _raise,
    _require_centre_of,
    _require_officer_of,
    _today,
)

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
            cause = hr.job_search_cause_for_month(locked.cause, n)
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
