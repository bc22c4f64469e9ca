"""API: 相談受付 (open a case)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router

from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.models import User
from tsunagu.persons import selectors as person_selectors

from .. import services
from ..schemas import (
    CaseOut,
    IntakeIn,
)
from .common import ERRORS, MAX_ID, actor, case_out

router = Router()


@router.post(
    "/intakes", response={201: CaseOut, **ERRORS}, tags=["相談受付"], summary="相談受付（ケースを開く）"
)
def intake_create(request: HttpRequest, payload: IntakeIn) -> tuple[int, dict[str, Any]]:
    person = person_selectors.person_get_for_user(
        user=actor(request), person_id=payload.person_id, audit=False
    )
    values = payload.dict()
    partner_id = values.pop("referring_partner_id")
    values["referring_partner"] = (
        PartnerAgency.objects.filter(pk=partner_id).first()
        if partner_id and 0 < partner_id <= MAX_ID
        else None
    )
    if partner_id and values["referring_partner"] is None:
        raise ValidationError({"referring_partner_id": "担当地域の関係機関から選んでください。"})
    token = values.pop("submission_token")
    values.pop("person_id")
    worker_id = values.pop("assigned_worker_id")
    worker = None
    if worker_id is not None and worker_id != actor(request).pk:
        worker = _staff_of_agency(request, worker_id)
    case = services.intake_register(
        actor=actor(request), person=person, values=values, submission_token=token, assigned_worker=worker
    )
    return 201, case_out(case)


def _staff_of_agency(request: HttpRequest, worker_id: int) -> Any:
    user = actor(request)
    staff = (
        User.objects.case_staff_of(user.agency_id).filter(pk=worker_id).first()
        if 0 < worker_id <= MAX_ID
        else None
    )
    if staff is None:
        raise ValidationError({"assigned_worker_id": "担当者は、同じ機関の相談支援員等から選んでください。"})
    return staff
