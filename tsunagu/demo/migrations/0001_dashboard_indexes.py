"""Indexes found by the benchmark (docs/performance.md, O3 — the caseworker's dashboard at tier M).

Only ``RunSQL`` (no model state): the indexes belong to ``cases`` and should move to
``Case.Meta.indexes`` / ``SupportPlan.Meta.indexes`` when that app next changes its models — the
statements and names are the ones ``models.Index`` would produce, so the move is a state-only
migration there and a ``SeparateDatabaseAndState`` no-op here. Same SQL on PostgreSQL and SQLite.

- ``plan_decided_end``: plans in force by end date (「14日以内にプラン期間が終わるケース」); before, the
  panel's count walked every active plan of the database through ``plan_one_active_per_case``.
- ``case_worker_totals``: one worker's cases with the columns the dashboard's totals count
  (state, emergency, last contact, and the id it counts), so the aggregate is an index-only scan instead of a bitmap
  AND of the worker and agency indexes plus a heap visit per case.
"""

from django.db import migrations

INDEXES = (
    (
        "plan_decided_end",
        'CREATE INDEX IF NOT EXISTS "plan_decided_end" ON "cases_supportplan" ("end_date") '
        "WHERE \"status\" = 'decided'",
    ),
    (
        "case_worker_totals",
        'CREATE INDEX IF NOT EXISTS "case_worker_totals" ON "cases_case" '
        '("assigned_worker_id", "agency_id", "state", "is_emergency", "last_contact_on", "id")',
    ),
)


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_employment_target_and_outcomes")]

    operations = [
        migrations.RunSQL(sql=create, reverse_sql=f'DROP INDEX IF EXISTS "{name}"', elidable=False)
        for name, create in INDEXES
    ]
