"""Services of the support process: assessment versions and sharing, plan versions and the
re-plan link, plan period rules (form, service and database), records with the last contact and
the monitoring date (祝日 skipped), evaluations, and the dashboard selectors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tsunagu.cases import selectors, services
from tsunagu.cases.models import (
    Assessment,
    Case,
    CaseState,
    Evaluation,
    GoalResult,
    PlanGoal,
    PlanStatus,
    SupportPlan,
    SupportRecord,
)
from tsunagu.cases.selectors import plan_current
from tsunagu.cases.tests.helpers import consent_values
from tsunagu.cases.tests.process import (
    assessment_values,
    at,
    case_at,
    evaluation_values,
    goal_values,
    plan_values,
    record_values,
    user,
)
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.persons.services import StaleVersionError
from tsunagu.privacy.models import DataCategory
from tsunagu.privacy.services import consent_withdraw

S = CaseState
pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(demo: Any) -> Any:
    return user("shinjuku-soudan")


# --- assessment ------------------------------------------------------------------------------------


def test_assessment_versions_are_numbered_and_never_edited(worker: Any) -> None:
    case = case_at(S.ASSESSMENT)
    a1 = services.assessment_create(actor=worker, case=case, values=assessment_values(), based_on_number=0)
    a2 = services.assessment_create(
        actor=worker, case=case, values=assessment_values(wishes="家族と暮らしたい"), based_on_number=1
    )
    assert (a1.number, a2.number) == (1, 2)
    assert Assessment.objects.get(pk=a1.pk).wishes == "早く仕事を見つけて家賃を払いたい"
    diff = selectors.assessment_diff(a1, a2)
    assert ("本人の意向", "早く仕事を見つけて家賃を払いたい", "家族と暮らしたい") in diff
    created = AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="assessment")
    assert created.count() == 2


def test_a_stale_assessment_is_refused_with_the_other_version(worker: Any) -> None:
    case = case_at(S.ASSESSMENT)
    services.assessment_create(actor=worker, case=case, values=assessment_values(), based_on_number=0)
    with pytest.raises(StaleVersionError) as exc:
        services.assessment_create(
            actor=user("shinjuku-shunin"), case=case, values=assessment_values(wishes="別"), based_on_number=0
        )
    assert exc.value.current.number == 1
    assert Assessment.objects.filter(case=case).count() == 1


def test_assessment_bad_input_and_wrong_state(worker: Any) -> None:
    case = case_at(S.APPLIED)
    with pytest.raises(ValidationError) as exc:
        services.assessment_create(actor=worker, case=case, values=assessment_values())
    assert "利用申込の後" in exc.value.messages[0]
    case = case_at(S.ASSESSMENT, name="鈴木 次郎", kana="スズキ ジロウ")
    with pytest.raises(ValidationError) as exc:
        services.assessment_create(
            actor=worker,
            case=case,
            values=assessment_values(
                assessed_on=timezone.localdate() + timedelta(days=1), issues=["nope"], urgency="extreme"
            ),
        )
    assert set(exc.value.message_dict) == {"assessed_on", "issues", "urgency"}
    with pytest.raises(ValidationError) as exc:
        services.assessment_create(
            actor=worker, case=case, values={"assessed_on": timezone.localdate(), "sections": {}}
        )
    assert "内容" in exc.value.messages[0]
    with pytest.raises(PermissionDenied):
        services.assessment_create(actor=user("hasuda-soudan"), case=case, values=assessment_values())
    assert not Assessment.objects.filter(case=case).exists()


def test_a_joint_assessment_is_recorded_as_such(worker: Any) -> None:
    case = case_at(S.ASSESSMENT)
    kakei = user("shinjuku-kakei")
    a = services.assessment_create(actor=worker, case=case, values=assessment_values(joint_with=kakei))
    assert a.joint_with == kakei
    # The partner must be another member of the same centre.
    with pytest.raises(ValidationError):
        services.assessment_create(actor=worker, case=case, values=assessment_values(joint_with=worker))
    with pytest.raises(ValidationError):
        services.assessment_create(
            actor=worker, case=case, values=assessment_values(joint_with=user("hasuda-kakei"))
        )
    # The joint assessor (a 家計改善支援員 not assigned) sees it.
    assert list(selectors.assessments_of_case(user=kakei, case=case)) == [a]


def test_sharing_with_the_budget_supporter_needs_a_covering_consent(worker: Any) -> None:
    kakei = user("shinjuku-kakei")
    # Consent for support but without the 経済状況 category: refused.
    case = case_at(
        S.PLANNING,
        consent=consent_values(data_categories=[DataCategory.BASIC, DataCategory.HEALTH]),
    )
    a = Assessment.objects.get(case=case)
    assert list(selectors.assessments_of_case(user=kakei, case=case)) == []
    with pytest.raises(ValidationError) as exc:
        services.assessment_share_with_budget_supporter(actor=worker, assessment=a, recipient=kakei)
    assert "同意" in exc.value.messages[0]
    assert not Assessment.objects.get(pk=a.pk).shared_with_budget_support
    # A recipient who is not a 家計改善支援員: refused.
    with pytest.raises(ValidationError):
        services.assessment_share_with_budget_supporter(
            actor=worker, assessment=a, recipient=user("shinjuku-shuro")
        )

    case2 = case_at(S.PLANNING, name="鈴木 次郎", kana="スズキ ジロウ")
    a2 = Assessment.objects.get(case=case2)
    services.assessment_share_with_budget_supporter(actor=worker, assessment=a2, recipient=kakei)
    a2.refresh_from_db()
    assert a2.shared_with_budget_support and a2.shared_with == kakei and a2.shared_at is not None
    event = AuditEvent.objects.get(
        action=AuditAction.DISCLOSURE, object_type="assessment", object_id=str(a2.pk)
    )
    assert event.details["recipient_id"] == kakei.pk and event.details["basis"] == "consent"
    assert event.person_id == case2.person_id
    assert list(selectors.assessments_of_case(user=kakei, case=case2)) == [a2]
    # Another 家計改善支援員 (not the recipient) would not see it; nor after the consent is withdrawn.
    from tsunagu.privacy.selectors import consent_in_force

    consent = consent_in_force(case2.person)
    assert consent is not None
    consent_withdraw(actor=worker, consent=consent, withdrawn_on=timezone.localdate(), note="撤回")
    assert list(selectors.assessments_of_case(user=kakei, case=case2)) == []
    # Other staff of the centre see every version as before.
    assert list(selectors.assessments_of_case(user=user("shinjuku-shunin"), case=case2)) == [a2]


def test_budget_supporter_views_through_the_pages(login: Any) -> None:
    case = case_at(S.PLANNING)
    a = Assessment.objects.get(case=case)
    kakei = login("shinjuku-kakei")
    assert kakei.get(f"/cases/{case.pk}/assessments/{a.pk}/").status_code == 404
    assert "共有されていないため閲覧できません" in kakei.get(f"/cases/{case.pk}/").content.decode()
    services.assessment_share_with_budget_supporter(
        actor=user("shinjuku-soudan"), assessment=a, recipient=user("shinjuku-kakei")
    )
    assert kakei.get(f"/cases/{case.pk}/assessments/{a.pk}/").status_code == 200


# --- plan ------------------------------------------------------------------------------------------


def test_plan_rules(worker: Any) -> None:
    case = case_at(S.PLANNING)
    d = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            actor=worker,
            case=case,
            values=plan_values(
                wishes="", end_date=d - timedelta(days=1), monitoring_interval_days=3, programs=["x"]
            ),
            goals=[goal_values(goal="", provider_kind="partner", provider_partner=None)],
        )
    errors = exc.value.message_dict
    assert {
        "wishes",
        "end_date",
        "monitoring_interval_days",
        "programs",
        "goals-0-goal",
        "goals-0-provider_partner",
    } <= set(errors)
    assert "施行規則第1条" in errors["wishes"][0]
    assert not SupportPlan.objects.filter(case=case).exists()
    # Six months exactly is fine; a day more needs a reason.
    from tsunagu.cases.validation import plan_period_limit

    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            actor=worker,
            case=case,
            values=plan_values(end_date=plan_period_limit(d) + timedelta(days=1)),
            goals=[],
        )
    assert "long_period_reason" in exc.value.message_dict
    plan = services.plan_create(
        actor=worker, case=case, values=plan_values(end_date=plan_period_limit(d)), goals=[]
    )
    assert plan.end_date == plan_period_limit(d)
    # One plan in force per case.
    with pytest.raises(ValidationError) as exc:
        services.plan_create(actor=worker, case=case, values=plan_values(), goals=[])
    assert "有効なプラン" in exc.value.messages[0]


def test_plan_period_limit_examples() -> None:
    from tsunagu.cases.validation import plan_period_limit

    assert plan_period_limit(date(2026, 4, 1)) == date(2026, 9, 30)
    assert plan_period_limit(date(2026, 8, 31)) == date(2027, 2, 27)


def test_the_database_refuses_a_plan_ending_before_it_starts(worker: Any) -> None:
    case = case_at(S.PLANNING)
    d = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportPlan.objects.create(
            case=case,
            agency=case.agency,
            municipality=case.municipality,
            author=worker,
            number=9,
            wishes="x",
            issues="x",
            long_term_goal="x",
            start_date=d,
            end_date=d - timedelta(days=1),
        )
    plan = SupportPlan(
        case=case,
        agency=case.agency,
        municipality=case.municipality,
        author=worker,
        number=9,
        wishes="x",
        issues="x",
        long_term_goal="x",
        start_date=d,
        end_date=d - timedelta(days=1),
    )
    with pytest.raises(ValidationError) as exc:
        plan.full_clean()
    assert "終了日は開始日以降" in " ".join(exc.value.messages)


def test_plan_only_in_planning_and_edit_only_as_draft(worker: Any) -> None:
    case = case_at(S.ASSESSMENT)
    with pytest.raises(ValidationError) as exc:
        services.plan_create(actor=worker, case=case, values=plan_values(), goals=[])
    assert "プラン策定" in exc.value.messages[0]
    case = case_at(S.COORDINATION_MEETING, name="鈴木 次郎", kana="スズキ ジロウ")
    plan = plan_current(case)
    assert plan is not None
    with pytest.raises(ValidationError) as exc:
        services.plan_update(
            actor=worker, plan=plan, values=plan_values(), goals=None, expected_version=plan.version
        )
    assert "編集できません" in exc.value.messages[0]


def test_plan_goals_are_updated_added_and_removed(worker: Any) -> None:
    case = case_at(S.PLANNING)
    plan = services.plan_create(
        actor=worker,
        case=case,
        values=plan_values(),
        goals=[
            goal_values(),
            goal_values(goal="ハローワークに通う", provider_kind="staff", provider_staff=worker),
        ],
    )
    g1, g2 = plan.goals.order_by("order")
    assert g2.provider_staff == worker and g2.provider_program == ""  # only the chosen provider is kept
    plan = services.plan_update(
        actor=worker,
        plan=plan,
        values=plan_values(),
        goals=[
            {
                "id": g2.pk,
                **goal_values(goal="週2回ハローワークに通う", provider_kind="staff", provider_staff=worker),
            },
            goal_values(
                goal="夜間の預け先", provider_kind="resource", unmet_need=True, unmet_need_note="夜間保育なし"
            ),
        ],
        expected_version=1,
    )
    goals = list(plan.goals.order_by("order"))
    assert [g.goal for g in goals] == ["週2回ハローワークに通う", "夜間の預け先"]
    assert goals[0].pk == g2.pk and goals[1].unmet_need
    assert not PlanGoal.objects.filter(pk=g1.pk).exists()
    with pytest.raises(StaleVersionError):
        services.plan_update(actor=worker, plan=plan, values=plan_values(), goals=None, expected_version=1)
    # An unmet need without saying what is missing is refused.
    with pytest.raises(ValidationError) as exc:
        services.plan_update(
            actor=worker,
            plan=plan,
            values=plan_values(),
            goals=[goal_values(provider_kind="resource", unmet_need=True)],
            expected_version=2,
        )
    assert "goals-0-unmet_need_note" in exc.value.message_dict


def test_replanning_makes_a_new_version_linked_to_the_evaluation(worker: Any) -> None:
    case = case_at(S.EVALUATION)
    first = plan_current(case)
    assert first is not None
    ev = services.evaluation_create(actor=worker, case=case, values=evaluation_values(first, "replan"))
    services.case_transition(actor=worker, case=case, name="replan")
    services.assessment_create(actor=worker, case=case, values=assessment_values(wishes="別の仕事を探したい"))
    services.case_transition(actor=worker, case=case, name="start_planning")
    second = services.plan_create(actor=worker, case=case, values=plan_values(), goals=[goal_values()])
    assert (second.number, second.replan_of_evaluation_id) == (2, ev.pk)
    assert second.based_on_assessment is not None and second.based_on_assessment.number == 2
    assert SupportPlan.objects.get(pk=first.pk).status == PlanStatus.SUPERSEDED
    # Returned at the meeting: the next version still belongs to the same re-plan.
    services.case_transition(actor=worker, case=case, name="submit_to_meeting")
    services.plan_meeting_outcome_record(actor=user("shinjuku-shunin"), plan=second, outcome="returned")
    third = services.plan_create(actor=worker, case=case, values=plan_values(), goals=[goal_values()])
    assert (third.number, third.replan_of_evaluation_id) == (3, ev.pk)
    assert list(ev.replans.order_by("number").values_list("number", flat=True)) == [2, 3]


# --- records and monitoring -------------------------------------------------------------------------


def test_a_record_updates_the_last_contact(worker: Any) -> None:
    case = case_at(S.IN_SUPPORT, received_on=timezone.localdate() - timedelta(days=40))
    assert case.last_contact_on == timezone.localdate() - timedelta(days=40)
    # A call to a partner agency is not contact with the person.
    services.record_create(
        actor=worker,
        case=case,
        values=record_values(worker, method="agency_contact", occurred_at=timezone.now() - timedelta(days=3)),
    )
    case.refresh_from_db()
    assert case.last_contact_on == timezone.localdate() - timedelta(days=40)
    services.record_create(
        actor=worker,
        case=case,
        values=record_values(worker, method="phone", occurred_at=timezone.now() - timedelta(days=5)),
    )
    case.refresh_from_db()
    assert case.last_contact_on == timezone.localtime(timezone.now() - timedelta(days=5)).date()


@pytest.mark.parametrize(
    ("received", "monitored", "due"),
    [
        # 敬老の日 9/21, 国民の休日 9/22, 秋分の日 9/23 (2026): 8/22 + 30 days → Thursday 9/24.
        (date(2026, 8, 3), date(2026, 8, 22), date(2026, 9, 24)),
        # Golden Week 2026: 4/4 + 30 = 5/4 (みどりの日), 5/5, 5/6 (振替休日) → 5/7.
        (date(2026, 4, 1), date(2026, 4, 4), date(2026, 5, 7)),
        # A plain business day stays as it is: 6/1 + 30 = 7/1 (Wednesday).
        (date(2026, 5, 25), date(2026, 6, 1), date(2026, 7, 1)),
    ],
)
def test_the_next_monitoring_date_skips_holidays(
    worker: Any, received: date, monitored: date, due: date
) -> None:
    case = case_at(S.IN_SUPPORT, received_on=received)
    services.record_create(
        actor=worker, case=case, values=record_values(worker, occurred_at=at(monitored), is_monitoring=True)
    )
    plan = plan_current(case)
    assert plan is not None and plan.next_monitoring_on == due


def test_monitoring_due_dates() -> None:
    assert services.monitoring_due_after(date(2026, 8, 22), 14) == date(2026, 9, 7)  # a Monday
    assert services.monitoring_due_after(date(2026, 12, 1), 30) == date(2027, 1, 4)  # 年末年始 closure


def test_a_monitoring_record_needs_a_decided_plan(worker: Any) -> None:
    case = case_at(S.PLANNING)
    with pytest.raises(ValidationError) as exc:
        services.record_create(actor=worker, case=case, values=record_values(worker, is_monitoring=True))
    assert "is_monitoring" in exc.value.message_dict
    assert not SupportRecord.objects.filter(case=case).exists()


def test_record_rules_and_stale_update(worker: Any) -> None:
    case = case_at(S.IN_SUPPORT)
    with pytest.raises(ValidationError) as exc:
        services.record_create(
            actor=worker,
            case=case,
            values=record_values(
                worker, method="fax", content="", duration_minutes=0, staff=user("hasuda-soudan")
            ),
        )
    assert set(exc.value.message_dict) == {"method", "content", "duration_minutes", "staff"}
    record = services.record_create(actor=worker, case=case, values=record_values(worker))
    services.record_update(
        actor=user("shinjuku-shunin"),
        record=record,
        values=record_values(worker, content="先の修正"),
        expected_version=1,
    )
    with pytest.raises(StaleVersionError) as stale:
        services.record_update(
            actor=worker, record=record, values=record_values(worker, content="後の修正"), expected_version=1
        )
    assert stale.value.current.content == "先の修正"
    assert SupportRecord.objects.get(pk=record.pk).content == "先の修正"


def test_overdue_and_ending_selectors(worker: Any) -> None:
    today = timezone.localdate()
    overdue = case_at(S.IN_SUPPORT, received_on=today - timedelta(days=70))
    ontime = case_at(S.IN_SUPPORT, name="鈴木 次郎", kana="スズキ ジロウ")
    SupportPlan.objects.filter(case=overdue).update(next_monitoring_on=today - timedelta(days=1))
    rows = list(selectors.cases_monitoring_overdue(worker))
    assert [c.pk for c in rows] == [overdue.pk]
    assert rows[0].next_monitoring_on == today - timedelta(days=1)  # type: ignore[attr-defined]
    assert list(selectors.cases_monitoring_overdue(user("hasuda-shunin"))) == []
    # Plan of the overdue case ends 90 - 70 = 20 days from now; the other in 90 days.
    assert [p.case_id for p in selectors.plans_ending_within(worker, 30)] == [overdue.pk]
    assert {p.case_id for p in selectors.plans_ending_within(worker, 90)} == {overdue.pk, ontime.pk}
    assert list(selectors.plans_ending_within(user("hasuda-shunin"), 90)) == []


# --- evaluation -------------------------------------------------------------------------------------


def test_evaluation_rules(worker: Any) -> None:
    case = case_at(S.PLANNING)
    with pytest.raises(ValidationError) as exc:
        services.evaluation_create(actor=worker, case=case, values={"direction": "close"})
    assert "評価するプランがありません" in exc.value.messages[0]
    case = case_at(S.EVALUATION, name="鈴木 次郎", kana="スズキ ジロウ")
    plan = plan_current(case)
    assert plan is not None
    bad = evaluation_values(
        plan,
        "close",
        closure_reason="",
        changes=["nope"],
        follow_up_on=timezone.localdate() - timedelta(days=400),
        goal_results=[],
    )
    with pytest.raises(ValidationError) as exc:
        services.evaluation_create(actor=worker, case=case, values=bad)
    assert {"closure_reason", "changes", "goal_results"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        services.evaluation_create(
            actor=worker, case=case, values=evaluation_values(plan, "replan", closure_reason="goal_achieved")
        )
    assert "closure_reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.evaluation_create(
            actor=worker,
            case=case,
            values=evaluation_values(plan, goal_results=[{"goal_id": 999999, "achievement": "achieved"}]),
        )
    assert "goal_results.0.goal_id" in exc.value.message_dict
    assert not Evaluation.objects.filter(case=case).exists()
    ev = services.evaluation_create(
        actor=worker,
        case=case,
        values=evaluation_values(
            plan, "close", follow_up_on=timezone.localdate() + timedelta(days=30), changes=["housing_secured"]
        ),
    )
    assert GoalResult.objects.filter(evaluation=ev, achievement="achieved").count() == plan.goals.count()


def test_the_database_refuses_a_closing_evaluation_without_reason(worker: Any) -> None:
    case = case_at(S.EVALUATION)
    plan = plan_current(case)
    assert plan is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.create(
            case=case,
            plan=plan,
            agency=case.agency,
            municipality=case.municipality,
            author=worker,
            evaluated_on=timezone.localdate(),
            direction="close",
            closure_reason="",
        )
    assert Case.objects.get(pk=case.pk).state == S.EVALUATION
