"""API: 同意 (list, record, withdraw)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from tsunagu.network.models import PartnerAgency
from tsunagu.persons import selectors as person_selectors
from tsunagu.privacy import services as privacy_services
from tsunagu.privacy.models import Consent
from tsunagu.privacy.selectors import consents_of_person

from ..schemas import (
    ConsentIn,
    ConsentOut,
    ConsentWithdrawIn,
)
from .common import ERRORS, actor

router = Router()


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


@router.get(
    "/persons/{person_id}/consents",
    response={200: list[ConsentOut], **ERRORS},
    tags=["同意"],
    summary="同意の一覧",
)
def consent_list(request: HttpRequest, person_id: int) -> list[dict[str, Any]]:
    person = person_selectors.person_get_for_user(user=actor(request), person_id=person_id)
    return [consent_out(c) for c in consents_of_person(person)]


@router.post(
    "/persons/{person_id}/consents", response={201: ConsentOut, **ERRORS}, tags=["同意"], summary="同意を記録"
)
def consent_give(request: HttpRequest, person_id: int, payload: ConsentIn) -> Status:
    person = person_selectors.person_get_for_user(user=actor(request), person_id=person_id, audit=False)
    values = payload.dict()
    ids = values.pop("named_recipient_ids")
    partners = list(PartnerAgency.objects.in_area_of(actor(request).agency).filter(pk__in=ids))
    if len(partners) != len(set(ids)):
        raise ValidationError({"named_recipient_ids": "担当地域の関係機関を指定してください。"})
    consent = privacy_services.consent_give(
        actor=actor(request), person=person, values=values, named_recipients=partners
    )
    return Status(201, consent_out(consent))


@router.post(
    "/persons/{person_id}/consents/{consent_id}/withdraw",
    response={200: ConsentOut, **ERRORS},
    tags=["同意"],
    summary="同意の撤回",
)
def consent_withdraw(
    request: HttpRequest, person_id: int, consent_id: int, payload: ConsentWithdrawIn
) -> dict[str, Any]:
    person = person_selectors.person_get_for_user(user=actor(request), person_id=person_id, audit=False)
    consent = consents_of_person(person).filter(pk=consent_id).first()
    if consent is None:
        from django.http import Http404

        raise Http404
    consent = privacy_services.consent_withdraw(
        actor=actor(request), consent=consent, withdrawn_on=payload.withdrawn_on, note=payload.note
    )
    return consent_out(consent)
