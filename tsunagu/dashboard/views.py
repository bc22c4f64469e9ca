"""The dashboard (ダッシュボード) and the full lists behind its panels.

Both list cases and persons, so both are reads of personal data: every row shown is audited as
viewed (one batched INSERT per panel, ``core.audit.audit_record_many``), like any other list.
The 今日やること list (``todo.py``) is a panel of the home page and a full page of its own
(``/dashboard/todo/``, paginated, filtered by kind); its rows are audited the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tsunagu.core.audit import audit_record_many
from tsunagu.core.dates import fiscal_year, fiscal_year_label
from tsunagu.core.models import AuditAction
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from . import selectors, todo

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

PANEL_PAGE_SIZE = 25
TODO_PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    """The signed-in staff account (StaffLoginRequiredMiddleware ran first)."""
    return cast("User", request.user)


def _audit_shown(user: User, rows: list[Any], **details: Any) -> None:
    """One VIEW row per case, plan or decision listed (a single INSERT)."""
    audit_record_many(
        actor=user, action=AuditAction.VIEW, objects=rows, details={"via": "dashboard", **details}
    )


def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.can(Permission.DASHBOARD_VIEW) and user.can(Permission.SITE_MANAGE):
        return redirect("setup:home")  # the システム管理者 has no dashboard: its work is the set-up
    today = timezone.localdate()
    dashboard = selectors.dashboard_for(user, today=today, requested_scope=request.GET.get("scope", ""))
    for key, shown in dashboard.panels.items():
        _audit_shown(user, shown.rows, panel=key, scope=dashboard.scope)
    todo_items: list[todo.TodoItem] = []
    if todo.sees_todo(user):
        todo_items = todo.todo_for(user, today, scope=todo.todo_scope(user))
        _audit_todo(user, todo_items[: selectors.LIST_LIMIT], scope=todo.MINE)
    return render(
        request,
        "dashboard/home.html",
        {
            "today": today,
            "fiscal_year_label": fiscal_year_label(fiscal_year(today)),
            "d": dashboard,
            "can_switch_scope": user.can(Permission.CASE_VIEW_ALL) and dashboard.kind == "manager",
            "can_view_cases": user.can(Permission.PERSON_VIEW),
            "list_limit": selectors.LIST_LIMIT,
            "sees_todo": todo.sees_todo(user),
            "todo_items": todo_items[: selectors.LIST_LIMIT],
            "todo_count": len(todo_items),
            "todo_overdue": sum(1 for i in todo_items if i.overdue),
            "todo_horizon_text": todo.horizon_text(user),
        },
    )


def panel(request: HttpRequest, key: str) -> HttpResponse:
    """Every row of one dashboard panel, 25 per page (the panel shows the first 10)."""
    user = _user(request)
    today = timezone.localdate()
    scope = selectors.scope_for(user, request.GET.get("scope", ""))
    qs = selectors.panel_queryset(user, key, scope, today)
    if qs is None:
        raise Http404
    page = Paginator(qs, PANEL_PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_shown(user, list(page.object_list), panel=key, scope=scope, page=page.number)
    return render(
        request,
        "dashboard/panel.html",
        {
            "key": key,
            "title": selectors.PANEL_TITLES[key],
            "page": page,
            "scope": scope,
            "today": today,
            "can_view_cases": user.can(Permission.PERSON_VIEW),
        },
    )


def _audit_todo(user: User, items: list[todo.TodoItem], **details: Any) -> None:
    """The records behind the items shown, one VIEW row each (a single INSERT)."""
    seen: dict[tuple[str, Any], Any] = {}
    for item in items:
        if item.record is not None:
            seen.setdefault((item.record._meta.label, item.record.pk), item.record)
    _audit_shown(user, list(seen.values()), panel="todo", **details)


def todo_list(request: HttpRequest) -> HttpResponse:
    """今日やること in full: every item, 25 per page, filtered by kind (the home page shows the first 10)."""
    user = _user(request)
    guards.require_any(user, *todo.TODO_PERMISSIONS, path=request.path)
    today = timezone.localdate()
    scope = todo.todo_scope(user, request.GET.get("scope", ""))
    kinds = todo.kinds_for(user)
    kind = request.GET.get("kind", "")
    if kind not in dict(kinds):
        kind = ""
    items = todo.todo_for(user, today, scope=scope)
    counts: dict[str, int] = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    shown = [i for i in items if i.kind == kind] if kind else items
    page = Paginator(shown, TODO_PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_todo(user, list(page.object_list), scope=scope, kind=kind, page=page.number)
    return render(
        request,
        "dashboard/todo.html",
        {
            "today": today,
            "page": page,
            "kind": kind,
            "kinds": [(k, label, counts.get(k, 0)) for k, label in kinds],
            "scope": scope,
            "total": len(items),
            "can_switch_scope": user.can(Permission.CASE_VIEW_ALL) and selectors.sees_cases(user),
            "todo_horizon_text": todo.horizon_text(user),
        },
    )
