"""監査ログの照会: the privacy officer answers "who accessed person X in period P" and
"what did account A touch", within the own agency only."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.privacy.selectors import audit_events_search

TOKYO = ZoneInfo("Asia/Tokyo")
URL = "/privacy/audit/"


def _event(
    actor: Any, when: datetime, *, person_id: int, action: AuditAction = AuditAction.VIEW
) -> AuditEvent:
    """A past audit row. audit_record stamps "now"; history needs its own time, so the row is
    created directly (rows are append-only; creating one is allowed)."""
    return AuditEvent.objects.create(
        occurred_at=when,
        actor=actor,
        actor_label=actor.username,
        action=action,
        object_type="person",
        object_id=str(person_id),
        person_id=person_id,
        agency_id=actor.agency_id,
        ip="192.0.2.1",
    )


@pytest.fixture
def history(staff: Any) -> dict[str, AuditEvent]:
    soudan, shunin, hasuda = staff("shinjuku-soudan"), staff("shinjuku-shunin"), staff("hasuda-soudan")
    return {
        "before": _event(soudan, datetime(2025, 3, 31, 23, 30, tzinfo=TOKYO), person_id=900_501),
        "first_day": _event(soudan, datetime(2025, 4, 1, 0, 30, tzinfo=TOKYO), person_id=900_501),
        "by_chief": _event(shunin, datetime(2025, 4, 15, 10, 0, tzinfo=TOKYO), person_id=900_501),
        "other_person": _event(soudan, datetime(2025, 4, 20, 9, 0, tzinfo=TOKYO), person_id=900_502),
        "print": _event(
            soudan, datetime(2025, 4, 30, 23, 59, tzinfo=TOKYO), person_id=900_501, action=AuditAction.PRINT
        ),
        "after": _event(soudan, datetime(2025, 5, 1, 0, 0, tzinfo=TOKYO), person_id=900_501),
        "hasuda": _event(hasuda, datetime(2025, 4, 10, 12, 0, tzinfo=TOKYO), person_id=900_501),
    }


def _ids(events: Any) -> set[int]:
    return {e.pk for e in events}


def test_who_accessed_person_x_in_april(login: Any, history: dict[str, AuditEvent]) -> None:
    response = login("shinjuku-privacy").get(
        URL, {"person_id": "900501", "start": "令和7年4月1日", "end": "令和7年4月30日"}
    )
    assert response.status_code == 200
    found = _ids(response.context["page"].object_list)
    assert found == _ids([history["first_day"], history["by_chief"], history["print"]])
    text = response.content.decode()
    assert "該当 3 件" in text
    assert "shinjuku-shunin" in text
    assert "印刷・PDF" in text
    assert "hasuda-soudan" not in text


def test_what_did_account_a_touch(login: Any, staff: Any, history: dict[str, AuditEvent]) -> None:
    soudan = staff("shinjuku-soudan")
    response = login("shinjuku-privacy").get(
        URL, {"actor": str(soudan.pk), "start": "R7.4.1", "end": "2025-04-30"}
    )
    assert response.status_code == 200
    found = _ids(response.context["page"].object_list)
    assert found == _ids([history["first_day"], history["other_person"], history["print"]])


def test_the_privacy_officer_sees_no_other_agencys_events(login: Any, history: dict[str, AuditEvent]) -> None:
    response = login("shinjuku-privacy").get(URL, {"person_id": "900501"})
    found = _ids(response.context["page"].object_list)
    assert history["hasuda"].pk not in found
    assert history["before"].pk in found and history["after"].pk in found

    response = login("hasuda-privacy").get(URL, {"person_id": "900501"})
    assert _ids(response.context["page"].object_list) == {history["hasuda"].pk}


def test_another_agencys_account_cannot_be_chosen(
    login: Any, staff: Any, history: dict[str, AuditEvent]
) -> None:
    response = login("shinjuku-privacy").get(URL, {"actor": str(staff("hasuda-soudan").pk)})
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "actor" in response.context["form"].errors
    choices = {u.username for u in response.context["form"].fields["actor"].queryset}
    assert choices and all(u.startswith("shinjuku-") for u in choices)


def test_the_auditor_may_search_too(login: Any, history: dict[str, AuditEvent]) -> None:
    response = login("shinjuku-kansa").get(
        URL, {"person_id": "900501", "start": "令和7年4月1日", "end": "令和7年4月30日"}
    )
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 3


@pytest.mark.parametrize("username", ["shinjuku-soudan", "shinjuku-center", "shinjuku-jichitai"])
def test_roles_without_audit_view_get_403(login: Any, username: str) -> None:
    response = login(username).get(URL, {"person_id": "900501"})
    assert response.status_code == 403
    assert "権限" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_QUERY).exists()


def test_the_selector_itself_is_scoped(staff: Any, history: dict[str, AuditEvent]) -> None:
    assert not audit_events_search(user=staff("shinjuku-soudan"), person_id=900_501).exists()
    officer = staff("shinjuku-privacy")
    assert history["hasuda"] not in audit_events_search(user=officer, person_id=900_501)


def test_the_empty_form_shows_no_results_and_writes_no_query_row(login: Any) -> None:
    response = login("shinjuku-privacy").get(URL)
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "監査ログの照会" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_QUERY).exists()


def test_end_before_start_is_refused_in_japanese_and_input_is_kept(
    login: Any, history: dict[str, AuditEvent]
) -> None:
    response = login("shinjuku-privacy").get(
        URL, {"person_id": "900501", "start": "令和7年5月1日", "end": "令和7年4月1日"}
    )
    assert response.status_code == 200
    assert response.context["page"] is None
    text = response.content.decode()
    assert "終了日は開始日以降にしてください。" in text
    assert 'value="令和7年5月1日"' in text
    assert 'value="令和7年4月1日"' in text
    assert 'value="900501"' in text
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_QUERY).exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("令和元年4月30日", "令和は令和元年5月1日からです。"),
        ("平成31年5月1日", "平成は平成31年4月30日までです。"),
        ("2025年2月30日", "存在しない日付です。"),
        ("あした", "日付の形式が正しくありません"),
    ],
)
def test_impossible_dates_are_refused_and_kept(login: Any, typed: str, message: str) -> None:
    response = login("shinjuku-privacy").get(URL, {"start": typed})
    text = response.content.decode()
    assert message in text
    assert f'value="{typed}"' in text
    assert response.context["page"] is None


def test_full_width_input_is_accepted(login: Any, history: dict[str, AuditEvent]) -> None:
    response = login("shinjuku-privacy").get(
        URL, {"person_id": "900501", "start": "令和７年４月１日", "end": "Ｒ７．４．３０"}
    )
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 3


def test_each_search_is_itself_recorded(login: Any, staff: Any, history: dict[str, AuditEvent]) -> None:
    login("shinjuku-privacy").get(URL, {"person_id": "900501", "start": "令和7年4月1日"})
    row = AuditEvent.objects.get(action=AuditAction.AUDIT_QUERY)
    assert row.actor == staff("shinjuku-privacy")
    assert row.details == {"person_id": "900501", "start": "2025-04-01"}
    # and shows up in the next search of the privacy officer's own actions
    response = login("shinjuku-kansa").get(URL, {"action": AuditAction.AUDIT_QUERY.value})
    assert _ids(response.context["page"].object_list) == {row.pk}


def test_audit_record_rows_are_found_by_person(login: Any, staff: Any) -> None:
    soudan = staff("shinjuku-soudan")
    row = audit_record(
        actor=soudan, action=AuditAction.VIEW, object_type="case", object_id=900_009, person_id=900_777
    )
    response = login("shinjuku-privacy").get(URL, {"person_id": "900777"})
    assert _ids(response.context["page"].object_list) == {row.pk}
    response = login("shinjuku-privacy").get(URL, {"object_type": "case", "object_id": "900009"})
    assert _ids(response.context["page"].object_list) == {row.pk}
