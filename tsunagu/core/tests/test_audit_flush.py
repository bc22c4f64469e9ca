"""The test runner's flush empties the audit table; nothing else can (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction, AuditEvent


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_auditevent'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditevent'::regclass AND NOT tgisinternal"
            )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_table_and_keeps_its_triggers() -> None:
    before = _triggers()
    assert before
    audit_record(
        actor=None, action=AuditAction.VIEW, object_type="person", object_id=1, details={"login": "t"}
    )
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    assert _triggers() == before
    row = audit_record(actor=None, action=AuditAction.VIEW, object_type="person", object_id=2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [row.pk])
    assert AuditEvent.objects.filter(pk=row.pk).exists()


def test_the_flushable_backend_is_the_test_settings_only(settings: Any) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    assert engine in {"tsunagu.core.backends.sqlite_flushable", "django.db.backends.postgresql"}
