"""Cases brought to the 支援調整会議 through the real services (intake → … → plan submitted)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from tsunagu.cases import services as case_services
from tsunagu.cases.models import Case
from tsunagu.cases.tests.helpers import consent_values, open_case
from tsunagu.meetings import services
from tsunagu.meetings.models import AgendaItem, Meeting

_counter = {"n": 0}

NAMES = [
    ("青木 誠", "アオキ マコト"),
    ("石井 恵", "イシイ メグミ"),
    ("上田 翔", "ウエダ ショウ"),
    ("遠藤 彩", "エンドウ アヤ"),
    ("大西 亮", "オオニシ リョウ"),
    ("加藤 望", "カトウ ノゾミ"),
    ("菊地 陸", "キクチ リク"),
    ("工藤 舞", "クドウ マイ"),
    ("小松 悠", "コマツ ユウ"),
    ("斎藤 蓮", "サイトウ レン"),
    ("柴田 楓", "シバタ カエデ"),
    ("須田 湊", "スダ ミナト"),
]


def _next_person() -> dict[str, Any]:
    i = _counter["n"]
    _counter["n"] += 1
    name, kana = NAMES[i % len(NAMES)]
    return {
        "name": f"{name}{'' if i < len(NAMES) else i}",
        "kana": kana,
        "birth_date": date(1970 + i % 30, 1 + i % 12, 1 + i % 28),
        "phone": f"090-{1000 + i:04d}-{2000 + i:04d}",
    }


def applied_case(actor: Any, *, consent: bool = True, emergency: bool = False) -> Case:
    today = timezone.localdate()
    return open_case(
        actor,
        person_kw=_next_person(),
        consent=consent_values() if consent else None,
        applied_on=today if consent else None,
        urgency_flags=["no_money"] if emergency else [],
    )


def case_in_planning(actor: Any, **kw: Any) -> Case:
    case = applied_case(actor, **kw)
    today = timezone.localdate()
    if case.state == "applied":
        case = case_services.case_transition(actor=actor, case=case, name="start_assessment")
    else:
        case = case_services.case_transition(
            actor=actor, case=case, name="start_emergency_assessment", reason="所持金がなく緊急"
        )
    case_services.assessment_create(
        actor=actor,
        case=case,
        values={"assessed_on": today, "wishes": "仕事を見つけて生活を立て直したい", "issues": []},
    )
    return case_services.case_transition(actor=actor, case=case, name="start_planning")


def plan_values(programs: list[str] | None = None, **overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "wishes": "家賃を払い続けられるようにしたい",
        "issues": "失業による収入の途絶",
        "long_term_goal": "安定した就労",
        "short_term_goal": "求職活動を始める",
        "programs": programs or [],
        "start_date": today,
        "end_date": today + timedelta(days=90),
        "agreed_on": today,
        "monitoring_interval_days": 30,
    } | overrides


def goal_values(actor: Any) -> dict[str, Any]:
    return {
        "term": "short",
        "issue": "就労していない",
        "goal": "ハローワークで求職登録をする",
        "support": "同行し、求職登録を支援する",
        "provider_kind": "staff",
        "provider_staff": actor,
        "frequency": "週1回",
    }


def case_at_meeting(actor: Any, *, programs: list[str] | None = None, **kw: Any) -> Case:
    """A case in 支援調整会議 with its plan (案) submitted."""
    case = case_in_planning(actor, **kw)
    case_services.plan_create(
        actor=actor, case=case, values=plan_values(programs), goals=[goal_values(actor)]
    )
    return case_services.case_transition(actor=actor, case=case, name="submit_to_meeting")


def meeting(actor: Any, *, held_on: date | None = None, **values: Any) -> Meeting:
    return services.meeting_create(
        actor=actor,
        kind="coordination",
        values={"held_on": held_on or timezone.localdate(), "place": "相談室A"} | values,
    )


def approved_case(manager: Any, worker: Any, *, programs: list[str] | None = None) -> tuple[Case, AgendaItem]:
    """A case whose plan the 支援調整会議 (held yesterday) approved, awaiting the municipality's decision."""
    case = case_at_meeting(worker, programs=programs)
    m = meeting(manager, held_on=timezone.localdate() - timedelta(days=1))
    item = services.agenda_item_add(actor=manager, meeting=m, case=case, purpose="plan")
    item = services.agenda_outcome_record(actor=manager, item=item, outcome="approved", minutes="承認")
    case.refresh_from_db()
    return case, item
