"""Other programmes (issue #5 point 6): limits and boundaries, certified providers, training type,
progress reports, hand-back, warnings, API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from tsunagu.core.models import AuditEvent
from tsunagu.programs import selectors, services
from tsunagu.programs.models import EnrolmentStatus, ProgramEnrolment, ProgressReport

pytestmark = pytest.mark.django_db

START = date(2025, 4, 1)


def create(staff: Callable[[str], Any], case: Any, actor: str = "shinjuku-soudan", **values: Any) -> Any:
    data: dict[str, Any] = {
        "plan": case.test_plan,
        "program": "employment_preparation",
        "start_on": START,
        "end_on": date(2025, 9, 30),
        "provider_name": "NPO法人あすなろ",
    }
    data.update(values)
    return services.enrolment_create(actor=staff(actor), case=case, values=data)


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- 就労準備支援: 1 year ----------------------------------------------------------------------------


def test_employment_preparation_exactly_one_year_ok(staff: Any, open_case: Any) -> None:
    e = create(staff, open_case, end_on=date(2026, 3, 31))
    assert e.standard_limit_on == date(2026, 3, 31)
    assert e.plan_id == open_case.test_plan.pk
    assert AuditEvent.objects.filter(object_type="programenrolment", object_id=str(e.pk)).exists()


def test_employment_preparation_one_year_plus_one_day_refused(staff: Any, open_case: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        create(staff, open_case, end_on=date(2026, 4, 1))
    assert "1年以内" in errors_of(exc)["end_on"][0]
    assert not ProgramEnrolment.objects.exists()


def test_employment_preparation_longer_with_municipal_decision(staff: Any, open_case: Any) -> None:
    e = create(staff, open_case, end_on=date(2026, 3, 31))
    with pytest.raises(PermissionDenied):
        services.enrolment_extend(
            actor=staff("shinjuku-soudan"), enrolment=e, end_on=date(2026, 6, 30), reason="継続が必要"
        )
    with pytest.raises(PermissionDenied):
        services.enrolment_extend(
            actor=staff("hasuda-jichitai"), enrolment=e, end_on=date(2026, 6, 30), reason="継続が必要"
        )
    e = services.enrolment_extend(
        actor=staff("shinjuku-jichitai"),
        enrolment=e,
        end_on=date(2026, 6, 30),
        reason="生活リズムの定着に時間が必要",
    )
    assert e.end_on == date(2026, 6, 30)
    assert e.municipality_extension_decided_by == staff("shinjuku-jichitai")


def test_db_refuses_employment_preparation_over_one_year_without_decision(staff: Any, open_case: Any) -> None:
    e = create(staff, open_case, end_on=date(2026, 3, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramEnrolment.objects.filter(pk=e.pk).update(end_on=date(2026, 4, 1))


def test_end_before_start_refused(staff: Any, open_case: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        create(staff, open_case, end_on=date(2025, 3, 31))
    assert "開始日以降" in errors_of(exc)["end_on"][0]
    e = create(staff, open_case)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramEnrolment.objects.filter(pk=e.pk).update(end_on=date(2025, 3, 1))


def test_plan_must_apply_for_the_programme(staff: Any, open_case: Any) -> None:
    plan = open_case.test_plan
    plan.programs = ["housing_benefit"]
    plan.save(update_fields=["programs"])
    with pytest.raises(ValidationError) as exc:
        create(staff, open_case)
    assert "就労準備支援事業" in errors_of(exc)["plan"][0]


def test_other_agency_cannot_enrol(staff: Any, open_case: Any) -> None:
    with pytest.raises(PermissionDenied):
        create(staff, open_case, actor="hasuda-soudan")


# --- 一時生活支援: 3 months, extendable to 6 ----------------------------------------------------------


def shelter(staff: Any, case: Any, end_on: date) -> Any:
    return create(staff, case, program="temporary_living", end_on=end_on, provider_name="新宿区シェルター")


def test_shelter_three_months_ok(staff: Any, open_case: Any) -> None:
    e = shelter(staff, open_case, date(2025, 6, 30))
    assert (e.standard_limit_on, e.maximum_limit_on) == (date(2025, 6, 30), date(2025, 9, 30))


def test_shelter_three_months_plus_one_day_needs_extension(staff: Any, open_case: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        shelter(staff, open_case, date(2025, 7, 1))
    assert "原則3か月" in errors_of(exc)["end_on"][0]
    e = shelter(staff, open_case, date(2025, 6, 30))
    e = services.enrolment_extend(
        actor=staff("shinjuku-soudan"), enrolment=e, end_on=date(2025, 7, 1), reason="転居先の入居日待ち"
    )
    assert e.extension_recorded_on is not None and e.end_on == date(2025, 7, 1)


def test_shelter_six_months_ok_more_refused(staff: Any, open_case: Any) -> None:
    e = shelter(staff, open_case, date(2025, 6, 30))
    e = services.enrolment_extend(
        actor=staff("shinjuku-soudan"), enrolment=e, end_on=date(2025, 9, 30), reason="転居先の確保に時間"
    )
    assert e.end_on == date(2025, 9, 30)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_extend(
            actor=staff("shinjuku-soudan"), enrolment=e, end_on=date(2025, 10, 1), reason="さらに延長"
        )
    assert "6か月" in errors_of(exc)["end_on"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramEnrolment.objects.filter(pk=e.pk).update(end_on=date(2025, 10, 1))


def test_db_refuses_shelter_over_three_months_without_extension(staff: Any, open_case: Any) -> None:
    e = shelter(staff, open_case, date(2025, 6, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramEnrolment.objects.filter(pk=e.pk).update(end_on=date(2025, 7, 1))


def test_shelter_warnings_before_limits(staff: Any, open_case: Any) -> None:
    e = shelter(staff, open_case, date(2025, 6, 30))
    assert selectors.enrolment_warnings(e, today=date(2025, 6, 15)) == []
    w = selectors.enrolment_warnings(e, today=date(2025, 6, 16))
    assert len(w) == 1 and "原則の3か月" in w[0] and "あと14日" in w[0]
    w = selectors.enrolment_warnings(e, today=date(2025, 9, 20))
    assert any("上限の6か月" in x for x in w)


def test_employment_preparation_warning_30_days(staff: Any, open_case: Any) -> None:
    e = create(staff, open_case, end_on=date(2026, 3, 31))
    assert selectors.enrolment_warnings(e, today=date(2026, 2, 28)) == []
    w = selectors.enrolment_warnings(e, today=date(2026, 3, 1))
    assert len(w) == 1 and "あと30日" in w[0]


# --- 認定就労訓練 ------------------------------------------------------------------------------------


def test_training_type_only_by_officer_of_case_municipality(
    staff: Any, open_case: Any, provider: Any
) -> None:
    for who in ("shinjuku-soudan", "shinjuku-shunin", "hasuda-jichitai"):
        with pytest.raises(PermissionDenied):
            services.training_type_decide(
                actor=staff(who),
                case=open_case,
                provider=provider,
                training_type="employed",
                decided_on=date(2025, 3, 20),
            )
    with pytest.raises(ValidationError) as exc:
        services.training_type_decide(
            actor=staff("shinjuku-jichitai"),
            case=open_case,
            provider=provider,
            training_type="x",
            decided_on=date(2025, 3, 20),
        )
    assert "雇用型か非雇用型" in errors_of(exc)["training_type"][0]
    d = services.training_type_decide(
        actor=staff("shinjuku-jichitai"),
        case=open_case,
        provider=provider,
        training_type="non_employed",
        decided_on=date(2025, 3, 20),
    )
    assert d.decided_by == staff("shinjuku-jichitai")


def test_certified_training_needs_decision(staff: Any, open_case: Any, provider: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        create(
            staff, open_case, program="certified_training", certified_provider=provider.pk, provider_name=""
        )
    assert "決定がありません" in errors_of(exc)["training_decision"][0]


def test_certified_training_with_valid_provider_and_decision(
    staff: Any, open_case: Any, provider: Any
) -> None:
    services.training_type_decide(
        actor=staff("shinjuku-jichitai"),
        case=open_case,
        provider=provider,
        training_type="employed",
        decided_on=date(2025, 3, 20),
    )
    e = create(
        staff, open_case, program="certified_training", certified_provider=provider.pk, provider_name=""
    )
    assert e.training_decision.training_type == "employed"
    assert e.provider_label.startswith("社会福祉法人つなぐ会")


def test_certified_training_provider_not_valid_on_start(staff: Any, open_case: Any, provider: Any) -> None:
    services.training_type_decide(
        actor=staff("shinjuku-jichitai"),
        case=open_case,
        provider=provider,
        training_type="employed",
        decided_on=date(2025, 3, 20),
    )
    with pytest.raises(ValidationError) as exc:
        create(
            staff,
            open_case,
            program="certified_training",
            certified_provider=provider,
            start_on=date(2027, 4, 1),
            end_on=date(2027, 6, 30),
        )
    assert "有効ではありません" in errors_of(exc)["certified_provider"][0]
    # last valid day is fine
    e = create(
        staff,
        open_case,
        program="certified_training",
        certified_provider=provider,
        start_on=date(2027, 3, 31),
        end_on=date(2027, 6, 30),
    )
    assert e.start_on == date(2027, 3, 31)


def test_provider_registry_validation(staff: Any, demo: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.certified_provider_add(
            actor=staff("shinjuku-jichitai"),
            values={
                "name": "",
                "certification_number": "1",
                "certifying_authority": "東京都",
                "valid_from": date(2025, 4, 1),
                "valid_to": date(2025, 3, 31),
            },
        )
    assert set(errors_of(exc)) == {"name", "valid_to"}
    with pytest.raises(PermissionDenied):
        services.certified_provider_add(actor=staff("shinjuku-soudan"), values={})


# --- Progress and hand-back ---------------------------------------------------------------------------


def test_progress_report_and_hand_back(staff: Any, open_case: Any) -> None:
    e = create(staff, open_case)
    r = services.progress_report_add(
        actor=staff("shinjuku-shuro"),
        enrolment=e,
        values={
            "reported_on": date(2025, 5, 1),
            "content": "週3日通所",
            "planned_days": 12,
            "attended_days": 10,
        },
    )
    assert ProgressReport.objects.get(pk=r.pk).attended_days == 10
    with pytest.raises(ValidationError) as exc:
        services.progress_report_add(
            actor=staff("shinjuku-shuro"),
            enrolment=e,
            values={"reported_on": date(2025, 5, 1), "content": "", "planned_days": 5, "attended_days": 6},
        )
    assert set(errors_of(exc)) == {"content", "attended_days"}
    e = services.enrolment_end_with_handback(
        actor=staff("shinjuku-soudan"), enrolment=e, ended_on=date(2025, 9, 30), hand_back_kind="hello_work"
    )
    e.refresh_from_db()
    assert (e.status, e.hand_back_kind, e.hand_back_on) == (
        EnrolmentStatus.ENDED,
        "hello_work",
        date(2025, 9, 30),
    )
    assert selectors.enrolment_warnings(e, today=date(2025, 9, 20)) == []
    with pytest.raises(ValidationError):
        services.enrolment_end_with_handback(
            actor=staff("shinjuku-soudan"),
            enrolment=e,
            ended_on=date(2025, 9, 30),
            hand_back_kind="hello_work",
        )


def test_hand_back_kind_required(staff: Any, open_case: Any) -> None:
    e = create(staff, open_case)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_end_with_handback(
            actor=staff("shinjuku-soudan"), enrolment=e, ended_on=date(2025, 9, 30), hand_back_kind=""
        )
    assert "つなぎ先" in errors_of(exc)["hand_back_kind"][0]
    assert ProgramEnrolment.objects.get(pk=e.pk).status == EnrolmentStatus.ACTIVE


# --- API -----------------------------------------------------------------------------------------------

ENROLMENTS = "/api/v1/enrolments"


def test_api_create_list_get(login: Callable[[str], Client], open_case: Any) -> None:
    c = login("shinjuku-soudan")
    body = {
        "case_id": open_case.pk,
        "plan_id": open_case.test_plan.pk,
        "program": "child_learning",
        "start_on": "2025-04-01",
        "end_on": "2026-03-31",
        "provider_name": "学習支援教室ひだまり",
    }
    r = c.post(ENROLMENTS, data=body, content_type="application/json")
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["program_ja"] == "子どもの学習・生活支援事業"
    assert c.get(f"{ENROLMENTS}/{out['id']}").status_code == 200
    assert [x["id"] for x in c.get(ENROLMENTS).json()["items"]] == [out["id"]]
    r = c.post(
        f"{ENROLMENTS}/{out['id']}/progress-reports",
        data={"reported_on": "2025-05-01", "content": "毎週参加"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    r = c.post(
        f"{ENROLMENTS}/{out['id']}/end",
        data={"ended_on": "2025-06-30", "hand_back_kind": "general_employment"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["hand_back_kind"] == "general_employment"
    # another agency sees nothing
    assert login("hasuda-soudan").get(f"{ENROLMENTS}/{out['id']}").status_code == 404


def test_api_422_japanese(login: Callable[[str], Client], open_case: Any) -> None:
    c = login("shinjuku-soudan")
    body = {
        "case_id": open_case.pk,
        "plan_id": open_case.test_plan.pk,
        "program": "employment_preparation",
        "start_on": "2025-04-01",
        "end_on": "2026-04-01",
        "provider_name": "NPO法人あすなろ",
    }
    r = c.post(ENROLMENTS, data=body, content_type="application/json")
    assert r.status_code == 422
    assert "1年以内" in r.json()["errors"]["end_on"][0]
    assert not ProgramEnrolment.objects.exists()
    r = c.post(ENROLMENTS, data=body | {"case_id": 999_999}, content_type="application/json")
    assert r.status_code == 404


# --- Screens -------------------------------------------------------------------------------------------


def test_screens_create_report_end(login: Callable[[str], Client], staff: Any, open_case: Any) -> None:
    c = login("shinjuku-soudan")
    assert c.get("/programs/enrolments/").status_code == 200
    url = f"/programs/enrolments/new/?case={open_case.pk}"
    assert c.get(url).status_code == 200
    r = c.post(
        url,
        {
            "plan": open_case.test_plan.pk,
            "program": "employment_preparation",
            "start_on": "令和7年4月1日",
            "end_on": "令和8年4月1日",
            "provider_name": "NPO法人あすなろ",
        },
    )
    assert r.status_code == 200
    assert "1年以内" in r.content.decode()
    assert not ProgramEnrolment.objects.exists()
    r = c.post(
        url,
        {
            "plan": open_case.test_plan.pk,
            "program": "employment_preparation",
            "start_on": "令和7年4月1日",
            "end_on": "令和8年3月31日",
            "provider_name": "NPO法人あすなろ",
        },
    )
    e = ProgramEnrolment.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/programs/enrolments/{e.pk}/"
    page = c.get(r["Location"]).content.decode()
    assert "就労準備支援事業" in page and "<script>" not in page
    r = c.post(f"/programs/enrolments/{e.pk}/progress/", {"reported_on": "2025-05-01", "content": "通所開始"})
    assert r.status_code == 302
    r = c.post(f"/programs/enrolments/{e.pk}/end/", {"ended_on": "2025-09-30", "hand_back_kind": ""})
    assert r.status_code == 200 and "つなぎ先" in r.content.decode()
    r = c.post(
        f"/programs/enrolments/{e.pk}/end/", {"ended_on": "2025-09-30", "hand_back_kind": "hello_work"}
    )
    assert r.status_code == 302
    assert ProgramEnrolment.objects.get().hand_back_kind == "hello_work"
    assert login("hasuda-soudan").get(f"/programs/enrolments/{e.pk}/").status_code == 404


def test_officer_screens(login: Callable[[str], Client], open_case: Any, provider: Any) -> None:
    c = login("shinjuku-jichitai")
    assert c.get("/programs/enrolments/providers/").status_code == 200
    url = f"/programs/enrolments/training-decision/{open_case.pk}/"
    assert c.get(url).status_code == 200
    r = c.post(url, {"provider": provider.pk, "training_type": "employed", "decided_on": "2025-03-20"})
    assert r.status_code == 302
    assert login("shinjuku-soudan").get(url).status_code == 403
