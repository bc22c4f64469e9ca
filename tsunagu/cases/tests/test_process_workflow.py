"""The case state machine after intake: every transition allowed and refused (wrong state, missing
guard, wrong actor), always with a Japanese message and nothing saved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tsunagu.cases import services
from tsunagu.cases.models import Case, CaseState, CaseTransition, PlanStatus, SupportPlan
from tsunagu.cases.selectors import plan_current
from tsunagu.cases.tests.process import (
    assessment_values,
    case_at,
    evaluation_values,
    goal_values,
    plan_values,
    user,
)
from tsunagu.cases.workflow import TRANSITIONS, available_transitions
from tsunagu.core.models import AuditAction, AuditEvent

S = CaseState
pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(demo: Any) -> Any:
    return user("shinjuku-soudan")


def _snapshot(case: Case) -> tuple[Any, ...]:
    fresh = Case.objects.get(pk=case.pk)
    plans = list(SupportPlan.objects.filter(case=case).values_list("status", "version"))
    return (
        fresh.state,
        fresh.version,
        fresh.closed_on,
        CaseTransition.objects.filter(case=case).count(),
        plans,
    )


def _refused(case: Case, name: str, *, actor: Any, reason: str = "", exc: type = ValidationError) -> str:
    before = _snapshot(case)
    with pytest.raises(exc) as info:
        services.case_transition(actor=actor, case=case, name=name, reason=reason)
    assert _snapshot(case) == before, "nothing may be saved by a refused transition"
    message = info.value.messages[0] if isinstance(info.value, ValidationError) else str(info.value)
    assert any("\u3040" <= ch <= "\u9fff" for ch in message), message
    return message


def test_the_table_has_every_named_transition() -> None:
    assert set(TRANSITIONS) == {
        "apply",
        "start_assessment",
        "start_emergency_assessment",
        "end_at_screening",
        "start_planning",
        "submit_to_meeting",
        "return_to_planning",
        "decide",
        "start_support",
        "start_evaluation",
        "close",
        "replan",
        "suspend",
        "start_follow_up",
        "end_follow_up",
        "cancel",
    }
    assert TRANSITIONS["decide"].by_municipality
    assert not any(t.by_municipality for n, t in TRANSITIONS.items() if n != "decide")


def test_the_whole_path_to_closure_and_follow_up(worker: Any) -> None:
    case = case_at(S.EVALUATION)
    plan = plan_current(case)
    assert plan is not None and plan.status == PlanStatus.DECIDED
    services.evaluation_create(
        actor=worker,
        case=case,
        values=evaluation_values(plan, "close", follow_up_on=timezone.localdate()),
    )
    services.case_transition(actor=worker, case=case, name="close")
    case.refresh_from_db()
    assert case.state == S.CLOSED
    assert case.closed_on == timezone.localdate()
    assert case.closure_reason == "goal_achieved"
    assert SupportPlan.objects.get(pk=plan.pk).status == PlanStatus.ENDED
    services.case_transition(actor=worker, case=case, name="start_follow_up")
    services.case_transition(actor=worker, case=case, name="end_follow_up")
    case.refresh_from_db()
    assert case.state == S.CLOSED
    names = list(CaseTransition.objects.filter(case=case).values_list("name", flat=True))
    assert names == [
        "apply",
        "start_assessment",
        "start_planning",
        "submit_to_meeting",
        "decide",
        "start_support",
        "start_evaluation",
        "close",
        "start_follow_up",
        "end_follow_up",
    ]
    audited = AuditEvent.objects.filter(
        action=AuditAction.TRANSITION, object_type="case", object_id=str(case.pk)
    )
    assert audited.count() == len(names)


def test_start_planning_needs_an_assessment(worker: Any) -> None:
    case = case_at(S.ASSESSMENT)
    msg = _refused(case, "start_planning", actor=worker)
    assert "アセスメントシートを作成" in msg
    services.assessment_create(actor=worker, case=case, values=assessment_values())
    services.case_transition(actor=worker, case=case, name="start_planning")
    assert Case.objects.get(pk=case.pk).state == S.PLANNING


def test_submit_to_meeting_needs_a_plan_with_goals_and_agreement(worker: Any) -> None:
    case = case_at(S.PLANNING)
    assert "プラン（案）がありません" in _refused(case, "submit_to_meeting", actor=worker)
    plan = services.plan_create(actor=worker, case=case, values=plan_values(agreed_on=None), goals=[])
    assert "目標と支援内容" in _refused(case, "submit_to_meeting", actor=worker)
    plan = services.plan_update(
        actor=worker, plan=plan, values=plan_values(agreed_on=None), goals=[goal_values()], expected_version=1
    )
    assert "本人の同意日" in _refused(case, "submit_to_meeting", actor=worker)
    plan = services.plan_update(
        actor=worker, plan=plan, values=plan_values(), goals=None, expected_version=plan.version
    )
    services.case_transition(actor=worker, case=case, name="submit_to_meeting")
    assert SupportPlan.objects.get(pk=plan.pk).status == PlanStatus.SUBMITTED
    assert Case.objects.get(pk=case.pk).state == S.COORDINATION_MEETING


def test_decide_only_after_approval_and_only_by_the_municipal_officer(worker: Any) -> None:
    case = case_at(S.COORDINATION_MEETING)
    officer = user("shinjuku-jichitai")
    assert "承認されていない" in _refused(case, "decide", actor=officer)
    plan = plan_current(case)
    assert plan is not None
    services.plan_meeting_outcome_record(actor=user("shinjuku-shunin"), plan=plan, outcome="approved")
    # Centre staff, even the director, may not decide; nor another municipality's officer.
    for who in ("shinjuku-soudan", "shinjuku-center", "hasuda-jichitai"):
        msg = _refused(case, "decide", actor=user(who), exc=PermissionDenied)
        assert "自治体" in msg
    assert (
        AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, details__transition="decide").count() == 3
    )
    services.case_transition(actor=officer, case=case, name="decide")
    case.refresh_from_db()
    assert case.state == S.DECIDED
    assert SupportPlan.objects.get(pk=plan.pk).status == PlanStatus.DECIDED
    # The officer may not run the centre's transitions.
    assert "機関" in _refused(case, "start_support", actor=officer, exc=PermissionDenied)


def test_meeting_outcomes_revise_and_return(worker: Any) -> None:
    shunin = user("shinjuku-shunin")
    case = case_at(S.COORDINATION_MEETING)
    plan = plan_current(case)
    assert plan is not None
    assert "会議の結果" in _refused(case, "return_to_planning", actor=worker)
    # 修正: the same plan is edited again.
    services.plan_meeting_outcome_record(actor=shunin, plan=plan, outcome="revise", note="目標を具体的に")
    case.refresh_from_db()
    plan.refresh_from_db()
    assert (case.state, plan.status) == (S.PLANNING, PlanStatus.REVISION)
    assert CaseTransition.objects.filter(case=case).last().reason == "目標を具体的に"  # type: ignore[union-attr]
    services.case_transition(actor=worker, case=case, name="submit_to_meeting")
    # 差戻し: the plan is closed as returned; a new version is made.
    plan.refresh_from_db()
    services.plan_meeting_outcome_record(actor=shunin, plan=plan, outcome="returned")
    case.refresh_from_db()
    assert case.state == S.PLANNING
    assert plan_current(case) is None
    second = services.plan_create(actor=worker, case=case, values=plan_values(), goals=[goal_values()])
    assert second.number == 2
    # Only a submitted plan gets an outcome; only MEETING_MANAGE records one.
    with pytest.raises(ValidationError) as exc:
        services.plan_meeting_outcome_record(actor=shunin, plan=second, outcome="approved")
    assert "提出されていません" in exc.value.messages[0]
    with pytest.raises(PermissionDenied):
        services.plan_meeting_outcome_record(actor=worker, plan=second, outcome="approved")
    with pytest.raises(PermissionDenied):
        services.plan_meeting_outcome_record(actor=user("hasuda-shunin"), plan=second, outcome="approved")
    with pytest.raises(ValidationError):
        services.plan_meeting_outcome_record(actor=shunin, plan=second, outcome="maybe")


def test_start_support_sets_the_first_monitoring_date(worker: Any) -> None:
    case = case_at(S.IN_SUPPORT)
    plan = plan_current(case)
    assert plan is not None and plan.next_monitoring_on is not None
    assert plan.next_monitoring_on >= timezone.localdate() + timedelta(days=30)


def test_evaluation_transitions_follow_the_latest_evaluation(worker: Any) -> None:
    case = case_at(S.EVALUATION)
    plan = plan_current(case)
    assert plan is not None
    for name in ("close", "replan", "suspend"):
        assert "評価シートがありません" in _refused(case, name, actor=worker, reason="x")
    services.evaluation_create(actor=worker, case=case, values=evaluation_values(plan, "replan"))
    assert "「再プラン」です" in _refused(case, "close", actor=worker)
    assert "「再プラン」です" in _refused(case, "suspend", actor=worker, reason="x")
    services.case_transition(actor=worker, case=case, name="replan")
    case.refresh_from_db()
    assert case.state == S.ASSESSMENT
    assert SupportPlan.objects.get(pk=plan.pk).status == PlanStatus.SUPERSEDED


def test_suspension_needs_a_meeting_confirmation_and_a_reason(worker: Any) -> None:
    case = case_at(S.IN_SUPPORT)
    plan = plan_current(case)
    assert plan is not None
    services.evaluation_create(
        actor=worker, case=case, values=evaluation_values(plan, "suspend", summary="3か月連絡が取れない")
    )
    msg = _refused(case, "suspend", actor=worker, reason="転居先不明")
    assert "支援調整会議での確認" in msg
    _confirm_suspension_at_meeting(case, plan)
    assert "理由を入力" in _refused(case, "suspend", actor=worker, reason="  ")
    services.case_transition(actor=worker, case=case, name="suspend", reason="転居先不明、手紙も戻る")
    case.refresh_from_db()
    assert case.state == S.SUSPENDED
    assert SupportPlan.objects.get(pk=plan.pk).status == PlanStatus.ENDED
    assert case.closed_on == timezone.localdate() and case.closure_reason == ""


def _confirm_suspension_at_meeting(case: Case, plan: SupportPlan) -> None:
    """The meetings app records the 支援調整会議's confirmation (its own service is tested there)."""
    from tsunagu.meetings.models import AgendaItem, Meeting

    meeting = Meeting.objects.create(
        agency=case.agency,
        municipality=case.municipality,
        kind="coordination",
        held_on=timezone.localdate(),
        created_by=user("shinjuku-shunin"),
    )
    AgendaItem.objects.create(meeting=meeting, case=case, purpose="suspension", plan=plan, outcome="approved")


@pytest.mark.parametrize(
    ("state", "name"),
    [
        (S.APPLIED, "start_planning"),
        (S.ASSESSMENT, "submit_to_meeting"),
        (S.PLANNING, "decide"),
        (S.PLANNING, "return_to_planning"),
        (S.COORDINATION_MEETING, "start_support"),
        (S.DECIDED, "start_evaluation"),
        (S.IN_SUPPORT, "close"),
        (S.IN_SUPPORT, "replan"),
        (S.DECIDED, "suspend"),
        (S.EVALUATION, "start_follow_up"),
        (S.IN_SUPPORT, "end_follow_up"),
    ],
)
def test_every_transition_is_refused_from_the_wrong_state(worker: Any, state: CaseState, name: str) -> None:
    case = case_at(state)
    actor = user("shinjuku-jichitai") if name == "decide" else worker
    msg = _refused(case, name, actor=actor, reason="x")
    assert "状態が" in msg and f"現在の状態：{CaseState(state).label}" in msg


def test_another_agency_and_read_only_roles_cannot_move_the_case(worker: Any) -> None:
    case = case_at(S.IN_SUPPORT)
    for who in ("hasuda-soudan", "shinjuku-kansa", "shinjuku-jimu"):
        _refused(case, "start_evaluation", actor=user(who), exc=PermissionDenied)


def test_the_case_page_lists_transitions_with_blocked_reasons(worker: Any) -> None:
    case = case_at(S.COORDINATION_MEETING)
    rows = {t.name: blocked for t, blocked in available_transitions(case, worker)}
    assert set(rows) == {"return_to_planning", "decide"}  # 取消 is offered to 主任・センター長 only
    assert "自治体" in (rows["decide"] or "")
    chief = {t.name: blocked for t, blocked in available_transitions(case, user("shinjuku-shunin"))}
    assert set(chief) == {"return_to_planning", "decide", "cancel"}
