"""Writes on organisations and staff accounts. Each runs in one transaction with its audit row."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction

from . import guards
from .auth import locked_out_keys, lockout_key
from .models import Agency, Municipality, StaffRole, StaffSession, User
from .roles import MUNICIPAL_ROLES, Permission, Role

# When the session's login happened (epoch seconds): the absolute timeout counts from it.
AUTH_AT_KEY = "tsunagu_auth_at"


def _require_manager_of(actor: User | None, user: User) -> None:
    """センター長 of the account's own agency (or municipality). ``actor=None``: set-up commands."""
    if actor is None:
        return
    guards.require(actor, Permission.STAFF_MANAGE)
    if actor.agency_id:
        guards.require_agency_of(actor, user, target=user.username)
    else:
        guards.require_municipality_of(actor, user, target=user.username)


def staff_create(
    *,
    actor: User | None,
    username: str,
    display_name: str,
    roles: Iterable[Role | str],
    agency: Agency | None = None,
    municipality: Municipality | None = None,
    password: str | None = None,
    display_name_kana: str = "",
    is_demo: bool = False,
) -> User:
    """Create a staff account with its roles. ``actor=None`` only for set-up commands."""
    role_values = sorted({Role(r).value for r in roles})
    if not role_values:
        raise ValidationError({"roles": "ロールを1つ以上選んでください。"})
    municipal = {r for r in role_values if r in {m.value for m in MUNICIPAL_ROLES}}
    if municipal and (agency is not None or municipality is None):
        raise ValidationError(
            {"municipality": "自治体担当者は自治体に所属させてください（機関ではありません）。"}
        )
    if not municipal and Role.AUDITOR.value not in role_values and agency is None:
        raise ValidationError({"agency": "所属機関を選んでください。"})
    if actor is not None:
        guards.require(actor, Permission.STAFF_MANAGE)
        if agency is not None:
            guards.require_agency_of(actor, agency.pk, message="他機関の職員は登録できません。")
    if User.objects.filter(username__iexact=username).exists():
        # Login matches usernames case-insensitively: "Sato" beside "sato" would lock both out.
        raise ValidationError({"username": "このユーザー名は既に使われています。"})
    with transaction.atomic():
        user = User(
            username=username,
            display_name=display_name,
            display_name_kana=display_name_kana,
            agency=agency,
            municipality=municipality,
            is_demo=is_demo,
        )
        if password:
            from django.contrib.auth.password_validation import validate_password

            if not is_demo:
                validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean()
        try:
            user.save()
        except IntegrityError as exc:
            raise ValidationError({"username": "このユーザー名は既に使われています。"}) from exc
        StaffRole.objects.bulk_create([StaffRole(user=user, role=r) for r in role_values])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=user,
            details={"username": username, "roles": role_values},
        )
    return user


def _end_sessions(user: User) -> int:
    keys = list(StaffSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    StaffSession.objects.filter(user=user).delete()
    return len(keys)


def staff_disable(*, actor: User | None, user: User, reason: str = "") -> User:
    """利用停止: the account can no longer log in and all its sessions end at once."""
    _require_manager_of(actor, user)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        ended = _end_sessions(user)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=user,
            details={"change": "disabled", "reason": reason, "sessions_ended": ended},
        )
    return user


def staff_enable(*, actor: User | None, user: User) -> User:
    _require_manager_of(actor, user)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=user, details={"change": "enabled"})
    return user


def staff_unlock(*, actor: User | None, user: User) -> int:
    """ロック解除 after repeated login failures."""
    _require_manager_of(actor, user)
    with transaction.atomic():
        count = AccessAttempt.objects.filter(username=lockout_key(user.username)).count()
        AxesProxyHandler.reset_attempts(username=lockout_key(user.username))
        audit_record(actor=actor, action=AuditAction.UNLOCK, obj=user, details={"attempts_cleared": count})
    return count


def staff_reset_credentials(*, actor: User | None, user: User) -> str:
    """パスワードと多要素認証のリセット (lost password or authenticator device).

    Sets a temporary password (returned once, never stored in clear), removes the account's TOTP
    and recovery codes so it must enrol again at its next login, clears a lockout and ends every
    session of the account. Only the センター長 of the same agency/municipality; never oneself.
    """
    from allauth.mfa.models import Authenticator
    from django.utils.crypto import get_random_string

    _require_manager_of(actor, user)
    if actor is not None and actor.pk == user.pk:
        guards.deny(
            actor,
            permission=Permission.STAFF_MANAGE,
            reason="self",
            message="自分自身の認証情報はこの画面からリセットできません。",
            obj=user,
        )
    temporary = get_random_string(14, "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    with transaction.atomic():
        user.set_password(temporary)
        user.save(update_fields=["password"])
        removed = Authenticator.objects.filter(user=user).delete()[0]
        AxesProxyHandler.reset_attempts(username=lockout_key(user.username))
        ended = _end_sessions(user)
        audit_record(
            actor=actor,
            action=AuditAction.MFA_CHANGE,
            obj=user,
            details={
                "change": "credentials_reset",
                "authenticators_removed": removed,
                "sessions_ended": ended,
            },
        )
    return temporary


def staff_is_locked(user: User) -> bool:
    return bool(locked_out_keys([user.username]))


def session_start(*, request: HttpRequest, user: User) -> None:
    """Called on login: remember the session server-side and when it began."""
    request.session[AUTH_AT_KEY] = time.time()
    if request.session.session_key is None:
        request.session.save()
    with transaction.atomic():
        StaffSession.objects.update_or_create(
            session_key=request.session.session_key,
            defaults={
                "user": user,
                "ip": request.META.get("REMOTE_ADDR"),
                "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            },
        )
        audit_record(actor=user, action=AuditAction.LOGIN_SUCCESS, obj=user)


def session_end(*, request: HttpRequest, user: User | None) -> None:
    """Called on logout: the session row goes with it (Django flushes the session itself)."""
    with transaction.atomic():
        if request.session.session_key:
            StaffSession.objects.filter(session_key=request.session.session_key).delete()
        if user is not None and getattr(user, "is_authenticated", False):
            audit_record(actor=user, action=AuditAction.LOGOUT, obj=user)


def session_end_by_policy(*, request: HttpRequest, reason: str) -> None:
    user: Any = request.user
    with transaction.atomic():
        if request.session.session_key:
            StaffSession.objects.filter(session_key=request.session.session_key).delete()
        audit_record(actor=user, action=AuditAction.SESSION_ENDED, obj=user, details={"reason": reason})


def staff_locked_usernames(usernames: list[str]) -> set[str]:
    """The subset of ``usernames`` whose accounts are locked out (as spelled in ``usernames``)."""
    locked = locked_out_keys(usernames)
    return {u for u in usernames if lockout_key(u) in locked}
