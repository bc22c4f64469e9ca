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
