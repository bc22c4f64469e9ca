"""Authentication backend: allauth's, plus the rule that demo accounts never work in production."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings


def _demo_refused(user: Any) -> bool:
    return bool(getattr(user, "is_demo", False)) and not settings.TSUNAGU_ALLOW_DEMO_ACCOUNTS


class StaffAuthenticationBackend(AuthenticationBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        # Also consulted for every request (get_user): a demo session ends once demo accounts are off.
        if _demo_refused(user):
            return False
        return super().user_can_authenticate(user)

    def _check_password(self, user: Any, password: str) -> Any:
        # allauth "stashes" a user whose password matched but who may not authenticate, and then
        # carries on with that user (meant for the inactive-account page). For a refused demo
        # account that would log it in regardless, so it is answered like a wrong password.
        if user is not None and _demo_refused(user):
            self._did_check_password = True
            user.check_password(password)  # same cost as any other attempt
            return None
        return super()._check_password(user, password)


def lockout_key(username: str | None) -> str:
    """The per-account key of the login lockout: allauth matches usernames case-insensitively,
    so "Shinjuku-Soudan" and "shinjuku-soudan" must count against the same account."""
    return (username or "").strip().lower()


def axes_username(request: Any, credentials: dict[str, Any] | None = None) -> str:
    """AXES_USERNAME_CALLABLE. allauth authenticates with ``username=…`` while the form field
    (and axes' own bookkeeping) says ``login``; without this, failures were never counted."""
    if credentials:
        value = credentials.get("login") or credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("login") or data.get("username")
    return lockout_key(str(value) if value is not None else "")


LOCKED_OUT = (
    "ログインに続けて失敗したため、このアカウントは一時的にロックされています。"
    "センター長にロック解除を依頼してください（1時間後にも自動で解除されます）。"
)


def locked_out_keys(usernames: list[str]) -> set[str]:
    """The lockout keys among ``usernames`` that are locked now, decided as axes decides: the
    failures of every (address, browser) row of the account within the cool-off time, summed,
    reach AXES_FAILURE_LIMIT (guessing from many addresses counts against the one account)."""
    from axes.models import AccessAttempt
    from django.db.models import Sum
    from django.utils import timezone

    keys = {lockout_key(u) for u in usernames}
    attempts = AccessAttempt.objects.filter(username__in=list(keys))
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    totals = attempts.values("username").annotate(failures=Sum("failures_since_start"))
    return {row["username"] for row in totals if row["failures"] >= settings.AXES_FAILURE_LIMIT}


def is_locked_out(username: str) -> bool:
    """True while the account is locked out (wrong passwords or wrong TOTP codes)."""
    return bool(locked_out_keys([username]))


def record_mfa_failure(request: Any, username: str) -> None:
    """A wrong TOTP (or recovery) code at login counts like a wrong password: the same axes
    counter, threshold, cool-off and unlock (センター長の「ロック解除」). At the limit axes sends
    ``user_locked_out``, which writes the LOCKOUT audit row (signals.py)."""
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.user_login_failed(
        sender=record_mfa_failure, credentials={"login": username}, request=request
    )
