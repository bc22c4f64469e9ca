"""Plans made through the real service, for the tests."""

from __future__ import annotations

from typing import Any

from tsunagu.planning import services
from tsunagu.planning.models import AnnualPlan

PLAN_VALUES = {
    "structure_items": "・主任相談支援員1名、相談支援員2名、就労支援員1名を配置する\n・養成研修を全員が修了する",
    "support_items": "関係機関からの紹介を増やす（福祉事務所・ハローワーク）\n家計改善支援へのつなぎを年10件",
    "community_items": "地域課題の協議会を年2回開く",
    "employment_income_rate_target": "75",
    "notes": "",
}

TARGETS = [
    {"indicator": "new_consultations", "annual_count": 12, "rate_percent": None},
    {"indicator": "plans_created", "annual_count": 6, "rate_percent": "50"},
    {"indicator": "employed", "annual_count": 4, "rate_percent": None},
]


def make_plan(actor: Any, *, fiscal_year: int = 2025, agency: Any = None, **overrides: Any) -> AnnualPlan:
    return services.annual_plan_create(
        actor=actor,
        agency=agency or actor.agency,
        fiscal_year=fiscal_year,
        values=PLAN_VALUES | overrides,
        targets=TARGETS,
    )
