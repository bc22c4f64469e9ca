"""Database guards the services also check, so that no other path can break them.

- A payment needs a 支給決定 of the same application, and its month number may not be past the
  months awarded (at most 9, by the check constraints): trigger on PostgreSQL and on SQLite.
- Rule rows (基準額表, 求職活動等要件) are never changed in place: UPDATE is refused (PostgreSQL
  also refuses DELETE; on SQLite the test runner's flush deletes rows, so only UPDATE is refused).
"""

from django.db import migrations

PAYMENT_MESSAGE = "支給決定のない支給、または支給決定した期間（通算9か月まで）を超える支給は記録できません"
RULE_MESSAGE = "基準の表は変更・削除できません。新しい版を追加してください"

PAYMENT_CONDITION = """
    SELECT 1 FROM programs_housingbenefitdecision d
    JOIN programs_housingbenefitapplication a ON a.id = d.application_id
    WHERE d.id = NEW.decision_id AND d.application_id = NEW.application_id
      AND d.outcome = 'award' AND NEW.month_number >= 1 AND NEW.month_number <= a.months_awarded
"""

PG_CREATE = f"""
CREATE OR REPLACE FUNCTION programs_hb_payment_guard() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS ({PAYMENT_CONDITION}) THEN
        RAISE EXCEPTION '{PAYMENT_MESSAGE}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS programs_hb_payment_guard ON programs_housingbenefitpayment;
CREATE TRIGGER programs_hb_payment_guard
    BEFORE INSERT OR UPDATE ON programs_housingbenefitpayment
    FOR EACH ROW EXECUTE FUNCTION programs_hb_payment_guard();

CREATE OR REPLACE FUNCTION programs_rule_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{RULE_MESSAGE}' USING ERRCODE = 'check_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS programs_hb_rule_append_only ON programs_housingbenefitruletable;
CREATE TRIGGER programs_hb_rule_append_only
    BEFORE UPDATE OR DELETE ON programs_housingbenefitruletable
    FOR EACH ROW EXECUTE FUNCTION programs_rule_append_only();
DROP TRIGGER IF EXISTS programs_jobsearch_append_only ON programs_jobsearchrequirement;
CREATE TRIGGER programs_jobsearch_append_only
    BEFORE UPDATE OR DELETE ON programs_jobsearchrequirement
    FOR EACH ROW EXECUTE FUNCTION programs_rule_append_only();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS programs_hb_payment_guard ON programs_housingbenefitpayment;
DROP FUNCTION IF EXISTS programs_hb_payment_guard();
DROP TRIGGER IF EXISTS programs_hb_rule_append_only ON programs_housingbenefitruletable;
DROP TRIGGER IF EXISTS programs_jobsearch_append_only ON programs_jobsearchrequirement;
DROP FUNCTION IF EXISTS programs_rule_append_only();
"""

SQLITE_CREATE = [
    f"""
CREATE TRIGGER IF NOT EXISTS programs_hb_payment_guard_insert
BEFORE INSERT ON programs_housingbenefitpayment
FOR EACH ROW WHEN NOT EXISTS ({PAYMENT_CONDITION})
BEGIN SELECT RAISE(ABORT, '{PAYMENT_MESSAGE}'); END;
""",
    f"""
CREATE TRIGGER IF NOT EXISTS programs_hb_payment_guard_update
BEFORE UPDATE ON programs_housingbenefitpayment
FOR EACH ROW WHEN NOT EXISTS ({PAYMENT_CONDITION})
BEGIN SELECT RAISE(ABORT, '{PAYMENT_MESSAGE}'); END;
""",
    f"""
CREATE TRIGGER IF NOT EXISTS programs_hb_rule_append_only
BEFORE UPDATE ON programs_housingbenefitruletable
BEGIN SELECT RAISE(ABORT, '{RULE_MESSAGE}'); END;
""",
    f"""
CREATE TRIGGER IF NOT EXISTS programs_jobsearch_append_only
BEFORE UPDATE ON programs_jobsearchrequirement
BEGIN SELECT RAISE(ABORT, '{RULE_MESSAGE}'); END;
""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS programs_hb_payment_guard_insert;",
    "DROP TRIGGER IF EXISTS programs_hb_payment_guard_update;",
    "DROP TRIGGER IF EXISTS programs_hb_rule_append_only;",
    "DROP TRIGGER IF EXISTS programs_jobsearch_append_only;",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
