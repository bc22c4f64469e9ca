"""API: the case list, one case, its state history and transitions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema

from tsunagu.organizations.models import User

from .. import hub, selectors, services
from ..models import (
    Case,
    CaseState,
)
from ..schemas import (
    CaseAssignIn,
    CaseListOut,
    CaseOut,
    CaseTransitionsOut,
    TransitionIn,
)
from ..workflow import TRANSITIONS, available_transitions
from .common import ERRORS, MAX_ID, _case_for_api, actor, body_version, case_out

router = Router()


@router.get(
    "/cases",
    response={200: CaseListOut, **ERRORS},
    tags=["ケース"],
    summary="ケース一覧（画面と同じ検索・絞り込み）",
)
def case_list(
    request: HttpRequest,
    q: str = "",
    scope: str = "mine",
    state: str = "",
    worker_id: int | None = None,
    unassigned: bool = False,
    topic: str = "",
    after: str = "",
) -> dict[str, Any]:
    if worker_id is not None and not 0 < worker_id <= MAX_ID:
        raise ValidationError({"worker_id": "職員IDが正しくありません。"})
    page = selectors.case_list(
        user=actor(request),
        query=selectors.CaseQuery(
            q=q,
            scope=scope,
            state=state,
            worker_id=worker_id,
            unassigned=unassigned,
            topic=topic,
            after=after,
        ),
    )
    selectors.cases_listed(user=actor(request), cases=page.cases, via="api")
    return {"items": [case_out(c) for c in page.cases], "next_cursor": page.next_cursor}


@router.get("/cases/{case_id}", response={200: CaseOut, **ERRORS}, tags=["ケース"], summary="ケースを取得")
def case_get(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return case_out(selectors.case_get_for_user(user=actor(request), case_id=case_id))


def _transitions_out(case: Case, user: Any) -> dict[str, Any]:
    return {
        "state": case.state,
        "state_ja": CaseState(case.state).label,
        "version": case.version,
        "history": [
            {
                "name": t.name,
                "from_state": t.from_state,
                "to_state": t.to_state,
                "reason": t.reason,
                "actor": str(t.actor),
                "occurred_at": t.occurred_at,
            }
            for t in case.transitions.select_related("actor")
        ],
        "available": [
            {
                "name": t.name,
                "label": t.label,
                "target": t.target.value,
                "allowed": blocked is None,
                "blocked_reason": blocked or "",
            }
            for t, blocked in available_transitions(case, user)
        ],
    }


@router.get(
    "/cases/{case_id}/transitions",
    response={200: CaseTransitionsOut, **ERRORS},
    tags=["ケースの状態"],
    summary="状態の履歴と、今行える遷移（行えない理由つき）",
)
def transition_list(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = _case_for_api(request, case_id, audit=True)
    return _transitions_out(case, actor(request))


@router.post(
    "/cases/{case_id}/transitions",
    response={200: CaseOut, **ERRORS},
    tags=["ケースの状態"],
    summary="状態を遷移させる（終結・中断・フォローアップを含む。画面と同じ条件）",
)
def transition_run(request: HttpRequest, case_id: int, payload: TransitionIn) -> dict[str, Any]:
    t = TRANSITIONS.get(payload.name)
    if t is not None and t.via:
        where = (
            "/decisions（支援決定・確認の記録）"
            if t.via == "decision"
            else "/meetings（支援調整会議の結果の記録）"
        )
        raise ValidationError({"name": f"「{t.label}」は {where} で行います。"})
    case = _case_for_api(request, case_id)
    version = body_version(payload.version)
    case = services.case_transition(
        actor=actor(request),
        case=case,
        name=payload.name,
        reason=payload.reason,
        expected_version=version,
        params={"carry_over": {str(k): str(v)[:1000] for k, v in payload.carry_over.items()}},
    )
    # A 取消 case is still answered once, so that the client sees its new state.
    return case_out(
        selectors.case_get_for_user(user=actor(request), case_id=case.pk, audit=False, include_cancelled=True)
    )


@router.post(
    "/cases/{case_id}/assign",
    response={200: CaseOut, **ERRORS},
    tags=["ケース"],
    summary="担当者を変更する（主任相談支援員・センター長。楽観的ロック：version）",
)
def case_assign(request: HttpRequest, case_id: int, payload: CaseAssignIn) -> dict[str, Any]:
    case = _case_for_api(request, case_id)
    version = body_version(payload.version)
    worker = (
        User.objects.case_staff_of(case.agency_id).filter(pk=payload.worker_id).first()
        if 0 < payload.worker_id <= MAX_ID
        else None
    )
    if worker is None:
        raise ValidationError({"worker_id": "担当者は、同じ機関の相談支援員等から選んでください。"})
    case = services.case_assign(actor=actor(request), case=case, worker=worker, expected_version=version)
    return case_out(selectors.case_get_for_user(user=actor(request), case_id=case.pk, audit=False))


# --- The hub: the timeline and what is still open ------------------------------------------------


class TimelineEntryOut(Schema):
    at: datetime | date = Field(..., description="日時（記録・状態の変更など）または日付")
    kind: str = Field(
        ...,
        description="種類（record, assessment, plan, evaluation, outcome, transition, consent, decision, meeting, payment, program, referral）",
    )
    kind_ja: str
    title: str
    text: str
    url: str = Field(..., description="その記録の画面")


class TimelineOut(Schema):
    items: list[TimelineEntryOut]
    total: int
    kinds: dict[str, str] = Field(..., description="このケースの経過にある種類と、その日本語名")
    next_cursor: str = Field(..., description="次のページの after（最後のページでは空）")


class OpenItemOut(Schema):
    key: str = Field(..., description="終結の carry_over に使うキー")
    label: str
    url: str


def _offset(after: str) -> int:
    if not after:
        return 0
    if not after.isdigit() or len(after) > 7:
        raise ValidationError({"after": "after の値が正しくありません。"})
    return int(after)


@router.get(
    "/cases/{case_id}/timeline",
    response={200: TimelineOut, **ERRORS},
    tags=["ケース"],
    summary="ケースの経過（記録・アセスメント・プラン・決定・支給・つなぎ・状態の変更など、新しい順）",
)
def timeline(request: HttpRequest, case_id: int, kind: str = "", after: str = "") -> dict[str, Any]:
    user = actor(request)
    case = _case_for_api(request, case_id, audit=True)
    offset = _offset(after)
    if kind and kind not in selectors.TIMELINE_KINDS:
        raise ValidationError({"kind": "経過の種類が正しくありません。"})
    page = selectors.case_timeline(user=user, case=case, kind=kind, offset=offset, limit=selectors.PAGE_SIZE)
    return {
        "items": [
            {
                "at": e.at,
                "kind": e.kind,
                "kind_ja": page.kinds.get(e.kind, e.kind_label),
                "title": e.title,
                "text": e.text,
                "url": e.url,
            }
            for e in page.entries
        ],
        "total": page.total,
        "kinds": page.kinds,
        "next_cursor": str(offset + len(page.entries)) if page.has_more else "",
    }


@router.get(
    "/cases/{case_id}/open-items",
    response={200: list[OpenItemOut], **ERRORS},
    tags=["ケースの状態"],
    summary="終結の前に終了するか引き継ぐもの（支給中の住居確保給付金、利用中の事業、依頼中のつなぎ）",
)
def open_items(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = _case_for_api(request, case_id, audit=True)
    return [{"key": i.key, "label": i.label, "url": i.url} for i in hub.open_items(case)]
