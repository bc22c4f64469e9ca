from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.organizations.guards import permission_required
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import scope_for_user

from . import selectors
from .forms import AuditSearchForm


@permission_required(Permission.AUDIT_VIEW)
def audit_search(request: HttpRequest) -> HttpResponse:
    """監査ログ照会: who accessed person/case X in period P; what did account A touch in period P."""
    from tsunagu.organizations.models import User

    user: Any = request.user

    staff = scope_for_user(User.objects.all(), user).order_by("username")
    form = AuditSearchForm(request.GET or None, staff_queryset=staff)
    page = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        events = selectors.audit_events_search(
            user=user,
            person_id=d["person_id"],
            object_type=d["object_type"],
            object_id=d["object_id"],
            actor_id=d["actor"].pk if d["actor"] else None,
            start=d["start"],
            end=d["end"],
            action=d["action"],
        )
        page = Paginator(events, 50).get_page(request.GET.get("page"))
        # Read the rows now: evaluated later, the page would include this very query's audit row
        # (and drop one the count promised).
        page.object_list = list(page.object_list)
        with transaction.atomic():
            audit_record(
                actor=user,
                action=AuditAction.AUDIT_QUERY,
                details={k: str(v) for k, v in d.items() if v not in (None, "")},
            )
    return render(request, "privacy/audit_search.html", {"form": form, "page": page})
