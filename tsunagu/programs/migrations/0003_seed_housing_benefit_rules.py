"""Data migration: the 新宿区 and 蓮田市 基準額表 (only where the municipality exists) and the
national 求職活動等要件. The rows are written here as literals (a migration is frozen history and
imports no app code); ``tsunagu.programs.seed`` holds the same rows for the demo loader and the
tests, which create the municipalities after the migrations have run."""

from datetime import date

from django.db import migrations

EFFECTIVE_FROM = date(2023, 4, 1)

# 出典: the public page the figures can be checked on, by name only.
TOKYO = "台東区ホームページ「住居確保給付金」（特別区の基準）"
HASUDA = "蓮田市「住居確保給付金のご案内」"
RELAXED = "中央区ホームページ「住居確保給付金」（求職活動等要件の緩和）"
NORMAL = "中央区・文京区ホームページ「住居確保給付金」"

# municipality code → [(household size, 基準額, 家賃上限, 資産上限, 出典)]
RULE_ROWS = {
    "131041": [
        (1, 84000, 53700, 504000, TOKYO),
        (2, 130000, 64000, 780000, TOKYO),
        (3, 172000, 69800, 1000000, TOKYO),
    ],
    "112381": [
        (1, 78000, 37000, 468000, HASUDA),
        (2, 115000, 44000, 690000, HASUDA),
        (3, 140000, 48000, 840000, HASUDA),
        (4, 175000, 48000, 1000000, HASUDA),
    ],
}

# (cause, effective_from, 面談/月, 職業相談・経営相談/月, 応募等, 単位, 出典)
JOB_SEARCH_ROWS = [
    ("job_loss", "2022-04-26", 4, 1, 1, "month", RELAXED),
    ("reduced_income", "2022-04-26", 4, 1, 1, "month", RELAXED),
    ("job_loss", "2023-04-01", 4, 2, 1, "week", NORMAL),
    ("reduced_income", "2023-04-01", 4, 1, 1, "month", NORMAL),
]


def seed(apps, schema_editor):
    rule_model = apps.get_model("programs", "HousingBenefitRuleTable")
    job_model = apps.get_model("programs", "JobSearchRequirement")
    municipality_model = apps.get_model("organizations", "Municipality")
    for code, rows in RULE_ROWS.items():
        municipality = municipality_model.objects.filter(code=code).first()
        if municipality is None:
            continue
        for size, base, cap, assets, source in rows:
            if rule_model.objects.filter(
                municipality=municipality, household_size=size, effective_from=EFFECTIVE_FROM
            ).exists():
                continue
            rule_model.objects.create(
                municipality=municipality,
                household_size=size,
                effective_from=EFFECTIVE_FROM,
                revision=1,
                base_amount=base,
                rent_cap=cap,
                asset_limit=assets,
                source=source,
                note="初期データ",
            )
    for cause, since, centre, counselling, applications, per, source in JOB_SEARCH_ROWS:
        since = date.fromisoformat(since)
        if job_model.objects.filter(municipality__isnull=True, cause=cause, effective_from=since).exists():
            continue
        job_model.objects.create(
            municipality=None,
            cause=cause,
            effective_from=since,
            revision=1,
            centre_consultations_min=centre,
            counselling_min=counselling,
            applications_min=applications,
            applications_per=per,
            source=source,
            note="初期データ",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0002_payment_guard_and_rule_tables_append_only"),
        ("organizations", "0001_initial"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
