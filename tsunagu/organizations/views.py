from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import guards, selectors, services
from .roles import Permission

if TYPE_CHECKING:
    from .models import User


def _actor(request: HttpRequest) -> User:
    """The logged-in staff account (every page needs a login: StaffLoginRequiredMiddleware)."""
    return cast("User", request.user)


@guards.permission_required(Permission.STAFF_VIEW)
def staff_list(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    staff = list(selectors.staff_visible_to(user))
    locked = services.staff_locked_usernames([s.username for s in staff])
    return render(
        request,
        "organizations/staff_list.html",
        {"staff": staff, "locked": locked, "can_manage": guards.allowed(user, Permission.STAFF_MANAGE)},
    )


@require_POST
@guards.permission_required(Permission.STAFF_MANAGE)
def staff_unlock(request: HttpRequest, staff_id: int) -> HttpResponse:
    target = selectors.staff_get_for_user(user=_actor(request), staff_id=staff_id)
    services.staff_unlock(actor=_actor(request), user=target)
    messages.success(request, f"{target} のロックを解除しました。")
    return redirect("organizations:staff_list")


@require_POST
@guards.permission_required(Permission.STAFF_MANAGE)
def staff_disable(request: HttpRequest, staff_id: int) -> HttpResponse:
    target = selectors.staff_get_for_user(user=_actor(request), staff_id=staff_id)
    if target.pk == request.user.pk:
        messages.error(request, "自分自身のアカウントは利用停止できません。")
        return redirect("organizations:staff_list")
    services.staff_disable(actor=_actor(request), user=target, reason=request.POST.get("reason", "")[:200])
    messages.success(request, f"{target} を利用停止にし、ログイン中のセッションを終了しました。")
    return redirect("organizations:staff_list")


@require_POST
@guards.permission_required(Permission.STAFF_MANAGE)
def staff_enable(request: HttpRequest, staff_id: int) -> HttpResponse:
    target = selectors.staff_get_for_user(user=_actor(request), staff_id=staff_id)
    services.staff_enable(actor=_actor(request), user=target)
    messages.success(request, f"{target} の利用を再開しました。")
    return redirect("organizations:staff_list")


@require_POST
@guards.permission_required(Permission.STAFF_MANAGE)
def staff_reset_credentials(request: HttpRequest, staff_id: int) -> HttpResponse:
    """Show the temporary password once; the account must set up TOTP again at its next login."""
    target = selectors.staff_get_for_user(user=_actor(request), staff_id=staff_id)
    temporary = services.staff_reset_credentials(actor=_actor(request), user=target)
    response = render(
        request, "organizations/credentials_reset.html", {"target": target, "temporary_password": temporary}
    )
    response["Cache-Control"] = "no-store"
    return response
