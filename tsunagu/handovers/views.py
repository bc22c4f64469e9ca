"""委託先の変更（引継ぎ） screens for the 自治体担当者: list, new, detail (preview), execute, cancel.

Thin views: scoped selector → form → service → template. Refusals go through
``organizations.guards`` (audited once); another municipality's hand-over is 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tsunagu.core.forms import apply_service_errors
from tsunagu.organizations.guards import permission_required
from tsunagu.organizations.roles import Permission

from . import selectors, services
from .forms import HandoverForm
from .models import HandoverStatus

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

PAGE_SIZE = 25
manage_required = permission_required(Permission.HANDOVER_MANAGE)


def _user(request: HttpRequest) -> User:
    return cast("User", request.user)


@manage_required
def handover_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.handover_list(_user(request)), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "handovers/handover_list.html", {"page": page, "handovers": page.object_list})


@manage_required
def handover_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    municipality = selectors.officer_municipality(user)
    agencies = list(selectors.agencies_serving(municipality))
    by_id = {a.pk: a for a in agencies}
    form = HandoverForm(
        request.POST if request.method == "POST" else None, agencies=[(a.pk, a.name) for a in agencies]
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            handover = services.handover_create(
                actor=user,
                municipality=municipality,
                from_agency=by_id[data["from_agency"]],
                to_agency=by_id[data["to_agency"]],
                handover_date=data["handover_date"],
                reason=data["reason"],
                note=data["note"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "引継ぎを登録しました。移る件数を確認してください。")
            return redirect("handovers:handover_detail", handover_id=handover.pk)
    return render(request, "handovers/handover_form.html", {"form": form, "municipality": municipality})


def _rows(preview: dict[str, int], executed: dict[str, int]) -> list[dict[str, object]]:
    labels = list(preview) + [k for k in executed if k not in preview]
    return [
        {
            "label": label,
            "preview": preview.get(label, 0),
            "executed": executed.get(label) if executed else None,
            "changed": bool(executed) and preview.get(label, 0) != executed.get(label, 0),
        }
        for label in labels
    ]


@manage_required
def handover_detail(request: HttpRequest, handover_id: int) -> HttpResponse:
    user = _user(request)
    handover = selectors.handover_get_for_user(user=user, handover_id=handover_id)
    preview = None
    if handover.status == HandoverStatus.PLANNED:
        preview = services.handover_preview(actor=user, handover=handover)
    return render(
        request,
        "handovers/handover_detail.html",
        {
            "handover": handover,
            "preview": preview,
            "rows": _rows(handover.preview_counts, handover.executed_counts),
            "planned": handover.status == HandoverStatus.PLANNED,
        },
    )


@require_POST
@manage_required
def handover_execute(request: HttpRequest, handover_id: int) -> HttpResponse:
    user = _user(request)
    handover = selectors.handover_get_for_user(user=user, handover_id=handover_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "「確認しました」にチェックしてから実施してください。")
        return redirect("handovers:handover_detail", handover_id=handover.pk)
    try:
        services.handover_execute(actor=user, handover=handover, version=request.POST.get("version"))
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, "引継ぎを実施しました。記録は移行先の機関に移りました。")
    return redirect("handovers:handover_detail", handover_id=handover.pk)


@require_POST
@manage_required
def handover_cancel(request: HttpRequest, handover_id: int) -> HttpResponse:
    user = _user(request)
    handover = selectors.handover_get_for_user(user=user, handover_id=handover_id)
    try:
        services.handover_cancel(actor=user, handover=handover, version=request.POST.get("version"))
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, "引継ぎを取りやめました。")
    return redirect("handovers:handover_detail", handover_id=handover.pk)
