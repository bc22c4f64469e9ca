from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tsunagu.core.dates import fiscal_year, fiscal_year_label
from tsunagu.organizations.roles import Permission


def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # a logged-in staff account (StaffLoginRequiredMiddleware)
    today = timezone.localdate()
    return render(
        request,
        "dashboard/home.html",
        {
            "today": today,
            "fiscal_year_label": fiscal_year_label(fiscal_year(today)),
            "can_view_staff": user.can(Permission.STAFF_VIEW),
            "can_view_audit": user.can(Permission.AUDIT_VIEW),
        },
    )
