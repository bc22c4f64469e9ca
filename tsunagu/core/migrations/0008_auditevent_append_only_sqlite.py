"""On SQLite too, the database itself refuses UPDATE and DELETE on audit rows (as on PostgreSQL,
``0003_auditevent_append_only_trigger``). The test suite's flush is handled by its own backend
(``tsunagu/core/backends/sqlite_flushable``), never by weakening these triggers (docs/audit.md).

A later migration that alters ``core_auditevent`` on SQLite rebuilds the table, which drops its
triggers: such a migration must run ``SQLITE_CREATE`` again.
"""

from django.db import migrations

MESSAGE = "監査ログは変更・削除できません (core_auditevent is append-only)"

SQLITE_CREATE = [
    f"""
CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update
BEFORE UPDATE ON core_auditevent
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
""",
    f"""
CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete
BEFORE DELETE ON core_auditevent
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete;",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_idempotency_key")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
