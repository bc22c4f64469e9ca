"""The API of meetings and decisions: the same services and rules as the screens, Japanese errors."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tsunagu.cases.models import CaseState, PlanStatus
from tsunagu.cases.selectors import plan_current
from tsunagu.meetings import services
from tsunagu.meetings.models import AgendaItem, Decision, Meeting

from .helpers import approved_case, case_at_meeting, meeting

pytestmark = pytest.mark.django_db
API = "/api/v1"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{url}", json.dumps(body, default=str), content_type="application/json")


def patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(f"{API}{url}", json.dumps(body, default=str), content_type="application/json")


def today() -> str:
    return timezone.localdate().isoformat()


def test_create_get_and_patch_a_meeting(staff: Any, api_as: Any) -> None:
    client = api_as("shinjuku-shunin")
    response = post(
        client,
        "/meetings",
        {
            "held_on": today(),
            "place": "相談室A",
            "chair_id": staff("shinjuku-shunin").pk,
            "attendees": [{"staff_id": staff("shinjuku-jichitai").pk}, {"name": "本人"}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "coordination" and body["kind_ja"] == "支援調整会議" and body["version"] == 1
    assert [a["label"] for a in body["attendees"]] == ["井上 拓也", "本人"]
    got = client.get(f"{API}/meetings/{body['id']}")
    assert got.status_code == 200 and got.json()["place"] == "相談室A"
    changed = patch(client, f"/meetings/{body['id']}", {"version": 1, "minutes": "全体の議事録"})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = patch(client, f"/meetings/{body['id']}", {"version": 1, "place": "会議室B"})
    assert stale.status_code == 422
    assert "あなたが画面を開いた後に更新されました" in stale.json()["errors"]["version"][0]
    listing = client.get(f"{API}/meetings?when=upcoming")
    assert listing.status_code == 200 and listing.json()["items"][0]["id"] == body["id"]


def test_meeting_bad_input_is_422_in_japanese(staff: Any, api_as: Any) -> None:
    client = api_as("shinjuku-shunin")
    response = post(client, "/meetings", {"place": "相談室A"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "入力内容に誤りがあります。",
        "errors": {"held_on": ["必須項目です。"]},
    }
    response = post(
        client, "/meetings", {"held_on": today(), "attendees": [{"staff_id": staff("hasuda-soudan").pk}]}
    )
    assert response.status_code == 422
    assert response.json()["errors"]["attendees.0.staff_id"] == [
        "出席者として選べる職員・自治体担当者ではありません。"
    ]
    response = post(client, "/meetings", {"held_on": today(), "kind": "party"})
    assert response.json()["errors"]["kind"] == ["選択肢にない値です。"]
    assert not Meeting.objects.exists()


def test_meeting_permissions_and_scope(staff: Any, api_as: Any) -> None:
    response = post(api_as("shinjuku-soudan"), "/meetings", {"held_on": today()})
    assert response.status_code == 403 and response.json()["detail"] == "この操作を行う権限がありません。"
    m = meeting(staff("shinjuku-shunin"))
    assert api_as("hasuda-shunin").get(f"{API}/meetings/{m.pk}").status_code == 404
    assert api_as("hasuda-jichitai").get(f"{API}/meetings/{m.pk}").status_code == 404
    assert api_as("shinjuku-jichitai").get(f"{API}/meetings/{m.pk}").status_code == 200
    assert api_as("shinjuku-soudan").get(f"{API}/meetings/{m.pk}").status_code == 200


def test_council_meeting_is_404_for_non_members(staff: Any, api_as: Any) -> None:
    shunin = staff("shinjuku-shunin")
    council = services.council_create(
        actor=shunin, values={"name": "支援会議", "established_on": timezone.localdate()}
    )
    services.council_member_add(
        actor=shunin, council=council, staff=shunin, pledge_signed_on=timezone.localdate()
    )
    response = post(
        api_as("shinjuku-shunin"),
        "/meetings",
        {"kind": "council", "council_id": council.pk, "held_on": today()},
    )
    assert response.status_code == 201, response.content
    mid = response.json()["id"]
    assert api_as("shinjuku-shunin").get(f"{API}/meetings/{mid}").status_code == 200
    assert api_as("shinjuku-center").get(f"{API}/meetings/{mid}").status_code == 404
    assert mid not in [m["id"] for m in api_as("shinjuku-center").get(f"{API}/meetings").json()["items"]]
    refused = post(
        api_as("shinjuku-center"),
        "/meetings",
        {"kind": "council", "council_id": council.pk, "held_on": today()},
    )
    assert refused.status_code == 403 and "構成員のみ" in refused.json()["detail"]


def test_agenda_and_outcome_through_the_api(staff: Any, api_as: Any) -> None:
    case = case_at_meeting(staff("shinjuku-soudan"))
    m = meeting(staff("shinjuku-shunin"))
    client = api_as("shinjuku-shunin")
    response = post(client, f"/meetings/{m.pk}/agenda", {"case_id": case.pk, "purpose": "plan"})
    assert response.status_code == 201, response.content
    item = response.json()
    assert item["plan_status"] == "submitted" and item["purpose_ja"] == "プラン（案）の検討"
    again = post(client, f"/meetings/{m.pk}/agenda", {"case_id": case.pk, "purpose": "plan"})
    assert again.status_code == 422 and again.json()["errors"]["case"] == [
        "このケースは既に同じ議題で登録されています。"
    ]
    bad = post(client, f"/meetings/{m.pk}/agenda/{item['id']}/outcome", {"outcome": "maybe"})
    assert bad.status_code == 422 and bad.json()["errors"]["outcome"] == ["選択肢にない値です。"]
    done = post(
        client, f"/meetings/{m.pk}/agenda/{item['id']}/outcome", {"outcome": "approved", "minutes": "承認"}
    )
    assert done.status_code == 200
    assert done.json()["outcome_ja"] == "承認" and done.json()["plan_status"] == PlanStatus.APPROVED
    other = api_as("hasuda-shunin")
    assert (
        post(other, f"/meetings/{m.pk}/agenda/{item['id']}/outcome", {"outcome": "approved"}).status_code
        == 404
    )
    assert post(other, f"/meetings/{m.pk}/agenda", {"case_id": case.pk, "purpose": "plan"}).status_code == 404


def test_agenda_outcome_without_a_plan_is_422(staff: Any, api_as: Any) -> None:
    m = meeting(staff("shinjuku-shunin"))
    case = case_at_meeting(staff("shinjuku-soudan"))
    item = AgendaItem.objects.create(meeting=m, case=case, purpose="plan")  # no plan linked
    response = post(
        api_as("shinjuku-shunin"), f"/meetings/{m.pk}/agenda/{item.pk}/outcome", {"outcome": "approved"}
    )
    assert response.status_code == 422
    assert response.json()["errors"]["outcome"] == ["この議題にはプランがないため、結果を記録できません。"]


def test_decisions_by_the_right_officer_only(staff: Any, api_as: Any) -> None:
    case, _ = approved_case(
        staff("shinjuku-shunin"), staff("shinjuku-soudan"), programs=["employment_preparation"]
    )
    body = {"case_id": case.pk, "kind": "decision", "decided_on": today()}
    # centre staff: refused with the reason
    refused = post(api_as("shinjuku-center"), "/decisions", body)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "支援決定・確認は、ケースの実施主体の自治体担当者のみが記録できます。"
    # an officer of another municipality: the case does not exist for them
    assert post(api_as("hasuda-jichitai"), "/decisions", body).status_code == 404
    assert not Decision.objects.exists()
    officer = api_as("shinjuku-jichitai")
    pending = officer.get(f"{API}/decisions/pending")
    assert pending.status_code == 200
    assert pending.json() == [
        {
            "case_id": case.pk,
            "case_number": case.case_number,
            "person_name": case.person.name,
            "agency_name": "新宿区生活支援相談窓口",
            "plan_id": plan_current(case).pk,  # type: ignore[union-attr]
            "expected_kind": "decision",
            "programs": ["employment_preparation"],
        }
    ]
    wrong = post(officer, "/decisions", body | {"kind": "confirmation"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"]["kind"] == [
        "このプランは法定事業の利用を申し込んでいるため「支援決定」です。"
    ]
    future = post(
        officer, "/decisions", body | {"decided_on": (timezone.localdate() + timedelta(days=2)).isoformat()}
    )
    assert future.json()["errors"]["decided_on"] == ["決定日に未来の日付は入力できません。"]
    created = post(officer, "/decisions", body)
    assert created.status_code == 201, created.content
    decision = created.json()
    assert decision["kind_ja"].startswith("支援決定") and decision["programs"] == ["employment_preparation"]
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
    assert officer.get(f"{API}/decisions/{decision['id']}").status_code == 200
    assert api_as("shinjuku-soudan").get(f"{API}/decisions/{decision['id']}").status_code == 200
    assert api_as("hasuda-jichitai").get(f"{API}/decisions/{decision['id']}").status_code == 404
    assert api_as("shinjuku-center").get(f"{API}/decisions/pending").status_code == 403
    assert officer.get(f"{API}/decisions/pending").json() == []


def test_openapi_lists_the_resources(api_as: Any) -> None:
    paths = api_as("shinjuku-shunin").get(f"{API}/openapi.json").json()["paths"]
    for p in (
        "/api/v1/meetings",
        "/api/v1/meetings/{meeting_id}",
        "/api/v1/meetings/{meeting_id}/agenda",
        "/api/v1/meetings/{meeting_id}/agenda/{item_id}/outcome",
        "/api/v1/decisions",
        "/api/v1/decisions/pending",
        "/api/v1/decisions/{decision_id}",
    ):
        assert p in paths, p
