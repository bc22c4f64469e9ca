"""Reads for the dashboards, composed from the apps' scoped selectors.

Every number is one aggregate query (COUNT, or GROUP BY for the per-state and per-worker tables);
every list is cut to ``LIST_LIMIT`` rows with a link to the full, paginated list. So the number of
queries of a dashboard never depends on the number of cases (query budgets in tests).

- 相談支援員 (and every caseworker): their own cases.
- 主任相談支援員 / センター長: the whole agency, plus caseload per worker and cases without contact
  for ``NO_CONTACT_DAYS`` days.
- 自治体担当者: plans awaiting their 支援決定・確認, and the meetings of their municipality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, Q

from tsunagu.cases import selectors as case_selectors
from tsunagu.cases.models import OPEN_STATES, Case, CaseState, SupportPlan
from tsunagu.meetings import selectors as meeting_selectors
from tsunagu.meetings.models import Meeting
from tsunagu.organizations.roles import Permission

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

LIST_LIMIT = 10
MEETINGS_LIMIT = 5
NO_CONTACT_DAYS = 30
ENDING_WITHIN_DAYS = 14
# Follow-up after closure has its own rhythm: it is not "no contact".
CONTACT_EXPECTED_STATES = sorted(OPEN_STATES - {CaseState.FOLLOW_UP})

AGENCY = "agency"
MINE = "mine"


def is_manager(user: User) -> bool:
    """主任相談支援員 / センター長: they assign cases and see the whole agency."""
    return bool(user.can(Permission.CASE_ASSIGN) and user.can(Permission.CASE_VIEW_ALL))


def sees_cases(user: User) -> bool:
    return bool(user.can(Permission.CASE_EDIT) or user.can(Permission.CASE_VIEW_ALL))


def scope_for(user: User, requested: str = "") -> str:
    """The whole agency for those who may list it (unless they ask for their own), else their own."""
    if user.can(Permission.CASE_VIEW_ALL) and requested != MINE:
        return AGENCY
    return MINE


def _mine(qs: models.QuerySet[Any], user: User, scope: str, field_name: str = "assigned_worker") -> Any:
    return qs if scope == AGENCY else qs.filter(**{field_name: user})


# --- Case querysets (each the base of one count and one list) --------------------------------------


def open_cases(user: User, scope: str) -> models.QuerySet[Case]:
    return _mine(case_selectors.cases_visible_to(user).filter(state__in=OPEN_STATES), user, scope)


def emergency_cases(user: User, scope: str) -> models.QuerySet[Case]:
    return (
        open_cases(user, scope)
        .filter(is_emergency=True)
        .select_related("person", "assigned_worker")
        .order_by("-opened_on", "-id")
    )


def no_contact_cases(user: User, scope: str, today: date) -> models.QuerySet[Case]:
    cutoff = today - timedelta(days=NO_CONTACT_DAYS)
    return (
        _mine(case_selectors.cases_visible_to(user), user, scope)
        .filter(state__in=CONTACT_EXPECTED_STATES)
        .filter(Q(last_contact_on__lt=cutoff) | Q(last_contact_on__isnull=True))
        .select_related("person", "assigned_worker")
        .order_by(models.F("last_contact_on").asc(nulls_first=True), "id")
    )


def monitoring_overdue(user: User, scope: str, today: date) -> models.QuerySet[Case]:
    return _mine(case_selectors.cases_monitoring_overdue(user, today=today), user, scope)


def plans_ending(user: User, scope: str, today: date) -> models.QuerySet[SupportPlan]:
    return _mine(
        case_selectors.plans_ending_within(user, ENDING_WITHIN_DAYS, today=today),
        user,
        scope,
        "case__assigned_worker",
    )


# --- Aggregates ---------------------------------------------------------------------------------------


def state_counts(user: User, scope: str) -> list[dict[str, Any]]:
    """Open cases by state, in the order of the process (one GROUP BY)."""
    counts = dict(open_cases(user, scope).order_by().values_list("state").annotate(n=Count("id")))
    return [
        {"state": s.value, "label": s.label, "count": counts.get(s.value, 0)}
        for s in CaseState
        if s in OPEN_STATES and counts.get(s.value)
    ]


def case_totals(user: User, scope: str, today: date) -> dict[str, int]:
    """Open cases, emergencies and no contact for 30 days, in one aggregate query."""
    cutoff = today - timedelta(days=NO_CONTACT_DAYS)
    # All three counts are of open cases: reading only those keeps the aggregate small.
    base = _mine(case_selectors.cases_visible_to(user), user, scope).filter(state__in=OPEN_STATES)
    return base.aggregate(
        open=Count("id", filter=Q(state__in=OPEN_STATES)),
        emergency=Count("id", filter=Q(state__in=OPEN_STATES, is_emergency=True)),
        no_contact=Count(
            "id",
            filter=Q(state__in=CONTACT_EXPECTED_STATES)
            & (Q(last_contact_on__lt=cutoff) | Q(last_contact_on__isnull=True)),
        ),
    )


def caseload_per_worker(user: User, today: date) -> list[dict[str, Any]]:
    """The agency's open cases per assigned worker (one GROUP BY), most loaded first."""
    cutoff = today - timedelta(days=NO_CONTACT_DAYS)
    rows = (
        open_cases(user, AGENCY)
        .order_by()
        .values("assigned_worker", "assigned_worker__display_name", "assigned_worker__username")
        .annotate(
            total=Count("id"),
            in_support=Count("id", filter=Q(state__in=[CaseState.IN_SUPPORT, CaseState.EVALUATION])),
            emergency=Count("id", filter=Q(is_emergency=True)),
            no_contact=Count(
                "id",
                filter=Q(state__in=CONTACT_EXPECTED_STATES)
                & (Q(last_contact_on__lt=cutoff) | Q(last_contact_on__isnull=True)),
            ),
        )
        .order_by("-total", "assigned_worker__username")
    )
    return [
        {
            "worker_id": r["assigned_worker"],
            "name": (r["assigned_worker__display_name"] or r["assigned_worker__username"])
            if r["assigned_worker"]
            else "担当者未定",
            "total": r["total"],
            "in_support": r["in_support"],
            "emergency": r["emergency"],
            "no_contact": r["no_contact"],
        }
        for r in rows
    ]


# --- The dashboard ------------------------------------------------------------------------------------


@dataclass
class Panel:
    key: str
    title: str
    count: int
    rows: list[Any] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.count > len(self.rows)


@dataclass
class Dashboard:
    kind: str  # manager | worker | officer | basic
    scope: str
    today: date
    states: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    panels: dict[str, Panel] = field(default_factory=dict)
    caseload: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)


def _panel(key: str, title: str, qs: models.QuerySet[Any], count: int | None = None) -> Panel:
    n = qs.count() if count is None else count
    return Panel(key=key, title=title, count=n, rows=list(qs[:LIST_LIMIT]) if n else [])


PANEL_TITLES = {
    "overdue": "モニタリング期限を過ぎたケース",
    "ending": f"{ENDING_WITHIN_DAYS}日以内にプラン期間が終わるケース",
    "emergency": "緊急的な支援のケース",
    "no_contact": f"{NO_CONTACT_DAYS}日以上接触のないケース",
    "pending": "支援決定・確認の待ち",
}


def panel_queryset(user: User, key: str, scope: str, today: date) -> models.QuerySet[Any] | None:
    """The full list behind a panel (for its "more" page); None when the user has no such panel."""
    if key == "pending":
        return meeting_selectors.decisions_pending_for(user) if user.can(Permission.DECISION_RECORD) else None
    if not sees_cases(user):
        return None
    if key == "overdue":
        return monitoring_overdue(user, scope, today)
    if key == "ending":
        return plans_ending(user, scope, today)
    if key == "emergency":
        return emergency_cases(user, scope)
    if key == "no_contact" and is_manager(user):
        return no_contact_cases(user, scope, today)
    return None


def dashboard_for(user: User, *, today: date, requested_scope: str = "") -> Dashboard:
    """The dashboard of ``user``: which panels depends on the role (see the module docstring)."""
    manager = is_manager(user)
    if manager:
        kind = "manager"
    elif sees_cases(user):
        kind = "worker"
    elif user.can(Permission.DECISION_RECORD):
        kind = "officer"
    else:
        kind = "basic"
    scope = scope_for(user, requested_scope)
    d = Dashboard(kind=kind, scope=scope, today=today)
    if kind in ("manager", "worker"):
        d.states = state_counts(user, scope)
        d.totals = case_totals(user, scope, today)
        d.panels["overdue"] = _panel(
            "overdue", PANEL_TITLES["overdue"], monitoring_overdue(user, scope, today)
        )
        d.panels["ending"] = _panel("ending", PANEL_TITLES["ending"], plans_ending(user, scope, today))
        d.panels["emergency"] = _panel(
            "emergency", PANEL_TITLES["emergency"], emergency_cases(user, scope), d.totals["emergency"]
        )
        if manager:
            d.panels["no_contact"] = _panel(
                "no_contact",
                PANEL_TITLES["no_contact"],
                no_contact_cases(user, scope, today),
                d.totals["no_contact"],
            )
            d.caseload = caseload_per_worker(user, today) if scope == AGENCY else []
    if user.can(Permission.DECISION_RECORD):
        d.panels["pending"] = _panel(
            "pending", PANEL_TITLES["pending"], meeting_selectors.decisions_pending_for(user)
        )
    d.meetings = list(meeting_selectors.meetings_upcoming(user, on=today)[:MEETINGS_LIMIT])
    return d
