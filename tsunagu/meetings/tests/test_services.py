"""Meetings, agenda outcomes and decisions through the services: the rules and the bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tsunagu.cases.models import CaseState, PlanStatus
from tsunagu.cases.selectors import plan_current
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.meetings import services
from tsunagu.meetings.models import AgendaItem, Decision, Meeting, MeetingAttendee
from tsunagu.network.models import PartnerAgency
from tsunagu.privacy.selectors import consent_in_force
from tsunagu.privacy.services import consent_withdraw

from .helpers import approved_case, case_at_meeting, case_in_planning, meeting

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


# --- Meetings -------------------------------------------------------------------------------------


def test_meeting_create_with_staff_officer_partner_and_named_attendees(staff: Any) -> None:
    shunin = staff("shinjuku-shunin")
    partner = PartnerAgency.objects.get(name="ハローワーク新宿")
    m = services.meeting_create(
        actor=shunin,
        kind="coordination",
        values={"held_on": TODAY(), "place": "相談室A", "chair": shunin, "minutes": ""},
        attendees=[
            {"staff": staff("shinjuku-soudan")},
            {"staff": staff("shinjuku-jichitai")},
            {"partner": partner, "name": "就職支援ナビゲーター"},
            {"name": "本人"},
            {"name": "本人"},  # duplicates are dropped
        ],
    )
    assert m.kind == "coordination" and m.municipality.slug == "shinjuku" and m.council is None
    assert MeetingAttendee.objects.filter(meeting=m).count() == 4
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="meeting", object_id=str(m.pk)
    ).exists()


def test_meeting_date_missing_is_refused_and_nothing_saved(staff: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.meeting_create(actor=staff("shinjuku-shunin"), kind="coordination", values={"held_on": None})
    assert exc.value.message_dict["held_on"] == ["開催日を入力してください。"]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("username", ["shinjuku-soudan", "shinjuku-jichitai", "shinjuku-kansa"])
def test_only_chief_or_director_hold_meetings(staff: Any, username: str) -> None:
    with pytest.raises(PermissionDenied):
        meeting(staff(username))
    assert not Meeting.objects.exists()


def test_attendees_from_another_agency_or_municipality_are_refused(staff: Any) -> None:
    other_partner = PartnerAgency.objects.get(name="ハローワーク大宮")
    with pytest.raises(ValidationError) as exc:
        services.meeting_create(
            actor=staff("shinjuku-shunin"),
            kind="coordination",
            values={"held_on": TODAY()},
            attendees=[
                {"staff": staff("hasuda-soudan")},
                {"staff": staff("hasuda-jichitai")},
                {"partner": other_partner},
            ],
        )
    message = exc.value.message_dict["attendees"][0]
    assert "この機関の職員か、実施主体の自治体担当者" in message and "担当地域の関係機関" in message
    assert not Meeting.objects.exists()


def test_meeting_update_is_optimistic(staff: Any) -> None:
    shunin = staff("shinjuku-shunin")
    m = meeting(shunin)
    updated = services.meeting_update(
        actor=shunin, meeting=m, values={"place": "会議室B", "minutes": "全体の議事録"}, expected_version=1
    )
    assert updated.version == 2 and updated.place == "会議室B"
    with pytest.raises(ValidationError) as exc:
        services.meeting_update(actor=shunin, meeting=m, values={"place": "会議室C"}, expected_version=1)
    assert exc.value.code == "stale"
    m.refresh_from_db()
    assert m.place == "会議室B"


# --- Agenda and outcomes ----------------------------------------------------------------------------


def test_plan_on_agenda_approved_moves_plan_to_approved(staff: Any) -> None:
    case, item = approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"))
    assert item.outcome == "approved" and item.minutes == "承認"
    plan = plan_current(case)
    assert plan is not None and plan.status == PlanStatus.APPROVED and item.plan_id == plan.pk
    assert case.state == CaseState.COORDINATION_MEETING  # waits for the municipality


@pytest.mark.parametrize(
    ("outcome", "plan_status"), [("revise", PlanStatus.REVISION), ("returned", PlanStatus.RETURNED)]
)
def test_revise_or_return_sends_the_case_back_to_planning(staff: Any, outcome: str, plan_status: str) -> None:
    shunin = staff("shinjuku-shunin")
    case = case_at_meeting(staff("shinjuku-soudan"))
    item = services.agenda_item_add(actor=shunin, meeting=meeting(shunin), case=case, purpose="plan")
    item = services.agenda_outcome_record(actor=shunin, item=item, outcome=outcome, minutes="目標を具体的に")
    case.refresh_from_db()
    assert case.state == CaseState.PLANNING
    assert item.plan is not None
    item.plan.refresh_from_db()
    assert item.plan.status == plan_status


def test_plan_agenda_needs_a_case_waiting_with_a_submitted_plan(staff: Any) -> None:
    shunin = staff("shinjuku-shunin")
    case = case_in_planning(staff("shinjuku-soudan"))  # no plan yet
    with pytest.raises(ValidationError) as exc:
        services.agenda_item_add(actor=shunin, meeting=meeting(shunin), case=case, purpose="plan")
    assert "状態が「支援調整会議」のケース" in exc.value.message_dict["case"][0]
    assert not AgendaItem.objects.exists()


def test_outcome_without_a_plan_is_refused(staff: Any) -> None:
    shunin = staff("shinjuku-shunin")
    case = case_in_planning(staff("shinjuku-soudan"))
    m = meeting(shunin)
    item = AgendaItem.objects.create(meeting=m, case=case, purpose="plan")  # no plan (as old data might be)
    with pytest.raises(ValidationError) as exc:
        services.agenda_outcome_record(actor=shunin, item=item, outcome="approved")
    assert exc.value.message_dict["outcome"] == ["この議題にはプランがないため、結果を記録できません。"]
    item.refresh_from_db()
    assert item.outcome == ""


def test_outcome_is_required_recorded_once_and_not_before_the_meeting(staff: Any) -> None:
    shunin = staff("shinjuku-shunin")
    worker = staff("shinjuku-soudan")
    future = meeting(shunin, held_on=TODAY() + timedelta(days=7))
    case = case_at_meeting(worker)
    item = services.agenda_item_add(actor=shunin, meeting=future, case=case, purpose="plan")
    with pytest.raises(ValidationError) as exc:
        services.agenda_outcome_record(actor=shunin, item=item, outcome="approved")
    assert "開催日より前" in exc.value.message_dict["outcome"][0]

    case, item = approved_case(shunin, worker)
    with pytest.raises(ValidationError) as exc:
        services.agenda_outcome_record(actor=shunin, item=item, outcome="")
    assert "結果（承認・修正・差戻し）を選んでください" in exc.value.message_dict["outcome"][0]
    with pytest.raises(ValidationError) as exc:
        services.agenda_outcome_record(actor=shunin, item=item, outcome="returned")
    assert "既に「承認」" in exc.value.message_dict["outcome"][0]
    # the same outcome again only completes the minutes
    item = services.agenda_outcome_record(
        actor=shunin, item=item, outcome="approved", minutes="承認。就労支援員が同行"
    )
    assert item.minutes == "承認。就労支援員が同行"


def test_coordination_agenda_needs_consent_unless_emergency(staff: Any) -> None:
    shunin, worker = staff("shinjuku-shunin"), staff("shinjuku-soudan")
    case = case_at_meeting(worker)
    consent = consent_in_force(case.person)
    assert consent is not None
    consent_withdraw(actor=worker, consent=consent, withdrawn_on=TODAY(), note="本人の申出")
    with pytest.raises(ValidationError) as exc:
        services.agenda_item_add(actor=shunin, meeting=meeting(shunin), case=case, purpose="plan")
    assert "支援会議（法第9条）を使ってください" in exc.value.message_dict["case"][0]

    emergency = case_at_meeting(worker, consent=False, emergency=True)
    assert consent_in_force(emergency.person) is None
    item = services.agenda_item_add(actor=shunin, meeting=meeting(shunin), case=emergency, purpose="plan")
    assert item.plan is not None


def test_consultation_belongs_to_the_council_and_plans_to_coordination(staff: Any) -> None:
    shunin = staff("shinjuku-shunin")
    case = case_at_meeting(staff("shinjuku-soudan"))
    with pytest.raises(ValidationError) as exc:
        services.agenda_item_add(actor=shunin, meeting=meeting(shunin), case=case, purpose="consultation")
    assert "支援会議（法第9条）で行います" in exc.value.message_dict["purpose"][0]


def test_other_agencies_cases_cannot_be_put_on_the_agenda(staff: Any) -> None:
    case = case_at_meeting(staff("hasuda-soudan"))
    shunin = staff("shinjuku-shunin")
    with pytest.raises(PermissionDenied):
        services.agenda_item_add(actor=shunin, meeting=meeting(shunin), case=case, purpose="plan")


def test_same_case_and_purpose_only_once_per_meeting(staff: Any) -> None:
    shunin = staff("shinjuku-shunin")
    case = case_at_meeting(staff("shinjuku-soudan"))
    m = meeting(shunin)
    services.agenda_item_add(actor=shunin, meeting=m, case=case, purpose="plan")
    with pytest.raises(ValidationError) as exc:
        services.agenda_item_add(actor=shunin, meeting=m, case=case, purpose="plan")
    assert exc.value.message_dict["case"] == ["このケースは既に同じ議題で登録されています。"]
    assert AgendaItem.objects.filter(meeting=m).count() == 1


# --- 支援決定・確認 -------------------------------------------------------------------------------------


def test_decision_by_the_municipal_officer_decides_the_case(staff: Any) -> None:
    case, item = approved_case(
        staff("shinjuku-shunin"),
        staff("shinjuku-soudan"),
        programs=["employment_preparation", "household_budget"],
    )
    officer = staff("shinjuku-jichitai")
    decision = services.decision_record(
        actor=officer,
        case=case,
        kind="decision",
        decided_on=TODAY(),
        programs=None,
        note="就労準備・家計改善",
    )
    assert decision.decided_by == officer and decision.agenda_item == item
    assert decision.programs == ["employment_preparation", "household_budget"]
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
    plan = plan_current(case)
    assert plan is not None and plan.status == PlanStatus.DECIDED
    assert case.transitions.filter(name="decide", actor=officer).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="decision", actor=officer
    ).exists()


@pytest.mark.parametrize("username", ["shinjuku-shunin", "shinjuku-center", "shinjuku-soudan"])
def test_centre_staff_never_record_decisions(staff: Any, username: str) -> None:
    case, _ = approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"))
    with pytest.raises(PermissionDenied) as exc:
        services.decision_record(actor=staff(username), case=case, kind="confirmation", decided_on=TODAY())
    assert str(exc.value) == "支援決定・確認は、ケースの実施主体の自治体担当者のみが記録できます。"
    assert not Decision.objects.exists()
    case.refresh_from_db()
    assert case.state == CaseState.COORDINATION_MEETING
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=staff(username)).exists()


def test_officer_of_another_municipality_is_refused(staff: Any) -> None:
    case, _ = approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"))
    with pytest.raises(PermissionDenied) as exc:
        services.decision_record(
            actor=staff("hasuda-jichitai"), case=case, kind="confirmation", decided_on=TODAY()
        )
    assert "他の自治体のケース" in str(exc.value)
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("programs", "kind", "message"),
    [
        (["employment_preparation"], "confirmation", "法定事業の利用を申し込んでいるため「支援決定」"),
        ([], "decision", "法定事業の利用を含まないため「確認」"),
    ],
)
def test_decision_kind_follows_the_plans_programmes(
    staff: Any, programs: list[str], kind: str, message: str
) -> None:
    case, _ = approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"), programs=programs)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(actor=staff("shinjuku-jichitai"), case=case, kind=kind, decided_on=TODAY())
    assert message in exc.value.message_dict["kind"][0]
    assert not Decision.objects.exists()


def test_confirmation_of_a_plan_without_programmes(staff: Any) -> None:
    case, _ = approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"))
    decision = services.decision_record(
        actor=staff("shinjuku-jichitai"), case=case, kind="confirmation", decided_on=TODAY()
    )
    assert decision.kind == "confirmation" and decision.programs == []


def test_decision_bad_input(staff: Any) -> None:
    officer = staff("shinjuku-jichitai")
    case, _ = approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"), programs=["household_budget"])
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"decided_on": None}, "decided_on", "決定日を入力してください。"),
        ({"decided_on": TODAY() + timedelta(days=1)}, "decided_on", "決定日に未来の日付は入力できません。"),
        ({"decided_on": TODAY() - timedelta(days=2)}, "decided_on", "承認した支援調整会議の開催日以降"),
        ({"programs": ["employment_preparation"]}, "programs", "プランで利用を申し込んだ事業から"),
        ({"programs": []}, "programs", "決定する事業を選んでください。"),
    ]
    for overrides, field, message in cases:
        kwargs: dict[str, Any] = {"kind": "decision", "decided_on": TODAY(), "programs": None} | overrides
        with pytest.raises(ValidationError) as exc:
            services.decision_record(actor=officer, case=case, **kwargs)
        assert message in exc.value.message_dict[field][0], (overrides, exc.value)
    assert not Decision.objects.exists()


def test_no_decision_without_an_approved_plan(staff: Any) -> None:
    case = case_at_meeting(staff("shinjuku-soudan"))  # submitted, not yet discussed
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            actor=staff("shinjuku-jichitai"), case=case, kind="confirmation", decided_on=TODAY()
        )
    assert "承認されたプランがない" in exc.value.messages[0]
    case, _ = approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"))
    services.decision_record(
        actor=staff("shinjuku-jichitai"), case=case, kind="confirmation", decided_on=TODAY()
    )
    with pytest.raises(ValidationError):  # twice: the plan is decided already
        services.decision_record(
            actor=staff("shinjuku-jichitai"), case=case, kind="confirmation", decided_on=TODAY()
        )
    assert Decision.objects.count() == 1
