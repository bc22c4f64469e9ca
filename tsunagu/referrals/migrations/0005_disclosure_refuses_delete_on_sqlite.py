"""On SQLite the disclosure register refuses DELETE as well as UPDATE, as on PostgreSQL (the test
suite's own SQLite backend keeps the triggers across its flush, docs/audit.md)."""

from django.db import migrations

MESSAGE = "第三者提供の記録は変更・削除できません (referrals_disclosure is append-only)"

SQLITE_CREATE = f"""
CREATE TRIGGER IF NOT EXISTS referrals_disclosure_no_delete
BEFORE DELETE ON referrals_disclosure
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""

SQLITE_DROP = "DROP TRIGGER IF EXISTS referrals_disclosure_no_delete;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0004_disclosure_append_only_emergency")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
