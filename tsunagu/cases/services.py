"""Writes on cases: intake registration (相談受付), case numbers, state transitions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.core.audit import audit_record
from tsunagu.core.dates import fiscal_year, fiscal_year_short
from tsunagu.core.models import AuditAction
from tsunagu.organizations.models import Agency
from tsunagu.organizations.roles import Permission
from tsunagu.persons.models import Person
from tsunagu.persons.services import person_create
from tsunagu.persons.validation import validate_person_values
from tsunagu.privacy.services import consent_give
from tsunagu.privacy.validation import validate_consent_values

from .models import (
    Case,
    CaseNumberSequence,
    CaseState,
    CaseTransition,
    EmergencySupport,
    Intake,
    ScreeningOutcome,
)
from .validation import partners_for_agency, validate_intake_values
from .workflow import TRANSITIONS, check_transition

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
    "screening_outcome",
    "screening_referral_to",
    "screening_note",
    "applied_on",
)


def _require(actor: Any, permission: Permission) -> None:
    if not actor.can(permission):
        audit_record(actor=actor, action=AuditAction.ACCESS_DENIED, details={"permission": permission.value})
        raise PermissionDenied("この操作を行う権限がありません。")


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


def _record_transition(*, actor: Any, case: Case, name: str, to_state: CaseState, reason: str = "") -> None:
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
        details={"transition": name, "from": from_state, "to": to_state},
    )


def intake_register(
    *,
    actor: Any,
    person: Person | None,
    values: dict[str, Any],
    person_values: dict[str, Any] | None = None,
    consent_values: dict[str, Any] | None = None,
    named_recipients: list[Any] | None = None,
    submission_token: str | None = None,
) -> Case:
    """相談受付: open a case with its 申込票, emergency supports, optional consent and 利用申込.

    A repeated submission with the same ``submission_token`` returns the case already created
    (double submit → no duplicate record). With ``person=None`` the person is registered from
    ``person_values`` in the same transaction, so nothing is half-saved.
    """
    _require(actor, Permission.CASE_EDIT)
    if person is not None and person.agency_id != actor.agency_id:
        raise PermissionDenied("他機関の相談者です。")
    agency = actor.agency
    if submission_token:
        submission_token = Intake.submission_key(
            agency_id=agency.pk, actor_id=actor.pk, token=submission_token
        )
        existing = Intake.objects.filter(submission_token=submission_token).select_related("case").first()
        if existing is not None:
            return existing.case
    validate_intake_values(values, partner_queryset=partners_for_agency(agency))
    data = {k: values.get(k) for k in INTAKE_FIELDS}
    topics: list[str] = list(data.get("topics") or [])
    urgency_flags: list[str] = list(data.get("urgency_flags") or [])
    data["topics"], data["urgency_flags"] = topics, urgency_flags
    for k in (
        "consulter_name",
        "consulter_relationship",
        "main_topic",
        "chief_complaint",
        "screening_outcome",
        "screening_referral_to",
        "screening_note",
    ):
        data[k] = (data.get(k) or "").strip()
    received_on = timezone.localtime(data["received_at"]).date()
    fy = fiscal_year(received_on)
    if person is None:
        validate_person_values(person_values or {})
    if consent_values:
        validate_consent_values(consent_values)
    try:
        with transaction.atomic():
            if person is None:
                person = person_create(actor=actor, values=person_values or {})
            n, number = case_number_allocate(agency=agency, fiscal_year_=fy)
            case = Case.objects.create(
                agency=agency,
                municipality=person.municipality,
                person=person,
                fiscal_year=fy,
                number_in_year=n,
                case_number=number,
                state=CaseState.INTAKE,
                assigned_worker=actor,
                opened_on=received_on,
                is_emergency=bool(data["urgency_flags"]),
                topics=data["topics"],
                last_contact_on=received_on,
            )
            intake = Intake(case=case, received_by=actor, submission_token=submission_token, **data)
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
                details={"case_number": number, "urgency_flags": data["urgency_flags"]},
            )
            if consent_values:
                consent_give(
                    actor=actor, person=person, values=consent_values, named_recipients=named_recipients
                )
            outcome = data["screening_outcome"]
            if outcome in (ScreeningOutcome.INFO_ONLY, ScreeningOutcome.REFERRED):
                _record_transition(
                    actor=actor, case=case, name="end_at_screening", to_state=CaseState.ENDED_AT_SCREENING
                )
            elif data["applied_on"] is not None:
                if (msg := check_transition(case, "apply")) is not None:
                    raise ValidationError({"applied_on": msg})
                _record_transition(actor=actor, case=case, name="apply", to_state=CaseState.APPLIED)
    except IntegrityError as exc:
        if submission_token and Intake.objects.filter(submission_token=submission_token).exists():
            return Intake.objects.get(submission_token=submission_token).case
        raise ValidationError(
            "同時に登録が行われたため保存できませんでした。もう一度お試しください。"
        ) from exc
    return case


def case_transition(
    *, actor: Any, case: Case, name: str, reason: str = "", expected_version: int | None = None
) -> Case:
    """Run a named transition after its guards; refused with a Japanese explanation otherwise."""
    _require(actor, Permission.CASE_EDIT)
    if case.agency_id != actor.agency_id:
        raise PermissionDenied("他機関のケースです。")
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ValidationError(
                "このケースは、あなたが画面を開いた後に更新されました。最新の状態を確認してください。",
                code="stale",
            )
        msg = check_transition(locked, name, {"reason": reason})
        if msg is not None:
            raise ValidationError(msg, code="transition_refused")
        t = TRANSITIONS[name]
        _record_transition(actor=actor, case=locked, name=name, to_state=t.target, reason=reason.strip())
    return locked


def intake_record_application(*, actor: Any, case: Case, applied_on: Any) -> Case:
    """Record 利用申込 on the 申込票 and move the case to 申込 (needs consent in force)."""
    _require(actor, Permission.CASE_EDIT)
    if case.agency_id != actor.agency_id:
        raise PermissionDenied("他機関のケースです。")
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
