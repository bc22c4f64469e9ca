"""API: 委託先の変更（引継ぎ） — the same service, scoping and rules as the screens.
Mounted under /api/v1/ by ``tsunagu/api/api.py``; 401/403/404/422 are documented there for every
operation with the API's one error shape."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from tsunagu.core.bounds import PageNo
from tsunagu.organizations import guards
from tsunagu.organizations.models import Agency
from tsunagu.organizations.roles import Permission

from . import selectors, services
from .models import Handover

router = Router(tags=["委託先の変更"])
PAGE_SIZE = 25
HandoverId = Annotated[int, Field(ge=1, le=9_223_372_036_854_775_807)]
ERRORS = {403: dict[str, Any], 404: dict[str, Any], 422: dict[str, Any]}


class HandoverAgencyOut(Schema):
    id: int
    name: str


class ReceivingWorker(Schema):
    from_worker_id: HandoverId = Field(description="移したケースを担当している移行元の職員のID")
    to_worker_id: HandoverId | None = Field(
        None, description="引継ぎ先の担当者（移行先の相談支援員等）の職員ID。null：担当者未定にする"
    )


class OldWorkerOut(Schema):
    id: int
    name: str
    open_cases: int = Field(description="対応中のケース数")
    cases: int = Field(description="終結等を含めたケース数")
    receiving_worker: HandoverAgencyOut | None = Field(None, description="指定した引継ぎ先の担当者")


class WorkerResultRow(Schema):
    from_worker_id: int
    to_worker_id: int | None = Field(None, description="null：担当者未定")
    cases: int


class WorkerResultOut(Schema):
    reassigned: int = Field(description="引継ぎ先の担当者に移したケース数")
    unassigned: int = Field(description="担当者未定になったケース数")
    workers: list[WorkerResultRow]


class HandoverOut(Schema):
    id: int
    municipality_id: int
    municipality_name: str
    from_agency: HandoverAgencyOut
    to_agency: HandoverAgencyOut
    handover_date: date
    status: str
    status_ja: str
    reason: str
    note: str
    preview_counts: dict[str, int] = Field(description="記録の種類（日本語名）ごとの件数（確認時）")
    executed_counts: dict[str, int] = Field(description="記録の種類ごとの件数（実施時）")
    problems: list[str] = Field(default_factory=list, description="実施できない理由（予定中のみ）")
    notices: list[str] = Field(default_factory=list, description="実施時に行われること（予定中のみ）")
    receiving_workers: list[ReceivingWorker] = Field(
        default_factory=list, description="指定した引継ぎ先の担当者（移行元の職員 → 移行先の職員）"
    )
    old_workers: list[OldWorkerOut] = Field(
        default_factory=list, description="移したケースを担当している移行元の職員とケース数（予定中のみ）"
    )
    receiving_choices: list[HandoverAgencyOut] = Field(
        default_factory=list, description="引継ぎ先の担当者に選べる移行先の職員（予定中のみ）"
    )
    worker_result: WorkerResultOut | None = Field(None, description="担当者の引継ぎ（実施時）")
    executed_at: datetime | None = None
    version: int


class HandoverListOut(Schema):
    count: int
    page: int
    num_pages: int
    items: list[HandoverOut]


class HandoverCreateIn(Schema):
    from_agency_id: HandoverId
    to_agency_id: HandoverId
    handover_date: date
    reason: str = Field(min_length=1, max_length=200)
    note: str = Field("", max_length=2000)
    receiving_workers: list[ReceivingWorker] = Field(default_factory=list, max_length=1000)


class HandoverWorkersIn(Schema):
    version: int = Field(ge=1, le=2_147_483_647, description="確認した引継ぎの版（楽観的ロック）")
    receiving_workers: list[ReceivingWorker] = Field(
        max_length=1000, description="引継ぎ先の担当者の全体（指定しない移行元の職員のケースは担当者未定）"
    )


class HandoverExecuteIn(Schema):
    version: int = Field(ge=1, le=2_147_483_647, description="確認した引継ぎの版（楽観的ロック）")


def _mapping(items: list[ReceivingWorker]) -> dict[int, int | None]:
    out: dict[int, int | None] = {}
    for item in items:
        if item.from_worker_id in out:
            raise ValidationError({"receiving_workers": "同じ移行元の職員が2回指定されています。"})
        out[item.from_worker_id] = item.to_worker_id
    return out


def handover_out(h: Handover, preview: services.Preview | None = None) -> dict[str, Any]:
    result = h.worker_result or None
    return {
        "id": h.pk,
        "municipality_id": h.municipality_id,
        "municipality_name": h.municipality.name,
        "from_agency": {"id": h.from_agency_id, "name": h.from_agency.name},
        "to_agency": {"id": h.to_agency_id, "name": h.to_agency.name},
        "handover_date": h.handover_date,
        "status": h.status,
        "status_ja": h.get_status_display(),
        "reason": h.reason,
        "note": h.note,
        "preview_counts": preview.counts if preview else h.preview_counts,
        "executed_counts": h.executed_counts,
        "problems": preview.problems if preview else [],
        "notices": preview.notices if preview else [],
        "receiving_workers": [
            {"from_worker_id": int(k), "to_worker_id": v} for k, v in (h.receiving_workers or {}).items()
        ],
        "old_workers": [
            {
                "id": w.worker.pk,
                "name": str(w.worker),
                "open_cases": w.open_cases,
                "cases": w.cases,
                "receiving_worker": {"id": w.receiving.pk, "name": str(w.receiving)} if w.receiving else None,
            }
            for w in (preview.workers if preview else [])
        ],
        "receiving_choices": (
            [{"id": pk, "name": name} for pk, name in selectors.receiving_staff(h)] if preview else []
        ),
        "worker_result": result,
        "executed_at": h.executed_at,
        "version": h.version,
    }


def _require(request: HttpRequest) -> None:
    guards.require(request.user, Permission.API_USE, via="api")
    guards.require(request.user, Permission.HANDOVER_MANAGE, via="api")


def _agency(municipality: Any, pk: int, field: str) -> Agency:
    agency = selectors.agencies_serving(municipality).filter(pk=pk).first()
    if agency is None:
        message = services.NOT_SERVING_TO if field == "to_agency_id" else services.NOT_SERVING_FROM
        raise ValidationError({field: message})
    return agency


@router.get("/handovers", response={200: HandoverListOut, **ERRORS}, summary="委託先の変更（引継ぎ）の一覧")
def handover_list(request: HttpRequest, page: PageNo = 1) -> dict[str, Any]:
    _require(request)
    p = Paginator(selectors.handover_list(request.user), PAGE_SIZE).get_page(page)
    return {
        "count": p.paginator.count,
        "page": p.number,
        "num_pages": p.paginator.num_pages,
        "items": [handover_out(h) for h in p.object_list],
    }


@router.post(
    "/handovers",
    response={201: HandoverOut, **ERRORS},
    summary="委託先の変更（引継ぎ）を登録（件数の確認つき・自治体担当者）",
    description="移行先の機関はこの自治体を担当区域に持つこと。移行元と移行先が同じ場合、担当しない機関の場合は 422。",
)
def handover_create(request: HttpRequest, payload: HandoverCreateIn) -> Status[dict[str, Any]]:
    _require(request)
    user: Any = request.user
    municipality = selectors.officer_municipality(user)
    handover = services.handover_create(
        actor=user,
        municipality=municipality,
        from_agency=_agency(municipality, payload.from_agency_id, "from_agency_id"),
        to_agency=_agency(municipality, payload.to_agency_id, "to_agency_id"),
        handover_date=payload.handover_date,
        reason=payload.reason,
        note=payload.note,
        receiving_workers=_mapping(payload.receiving_workers),
    )
    h = selectors.handover_get_for_user(user=user, handover_id=handover.pk)
    return Status(201, handover_out(h, services.compute_preview(h)))


@router.get(
    "/handovers/{handover_id}",
    response={200: HandoverOut, **ERRORS},
    summary="委託先の変更（引継ぎ）：いま移る件数、または実施時の件数",
)
def handover_get(request: HttpRequest, handover_id: HandoverId) -> dict[str, Any]:
    _require(request)
    h = selectors.handover_get_for_user(user=request.user, handover_id=handover_id)
    preview = services.handover_preview(actor=request.user, handover=h) if h.status == "planned" else None  # type: ignore[arg-type]
    return handover_out(h, preview)


@router.patch(
    "/handovers/{handover_id}",
    response={200: HandoverOut, **ERRORS},
    summary="引継ぎ先の担当者を指定（予定中・自治体担当者）",
    description=(
        "移行元の職員ごとに、ケースを引き継ぐ移行先の相談支援員等を指定します（全体を置き換え）。"
        "移したケースを担当していない職員、移行先の相談支援員等でない職員、版が古い場合は 422。"
    ),
)
def handover_set_workers(
    request: HttpRequest, handover_id: HandoverId, payload: HandoverWorkersIn
) -> dict[str, Any]:
    _require(request)
    user: Any = request.user
    h = selectors.handover_get_for_user(user=user, handover_id=handover_id)
    services.handover_set_workers(
        actor=user, handover=h, receiving=_mapping(payload.receiving_workers), version=payload.version
    )
    h = selectors.handover_get_for_user(user=user, handover_id=handover_id)
    return handover_out(h, services.handover_preview(actor=user, handover=h))


@router.post(
    "/handovers/{handover_id}/execute",
    response={200: HandoverOut, **ERRORS},
    summary="委託先の変更（引継ぎ）を実施",
    description=(
        "引継ぎ日より前、予定中でない、版が古い、移行先に同じ年度の事業計画がある、"
        "指定した引継ぎ先の担当者が移行先の相談支援員等として利用中でない場合は 422。"
    ),
)
def handover_execute(
    request: HttpRequest, handover_id: HandoverId, payload: HandoverExecuteIn
) -> dict[str, Any]:
    _require(request)
    user: Any = request.user
    h = selectors.handover_get_for_user(user=user, handover_id=handover_id)
    services.handover_execute(actor=user, handover=h, version=payload.version)
    return handover_out(selectors.handover_get_for_user(user=user, handover_id=handover_id))
