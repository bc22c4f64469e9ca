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

# 出典: the public page each figure can be checked on, by name only (shown on the rules screen).
# The 特別区 figures are the same in every ward (1級地-1); 台東区 publishes them in one table.
_TOKYO = "台東区ホームページ「住居確保給付金」（特別区の基準）"
_HASUDA = "蓮田市「住居確保給付金のご案内」"
_RELAXED = "中央区ホームページ「住居確保給付金」（求職活動等要件の緩和）"
_NORMAL = "中央区・文京区ホームページ「住居確保給付金」"

# municipality code → [(household size, 基準額, 家賃上限, 資産上限, source)]
RULE_ROWS: dict[str, list[tuple[int, int, int, int, str]]] = {
    "131041": [  # 新宿区 (Tokyo 23 wards)
        (1, 84_000, 53_700, 504_000, _TOKYO),
        (2, 130_000, 64_000, 780_000, _TOKYO),
        (3, 172_000, 69_800, 1_000_000, _TOKYO),
    ],
    "112381": [  # 蓮田市
        (1, 78_000, 37_000, 468_000, _HASUDA),
        (2, 115_000, 44_000, 690_000, _HASUDA),
        (3, 140_000, 48_000, 840_000, _HASUDA),
        (4, 175_000, 48_000, 1_000_000, _HASUDA),
    ],
}

# 求職活動等要件, national standard (municipality empty).
# (cause, effective_from, centre ≥/month, HW or 経営相談 ≥/month, applications ≥, per, source)
JOB_SEARCH_ROWS: list[tuple[str, date, int, int, int, str, str]] = [
    ("job_loss", date(2022, 4, 26), 4, 1, 1, "month", _RELAXED),
    ("reduced_income", date(2022, 4, 26), 4, 1, 1, "month", _RELAXED),
    ("job_loss", date(2023, 4, 1), 4, 2, 1, "week", _NORMAL),
    ("reduced_income", date(2023, 4, 1), 4, 1, 1, "month", _NORMAL),
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
