"""The API of the support process: transitions, assessments, plans, records, evaluations —
201/200, 404 for another agency, 422 with Japanese messages, stale saves refused."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tsunagu.cases.models import Assessment, Case, CaseState, Evaluation, SupportPlan, SupportRecord
from tsunagu.cases.selectors import plan_current
from tsunagu.cases.tests.process import case_at, user

API = "/api/v1"
S = CaseState
pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{url}", json.dumps(body, default=str), content_type="application/json")


def patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(f"{API}{url}", json.dumps(body, default=str), content_type="application/json")


def get(client: Client, url: str) -> Any:
    return client.get(f"{API}{url}")


def _version(case: Any) -> int:
    """The case's current version: a transition body carries it (optimistic locking)."""
    return Case.objects.get(pk=case.pk).version


def _errors(response: Any) -> str:
    body = response.json()
    return json.dumps(body, ensure_ascii=False)


def today() -> str:
    return timezone.localdate().isoformat()


GOAL = {
    "term": "short",
    "issue": "家賃滞納",
    "goal": "住居確保給付金を申請する",
    "support": "申請書類の作成支援",
    "provider_kind": "program",
    "provider_program": "housing_benefit",
    "frequency": "週1回",
}


def plan_body(**overrides: Any) -> dict[str, Any]:
    d = timezone.localdate()
    return {
        "wishes": "住み続けたい",
        "issues": "家賃滞納",
        "long_term_goal": "就労による安定",
        "programs": ["housing_benefit"],
        "start_date": d.isoformat(),
        "end_date": (d + timedelta(days=90)).isoformat(),
        "agreed_on": d.isoformat(),
        "goals": [GOAL],
    } | overrides


def test_the_whole_process_through_the_api(api_as: Any) -> None:
    c = api_as("shinjuku-soudan")
    case = case_at(S.ASSESSMENT)
    r = post(
        c,
        f"/cases/{case.pk}/assessments",
        {
            "based_on_number": 0,
            "assessed_on": today(),
            "sections": {"work": "調理師", "finances": "預金3万円"},
            "issues": ["economic_hardship"],
            "wishes": "働きたい",
            "joint_with_id": user("shinjuku-kakei").pk,
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["number"] == 1 and r.json()["joint_with_id"] == user("shinjuku-kakei").pk
    assert get(c, f"/cases/{case.pk}/assessments").json()[0]["sections"]["work"] == "調理師"

    r = post(
        c,
        f"/cases/{case.pk}/transitions",
        {"name": "start_planning", "version": Case.objects.get(pk=case.pk).version},
    )
    assert r.status_code == 200 and r.json()["state"] == "planning"

    r = post(c, f"/cases/{case.pk}/plans", plan_body())
    assert r.status_code == 201, r.content
    plan = r.json()
    assert plan["status"] == "draft" and plan["goals"][0]["provider_program"] == "housing_benefit"
    r = patch(c, f"/plans/{plan['id']}", {"version": plan["version"], "notes": "午前中に連絡"})
    assert r.status_code == 200 and r.json()["notes"] == "午前中に連絡" and len(r.json()["goals"]) == 1

    assert (
        post(
            c, f"/cases/{case.pk}/transitions", {"name": "submit_to_meeting", "version": _version(case)}
        ).status_code
        == 200
    )
    # The meeting's outcome and the municipal decision have their own resources.
    r = post(c, f"/cases/{case.pk}/transitions", {"name": "decide", "version": _version(case)})
    assert r.status_code == 422 and "/decisions" in _errors(r)
    from tsunagu.cases import services

    services.plan_meeting_outcome_record(
        actor=user("shinjuku-shunin"), plan=SupportPlan.objects.get(pk=plan["id"]), outcome="approved"
    )
    services.case_transition(actor=user("shinjuku-jichitai"), case=case, name="decide")
    assert (
        post(
            c, f"/cases/{case.pk}/transitions", {"name": "start_support", "version": _version(case)}
        ).status_code
        == 200
    )
    assert get(c, f"/plans/{plan['id']}").json()["next_monitoring_on"] is not None

    r = post(
        c,
        f"/cases/{case.pk}/records",
        {
            "occurred_at": timezone.now().isoformat(),
            "method": "visit",
            "content": "自宅を訪問",
            "is_monitoring": True,
        },
    )
    assert r.status_code == 201, r.content
    record = r.json()
    assert record["staff_id"] == user("shinjuku-soudan").pk and record["method_ja"] == "訪問"
    r = patch(c, f"/records/{record['id']}", {"version": 1, "content": "自宅を訪問し家計を確認"})
    assert r.status_code == 200 and r.json()["version"] == 2

    assert (
        post(
            c, f"/cases/{case.pk}/transitions", {"name": "start_evaluation", "version": _version(case)}
        ).status_code
        == 200
    )
    goal_id = plan["goals"][0]["id"]
    r = post(
        c,
        f"/cases/{case.pk}/evaluations",
        {
            "evaluated_on": today(),
            "goal_results": [{"goal_id": goal_id, "achievement": "achieved"}],
            "changes": ["housing_secured"],
            "direction": "close",
            "closure_reason": "goal_achieved",
            "follow_up_on": (timezone.localdate() + timedelta(days=60)).isoformat(),
        },
    )
    assert r.status_code == 201, r.content
    assert get(c, f"/evaluations/{r.json()['id']}").json()["direction"] == "close"
    r = post(
        c, f"/cases/{case.pk}/transitions", {"name": "close", "reason": "目標達成", "version": _version(case)}
    )
    assert r.status_code == 200 and r.json()["state"] == "closed"
    history = get(c, f"/cases/{case.pk}/transitions").json()
    assert [h["name"] for h in history["history"]][-3:] == ["start_support", "start_evaluation", "close"]
    assert {a["name"] for a in history["available"]} == {"start_follow_up"}


def test_transition_from_the_wrong_state_is_422_in_japanese_and_saves_nothing(api_as: Any) -> None:
    case = case_at(S.PLANNING)
    before = Case.objects.get(pk=case.pk)
    r = post(
        api_as("shinjuku-soudan"),
        f"/cases/{case.pk}/transitions",
        {"name": "close", "version": _version(case)},
    )
    assert r.status_code == 422
    assert "現在の状態：プラン策定" in _errors(r)
    r = post(
        api_as("shinjuku-soudan"),
        f"/cases/{case.pk}/transitions",
        {"name": "no_such", "version": _version(case)},
    )
    assert r.status_code == 422 and "その操作はありません" in _errors(r)
    after = Case.objects.get(pk=case.pk)
    assert (after.state, after.version) == (before.state, before.version)


def test_a_stale_case_version_is_refused(api_as: Any) -> None:
    case = case_at(S.IN_SUPPORT)
    r = post(
        api_as("shinjuku-soudan"), f"/cases/{case.pk}/transitions", {"name": "start_evaluation", "version": 1}
    )
    assert r.status_code == 422 and "更新されました" in _errors(r)


def test_another_agency_gets_404_for_every_resource(api_as: Any) -> None:
    case = case_at(S.EVALUATION)
    plan = plan_current(case)
    assert plan is not None
    soudan = user("shinjuku-soudan")
    from tsunagu.cases import services
    from tsunagu.cases.tests.process import evaluation_values, record_values

    record = services.record_create(actor=soudan, case=case, values=record_values(soudan))
    ev = services.evaluation_create(actor=soudan, case=case, values=evaluation_values(plan, "replan"))
    other = api_as("hasuda-soudan")
    for url in (
        f"/cases/{case.pk}/transitions",
        f"/cases/{case.pk}/assessments",
        f"/cases/{case.pk}/assessments/{Assessment.objects.get(case=case).pk}",
        f"/cases/{case.pk}/plans",
        f"/plans/{plan.pk}",
        f"/cases/{case.pk}/records",
        f"/records/{record.pk}",
        f"/cases/{case.pk}/evaluations",
        f"/evaluations/{ev.pk}",
    ):
        assert get(other, url).status_code == 404, url
    assert post(other, f"/cases/{case.pk}/transitions", {"name": "replan"}).status_code == 404
    assert patch(other, f"/plans/{plan.pk}", {"version": plan.version, "notes": "x"}).status_code == 404
    assert patch(other, f"/records/{record.pk}", {"version": 1, "content": "x"}).status_code == 404
    assert Case.objects.get(pk=case.pk).state == S.EVALUATION


def test_plan_end_before_start_is_422_and_nothing_is_saved(api_as: Any) -> None:
    case = case_at(S.PLANNING)
    d = timezone.localdate()
    r = post(
        api_as("shinjuku-soudan"),
        f"/cases/{case.pk}/plans",
        plan_body(end_date=(d - timedelta(days=1)).isoformat(), goals=[GOAL | {"goal": ""}]),
    )
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert "開始日以降" in errors["end_date"][0]
    assert "目標を入力" in errors["goals.0.goal"][0]
    assert not SupportPlan.objects.filter(case=case).exists()


def test_plan_patch_stale_version_is_refused(api_as: Any) -> None:
    c = api_as("shinjuku-soudan")
    case = case_at(S.PLANNING)
    plan = post(c, f"/cases/{case.pk}/plans", plan_body()).json()
    assert patch(c, f"/plans/{plan['id']}", {"version": 1, "notes": "先に保存"}).status_code == 200
    r = patch(api_as("shinjuku-shunin"), f"/plans/{plan['id']}", {"version": 1, "notes": "後から保存"})
    assert r.status_code == 422
    assert "他の職員によって更新されました" in r.json()["errors"]["version"][0]
    assert SupportPlan.objects.get(pk=plan["id"]).notes == "先に保存"


def test_assessment_stale_base_is_refused(api_as: Any) -> None:
    case = case_at(S.ASSESSMENT)
    body = {"based_on_number": 0, "assessed_on": today(), "wishes": "働きたい"}
    assert post(api_as("shinjuku-soudan"), f"/cases/{case.pk}/assessments", body).status_code == 201
    r = post(api_as("shinjuku-shunin"), f"/cases/{case.pk}/assessments", body | {"wishes": "別の聞き取り"})
    assert r.status_code == 422 and "現在の版：1" in r.json()["errors"]["based_on_number"][0]
    assert Assessment.objects.filter(case=case).count() == 1


def test_evaluation_without_a_plan_is_422(api_as: Any) -> None:
    case = case_at(S.PLANNING)
    r = post(
        api_as("shinjuku-soudan"),
        f"/cases/{case.pk}/evaluations",
        {
            "evaluated_on": today(),
            "goal_results": [],
            "direction": "close",
            "closure_reason": "goal_achieved",
        },
    )
    assert r.status_code == 422 and "評価するプランがありません" in _errors(r)
    assert not Evaluation.objects.exists()


def test_record_validation_is_422_in_japanese(api_as: Any) -> None:
    case = case_at(S.IN_SUPPORT)
    r = post(
        api_as("shinjuku-soudan"),
        f"/cases/{case.pk}/records",
        {"occurred_at": (timezone.now() + timedelta(days=1)).isoformat(), "method": "fax", "content": " "},
    )
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert set(errors) >= {"occurred_at", "method", "content"}
    assert not SupportRecord.objects.exists()


def test_sharing_an_assessment_through_the_api(api_as: Any) -> None:
    case = case_at(S.PLANNING)
    a = Assessment.objects.get(case=case)
    kakei = user("shinjuku-kakei")
    r = post(
        api_as("shinjuku-soudan"), f"/cases/{case.pk}/assessments/{a.pk}/share", {"recipient_id": kakei.pk}
    )
    assert r.status_code == 200 and r.json()["shared_with_id"] == kakei.pk
    r = post(
        api_as("shinjuku-soudan"),
        f"/cases/{case.pk}/assessments/{a.pk}/share",
        {"recipient_id": user("shinjuku-shuro").pk},
    )
    assert r.status_code == 422 and "家計改善支援員" in _errors(r)
