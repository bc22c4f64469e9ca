"""The disclosure register is append-only in the database too.

PostgreSQL refuses UPDATE and DELETE on ``referrals_disclosure`` (as on the audit trail). SQLite
refuses UPDATE only: the test runner's flush deletes rows there (as for the rule tables in programs).
"""

from django.db import migrations

MESSAGE = "第三者提供の記録は変更・削除できません (referrals_disclosure is append-only)"

PG_CREATE = f"""
CREATE OR REPLACE FUNCTION referrals_disclosure_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS referrals_disclosure_append_only ON referrals_disclosure;
CREATE TRIGGER referrals_disclosure_append_only
    BEFORE UPDATE OR DELETE ON referrals_disclosure
    FOR EACH ROW EXECUTE FUNCTION referrals_disclosure_append_only();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS referrals_disclosure_append_only ON referrals_disclosure;
DROP FUNCTION IF EXISTS referrals_disclosure_append_only();
"""

SQLITE_CREATE = f"""
CREATE TRIGGER IF NOT EXISTS referrals_disclosure_append_only
BEFORE UPDATE ON referrals_disclosure
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""

SQLITE_DROP = "DROP TRIGGER IF EXISTS referrals_disclosure_append_only;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
