"""The dashboard (ダッシュボード) and the full lists behind its panels."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tsunagu.core.dates import fiscal_year, fiscal_year_label
from tsunagu.organizations.roles import Permission

from . import selectors

PANEL_PAGE_SIZE = 25


def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # a logged-in staff account (StaffLoginRequiredMiddleware)
    today = timezone.localdate()
    dashboard = selectors.dashboard_for(user, today=today, requested_scope=request.GET.get("scope", ""))
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
    user: Any = request.user
    today = timezone.localdate()
    scope = selectors.scope_for(user, request.GET.get("scope", ""))
    qs = selectors.panel_queryset(user, key, scope, today)
    if qs is None:
        raise Http404
    page = Paginator(qs, PANEL_PAGE_SIZE).get_page(request.GET.get("page"))
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
