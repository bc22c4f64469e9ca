"""Reads for 住居確保給付金: the rules in force on a date, the 簡易判定, and applications (always scoped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Q

from tsunagu.cases.models import OPEN_STATES, Case
from tsunagu.core.audit import audit_record
from tsunagu.core.dates import add_months, wareki
from tsunagu.core.models import AuditAction
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import get_for_user_or_404, scope_for_user

from . import housing_rules as hr
from .models import (
    ApplicationState,
    ExtensionState,
    HousingBenefitApplication,
    HousingBenefitDecision,
    HousingBenefitRuleTable,
    JobSearchRequirement,
)
from .validation import clean_assessment_values

PAGE_SIZE = 25

# --- Rules in force -----------------------------------------------------------------------------


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


def rule_rows_for(*, municipality: Municipality) -> models.QuerySet[HousingBenefitRuleTable]:
    """Every version of the municipality's table (the history is kept), newest first per size."""
    return HousingBenefitRuleTable.objects.filter(municipality=municipality).select_related("created_by")


def rules_current_for(*, municipality: Municipality, on: date) -> list[HousingBenefitRuleTable]:
    sizes = (
        HousingBenefitRuleTable.objects.filter(municipality=municipality)
        .values_list("household_size", flat=True)
        .distinct()
    )
    rows = [rule_in_force(municipality=municipality, household_size=s, on=on) for s in sorted(set(sizes))]
    return [r for r in rows if r is not None]


def job_search_rows_for(*, municipality: Municipality) -> models.QuerySet[JobSearchRequirement]:
    return JobSearchRequirement.objects.filter(
        Q(municipality=municipality) | Q(municipality__isnull=True)
    ).select_related("municipality")


def municipalities_for_user(user: Any) -> models.QuerySet[Municipality]:
    """The municipalities whose tables a user works with: the officer's own, or those the agency serves."""
    if getattr(user, "municipality_id", None):
        return Municipality.objects.filter(pk=user.municipality_id)
    if getattr(user, "agency_id", None):
        return user.agency.served_municipalities.all().order_by("code")
    return Municipality.objects.none()


# --- The 簡易判定 -------------------------------------------------------------------------------


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
    municipality, inp = clean_assessment_values(values)
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


# --- Applications (scoped) ---------------------------------------------------------------------------


def housing_applications_visible_to(user: Any) -> models.QuerySet[HousingBenefitApplication]:
    """Agency staff: their agency's applications; a 自治体担当者: their municipality's."""
    if not (user.can(Permission.PERSON_VIEW) or user.can(Permission.DECISION_RECORD)):
        return HousingBenefitApplication.objects.none()
    return scope_for_user(HousingBenefitApplication.objects.all(), user).select_related(
        "person", "case", "municipality", "agency"
    )


def housing_application_get_for_user(
    *, user: Any, application_id: Any, audit: bool = True
) -> HousingBenefitApplication:
    """Fetch-and-check (404 when absent or not yours); viewing is audited."""
    base = HousingBenefitApplication.objects.select_related(
        "person", "case", "municipality", "agency", "created_by"
    )
    if not (user.can(Permission.PERSON_VIEW) or user.can(Permission.DECISION_RECORD)):
        base = base.none()
    application = get_for_user_or_404(base, user, application_id)
    if audit:
        audit_record(actor=user, action=AuditAction.VIEW, obj=application, person_id=application.person_id)
    return application


def housing_application_page(*, user: Any, state: str = "", page: Any = 1) -> Page:
    qs = housing_applications_visible_to(user).order_by("-application_date", "-id")
    if state in ApplicationState.values:
        qs = qs.filter(state=state)
    return Paginator(qs, PAGE_SIZE).get_page(page)


def cases_for_application(user: Any) -> models.QuerySet[Case]:
    """Open cases of the user's agency that an application may be linked to."""
    if not user.can(Permission.CASE_EDIT):
        return Case.objects.none()
    return (
        scope_for_user(Case.objects.all(), user)
        .filter(state__in=list(OPEN_STATES))
        .select_related("person")
        .order_by("-opened_on", "-id")
    )


# --- Lifecycle reads -----------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Reminder:
    application: HousingBenefitApplication
    kind: str  # "period_end" | "report_missing"
    message_ja: str


def reminders_for(user: Any, *, today: date) -> list[Reminder]:
    """Warnings for the list page: a period ending within 14 days, reports not yet received."""
    out: list[Reminder] = []
    qs = (
        housing_applications_visible_to(user)
        .filter(state=ApplicationState.AWARDED, benefit_type="rent")
        .prefetch_related("job_search_reports", "extensions")
        .order_by("first_month", "id")
    )
    for app in qs:
        end = app.period_end
        if end is not None and hr.period_end_warning(end, today):
            more = (
                "延長の申請は期間の最終月の末日までに行います。"
                if app.months_awarded < hr.MAX_PERIOD_MONTHS
                else "通算9か月の上限に達するため、これ以上延長できません。"
            )
            out.append(
                Reminder(
                    app,
                    "period_end",
                    f"支給期間が{(end - today).days}日後（{wareki(end)}）に終わります。{more}",
                )
            )
        missing, _ = report_months_status(app, before=today)
        if missing:
            months = "、".join(hr.month_label(m) for m in missing)
            out.append(Reminder(app, "report_missing", f"求職活動状況報告が未提出です（{months}）。"))
    return out


def housing_actions_for(user: Any, application: HousingBenefitApplication) -> frozenset[str]:
    """Which lifecycle actions this user may offer on this application now (the screen shows only these;
    the services check again)."""
    actions: set[str] = set()
    officer = user.can(Permission.DECISION_RECORD) and user.municipality_id == application.municipality_id
    centre = user.can(Permission.CASE_EDIT) and user.agency_id == application.agency_id
    state = application.state
    awarded = state == ApplicationState.AWARDED
    rent = application.benefit_type == "rent"
    pending = awarded and application.extensions.filter(state=ExtensionState.PENDING).exists()
    if officer:
        if state == ApplicationState.APPLIED:
            actions.add("decision")
        if state in (ApplicationState.AWARDED, ApplicationState.STOPPED, ApplicationState.ENDED):
            if application.payments.count() < application.months_awarded:
                actions.add("payment")
        if awarded:
            actions |= {"stop", "end"}
        if pending:
            actions.add("extension_decide")
    if centre and rent and awarded:
        actions.add("report")
        approved = application.extensions.filter(state=ExtensionState.APPROVED).count()
        if (
            not pending
            and approved < hr.MAX_EXTENSIONS
            and application.months_awarded + hr.EXTENSION_MONTHS <= hr.MAX_PERIOD_MONTHS
        ):
            actions.add("extension_apply")
    return frozenset(actions)
