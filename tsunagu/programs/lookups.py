"""Rules in force on a date and the assessment that uses them.

Reads shared by the services (which must assess before they write) and the selectors (which serve the
screens and the API): "the table in force on a date" is answered here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from tsunagu.core.dates import add_months, wareki
from tsunagu.organizations.models import Municipality

from . import housing_rules as hr
from .models import (
    ExtensionState,
    HousingBenefitApplication,
    HousingBenefitDecision,
    HousingBenefitPayment,
    HousingBenefitRuleTable,
    JobSearchRequirement,
)
from .validation import clean_assessment_values, municipality_code_valid


def rule_in_force(
    *, municipality: Municipality, household_size: int, on: date, known_at: datetime | None = None
) -> HousingBenefitRuleTable | None:
    """The row in force on ``on``: the latest ``effective_from <= on``, then the highest revision.

    ``known_at`` answers "as the table stood at that moment" (rows added later are ignored), which
    re-explains a past decision even after later corrections. A row marked 「以上」 serves larger
    households when there is no row for the exact size.
    """
    qs = HousingBenefitRuleTable.objects.filter(municipality=municipality, effective_from__lte=on)
    if known_at is not None:
        qs = qs.filter(created_at__lte=known_at)
    exact = qs.filter(household_size=household_size).order_by("-effective_from", "-revision").first()
    if exact is not None:
        return exact
    return (
        qs.filter(household_size__lt=household_size, applies_to_larger=True)
        .order_by("-household_size", "-effective_from", "-revision")
        .first()
    )


def rule_for_assessment(
    *, municipality: Municipality, household_size: int, on: date
) -> HousingBenefitRuleTable:
    """The row in force, or a ValidationError saying what is missing (on the field to look at)."""
    row = rule_in_force(municipality=municipality, household_size=household_size, on=on)
    if row is not None:
        return row
    rows = HousingBenefitRuleTable.objects.filter(municipality=municipality)
    if not rows.exists():
        raise ValidationError(
            {
                "municipality_code": f"{municipality.name}の住居確保給付金の基準額表が登録されていません"
                "（自治体担当者が登録します）。"
            }
        )
    sized = rows.filter(
        Q(household_size=household_size) | Q(household_size__lt=household_size, applies_to_larger=True)
    )
    first = sized.order_by("effective_from").first()
    if first is None:
        raise ValidationError(
            {"household_size": f"{municipality.name}の{household_size}人世帯の基準額が登録されていません。"}
        )
    raise ValidationError(
        {
            "application_date": f"申請日時点で有効な基準額表がありません（{municipality.name}の{household_size}人世帯の表は"
            f"{wareki(first.effective_from)}からです）。"
        }
    )


def job_search_requirement_in_force(
    *, municipality: Municipality, cause: str, on: date, known_at: datetime | None = None
) -> JobSearchRequirement | None:
    """Thresholds in force: the latest effective date among the municipality's own rows and the
    national standard; on the same date the municipality's row wins, then the highest revision."""
    qs = JobSearchRequirement.objects.filter(
        Q(municipality=municipality) | Q(municipality__isnull=True), cause=cause, effective_from__lte=on
    )
    if known_at is not None:
        qs = qs.filter(created_at__lte=known_at)
    rows = list(qs.order_by("-effective_from", "-revision")[:20])
    if not rows:
        return None
    return max(rows, key=lambda r: (r.effective_from, r.municipality_id is not None, r.revision))


@dataclass(frozen=True)
class Assessment:
    municipality: Municipality
    input: hr.AssessmentInput
    rule: HousingBenefitRuleTable
    result: hr.AssessmentResult


def housing_assess(values: dict[str, Any]) -> Assessment:
    """Validate the inputs (API field names), find the table in force on the application date, assess.

    Raises ``ValidationError`` with a Japanese message per field. Reads no personal data.
    """
    code = values.get("municipality_code")
    found = Municipality.objects.filter(code=code).first() if municipality_code_valid(code) else None
    municipality, inp = clean_assessment_values(values, found)
    rule = rule_for_assessment(
        municipality=municipality, household_size=inp.household_size, on=inp.application_date
    )
    return Assessment(municipality, inp, rule, hr.assess(inp, rule.as_rules()))


def assessment_for_application(application: HousingBenefitApplication) -> Assessment:
    inp = application.assessment_input()
    rule = rule_for_assessment(
        municipality=application.municipality, household_size=inp.household_size, on=inp.application_date
    )
    return Assessment(application.municipality, inp, rule, hr.assess(inp, rule.as_rules()))


def decision_explain(decision: HousingBenefitDecision) -> hr.AssessmentResult:
    """Re-explain a decision with the very rule row it used, whatever was added to the table since."""
    return hr.assess(decision.application.assessment_input(), decision.rule.as_rules())


def report_months_status(
    application: HousingBenefitApplication, *, before: date
) -> tuple[list[date], list[date]]:
    """(months without a report, months whose report missed the thresholds), for the months of the
    period that ended before ``before``'s month."""
    if application.first_month is None or not application.months_awarded:
        return [], []
    reports = {r.month: r for r in application.job_search_reports.all()}
    missing: list[date] = []
    unmet: list[date] = []
    for i in range(application.months_awarded):
        month = add_months(application.first_month, i)
        if month >= hr.first_of_month(before):
            break
        report = reports.get(month)
        if report is None:
            missing.append(month)
        elif not report.met:
            unmet.append(month)
    return missing, unmet


def last_recorded_payment_month(person_id: int) -> date | None:
    """The month of the person's last recorded 住居確保給付金 payment (any earlier award), or None.
    再支給 is judged from this, not from a date typed on the application."""
    return (
        HousingBenefitPayment.objects.filter(person_id=person_id)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )


def payment_cap_for_month(application: HousingBenefitApplication, month_number: int) -> int:
    """The most that may be paid for month ``month_number``: the decision's amount, or the
    amount set by the extension that covers that month."""
    decision = application.decision
    if application.benefit_type != "rent":
        return decision.relocation_amount if month_number == 1 else 0
    if month_number <= hr.INITIAL_PERIOD_MONTHS:
        return decision.monthly_amount
    for ext in application.extensions.filter(state=ExtensionState.APPROVED).order_by("sequence"):
        if month_number <= ext.months_after:
            return ext.monthly_amount
    return 0
