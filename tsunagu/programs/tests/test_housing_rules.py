"""The pure calculation: the amount formula and limits (property-based), each requirement and each boundary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.programs import housing_rules as hr

TOKYO_1 = hr.Rules(base_amount=84_000, rent_cap=53_700, asset_limit=504_000)
TOKYO_2 = hr.Rules(base_amount=130_000, rent_cap=64_000, asset_limit=780_000)
HASUDA_4 = hr.Rules(base_amount=175_000, rent_cap=48_000, asset_limit=1_000_000)

yen = st.integers(min_value=0, max_value=2_000_000)
positive_yen = st.integers(min_value=1, max_value=500_000)


@st.composite
def rules(draw: st.DrawFn) -> hr.Rules:
    base = draw(st.integers(min_value=1, max_value=400_000))
    cap = draw(st.integers(min_value=1, max_value=200_000))
    return hr.Rules(base_amount=base, rent_cap=cap, asset_limit=hr.asset_limit_for(base))


def inp(**overrides: object) -> hr.AssessmentInput:
    base = hr.AssessmentInput(
        application_date=date(2025, 4, 10),
        type=hr.BenefitType.RENT,
        cause=hr.Cause.JOB_LOSS,
        job_loss_date=date(2025, 2, 28),
        is_main_earner=True,
        household_size=1,
        household_monthly_income=60_000,
        household_financial_assets=200_000,
        monthly_rent=50_000,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def relocation(**overrides: object) -> hr.AssessmentInput:
    values: dict[str, object] = {
        "type": hr.BenefitType.RELOCATION,
        "cause": hr.Cause.REDUCED_INCOME,
        "job_loss_date": None,
        "income_drop_date": date(2025, 1, 15),
        "supported_by_household_budget_program": True,
        "relocation_costs": 120_000,
    }
    values.update(overrides)
    return inp(**values)


def status(result: hr.AssessmentResult, code: str) -> hr.Status:
    return result.requirement(code).status


# --- Properties of the formula and limits ------------------------------------------------------


@given(income=yen, rent=positive_yen, r=rules())
def test_amount_is_between_zero_and_the_rent_cap_and_never_more_than_the_rent(
    income: int, rent: int, r: hr.Rules
) -> None:
    amount = hr.monthly_amount(income=income, rent=rent, rules=r)
    assert isinstance(amount, int)
    assert 0 <= amount <= r.rent_cap
    assert amount <= rent


@given(income=yen, rent=positive_yen, r=rules())
def test_amount_follows_the_formula_in_force_since_2020_07_03(income: int, rent: int, r: hr.Rules) -> None:
    amount = hr.monthly_amount(income=income, rent=rent, rules=r, on=date(2025, 4, 1))
    if income <= r.base_amount:
        assert amount == min(rent, r.rent_cap)
    else:
        assert amount == max(0, min(r.base_amount + rent - income, r.rent_cap))


@given(income=yen, extra=st.integers(min_value=0, max_value=100_000), rent=positive_yen, r=rules())
def test_more_income_never_raises_the_amount(income: int, extra: int, rent: int, r: hr.Rules) -> None:
    assert hr.monthly_amount(income=income + extra, rent=rent, rules=r) <= hr.monthly_amount(
        income=income, rent=rent, rules=r
    )


@given(income=yen, rent=positive_yen, extra=st.integers(min_value=0, max_value=100_000), r=rules())
def test_higher_rent_never_lowers_the_amount(income: int, rent: int, extra: int, r: hr.Rules) -> None:
    assert hr.monthly_amount(income=income, rent=rent + extra, rules=r) >= hr.monthly_amount(
        income=income, rent=rent, rules=r
    )


@given(income=yen, rent=positive_yen, r=rules())
def test_current_formula_never_pays_less_than_the_one_before_2020_07_03(
    income: int, rent: int, r: hr.Rules
) -> None:
    old = hr.monthly_amount(income=income, rent=rent, rules=r, on=date(2020, 7, 2))
    new = hr.monthly_amount(income=income, rent=rent, rules=r, on=date(2020, 7, 3))
    assert new >= old


@given(base=st.integers(min_value=1, max_value=1_000_000))
def test_asset_limit_is_six_times_the_base_amount_and_never_above_one_million(base: int) -> None:
    limit = hr.asset_limit_for(base)
    assert limit <= hr.ASSET_LIMIT_CEILING
    assert limit <= base * 6
    assert limit in (base * 6, 1_000_000)


@given(rent=positive_yen, r=rules())
def test_income_limit_is_base_plus_the_rent_capped_at_the_housing_aid_amount(rent: int, r: hr.Rules) -> None:
    limit = hr.income_limit(rules=r, rent=rent)
    assert limit == r.base_amount + min(rent, r.rent_cap)
    assert r.base_amount < limit <= r.base_amount + r.rent_cap


@given(costs=yen, r=rules())
def test_relocation_amount_is_capped_at_three_times_the_rent_cap(costs: int, r: hr.Rules) -> None:
    amount = hr.relocation_amount(costs=costs, rules=r)
    assert 0 <= amount <= costs
    assert amount <= 3 * r.rent_cap
    assert amount == min(costs, 3 * r.rent_cap)


@settings(max_examples=200)
@given(income=yen, assets=st.integers(min_value=0, max_value=3_000_000), rent=positive_yen, r=rules())
def test_assessment_pays_only_when_eligible_and_within_limits(
    income: int, assets: int, rent: int, r: hr.Rules
) -> None:
    result = hr.assess(
        inp(household_monthly_income=income, household_financial_assets=assets, monthly_rent=rent), r
    )
    assert result.income_limit == hr.income_limit(rules=r, rent=rent)
    if result.eligible:
        assert income <= result.income_limit
        assert assets <= result.asset_limit
        assert 0 < result.monthly_amount <= r.rent_cap
        assert not result.not_met
    else:
        assert result.monthly_amount == 0
        assert result.not_met
    if income > result.income_limit or assets > r.asset_limit:
        assert not result.eligible


# --- Worked examples (docs/programs-housing-benefit.md) ---------------------------------------------


def test_tokyo_single_person_examples() -> None:
    # Income ≤ 基準額: the rent, capped at 53,700円.
    assert hr.monthly_amount(income=60_000, rent=50_000, rules=TOKYO_1) == 50_000
    assert hr.monthly_amount(income=60_000, rent=70_000, rules=TOKYO_1) == 53_700
    # Income > 基準額: 基準額 + rent − income = 84,000 + 50,000 − 100,000.
    assert hr.monthly_amount(income=100_000, rent=50_000, rules=TOKYO_1) == 34_000
    # Since 2020-07-03 the cap applies to the result: 84,000 + 70,000 − 90,000 = 64,000 → 53,700.
    assert hr.monthly_amount(income=90_000, rent=70_000, rules=TOKYO_1, on=date(2025, 1, 1)) == 53_700
    # Before, the rent was capped first: 84,000 + 53,700 − 90,000 = 47,700.
    assert hr.monthly_amount(income=90_000, rent=70_000, rules=TOKYO_1, on=date(2020, 7, 2)) == 47_700
    assert hr.income_limit(rules=TOKYO_1, rent=70_000) == 137_700
    assert TOKYO_1.relocation_cap == 161_100
    assert TOKYO_2.relocation_cap == 192_000


def test_hasuda_four_person_asset_limit_is_one_million() -> None:
    assert hr.asset_limit_for(175_000) == 1_000_000
    assert hr.asset_limit_for(78_000) == 468_000


# --- One test per requirement ------------------------------------------------------------------------


def test_all_requirements_met_gives_amount_and_three_months() -> None:
    result = hr.assess(inp(), TOKYO_1)
    assert result.eligible
    assert result.monthly_amount == 50_000
    assert result.period_months == 3
    codes = [r.code for r in result.requirements]
    assert codes == [
        "timing",
        "housing_loss",
        "main_earner",
        "income",
        "assets",
        "job_search",
        "no_overlapping_aid",
        "no_gang_member",
        "reaward",
        "amount",
    ]
    assert status(result, "housing_loss") == hr.Status.EVIDENCE_NEEDED
    assert status(result, "job_search") == hr.Status.EVIDENCE_NEEDED
    assert result.requirement("job_search").met is None
    assert "ハローワーク" in result.requirement("job_search").message_ja


def test_timing_not_met_after_two_years() -> None:
    result = hr.assess(inp(job_loss_date=date(2023, 1, 10)), TOKYO_1)
    assert status(result, "timing") == hr.Status.NOT_MET
    assert not result.eligible and result.monthly_amount == 0


def test_main_earner_required() -> None:
    result = hr.assess(inp(is_main_earner=False), TOKYO_1)
    assert status(result, "main_earner") == hr.Status.NOT_MET
    assert "離職・廃業の時点で" in result.requirement("main_earner").message_ja
    assert (
        "申請月に"
        in hr.assess(
            inp(is_main_earner=False, cause=hr.Cause.REDUCED_INCOME, income_drop_date=date(2025, 3, 1)),
            TOKYO_1,
        )
        .requirement("main_earner")
        .message_ja
    )


def test_income_above_limit_not_met() -> None:
    result = hr.assess(inp(household_monthly_income=140_000, monthly_rent=70_000), TOKYO_1)
    assert status(result, "income") == hr.Status.NOT_MET
    assert "137,700円" in result.requirement("income").message_ja


def test_assets_above_limit_not_met() -> None:
    result = hr.assess(inp(household_financial_assets=504_001), TOKYO_1)
    assert status(result, "assets") == hr.Status.NOT_MET


def test_overlapping_housing_aid_not_met() -> None:
    result = hr.assess(inp(receives_overlapping_housing_aid=True), TOKYO_1)
    assert status(result, "no_overlapping_aid") == hr.Status.NOT_MET


def test_gang_member_in_household_not_met() -> None:
    result = hr.assess(inp(household_member_is_gang_member=True), TOKYO_1)
    assert status(result, "no_gang_member") == hr.Status.NOT_MET


def test_reduced_income_timing_needs_evidence_and_counts_without_a_window() -> None:
    result = hr.assess(
        inp(cause=hr.Cause.REDUCED_INCOME, job_loss_date=None, income_drop_date=date(2020, 1, 1)), TOKYO_1
    )
    assert status(result, "timing") == hr.Status.EVIDENCE_NEEDED
    assert result.eligible
    assert "経営相談" in result.requirement("job_search").message_ja


def test_reaward_other_cause_not_met() -> None:
    result = hr.assess(
        inp(previous_award_last_payment_date=date(2022, 3, 1), reaward_cause=hr.ReawardCause.OTHER), TOKYO_1
    )
    assert status(result, "reaward") == hr.Status.NOT_MET
    assert "解雇" in result.requirement("reaward").message_ja


@pytest.mark.parametrize("cause", list(hr.REAWARD_ALLOWED_CAUSES))
def test_reaward_allowed_causes(cause: hr.ReawardCause) -> None:
    result = hr.assess(inp(previous_award_last_payment_date=date(2023, 3, 15), reaward_cause=cause), TOKYO_1)
    assert status(result, "reaward") == hr.Status.MET


def test_zero_amount_is_not_eligible() -> None:
    # Income exactly at the limit with rent under the cap: 84,000 + 50,000 − 134,000 = 0.
    result = hr.assess(inp(household_monthly_income=134_000), TOKYO_1)
    assert status(result, "income") == hr.Status.MET
    assert status(result, "amount") == hr.Status.NOT_MET
    assert not result.eligible


def test_relocation_requirements_and_cap() -> None:
    result = hr.assess(relocation(relocation_costs=200_000), TOKYO_1)
    assert result.eligible
    assert result.relocation_amount == 161_100
    assert result.monthly_amount == 0
    assert result.period_months == 0
    codes = [r.code for r in result.requirements]
    assert "household_budget_support" in codes and "job_search" not in codes
    assert "上限" in result.requirement("amount").message_ja


def test_relocation_needs_household_budget_program_judgment() -> None:
    result = hr.assess(relocation(supported_by_household_budget_program=False), TOKYO_1)
    assert status(result, "household_budget_support") == hr.Status.NOT_MET
    assert result.relocation_amount == 0


def test_relocation_main_earner_is_judged_in_the_application_month() -> None:
    result = hr.assess(relocation(is_main_earner=False), TOKYO_1)
    assert "申請月に" in result.requirement("main_earner").message_ja


# --- Boundaries ---------------------------------------------------------------------------------------


def test_exactly_two_years_after_job_loss_is_within_and_the_next_day_is_not() -> None:
    lost = date(2023, 4, 15)
    assert hr.application_deadline(lost) == date(2025, 4, 15)
    assert (
        status(hr.assess(inp(job_loss_date=lost, application_date=date(2025, 4, 15)), TOKYO_1), "timing")
        == hr.Status.MET
    )
    assert (
        status(hr.assess(inp(job_loss_date=lost, application_date=date(2025, 4, 16)), TOKYO_1), "timing")
        == hr.Status.NOT_MET
    )


def test_leap_day_job_loss_two_years_later_is_the_28th() -> None:
    assert hr.application_deadline(date(2024, 2, 29)) == date(2026, 2, 28)


def test_periods_of_30_days_extend_the_window_but_29_do_not() -> None:
    lost = date(2023, 4, 15)
    assert hr.application_deadline(lost, 29) == date(2025, 4, 15)
    assert hr.application_deadline(lost, 30) == date(2025, 5, 15)
    late = inp(job_loss_date=lost, application_date=date(2025, 5, 15))
    assert status(hr.assess(replace(late, unable_to_seek_work_days=30), TOKYO_1), "timing") == hr.Status.MET
    assert (
        status(hr.assess(replace(late, unable_to_seek_work_days=29), TOKYO_1), "timing") == hr.Status.NOT_MET
    )
    assert (
        "30日未満"
        in hr.assess(replace(late, unable_to_seek_work_days=29), TOKYO_1).requirement("timing").message_ja
    )


def test_window_is_never_longer_than_four_years() -> None:
    lost = date(2021, 4, 15)
    assert hr.application_deadline(lost, 2000) == date(2025, 4, 15)
    at_cap = inp(job_loss_date=lost, application_date=date(2025, 4, 15), unable_to_seek_work_days=1000)
    assert status(hr.assess(at_cap, TOKYO_1), "timing") == hr.Status.MET
    assert "4年" in hr.assess(at_cap, TOKYO_1).requirement("timing").message_ja
    after = replace(at_cap, application_date=date(2025, 4, 16))
    assert status(hr.assess(after, TOKYO_1), "timing") == hr.Status.NOT_MET


def test_exactly_the_income_limit_is_met_and_one_yen_more_is_not() -> None:
    # Rent above the cap: the limit is 84,000 + 53,700 = 137,700.
    at = hr.assess(inp(monthly_rent=70_000, household_monthly_income=137_700), TOKYO_1)
    assert status(at, "income") == hr.Status.MET
    assert at.eligible and at.monthly_amount == 16_300  # 84,000 + 70,000 − 137,700
    over = hr.assess(inp(monthly_rent=70_000, household_monthly_income=137_701), TOKYO_1)
    assert status(over, "income") == hr.Status.NOT_MET
    assert over.monthly_amount == 0


def test_exactly_the_base_amount_pays_the_whole_rent() -> None:
    assert hr.monthly_amount(income=84_000, rent=50_000, rules=TOKYO_1) == 50_000
    assert hr.monthly_amount(income=84_001, rent=50_000, rules=TOKYO_1) == 49_999


def test_exactly_the_asset_limit_is_met() -> None:
    assert status(hr.assess(inp(household_financial_assets=504_000), TOKYO_1), "assets") == hr.Status.MET
    assert status(hr.assess(inp(household_financial_assets=1_000_000), HASUDA_4), "assets") == hr.Status.MET
    assert (
        status(hr.assess(inp(household_financial_assets=1_000_001), HASUDA_4), "assets") == hr.Status.NOT_MET
    )


def test_reaward_one_year_counted_from_the_month_after_the_last_payment() -> None:
    last = date(2024, 3, 10)
    assert hr.reaward_earliest(last) == date(2025, 4, 1)
    base = inp(previous_award_last_payment_date=last, reaward_cause=hr.ReawardCause.DISMISSAL)
    assert (
        status(hr.assess(replace(base, application_date=date(2025, 3, 31)), TOKYO_1), "reaward")
        == hr.Status.NOT_MET
    )
    assert (
        status(hr.assess(replace(base, application_date=date(2025, 4, 1)), TOKYO_1), "reaward")
        == hr.Status.MET
    )


def test_relocation_window_is_two_years_counted_from_the_month_of_the_drop() -> None:
    assert hr.relocation_deadline(date(2025, 5, 20)) == date(2027, 4, 30)
    r = relocation(income_drop_date=date(2023, 5, 20))
    assert (
        status(hr.assess(replace(r, application_date=date(2025, 4, 30)), TOKYO_1), "timing") == hr.Status.MET
    )
    assert (
        status(hr.assess(replace(r, application_date=date(2025, 5, 1)), TOKYO_1), "timing")
        == hr.Status.NOT_MET
    )


def test_relocation_costs_exactly_at_the_cap() -> None:
    assert hr.assess(relocation(relocation_costs=161_100), TOKYO_1).relocation_amount == 161_100
    assert hr.assess(relocation(relocation_costs=161_101), TOKYO_1).relocation_amount == 161_100


def test_nine_month_cap_and_period_dates() -> None:
    assert hr.MAX_PERIOD_MONTHS == 9
    first = date(2025, 4, 1)
    assert hr.period_end(first, 3) == date(2025, 6, 30)
    assert hr.period_end(first, 9) == date(2025, 12, 31)
    assert hr.month_number(first, date(2025, 12, 5)) == 9
    assert hr.month_number(first, date(2026, 1, 1)) == 10


def test_period_end_warning_starts_14_days_before() -> None:
    end = date(2025, 6, 30)
    assert not hr.period_end_warning(end, end - timedelta(days=15))
    assert hr.period_end_warning(end, end - timedelta(days=14))
    assert hr.period_end_warning(end, end)
    assert not hr.period_end_warning(end, end + timedelta(days=1))


# --- 求職活動 thresholds and extension requirements ------------------------------------------------


NORMAL = hr.JobSearchThresholds(
    centre_consultations_min=4, counselling_min=2, applications_min=1, applications_per_week=True
)
RELAXED = hr.JobSearchThresholds(
    centre_consultations_min=4, counselling_min=1, applications_min=1, applications_per_week=False
)


def test_job_search_normal_rules_need_an_application_each_week() -> None:
    assert NORMAL.applications_required == 4
    met, short = hr.check_job_search(hr.JobSearchCounts(4, 2, 4), NORMAL, cause=hr.Cause.JOB_LOSS)
    assert met and not short
    met, short = hr.check_job_search(hr.JobSearchCounts(4, 1, 3), NORMAL, cause=hr.Cause.JOB_LOSS)
    assert not met
    assert any("ハローワーク" in s for s in short) and any("応募" in s for s in short)


def test_job_search_relaxed_rules_need_one_a_month() -> None:
    met, _ = hr.check_job_search(hr.JobSearchCounts(4, 1, 1), RELAXED, cause=hr.Cause.JOB_LOSS)
    assert met
    met, short = hr.check_job_search(hr.JobSearchCounts(3, 1, 1), RELAXED, cause=hr.Cause.REDUCED_INCOME)
    assert not met and "面談" in short[0]


def _ext(**kw: object) -> tuple[hr.Requirement, ...]:
    args: dict[str, object] = {
        "applied_on": date(2025, 6, 20),
        "first_month": date(2025, 4, 1),
        "months_awarded": 3,
        "extensions_so_far": 0,
        "income": 60_000,
        "assets": 100_000,
        "rent": 50_000,
        "rules": TOKYO_1,
        "missing_report_months": [],
        "unmet_report_months": [],
    }
    args.update(kw)
    return hr.extension_requirements(**args)  # type: ignore[arg-type]


def test_extension_requirements_met_and_deadline_boundary() -> None:
    assert all(r.status == hr.Status.MET for r in _ext())
    assert all(r.status == hr.Status.MET for r in _ext(applied_on=date(2025, 6, 30)))
    late = {r.code: r for r in _ext(applied_on=date(2025, 7, 1))}
    assert late["deadline"].status == hr.Status.NOT_MET


def test_extension_at_most_twice_and_nine_months() -> None:
    third = {r.code: r for r in _ext(months_awarded=9, extensions_so_far=2, applied_on=date(2025, 12, 1))}
    assert third["count"].status == hr.Status.NOT_MET
    second = {r.code: r for r in _ext(months_awarded=6, extensions_so_far=1, applied_on=date(2025, 9, 1))}
    assert second["count"].status == hr.Status.MET


def test_extension_needs_reports_income_and_assets() -> None:
    reqs = {
        r.code: r
        for r in _ext(
            income=200_000,
            assets=600_000,
            missing_report_months=[date(2025, 5, 1)],
        )
    }
    assert reqs["income"].status == hr.Status.NOT_MET
    assert reqs["assets"].status == hr.Status.NOT_MET
    assert reqs["job_search"].status == hr.Status.NOT_MET
    assert "未提出" in reqs["job_search"].message_ja
    assert reqs["amount"].status == hr.Status.NOT_MET


def test_enum_values_match_the_model_choices() -> None:
    from tsunagu.programs import models

    assert {c.value for c in hr.BenefitType} == set(models.BenefitType.values)
    assert {c.value for c in hr.Cause} == set(models.Cause.values)
    assert {c.value for c in hr.ReawardCause} == set(models.ReawardCause.values)


def test_a_reduced_income_recipient_takes_the_job_search_thresholds_after_the_first_extension() -> None:
    assert hr.job_search_cause_for_month(hr.Cause.REDUCED_INCOME, 6) == hr.Cause.REDUCED_INCOME
    assert hr.job_search_cause_for_month(hr.Cause.REDUCED_INCOME, 7) == hr.Cause.JOB_LOSS
    assert hr.job_search_cause_for_month(hr.Cause.REDUCED_INCOME, None) == hr.Cause.REDUCED_INCOME
    assert hr.job_search_cause_for_month(hr.Cause.JOB_LOSS, 9) == hr.Cause.JOB_LOSS
