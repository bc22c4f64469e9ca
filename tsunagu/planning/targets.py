"""What a plan may set a target for: the indicators of the indicator engine, defined there once.

Every indicator may have an annual count as its target. Some also have a *base* (分母), so that the
plan can say "プラン作成件数 120件、新規相談の40%" (図表Ⅷ-1 "…の数（割合）"); the rate's actual is
the indicator's count ÷ the base's count in the same 年度.

``DATE_FIELDS`` names the field that places each indicator's rows in time, so that the month-by-month
cumulative actual of a 年度 is one query per indicator (COUNT DISTINCT … FILTER per month end). A test
keeps it equal to the engine's own counts for the same periods; an indicator missing here falls back
to one ``compute`` per month.
"""

from __future__ import annotations

from tsunagu.statistics.indicators import INDICATORS, INDICATORS_LIST

# indicator → base indicator of its rate target (分母)
RATE_BASES: dict[str, str] = {
    "plans_created": "new_consultations",
    "employment_support_targets": "plans_created",
    "use_household_budget": "plans_created",
    "use_employment_preparation": "plans_created",
    "use_center_employment_support": "plans_created",
    "employed": "plans_created",
    "employed_target": "employment_support_targets",
    "income_increased": "plans_created",
    "income_increased_target": "employment_support_targets",
    "referrals": "new_consultations",
    "closures": "new_consultations",
    "goals_achieved": "goals_evaluated",
    "improved_persons": "evaluated_persons",
}

DATE_FIELDS: dict[str, str] = {
    "new_consultations": "opened_on",
    "plans_created": "decided_on",
    "employment_support_targets": "decided_on",
    "use_housing_benefit": "decided_on",
    "use_temporary_living": "start_on",
    "use_household_budget": "decided_on",
    "use_employment_preparation": "start_on",
    "use_certified_training": "start_on",
    "use_center_employment_support": "decided_on",
    "use_welfare_loan": "applied_on",
    "use_hw_public_assistance_employment": "referred_on",
    "employed": "occurred_on",
    "employed_target": "occurred_on",
    "income_increased": "occurred_on",
    "income_increased_target": "occurred_on",
    "hb_applications": "application_date",
    "hb_awards": "decided_on",
    "hb_extensions": "decided_on",
    "hb_stops": "decided_on",
    "replans": "decided_on",
    "referrals": "referred_on",
    "closures": "closed_on",
    "goals_evaluated": "evaluation__evaluated_on",
    "goals_achieved": "evaluation__evaluated_on",
    "goals_partly_achieved": "evaluation__evaluated_on",
    "goals_not_achieved": "evaluation__evaluated_on",
    "evaluated_persons": "evaluated_on",
    "improved_persons": "evaluated_on",
}

# The 就労・増収率 of the engine's headline rates (creaming.headline_rates), which the plan may target.
EMPLOYMENT_INCOME_RATE = "就労・増収率"


def targetable_codes() -> list[str]:
    """Every indicator of the engine, in the engine's order."""
    return [i.code for i in INDICATORS_LIST]


def indicator_name(code: str) -> str:
    ind = INDICATORS.get(code)
    return ind.name_ja if ind is not None else code


def rate_base(code: str) -> str | None:
    base = RATE_BASES.get(code)
    return base if base in INDICATORS else None
