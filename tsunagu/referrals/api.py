"""API: partner agencies, referrals (つなぎ), disclosures (第三者提供), 第27条第1項, consent operations.

The same services, policies and scoping as the screens. A disclosure without a basis answers 403
with the reason in Japanese (``{"detail": "…"}``); nothing is recorded. Mounted under /api/v1/.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from tsunagu.cases.selectors import case_get_for_user, cases_visible_to
from tsunagu.core.audit import audit_record_many
from tsunagu.core.bounds import Days, PageNo
from tsunagu.core.models import AuditAction
from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.organizations import guards
from tsunagu.organizations.models import Municipality, User
from tsunagu.organizations.roles import Permission
from tsunagu.persons.selectors import person_get_for_user

from . import policies, selectors, services
from .models import (
    Disclosure,
    DisclosureBasisKind,
    Referral,
    ReferralProgram,
    ReferralStatus,
    StatutoryExceptionRequest,
)
from .schemas import (
    ConsentOpsListOut,
    DisclosureCreateIn,
    DisclosureListOut,
    DisclosureOut,
    ExceptionCreateIn,
    ExceptionDecisionIn,
    ExceptionOut,
    InvalidInputOut,
    PartnerAgencyCreateIn,
    PartnerAgencyOut,
    PartnerAgencyPatchIn,
    PersonsWithoutConsentListOut,
    RecordId,
    ReferralCreateIn,
    ReferralListOut,
    ReferralOut,
    ReferralStatusIn,
    RefusalOut,
)

router = Router()

ERRORS: dict[int, Any] = {403: RefusalOut, 404: RefusalOut, 422: InvalidInputOut}


def _user(request: HttpRequest) -> User:
    """The signed-in account (the API's auth and the login middleware guarantee one)."""
    return cast("User", request.user)


def _audit_shown(request: HttpRequest, objects: Any, shown: str) -> None:
    """One batched VIEW row per record on a list page (each names its person)."""
    audit_record_many(
        actor=request.user,
        action=AuditAction.VIEW,
        objects=list(objects),
        details={"list": shown, "via": "api"},
    )


def _page_out(page: Page, items: list[Any]) -> dict[str, Any]:
    return {
        "items": items,
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
    }


# --- serialisation ------------------------------------------------------------------------------


def partner_out(p: PartnerAgency) -> dict[str, Any]:
    return {
        "id": p.pk,
        "municipality_code": p.municipality.code,
        "municipality_name": p.municipality.name,
        "name": p.name,
        "agency_type": p.agency_type,
        "agency_type_ja": PartnerAgencyType(p.agency_type).label,
        "area": p.area,
        "address": p.address,
        "phone": p.phone,
        "notes": p.notes,
        "is_active": p.is_active,
        "version": p.version,
        "contacts": [
            {"id": c.pk, "name": c.name, "department": c.department, "phone": c.phone, "email": c.email}
            for c in p.contacts.all()
        ],
    }


def disclosure_out(d: Disclosure) -> dict[str, Any]:
    return {
        "id": d.pk,
        "person_id": d.person_id,
        "case_id": d.case_id,
        "recipient_partner_id": d.recipient_partner_id,
        "recipient_council_id": d.recipient_council_id,
        "recipient_name": d.recipient_name,
        "data_categories": d.data_categories,
        "purpose": d.purpose,
        "basis_kind": d.basis_kind,
        "basis_kind_ja": DisclosureBasisKind(d.basis_kind).label,
        "basis_note": d.basis_note,
        "consent_id": d.consent_id,
        "exception_id": d.exception_id,
        "council_id": d.council_id,
        "channel": d.channel,
        "disclosed_on": d.disclosed_on,
        "disclosed_at": d.disclosed_at,
        "disclosed_by": str(d.disclosed_by),
    }


def referral_out(r: Referral) -> dict[str, Any]:
    return {
        "id": r.pk,
        "version": r.version,
        "case_id": r.case_id,
        "person_id": r.person_id,
        "partner_id": r.partner_id,
        "partner_name": r.partner.name if r.partner_id else None,  # type: ignore[union-attr]
        "program": r.program,
        "program_ja": ReferralProgram(r.program).label if r.program else "",
        "referred_on": r.referred_on,
        "reason": r.reason,
        "data_categories": r.data_categories,
        "accompanied": r.accompanied,
        "status": r.status,
        "status_ja": ReferralStatus(r.status).label,
        "outcome_code": r.outcome_code,
        "outcome": r.outcome,
        "follow_up_on": r.follow_up_on,
        "age_warning": r.age_warning,
        "disclosure": disclosure_out(r.disclosure) if r.disclosure_id else None,  # type: ignore[arg-type]
        "attachments": [
            {
                "id": a.pk,
                "kind": a.kind,
                "filename": a.filename,
                "sha256": a.sha256,
                "size": a.size,
                "plan_number": a.plan_number,
            }
            for a in r.attachments.defer("content")
        ],
        "public_assistance_closure_offered": policies.public_assistance_closure_offered(r),
    }


def exception_out(e: StatutoryExceptionRequest) -> dict[str, Any]:
    return {
        "id": e.pk,
        "person_id": e.person_id,
        "recipient_partner_id": e.recipient_id,
        "data_categories": e.data_categories,
        "clause": e.clause,
        "clause_ja": e.get_clause_display(),
        "legal_basis": e.legal_basis,
        "reason": e.reason,
        "status": e.status,
        "status_ja": e.get_status_display(),
        "requested_by": str(e.requested_by),
        "approved_by": str(e.approved_by) if e.approved_by_id else None,
        "approved_at": e.approved_at,
        "valid_until": e.valid_until,
    }


# --- lookups of ids in the payload (scoped; clear messages) -------------------------------------


def _partner_for(request: HttpRequest, partner_id: RecordId, field: str) -> PartnerAgency:
    partner = (
        selectors.partners_visible_to(request.user)
        .select_related("municipality")
        .filter(pk=partner_id)
        .first()
    )
    if partner is None:
        raise ValidationError(
            {
                field: "指定した関係機関は、この機関の担当地域の関係機関ではありません"
                "（他の自治体の関係機関にはつなげません・提供できません）。"
            }
        )
    return partner


def _basis_objects(request: HttpRequest, payload: Any, person: Any) -> tuple[Any, Any]:
    council = exception = None
    if payload.basis == DisclosureBasisKind.COUNCIL:
        if payload.council_id is None:
            raise ValidationError({"council_id": "根拠とする支援会議を指定してください。"})
        council = selectors.councils_for_basis(request.user).filter(pk=payload.council_id).first()
        if council is None:
            raise ValidationError({"council_id": "自機関の支援会議を指定してください。"})
    elif payload.basis == DisclosureBasisKind.STATUTORY:
        if payload.exception_id is None:
            raise ValidationError({"exception_id": "根拠とする第27条第1項の承認を指定してください。"})
        exception = selectors.exceptions_visible_to(request.user).filter(pk=payload.exception_id).first()
        if exception is None:
            raise ValidationError({"exception_id": "指定した承認の申請が見つかりません。"})
    return council, exception


# --- 関係機関 ----------------------------------------------------------------------------------


@router.get("/partner-agencies", response=list[PartnerAgencyOut], tags=["関係機関"], summary="関係機関の一覧")
def partner_list(
    request: HttpRequest,
    q: str = "",
    agency_type: str = "",
    municipality_code: str = "",
    include_inactive: bool = False,
) -> list[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    muni_id = None
    if municipality_code:
        muni = Municipality.objects.filter(code=municipality_code).first()
        muni_id = muni.pk if muni else -1
    qs = selectors.partner_list(
        user=_user(request),
        q=q,
        agency_type=agency_type,
        municipality_id=muni_id,
        active_only=not include_inactive,
    ).prefetch_related("contacts")
    return [partner_out(p) for p in qs]


@router.get(
    "/partner-agencies/{partner_id}",
    response={200: PartnerAgencyOut, **ERRORS},
    tags=["関係機関"],
    summary="関係機関",
)
def partner_get(request: HttpRequest, partner_id: RecordId) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    return partner_out(selectors.partner_get_for_user(user=_user(request), partner_id=partner_id))


@router.post(
    "/partner-agencies",
    response={201: PartnerAgencyOut, **ERRORS},
    tags=["関係機関"],
    summary="関係機関を登録",
)
def partner_create(request: HttpRequest, payload: PartnerAgencyCreateIn) -> Status[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    muni = services.partner_municipalities_for(_user(request)).filter(code=payload.municipality_code).first()
    if muni is None:
        raise ValidationError({"municipality_code": "自機関の担当地域の自治体コードを指定してください。"})
    values = payload.dict(exclude={"municipality_code", "contacts", "idempotency_key"})
    partner = services.partner_agency_create(
        actor=_user(request),
        municipality=muni,
        values=values,
        contacts=[c.dict() for c in payload.contacts],
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, partner_out(partner))


@router.patch(
    "/partner-agencies/{partner_id}",
    response={200: PartnerAgencyOut, **ERRORS},
    tags=["関係機関"],
    summary="関係機関を更新",
)
def partner_patch(
    request: HttpRequest, partner_id: RecordId, payload: PartnerAgencyPatchIn
) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    partner = selectors.partner_get_for_user(user=_user(request), partner_id=partner_id)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    version = values.pop("version")
    partner = services.partner_agency_update(
        actor=_user(request), partner=partner, values=values, expected_version=version
    )
    return partner_out(partner)


# --- つなぎ --------------------------------------------------------------------------------------


@router.post(
    "/referrals",
    response={201: ReferralOut, **ERRORS},
    tags=["つなぎ"],
    summary="つなぎを記録（提供の根拠がなければ403）",
)
def referral_create(request: HttpRequest, payload: ReferralCreateIn) -> Status[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    case = case_get_for_user(user=_user(request), case_id=payload.case_id, audit=False)
    partner = _partner_for(request, payload.partner_id, "partner_id") if payload.partner_id else None
    council, exception = _basis_objects(request, payload, case.person)
    referral = services.referral_create(
        actor=_user(request),
        idempotency_key=payload.idempotency_key,
        case=case,
        values={
            "partner": partner,
            "program": payload.program,
            "reason": payload.reason,
            "data_categories": payload.data_categories,
            "accompanied": payload.accompanied,
            "follow_up_on": payload.follow_up_on,
        },
        confirm_age_warning=payload.confirm_age_warning,
        council=council,
        exception=exception,
    )
    return Status(201, referral_out(referral))


@router.get("/referrals", response=ReferralListOut, tags=["つなぎ"], summary="つなぎの一覧")
def referral_list(
    request: HttpRequest,
    scope: str = "mine",
    status: str = "",
    case_id: RecordId | None = None,
    page: PageNo = 1,
) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    if case_id is not None:
        case = case_get_for_user(user=_user(request), case_id=case_id, audit=False)
        items = selectors.referrals_of_case(user=_user(request), case=case)
        _audit_shown(request, items, "referrals")
        return {"items": [referral_out(r) for r in items], "count": len(items), "page": 1, "pages": 1}
    result = selectors.referral_list(
        user=_user(request), query=selectors.ReferralQuery(scope=scope, status=status), page=page
    )
    _audit_shown(request, result.object_list, "referrals")
    return _page_out(result, [referral_out(r) for r in result.object_list])


@router.get(
    "/referrals/{referral_id}", response={200: ReferralOut, **ERRORS}, tags=["つなぎ"], summary="つなぎ"
)
def referral_get(request: HttpRequest, referral_id: RecordId) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    return referral_out(selectors.referral_get_for_user(user=_user(request), referral_id=referral_id))


@router.post(
    "/referrals/{referral_id}/status",
    response={200: ReferralOut, **ERRORS},
    tags=["つなぎ"],
    summary="つなぎの状態を変更（依頼中→受理/不受理→支援中→完了、取消）",
)
def referral_status(request: HttpRequest, referral_id: RecordId, payload: ReferralStatusIn) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    referral = selectors.referral_get_for_user(user=_user(request), referral_id=referral_id, audit=False)
    referral = services.referral_status_change(
        actor=_user(request),
        referral=referral,
        to_status=payload.to_status,
        note=payload.note,
        outcome_code=payload.outcome_code,
        outcome=payload.outcome,
        follow_up_on=payload.follow_up_on,
        expected_version=payload.version,
    )
    return referral_out(referral)


# --- 第三者提供の記録 --------------------------------------------------------------------------


@router.get("/disclosures", response=DisclosureListOut, tags=["第三者提供"], summary="第三者提供の記録")
def disclosure_list(
    request: HttpRequest,
    person_id: RecordId | None = None,
    partner_id: RecordId | None = None,
    basis_kind: str = "",
    channel: str = "",
    page: PageNo = 1,
) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    result = selectors.disclosure_list(
        user=_user(request),
        query=selectors.DisclosureQuery(
            person_id=person_id, partner_id=partner_id, basis_kind=basis_kind, channel=channel
        ),
        page=page,
    )
    _audit_shown(request, result.object_list, "disclosures")
    return _page_out(result, [disclosure_out(d) for d in result.object_list])


@router.post(
    "/disclosures",
    response={201: DisclosureOut, **ERRORS},
    tags=["第三者提供"],
    summary="第三者提供を記録（根拠がなければ403、理由は日本語）",
)
def disclosure_create(request: HttpRequest, payload: DisclosureCreateIn) -> Status[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    person = person_get_for_user(user=_user(request), person_id=payload.person_id, audit=False)
    case = None
    if payload.case_id is not None:
        case = cases_visible_to(request.user).filter(pk=payload.case_id, person=person).first()
        if case is None:
            raise ValidationError({"case_id": "この相談者のケースを指定してください。"})
    council, exception = _basis_objects(request, payload, person)
    recipient: Any
    if payload.recipient_council_id is not None:
        recipient = selectors.councils_for_basis(request.user).filter(pk=payload.recipient_council_id).first()
        if recipient is None:
            raise ValidationError({"recipient_council_id": "自機関の支援会議を指定してください。"})
    elif payload.recipient_partner_id is not None:
        recipient = _partner_for(request, payload.recipient_partner_id, "recipient_partner_id")
    else:
        raise ValidationError({"recipient_partner_id": "提供先を指定してください。"})
    disclosure = services.disclosure_record(
        actor=_user(request),
        idempotency_key=payload.idempotency_key,
        person=person,
        recipient=recipient,
        categories=payload.data_categories,
        purpose=payload.purpose,
        channel=payload.channel,
        case=case,
        council=council,
        exception=exception,
    )
    return Status(201, disclosure_out(disclosure))


@router.get(
    "/persons/{person_id}/disclosures",
    response={200: list[DisclosureOut], **ERRORS},
    tags=["第三者提供"],
    summary="本人の第三者提供の履歴（開示請求用）",
)
def person_disclosures(request: HttpRequest, person_id: RecordId) -> list[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    person = person_get_for_user(user=_user(request), person_id=person_id)
    return [disclosure_out(d) for d in selectors.person_disclosure_history(person=person)]


@router.post(
    "/statutory-exceptions",
    response={201: ExceptionOut, **ERRORS},
    tags=["第三者提供"],
    summary="同意によらない提供（第27条第1項）の承認を申請",
)
def exception_create(request: HttpRequest, payload: ExceptionCreateIn) -> Status[dict[str, Any]]:
    guards.require(request.user, Permission.API_USE, via="api")
    person = person_get_for_user(user=_user(request), person_id=payload.person_id, audit=False)
    case = None
    if payload.case_id is not None:
        case = cases_visible_to(request.user).filter(pk=payload.case_id, person=person).first()
        if case is None:
            raise ValidationError({"case_id": "この相談者のケースを指定してください。"})
    recipient = _partner_for(request, payload.recipient_partner_id, "recipient_partner_id")
    req = services.statutory_exception_request(
        actor=_user(request),
        person=person,
        recipient=recipient,
        categories=payload.data_categories,
        clause=payload.clause,
        reason=payload.reason,
        legal_basis=payload.legal_basis,
        case=case,
        valid_until=payload.valid_until,
    )
    return Status(201, exception_out(req))


@router.post(
    "/statutory-exceptions/{exception_id}/approve",
    response={200: ExceptionOut, **ERRORS},
    tags=["第三者提供"],
    summary="承認する（申請者以外の個人情報管理責任者）",
)
def exception_approve(
    request: HttpRequest, exception_id: RecordId, payload: ExceptionDecisionIn
) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    req = selectors.exception_get_for_user(user=_user(request), exception_id=exception_id)
    return exception_out(
        services.statutory_exception_approve(actor=_user(request), exception=req, note=payload.note)
    )


@router.post(
    "/statutory-exceptions/{exception_id}/reject",
    response={200: ExceptionOut, **ERRORS},
    tags=["第三者提供"],
    summary="承認しない（理由は必須）",
)
def exception_reject(
    request: HttpRequest, exception_id: RecordId, payload: ExceptionDecisionIn
) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    req = selectors.exception_get_for_user(user=_user(request), exception_id=exception_id)
    return exception_out(
        services.statutory_exception_reject(actor=_user(request), exception=req, note=payload.note)
    )


# --- 同意の運用 ---------------------------------------------------------------------------------


@router.get(
    "/consents/without-consent",
    response=PersonsWithoutConsentListOut,
    tags=["同意の運用"],
    summary="有効な同意のない方（進行中のケース）",
)
def consents_without(request: HttpRequest, page: PageNo = 1) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    result = selectors.persons_without_consent(user=_user(request), page=page)
    _audit_shown(request, result.object_list, "persons_without_consent")
    return _page_out(
        result,
        [
            {
                "person_id": p.pk,
                "name": p.name,
                "open_case_number": p.open_case_number,  # type: ignore[attr-defined]
                "last_given_on": p.last_given_on,  # type: ignore[attr-defined]
                "last_withdrawn_on": p.last_withdrawn_on,  # type: ignore[attr-defined]
                "last_expires_on": p.last_expires_on,  # type: ignore[attr-defined]
            }
            for p in result.object_list
        ],
    )


def _consent_row(c: Any) -> dict[str, Any]:
    return {
        "consent_id": c.pk,
        "person_id": c.person_id,
        "name": c.person.name,
        "given_on": c.given_on,
        "expires_on": c.expires_on,
        "withdrawn_on": c.withdrawn_on,
        "withdrawal_note": c.withdrawal_note,
        "disclosures_before": getattr(c, "disclosures_before", None) or 0,
    }


@router.get(
    "/consents/expiring",
    response=ConsentOpsListOut,
    tags=["同意の運用"],
    summary="30日以内に有効期限が来る同意",
)
def consents_expiring(request: HttpRequest, days: Days = 30, page: PageNo = 1) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    days = max(1, min(days, 365))
    result = selectors.consents_expiring(user=_user(request), on=timezone.localdate(), days=days, page=page)
    _audit_shown(request, result.object_list, "consents_expiring")
    return _page_out(result, [_consent_row(c) for c in result.object_list])


@router.get("/consents/withdrawn", response=ConsentOpsListOut, tags=["同意の運用"], summary="撤回された同意")
def consents_withdrawn(request: HttpRequest, page: PageNo = 1) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    result = selectors.consents_withdrawn(user=_user(request), page=page)
    _audit_shown(request, result.object_list, "consents_withdrawn")
    return _page_out(result, [_consent_row(c) for c in result.object_list])
