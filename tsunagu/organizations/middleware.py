"""Login policy enforced on every request: session timeouts, expired-session notice, mandatory MFA."""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .services import AUTH_AT_KEY, session_end_by_policy

__all__ = ["AUTH_AT_KEY", "MfaRequiredMiddleware", "SessionPolicyMiddleware", "StaffLoginRequiredMiddleware"]

# Paths reachable by an authenticated account that has not yet set up TOTP. allauth asks for the
# password again (reauthentication) before TOTP can be activated, so that page must be open too.
_MFA_SETUP_ALLOWED_PREFIXES = (
    "/static/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/recovery-codes/",
)


# Reachable with a temporary password once TOTP is set up: the password change itself.
_PASSWORD_CHANGE_ALLOWED_PREFIXES = (
    "/static/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/accounts/password/change/",
    "/accounts/2fa/recovery-codes/",
)


class StaffLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Deny by default: every page needs a login. The API authenticates itself (session or bearer)."""

    def process_view(self, request, view_func, view_args, view_kwargs):  # type: ignore[no-untyped-def]
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionPolicyMiddleware:
    """Absolute session timeout, and a Japanese notice when an idle session has expired.

    The idle timeout itself is the session's server-side expiry (SESSION_COOKIE_AGE, renewed on
    every request); this adds the absolute limit counted from login.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            auth_at = request.session.get(AUTH_AT_KEY)
            limit = settings.TSUNAGU_ABSOLUTE_TIMEOUT_HOURS * 3600
            if auth_at is None or time.time() - float(auth_at) > limit:
                session_end_by_policy(request=request, reason="absolute_timeout")
                owner_id = user.pk
                logout(request)
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"detail": "セッションの有効期限が切れました。"}, status=401)
                messages.warning(
                    request,
                    "ログインから一定時間が経過したため、安全のためログアウトしました。再度ログインしてください。",
                )
                _keep_typed_input(request, owner_id=owner_id)
                return redirect(f"{reverse('account_login')}?next={request.path}")
        elif request.COOKIES.get(settings.SESSION_COOKIE_NAME) and request.session.session_key is None:
            if not request.path_info.startswith(("/static/", "/api/")):
                owner_id = _expired_session_user_id(request)
                messages.warning(
                    request,
                    "一定時間操作がなかったため、セッションの有効期限が切れました。再度ログインしてください。",
                )
                _keep_typed_input(request, owner_id=owner_id)
        return self.get_response(request)


_DRAFT_EXEMPT_PREFIXES = ("/accounts/", "/api/", "/static/")


def _keep_typed_input(request: HttpRequest, *, owner_id: object) -> None:
    """A form posted after the session expired: keep what was typed (core/drafts.py) for after login."""
    if request.method != "POST" or request.path_info.startswith(_DRAFT_EXEMPT_PREFIXES):
        return
    from tsunagu.core.drafts import draft_keep

    draft_keep(request, owner_id=owner_id)
    messages.info(
        request,
        "セッションの有効期限が切れたため、入力内容を一時保存しました。ログインすると同じ画面に復元されます。",
    )


def _expired_session_user_id(request: HttpRequest) -> str | None:
    """Whose session has just expired: its row stays in the session table until clearsessions."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    model = getattr(request.session, "model", None)  # database-backed session engines
    if not key or model is None:
        return None
    row = model.objects.filter(session_key=key).first()
    if row is None:
        return None
    return request.session.decode(row.session_data).get("_auth_user_id")


class MfaRequiredMiddleware:
    """Every staff account must have TOTP. Until it does, only the TOTP set-up page is reachable;
    then an account still on a temporary password reaches only the password change."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        path = request.path_info
        if not is_mfa_enabled(user):
            if path.startswith(_MFA_SETUP_ALLOWED_PREFIXES):
                return self.get_response(request)
            if path.startswith("/api/"):
                return JsonResponse({"detail": "多要素認証（TOTP）の設定が必要です。"}, status=403)
            messages.info(
                request,
                "多要素認証（TOTP）の設定が必要です。認証アプリでQRコードを読み取り、表示されたコードを入力してください。",
            )
            return redirect("mfa_activate_totp")
        if getattr(user, "must_change_password", False) and not path.startswith(
            _PASSWORD_CHANGE_ALLOWED_PREFIXES
        ):
            # A temporary password (setup_site, 職員の登録, 認証情報のリセット): replaced first.
            if path.startswith("/api/"):
                return JsonResponse({"detail": "仮パスワードの変更が必要です。"}, status=403)
            messages.info(request, "仮パスワードでログインしています。新しいパスワードに変更してください。")
            return redirect("account_change_password")
        return self.get_response(request)
