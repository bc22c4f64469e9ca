"""Data migration: the 新宿区 and 蓮田市 基準額表 (only where the municipality exists) and the
national 求職活動等要件. The rows are written here as literals (a migration is frozen history and
imports no app code); ``tsunagu.programs.seed`` holds the same rows for the demo loader and the
tests, which create the municipalities after the migrations have run."""

from datetime import date

from django.db import migrations

EFFECTIVE_FROM = date(2023, 4, 1)

# municipality code → [(household size, 基準額, 家賃上限, 資産上限, 出典)]
RULE_ROWS = {
    "131041": [
        (
            1,
            84000,
            53700,
            504000,
            "生活困窮者自立支援法施行規則（住居確保給付金）、東京都特別区（1級地-1）の基準額・住宅扶助基準額: "
            "基準額84,000円、家賃上限53,700円、資産上限504,000円、収入基準額137,700円（台東区の案内 2025年4月）",
        ),
        (
            2,
            130000,
            64000,
            780000,
            "生活困窮者自立支援法施行規則（住居確保給付金）、東京都特別区（1級地-1）の基準額・住宅扶助基準額: "
            "基準額130,000円、家賃上限64,000円、資産上限780,000円、収入基準額194,000円",
        ),
        (
            3,
            172000,
            69800,
            1000000,
            "生活困窮者自立支援法施行規則（住居確保給付金）、東京都特別区（1級地-1）の基準額・住宅扶助基準額: "
            "基準額172,000円（要確認）、家賃上限69,800円、資産上限1,000,000円",
        ),
    ],
    "112381": [
        (
            1,
            78000,
            37000,
            468000,
            "蓮田市「住居確保給付金のご案内」（2023年）: 1人 基準額78,000円・資産上限468,000円・家賃上限37,000円",
        ),
        (
            2,
            115000,
            44000,
            690000,
            "蓮田市「住居確保給付金のご案内」（2023年）: 2人 基準額115,000円・資産上限690,000円・家賃上限44,000円",
        ),
        (
            3,
            140000,
            48000,
            840000,
            "蓮田市「住居確保給付金のご案内」（2023年）: 3人 基準額140,000円・資産上限840,000円・家賃上限48,000円",
        ),
        (
            4,
            175000,
            48000,
            1000000,
            "蓮田市「住居確保給付金のご案内」（2023年）: 4人 基準額175,000円・資産上限1,000,000円・家賃上限48,000円",
        ),
    ],
}

# (cause, effective_from, 面談/月, 職業相談・経営相談/月, 応募等, 単位, 出典)
JOB_SEARCH_ROWS = [
    (
        "job_loss",
        "2022-04-26",
        4,
        1,
        1,
        "month",
        "厚生労働省の「当分の間」の緩和（2022-04-26〜）: ハローワーク職業相談 月1回、応募 月1回（中央区の案内 2022年）",
    ),
    (
        "reduced_income",
        "2022-04-26",
        4,
        1,
        1,
        "month",
        "厚生労働省の「当分の間」の緩和（2022-04-26〜）: 経営相談 月1回、収入増加の取組 月1回（中央区の案内 2022年）",
    ),
    (
        "job_loss",
        "2023-04-01",
        4,
        2,
        1,
        "week",
        "通常の要件（2023-04〜）: 自立相談支援機関 月4回、ハローワーク職業相談 月2回、応募 週1回（中央区・文京区の案内 2023年）",
    ),
    (
        "reduced_income",
        "2023-04-01",
        4,
        1,
        1,
        "month",
        "通常の要件（2023-04〜）: 自立相談支援機関 月4回、経営相談 月1回程度、収入増加の取組 月1回（中央区・文京区の案内 2023年）",
    ),
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
