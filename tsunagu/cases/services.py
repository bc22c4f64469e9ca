"""Writes on cases: intake (相談受付), case numbers, state transitions, and the support process
(assessment, plan, 支援調整会議 outcome, 支援経過記録, evaluation)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.core import history
from tsunagu.core.audit import audit_record
from tsunagu.core.codes import code_labels
from tsunagu.core.dates import fiscal_year, fiscal_year_short, next_business_day, wareki
from tsunagu.core.idempotency import create_once, created_before
from tsunagu.core.locking import (
    StaleVersionError,
    bump,
    changes,
    check_version,
    field_labels,
    lock,
    model_values,
    parse_version,
)
from tsunagu.core.models import AuditAction, CodeList
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.guards import deny, require, require_agency_of
from tsunagu.organizations.models import Agency, User
from tsunagu.organizations.roles import Permission, Role
from tsunagu.persons.models import Person
from tsunagu.persons.services import person_create
from tsunagu.persons.validation import validate_person_values
from tsunagu.privacy.models import DataCategory, Purpose
from tsunagu.privacy.policies import consent_covering
from tsunagu.privacy.services import consent_give
from tsunagu.privacy.validation import validate_consent_values

from . import hub
from .intake_sheet import B_SHEET_FIELDS, B_SHEET_LISTS, housing_type_from_status
from .models import (
    INTAKE_SCOPE,
    UNFINISHED_STATES,
    Assessment,
    Case,
    CaseNumberSequence,
    CaseState,
    CaseTransition,
    Direction,
    EmergencySupport,
    EmploymentOutcome,
    Evaluation,
    GoalResult,
    Intake,
    PlanGoal,
    PlanStatus,
    RecordMethod,
    ScreeningOutcome,
    SupportPlan,
    SupportRecord,
)
from .policies import require_intake_corrector
from .validation import ASSESSMENT_ITEM_FIELDS as _ASSESSMENT_ITEM_FIELDS
from .validation import ASSESSMENT_ROW_FIELDS as _ASSESSMENT_ROW_FIELDS
from .validation import (
    validate_assessment_values,
    validate_evaluation_values,
    validate_goal_values,
    validate_intake_values,
    validate_plan_values,
    validate_record_values,
)
from .workflow import (
    ASSESSMENT_STATES,
    EDITABLE_PLAN_STATUSES,
    TRANSITIONS,
    actor_refusal,
    carry_over_reasons,
    check_transition,
    evaluation_latest,
    plan_current,
)

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

OTHER_AGENCY_CASE = "他機関のケースです。"

INTAKE_FIELDS = (
    "received_at",
    "method",
    "consulter_type",
    "consulter_name",
    "consulter_relationship",
    "route",
    "referring_partner",
    "topics",
    "main_topic",
    "chief_complaint",
    "urgency_flags",
    *B_SHEET_FIELDS,  # 申込票 B票: 仕事, 住居, 健康保険, 年金 (intake_sheet.py)
    "screening_outcome",
    "screening_referral_to",
    "screening_note",
    "applied_on",
)


# The 申込票 fields that store a 区分マスタ code (kept valid for a correction when retired since).
INTAKE_CODE_FIELDS = (
    "method",
    "consulter_type",
    "route",
    "topics",
    "urgency_flags",
    "screening_referral_to",
    *B_SHEET_FIELDS,
)


def case_number_allocate(*, agency: Agency, fiscal_year_: int) -> tuple[int, str]:
    """The next number for the agency and 年度. Call inside the transaction that creates the case.

    The counter row is incremented with one UPDATE (row-locked on PostgreSQL, database-locked
    on SQLite's immediate transactions), so concurrent intakes never get the same number.
    """
    for _ in range(3):
        updated = CaseNumberSequence.objects.filter(agency=agency, fiscal_year=fiscal_year_).update(
            last_number=F("last_number") + 1
        )
        if updated:
            break
        try:
            with transaction.atomic():
                CaseNumberSequence.objects.create(agency=agency, fiscal_year=fiscal_year_, last_number=1)
            break
        except IntegrityError:
            continue
    n = CaseNumberSequence.objects.get(agency=agency, fiscal_year=fiscal_year_).last_number
    return n, f"{fiscal_year_short(fiscal_year_)}-{n:04d}"


def _record_transition(
    *,
    actor: User,
    case: Case,
    name: str,
    to_state: CaseState,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    from_state = case.state
    case.state = to_state
    Case.objects.filter(pk=case.pk).update(
        state=to_state, version=F("version") + 1, updated_at=timezone.now()
    )
    case.version += 1
    CaseTransition.objects.create(
        case=case, name=name, from_state=from_state, to_state=to_state, reason=reason, actor=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.TRANSITION,
        obj=case,
        person_id=case.person_id,
        details={"transition": name, "from": from_state, "to": to_state, **(details or {})},
    )


def intake_register(
    *,
    actor: User,
    person: Person | None,
    values: dict[str, Any],
    person_values: dict[str, Any] | None = None,
    consent_values: dict[str, Any] | None = None,
    named_recipients: list[Any] | None = None,
    submission_token: str | None = None,
    assigned_worker: User | None = None,
    second_case_reason: str = "",
) -> Case:
    """相談受付: open a case with its 申込票, emergency supports, optional consent and 利用申込.

    One open case per person and agency: when the person already has a case in
    ``UNFINISHED_STATES`` (before 終結・中断・取消), ``OpenCaseExists`` names it and nothing is
    written — the 相談 is recorded in that case — unless ``second_case_reason`` says why a second
    case is opened; the reason is stored on the 申込票 and in the audit row.

    A repeated submission with the same ``submission_token`` returns the case already created
    (double submit → no duplicate record; ``core.idempotency``, scoped to the account). With
    ``person=None`` the person is registered from ``person_values`` in the same transaction, so
    nothing is half-saved; a 住居 (B票) left blank for that new person is their 住まいの状況 where
    the category is the same (``intake_sheet.HOUSING_TYPE_FROM_STATUS``; for a person already
    registered the screen offers it as the initial value). The worker who registers it is its
    worker; naming another member of staff (``assigned_worker``) needs ``case.assign``.
    """
    require(actor, Permission.CASE_EDIT)
    if person is not None:
        require_agency_of(actor, person, message="他機関の相談者です。")
    if assigned_worker is not None and assigned_worker.pk != actor.pk:
        require(actor, Permission.CASE_ASSIGN, obj=None, assigned_worker_id=assigned_worker.pk)
        if not may_hold_cases(assigned_worker, actor.agency_id):
            raise ValidationError({"assigned_worker": "担当者は、同じ機関の相談支援員等から選んでください。"})
    agency = actor.agency
    assert agency is not None  # CASE_EDIT is a centre permission
    key = (
        Intake.submission_key(agency_id=agency.pk, actor_id=actor.pk, token=submission_token)
        if submission_token
        else None
    )
    done = created_before(actor=actor, scope=INTAKE_SCOPE, key=key, model=Case)
    if done is not None:
        return done
    worker = assigned_worker or actor
    validate_intake_values(
        values, partner_queryset=PartnerAgency.objects.in_area_of(agency), municipality=agency.municipality_id
    )
    data = _clean_intake_data(values)
    if person is None and not data["housing_type"]:
        # 住居 (B票) of a person registered at this 受付: their 住まいの状況 where it is the same category.
        data["housing_type"] = housing_type_from_status(
            (person_values or {}).get("housing_status"), agency.municipality_id
        )
    urgency_flags: list[str] = data["urgency_flags"]
    received_on = timezone.localtime(data["received_at"]).date()
    fy = fiscal_year(received_on)
    if person is None:
        validate_person_values(person_values or {})
    if consent_values:
        validate_consent_values(consent_values)

    reason = (second_case_reason or "").strip()

    def create() -> Case:
        nonlocal person
        open_case = None
        if person is None:
            person = person_create(actor=actor, values=person_values or {})
        else:
            open_case = open_case_of(person=person, agency=agency)
            if open_case is not None and not reason:
                raise OpenCaseExists(open_case)
        n, number = case_number_allocate(agency=agency, fiscal_year_=fy)
        case = Case.objects.create(
            agency=agency,
            municipality=person.municipality,
            person=person,
            fiscal_year=fy,
            number_in_year=n,
            case_number=number,
            state=CaseState.INTAKE,
            assigned_worker=worker,
            opened_on=received_on,
            is_emergency=bool(data["urgency_flags"]),
            topics=data["topics"],
            last_contact_on=received_on,
        )
        intake = Intake(
            case=case,
            received_by=actor,
            submission_token=key,
            second_case_reason=reason if open_case is not None else "",
            **data,
        )
        intake.full_clean(exclude=["case", "submission_token"])
        intake.save()
        for flag in urgency_flags:
            EmergencySupport.objects.create(
                case=case,
                agency=agency,
                municipality=case.municipality,
                flag=flag,
                description="受付時に緊急性あり（プラン策定前の支援）",
                started_on=received_on,
                recorded_by=actor,
            )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=case,
            person_id=person.pk,
            details={"case_number": number, "urgency_flags": data["urgency_flags"]}
            | ({"second_case_reason": reason, "open_case_id": open_case.pk} if open_case is not None else {}),
        )
        if consent_values:
            consent_give(actor=actor, person=person, values=consent_values, named_recipients=named_recipients)
        outcome = data["screening_outcome"]
        if outcome in (ScreeningOutcome.INFO_ONLY, ScreeningOutcome.REFERRED):
            _record_transition(
                actor=actor, case=case, name="end_at_screening", to_state=CaseState.ENDED_AT_SCREENING
            )
        elif data["applied_on"] is not None:
            if (msg := check_transition(case, "apply")) is not None:
                raise ValidationError({"applied_on": msg})
            _record_transition(actor=actor, case=case, name="apply", to_state=CaseState.APPLIED)
        return case

    try:
        with transaction.atomic():
            case, _created = create_once(actor=actor, scope=INTAKE_SCOPE, key=key, model=Case, create=create)
    except IntegrityError as exc:
        raise ValidationError(
            "同時に登録が行われたため保存できませんでした。もう一度お試しください。"
        ) from exc
    return case


OPEN_CASE_MESSAGE = (
    "この方には終結・中断していないケース（{number}）があります。"
    "このケースに記録するか、別のケースとして受け付ける理由を入力してください。"
)


class OpenCaseExists(ValidationError):
    """The person already has an open case in this agency (one open case per person): ``case``."""

    def __init__(self, case: Case) -> None:
        super().__init__(
            {"second_case_reason": OPEN_CASE_MESSAGE.format(number=case.case_number)}, code="open_case"
        )
        self.case = case


def open_case_of(*, person: Person, agency: Agency | int) -> Case | None:
    """The person's case in ``agency`` that is not yet 終結・中断・取消 (the newest), or None."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    return (
        Case.objects.filter(person=person, agency_id=agency_id, state__in=UNFINISHED_STATES)
        .order_by("-opened_on", "-id")
        .first()
    )


# The fields of the 申込票 that a correction may change, in the order of the form.
INTAKE_EDIT_FIELDS = INTAKE_FIELDS
_INTAKE_CODE_LISTS = {
    "method": CodeList.CONSULTATION_METHOD,
    "consulter_type": CodeList.CONSULTER_TYPE,
    "route": CodeList.REFERRAL_ROUTE,
    "topics": CodeList.CONSULTATION_TOPIC,
    "main_topic": CodeList.CONSULTATION_TOPIC,
    "urgency_flags": CodeList.URGENCY_FLAG,
    "screening_referral_to": CodeList.SCREENING_REFERRAL,
    **B_SHEET_LISTS,
}


def intake_labels() -> dict[str, str]:
    """項目名 of every correctable field of the 申込票 (the model's names)."""
    return field_labels(Intake, INTAKE_EDIT_FIELDS)


def intake_shown(field: str, value: Any) -> str:
    """A value of the 申込票 as display text: 和暦 dates, category and choice labels."""
    if value in (None, "", [], {}):
        return "（空欄）"
    if isinstance(value, datetime):
        local = timezone.localtime(value)
        return f"{wareki(local.date())} {local:%H:%M}"
    if isinstance(value, date):
        return wareki(value)
    if field == "screening_outcome":
        return str(ScreeningOutcome(value).label) if value in ScreeningOutcome.values else str(value)
    lst = _INTAKE_CODE_LISTS.get(field)
    names = code_labels(lst) if lst is not None else {}
    if isinstance(value, list):
        return "、".join(names.get(str(v), str(v)) for v in value)
    return names.get(str(value), str(value))


def _clean_intake_data(values: dict[str, Any]) -> dict[str, Any]:
    """The 申込票 values as stored, the same at 受付 and at a correction: lists as lists, texts stripped."""
    data = {k: values.get(k) for k in INTAKE_FIELDS}
    data["topics"] = list(data.get("topics") or [])
    data["urgency_flags"] = list(data.get("urgency_flags") or [])
    for k in (
        "method",
        "consulter_type",
        "route",
        "consulter_name",
        "consulter_relationship",
        "main_topic",
        "chief_complaint",
        "screening_outcome",
        "screening_referral_to",
        "screening_note",
        *B_SHEET_FIELDS,
    ):
        data[k] = (data.get(k) or "").strip()
    return data


_SCREENING_ENDS = (ScreeningOutcome.INFO_ONLY, ScreeningOutcome.REFERRED)


def intake_update(*, actor: User, case: Case, values: dict[str, Any], expected_version: Any) -> Intake:
    """Correct the 申込票 and its スクリーニング after saving (申込票の訂正).

    The case's worker or a 主任相談支援員・センター長 of its agency (``policies.may_correct_intake``).
    Optimistically locked on the 申込票's version (``StaleVersionError`` carries the version saved
    meanwhile); the change is kept in the version history (``core.history``) and the audit trail
    in the same transaction. What the case derives from the 申込票 follows: 受付日, 相談したいこと,
    緊急性 (a newly ticked 緊急性 is recorded as プラン策定前の支援), and the state — a 受付 whose
    スクリーニング is corrected to 情報提供のみ / つなぐ ends at screening; a case that ended at
    screening and is corrected to 継続支援 returns to 受付 (unless the person has another open
    case). 利用申込日 may be corrected, or recorded while in 受付; it is not removed once 申込.
    """
    require_agency_of(actor, case, Permission.CASE_EDIT, message=OTHER_AGENCY_CASE)
    require_intake_corrector(actor, case)
    stored = Intake.objects.filter(case_id=case.pk).values(*INTAKE_CODE_FIELDS).first() or {}
    validate_intake_values(
        values,
        partner_queryset=PartnerAgency.objects.in_area_of(actor.agency),
        municipality=case.municipality_id,
        keep=stored,
    )
    data = _clean_intake_data(values)
    with transaction.atomic():
        locked_case = lock(Case.objects.select_related("person"), case.pk)
        intake = lock(Intake.objects.all(), locked_case.intake.pk)  # FOR UPDATE: no outer join (PostgreSQL)
        check_version(intake, expected_version)
        before = model_values(intake, INTAKE_EDIT_FIELDS)
        received_on = timezone.localtime(data["received_at"]).date()
        outcome = data["screening_outcome"]
        state = locked_case.state
        if data["applied_on"] is None and intake.applied_on is not None and state != CaseState.INTAKE:
            raise ValidationError(
                {
                    "applied_on": "利用申込の後のケースでは、利用申込日を消すことはできません（日付の訂正はできます）。"
                }
            )
        if state not in (CaseState.INTAKE, CaseState.ENDED_AT_SCREENING) and outcome in _SCREENING_ENDS:
            raise ValidationError(
                {
                    "screening_outcome": "支援が始まっているケースのスクリーニング結果を「終了」にはできません。"
                    "支援を終える場合は終結・中断の手続きを行ってください。"
                }
            )
        reopen = state == CaseState.ENDED_AT_SCREENING and outcome not in _SCREENING_ENDS
        if reopen:
            other = open_case_of(person=locked_case.person, agency=locked_case.agency_id)
            if other is not None:
                raise ValidationError(
                    {
                        "screening_outcome": f"この方には別のケース（{other.case_number}）が開いているため、"
                        "このケースを受付に戻せません。そのケースに記録してください。"
                    }
                )
        for k, v in data.items():
            setattr(intake, k, v)
        intake.full_clean(exclude=["case", "submission_token"])
        bump(intake)
        intake.save()
        added_flags = [f for f in data["urgency_flags"] if f not in (before.get("urgency_flags") or [])]
        for flag in added_flags:
            EmergencySupport.objects.create(
                case=locked_case,
                agency=locked_case.agency,
                municipality=locked_case.municipality,
                flag=flag,
                description="申込票の訂正で緊急性を追加（プラン策定前の支援）",
                started_on=received_on,
                recorded_by=actor,
            )
        Case.objects.filter(pk=locked_case.pk).update(
            opened_on=received_on,
            topics=data["topics"],
            is_emergency=bool(data["urgency_flags"]) or locked_case.emergency_supports.exists(),
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        locked_case.refresh_from_db()
        after = model_values(intake, INTAKE_EDIT_FIELDS)
        history.record_change(
            actor=actor, obj=intake, before=before, after=after, labels=intake_labels(), shown=intake_shown
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=intake,
            agency_id=locked_case.agency_id,
            municipality_id=locked_case.municipality_id,
            person_id=locked_case.person_id,
            details={"case": locked_case.pk, "changes": changes(before, after)},
        )
        if state == CaseState.INTAKE and outcome in _SCREENING_ENDS:
            _record_transition(
                actor=actor,
                case=locked_case,
                name="end_at_screening",
                to_state=CaseState.ENDED_AT_SCREENING,
                reason="申込票の訂正（スクリーニング結果）",
            )
        elif reopen:
            _record_transition(
                actor=actor,
                case=locked_case,
                name="screening_corrected",
                to_state=CaseState.INTAKE,
                reason="申込票の訂正（スクリーニング結果を継続支援に）",
            )
        elif state == CaseState.INTAKE and data["applied_on"] is not None:
            if (msg := check_transition(locked_case, "apply")) is not None:
                raise ValidationError({"applied_on": msg})
            _record_transition(actor=actor, case=locked_case, name="apply", to_state=CaseState.APPLIED)
    case.state, case.version, case.opened_on = locked_case.state, locked_case.version, locked_case.opened_on
    return intake


def case_cancel(*, actor: User, case: Case, reason: str, expected_version: Any = None) -> Case:
    """取消: a case opened by mistake leaves every list and statistic; the person, the audit trail
    and the case's history stay. 主任相談支援員・センター長 of its agency (``case.cancel``), with a
    reason, and only while nothing is recorded on it (``workflow.cancel_refusals``). The one
    ``cancel`` transition of the table (``workflow.TRANSITIONS``)."""
    require_agency_of(actor, case, Permission.CASE_CANCEL, message=OTHER_AGENCY_CASE)
    return case_transition(
        actor=actor,
        case=case,
        name="cancel",
        reason=reason,
        expected_version=parse_version(expected_version) if expected_version is not None else None,
    )


def case_transition(
    *,
    actor: User,
    case: Case,
    name: str,
    reason: str = "",
    expected_version: int | None = None,
    params: dict[str, Any] | None = None,
) -> Case:
    """Run a named transition after its guards; refused with a Japanese explanation otherwise.

    Who may run it comes from the table (workflow.Transition.permission): centre staff of the
    case's agency (CASE_EDIT), or for ``decide`` the 自治体担当者 of the case's municipality. The
    transition's own effects (the plan's status, the monitoring date, the closure date) are
    written in the same transaction as the state and its audit row.

    ``params`` are the transition's other inputs: for 終結, ``carry_over`` = {open item key: reason}
    for each programme or referral that goes on after the case is closed (``workflow._nothing_left_open``).
    """
    t = TRANSITIONS.get(name)
    if t is None:
        raise ValidationError("その操作はありません。", code="transition_refused")
    if (refusal := actor_refusal(t, actor, case)) is not None:
        deny(actor, permission=t.permission, reason="transition", message=refusal, obj=case, transition=name)
    with transaction.atomic():
        return _transition(
            actor=actor,
            case=case,
            name=name,
            reason=reason,
            expected_version=expected_version,
            params=params,
        )


def _transition(
    *,
    actor: User,
    case: Case,
    name: str,
    reason: str = "",
    expected_version: int | None = None,
    params: dict[str, Any] | None = None,
) -> Case:
    """The transition itself, inside the caller's transaction (the actor is already checked)."""
    locked = lock(Case.objects.select_related("person"), case.pk)
    if expected_version is not None:
        check_version(locked, expected_version)
    given = {**(params or {}), "reason": reason}
    carried = _carried_over(locked, given) if name == "close" else {}
    msg = check_transition(locked, name, given)
    if msg is not None:
        raise ValidationError(msg, code="transition_refused")
    t = TRANSITIONS[name]
    _transition_effects(actor=actor, case=locked, name=name)
    text = reason.strip()
    if carried:
        lines = "\n".join(f"・{label}：{why}" for label, why in carried.values())
        text = (text + "\n" if text else "") + f"終結後も続けるもの（引継ぎ）\n{lines}"
    _record_transition(
        actor=actor,
        case=locked,
        name=name,
        to_state=t.target,
        reason=text,
        details={"carry_over": {k: why for k, (_label, why) in carried.items()}} if carried else None,
    )
    case.state, case.version = locked.state, locked.version
    case.closed_on, case.closure_reason = locked.closed_on, locked.closure_reason
    return locked


def _carried_over(case: Case, params: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """{key: (label, reason)} of the open items (``hub.open_items``) carried over past 終結."""
    reasons = carry_over_reasons(params)
    if not reasons:
        return {}
    return {i.key: (i.label, reasons[i.key]) for i in hub.open_items(case) if i.key in reasons}


def monitoring_due_after(day: date, interval_days: int) -> date:
    """The next monitoring date: ``day`` + the interval, moved to the next business day (祝日 skipped)."""
    return next_business_day(day + timedelta(days=interval_days))


def _transition_effects(*, actor: User, case: Case, name: str) -> None:
    """What a transition changes besides the state (guards have already passed)."""
    plan = plan_current(case)
    today = timezone.localdate()

    def set_plan(**fields: Any) -> None:
        assert plan is not None  # the guards require one
        SupportPlan.objects.filter(pk=plan.pk).update(
            version=F("version") + 1, updated_at=timezone.now(), **fields
        )

    if name == "submit_to_meeting":
        set_plan(status=PlanStatus.SUBMITTED)
    elif name == "decide":
        set_plan(status=PlanStatus.DECIDED)
    elif name == "start_support":
        assert plan is not None
        set_plan(
            next_monitoring_on=monitoring_due_after(
                max(today, plan.start_date), plan.monitoring_interval_days
            )
        )
    elif name == "replan":
        set_plan(status=PlanStatus.SUPERSEDED, next_monitoring_on=None)
    elif name in ("close", "suspend"):
        ev = evaluation_latest(case)
        case.closed_on = today
        case.closure_reason = ev.closure_reason if (ev is not None and name == "close") else ""
        Case.objects.filter(pk=case.pk).update(closed_on=case.closed_on, closure_reason=case.closure_reason)
        set_plan(status=PlanStatus.ENDED, next_monitoring_on=None)


def intake_record_application(*, actor: User, case: Case, applied_on: Any) -> Case:
    """Record 利用申込 on the 申込票 and move the case to 申込 (needs consent in force)."""
    require_agency_of(actor, case, Permission.CASE_EDIT, message=OTHER_AGENCY_CASE)
    if applied_on is None or applied_on > timezone.localdate():
        raise ValidationError({"applied_on": "利用申込日を正しく入力してください（未来の日付は不可）。"})
    if applied_on < case.opened_on:
        raise ValidationError({"applied_on": "利用申込日は受付日以降にしてください。"})
    with transaction.atomic():
        Intake.objects.filter(case=case).update(applied_on=applied_on, version=F("version") + 1)
        case.intake.applied_on = applied_on
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=case,
            person_id=case.person_id,
            details={"applied_on": applied_on.isoformat()},
        )
        return case_transition(actor=actor, case=case, name="apply")


WORKER_CHOICE = "担当者は、同じ機関の相談支援員等から選んでください。"


def may_hold_cases(worker: User | None, agency_id: int | None) -> bool:
    """The one rule for who may be a case's worker (担当者): active centre staff of the case's agency
    who may write case records (``case.edit``). ``case_assign`` and the 委託先の変更 (the
    引継ぎ先の担当者, ``handovers.services``) both ask it; ``User.objects.case_staff_of`` lists the
    same staff as choices."""
    return (
        worker is not None
        and worker.is_active
        and worker.agency_id is not None
        and worker.agency_id == agency_id
        and worker.can(Permission.CASE_EDIT)
    )


def case_assign(*, actor: User, case: Case, worker: User, expected_version: Any) -> Case:
    """Change the case's worker (担当者の割当て): 主任相談支援員 and センター長 (``case.assign``) of
    the case's agency; the new worker is active centre staff of that agency. Optimistically locked
    on the case's version; audited with the worker before and after."""
    require_agency_of(actor, case, Permission.CASE_ASSIGN, message=OTHER_AGENCY_CASE)
    if not may_hold_cases(worker, case.agency_id):
        raise ValidationError({"worker": WORKER_CHOICE})
    with transaction.atomic():
        locked = lock(Case.objects.select_related("person"), case.pk)
        check_version(locked, expected_version)
        before = locked.assigned_worker_id
        if before == worker.pk:
            return locked
        Case.objects.filter(pk=locked.pk).update(
            assigned_worker=worker, version=F("version") + 1, updated_at=timezone.now()
        )
        locked.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            person_id=locked.person_id,
            details={"assigned_worker": [before, worker.pk]},
        )
    case.assigned_worker_id, case.version = locked.assigned_worker_id, locked.version
    return locked


# --- The support process: assessment, plan, records, evaluation -------------------------------
#
# Each write checks the actor (centre staff of the case's agency with CASE_EDIT), validates with
# the rules in validation.py (shared with the forms and the API), saves with full_clean() so the
# database constraints speak Japanese too, and writes its audit row in the same transaction.
# Assessments, plans and records are optimistically locked: a stale save raises
# StaleVersionError carrying the version saved in the meantime, and nothing is written.

ASSESSMENT_FIELDS = (
    "assessed_on",
    "sections",
    "disability_certificate",
    "issues",
    "strengths",
    "wishes",
    "urgency",
    "joint_with",
    # The structured items beside the narratives: validation.ASSESSMENT_ITEM_FIELDS.
    *_ASSESSMENT_ITEM_FIELDS,
)
# The rows of the sheet (key in ``values`` → fields of a row): validation.ASSESSMENT_ROW_FIELDS.
ASSESSMENT_ROW_FIELDS = _ASSESSMENT_ROW_FIELDS
ASSESSMENT_ITEM_FIELDS = _ASSESSMENT_ITEM_FIELDS
_ASSESSMENT_ROW_TEXT = (
    "period",
    "employment_type",
    "work",
    "reason_left",
    "category",
    "kind",
    "creditor",
    "name",
)
PLAN_FIELDS = (
    "wishes",
    "issues",
    "long_term_goal",
    "short_term_goal",
    "notes",
    "programs",
    "employment_support_target",
    "start_date",
    "end_date",
    "agreed_on",
    "monitoring_interval_days",
    "long_period_reason",
)
GOAL_FIELDS = (
    "term",
    "issue",
    "goal",
    "target_date",
    "support",
    "provider_kind",
    "provider_staff",
    "provider_program",
    "provider_partner",
    "provider_resource",
    "frequency",
    "unmet_need",
    "unmet_need_note",
)
RECORD_FIELDS = ("occurred_at", "duration_minutes", "method", "content", "staff", "is_monitoring")
EVALUATION_FIELDS = ("evaluated_on", "changes", "summary", "direction", "closure_reason", "follow_up_on")
# 支援経過記録 methods that are contact with the person (the dashboard's "no contact for 30 days").
PERSON_CONTACT_METHODS = (
    RecordMethod.INTERVIEW,
    RecordMethod.PHONE,
    RecordMethod.VISIT,
    RecordMethod.ACCOMPANY,
    RecordMethod.EMAIL,
)


def _require_case_writer(actor: User, case: Case) -> None:
    """Centre staff (CASE_EDIT) of the case's own agency (refusals audited by the guards)."""
    require_agency_of(actor, case, Permission.CASE_EDIT, message=OTHER_AGENCY_CASE)


def _clean_text(data: dict[str, Any], *keys: str) -> None:
    for k in keys:
        data[k] = str(data.get(k) or "").strip()


def _lock_case(case: Case) -> Case:
    """The case's row, locked for the transaction; ``case`` gets its current state."""
    locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    case.state, case.version = locked.state, locked.version
    return locked


def _check_state(case: Case, states: Any, what: str) -> None:
    if case.state not in states:
        raise ValidationError(f"{what}（現在の状態：{CaseState(case.state).label}）。", code="wrong_state")


# --- インテーク・アセスメントシート ---


def _assessment_rows(values: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The rows in ``values`` (職歴, 月収, 債務, 公的給付), each cut to its fields, text stripped."""
    out: dict[str, list[dict[str, Any]]] = {}
    for key, fields in ASSESSMENT_ROW_FIELDS.items():
        given = values.get(key) or []
        if not isinstance(given, list | tuple):
            out[key] = given  # refused by validate_assessment_values
            continue
        rows = []
        for row in given:
            if not isinstance(row, dict):
                rows.append(row)
                continue
            r = {f: row.get(f) for f in fields}
            for f in fields:
                if f in _ASSESSMENT_ROW_TEXT and (r[f] is None or isinstance(r[f], str)):
                    r[f] = str(r[f] or "").strip()
            rows.append(r)
        out[key] = rows
    return out


def _save_assessment_rows(assessment: Assessment, rows: dict[str, list[dict[str, Any]]]) -> None:
    from .models import AssessmentBenefit, AssessmentDebt, AssessmentIncome, AssessmentJob

    objs: dict[type[Any], list[Any]] = {
        AssessmentJob: [
            AssessmentJob(assessment=assessment, order=i, **r) for i, r in enumerate(rows["jobs"])
        ],
        AssessmentIncome: [AssessmentIncome(assessment=assessment, **r) for r in rows["incomes"]],
        AssessmentDebt: [AssessmentDebt(assessment=assessment, **r) for r in rows["debts"]],
        AssessmentBenefit: [AssessmentBenefit(assessment=assessment, **r) for r in rows["benefits"]],
    }
    for model, made in objs.items():
        for obj in made:
            obj.full_clean(exclude=["assessment"], validate_unique=False)
        model.objects.bulk_create(made)


def assessment_create(
    *, actor: User, case: Case, values: dict[str, Any], based_on_number: int | str | None = None
) -> Assessment:
    """Save the sheet as a new version (版). None is edited in place.

    ``based_on_number``: the version the user started from (0 for the first sheet). When another
    version was saved in the meantime the save is refused (StaleVersionError with that version),
    so nobody's sheet silently replaces a colleague's. A screen or API body without it is refused
    by its caller (``VersionMissingError``); None (code that writes a sheet itself) skips the check.

    ``values`` holds the narratives (``sections``), the structured items (ASSESSMENT_FIELDS) and
    the rows ``jobs``, ``incomes``, ``debts``, ``benefits`` (ASSESSMENT_ROW_FIELDS), written in the
    same transaction. ``legacy`` (旧記録) is never taken from ``values``: each version carries the
    previous version's, so the text from before the items were structured is never lost.
    """
    _require_case_writer(actor, case)
    _check_state(
        case, ASSESSMENT_STATES, "アセスメントは、利用申込の後（アセスメント以降の状態）で作成できます"
    )
    data = {k: values.get(k) for k in ASSESSMENT_FIELDS}
    data["sections"] = {k: str(v).strip() for k, v in (data.get("sections") or {}).items() if str(v).strip()}
    data["issues"] = list(data.get("issues") or [])
    _clean_text(
        data,
        "strengths",
        "wishes",
        "disability_certificate",
        "urgency",
        "certificate_kind",
        "certificate_grade",
        "outpatient_note",
        "medication_note",
        "work_status",
        "qualifications",
    )
    rows = _assessment_rows(values)
    joint = data.get("joint_with")
    if joint is not None and joint.pk == actor.pk:
        raise ValidationError(
            {"joint_with": "共同アセスメントの相手には、記入者以外の職員を選んでください。"}
        )
    previous = Assessment.objects.filter(case_id=case.pk).order_by("-version").first()
    validate_assessment_values(
        {**values, **data, **rows},
        case=case,
        staff_queryset=User.objects.case_staff_of(case.agency_id),
        keep_issues=previous.issues if previous else None,
        keep_work=_assessment_work_codes(previous),
    )
    with transaction.atomic():
        _check_state(
            _lock_case(case),
            ASSESSMENT_STATES,
            "アセスメントは、利用申込の後（アセスメント以降の状態）で作成できます",
        )
        latest = Assessment.objects.filter(case=case).order_by("-number").first()
        latest_number = latest.number if latest else 0
        if based_on_number is not None and latest_number != parse_version(based_on_number, "based_on_number"):
            raise StaleVersionError(latest)
        assessment = Assessment(
            case=case,
            agency_id=case.agency_id,
            municipality_id=case.municipality_id,
            author=actor,
            number=latest_number + 1,
            legacy=dict(latest.legacy or {}) if latest else {},
            **data,
        )
        assessment.full_clean()
        assessment.save()
        _save_assessment_rows(assessment, rows)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=assessment,
            person_id=case.person_id,
            details={
                "case_id": case.pk,
                "number": assessment.number,
                "joint_with": assessment.joint_with_id,
                "issues": assessment.issues,
                "rows": {k: len(v) for k, v in rows.items()},
            },
        )
    return assessment


def _assessment_work_codes(previous: Assessment | None) -> list[str]:
    """The 就労の現状 and 雇用形態 codes the previous version stores (kept valid if retired since)."""
    if previous is None:
        return []
    codes = [previous.work_status] if previous.work_status else []
    codes += [e for e in previous.jobs.values_list("employment_type", flat=True) if e]
    return codes


def assessment_share_with_budget_supporter(
    *, actor: User, assessment: Assessment, recipient: Any
) -> Assessment:
    """Share the sheet with a 家計改善支援員 (手引き IV: with consent).

    The consent in force must cover the purpose 「本人の支援のため」 and the category
    「収入・資産・債務等の経済状況」; the recipient must hold the 家計改善支援員 role in the same
    agency. The sharing is recorded on the sheet and audited as a disclosure with its basis.
    """
    case = assessment.case
    _require_case_writer(actor, case)
    if (
        recipient is None
        or not recipient.is_active
        or recipient.agency_id != case.agency_id
        or not recipient.has_role(Role.HOUSEHOLD_BUDGET_SUPPORTER)
    ):
        raise ValidationError({"recipient": "共有先は、同じ機関の家計改善支援員から選んでください。"})
    consent, why = consent_covering(
        case.person,
        on=timezone.localdate(),
        purposes=[Purpose.SUPPORT],
        categories=[DataCategory.FINANCES],
    )
    if consent is None:
        raise ValidationError(
            "家計改善支援員との共有には、「本人の支援のため」の利用目的と「収入・資産・債務等の経済状況」を含む、有効な同意が必要です。"
            f"{why}",
            code="no_consent",
        )
    with transaction.atomic():
        now = timezone.now()
        Assessment.objects.filter(pk=assessment.pk).update(
            shared_with_budget_support=True, shared_with=recipient, shared_at=now
        )
        assessment.shared_with_budget_support, assessment.shared_with, assessment.shared_at = (
            True,
            recipient,
            now,
        )
        audit_record(
            actor=actor,
            action=AuditAction.DISCLOSURE,
            obj=assessment,
            person_id=case.person_id,
            details={
                "recipient_id": recipient.pk,
                "recipient_role": Role.HOUSEHOLD_BUDGET_SUPPORTER.value,
                "basis": "consent",
                "consent_id": consent.pk,
                "categories": [DataCategory.FINANCES.value],
                "number": assessment.number,
            },
        )
    return assessment


# --- プラン兼事業等利用申込書 ---


def _plan_data(values: dict[str, Any]) -> dict[str, Any]:
    data = {k: values.get(k) for k in PLAN_FIELDS}
    _clean_text(data, "wishes", "issues", "long_term_goal", "short_term_goal", "notes", "long_period_reason")
    data["programs"] = list(dict.fromkeys(data.get("programs") or []))
    data["employment_support_target"] = bool(data.get("employment_support_target"))
    if data.get("monitoring_interval_days") is None:
        data["monitoring_interval_days"] = 30
    return data


def _goal_rows(case: Case, goals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate every goal row; errors are keyed ``goals-<row>-<field>`` (and ``goals``)."""
    rows: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    staff_qs = User.objects.case_staff_of(case.agency_id)
    partners = PartnerAgency.objects.in_area_of(case.agency)
    for i, g in enumerate(goals):
        row = {k: g.get(k) for k in GOAL_FIELDS}
        _clean_text(row, "issue", "goal", "support", "provider_resource", "frequency", "unmet_need_note")
        row["provider_program"] = row.get("provider_program") or ""
        row["unmet_need"] = bool(row.get("unmet_need"))
        # Only the provider of the chosen kind is kept.
        kind = row.get("provider_kind")
        for k, field in (
            ("staff", "provider_staff"),
            ("program", "provider_program"),
            ("partner", "provider_partner"),
            ("resource", "provider_resource"),
        ):
            if kind != k:
                row[field] = "" if field in ("provider_program", "provider_resource") else None
        try:
            validate_goal_values(
                row, staff_queryset=staff_qs, partner_queryset=partners, prefix=f"goals-{i}-"
            )
        except ValidationError as exc:
            for key, msgs in exc.message_dict.items():
                errors.setdefault(key, []).extend(msgs)
        row["id"] = g.get("id")
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    return rows


def _validate_plan(case: Case, data: dict[str, Any], goals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    try:
        validate_plan_values(data, case=case)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    rows: list[dict[str, Any]] = []
    try:
        rows = _goal_rows(case, goals)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return rows


def _save_goals(plan: SupportPlan, rows: list[dict[str, Any]]) -> None:
    """Make the plan's goals exactly ``rows`` (rows with an ``id`` update that goal)."""
    existing = {g.pk: g for g in plan.goals.all()}
    kept: set[int] = set()
    for order, row in enumerate(rows, start=1):
        gid = row.pop("id", None)
        if gid:
            goal = existing.get(int(gid))
            if goal is None:
                raise ValidationError(
                    {"goals": "このプランの目標ではない行が含まれています。画面を開き直してください。"}
                )
            kept.add(goal.pk)
        else:
            goal = PlanGoal(plan=plan)
        for k, v in row.items():
            setattr(goal, k, v)
        goal.order = order
        goal.full_clean(exclude=["plan"])
        goal.save()
    removed = [pk for pk in existing if pk not in kept]
    if removed:
        PlanGoal.objects.filter(pk__in=removed).delete()


def _replan_evaluation_for_new_plan(case: Case, last: SupportPlan | None) -> Evaluation | None:
    """The evaluation that caused this re-plan: kept from a returned (差戻し) predecessor, else the
    latest 再プラン evaluation of a superseded plan not yet answered by a new plan."""
    if last is not None and last.status == PlanStatus.RETURNED and last.replan_of_evaluation_id:
        return last.replan_of_evaluation
    return (
        Evaluation.objects.filter(
            case=case, direction=Direction.REPLAN, plan__status=PlanStatus.SUPERSEDED, replans__isnull=True
        )
        .order_by("-created_at", "-id")
        .first()
    )


def plan_create(
    *, actor: User, case: Case, values: dict[str, Any], goals: list[dict[str, Any]] | None = None
) -> SupportPlan:
    """A new plan version (案) while the case is in プラン策定. After a 再プラン it is linked to the
    evaluation that caused it; it is based on the latest assessment."""
    _require_case_writer(actor, case)
    data = _plan_data(values)
    rows = _validate_plan(case, data, goals or [])
    with transaction.atomic():
        _check_state(_lock_case(case), {CaseState.PLANNING}, "プランは「プラン策定」の状態で作成できます")
        current = plan_current(case)
        if current is not None:
            raise ValidationError(
                f"このケースには有効なプラン（第{current.number}版・{PlanStatus(current.status).label}）があります。そのプランを編集してください。"
            )
        last = SupportPlan.objects.filter(case=case).order_by("-number").first()
        plan = SupportPlan(
            case=case,
            agency_id=case.agency_id,
            municipality_id=case.municipality_id,
            author=actor,
            number=(last.number if last else 0) + 1,
            status=PlanStatus.DRAFT,
            based_on_assessment=Assessment.objects.filter(case=case).order_by("-number").first(),
            replan_of_evaluation=_replan_evaluation_for_new_plan(case, last),
            **data,
        )
        plan.full_clean()
        plan.save()
        _save_goals(plan, rows)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=plan,
            person_id=case.person_id,
            details={
                "case_id": case.pk,
                "number": plan.number,
                "goals": len(rows),
                "replan_of_evaluation": plan.replan_of_evaluation_id,
            },
        )
    return plan


def plan_update(
    *,
    actor: User,
    plan: SupportPlan,
    values: dict[str, Any],
    goals: list[dict[str, Any]] | None,
    expected_version: Any,
) -> SupportPlan:
    """Edit a plan while it is a 案 (or sent back for 修正). ``goals=None`` leaves the goals as they are."""
    case = plan.case
    _require_case_writer(actor, case)
    data = _plan_data(values)
    with transaction.atomic():
        locked = lock(plan)
        check_version(locked, expected_version)
        if locked.status not in EDITABLE_PLAN_STATUSES:
            raise ValidationError(
                f"プラン（第{locked.number}版）は「{PlanStatus(locked.status).label}」のため編集できません。"
            )
        if goals is None:
            goals = [{"id": g.pk, **{k: getattr(g, k) for k in GOAL_FIELDS}} for g in locked.goals.all()]
        rows = _validate_plan(case, data, goals)
        before = {k: getattr(locked, k) for k in PLAN_FIELDS}
        for k, v in data.items():
            setattr(locked, k, v)
        bump(locked)
        locked.full_clean()
        locked.save()
        _save_goals(locked, rows)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            person_id=case.person_id,
            details={
                "case_id": case.pk,
                "number": locked.number,
                "fields": sorted(k for k in PLAN_FIELDS if before[k] != data[k]),
                "goals": len(rows),
            },
        )
    return locked


MEETING_OUTCOMES = {
    "approved": PlanStatus.APPROVED,
    "revise": PlanStatus.REVISION,
    "returned": PlanStatus.RETURNED,
}


def plan_meeting_outcome_record(
    *, actor: User, plan: SupportPlan, outcome: str, note: str = ""
) -> SupportPlan:
    """The 支援調整会議's answer on a submitted plan: 承認 / 修正 / 差戻し.

    承認 → the plan waits for the municipality's 支援決定; 修正 → the same plan goes back to
    プラン策定 for editing; 差戻し → the plan is closed as returned and a new version is made.
    Run by the staff who keep the meeting record (MEETING_MANAGE) of the plan's agency.
    """
    require_agency_of(actor, plan, Permission.MEETING_MANAGE, message="他機関のプランです。")
    status = MEETING_OUTCOMES.get(outcome)
    if status is None:
        raise ValidationError({"outcome": "会議の結果は「承認」「修正」「差戻し」から選んでください。"})
    with transaction.atomic():
        case = _lock_case(plan.case)
        locked = SupportPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != PlanStatus.SUBMITTED or case.state != CaseState.COORDINATION_MEETING:
            raise ValidationError(
                f"プラン（第{locked.number}版）は支援調整会議に提出されていません（プランの状態：{PlanStatus(locked.status).label}）。"
            )
        SupportPlan.objects.filter(pk=locked.pk).update(
            status=status, version=F("version") + 1, updated_at=timezone.now()
        )
        locked.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            person_id=case.person_id,
            details={
                "case_id": case.pk,
                "number": locked.number,
                "meeting_outcome": outcome,
                "note": note[:500],
            },
        )
        if status in (PlanStatus.REVISION, PlanStatus.RETURNED):
            _transition(actor=actor, case=case, name="return_to_planning", reason=note)
    return locked


# --- 支援経過記録 ---


def _record_data(values: dict[str, Any], actor: User) -> dict[str, Any]:
    data = {k: values.get(k) for k in RECORD_FIELDS}
    _clean_text(data, "content")
    data["is_monitoring"] = bool(data.get("is_monitoring"))
    if data.get("staff") is None:
        data["staff"] = actor
    return data


def _check_monitoring(case: Case, data: dict[str, Any]) -> None:
    if not data["is_monitoring"]:
        return
    plan = plan_current(case)
    if (
        case.state not in (CaseState.IN_SUPPORT, CaseState.EVALUATION)
        or plan is None
        or plan.status != PlanStatus.DECIDED
    ):
        raise ValidationError(
            {"is_monitoring": "モニタリングは、支援決定後（支援中・評価）のケースで記録できます。"}
        )


def _refresh_contact_and_monitoring(case: Case) -> None:
    """Case.last_contact_on and the plan's next monitoring date, from the records themselves."""
    last = (
        SupportRecord.objects.filter(case=case, method__in=PERSON_CONTACT_METHODS)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    candidates = [d for d in (case.opened_on, timezone.localtime(last).date() if last else None) if d]
    last_contact = max(candidates)
    if last_contact != case.last_contact_on:
        Case.objects.filter(pk=case.pk).update(last_contact_on=last_contact)
        case.last_contact_on = last_contact
    plan = plan_current(case)
    if plan is None or plan.status != PlanStatus.DECIDED:
        return
    start = datetime.combine(plan.start_date, time.min, tzinfo=timezone.get_current_timezone())
    monitored = (
        SupportRecord.objects.filter(case=case, is_monitoring=True, occurred_at__gte=start)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    if monitored is not None:
        due = monitoring_due_after(timezone.localtime(monitored).date(), plan.monitoring_interval_days)
        SupportPlan.objects.filter(pk=plan.pk).update(next_monitoring_on=due)


def record_create(
    *, actor: User, case: Case, values: dict[str, Any], idempotency_key: str | None = None
) -> SupportRecord:
    """One 支援経過記録 entry. Updates the case's last contact and, for a monitoring entry, the
    plan's next monitoring date (entry date + interval, on a business day)."""
    _require_case_writer(actor, case)
    data = _record_data(values, actor)
    validate_record_values(data, case=case, staff_queryset=User.objects.case_staff_of(case.agency_id))
    _check_monitoring(case, data)

    def create() -> SupportRecord:
        _check_monitoring(_lock_case(case), data)
        record = SupportRecord(
            case=case, agency_id=case.agency_id, municipality_id=case.municipality_id, author=actor, **data
        )
        record.full_clean()
        record.save()
        _refresh_contact_and_monitoring(case)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=record,
            person_id=case.person_id,
            details={"case_id": case.pk, "method": record.method, "is_monitoring": record.is_monitoring},
        )
        return record

    with transaction.atomic():
        record, _created = create_once(
            actor=actor, scope="support_record", key=idempotency_key, model=SupportRecord, create=create
        )
    return record


def record_update(
    *, actor: User, record: SupportRecord, values: dict[str, Any], expected_version: Any
) -> SupportRecord:
    case = record.case
    _require_case_writer(actor, case)
    data = _record_data(values, actor)
    validate_record_values(data, case=case, staff_queryset=User.objects.case_staff_of(case.agency_id))
    with transaction.atomic():
        locked_case = _lock_case(case)
        locked = lock(record)
        check_version(locked, expected_version)
        if data["is_monitoring"] and not locked.is_monitoring:
            _check_monitoring(locked_case, data)
        before = {k: getattr(locked, k) for k in RECORD_FIELDS}
        for k, v in data.items():
            setattr(locked, k, v)
        bump(locked)
        locked.full_clean()
        locked.save()
        _refresh_contact_and_monitoring(case)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            person_id=case.person_id,
            details={"case_id": case.pk, "fields": sorted(k for k in RECORD_FIELDS if before[k] != data[k])},
        )
    return locked


# --- 評価シート ---


def _plan_to_evaluate(case: Case) -> SupportPlan:
    plan = plan_current(case)
    if plan is None or plan.status != PlanStatus.DECIDED:
        raise ValidationError(
            "評価するプランがありません。評価シートは、支援決定されたプランについて記録します。",
            code="no_plan",
        )
    _check_state(
        case,
        {CaseState.IN_SUPPORT, CaseState.EVALUATION},
        "評価シートは「支援中」または「評価」の状態で記録できます",
    )
    return plan


def evaluation_create(
    *, actor: User, case: Case, values: dict[str, Any], idempotency_key: str | None = None
) -> Evaluation:
    """評価シート for the plan in force (支援決定済み): per-goal achievement, the changes in the
    person, and the next direction (終結 with its reason / 再プラン / 中断).

    ``values["goal_results"]``: [{"goal_id", "achievement", "comment"}] for every goal.
    """
    _require_case_writer(actor, case)
    plan = _plan_to_evaluate(case)
    data = {k: values.get(k) for k in EVALUATION_FIELDS}
    _clean_text(data, "summary", "closure_reason")
    data["changes"] = list(dict.fromkeys(data.get("changes") or []))
    results = [
        {
            "goal_id": int(r["goal_id"]) if str(r.get("goal_id") or "").isdigit() else r.get("goal_id"),
            "achievement": r.get("achievement"),
            "comment": str(r.get("comment") or "").strip(),
        }
        for r in (values.get("goal_results") or [])
    ]
    validate_evaluation_values({**data, "goal_results": results}, case=case, plan=plan)

    def create() -> Evaluation:
        if _plan_to_evaluate(_lock_case(case)).pk != plan.pk:
            raise ValidationError("評価の対象のプランが変更されました。画面を開き直してください。")
        evaluation = Evaluation(
            case=case,
            plan=plan,
            agency_id=case.agency_id,
            municipality_id=case.municipality_id,
            author=actor,
            **data,
        )
        evaluation.full_clean()
        evaluation.save()
        GoalResult.objects.bulk_create(
            GoalResult(
                evaluation=evaluation,
                goal_id=r["goal_id"],
                achievement=r["achievement"],
                comment=r["comment"],
            )
            for r in results
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=evaluation,
            person_id=case.person_id,
            details={
                "case_id": case.pk,
                "plan_number": plan.number,
                "direction": evaluation.direction,
                "closure_reason": evaluation.closure_reason,
            },
        )
        return evaluation

    with transaction.atomic():
        evaluation, _created = create_once(
            actor=actor, scope="evaluation", key=idempotency_key, model=Evaluation, create=create
        )
    return evaluation


# --- 就労・増収の実績 (支援状況調査の就労者数・増収者数) ---

EMPLOYMENT_OUTCOME_FIELDS = (
    "kind",
    "occurred_on",
    "employment_type",
    "employer",
    "monthly_income_increase",
    "note",
)


def employment_outcome_record(
    *, actor: User, case: Case, values: dict[str, Any], idempotency_key: str | None = None
) -> EmploymentOutcome:
    """Record that the person started work (就労) or raised their income (増収) on a date.

    Not before the case's 受付日 and not in the future: the monthly survey counts it in that month."""
    _require_case_writer(actor, case)
    data = {k: values.get(k) for k in EMPLOYMENT_OUTCOME_FIELDS}
    _clean_text(data, "employment_type", "employer", "note")
    errors: dict[str, str] = {}
    occurred = data.get("occurred_on")
    if isinstance(occurred, date):
        if occurred < case.opened_on:
            errors["occurred_on"] = "就労・増収の日は受付日以降にしてください。"
        elif occurred > timezone.localdate():
            errors["occurred_on"] = "未来の日付は記録できません。"
    if errors:
        raise ValidationError(errors)

    def create() -> EmploymentOutcome:
        _lock_case(case)
        outcome = EmploymentOutcome(
            case=case, agency_id=case.agency_id, municipality_id=case.municipality_id, author=actor, **data
        )
        outcome.full_clean()
        outcome.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=outcome,
            person_id=case.person_id,
            details={
                "case_id": case.pk,
                "kind": outcome.kind,
                "occurred_on": outcome.occurred_on.isoformat(),
            },
        )
        return outcome

    with transaction.atomic():
        outcome, _created = create_once(
            actor=actor,
            scope="employment_outcome",
            key=idempotency_key,
            model=EmploymentOutcome,
            create=create,
        )
    return outcome
