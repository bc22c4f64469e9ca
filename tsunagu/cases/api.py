"""API for persons, intakes, consents and the case list — the same services and scoping as the UI."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from tsunagu.network.models import PartnerAgency
from tsunagu.persons import selectors as person_selectors
from tsunagu.persons import services as person_services
from tsunagu.persons.models import RESTRICTED_FIELDS, Person
from tsunagu.persons.policies import masked_value, restricted_visible_person_ids
from tsunagu.privacy import services as privacy_services
from tsunagu.privacy.models import Consent
from tsunagu.privacy.selectors import consents_of_person

from . import selectors, services
from .models import Case, CaseState
from .schemas import (
    CaseListOut,
    CaseOut,
    ConsentIn,
    ConsentOut,
    ConsentWithdrawIn,
    DuplicateCandidateOut,
    DuplicateQueryIn,
    IntakeIn,
    PersonCreateIn,
    PersonOut,
    PersonPatchIn,
)
from .validation import partners_for_agency

router = Router()

_PERSON_OUT_FIELDS = (
    "name",
    "kana",
    "gender",
    "postal_code",
    "address",
    "phone",
    "phone_alt",
    "email",
    "workplace",
    "contact_method",
    "contact_times",
    "nationality",
    "housing_status",
)


def person_out(user: Any, person: Person) -> dict[str, Any]:
    visible = restricted_visible_person_ids(user, [person])
    hidden = person.is_restricted and person.pk not in visible
    return {
        "id": person.pk,
        "version": person.version,
        "birth_date": person.birth_date,
        "is_restricted": person.is_restricted,
        "restricted_fields_hidden": hidden,
        **{f: masked_value(person, f, visible) for f in _PERSON_OUT_FIELDS},
    }


def case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "case_number": case.case_number,
        "person_id": case.person_id,
        "person_name": case.person.name,
        "person_kana": case.person.kana,
        "state": case.state,
        "state_ja": CaseState(case.state).label,
        "assigned_worker": str(case.assigned_worker),
        "opened_on": case.opened_on,
        "is_emergency": case.is_emergency,
        "version": case.version,
    }


def consent_out(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "person_id": consent.person_id,
        "notice_version": consent.notice.version,
        "purposes": consent.purposes,
        "recipient_types": consent.recipient_types,
        "named_recipient_ids": [p.pk for p in consent.named_recipients.all()],
        "data_categories": consent.data_categories,
        "given_on": consent.given_on,
        "method": consent.method,
        "expires_on": consent.expires_on,
        "withdrawn_on": consent.withdrawn_on,
        "in_force": consent.in_force_on(timezone.localdate()),
    }


@router.post("/persons", response={201: PersonOut}, tags=["相談者"], summary="相談者を登録")
def person_create(request: HttpRequest, payload: PersonCreateIn) -> tuple[int, dict[str, Any]]:
    person = person_services.person_create(actor=request.user, values=payload.dict())
    return 201, person_out(request.user, person)


@router.post(
    "/persons/duplicate-candidates",
    response=list[DuplicateCandidateOut],
    tags=["相談者"],
    summary="重複候補（名寄せ候補）を一致度順に返す",
)
def person_duplicates(request: HttpRequest, payload: DuplicateQueryIn) -> list[dict[str, Any]]:
    candidates = person_selectors.person_duplicate_candidates(
        user=request.user,
        name=payload.name,
        kana=payload.kana,
        birth_date=payload.birth_date,
        phone=payload.phone,
        address=payload.address,
        min_score=0.3,
        limit=20,
    )
    return [
        {
            "person_id": c.person.pk,
            "name": c.person.name,
            "kana": c.person.kana,
            "birth_date": c.person.birth_date,
            "score": c.score,
            "reasons": c.reasons,
        }
        for c in candidates
    ]


@router.get("/persons/{person_id}", response=PersonOut, tags=["相談者"], summary="相談者を取得")
def person_get(request: HttpRequest, person_id: int) -> dict[str, Any]:
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id)
    return person_out(request.user, person)


@router.patch(
    "/persons/{person_id}", response=PersonOut, tags=["相談者"], summary="相談者を更新（楽観的ロック）"
)
def person_patch(request: HttpRequest, person_id: int, payload: PersonPatchIn) -> dict[str, Any]:
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id, audit=False)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version"}
    visible = restricted_visible_person_ids(request.user, [person])
    if (
        person.is_restricted
        and person.pk not in visible
        and set(values) & {"postal_code", "address", "phone", "phone_alt", "email", "workplace"}
    ):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("閲覧制限のある項目は、担当者またはセンター長のみ更新できます。")
    try:
        person = person_services.person_update(
            actor=request.user, person=person, values=values, expected_version=payload.version
        )
    except person_services.StaleVersionError as exc:
        raise ValidationError({"version": exc.messages[0]}) from exc
    person_selectors.persons_restricted_fields_shown(
        user=request.user,
        persons=[person],
        visible_ids=restricted_visible_person_ids(request.user, [person]),
        fields=list(RESTRICTED_FIELDS),
        via="api",
    )
    return person_out(request.user, person)


@router.get("/persons/{person_id}/consents", response=list[ConsentOut], tags=["同意"], summary="同意の一覧")
def consent_list(request: HttpRequest, person_id: int) -> list[dict[str, Any]]:
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id)
    return [consent_out(c) for c in consents_of_person(person)]


@router.post("/persons/{person_id}/consents", response={201: ConsentOut}, tags=["同意"], summary="同意を記録")
def consent_give(request: HttpRequest, person_id: int, payload: ConsentIn) -> tuple[int, dict[str, Any]]:
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id, audit=False)
    values = payload.dict()
    ids = values.pop("named_recipient_ids")
    partners = list(partners_for_agency(request.user.agency).filter(pk__in=ids))  # type: ignore[union-attr]
    if len(partners) != len(set(ids)):
        raise ValidationError({"named_recipient_ids": "担当地域の関係機関を指定してください。"})
    consent = privacy_services.consent_give(
        actor=request.user, person=person, values=values, named_recipients=partners
    )
    return 201, consent_out(consent)


@router.post(
    "/persons/{person_id}/consents/{consent_id}/withdraw",
    response=ConsentOut,
    tags=["同意"],
    summary="同意の撤回",
)
def consent_withdraw(
    request: HttpRequest, person_id: int, consent_id: int, payload: ConsentWithdrawIn
) -> dict[str, Any]:
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id, audit=False)
    consent = consents_of_person(person).filter(pk=consent_id).first()
    if consent is None:
        from django.http import Http404

        raise Http404
    consent = privacy_services.consent_withdraw(
        actor=request.user, consent=consent, withdrawn_on=payload.withdrawn_on, note=payload.note
    )
    return consent_out(consent)


@router.post("/intakes", response={201: CaseOut}, tags=["相談受付"], summary="相談受付（ケースを開く）")
def intake_create(request: HttpRequest, payload: IntakeIn) -> tuple[int, dict[str, Any]]:
    person = person_selectors.person_get_for_user(user=request.user, person_id=payload.person_id, audit=False)
    values = payload.dict()
    partner_id = values.pop("referring_partner_id")
    values["referring_partner"] = PartnerAgency.objects.filter(pk=partner_id).first() if partner_id else None
    if partner_id and values["referring_partner"] is None:
        raise ValidationError({"referring_partner_id": "担当地域の関係機関から選んでください。"})
    token = values.pop("submission_token")
    values.pop("person_id")
    case = services.intake_register(actor=request.user, person=person, values=values, submission_token=token)
    return 201, case_out(case)


@router.get("/cases", response=CaseListOut, tags=["ケース"], summary="ケース一覧（画面と同じ検索・絞り込み）")
def case_list(
    request: HttpRequest,
    q: str = "",
    scope: str = "mine",
    state: str = "",
    worker_id: int | None = None,
    topic: str = "",
    after: str = "",
) -> dict[str, Any]:
    page = selectors.case_list(
        user=request.user,
        query=selectors.CaseQuery(
            q=q, scope=scope, state=state, worker_id=worker_id, topic=topic, after=after
        ),
    )
    return {"items": [case_out(c) for c in page.cases], "next_cursor": page.next_cursor}


@router.get("/cases/{case_id}", response=CaseOut, tags=["ケース"], summary="ケースを取得")
def case_get(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return case_out(selectors.case_get_for_user(user=request.user, case_id=case_id))
