"""API of the dashboard: ``GET /api/v1/me/todo`` (今日やること), the same list as the screen.

Mounted under /api/v1/ by ``tsunagu/api/api.py`` (the API is the layer above the dashboard,
``.importlinter``). Dates are ISO 8601 (like every endpoint); the reasons are Japanese sentences with 和暦 dates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from tsunagu.core.audit import audit_record_many
from tsunagu.core.models import AuditAction
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from . import todo

router = Router(tags=["ダッシュボード"])

ERRORS = {401: dict[str, Any], 403: dict[str, Any], 422: dict[str, Any]}


class TodoItemOut(Schema):
    due_on: date
    overdue: bool
    waiting: bool
    kind: str
    kind_ja: str
    reason: str
    case_id: int | None
    case_number: str
    person_name: str
    url: str


class TodoOut(Schema):
    today: date
    scope: str
    horizon_days: int
    horizon_ja: str
    count: int
    overdue_count: int
    items: list[TodoItemOut]


class TodoFilter(Schema):
    kind: str = ""
    scope: str = ""


@router.get(
    "/me/todo",
    response={200: TodoOut, **ERRORS},
    summary="今日やること（期限が近いもの・期限を過ぎたもの）",
    description=(
        "ログイン中の職員の担当ケースについて、期限を過ぎたものと期限が近いもの（モニタリング、"
        "プラン期間の終了、30日以上接触なし、つなぎのフォローアップ、同意の有効期限、求職活動状況報告、"
        "住居確保給付金の延長申請期限、事業の利用期限）を、期限切れを先に期限の早い順で返します。"
        "自治体担当者には支援決定・確認と住居確保給付金の決定の待ちを返します。"
        "`kind` で種類を絞り込めます。`scope=agency` は機関の全ケースを一覧できる職員だけが使えます。"
        "`url` はその作業をする画面です。"
    ),
)
def me_todo(request: HttpRequest, filters: Query[TodoFilter]) -> dict[str, Any]:
    guards.require(request.user, Permission.API_USE, via="api")
    user: Any = request.user
    guards.require_any(user, *todo.TODO_PERMISSIONS, via="api")
    today = timezone.localdate()
    scope = todo.todo_scope(user, filters.scope)
    items = todo.todo_for(user, today, scope=scope)
    if filters.kind:
        items = [i for i in items if i.kind == filters.kind]
    records = {(i.record._meta.label, i.record.pk): i.record for i in items if i.record is not None}
    audit_record_many(
        actor=user,
        action=AuditAction.VIEW,
        objects=list(records.values()),
        details={"via": "api", "list": True, "panel": "todo", "scope": scope},
    )
    return {
        "today": today,
        "scope": scope,
        "horizon_days": todo.HORIZON_DAYS,
        "horizon_ja": todo.horizon_text(user),
        "count": len(items),
        "overdue_count": sum(1 for i in items if i.overdue),
        "items": [
            {
                "due_on": i.due_on,
                "overdue": i.overdue,
                "waiting": i.waiting,
                "kind": i.kind,
                "kind_ja": i.kind_label,
                "reason": i.reason,
                "case_id": i.case_id,
                "case_number": i.case_number,
                "person_name": i.person_name,
                "url": i.url,
            }
            for i in items
        ],
    }
