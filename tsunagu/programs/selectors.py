"""Reads for 住居確保給付金 screens and API: rule tables, applications (always scoped), reminders.

The rules in force on a date and the 簡易判定 live in ``lookups`` (shared with the services) and are
re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Q

from tsunagu.cases.models import OPEN_STATES, Case
from tsunagu.core.audit import audit_record
from tsunagu.core.dates import wareki
from tsunagu.core.models import AuditAction
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import get_for_user_or_404, scope_for_user

from . import housing_rules as hr
from .lookups import (  # noqa: F401 — re-exported for the views and the API
    Assessment,
    assessment_for_application,
    decision_explain,
    housing_assess,
    job_search_requirement_in_force,
    payment_cap_for_month,
    report_months_status,
    rule_for_assessment,
    rule_in_force,
)
from .models import (
    ApplicationState,
    ExtensionState,
    HousingBenefitApplication,
    HousingBenefitRuleTable,
    JobSearchRequirement,
)

PAGE_SIZE = 25

# --- Rule tables (history and today's) ------------------------------------------------------------


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


def housing_application_page(
    *, user: Any, state: str = "", page: Any = 1, with_lifecycle: bool = False
) -> Page:
    """One page of the user's applications; ``with_lifecycle`` also loads decision, payments, reports and
    extensions (the API's shape) in a fixed number of queries."""
    qs = housing_applications_visible_to(user).order_by("-application_date", "-id")
    if with_lifecycle:
        qs = qs.select_related("decision__rule").prefetch_related(
            "payments", "job_search_reports", "extensions"
        )
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
