"""Cases on the shared kit: guards (every refusal audited once, ``case.assign``), optimistic locking
without a version refused, the consent and area rules, the case page's actions from the workflow
table, idempotent creates, audited reads and the API's contract for bad input."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tsunagu.cases import services
from tsunagu.cases.models import CaseState, EmploymentOutcome, Evaluation, SupportRecord
from tsunagu.cases.tests.helpers import open_case
from tsunagu.cases.tests.process import case_at, evaluation_values, user
from tsunagu.cases.workflow import plan_current
from tsunagu.core.locking import VersionMissingError
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.organizations.guards import AccessDenied
from tsunagu.organizations.models import Municipality

API = "/api/v1"
pytestmark = pytest.mark.django_db


def send(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(
        f"{API}{url}", json.dumps(body, default=str), content_type="application/json"
    )


def denied() -> int:
    return AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count()


def _plan(case: Any) -> Any:
    plan = plan_current(case)
    assert plan is not None
    return plan


def record_values(**overrides: Any) -> dict[str, Any]:
    return {"occurred_at": timezone.now(), "method": "phone", "content": "電話で状況を確認"} | overrides


# --- Guards --------------------------------------------------------------------------------------


def test_a_page_refusal_is_audited_once(login: Any) -> None:
    before = denied()
    response = login("shinjuku-jimu").get("/intake/")
    assert response.status_code == 403
    assert denied() == before + 1
    row = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).latest("id")
    assert row.details["permission"] == "case.edit"


def test_a_write_page_refusal_is_audited_once(login: Any) -> None:
    case = case_at(CaseState.IN_SUPPORT)
    before = denied()
    assert login("shinjuku-jimu").get(f"/cases/{case.pk}/records/new/").status_code == 403
    assert denied() == before + 1


def test_a_service_refusal_for_another_agency_is_audited_once(demo: Any) -> None:
    case = case_at(CaseState.IN_SUPPORT)
    before = denied()
    with pytest.raises(AccessDenied):
        services.record_create(actor=user("hasuda-soudan"), case=case, values=record_values())
    assert denied() == before + 1
    assert not SupportRecord.objects.filter(case=case).exists()


def test_a_transition_refused_to_the_actor_is_audited_once(demo: Any) -> None:
    case = case_at(CaseState.ASSESSMENT)
    before = denied()
    with pytest.raises(AccessDenied):
        services.case_transition(actor=user("hasuda-soudan"), case=case, name="start_planning")
    assert denied() == before + 1


# --- case.assign -------------------------------------------------------------------------------


def test_the_chief_reassigns_a_case_and_it_is_audited(demo: Any) -> None:
    case = case_at(CaseState.ASSESSMENT)
    worker = user("shinjuku-shuro")
    services.case_assign(
        actor=user("shinjuku-shunin"), case=case, worker=worker, expected_version=case.version
    )
    case.refresh_from_db()
    assert case.assigned_worker_id == worker.pk
    row = AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="case", object_id=str(case.pk)
    ).latest("id")
    assert row.details["assigned_worker"] == [user("shinjuku-soudan").pk, worker.pk]


def test_a_consultant_may_not_reassign_a_case(demo: Any) -> None:
    case = case_at(CaseState.ASSESSMENT)
    before = denied()
    with pytest.raises(AccessDenied):
        services.case_assign(
            actor=user("shinjuku-soudan"),
            case=case,
            worker=user("shinjuku-shuro"),
            expected_version=case.version,
        )
    assert denied() == before + 1
    case.refresh_from_db()
    assert case.assigned_worker_id == user("shinjuku-soudan").pk


def test_an_intake_for_another_worker_needs_case_assign(demo: Any) -> None:
    before = denied()
    with pytest.raises(AccessDenied):
        open_case(user("shinjuku-soudan"), assigned_worker=user("shinjuku-shuro"))
    assert denied() == before + 1
    case = open_case(user("shinjuku-shunin"), assigned_worker=user("shinjuku-shuro"))
    assert case.assigned_worker_id == user("shinjuku-shuro").pk


def test_the_assign_button_comes_from_the_workflow_table(login: Any) -> None:
    case = case_at(CaseState.ASSESSMENT)
    assert "担当者を変更する" in login("shinjuku-shunin").get(f"/cases/{case.pk}/").content.decode()
    assert "担当者を変更する" not in login("shinjuku-soudan").get(f"/cases/{case.pk}/").content.decode()


def test_the_assign_page_refuses_a_consultant_and_needs_the_version(login: Any) -> None:
    case = case_at(CaseState.ASSESSMENT)
    worker = user("shinjuku-shuro")
    before = denied()
    refused = login("shinjuku-soudan").post(
        f"/cases/{case.pk}/assign/", {"worker": worker.pk, "version": case.version}
    )
    assert refused.status_code == 403 and denied() == before + 1
    chief = login("shinjuku-shunin")
    chief.post(f"/cases/{case.pk}/assign/", {"worker": worker.pk})
    case.refresh_from_db()
    assert case.assigned_worker_id == user("shinjuku-soudan").pk
    chief.post(f"/cases/{case.pk}/assign/", {"worker": worker.pk, "version": case.version})
    case.refresh_from_db()
    assert case.assigned_worker_id == worker.pk


# --- Locking: no version, no save -----------------------------------------------------------------


def test_a_record_edit_without_its_version_is_refused(login: Any) -> None:
    case = case_at(CaseState.IN_SUPPORT)
    record = services.record_create(actor=user("shinjuku-soudan"), case=case, values=record_values())
    local = timezone.localtime(record.occurred_at)
    response = login("shinjuku-soudan").post(
        f"/cases/{case.pk}/records/{record.pk}/edit/",
        {
            "occurred_at": local.strftime("%Y-%m-%dT%H:%M"),
            "method": "phone",
            "content": "上書きしてはならない",
            "staff": user("shinjuku-soudan").pk,
        },
    )
    assert response.status_code == 200
    assert "版情報がありません" in response.content.decode()
    record.refresh_from_db()
    assert record.content == "電話で状況を確認"


def test_an_api_transition_without_the_case_version_is_refused(api_as: Any) -> None:
    case = case_at(CaseState.ASSESSMENT)
    response = send(
        api_as("shinjuku-soudan"), "post", f"/cases/{case.pk}/transitions", {"name": "start_planning"}
    )
    assert response.status_code == 422 and "version" in response.json()["errors"]
    case.refresh_from_db()
    assert case.state == CaseState.ASSESSMENT


def test_an_assessment_without_its_base_number_is_refused(demo: Any) -> None:
    with pytest.raises(VersionMissingError):
        services.assessment_create(
            actor=user("shinjuku-soudan"),
            case=case_at(CaseState.ASSESSMENT),
            values={"assessed_on": timezone.localdate(), "wishes": "仕事"},
            based_on_number="",
        )


# --- Consent and area --------------------------------------------------------------------------


def test_budget_sharing_tells_which_part_of_the_consent_is_missing(demo: Any) -> None:
    from tsunagu.privacy.models import Consent

    case = case_at(CaseState.PLANNING)
    Consent.objects.filter(person=case.person).update(data_categories=["basic"])
    assessment = case.assessments.first()
    assert assessment is not None
    with pytest.raises(ValidationError) as exc:
        services.assessment_share_with_budget_supporter(
            actor=user("shinjuku-soudan"), assessment=assessment, recipient=user("shinjuku-kakei")
        )
    assert "同意の範囲に含まれない個人情報の種類" in str(exc.value)


def test_partners_of_the_whole_area_can_be_named(demo: Any) -> None:
    hasuda = user("hasuda-soudan").agency
    assert hasuda is not None
    shiraoka = Municipality.objects.get(code="112461")
    joint = PartnerAgency.objects.create(
        municipality=shiraoka, name="白岡市社会福祉協議会（試験）", agency_type=PartnerAgencyType.values[0]
    )
    own = PartnerAgency.objects.create(
        municipality=hasuda.municipality, name="蓮田市の試験機関", agency_type=PartnerAgencyType.values[0]
    )
    names = set(PartnerAgency.objects.in_area_of(hasuda).values_list("pk", flat=True))
    assert {joint.pk, own.pk} <= names
    assert joint.pk not in set(
        PartnerAgency.objects.in_area_of(user("shinjuku-soudan").agency).values_list("pk", flat=True)
    )


# --- Idempotent creates --------------------------------------------------------------------------


def test_a_record_sent_twice_with_one_key_is_saved_once(demo: Any) -> None:
    case = case_at(CaseState.IN_SUPPORT)
    first = services.record_create(
        actor=user("shinjuku-soudan"), case=case, values=record_values(), idempotency_key="retry-key-0001"
    )
    again = services.record_create(
        actor=user("shinjuku-soudan"), case=case, values=record_values(), idempotency_key="retry-key-0001"
    )
    assert again.pk == first.pk
    assert SupportRecord.objects.filter(case=case).count() == 1
    other = services.record_create(
        actor=user("shinjuku-shunin"), case=case, values=record_values(), idempotency_key="retry-key-0001"
    )
    assert other.pk != first.pk and other.author_id == user("shinjuku-shunin").pk


def test_api_creates_accept_an_idempotency_key(api_as: Any) -> None:
    case = case_at(CaseState.EVALUATION)
    client = api_as("shinjuku-soudan")
    body = {
        "occurred_at": timezone.now().isoformat(),
        "method": "phone",
        "content": "確認",
        "idempotency_key": "api-rec-0001",
    }
    first = send(client, "post", f"/cases/{case.pk}/records", body)
    again = send(client, "post", f"/cases/{case.pk}/records", body)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    outcome = {
        "kind": "employed",
        "occurred_on": timezone.localdate().isoformat(),
        "idempotency_key": "api-out-0001",
    }
    assert send(client, "post", f"/cases/{case.pk}/employment-outcomes", outcome).status_code == 201
    assert send(client, "post", f"/cases/{case.pk}/employment-outcomes", outcome).status_code == 201
    assert EmploymentOutcome.objects.filter(case=case).count() == 1
    other = send(api_as("shinjuku-shunin"), "post", f"/cases/{case.pk}/records", body)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    bad = send(client, "post", f"/cases/{case.pk}/records", body | {"idempotency_key": "x"})
    assert bad.status_code == 422


def test_an_evaluation_sent_twice_with_one_key_is_saved_once(demo: Any) -> None:
    case = case_at(CaseState.EVALUATION)
    values = evaluation_values(_plan(case))
    first = services.evaluation_create(
        actor=user("shinjuku-soudan"), case=case, values=values, idempotency_key="eval-key-01"
    )
    again = services.evaluation_create(
        actor=user("shinjuku-soudan"), case=case, values=values, idempotency_key="eval-key-01"
    )
    assert first.pk == again.pk
    assert Evaluation.objects.filter(case=case).count() == 1


def test_the_record_form_carries_a_key_and_a_resubmit_saves_once(login: Any) -> None:
    case = case_at(CaseState.IN_SUPPORT)
    client = login("shinjuku-soudan")
    page = client.get(f"/cases/{case.pk}/records/new/").content.decode()
    assert 'name="idempotency_key"' in page
    now = timezone.localtime()
    data = {
        "occurred_at": (now - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
        "method": "phone",
        "content": "二重送信の確認",
        "staff": user("shinjuku-soudan").pk,
        "idempotency_key": "form-key-0001",
    }
    client.post(f"/cases/{case.pk}/records/new/", data)
    client.post(f"/cases/{case.pk}/records/new/", data)
    assert SupportRecord.objects.filter(case=case, content="二重送信の確認").count() == 1


# --- Audited reads -------------------------------------------------------------------------------


def _views(object_type: str, object_id: Any) -> int:
    return AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type=object_type, object_id=str(object_id)
    ).count()


def test_single_record_and_evaluation_reads_are_audited(api_as: Any) -> None:
    case = case_at(CaseState.EVALUATION)
    record = services.record_create(actor=user("shinjuku-soudan"), case=case, values=record_values())
    evaluation = services.evaluation_create(
        actor=user("shinjuku-soudan"), case=case, values=evaluation_values(_plan(case))
    )
    client = api_as("shinjuku-soudan")
    assert client.get(f"{API}/records/{record.pk}").status_code == 200
    assert _views("supportrecord", record.pk) == 1
    assert client.get(f"{API}/evaluations/{evaluation.pk}").status_code == 200
    assert _views("evaluation", evaluation.pk) == 1


def test_list_reads_are_audited_per_row(api_as: Any, login: Any) -> None:
    case = case_at(CaseState.IN_SUPPORT)
    record = services.record_create(actor=user("shinjuku-soudan"), case=case, values=record_values())
    client = api_as("shinjuku-soudan")
    assert client.get(f"{API}/cases/{case.pk}/records").status_code == 200
    assert _views("supportrecord", record.pk) == 1
    before = _views("case", case.pk)
    assert client.get(f"{API}/cases").status_code == 200
    assert _views("case", case.pk) == before + 1
    assert login("shinjuku-soudan").get("/cases/").status_code == 200
    assert _views("case", case.pk) == before + 2


# --- API contract --------------------------------------------------------------------------------

HUGE = 2**70


def test_integers_beyond_64_bits_are_404_or_422(api_as: Any) -> None:
    case = case_at(CaseState.IN_SUPPORT)
    client = api_as("shinjuku-soudan")
    for url in (
        f"/cases/{HUGE}",
        f"/records/{HUGE}",
        f"/evaluations/{HUGE}",
        f"/plans/{HUGE}",
        f"/persons/{HUGE}",
    ):
        assert client.get(f"{API}{url}").status_code == 404, url
    assert client.get(f"{API}/cases?worker_id={HUGE}").status_code == 422
    body = {"occurred_at": timezone.now().isoformat(), "method": "phone", "content": "確認", "staff_id": HUGE}
    assert send(client, "post", f"/cases/{case.pk}/records", body).status_code == 422


def test_null_in_a_required_field_of_a_patch_is_422(api_as: Any) -> None:
    case = case_at(CaseState.IN_SUPPORT)
    record = services.record_create(actor=user("shinjuku-soudan"), case=case, values=record_values())
    client = api_as("shinjuku-soudan")
    r = send(client, "patch", f"/records/{record.pk}", {"version": record.version, "content": None})
    assert r.status_code == 422 and "content" in r.json()["errors"]
    person = case.person
    r = send(client, "patch", f"/persons/{person.pk}", {"version": person.version, "name": None})
    assert r.status_code == 422 and "name" in r.json()["errors"]


def test_every_cases_operation_documents_its_error_answers(api_as: Any) -> None:
    schema = api_as("shinjuku-soudan").get(f"{API}/openapi.json").json()
    from tsunagu.cases.api import cases, consents, intake, persons, process

    names = {
        op.view_func.__name__
        for module in (cases, consents, intake, persons, process)
        for path_ops in module.router.path_operations.values()
        for op in path_ops.operations
    }
    seen = 0
    for ops in schema["paths"].values():
        for op in ops.values():
            if any(op["operationId"].endswith(f"_{n}") and "cases_api" in op["operationId"] for n in names):
                seen += 1
                assert {"403", "404", "422"} <= set(op["responses"]), op["operationId"]
    assert seen >= len(names)


def test_schema_names_of_cases_are_unique_in_the_openapi(demo: Any) -> None:
    import importlib
    import pkgutil

    from ninja import Schema

    import tsunagu
    from tsunagu.cases import schemas as case_schemas

    ours = {
        n
        for n, v in vars(case_schemas).items()
        if isinstance(v, type) and issubclass(v, Schema) and v is not Schema
    }
    others: set[str] = set()
    for info in pkgutil.iter_modules(tsunagu.__path__):
        if info.name == "cases":
            continue
        try:
            module = importlib.import_module(f"tsunagu.{info.name}.schemas")
        except ModuleNotFoundError:
            continue
        others |= {
            n
            for n, v in vars(module).items()
            if isinstance(v, type) and issubclass(v, Schema) and v.__module__ == module.__name__
        }
    assert ours & others == set()


# --- DV restriction through the API --------------------------------------------------------------


def test_the_api_patch_passes_the_restriction_reason_to_the_service(api_as: Any) -> None:
    person = open_case(user("shinjuku-soudan")).person
    r = send(
        api_as("shinjuku-center"),
        "patch",
        f"/persons/{person.pk}",
        {"version": person.version, "is_restricted": True, "restriction_reason": "DV被害のため"},
    )
    assert r.status_code == 200, r.content
    person.refresh_from_db()
    assert person.is_restricted and person.restriction_reason == "DV被害のため"
