"""Issuing and revoking tokens: audited, shown once, only the SHA-256 hash kept."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tsunagu.api.models import ApiToken
from tsunagu.core.models import AuditAction, AuditEvent


def test_issue_prints_a_token_and_writes_an_audit_event(
    issue_token: Callable[..., str], staff: Callable[[str], Any]
) -> None:
    user = staff("shinjuku-soudan")

    raw = issue_token("shinjuku-soudan", name="統計連携")

    assert raw.startswith("tsg_") and len(raw) > 40
    token = ApiToken.objects.get(user=user)
    assert token.name == "統計連携"
    assert token.prefix == raw[:8]
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_ISSUE)
    assert event.object_type == "apitoken"
    assert event.object_id == str(token.pk)
    assert event.agency_id == user.agency_id
    assert event.details == {"for": "shinjuku-soudan", "name": "統計連携", "via": "command"}
    assert raw not in str(event.details)


def test_only_the_hash_is_stored(issue_token: Callable[..., str]) -> None:
    raw = issue_token("hasuda-shunin")

    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    secret_part = raw[8:]
    with connection.cursor() as cursor:
        for table in (ApiToken._meta.db_table, AuditEvent._meta.db_table):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names from our own models
            dumped = repr(cursor.fetchall())
            assert raw not in dumped
            assert secret_part not in dumped


def test_revoke_by_prefix_writes_an_audit_event(
    issue_token: Callable[..., str], staff: Callable[[str], Any]
) -> None:
    raw = issue_token("shinjuku-jichitai")

    out = StringIO()
    call_command("revoke_api_token", raw[:8], stdout=out)

    token = ApiToken.objects.get()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_REVOKE)
    assert event.object_id == str(token.pk)
    assert event.municipality_id == staff("shinjuku-jichitai").municipality_id
    assert event.details == {"for": "shinjuku-jichitai", "via": "command"}


def test_revoke_by_full_token(issue_token: Callable[..., str]) -> None:
    raw = issue_token("shinjuku-soudan")

    call_command("revoke_api_token", raw, stdout=StringIO())

    assert ApiToken.objects.get().revoked_at is not None


def test_revoking_twice_is_refused(issue_token: Callable[..., str]) -> None:
    raw = issue_token("shinjuku-soudan")
    call_command("revoke_api_token", raw[:8], stdout=StringIO())

    with pytest.raises(CommandError):
        call_command("revoke_api_token", raw[:8], stdout=StringIO())
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKE).count() == 1


def test_issue_refuses_unknown_and_disabled_users(demo: Any, staff: Callable[[str], Any]) -> None:
    with pytest.raises(CommandError, match="存在しません"):
        call_command("issue_api_token", "nobody", stdout=StringIO())

    from tsunagu.organizations.services import staff_disable

    staff_disable(actor=staff("hasuda-center"), user=staff("hasuda-soudan"))
    with pytest.raises(CommandError, match="利用停止"):
        call_command("issue_api_token", "hasuda-soudan", stdout=StringIO())
    assert not ApiToken.objects.exists()
