"""申込票の訂正 (with its version history), 取消 of a case opened by mistake, and the open-case rule.

Through the real services, views, API and statistics; the demo data set is the base.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from tsunagu.cases import selectors, services
from tsunagu.cases.models import Case, CaseState, CaseTransition, Intake
from tsunagu.cases.tests.helpers import new_person, open_case
from tsunagu.core.history import history_of
from tsunagu.core.locking import StaleVersionError, model_values
from tsunagu.core.models import AuditAction, AuditEvent, ChangeRecord
from tsunagu.dashboard import selectors as dashboard_selectors
from tsunagu.organizations.guards import AccessDenied
from tsunagu.persons.models import Person
from tsunagu.statistics.indicators import Area, Period, compute

API = "/api/v1"


@pytest.fixture
def worker(staff: Any) -> Any:
    return staff("shinjuku-soudan")


def _values(intake: Intake, **changes: Any) -> dict[str, Any]:
    return model_values(intake, services.INTAKE_EDIT_FIELDS) | changes


# --- 申込票の訂正 ------------------------------------------------------------------------------------


def test_the_worker_corrects_the_screening_and_the_history_keeps_the_old_values(worker: Any) -> None:
    case = open_case(worker, screening_note="初回の所見")
    intake = case.intake
    assert intake.version == 1
    services.intake_update(
        actor=worker,
        case=case,
        values=_values(
            intake,
            screening_outcome="referred",
            screening_referral_to="public_assistance",
            screening_note="生活保護の相談へ",
        ),
        expected_version=1,
    )
    intake.refresh_from_db()
    assert (intake.version, intake.screening_outcome, intake.screening_note) == (
        2,
        "referred",
        "生活保護の相談へ",
    )
    # The correction ends the 受付 at screening, recorded as a transition.
    case = Case.all_cases.get(pk=case.pk)
    assert case.state == CaseState.ENDED_AT_SCREENING
    assert CaseTransition.objects.filter(case=case, name="end_at_screening").exists()
    [change] = history_of(intake)
    assert change.version == 2 and change.actor == worker
    rows = {r["field"]: r for r in change.rows}
    assert rows["screening_outcome"]["before"] == "継続支援"
    assert rows["screening_outcome"]["after"] == "他制度・他機関へつなぐ"
    assert rows["screening_note"] == {
        "field": "screening_note",
        "label": "スクリーニングの所見",
        "before": "初回の所見",
        "after": "生活保護の相談へ",
    }
    assert "method" not in rows  # unchanged fields are not recorded
    audit = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="intake", object_id=str(intake.pk)
    ).get()
    assert audit.details["changes"]["screening_outcome"] == ["continuing", "referred"]
    assert audit.person_id == case.person_id


def test_a_case_ended_at_screening_returns_to_intake_when_corrected_to_continuing(worker: Any) -> None:
    case = open_case(worker, screening_outcome="info_only")
    assert case.state == CaseState.ENDED_AT_SCREENING
    services.intake_update(
        actor=worker,
        case=case,
        values=_values(case.intake, screening_outcome="continuing"),
        expected_version=case.intake.version,
    )
    assert Case.objects.get(pk=case.pk).state == CaseState.INTAKE


def test_correcting_the_received_date_moves_the_case_opened_on(worker: Any) -> None:
    case = open_case(worker)
    earlier = timezone.now() - timedelta(days=3)
    services.intake_update(
        actor=worker, case=case, values=_values(case.intake, received_at=earlier), expected_version=1
    )
    assert Case.objects.get(pk=case.pk).opened_on == timezone.localtime(earlier).date()
    [change] = history_of(case.intake)
    assert [r["label"] for r in change.rows] == ["受付日時"]
    assert change.rows[0]["before"].startswith("令和")  # 和暦


def test_a_stale_correction_is_refused_and_writes_nothing(worker: Any, staff: Any) -> None:
    case = open_case(worker)
    chief = staff("shinjuku-shunin")
    services.intake_update(
        actor=chief, case=case, values=_values(case.intake, chief_complaint="主任が訂正"), expected_version=1
    )
    with pytest.raises(StaleVersionError) as stale:
        services.intake_update(
            actor=worker,
            case=case,
            values=_values(case.intake, chief_complaint="古い画面から"),
            expected_version=1,
        )
    assert stale.value.current.chief_complaint == "主任が訂正"
    assert Intake.objects.get(pk=case.intake.pk).chief_complaint == "主任が訂正"
    assert len(history_of(case.intake)) == 1


def test_only_the_worker_and_the_chief_may_correct(worker: Any, staff: Any) -> None:
    case = open_case(worker)
    other = staff("shinjuku-shuro")  # caseworker of the same agency, not the case's worker
    with pytest.raises(AccessDenied):
        services.intake_update(
            actor=other, case=case, values=_values(case.intake, chief_complaint="x"), expected_version=1
        )
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, actor=other, object_id=str(case.pk)
    ).exists()
    with pytest.raises(AccessDenied):
        services.intake_update(
            actor=staff("hasuda-shunin"), case=case, values=_values(case.intake), expected_version=1
        )
    assert Intake.objects.get(pk=case.intake.pk).version == 1


def test_the_history_is_append_only(worker: Any) -> None:
    case = open_case(worker)
    services.intake_update(
        actor=worker, case=case, values=_values(case.intake, chief_complaint="訂正"), expected_version=1
    )
    change = ChangeRecord.objects.get(object_id=str(case.intake.pk), model="intake")
    with pytest.raises(PermissionError):
        change.save()
    with pytest.raises(PermissionError):
        ChangeRecord.objects.filter(pk=change.pk).update(reason="x")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE core_changerecord SET reason = 'x' WHERE id = %s", [change.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_changerecord WHERE id = %s", [change.pk])
    assert ChangeRecord.objects.filter(pk=change.pk).exists()


def test_the_edit_page_shows_both_versions_after_a_concurrent_edit(login: Any, staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    case = open_case(worker)
    client = login("shinjuku-soudan")
    page = client.get(f"/cases/{case.pk}/intake/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {f"intake-{k}": v for k, v in form.initial.items() if v not in (None, [], "")}
    data["intake-received_at"] = timezone.localtime(case.intake.received_at).strftime("%Y-%m-%dT%H:%M")
    data["intake-referring_partner"] = ""
    data["intake-topics"] = case.intake.topics
    services.intake_update(
        actor=staff("shinjuku-shunin"),
        case=case,
        values=_values(case.intake, chief_complaint="主任が先に訂正"),
        expected_version=1,
    )
    stale = client.post(f"/cases/{case.pk}/intake/edit/", data | {"intake-chief_complaint": "私の訂正"})
    assert stale.status_code == 200
    body = stale.content.decode()
    assert "他の職員が保存した最新の内容" in body and "主任が先に訂正" in body and "私の訂正" in body
    assert Intake.objects.get(pk=case.intake.pk).chief_complaint == "主任が先に訂正"
    # Saving again from that page (it now carries their version) saves, and the history shows both.
    again = client.post(
        f"/cases/{case.pk}/intake/edit/",
        data | {"intake-chief_complaint": "私の訂正", "intake-version": "2"},
    )
    assert again.status_code == 302
    assert Intake.objects.get(pk=case.intake.pk).chief_complaint == "私の訂正"
    history = client.get(f"/cases/{case.pk}/intake/edit/").content.decode()
    assert "変更履歴" in history and "主任が先に訂正" in history and "失業して家賃が払えない" in history


def test_the_edit_page_is_refused_to_another_caseworker(login: Any, staff: Any) -> None:
    case = open_case(staff("shinjuku-soudan"))
    assert login("shinjuku-shuro").get(f"/cases/{case.pk}/intake/edit/").status_code == 403
    assert login("hasuda-soudan").get(f"/cases/{case.pk}/intake/edit/").status_code == 404
    assert login("shinjuku-shunin").get(f"/cases/{case.pk}/intake/edit/").status_code == 200
    assert login("shinjuku-jimu").get(f"/cases/{case.pk}/intake/edit/").status_code == 403


# --- API ------------------------------------------------------------------------------------------


def _bearer(username: str) -> Client:
    out = StringIO()
    call_command("issue_api_token", username, stdout=out)
    return Client(headers={"Authorization": f"Bearer {out.getvalue().strip()}"})


def _patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(f"{API}{url}", json.dumps(body, default=str), content_type="application/json")


def test_patch_intake_corrects_and_a_stale_version_is_422(demo: Any, staff: Any) -> None:
    case = open_case(staff("shinjuku-soudan"))
    client = _bearer("shinjuku-soudan")
    got = client.get(f"{API}/intakes/{case.intake.pk}")
    assert got.status_code == 200 and got.json()["version"] == 1
    ok = _patch(client, f"/intakes/{case.intake.pk}", {"version": 1, "screening_note": "API で訂正"})
    assert ok.status_code == 200, ok.content
    assert (ok.json()["version"], ok.json()["screening_note"]) == (2, "API で訂正")
    stale = _patch(client, f"/intakes/{case.intake.pk}", {"version": 1, "screening_note": "古い版"})
    assert stale.status_code == 422 and "version" in stale.json()["errors"]
    missing = _patch(client, f"/intakes/{case.intake.pk}", {"screening_note": "版なし"})
    assert missing.status_code == 422 and "version" in missing.json()["errors"]
    assert _patch(_bearer("hasuda-soudan"), f"/intakes/{case.intake.pk}", {"version": 2}).status_code == 404
    assert Intake.objects.get(pk=case.intake.pk).screening_note == "API で訂正"


def test_the_openapi_documents_the_409_and_the_patch(demo: Any, login: Any) -> None:
    schema = login("shinjuku-soudan").get(f"{API}/openapi.json").json()
    create = schema["paths"][f"{API}/intakes"]["post"]["responses"]
    assert "409" in create
    assert "patch" in schema["paths"][f"{API}/intakes/{{intake_id}}"]


# --- 取消 ------------------------------------------------------------------------------------------


def test_cancel_needs_the_chief_and_a_reason(worker: Any, staff: Any) -> None:
    case = open_case(worker)
    with pytest.raises(AccessDenied):
        services.case_cancel(actor=worker, case=case, reason="誤って登録")
    chief = staff("shinjuku-shunin")
    with pytest.raises(ValidationError, match="理由"):
        services.case_cancel(actor=chief, case=case, reason="  ")
    services.case_cancel(actor=chief, case=case, reason="別の方のケースとして誤って開いた")
    cancelled = Case.all_cases.get(pk=case.pk)
    assert cancelled.state == CaseState.CANCELLED
    t = CaseTransition.objects.get(case=case, name="cancel")
    assert (t.reason, t.actor) == ("別の方のケースとして誤って開いた", chief)


def test_cancel_is_refused_when_something_is_recorded(worker: Any, staff: Any) -> None:
    case = open_case(worker)
    services.record_create(
        actor=worker,
        case=case,
        values={
            "occurred_at": timezone.now() - timedelta(minutes=5),
            "duration_minutes": 30,
            "method": "phone",
            "content": "電話で状況を確認",
            "staff": worker,
            "is_monitoring": False,
        },
    )
    with pytest.raises(ValidationError, match="支援経過記録"):
        services.case_cancel(actor=staff("shinjuku-center"), case=case, reason="誤り")
    assert Case.objects.get(pk=case.pk).state == CaseState.INTAKE


def test_a_cancelled_case_appears_nowhere_and_counts_nowhere(login: Any, staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    person = new_person(worker, name="取消 太郎", kana="トリケシ タロウ")
    case = open_case(worker, person=person)
    area = Area.agency(case.agency)
    today = timezone.localdate()
    period = Period.month(today.year, today.month)
    before = compute(area, period, ["new_consultations"]).value("new_consultations")
    services.case_cancel(actor=staff("shinjuku-shunin"), case=case, reason="誤って開いた")

    assert compute(area, period, ["new_consultations"]).value("new_consultations") == before - 1
    assert not selectors.cases_visible_to(worker).filter(pk=case.pk).exists()
    client = login("shinjuku-soudan")
    listed = client.get("/cases/", {"scope": "mine"})
    assert case.case_number not in listed.content.decode()
    chief_list = login("shinjuku-shunin").get("/cases/", {"scope": "agency", "q": "トリケシ"})
    assert case.case_number not in chief_list.content.decode()
    person_page = client.get(f"/persons/{person.pk}/")
    assert person_page.status_code == 200 and case.case_number not in person_page.content.decode()
    assert not dashboard_selectors.open_cases(worker, "mine").filter(pk=case.pk).exists()
    assert selectors.open_cases_of_persons(user=worker, person_ids=[person.pk]) == {}
    # The person stays, the audit trail keeps the case and its 取消, and its page stays readable.
    assert Person.objects.filter(pk=person.pk).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.TRANSITION, object_id=str(case.pk), details__transition="cancel"
    ).exists()
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200 and "取消されています" in page.content.decode()
    assert page.context["can_edit"] is False and not any(page.context["actions"].values())
    assert client.get(f"/cases/{case.pk}/records/new/").status_code == 404  # no write on it
    # A new 受付 for the person is not blocked by the cancelled case.
    again = open_case(worker, person=person)
    assert again.pk != case.pk


def test_cancel_through_the_api_table_and_refusal_for_a_consultant(demo: Any, staff: Any) -> None:
    case = open_case(staff("shinjuku-soudan"))
    body = {"name": "cancel", "reason": "誤って開いた", "version": case.version}
    refused = _bearer("shinjuku-soudan").post(
        f"{API}/cases/{case.pk}/transitions", json.dumps(body), content_type="application/json"
    )
    assert refused.status_code == 403
    ok = _bearer("shinjuku-shunin").post(
        f"{API}/cases/{case.pk}/transitions", json.dumps(body), content_type="application/json"
    )
    assert ok.status_code in (200, 201), ok.content
    assert Case.all_cases.get(pk=case.pk).state == CaseState.CANCELLED
    assert _bearer("shinjuku-shunin").get(f"{API}/cases/{case.pk}").status_code == 404


def test_received_date_keeps_counting_in_the_corrected_month(worker: Any) -> None:
    case = open_case(worker)
    area = Area.agency(case.agency)
    today = timezone.localdate()
    last_month_day = today.replace(day=1) - timedelta(days=1)
    last = Period.month(last_month_day.year, last_month_day.month)
    before = compute(area, last, ["new_consultations"]).value("new_consultations")
    received = timezone.make_aware(datetime(last_month_day.year, last_month_day.month, 1, 10, 0))
    services.intake_update(
        actor=worker, case=case, values=_values(case.intake, received_at=received), expected_version=1
    )
    assert compute(area, last, ["new_consultations"]).value("new_consultations") == before + 1


def test_a_case_ended_at_screening_may_be_cancelled_and_leaves_the_count(worker: Any, staff: Any) -> None:
    case = open_case(worker, screening_outcome="info_only")
    area = Area.agency(case.agency)
    today = timezone.localdate()
    period = Period.month(today.year, today.month)
    before = compute(area, period, ["new_consultations"]).value("new_consultations")
    services.case_cancel(actor=staff("shinjuku-center"), case=case, reason="別の方の相談を誤って登録")
    assert Case.all_cases.get(pk=case.pk).state == CaseState.CANCELLED
    assert compute(area, period, ["new_consultations"]).value("new_consultations") == before - 1


def test_new_consultations_count_only_intakes_that_opened_a_case(worker: Any) -> None:
    person = new_person(worker, name="再相 花子", kana="サイソウ ハナコ")
    first = open_case(worker, person=person)
    area = Area.agency(first.agency)
    today = timezone.localdate()
    period = Period.month(today.year, today.month)
    count = compute(area, period, ["new_consultations"]).value("new_consultations")
    # A new 相談 of the same person is refused as a case (it is recorded in the open one) …
    with pytest.raises(services.OpenCaseExists):
        open_case(worker, person=person)
    services.record_create(
        actor=worker,
        case=first,
        values={
            "occurred_at": timezone.now() - timedelta(minutes=1),
            "duration_minutes": 20,
            "method": "interview",
            "content": "再相談：家賃の件",
            "staff": worker,
            "is_monitoring": False,
        },
    )
    assert compute(area, period, ["new_consultations"]).value("new_consultations") == count
    # … and a second case opened with a reason is a 受付 that opened a case.
    open_case(worker, person=person, second_case_reason="別の世帯員についての相談")
    assert compute(area, period, ["new_consultations"]).value("new_consultations") == count + 1


# --- The intake form --------------------------------------------------------------------------------


def test_a_duplicate_warning_shows_no_consent_errors_that_were_not_asked_for(login: Any) -> None:
    from tsunagu.cases.tests.test_views import _intake_post

    client = login("shinjuku-soudan")
    data = _intake_post(
        **{
            "person-name": "高橋 一郎",
            "person-kana": "タカハシ イチロー",
            "person-birth_date": "昭和50年6月12日",
            "person-phone": "",
            "consent-given_on": "いつか",  # typed, but 「同意を得た」 is not ticked
            "intake-submission_token": "tok-dup-consent",
        }
    )
    warned = client.post("/intake/new/", data)
    assert warned.status_code == 200
    body = warned.content.decode()
    assert "登録済みの可能性がある方" in body
    assert not warned.context["consent_form"].is_bound
    assert "form-field--error" not in body.split('id="intake-consent"', 1)[1].split("</fieldset>", 1)[0]


def test_the_form_has_four_sections_and_carries_the_search(login: Any) -> None:
    client = login("shinjuku-soudan")
    page = client.get(
        "/intake/new/", {"name": "木村 次郎", "kana": "キムラ ジロウ", "birth_date": "昭和60年4月1日"}
    )
    form = page.context["person_form"]
    assert form.initial["name"] == "木村 次郎" and form.initial["kana"] == "キムラ ジロウ"
    assert form.initial["birth_date"].isoformat() == "1985-04-01"
    body = page.content.decode()
    assert 'id="intake-form"' in body
    for anchor in ("intake-person", "intake-content", "intake-screening", "intake-consent"):
        assert f'id="{anchor}"' in body and f'href="#{anchor}"' in body
    search = client.get("/intake/", {"name": "木村 次郎", "birth_date": "昭和60年4月1日"})
    assert "birth_date=1985-04-01" in search.context["carried_query"]
