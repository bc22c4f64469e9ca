"""Bring a case through the support process with the real services (for the process tests).

``case_at(state)`` opens a new case (新宿区, worker shinjuku-soudan) and moves it along the
ordinary path until it reaches ``state``. Everything goes through services; nothing here sets a
state by hand. Dates default to today; pass ``received_at`` to start in the past.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from tsunagu.cases import services
from tsunagu.cases.models import Case, CaseState, SupportPlan
from tsunagu.cases.tests.helpers import consent_values, open_case
from tsunagu.organizations.models import User

TOKYO = ZoneInfo("Asia/Tokyo")
PATH = (
    CaseState.APPLIED,
    CaseState.ASSESSMENT,
    CaseState.PLANNING,
    CaseState.COORDINATION_MEETING,
    CaseState.DECIDED,
    CaseState.IN_SUPPORT,
    CaseState.EVALUATION,
)


def at(d: date, hour: int = 10) -> datetime:
    return datetime.combine(d, time(hour, 0), tzinfo=TOKYO)


def user(username: str) -> User:
    return User.objects.get(username=username)


def assessment_values(**overrides: Any) -> dict[str, Any]:
    return {
        "assessed_on": timezone.localdate(),
        "sections": {
            "work": "飲食店を3月に解雇。調理師免許あり。",
            "finances": "預金 3万円、家賃 6.5万円を2か月滞納",
        },
        "issues": ["economic_hardship", "job_search_difficulty"],
        "strengths": "体力があり、朝早く起きられる",
        "wishes": "早く仕事を見つけて家賃を払いたい",
        "urgency": "medium",
        "disability_certificate": "no",
        "joint_with": None,
    } | overrides


def goal_values(**overrides: Any) -> dict[str, Any]:
    return {
        "term": "short",
        "issue": "家賃の滞納",
        "goal": "住居確保給付金を申請し、家賃の滞納を解消する",
        "target_date": None,
        "support": "申請書類の作成支援、不動産業者への連絡",
        "provider_kind": "program",
        "provider_program": "housing_benefit",
        "frequency": "週1回",
        "unmet_need": False,
        "unmet_need_note": "",
    } | overrides


def plan_values(start: date | None = None, **overrides: Any) -> dict[str, Any]:
    start = start or timezone.localdate()
    return {
        "wishes": "安定した仕事に就き、今の部屋に住み続けたい",
        "issues": "失業による収入減と家賃滞納",
        "long_term_goal": "就労による生活の安定",
        "short_term_goal": "住居を失わないこと",
        "notes": "午前中の連絡を希望",
        "programs": ["housing_benefit"],
        "start_date": start,
        "end_date": start + timedelta(days=90),
        "agreed_on": start,
        "monitoring_interval_days": 30,
        "long_period_reason": "",
    } | overrides


def record_values(actor: User, **overrides: Any) -> dict[str, Any]:
    return {
        "occurred_at": timezone.now() - timedelta(minutes=30),
        "duration_minutes": 45,
        "method": "interview",
        "content": "求職活動の状況を確認。ハローワークに2回行った。",
        "staff": actor,
        "is_monitoring": False,
    } | overrides


def evaluation_values(plan: SupportPlan, direction: str = "close", **overrides: Any) -> dict[str, Any]:
    return {
        "evaluated_on": timezone.localdate(),
        "changes": ["housing_secured"],
        "summary": "家賃滞納が解消し、就職が決まった",
        "direction": direction,
        "closure_reason": "goal_achieved" if direction == "close" else "",
        "follow_up_on": None,
        "goal_results": [
            {"goal_id": g.pk, "achievement": "achieved", "comment": ""} for g in plan.goals.all()
        ],
    } | overrides


def case_at(
    state: CaseState,
    *,
    worker: str = "shinjuku-soudan",
    received_on: date | None = None,
    consent: dict[str, Any] | None = None,
    **person_kw: Any,
) -> Case:
    """A new case moved along the ordinary path up to ``state`` (must be on PATH)."""
    actor = user(worker)
    day = received_on or timezone.localdate()
    received = at(day) if received_on else timezone.now() - timedelta(hours=1)
    case = open_case(
        actor,
        consent=consent or consent_values(given_on=day),
        applied_on=day,
        received_at=received,
        person_kw=person_kw or None,
    )
    assert case.state == CaseState.APPLIED
    steps = PATH[1 : PATH.index(state) + 1]
    for step in steps:
        advance(case, step, day=day)
    case.refresh_from_db()
    return case


def advance(case: Case, to: CaseState, *, day: date | None = None) -> None:
    """One step along PATH (with what it needs: an assessment, a plan, the meeting, the decision)."""
    actor = user("shinjuku-soudan" if case.agency.municipality.slug == "shinjuku" else "hasuda-soudan")
    slug = case.agency.municipality.slug
    day = day or timezone.localdate()
    if to == CaseState.ASSESSMENT:
        services.case_transition(actor=actor, case=case, name="start_assessment")
    elif to == CaseState.PLANNING:
        services.assessment_create(actor=actor, case=case, values=assessment_values(assessed_on=day))
        services.case_transition(actor=actor, case=case, name="start_planning")
    elif to == CaseState.COORDINATION_MEETING:
        services.plan_create(actor=actor, case=case, values=plan_values(start=day), goals=[goal_values()])
        services.case_transition(actor=actor, case=case, name="submit_to_meeting")
    elif to == CaseState.DECIDED:
        plan = SupportPlan.objects.get(case=case, status="submitted")
        services.plan_meeting_outcome_record(actor=user(f"{slug}-shunin"), plan=plan, outcome="approved")
        services.case_transition(actor=user(f"{slug}-jichitai"), case=case, name="decide")
    elif to == CaseState.IN_SUPPORT:
        services.case_transition(actor=actor, case=case, name="start_support")
    elif to == CaseState.EVALUATION:
        services.case_transition(actor=actor, case=case, name="start_evaluation")
    case.refresh_from_db()


# --- reading pages -------------------------------------------------------------------------------

from html.parser import HTMLParser  # noqa: E402


class Page(HTMLParser):
    """Attributes of every element with an id, textarea contents by name, checked boxes, text of error boxes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str]] = {}
        self.textareas: dict[str, str] = {}
        self.checked: dict[str, list[str]] = {}
        self.errors: dict[str, str] = {}
        self._textarea: str | None = None
        self._error: str | None = None
        self.html = html
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.by_id[a["id"]] = {"tag": tag, **a}
            if a["id"].endswith("_error"):
                self._error = a["id"].removesuffix("_error").removeprefix("id_")
                self.errors[self._error] = ""
        if tag == "textarea":
            self._textarea = a.get("name") or ""
            self.textareas[self._textarea] = ""
        if tag == "input" and "checked" in a:
            self.checked.setdefault(a.get("name", ""), []).append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        if tag == "div":
            self._error = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.textareas[self._textarea] += data
        if self._error is not None:
            self.errors[self._error] += data

    def value(self, field: str) -> str:
        return self.by_id.get(f"id_{field}", {}).get("value", "")


def page(response: Any) -> Page:
    return Page(response.content.decode())
