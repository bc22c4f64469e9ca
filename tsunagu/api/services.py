from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction

from .models import ApiToken, token_hash

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

TOKEN_PREFIX = "tsg_"  # noqa: S105 - a public marker that makes tokens recognisable, not a secret


def api_token_issue(*, actor: User | None, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns the row and the raw token (shown once, never stored)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=raw[:8], token_hash=token_hash(raw))
        audit_record(
            actor=actor or user,
            action=AuditAction.TOKEN_ISSUE,
            obj=token,
            agency_id=user.agency_id,
            municipality_id=user.municipality_id,
            details={"for": user.username, "name": name, **({"via": "command"} if actor is None else {})},
        )
    return token, raw


def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.refresh_from_db()
        audit_record(
            actor=actor or token.user,
            action=AuditAction.TOKEN_REVOKE,
            obj=token,
            agency_id=token.user.agency_id,
            municipality_id=token.user.municipality_id,
            details={"for": token.user.username, **({"via": "command"} if actor is None else {})},
        )
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The active user behind a raw token, or None (unknown, revoked, or account disabled)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    from django.conf import settings

    if token.user.is_demo and not settings.TSUNAGU_ALLOW_DEMO_ACCOUNTS:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
