"""The meeting and decision screens: thin views over the services, errors beside the fields."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tsunagu.cases.models import CaseState, PlanStatus
from tsunagu.cases.selectors import plan_current
from tsunagu.core.dates import wareki
from tsunagu.meetings.models import AgendaItem, Decision, Meeting

from .helpers import approved_case, case_at_meeting, meeting

pytestmark = pytest.mark.django_db

# session, user, TOTP, roles, header, session save + the upcoming meetings, the past page (count, rows)
MEETING_LIST_BUDGET = 13


def _today() -> str:
    return wareki(timezone.localdate())


def test_meeting_list_query_budget_does_not_grow(
    staff: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    shunin = staff("shinjuku-shunin")
    client = login("shinjuku-shunin")
    meeting(shunin)
    meeting(shunin, held_on=timezone.localdate() - timedelta(days=30))
    client.get("/meetings/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/meetings/").status_code == 200
    for days in range(1, 11):
        meeting(shunin, held_on=timezone.localdate() + timedelta(days=days * (1 if days % 2 else -1)))
    with django_assert_max_num_queries(MEETING_LIST_BUDGET):
        response = client.get("/meetings/")
    assert len(response.context["upcoming"]) + response.context["past"].paginator.count == 12
    with CaptureQueriesContext(connection) as many:
        client.get("/meetings/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_create_meeting_missing_date_keeps_what_was_typed(staff: Any, login: Any) -> None:
    client = login("shinjuku-shunin")
    assert client.get("/meetings/new/").status_code == 200
    response = client.post(
        "/meetings/new/",
        {
            "held_on": "",
            "municipality": staff("shinjuku-shunin").agency.municipality_id,
            "place": "相談室A",
            "other_attendees": "本人\n家族（母）",
            "minutes": "消えてはいけない議事録",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "開催日を入力してください。" in page
    assert "消えてはいけない議事録" in page and "家族（母）" in page and 'value="相談室A"' in page
    assert not Meeting.objects.exists()


def test_create_and_edit_meeting(staff: Any, login: Any) -> None:
    client = login("shinjuku-shunin")
    response = client.post(
        "/meetings/new/",
        {
            "held_on": _today(),
            "municipality": staff("shinjuku-shunin").agency.municipality_id,
            "place": "相談室A",
            "chair": staff("shinjuku-shunin").pk,
            "staff_attendees": [staff("shinjuku-soudan").pk, staff("shinjuku-jichitai").pk],
            "other_attendees": "本人",
        },
    )
    m = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{m.pk}/"
    assert m.attendees.count() == 3
    page = client.get(f"/meetings/{m.pk}/").content.decode()
    assert "井上 拓也" in page and "本人" in page
    edit = client.get(f"/meetings/{m.pk}/edit/")
    assert edit.status_code == 200
    data = {"held_on": _today(), "municipality": m.municipality_id, "place": "会議室B", "version": 1}
    assert client.post(f"/meetings/{m.pk}/edit/", data).status_code == 302
    m.refresh_from_db()
    assert m.place == "会議室B" and m.version == 2 and m.attendees.count() == 0
    stale = client.post(f"/meetings/{m.pk}/edit/", data | {"place": "会議室C"})
    assert stale.status_code == 200
    assert "あなたが画面を開いた後に更新されました" in stale.content.decode()


def test_caseworker_may_read_but_not_hold_meetings(staff: Any, login: Any) -> None:
    m = meeting(staff("shinjuku-shunin"))
    client = login("shinjuku-soudan")
    assert client.get("/meetings/").status_code == 200
    assert client.get(f"/meetings/{m.pk}/").status_code == 200
    assert client.get("/meetings/new/").status_code == 403
    assert (
        client.post(f"/meetings/{m.pk}/agenda/", {"case_number": "R8-0001", "purpose": "plan"}).status_code
        == 403
    )
    assert login("hasuda-shunin").get(f"/meetings/{m.pk}/").status_code == 404


def test_agenda_quick_add_and_outcome(staff: Any, login: Any) -> None:
    shunin = staff("shinjuku-shunin")
    case = case_at_meeting(staff("shinjuku-soudan"))
    m = meeting(shunin)
    client = login("shinjuku-shunin")
    page = client.get(f"/meetings/{m.pk}/").content.decode()
    assert case.case_number in page and "議題に追加" in page
    response = client.post(f"/meetings/{m.pk}/agenda/", {"case_number": case.case_number, "purpose": "plan"})
    assert response.status_code == 302
    item = AgendaItem.objects.get()
    # no outcome chosen: the message beside the field, the minutes kept
    response = client.post(
        f"/meetings/{m.pk}/agenda/{item.pk}/outcome/", {f"item-{item.pk}-minutes": "途中まで書いた議事録"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "結果（承認・修正・差戻し）を選んでください。" in page and "途中まで書いた議事録" in page
    response = client.post(
        f"/meetings/{m.pk}/agenda/{item.pk}/outcome/",
        {f"item-{item.pk}-outcome": "approved", f"item-{item.pk}-minutes": "承認。"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    plan = plan_current(case)
    assert plan is not None and plan.status == PlanStatus.APPROVED
    # once recorded, the outcome is shown, not offered again; the minutes can still be completed
    page = client.get(f"/meetings/{m.pk}/").content.decode()
    assert f'name="item-{item.pk}-outcome"' not in page and "議事録を更新する" in page
    response = client.post(
        f"/meetings/{m.pk}/agenda/{item.pk}/outcome/",
        {f"item-{item.pk}-minutes": "承認。次回は3か月後に評価。"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.outcome == "approved" and item.minutes == "承認。次回は3か月後に評価。"


def test_agenda_add_unknown_or_unready_case(staff: Any, login: Any) -> None:
    m = meeting(staff("shinjuku-shunin"))
    client = login("shinjuku-shunin")
    response = client.post(f"/meetings/{m.pk}/agenda/", {"case_number": "R8-9999", "purpose": "plan"})
    assert response.status_code == 422
    assert "このケース番号のケースは見つかりませんでした。" in response.content.decode()
    response = client.post(f"/meetings/{m.pk}/agenda/", {"case_number": "R8-0001", "purpose": "plan"})
    assert response.status_code == 422
    assert "状態が「支援調整会議」のケースです" in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_decision_screens_for_the_municipal_officer(staff: Any, login: Any) -> None:
    case, _ = approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"), programs=["household_budget"])
    officer = login("shinjuku-jichitai")
    page = officer.get("/meetings/decisions/pending/").content.decode()
    assert case.case_number in page and "支援決定" in page
    url = f"/meetings/decisions/cases/{case.pk}/"
    form = officer.get(url)
    assert form.status_code == 200 and "家計改善支援事業" in form.content.decode()
    # wrong kind: refused beside the field, nothing saved
    response = officer.post(url, {"kind": "confirmation", "decided_on": _today(), "note": "メモ"})
    assert response.status_code == 200
    assert "法定事業の利用を申し込んでいるため「支援決定」です。" in response.content.decode()
    assert not Decision.objects.exists()
    response = officer.post(
        url, {"kind": "decision", "decided_on": _today(), "programs": ["household_budget"]}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
    pending = officer.get("/meetings/decisions/pending/")
    assert case.pk not in [row["case"].pk for row in pending.context["rows"]]
    assert [d.case_id for d in pending.context["recent"]] == [case.pk]


@pytest.mark.parametrize("username", ["shinjuku-shunin", "shinjuku-center", "shinjuku-soudan"])
def test_centre_staff_are_refused_the_decision_screens_with_the_reason(
    staff: Any, login: Any, username: str
) -> None:
    case, _ = approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"))
    client = login(username)
    for url in ("/meetings/decisions/pending/", f"/meetings/decisions/cases/{case.pk}/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "ケースの実施主体の自治体担当者のみが記録できます" in response.content.decode()
    response = client.post(
        f"/meetings/decisions/cases/{case.pk}/", {"kind": "confirmation", "decided_on": _today()}
    )
    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_officer_of_another_municipality_gets_404(staff: Any, login: Any) -> None:
    case, _ = approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"))
    client = login("hasuda-jichitai")
    assert client.get(f"/meetings/decisions/cases/{case.pk}/").status_code == 404
    response = client.post(
        f"/meetings/decisions/cases/{case.pk}/", {"kind": "confirmation", "decided_on": _today()}
    )
    assert response.status_code == 404
    assert not Decision.objects.exists()
    assert case.case_number not in client.get("/meetings/decisions/pending/").content.decode()


def test_page_refusals_are_the_one_audited_403(login: Any) -> None:
    from tsunagu.core.models import AuditAction, AuditEvent

    client = login("shinjuku-soudan")
    page = client.get("/meetings/decisions/pending/")
    assert page.status_code == 403
    assert "支援決定・確認は、ケースの実施主体の自治体担当者のみが記録できます。" in page.content.decode()
    row = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED, actor__username="shinjuku-soudan")
    assert row.details["permission"] == "decision.record"
