"""The dashboard (ダッシュボード) and the full lists behind its panels.

Both list cases and persons, so both are reads of personal data: every row shown is audited as
viewed (one batched INSERT per panel, ``core.audit.audit_record_many``), like any other list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tsunagu.core.audit import audit_record_many
from tsunagu.core.dates import fiscal_year, fiscal_year_label
from tsunagu.core.models import AuditAction
from tsunagu.organizations.roles import Permission

from . import selectors

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

PANEL_PAGE_SIZE = 25


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
    today = timezone.localdate()
    dashboard = selectors.dashboard_for(user, today=today, requested_scope=request.GET.get("scope", ""))
    for key, shown in dashboard.panels.items():
        _audit_shown(user, shown.rows, panel=key, scope=dashboard.scope)
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
