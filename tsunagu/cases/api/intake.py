"""API: 相談受付 (open a case) and 申込票の訂正."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from tsunagu.core.locking import StaleVersionError
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.models import User
from tsunagu.persons import selectors as person_selectors

from .. import selectors, services
from ..models import CaseState, Intake
from ..schemas import (
    CaseOut,
    IntakeIn,
    IntakeOut,
    IntakePatchIn,
    OpenCaseConflictOut,
)
from .common import ERRORS, MAX_ID, _stale, actor, body_version, case_out, refuse_nulls

router = Router()


@router.post(
    "/intakes",
    response={201: CaseOut, 409: OpenCaseConflictOut, **ERRORS},
    tags=["相談受付"],
    summary="相談受付（ケースを開く）",
    description=(
        "同じ機関でこの方に終結・中断・取消していないケースがあると、ケースは開かず 409 で"
        "そのケース（open_case_id）を返します。別のケースとして受け付けるには second_case_reason に"
        "理由を入れて送ってください（理由は申込票と監査ログに残ります）。"
    ),
)
def intake_create(request: HttpRequest, payload: IntakeIn) -> Status:
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
    reason = values.pop("second_case_reason")
    try:
        case = services.intake_register(
            actor=actor(request),
            person=person,
            values=values,
            submission_token=token,
            assigned_worker=worker,
            second_case_reason=reason,
        )
    except services.OpenCaseExists as exc:
        return Status(
            409,
            {
                "detail": exc.messages[0],
                "open_case_id": exc.case.pk,
                "open_case_number": exc.case.case_number,
            },
        )
    return Status(201, case_out(case))


def intake_out(intake: Intake) -> dict[str, Any]:
    case = intake.case
    return {
        "id": intake.pk,
        "case_id": intake.case_id,
        "version": intake.version,
        **{f: getattr(intake, f) for f in services.INTAKE_EDIT_FIELDS if f != "referring_partner"},
        "referring_partner_id": intake.referring_partner_id,
        "second_case_reason": intake.second_case_reason,
        "case_state": case.state,
        "case_state_ja": CaseState(case.state).label,
    }


def _intake_for_api(request: HttpRequest, intake_id: int, *, audit: bool = False) -> Intake:
    return selectors.intake_get_for_user(user=actor(request), intake_id=intake_id, audit=audit)


@router.get(
    "/intakes/{intake_id}", response={200: IntakeOut, **ERRORS}, tags=["相談受付"], summary="申込票を取得"
)
def intake_get(request: HttpRequest, intake_id: int) -> dict[str, Any]:
    intake = _intake_for_api(request, intake_id, audit=True)
    return intake_out(intake)


@router.patch(
    "/intakes/{intake_id}",
    response={200: IntakeOut, **ERRORS},
    tags=["相談受付"],
    summary="申込票・スクリーニングを訂正（楽観的ロック：version）",
    description=(
        "ケースの担当者、または主任相談支援員・センター長が訂正できます。送った項目だけを変更し、"
        "変更前の値は変更履歴に残ります。他の職員が先に保存していると 422（version）です。"
    ),
)
def intake_patch(request: HttpRequest, intake_id: int, payload: IntakePatchIn) -> dict[str, Any]:
    intake = _intake_for_api(request, intake_id)
    changes = payload.dict(exclude_unset=True)
    version = body_version(changes.pop("version", None))
    refuse_nulls(
        {k: v for k, v in changes.items() if k not in ("referring_partner_id",)},
        Intake,
        [k for k in changes if k != "referring_partner_id"],
    )
    values = {f: getattr(intake, f) for f in services.INTAKE_EDIT_FIELDS}
    if "referring_partner_id" in changes:
        partner_id = changes.pop("referring_partner_id")
        values["referring_partner"] = (
            PartnerAgency.objects.filter(pk=partner_id).first()
            if partner_id and 0 < partner_id <= MAX_ID
            else None
        )
        if partner_id and values["referring_partner"] is None:
            raise ValidationError({"referring_partner_id": "担当地域の関係機関から選んでください。"})
    values |= changes
    try:
        intake = services.intake_update(
            actor=actor(request), case=intake.case, values=values, expected_version=version
        )
    except StaleVersionError as exc:
        raise _stale(exc) from exc
    return intake_out(intake)


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
