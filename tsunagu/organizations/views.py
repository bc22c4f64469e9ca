from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services
from .roles import Permission


def staff_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # always a logged-in staff account here (StaffLoginRequiredMiddleware)
    if not user.can(Permission.STAFF_VIEW):
        raise PermissionDenied
    staff = list(selectors.staff_visible_to(user))
    locked = services.staff_locked_usernames([s.username for s in staff])
    return render(
        request,
        "organizations/staff_list.html",
        {"staff": staff, "locked": locked, "can_manage": user.can(Permission.STAFF_MANAGE)},
    )


@require_POST
def staff_unlock(request: HttpRequest, staff_id: int) -> HttpResponse:
    target = selectors.staff_get_for_user(user=request.user, staff_id=staff_id)
    services.staff_unlock(actor=request.user, user=target)
    messages.success(request, f"{target} のロックを解除しました。")
    return redirect("organizations:staff_list")


@require_POST
def staff_disable(request: HttpRequest, staff_id: int) -> HttpResponse:
    target = selectors.staff_get_for_user(user=request.user, staff_id=staff_id)
    if target.pk == request.user.pk:
        messages.error(request, "自分自身のアカウントは利用停止できません。")
        return redirect("organizations:staff_list")
    services.staff_disable(actor=request.user, user=target, reason=request.POST.get("reason", "")[:200])
    messages.success(request, f"{target} を利用停止にし、ログイン中のセッションを終了しました。")
    return redirect("organizations:staff_list")


@require_POST
def staff_enable(request: HttpRequest, staff_id: int) -> HttpResponse:
    target = selectors.staff_get_for_user(user=request.user, staff_id=staff_id)
    services.staff_enable(actor=request.user, user=target)
    messages.success(request, f"{target} の利用を再開しました。")
    return redirect("organizations:staff_list")


@require_POST
def staff_reset_credentials(request: HttpRequest, staff_id: int) -> HttpResponse:
    """Show the temporary password once; the account must set up TOTP again at its next login."""
    target = selectors.staff_get_for_user(user=request.user, staff_id=staff_id)
    temporary = services.staff_reset_credentials(actor=request.user, user=target)
    response = render(
        request, "organizations/credentials_reset.html", {"target": target, "temporary_password": temporary}
    )
    response["Cache-Control"] = "no-store"
    return response
