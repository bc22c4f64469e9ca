"""Writes: partner agencies, つなぎ, 第27条第1項の承認, and the disclosure register.

Every write takes a keyword-only ``actor``, runs in one transaction, validates, saves and writes its
audit row in that transaction. Every disclosure goes through ``disclosure_record``, which asks
``policies.disclosure_basis_check`` and refuses (PermissionDenied with the Japanese reason) when
there is no basis. A refusal is audited (ACCESS_DENIED) before the exception leaves the service.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, NoReturn

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.cases.models import Case, CaseState, SupportPlan
from tsunagu.core.audit import audit_record
from tsunagu.core.dates import wareki
from tsunagu.core.idempotency import create_once
from tsunagu.core.models import AuditAction
from tsunagu.meetings.models import AgendaItem, SupportCouncil
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations import guards
from tsunagu.organizations.models import User
from tsunagu.organizations.roles import Permission
from tsunagu.persons.models import Person
from tsunagu.privacy.models import Consent, DataCategory

from . import policies, workflow
from .models import (
    AttachmentKind,
    Disclosure,
    DisclosureBasisKind,
    DisclosureChannel,
    ExceptionStatus,
    Referral,
    ReferralAttachment,
    ReferralOutcome,
    ReferralProgram,
    ReferralStatus,
    ReferralStatusChange,
    StatutoryClause,
    StatutoryExceptionRequest,
)
from .partner_services import (  # noqa: F401 — the registry's writes, re-exported
    PARTNER_FIELDS,
    partner_agency_create,
    partner_agency_update,
    partner_contact_add,
    partner_contact_remove,
    partner_municipalities_for,
)
from .pdf import render_pdf

STALE = "このつなぎは、あなたが画面を開いた後に更新されました。最新の内容を確認してください。"


def _require_own(actor: User, obj: Any, message: str) -> None:
    """``CASE_EDIT`` on a record of the actor's own agency (refusals audited by the guards)."""
    guards.require_agency_of(actor, obj.agency_id, Permission.CASE_EDIT, message=message)


def _refuse_disclosure(
    *, actor: User, person: Person, result: policies.BasisResult, context: dict[str, Any]
) -> NoReturn:
    """Audit a refused disclosure (its own row, kept) and raise AccessDenied with the reason."""
    guards.deny(
        actor,
        permission=Permission.CASE_EDIT,
        reason="no_disclosure_basis",
        message=result.reason_ja,
        person_id=person.pk,
        object_type="disclosure",
        disclosure_refused=result.reason_ja,
        **context,
    )


def _categories(values: Any) -> list[str]:
    return sorted({str(c) for c in (values or [])})


# --- 第三者提供の記録 ---------------------------------------------------------------------------


def disclosure_record(*, actor: User, idempotency_key: str | None = None, **kwargs: Any) -> Disclosure:
    """``_disclosure_record`` at most once per client key (``core.idempotency``)."""
    disclosure, _ = create_once(
        actor=actor,
        scope="disclosure",
        key=idempotency_key,
        model=Disclosure,
        create=lambda: _disclosure_record(actor=actor, **kwargs),
    )
    return disclosure


def _disclosure_record(
    *,
    actor: User,
    person: Person,
    recipient: PartnerAgency | SupportCouncil | None,
    categories: Any,
    purpose: str,
    channel: str,
    case: Case | None = None,
    council: SupportCouncil | None = None,
    exception: StatutoryExceptionRequest | None = None,
    on_date: date | None = None,
) -> Disclosure:
    """Record that ``categories`` of ``person``'s data went to ``recipient`` — only with a basis.

    Refused (PermissionDenied with the Japanese reason from ``disclosure_basis_check``) when there is
    none; nothing is then recorded as shared. The register row and its audit row are written in
    one transaction; the consents of the person are locked while the basis is checked, so a
    withdrawal recorded at the same moment is not overtaken.
    """
    _require_own(actor, person, "他機関の相談者です。")
    today = timezone.localdate()
    on = on_date or today
    errors: dict[str, str] = {}
    purpose = (purpose or "").strip()
    if not purpose:
        errors["purpose"] = "提供の目的を入力してください。"
    elif len(purpose) > 200:
        errors["purpose"] = "提供の目的は200文字以内で入力してください。"
    if channel not in DisclosureChannel.values:
        errors["channel"] = "提供の経路を選んでください。"
    if on > today:
        errors["disclosed_on"] = "提供日が未来の日付になっています。"
    if case is not None and case.person_id != person.pk:
        errors["case"] = "ケースと相談者が一致しません。"
    if errors:
        raise ValidationError(errors)
    cats = _categories(categories)
    context = {
        "recipient": getattr(recipient, "name", None),
        "recipient_id": getattr(recipient, "pk", None),
        "categories": cats,
        "channel": channel,
    }
    result = policies.disclosure_basis_check(
        person=person, recipient=recipient, categories=cats, on_date=on, council=council, exception=exception
    )
    if not result.allowed:
        _refuse_disclosure(actor=actor, person=person, result=result, context=context)
    assert recipient is not None
    with transaction.atomic():
        list(Consent.objects.select_for_update().filter(person=person).values_list("pk", flat=True))
        result = policies.disclosure_basis_check(
            person=person,
            recipient=recipient,
            categories=cats,
            on_date=on,
            council=council,
            exception=exception,
        )
        if not result.allowed:  # changed meanwhile (e.g. withdrawn a moment ago)
            _refuse_disclosure(actor=actor, person=person, result=result, context=context)
        partner_recipient = recipient if isinstance(recipient, PartnerAgency) else None
        council_recipient = recipient if isinstance(recipient, SupportCouncil) else None
        disclosure = Disclosure(
            agency_id=person.agency_id,
            municipality_id=person.municipality_id,
            person=person,
            case=case,
            recipient_partner=partner_recipient,
            recipient_council=council_recipient,
            recipient_name=recipient.name,
            recipient_type=partner_recipient.agency_type if partner_recipient else "",
            data_categories=cats,
            purpose=purpose,
            basis_kind=result.kind,
            consent=result.consent,
            exception=result.exception,
            council=result.council,
            basis_note=result.reason_ja[:400],
            channel=channel,
            disclosed_on=on,
            disclosed_by=actor,
        )
        disclosure.full_clean()
        disclosure.save()
        audit_record(
            actor=actor,
            action=AuditAction.DISCLOSURE,
            obj=disclosure,
            person_id=person.pk,
            details={**context, "basis": result.kind, "case_id": getattr(case, "pk", None)},
        )
    return disclosure


# 支援調整会議: what the attending partner agencies received. Discussing a case shares the person's
# basic information and what was learned in consultation (the plan, the issues).
MEETING_CATEGORIES = (DataCategory.BASIC, DataCategory.HISTORY)


def meeting_disclosures_record(
    *, actor: User, item: AgendaItem, partners: list[PartnerAgency]
) -> list[Disclosure]:
    """One register row per partner agency attending the 支援調整会議 that discussed ``item``'s case.

    Written when the item's outcome is first recorded (the case has then been discussed): the
    basis is the consent kept on the item (it covers 本人の支援 and these partners) or the item's
    emergency basis; the day is the meeting's. Called through ``meetings.signals``.
    """
    meeting, case = item.meeting, item.case
    if item.consent_id is not None:
        consent = item.consent
        assert consent is not None
        kind = DisclosureBasisKind.CONSENT
        note = f"本人の同意（{wareki(consent.given_on)}、利用目的・提供先が同意の範囲内）"
    else:
        kind = DisclosureBasisKind.EMERGENCY
        note = (
            f"同意によらない検討：{item.get_emergency_basis_display()}（{item.emergency_recorded_by} 記録）"
        )
    rows = []
    for partner in partners:
        disclosure = Disclosure(
            agency_id=case.agency_id,
            municipality_id=case.municipality_id,
            person_id=case.person_id,
            case=case,
            recipient_partner=partner,
            recipient_name=partner.name,
            recipient_type=partner.agency_type,
            data_categories=sorted(MEETING_CATEGORIES),
            purpose=f"支援調整会議：{item.get_purpose_display()}"[:200],
            basis_kind=kind,
            consent_id=item.consent_id,
            agenda_item=item,
            basis_note=note[:400],
            channel=DisclosureChannel.MEETING_PAPERS,
            disclosed_on=meeting.held_on,
            disclosed_by=actor,
        )
        disclosure.full_clean()
        disclosure.save()
        audit_record(
            actor=actor,
            action=AuditAction.DISCLOSURE,
            obj=disclosure,
            person_id=case.person_id,
            details={
                "recipient_id": partner.pk,
                "channel": DisclosureChannel.MEETING_PAPERS,
                "basis": kind,
                "meeting_id": meeting.pk,
                "agenda_item_id": item.pk,
            },
        )
        rows.append(disclosure)
    return rows


# --- 第27条第1項: request and approval ----------------------------------------------------------


def statutory_exception_request(
    *,
    actor: User,
    person: Person,
    recipient: PartnerAgency,
    categories: Any,
    clause: int,
    reason: str,
    legal_basis: str = "",
    case: Case | None = None,
    valid_until: date | None = None,
) -> StatutoryExceptionRequest:
    """A caseworker asks to disclose without consent; the 個人情報管理責任者 decides."""
    _require_own(actor, person, "他機関の相談者です。")
    cats = _categories(categories)
    errors: dict[str, str] = {}
    if not cats:
        errors["data_categories"] = "提供する個人情報の種類を1つ以上選んでください。"
    elif set(cats) - set(DataCategory.values):
        errors["data_categories"] = "個人情報の種類の値が正しくありません。"
    if clause not in StatutoryClause.values:
        errors["clause"] = "該当する号（第1号〜第4号）を選んでください。"
    reason = (reason or "").strip()
    if len(reason) < 10:
        errors["reason"] = "同意なく提供する理由を具体的に記入してください（10文字以上）。"
    legal_basis = (legal_basis or "").strip()
    if clause == StatutoryClause.LAW and not legal_basis:
        errors["legal_basis"] = "第1号（法令に基づく場合）は、根拠となる法令・条項を記入してください。"
    if recipient.municipality_id not in person.agency.area_ids():
        errors["recipient"] = "担当地域外の関係機関は選べません。"
    if case is not None and case.person_id != person.pk:
        errors["case"] = "ケースと相談者が一致しません。"
    if valid_until is not None and valid_until < timezone.localdate():
        errors["valid_until"] = "提供できる期限が過去の日付になっています。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        req = StatutoryExceptionRequest(
            agency_id=person.agency_id,
            municipality_id=person.municipality_id,
            person=person,
            case=case,
            recipient=recipient,
            data_categories=cats,
            clause=clause,
            legal_basis=legal_basis,
            reason=reason,
            valid_until=valid_until,
            requested_by=actor,
        )
        req.full_clean()
        req.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=req,
            person_id=person.pk,
            details={"clause": clause, "recipient_id": recipient.pk, "categories": cats},
        )
    return req


def _decide_exception(*, actor: User, exception: StatutoryExceptionRequest) -> StatutoryExceptionRequest:
    if not guards.allowed(actor, Permission.DISCLOSURE_APPROVE) or actor.agency_id != exception.agency_id:
        guards.deny(
            actor,
            permission=Permission.DISCLOSURE_APPROVE,
            message="第27条第1項による提供を承認できるのは、自機関の個人情報管理責任者です。",
            obj=exception,
        )
    if actor.pk == exception.requested_by_id:
        guards.deny(
            actor,
            permission=Permission.DISCLOSURE_APPROVE,
            reason="own_request",
            message="自分が申請した提供は承認・不承認できません。別の個人情報管理責任者が判断します。",
            obj=exception,
        )
    locked = StatutoryExceptionRequest.objects.select_for_update().get(pk=exception.pk)
    if locked.status != ExceptionStatus.PENDING:
        raise ValidationError(
            f"この申請は既に「{ExceptionStatus(locked.status).label}」です。", code="already_decided"
        )
    return locked


def statutory_exception_approve(
    *, actor: User, exception: StatutoryExceptionRequest, note: str = ""
) -> StatutoryExceptionRequest:
    with transaction.atomic():
        locked = _decide_exception(actor=actor, exception=exception)
        locked.status = ExceptionStatus.APPROVED
        locked.approved_by = actor
        locked.approved_at = timezone.now()
        locked.decision_note = (note or "").strip()
        locked.full_clean()
        locked.save(update_fields=["status", "approved_by", "approved_at", "decision_note"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            person_id=locked.person_id,
            details={"change": "approved", "clause": locked.clause},
        )
    return locked


def statutory_exception_reject(
    *, actor: User, exception: StatutoryExceptionRequest, note: str
) -> StatutoryExceptionRequest:
    if not (note or "").strip():
        raise ValidationError({"note": "不承認の理由を記入してください。"})
    with transaction.atomic():
        locked = _decide_exception(actor=actor, exception=exception)
        locked.status = ExceptionStatus.REJECTED
        locked.rejected_by = actor
        locked.rejected_at = timezone.now()
        locked.decision_note = note.strip()
        locked.save(update_fields=["status", "rejected_by", "rejected_at", "decision_note"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            person_id=locked.person_id,
            details={"change": "rejected", "clause": locked.clause},
        )
    return locked


# --- つなぎ ---------------------------------------------------------------------------------------


def plan_pdf_render(*, case: Case, plan: SupportPlan, partner: PartnerAgency | None, actor: User) -> bytes:
    """The plan approved at the 支援調整会議, as a PDF to attach to the ハローワーク request."""
    return render_pdf(
        "referrals/pdf/plan.html",
        {
            "case": case,
            "person": case.person,
            "plan": plan,
            "goals": list(plan.goals.select_related("provider_staff", "provider_partner")),
            "partner": partner,
            "agency": case.agency,
            "issued_on": timezone.localdate(),
            "issued_by": actor,
        },
    )


def _duplicate_message(case: Case, partner: PartnerAgency | None, program: str) -> dict[str, str]:
    if partner is not None:
        return {
            "partner": f"このケースには「{partner.name}」への進行中のつなぎ（依頼中・受理・支援中）が既にあります。"
            "その記録の状態・結果を更新してください。"
        }
    return {
        "program": f"このケースには「{ReferralProgram(program).label}」への進行中のつなぎが既にあります。"
    }


def referral_create(*, actor: User, idempotency_key: str | None = None, **kwargs: Any) -> Referral:
    """``_referral_create`` at most once per client key (``core.idempotency``)."""
    referral, _ = create_once(
        actor=actor,
        scope="referral",
        key=idempotency_key,
        model=Referral,
        create=lambda: _referral_create(actor=actor, **kwargs),
    )
    return referral


def _referral_create(
    *,
    actor: User,
    case: Case,
    values: dict[str, Any],
    confirm_age_warning: bool = False,
    council: SupportCouncil | None = None,
    exception: StatutoryExceptionRequest | None = None,
) -> Referral:
    """つなぎ: record the referral, and — when data goes to a partner — its disclosure, in one transaction.

    ``values``: partner (PartnerAgency | None), program (code or ""), reason, data_categories,
    accompanied, follow_up_on. Refused with a message per field for a missing destination, another
    municipality's agency, a programme's wrong kind of agency, a second open referral, or (for
    生活保護受給者等就労自立促進事業) a plan not approved at the 支援調整会議. Outside the 15–39 age range
    of 地域若者サポートステーション the user must confirm the warning (``confirm_age_warning``).
    Without a basis for the disclosure: PermissionDenied with the reason, and nothing is recorded.
    """
    _require_own(actor, case, "他機関のケースです。")
    person = case.person
    partner: PartnerAgency | None = values.get("partner")
    program = values.get("program") or ""
    categories = _categories(values.get("data_categories"))
    reason = (values.get("reason") or "").strip()
    follow_up_on = values.get("follow_up_on")
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if case.state == CaseState.CLOSED:
        errors[NON_FIELD_ERRORS] = "終結したケースです。フォローアップを開始してからつないでください。"
    if not reason:
        errors["reason"] = "つなぐ理由を入力してください。"
    if set(categories) - set(DataCategory.values):
        errors["data_categories"] = "個人情報の種類の値が正しくありません。"
    if follow_up_on is not None and follow_up_on < today:
        errors["follow_up_on"] = "フォローアップ予定日はつなぐ日以降にしてください。"
    errors.update(policies.referral_destination_errors(case=case, partner=partner, program=program))
    if partner is None and (council is not None or exception is not None):
        errors["partner"] = "提供の根拠を選ぶ場合は、つなぎ先の関係機関を選んでください。"
    if "partner" not in errors and "program" not in errors:
        if policies.open_referral_exists(case=case, partner=partner, program=program):
            errors.update(_duplicate_message(case, partner, program))
    plan = None
    if program == ReferralProgram.HW_PUBLIC_ASSISTANCE_EMPLOYMENT and "program" not in errors:
        plan, msg = policies.hw_plan_requirement(case)
        if msg:
            errors["program"] = msg
        missing = set(policies.PLAN_PDF_CATEGORIES) - set(categories)
        if missing:
            errors["data_categories"] = (
                "プラン（PDF）を添付するため、共有する個人情報に"
                f"{policies.category_labels(missing)}を含めてください。"
            )
    if errors:
        raise ValidationError(errors)
    warning = policies.referral_age_warning(person=person, partner=partner, program=program, on=today)
    if warning and not confirm_age_warning:
        raise ValidationError({"confirm_age_warning": warning}, code="age_warning")
    needs_disclosure = partner is not None and bool(categories)
    destination = partner.name if partner is not None else ReferralProgram(program).label
    if needs_disclosure:
        result = policies.disclosure_basis_check(
            person=person,
            recipient=partner,
            categories=categories,
            on_date=today,
            council=council,
            exception=exception,
        )
        if not result.allowed:
            _refuse_disclosure(
                actor=actor,
                person=person,
                result=result,
                context={"recipient_id": partner.pk, "categories": categories, "channel": "referral"},  # type: ignore[union-attr]
            )
    pdf = plan_pdf_render(case=case, plan=plan, partner=partner, actor=actor) if plan is not None else None
    try:
        with transaction.atomic():
            referral = Referral(
                agency_id=case.agency_id,
                municipality_id=case.municipality_id,
                case=case,
                person=person,
                partner=partner,
                program=program,
                referred_on=today,
                reason=reason,
                data_categories=categories,
                accompanied=bool(values.get("accompanied")),
                follow_up_on=follow_up_on,
                age_warning=warning or "",
                created_by=actor,
            )
            referral.full_clean(exclude=["disclosure"])
            referral.save()
            ReferralStatusChange.objects.create(
                referral=referral, from_status="", to_status=ReferralStatus.REQUESTED, actor=actor
            )
            if needs_disclosure:
                disclosure = disclosure_record(
                    actor=actor,
                    person=person,
                    recipient=partner,
                    categories=categories,
                    purpose=f"つなぎ：{ReferralProgram(program).label if program else destination}"[:200],
                    channel=DisclosureChannel.REFERRAL,
                    case=case,
                    council=council,
                    exception=exception,
                )
                Referral.objects.filter(pk=referral.pk).update(disclosure=disclosure)
                referral.disclosure = disclosure
            if pdf is not None and plan is not None:
                attachment = ReferralAttachment.objects.create(
                    referral=referral,
                    kind=AttachmentKind.SUPPORT_PLAN,
                    filename=f"plan_{case.case_number}_v{plan.number}.pdf",
                    content=pdf,
                    sha256=hashlib.sha256(pdf).hexdigest(),
                    size=len(pdf),
                    plan=plan,
                    plan_number=plan.number,
                    plan_status=plan.status,
                    created_by=actor,
                )
                audit_record(
                    actor=actor,
                    action=AuditAction.PRINT,
                    obj=attachment,
                    agency_id=case.agency_id,
                    municipality_id=case.municipality_id,
                    person_id=person.pk,
                    details={
                        "document": "support_plan",
                        "plan_number": plan.number,
                        "referral_id": referral.pk,
                    },
                )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=referral,
                person_id=person.pk,
                details={
                    "case_id": case.pk,
                    "partner_id": getattr(partner, "pk", None),
                    "program": program,
                    "categories": categories,
                    "accompanied": referral.accompanied,
                    "age_warning_confirmed": bool(warning),
                },
            )
    except ValidationError as exc:
        if "__all__" in getattr(exc, "message_dict", {}) and any(
            "既に" in m for m in exc.message_dict["__all__"]
        ):
            raise ValidationError(_duplicate_message(case, partner, program)) from exc
        raise
    except IntegrityError as exc:  # a second open referral created at the same moment
        raise ValidationError(_duplicate_message(case, partner, program)) from exc
    return referral


def _lock_referral(referral: Referral, expected_version: int | None) -> Referral:
    locked = Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(STALE, code="stale")
    return locked


def _check_writer(actor: User, referral: Referral) -> None:
    _require_own(actor, referral, "他機関のつなぎです。")


def referral_status_change(
    *,
    actor: User,
    referral: Referral,
    to_status: str,
    note: str = "",
    outcome_code: str = "",
    outcome: str = "",
    follow_up_on: date | None = None,
    expected_version: int | None = None,
) -> Referral:
    """依頼中 → 受理 / 不受理 → 支援中 → 完了 (or 取消), with the outcome and follow-up date."""
    _check_writer(actor, referral)
    step = workflow.transition_to(referral.status, to_status)
    if step is not None:
        guards.require(actor, step.permission)
    with transaction.atomic():
        locked = _lock_referral(referral, expected_version)
        errors = workflow.referral_status_errors(
            locked, to_status, outcome_code=outcome_code, outcome=outcome, note=note
        )
        if follow_up_on is not None and follow_up_on < locked.referred_on:
            errors["follow_up_on"] = "フォローアップ予定日はつないだ日以降にしてください。"
        if errors:
            raise ValidationError(errors)
        from_status = locked.status
        locked.status = to_status
        if outcome_code:
            locked.outcome_code = outcome_code
        if outcome.strip():
            locked.outcome = outcome.strip()
        if follow_up_on is not None:
            locked.follow_up_on = follow_up_on
        locked.version = F("version") + 1  # type: ignore[assignment]
        locked.save(
            update_fields=["status", "outcome_code", "outcome", "follow_up_on", "version", "updated_at"]
        )
        locked.refresh_from_db()
        ReferralStatusChange.objects.create(
            referral=locked, from_status=from_status, to_status=to_status, note=note.strip(), actor=actor
        )
        audit_record(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=locked,
            person_id=locked.person_id,
            details={"from": from_status, "to": to_status, "outcome_code": locked.outcome_code},
        )
    return locked


def referral_outcome_record(
    *,
    actor: User,
    referral: Referral,
    outcome_code: str = "",
    outcome: str = "",
    follow_up_on: date | None = None,
    expected_version: int | None = None,
) -> Referral:
    """Record or correct the outcome and the follow-up date without changing the status."""
    _check_writer(actor, referral)
    with transaction.atomic():
        locked = _lock_referral(referral, expected_version)
        errors: dict[str, str] = {}
        if outcome_code and outcome_code not in ReferralOutcome.values:
            errors["outcome_code"] = "結果の値が正しくありません。"
        else:
            errors.update(policies.outcome_code_errors(locked, outcome_code))
        if follow_up_on is not None and follow_up_on < locked.referred_on:
            errors["follow_up_on"] = "フォローアップ予定日はつないだ日以降にしてください。"
        if errors:
            raise ValidationError(errors)
        locked.outcome_code = outcome_code
        locked.outcome = (outcome or "").strip()
        locked.follow_up_on = follow_up_on
        locked.version = F("version") + 1  # type: ignore[assignment]
        locked.save(update_fields=["outcome_code", "outcome", "follow_up_on", "version", "updated_at"])
        locked.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            person_id=locked.person_id,
            details={
                "outcome_code": outcome_code,
                "follow_up_on": follow_up_on.isoformat() if follow_up_on else None,
            },
        )
    return locked


CLOSURE_REASON_PUBLIC_ASSISTANCE = "public_assistance"


def public_assistance_closure_check(referral: Referral, actor: User | None = None) -> str | None:
    """None when 「生活保護適用で終結」 can run now; else what is needed first (Japanese).

    The cases app closes a case only from 評価 with an evaluation whose direction is 終結: the
    closure reason comes from that evaluation. So this path closes the case when the latest
    evaluation says 終結・生活保護適用, and otherwise explains that the evaluation comes first.
    """
    from tsunagu.cases import workflow

    if not policies.public_assistance_closure_offered(referral):
        return "生活保護へのつなぎの結果が「保護開始」の場合に行えます。"
    case = referral.case
    if "close" not in workflow.TRANSITIONS:
        return "このバージョンではケースの終結を行えません。"
    msg = workflow.check_transition(case, "close", {"reason": "生活保護適用"}, actor=actor)
    if msg is not None:
        return msg
    latest = workflow.evaluation_latest(case)
    if latest is None or latest.closure_reason != CLOSURE_REASON_PUBLIC_ASSISTANCE:
        return "最新の評価シートの終結理由が「生活保護適用」ではありません。評価シートで終結理由を「生活保護適用」として記録してください。"
    return None


def referral_close_case_public_assistance(*, actor: User, referral: Referral, note: str = "") -> Case:
    """「生活保護適用で終結」: close the case through the cases app's ``close`` transition."""
    from tsunagu.cases import services as case_services

    _check_writer(actor, referral)
    msg = public_assistance_closure_check(referral, actor)
    if msg is not None:
        raise ValidationError(msg, code="needs_evaluation")
    partner = referral.partner.name if referral.partner_id else "福祉事務所"  # type: ignore[union-attr]
    reason = f"生活保護適用（{partner} 保護開始）" + (f"：{note.strip()}" if note.strip() else "")
    return case_services.case_transition(actor=actor, case=referral.case, name="close", reason=reason)
