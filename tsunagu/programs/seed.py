"""Seed rows for the 住居確保給付金 rule tables (基準額表 and the national 求職活動等要件).

Used by the data migration (with the historical models) and by ``seed_housing_benefit_demo()``,
which the demo loader and the tests call because they create the municipalities after the
migrations have run. Idempotent: a row is added only when no row exists for its key and date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

# The date the seeded tables are recorded as in force from. The figures are those of the sources
# dated 2023 (蓮田市) and 2025-04 (台東区, Tokyo 23 wards); 2023-04-01 is also when the normal
# 求職活動等要件 came back. Figures in force earlier can be added as rows with earlier dates.
SEED_EFFECTIVE_FROM = date(2023, 4, 1)

_TOKYO = "生活困窮者自立支援法施行規則（住居確保給付金）、東京都特別区（1級地-1）の基準額・住宅扶助基準額"
_HASUDA = "蓮田市「住居確保給付金のご案内」（2023年）"

# municipality code → [(household size, 基準額, 家賃上限, 資産上限, source)]
RULE_ROWS: dict[str, list[tuple[int, int, int, int, str]]] = {
    "131041": [  # 新宿区 (Tokyo 23 wards)
        (
            1,
            84_000,
            53_700,
            504_000,
            f"{_TOKYO}: 基準額84,000円、家賃上限53,700円、資産上限504,000円、収入基準額137,700円（台東区の案内 2025年4月）",
        ),
        (
            2,
            130_000,
            64_000,
            780_000,
            f"{_TOKYO}: 基準額130,000円、家賃上限64,000円、資産上限780,000円、収入基準額194,000円",
        ),
        (
            3,
            172_000,
            69_800,
            1_000_000,
            f"{_TOKYO}: 基準額172,000円（要確認）、家賃上限69,800円、資産上限1,000,000円",
        ),
    ],
    "112381": [  # 蓮田市
        (1, 78_000, 37_000, 468_000, f"{_HASUDA}: 1人 基準額78,000円・資産上限468,000円・家賃上限37,000円"),
        (2, 115_000, 44_000, 690_000, f"{_HASUDA}: 2人 基準額115,000円・資産上限690,000円・家賃上限44,000円"),
        (3, 140_000, 48_000, 840_000, f"{_HASUDA}: 3人 基準額140,000円・資産上限840,000円・家賃上限48,000円"),
        (
            4,
            175_000,
            48_000,
            1_000_000,
            f"{_HASUDA}: 4人 基準額175,000円・資産上限1,000,000円・家賃上限48,000円",
        ),
    ],
}

# 求職活動等要件, national standard (municipality empty).
# (cause, effective_from, centre ≥/month, HW or 経営相談 ≥/month, applications ≥, per, source)
JOB_SEARCH_ROWS: list[tuple[str, date, int, int, int, str, str]] = [
    (
        "job_loss",
        date(2022, 4, 26),
        4,
        1,
        1,
        "month",
        "厚生労働省の「当分の間」の緩和（2022-04-26〜）: ハローワーク職業相談 月1回、応募 月1回（中央区の案内 2022年）",
    ),
    (
        "reduced_income",
        date(2022, 4, 26),
        4,
        1,
        1,
        "month",
        "厚生労働省の「当分の間」の緩和（2022-04-26〜）: 経営相談 月1回、収入増加の取組 月1回（中央区の案内 2022年）",
    ),
    (
        "job_loss",
        date(2023, 4, 1),
        4,
        2,
        1,
        "week",
        "通常の要件（2023-04〜）: 自立相談支援機関 月4回、ハローワーク職業相談 月2回、応募 週1回（中央区・文京区の案内 2023年）",
    ),
    (
        "reduced_income",
        date(2023, 4, 1),
        4,
        1,
        1,
        "month",
        "通常の要件（2023-04〜）: 自立相談支援機関 月4回、経営相談 月1回程度、収入増加の取組 月1回（中央区・文京区の案内 2023年）",
    ),
]


def seed_rules(*, rule_model: Any, job_model: Any, municipality_model: Any) -> dict[str, int]:
    """Add the seed rows that are missing. Returns how many rows were added per table."""
    added = {"rules": 0, "job_search": 0}
    for code, rows in RULE_ROWS.items():
        municipality = municipality_model.objects.filter(code=code).first()
        if municipality is None:
            continue
        for size, base, cap, assets, source in rows:
            exists = rule_model.objects.filter(
                municipality=municipality, household_size=size, effective_from=SEED_EFFECTIVE_FROM
            ).exists()
            if exists:
                continue
            rule_model.objects.create(
                municipality=municipality,
                household_size=size,
                effective_from=SEED_EFFECTIVE_FROM,
                revision=1,
                base_amount=base,
                rent_cap=cap,
                asset_limit=assets,
                source=source,
                note="初期データ",
            )
            added["rules"] += 1
    for cause, since, centre, counselling, applications, per, source in JOB_SEARCH_ROWS:
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
        added["job_search"] += 1
    return added


def seed_housing_benefit_demo() -> dict[str, int]:
    """Seed 新宿区 and 蓮田市 tables and the national 求職活動等要件 (after the demo municipalities exist)."""
    from tsunagu.organizations.models import Municipality

    from .models import HousingBenefitRuleTable, JobSearchRequirement

    return seed_rules(
        rule_model=HousingBenefitRuleTable, job_model=JobSearchRequirement, municipality_model=Municipality
    )
