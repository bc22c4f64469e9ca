"""On SQLite the rule tables refuse DELETE as well as UPDATE, as on PostgreSQL (0002 refused only
UPDATE there because the test runner's flush deleted rows; the test suite's own SQLite backend now
keeps the triggers across its flush, docs/audit.md)."""

from django.db import migrations

MESSAGE = "基準の表は変更・削除できません (append-only)"

SQLITE_CREATE = [
    f"""
CREATE TRIGGER IF NOT EXISTS programs_hb_rule_no_delete
BEFORE DELETE ON programs_housingbenefitruletable
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
""",
    f"""
CREATE TRIGGER IF NOT EXISTS programs_jobsearch_no_delete
BEFORE DELETE ON programs_jobsearchrequirement
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS programs_hb_rule_no_delete;",
    "DROP TRIGGER IF EXISTS programs_jobsearch_no_delete;",
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
    dependencies = [("programs", "0005_statistics_indexes")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
