"""Screens of the support process: the case page, assessment versions, plan with goals, quick
record entry (kept across a validation error and an expired session), evaluation, the monitoring
overdue list — and two members of staff saving the same record (nothing silently overwritten)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tsunagu.cases import services
from tsunagu.cases.models import Assessment, CaseState, PlanGoal, SupportPlan, SupportRecord
from tsunagu.cases.selectors import plan_current
from tsunagu.cases.tests.process import (
    case_at,
    goal_values,
    page,
    plan_values,
    record_values,
    user,
)

S = CaseState
pytestmark = pytest.mark.django_db


@pytest.fixture
def soudan(login: Any) -> Client:
    return login("shinjuku-soudan")


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- case page ------------------------------------------------------------------------------------


def test_the_case_page_shows_state_history_sections_and_blocked_reasons(soudan: Client) -> None:
    case = case_at(S.COORDINATION_MEETING)
    body = soudan.get(f"/cases/{case.pk}/").content.decode()
    assert "支援調整会議" in body  # the state
    for heading in (
        "インテーク・アセスメントシート",
        "プラン兼事業等利用申込書",
        "評価シート",
        "支援経過記録",
        "状態の履歴",
    ):
        assert heading in body
    assert "アセスメント → プラン策定" in body  # history
    assert "自治体担当者が支援決定・確認を記録すると行われます" in body
    assert "このケースの実施主体（自治体）の担当者だけが行えます" in body
    assert 'name="content"' in body  # quick record entry


def test_a_role_that_may_not_change_the_case_is_offered_no_transition_and_no_programme_button(
    login: Any,
) -> None:
    """The 個人情報管理責任者 reads the case but runs nothing: no transition button, no つなぎ or
    programme buttons (they would answer 403); the caseworker of the case has them."""
    case = case_at(S.APPLIED)
    officer = login("shinjuku-privacy").get(f"/cases/{case.pk}/").content.decode()
    worker = login("shinjuku-soudan").get(f"/cases/{case.pk}/").content.decode()
    for body, offered in ((worker, True), (officer, False)):
        assert ('name="name" value="start_assessment"' in body) is offered
        assert ("/referrals/new/?case=" in body) is offered
        assert ("/programs/housing-benefit/new/?case=" in body) is offered


def test_case_page_transition_button_refuses_with_a_japanese_message(soudan: Client) -> None:
    case = case_at(S.ASSESSMENT)
    response = soudan.post(
        f"/cases/{case.pk}/transition/", {"name": "start_planning", "version": case.version}, follow=True
    )
    assert "アセスメントシートを作成してから" in _messages(response)
    case.refresh_from_db()
    assert case.state == S.ASSESSMENT


def test_another_agency_gets_404_on_every_process_page(login: Any) -> None:
    case = case_at(S.IN_SUPPORT)
    plan = plan_current(case)
    assert plan is not None
    record = services.record_create(
        actor=user("shinjuku-soudan"), case=case, values=record_values(user("shinjuku-soudan"))
    )
    other = login("hasuda-soudan")
    assessment = Assessment.objects.get(case=case)
    for url in (
        f"/cases/{case.pk}/assessments/",
        f"/cases/{case.pk}/assessments/new/",
        f"/cases/{case.pk}/assessments/{assessment.pk}/",
        f"/cases/{case.pk}/plans/{plan.pk}/",
        f"/cases/{case.pk}/plans/{plan.pk}/edit/",
        f"/cases/{case.pk}/records/new/",
        f"/cases/{case.pk}/records/{record.pk}/edit/",
        f"/cases/{case.pk}/evaluations/new/",
    ):
        assert other.get(url).status_code == 404, url


# --- assessment -------------------------------------------------------------------------------------


def _assessment_post(**overrides: Any) -> dict[str, Any]:
    return {
        "assessed_on": timezone.localdate().isoformat(),
        "section_work": "調理師。3月に解雇。",
        "section_finances": "預金3万円",
        "issues": ["economic_hardship", "job_search_difficulty"],
        "strengths": "朝が強い",
        "wishes": "働きたい",
        "urgency": "medium",
        "disability_certificate": "no",
        "based_on_number": "0",
    } | overrides


def test_assessment_versions_and_diff(soudan: Client) -> None:
    case = case_at(S.ASSESSMENT)
    assert soudan.get(f"/cases/{case.pk}/assessments/new/").status_code == 200
    first = soudan.post(f"/cases/{case.pk}/assessments/new/", _assessment_post())
    assert first.status_code == 302
    a1 = Assessment.objects.get(case=case)
    assert a1.number == 1 and a1.sections["work"] == "調理師。3月に解雇。"
    # The next version starts from the first one.
    form = page(soudan.get(f"/cases/{case.pk}/assessments/new/"))
    assert form.textareas["section_work"].strip() == "調理師。3月に解雇。"
    assert form.value("based_on_number") == "1"
    soudan.post(
        f"/cases/{case.pk}/assessments/new/",
        _assessment_post(
            based_on_number="1", section_work="調理師。就職活動中。", issues=["economic_hardship"]
        ),
    )
    a2 = Assessment.objects.get(case=case, number=2)
    body = soudan.get(f"/cases/{case.pk}/assessments/{a2.pk}/").content.decode()
    assert "第1版からの変更" in body and "調理師。就職活動中。" in body and "就職活動困難" in body
    listing = soudan.get(f"/cases/{case.pk}/assessments/").content.decode()
    assert "第1版" in listing and "第2版" in listing
    assert Assessment.objects.get(pk=a1.pk).sections["work"] == "調理師。3月に解雇。"  # never edited


def test_assessment_bad_input_keeps_what_was_typed(soudan: Client) -> None:
    case = case_at(S.ASSESSMENT)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = soudan.post(f"/cases/{case.pk}/assessments/new/", _assessment_post(assessed_on=tomorrow))
    assert response.status_code == 200
    p = page(response)
    assert "未来" in p.errors["assessed_on"]
    assert p.textareas["section_work"].strip() == "調理師。3月に解雇。"
    assert not Assessment.objects.filter(case=case).exists()


def test_two_staff_saving_an_assessment_at_once(login: Any) -> None:
    case = case_at(S.ASSESSMENT)
    a, b = login("shinjuku-soudan"), login("shinjuku-shunin")
    url = f"/cases/{case.pk}/assessments/new/"
    assert page(a.get(url)).value("based_on_number") == "0"
    assert page(b.get(url)).value("based_on_number") == "0"
    assert a.post(url, _assessment_post(wishes="Aさんの聞き取り")).status_code == 302
    conflict = b.post(url, _assessment_post(wishes="Bさんの聞き取り"))
    assert conflict.status_code == 200
    body = conflict.content.decode()
    assert "他の職員が保存した最新の内容" in body and "Aさんの聞き取り" in body
    p = page(conflict)
    assert p.textareas["wishes"].strip() == "Bさんの聞き取り"  # B's typing kept
    assert p.value("based_on_number") == "1"
    assert Assessment.objects.filter(case=case).count() == 1
    # Saving again after seeing A's version makes version 2; version 1 (A's) is kept.
    assert b.post(url, _assessment_post(wishes="Bさんの聞き取り", based_on_number="1")).status_code == 302
    assert list(Assessment.objects.filter(case=case).order_by("number").values_list("wishes", flat=True)) == [
        "Aさんの聞き取り",
        "Bさんの聞き取り",
    ]


# --- plan -----------------------------------------------------------------------------------------


def _goal_post(rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "goals-TOTAL_FORMS": str(len(rows)),
        "goals-INITIAL_FORMS": str(initial),
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(rows):
        data.update({f"goals-{i}-{k}": v for k, v in row.items()})
    return data


def _plan_post(
    goals: list[dict[str, Any]] | None = None, initial: int = 0, **overrides: Any
) -> dict[str, Any]:
    today = timezone.localdate()
    base = {
        "wishes": "今の部屋に住み続けたい",
        "issues": "家賃滞納",
        "long_term_goal": "就労による生活の安定",
        "short_term_goal": "滞納の解消",
        "notes": "",
        "programs": ["housing_benefit"],
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=90)).isoformat(),
        "agreed_on": today.isoformat(),
        "monitoring_interval_days": "30",
        "long_period_reason": "",
    }
    rows = (
        goals
        if goals is not None
        else [
            {
                "term": "short",
                "issue": "家賃滞納",
                "goal": "住居確保給付金の申請",
                "support": "申請書類の作成支援",
                "provider_kind": "program",
                "provider_program": "housing_benefit",
                "frequency": "週1回",
            }
        ]
    )
    return base | _goal_post(rows, initial) | overrides


def test_plan_created_with_goals_then_edited(soudan: Client) -> None:
    case = case_at(S.PLANNING)
    assert soudan.get(f"/cases/{case.pk}/plans/new/").status_code == 200
    response = soudan.post(f"/cases/{case.pk}/plans/new/", _plan_post())
    assert response.status_code == 302
    plan = SupportPlan.objects.get(case=case)
    goal = plan.goals.get()
    assert (plan.number, plan.status, goal.provider_program) == (1, "draft", "housing_benefit")
    # Edit: change a goal, add one with an unmet need, remove nothing.
    edit = f"/cases/{case.pk}/plans/{plan.pk}/edit/"
    form = page(soudan.get(edit))
    assert form.value("version") == "1"
    rows: list[dict[str, Any]] = [
        {
            "id": goal.pk,
            "term": "short",
            "issue": "家賃滞納",
            "goal": "給付金の決定",
            "support": "同行",
            "provider_kind": "program",
            "provider_program": "housing_benefit",
        },
        {
            "term": "long",
            "issue": "夜間の子の預け先",
            "goal": "夜勤のある仕事に就く",
            "support": "預け先探し",
            "provider_kind": "resource",
            "unmet_need": "on",
            "unmet_need_note": "夜間保育がない",
        },
    ]
    response = soudan.post(edit, _plan_post(rows, initial=1, version="1"))
    assert response.status_code == 302
    goals = list(PlanGoal.objects.filter(plan=plan).order_by("order"))
    assert [g.goal for g in goals] == ["給付金の決定", "夜勤のある仕事に就く"]
    assert goals[0].pk == goal.pk and goals[1].unmet_need
    assert "不足している資源" in soudan.get(f"/cases/{case.pk}/plans/{plan.pk}/").content.decode()
    # Remove the first goal.
    rows[0]["DELETE"] = "on"
    rows[1]["id"] = goals[1].pk
    soudan.post(edit, _plan_post(rows, initial=2, version="2"))
    assert list(PlanGoal.objects.filter(plan=plan).values_list("goal", flat=True)) == ["夜勤のある仕事に就く"]


def test_plan_end_before_start_is_refused_in_the_form(soudan: Client) -> None:
    case = case_at(S.PLANNING)
    today = timezone.localdate()
    response = soudan.post(
        f"/cases/{case.pk}/plans/new/",
        _plan_post(end_date=(today - timedelta(days=1)).isoformat(), wishes="入力を残す"),
    )
    assert response.status_code == 200
    p = page(response)
    assert "終了日は開始日以降" in p.errors["end_date"]
    assert p.textareas["wishes"].strip() == "入力を残す"
    assert p.textareas["goals-0-goal"].strip() == "住居確保給付金の申請"
    assert not SupportPlan.objects.filter(case=case).exists()


def test_a_plan_longer_than_six_months_needs_a_reason(soudan: Client) -> None:
    case = case_at(S.PLANNING)
    today = timezone.localdate()
    long_end = (today + timedelta(days=200)).isoformat()
    response = soudan.post(f"/cases/{case.pk}/plans/new/", _plan_post(end_date=long_end))
    assert "6か月以内" in page(response).errors["long_period_reason"]
    assert not SupportPlan.objects.filter(case=case).exists()
    ok = soudan.post(
        f"/cases/{case.pk}/plans/new/",
        _plan_post(end_date=long_end, long_period_reason="就労訓練が8か月続くため"),
    )
    assert ok.status_code == 302
    assert SupportPlan.objects.get(case=case).long_period_reason == "就労訓練が8か月続くため"


def test_goal_row_errors_are_shown_beside_the_row(soudan: Client) -> None:
    case = case_at(S.PLANNING)
    rows = [
        {
            "term": "short",
            "issue": "借金",
            "goal": "債務整理",
            "support": "法テラスへ同行",
            "provider_kind": "partner",
        }
    ]
    response = soudan.post(f"/cases/{case.pk}/plans/new/", _plan_post(rows))
    assert response.status_code == 200
    assert "関係機関" in page(response).errors["goals-0-provider_partner"]
    assert not SupportPlan.objects.exists()


def test_two_staff_editing_a_plan_at_once(login: Any) -> None:
    case = case_at(S.PLANNING)
    actor = user("shinjuku-soudan")
    plan = services.plan_create(actor=actor, case=case, values=plan_values(), goals=[goal_values()])
    goal = plan.goals.get()
    edit = f"/cases/{case.pk}/plans/{plan.pk}/edit/"
    a, b = login("shinjuku-soudan"), login("shinjuku-shunin")
    assert page(a.get(edit)).value("version") == page(b.get(edit)).value("version") == "1"
    row = {
        "id": goal.pk,
        "term": "short",
        "issue": "家賃滞納",
        "goal": "給付金の申請",
        "support": "書類作成",
        "provider_kind": "program",
        "provider_program": "housing_benefit",
    }
    assert a.post(edit, _plan_post([row], initial=1, version="1", notes="Aの留意事項")).status_code == 302
    conflict = b.post(edit, _plan_post([row], initial=1, version="1", notes="Bの留意事項"))
    assert conflict.status_code == 200
    body = conflict.content.decode()
    assert "他の職員が保存した最新の内容" in body and "Aの留意事項" in body
    p = page(conflict)
    assert p.textareas["notes"].strip() == "Bの留意事項"
    assert p.value("version") == "2"
    assert SupportPlan.objects.get(pk=plan.pk).notes == "Aの留意事項"
    assert (
        b.post(edit, _plan_post([row], initial=1, version="2", notes="A・B両方の留意事項")).status_code == 302
    )
    assert SupportPlan.objects.get(pk=plan.pk).notes == "A・B両方の留意事項"


def test_a_submitted_plan_is_not_editable(soudan: Client) -> None:
    case = case_at(S.COORDINATION_MEETING)
    plan = plan_current(case)
    assert plan is not None
    response = soudan.get(f"/cases/{case.pk}/plans/{plan.pk}/edit/", follow=True)
    assert "編集できません" in _messages(response)


# --- records --------------------------------------------------------------------------------------


def _record_post(**overrides: Any) -> dict[str, Any]:
    now = timezone.localtime() - timedelta(minutes=10)
    return {
        "occurred_at": now.strftime("%Y-%m-%dT%H:%M"),
        "method": "phone",
        "duration_minutes": "15",
        "content": "ハローワークの結果を電話で確認",
        "staff": str(user("shinjuku-soudan").pk),
    } | overrides


def test_quick_record_entry_from_the_case_page(soudan: Client) -> None:
    case = case_at(S.IN_SUPPORT)
    response = soudan.post(f"/cases/{case.pk}/records/new/", _record_post())
    assert response.status_code == 302 and response["Location"].endswith("#records")
    record = SupportRecord.objects.get(case=case)
    assert (record.method, record.duration_minutes, record.author.username) == (
        "phone",
        15,
        "shinjuku-soudan",
    )
    case.refresh_from_db()
    assert case.last_contact_on == timezone.localdate()
    body = soudan.get(f"/cases/{case.pk}/").content.decode()
    assert "ハローワークの結果を電話で確認" in body


def test_a_record_with_bad_input_keeps_what_was_typed(soudan: Client) -> None:
    case = case_at(S.IN_SUPPORT)
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = soudan.post(
        f"/cases/{case.pk}/records/new/", _record_post(occurred_at=future, content="長い面談の内容")
    )
    assert response.status_code == 200
    p = page(response)
    assert "未来" in p.errors["occurred_at"]
    assert p.textareas["content"].strip() == "長い面談の内容"
    assert not SupportRecord.objects.filter(case=case).exists()


def test_an_expired_session_keeps_the_typed_record(soudan: Client) -> None:
    from tsunagu.organizations.tests.flows import full_login

    case = case_at(S.IN_SUPPORT)
    url = f"/cases/{case.pk}/records/new/"
    assert soudan.get(f"/cases/{case.pk}/").status_code == 200
    key = soudan.cookies["tsunagu_session"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = soudan.post(url, _record_post(content="訪問して家賃の状況を確認した（長文）"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert f"next={url}" in response["Location"]
    assert not SupportRecord.objects.exists()
    full_login("shinjuku-soudan", client=soudan)
    restored = page(soudan.get(url))
    assert restored.textareas["content"].strip() == "訪問して家賃の状況を確認した（長文）"
    assert restored.value("duration_minutes") == "15"
    assert soudan.post(url, _record_post(content="訪問して家賃の状況を確認した（長文）")).status_code == 302
    assert SupportRecord.objects.filter(case=case).count() == 1


def test_two_staff_editing_a_record_at_once(login: Any) -> None:
    case = case_at(S.IN_SUPPORT)
    actor = user("shinjuku-soudan")
    record = services.record_create(actor=actor, case=case, values=record_values(actor, content="最初の記録"))
    url = f"/cases/{case.pk}/records/{record.pk}/edit/"
    a, b = login("shinjuku-soudan"), login("shinjuku-shunin")
    assert page(a.get(url)).value("version") == page(b.get(url)).value("version") == "1"
    assert a.post(url, _record_post(content="Aが直した記録", version="1")).status_code == 302
    conflict = b.post(url, _record_post(content="Bが直した記録", version="1"))
    assert conflict.status_code == 200
    body = conflict.content.decode()
    assert "他の職員が保存した最新の内容" in body and "Aが直した記録" in body
    assert page(conflict).textareas["content"].strip() == "Bが直した記録"
    assert SupportRecord.objects.get(pk=record.pk).content == "Aが直した記録"


# --- evaluation and monitoring -------------------------------------------------------------------------


def test_evaluation_form_and_closure_from_the_case_page(soudan: Client) -> None:
    case = case_at(S.EVALUATION)
    plan = plan_current(case)
    assert plan is not None
    goal = plan.goals.get()
    url = f"/cases/{case.pk}/evaluations/new/"
    assert "達成状況" in soudan.get(url).content.decode()
    data = {
        "evaluated_on": timezone.localdate().isoformat(),
        f"goal_{goal.pk}_achievement": "achieved",
        "changes": ["housing_secured", "earned_income_up"],
        "direction": "close",
        "closure_reason": "",
    }
    response = soudan.post(url, data)
    assert response.status_code == 200
    assert "終結理由" in page(response).errors["closure_reason"]
    data["closure_reason"] = "employment_income"
    data["follow_up_on"] = (timezone.localdate() + timedelta(days=90)).isoformat()
    assert soudan.post(url, data).status_code == 302
    soudan.post(f"/cases/{case.pk}/transition/", {"name": "close", "version": _case_version(case)})
    case.refresh_from_db()
    assert case.state == S.CLOSED and case.closure_reason == "employment_income"
    body = soudan.get(f"/cases/{case.pk}/").content.decode()
    assert "フォローアップ予定日" in body and "就労・増収による自立" in body


def _case_version(case: Any) -> int:
    from tsunagu.cases.models import Case

    return Case.objects.get(pk=case.pk).version


def test_evaluation_without_a_plan_is_refused(soudan: Client) -> None:
    case = case_at(S.PLANNING)
    response = soudan.get(f"/cases/{case.pk}/evaluations/new/", follow=True)
    assert "評価するプランがありません" in _messages(response)


def test_monitoring_overdue_list(login: Any) -> None:
    actor = user("shinjuku-soudan")
    past = timezone.localdate() - timedelta(days=60)
    late = case_at(S.IN_SUPPORT, received_on=past)
    fresh = case_at(S.IN_SUPPORT, name="鈴木 次郎", kana="スズキ ジロウ")
    # The late case's plan started 60 days ago: monitoring was due 30 days after it started.
    SupportPlan.objects.filter(case=late).update(next_monitoring_on=past + timedelta(days=30))
    body = login("shinjuku-soudan").get("/cases/monitoring/overdue/").content.decode()
    assert late.case_number in body and fresh.case_number not in body
    # A monitoring record today moves the date forward: the case leaves the list.
    services.record_create(actor=actor, case=late, values=record_values(actor, is_monitoring=True))
    body = login("shinjuku-soudan").get("/cases/monitoring/overdue/").content.decode()
    assert late.case_number not in body
    # Another centre never sees it.
    SupportPlan.objects.filter(case=late).update(next_monitoring_on=past)
    assert (
        late.case_number
        not in login("hasuda-shunin").get("/cases/monitoring/overdue/?scope=agency").content.decode()
    )
    assert (
        late.case_number
        in login("shinjuku-shunin").get("/cases/monitoring/overdue/?scope=agency").content.decode()
    )


# --- query budgets ------------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_case_page_and_the_overdue_list_do_not_grow_with_their_rows(soudan: Client) -> None:
    actor = user("shinjuku-soudan")
    case = case_at(S.IN_SUPPORT, received_on=timezone.localdate() - timedelta(days=60))
    services.record_create(actor=actor, case=case, values=record_values(actor))
    few = _queries(soudan, f"/cases/{case.pk}/")
    for i in range(8):
        services.record_create(actor=actor, case=case, values=record_values(actor, content=f"記録{i}"))
    assert _queries(soudan, f"/cases/{case.pk}/") == few
    SupportPlan.objects.filter(case=case).update(next_monitoring_on=timezone.localdate() - timedelta(days=3))
    one = _queries(soudan, "/cases/monitoring/overdue/")
    for n in range(3):
        other = case_at(S.IN_SUPPORT, name=f"鈴木 {n}郎", kana="スズキ ジロウ")
        SupportPlan.objects.filter(case=other).update(
            next_monitoring_on=timezone.localdate() - timedelta(days=1)
        )
    assert _queries(soudan, "/cases/monitoring/overdue/") == one
    assert one <= 12
