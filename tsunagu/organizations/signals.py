"""Login events → audit rows and session bookkeeping."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed
from allauth.mfa import signals as mfa_signals
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction

from . import services
from .auth import record_mfa_failure


@receiver(user_logged_in)
def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        services.session_start(request=request, user=user)


@receiver(password_changed)
def _on_password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.staff_password_changed(user=user)


@receiver(user_logged_out)
def _on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        services.session_end(request=request, user=user)


def _account_named(login: str) -> Any:
    """The account a failed login was aimed at, if it exists: its row then carries the account's
    agency/municipality, so that centre's privacy officer sees the failures and the lockout."""
    from .models import User

    matches = list(User.objects.filter(username__iexact=login.strip())[:2]) if login.strip() else []
    return matches[0] if len(matches) == 1 else None


@receiver(user_login_failed)
def _on_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    login = str(credentials.get("login") or credentials.get("username") or "")[:150]
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILURE,
        obj=_account_named(login),
        details={"login": login, "stage": "password"},
    )


@receiver(mfa_signals.authentication_failed)
def _on_mfa_failed(
    sender: Any, request: Any = None, user: Any = None, reauthentication: bool = False, **kwargs: Any
) -> None:
    audit_record(
        actor=None,
        action=AuditAction.LOGIN_FAILURE,
        obj=user,
        details={"login": getattr(user, "username", ""), "stage": "mfa"},
    )
    if request is not None and user is not None and not reauthentication:
        record_mfa_failure(request, user.username)


@receiver(user_locked_out)
def _on_locked_out(sender: Any, request: Any = None, username: str | None = None, **kwargs: Any) -> None:
    login = str(username or "")[:150]
    audit_record(actor=None, action=AuditAction.LOCKOUT, obj=_account_named(login), details={"login": login})


@receiver(mfa_signals.authenticator_added)
@receiver(mfa_signals.authenticator_removed)
@receiver(mfa_signals.authenticator_reset)
def _on_mfa_change(
    sender: Any, request: Any = None, user: Any = None, authenticator: Any = None, **kwargs: Any
) -> None:
    audit_record(
        actor=user,
        action=AuditAction.MFA_CHANGE,
        obj=user,
        details={"authenticator": getattr(authenticator, "type", "")},
    )
