"""委託先の変更（引継ぎ） screens for the 自治体担当者: list, new, detail (preview and the
引継ぎ先の担当者), execute, cancel.

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
from tsunagu.core.locking import StaleVersionError
from tsunagu.organizations.guards import permission_required
from tsunagu.organizations.roles import Permission

from . import selectors, services
from .forms import HandoverForm, ReceivingWorkersForm
from .models import Handover, HandoverStatus
from .registry import uncounted_labels

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
    hidden = uncounted_labels()  # technical tables (an older hand-over may have counted them)
    labels = [k for k in list(preview) + [k for k in executed if k not in preview] if k not in hidden]
    return [
        {
            "label": label,
            "preview": preview.get(label, 0),
            "executed": executed.get(label) if executed else None,
            "changed": bool(executed) and preview.get(label, 0) != executed.get(label, 0),
        }
        for label in labels
    ]


def _worker_result(handover: Handover) -> list[dict[str, object]]:
    rows = handover.worker_result.get("workers", []) if handover.worker_result else []
    named = selectors.workers_named([r["from_worker_id"] for r in rows] + [r["to_worker_id"] for r in rows])
    return [
        {
            "worker": named.get(r["from_worker_id"]),
            "receiving": named.get(r["to_worker_id"]),
            "cases": r["cases"],
        }
        for r in rows
    ]


def _detail(
    request: HttpRequest, handover: Handover, workers_form: ReceivingWorkersForm | None = None
) -> HttpResponse:
    user = _user(request)
    planned = handover.status == HandoverStatus.PLANNED
    preview = services.handover_preview(actor=user, handover=handover) if planned else None
    if preview is not None and preview.workers and workers_form is None:
        workers_form = ReceivingWorkersForm(
            initial={"version": handover.version},
            rows=preview.workers,
            staff=selectors.receiving_staff(handover),
        )
    executed = handover.status == HandoverStatus.EXECUTED
    return render(
        request,
        "handovers/handover_detail.html",
        {
            "handover": handover,
            "preview": preview,
            "rows": _rows(handover.preview_counts, handover.executed_counts),
            "planned": planned,
            "workers_form": workers_form if preview and preview.workers else None,
            "worker_rows": _worker_result(handover) if executed else [],
            "unassigned_now": selectors.unassigned_cases_now(handover) if executed else 0,
        },
    )


@manage_required
def handover_detail(request: HttpRequest, handover_id: int) -> HttpResponse:
    handover = selectors.handover_get_for_user(user=_user(request), handover_id=handover_id)
    return _detail(request, handover)


@require_POST
@manage_required
def handover_workers(request: HttpRequest, handover_id: int) -> HttpResponse:
    """引継ぎ先の担当者を指定する (予定中): one receiving worker of the new agency per old worker."""
    user = _user(request)
    handover = selectors.handover_get_for_user(user=user, handover_id=handover_id)
    if handover.status != HandoverStatus.PLANNED:
        messages.error(request, services.NOT_PLANNED)
        return redirect("handovers:handover_detail", handover_id=handover.pk)
    form = ReceivingWorkersForm(
        request.POST, rows=services.old_workers(handover), staff=selectors.receiving_staff(handover)
    )
    if form.is_valid():
        try:
            services.handover_set_workers(
                actor=user,
                handover=handover,
                receiving=form.receiving(),
                version=form.cleaned_data["version"],
            )
        except StaleVersionError as exc:
            # Shown beside what was typed; saving again means "I have seen the saved version".
            form.data = {**form.data, "version": str(exc.current.version)}
            form.add_error(None, exc.message)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "引継ぎ先の担当者を保存しました。")
            return redirect("handovers:handover_detail", handover_id=handover.pk)
    return _detail(request, handover, workers_form=form)


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
