"""申込票 B票 (仕事・住居・健康保険・年金) on every path: the 受付 screen, the correction screen
and its history, the case page with the household from the 世帯 records, and the API.

Through the real services, views and API on the demo data set.
"""

from __future__ import annotations

import importlib
import json
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.cases import services
from tsunagu.cases.intake_sheet import HOUSING_TYPE_FROM_STATUS, household_rows
from tsunagu.cases.models import Case, Intake
from tsunagu.cases.tests.helpers import new_person, open_case
from tsunagu.cases.tests.test_views import _intake_post, elements
from tsunagu.core.codes import valid_codes
from tsunagu.core.history import history_of
from tsunagu.core.locking import model_values
from tsunagu.core.models import CodeList
from tsunagu.masters import services as master_services
from tsunagu.persons import services as person_services

API = "/api/v1"

B_SHEET = {
    "intake-work_status": "non_regular",
    "intake-housing_type": "rented",
    "intake-health_insurance": "national",
    "intake-pension_status": "enrolled",
}


@pytest.fixture
def worker(staff: Any) -> Any:
    return staff("shinjuku-soudan")


def _household(actor: Any, person: Any) -> None:
    person_services.household_set(
        actor=actor,
        person=person,
        members=[
            {
                "name": "佐々木 花子",
                "relationship": "妻",
                "birth_date": date(1982, 4, 2),
                "lives_together": True,
            },
            {"name": "佐々木 一郎", "relationship": "長男", "birth_date": None, "lives_together": False},
        ],
        expected_version=person.household_version,
    )


def test_the_migration_copy_of_the_housing_mapping_is_the_cases_one(db: Any) -> None:
    migration = importlib.import_module("tsunagu.cases.migrations.0011_structured_records")
    assert migration.HOUSING_TYPE_FROM_STATUS == HOUSING_TYPE_FROM_STATUS
    # Every pair maps a code of 住まいの状況 to a code of 住居 (the standard lists).
    assert set(HOUSING_TYPE_FROM_STATUS) <= valid_codes(CodeList.HOUSING_STATUS)
    assert set(HOUSING_TYPE_FROM_STATUS.values()) <= valid_codes(CodeList.HOUSING_TYPE)


def test_register_on_the_screen_with_the_b_sheet(login: Any) -> None:
    client = login("shinjuku-soudan")
    page = client.get("/intake/new/").content.decode()
    assert 'id="intake-b-sheet"' in page and 'href="#intake-b-sheet"' in page
    assert (
        "受付を保存した後に相談者の「世帯構成」の画面で入力します" in page
    )  # a new person: no household yet
    response = client.post("/intake/new/", _intake_post(**B_SHEET))
    assert response.status_code == 302, response.content.decode()[:2000]
    intake = Intake.objects.get(case__person__name="佐々木 太郎")
    assert (intake.work_status, intake.housing_type, intake.health_insurance, intake.pension_status) == (
        "non_regular",
        "rented",
        "national",
        "enrolled",
    )
    shown = client.get(response["Location"]).content.decode()
    for text in ("臨時・パート・アルバイト・派遣", "借家", "国民健康保険", "加入"):
        assert text in shown


def test_a_new_person_s_blank_housing_is_their_housing_status(login: Any) -> None:
    response = login("shinjuku-soudan").post(
        "/intake/new/", _intake_post(**{"person-housing_status": "public_housing"})
    )
    assert response.status_code == 302
    intake = Intake.objects.get(case__person__name="佐々木 太郎")
    assert (intake.housing_type, intake.work_status) == ("public_housing", "")
    # No category of the same kind (知人宅等): left blank, to be asked.
    other = login("shinjuku-soudan").post(
        "/intake/new/",
        _intake_post(
            **{
                "person-name": "田中 次郎",
                "person-kana": "タナカ ジロウ",
                "person-phone": "090-3333-4444",
                "person-housing_status": "staying_with_others",
                "intake-submission_token": "tok-b-2",
            }
        ),
    )
    assert other.status_code == 302
    assert Intake.objects.get(case__person__name="田中 次郎").housing_type == ""


def test_an_existing_person_s_housing_is_the_initial_value_and_the_household_is_shown(
    login: Any, worker: Any
) -> None:
    person = new_person(worker, housing_status="rented_private")
    _household(worker, person)
    page = login("shinjuku-soudan").get(f"/intake/new/?person={person.pk}")
    form = page.context["intake_form"]
    assert form["housing_type"].value() == "rented"
    body = page.content.decode()
    section = body.split('id="intake-b-sheet"', 1)[1].split("</fieldset>", 1)[0]
    assert "佐々木 花子" in section and "妻" in section and "別居" in section
    age = household_rows(person)[0]["age"]
    assert age == timezone.localdate().year - 1982 - (
        (timezone.localdate().month, timezone.localdate().day) < (4, 2)
    )
    assert f"{age}歳" in section and "不明" in section
    assert f"/persons/{person.pk}/household/" in section  # the link to the 世帯構成 screen
    # The household is not a field of the form: nothing of it is posted or stored with the 申込票.
    assert not any("household" in name for name in form.fields)


def test_a_code_not_in_the_list_is_shown_beside_the_field_and_the_rest_stays(login: Any, worker: Any) -> None:
    before = (Case.objects.count(), Intake.objects.count())
    response = login("shinjuku-soudan").post(
        "/intake/new/", _intake_post(**(B_SHEET | {"intake-health_insurance": "space_insurance"}))
    )
    assert response.status_code == 200
    assert (Case.objects.count(), Intake.objects.count()) == before
    page = elements(response)
    assert "正しく選択してください" in page.text_by_id["id_intake-health_insurance_error"]
    assert page.by_id["id_intake-health_insurance"].get("aria-invalid") == "true"
    body = response.content.decode()
    assert '<option value="non_regular" selected>' in body and '<option value="enrolled" selected>' in body
    assert page.textareas["intake-chief_complaint"].strip() == "家賃を3か月滞納している"
    assert page.by_id["id_person-name"]["value"] == "佐々木 太郎"
    # The service refuses it too (the API and the import go through it), keyed by the field.
    with pytest.raises(ValidationError) as exc:
        open_case(worker, pension_status="nope")
    assert "pension_status" in exc.value.message_dict


def test_correct_the_b_sheet_on_the_screen_keeps_a_retired_code_and_shows_the_history(
    login: Any, worker: Any, staff: Any
) -> None:
    case = open_case(worker, work_status="unemployed", housing_type="rented", health_insurance="national")
    intake = case.intake
    master_services.code_set_active(
        actor=staff("shinjuku-center"),
        municipality=case.municipality,
        list_key=CodeList.HEALTH_INSURANCE,
        code="national",
        version=0,
        active=False,
    )
    assert "national" not in valid_codes(CodeList.HEALTH_INSURANCE, case.municipality_id)
    client = login("shinjuku-soudan")
    page = client.get(f"/cases/{case.pk}/intake/edit/")
    form = page.context["form"]
    assert "national" in dict(form.fields["health_insurance"].choices)  # kept on offer for this record
    new = client.get("/intake/new/").context["intake_form"]
    assert "national" not in dict(new.fields["health_insurance"].choices)
    data = {f"intake-{k}": v for k, v in form.initial.items() if v not in (None, [], "")}
    data["intake-received_at"] = timezone.localtime(intake.received_at).strftime("%Y-%m-%dT%H:%M")
    data["intake-topics"] = intake.topics
    saved = client.post(
        f"/cases/{case.pk}/intake/edit/",
        data | {"intake-work_status": "non_regular", "intake-pension_status": "not_enrolled"},
    )
    assert saved.status_code == 302, saved.content.decode()[:3000]
    intake.refresh_from_db()
    assert (intake.work_status, intake.health_insurance, intake.pension_status) == (
        "non_regular",
        "national",  # the retired code the record stores, kept
        "not_enrolled",
    )
    (change,) = history_of(intake)
    rows = {row["label"]: (row["before"], row["after"]) for row in change.rows}
    assert rows["仕事"] == ("失業・休職中", "臨時・パート・アルバイト・派遣")
    assert rows["年金"] == ("（空欄）", "未加入")
    assert "健康保険" not in rows  # unchanged
    body = client.get(f"/cases/{case.pk}/intake/edit/").content.decode()
    history = body.split('id="history-heading"', 1)[1]
    assert '<th scope="row">仕事</th>' in history and "臨時・パート・アルバイト・派遣" in history
    # A bad code on the correction screen: beside the field, the rest typed kept, nothing saved.
    refused = client.post(
        f"/cases/{case.pk}/intake/edit/",
        data | {"intake-version": "2", "intake-housing_type": "castle", "intake-chief_complaint": "訂正中"},
    )
    assert refused.status_code == 200
    assert "id_intake-housing_type_error" in elements(refused).text_by_id
    assert elements(refused).textareas["intake-chief_complaint"].strip() == "訂正中"
    assert Intake.objects.get(pk=intake.pk).housing_type == "rented"


def test_the_case_page_shows_the_b_sheet_and_the_household(login: Any, worker: Any) -> None:
    person = new_person(worker)
    _household(worker, person)
    case = open_case(worker, person=person, pension_status="receiving")
    body = login("shinjuku-soudan").get(f"/cases/{case.pk}/").content.decode()
    section = body.split('id="intake-heading"', 1)[1].split("</section>", 1)[0]
    assert "年金（B票）" in section and "受給中" in section
    assert "仕事（B票）" in section and "未記入" in section
    assert "佐々木 花子" in section and "長男" in section
    assert f"/persons/{person.pk}/household/" in section


def test_the_history_labels_are_japanese(worker: Any) -> None:
    case = open_case(worker)
    values = model_values(case.intake, services.INTAKE_EDIT_FIELDS) | {"housing_type": "homeless"}
    services.intake_update(actor=worker, case=case, values=values, expected_version=1)
    labels = services.intake_labels()
    assert [labels[f] for f in ("work_status", "housing_type", "health_insurance", "pension_status")] == [
        "仕事",
        "住居",
        "健康保険",
        "年金",
    ]
    assert services.intake_shown("housing_type", "homeless") == "野宿"


# --- API ------------------------------------------------------------------------------------------


def _json(client: Any, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(
        f"{API}{url}", json.dumps(body, default=str), content_type="application/json"
    )


def test_api_create_read_correct_and_refuse_a_bad_code(api_as: Any, worker: Any) -> None:
    person = new_person(worker)
    client = api_as("shinjuku-soudan")
    body = {
        "person_id": person.pk,
        "received_at": timezone.now().isoformat(),
        "method": "visit_center",
        "route": "self",
        "work_status": "self_employed",
        "housing_type": "owned",
        "health_insurance": "late_elderly",
        "pension_status": "receiving",
    }
    bad = _json(client, "post", "/intakes", body | {"housing_type": "castle", "pension_status": "x"})
    assert bad.status_code == 422, bad.content
    errors = bad.json()["errors"]
    assert "housing_type" in errors and "pension_status" in errors and "work_status" not in errors
    assert not Case.objects.filter(person=person).exists()
    created = _json(client, "post", "/intakes", body)
    assert created.status_code == 201, created.content
    intake = Intake.objects.get(case_id=created.json()["id"])
    got = client.get(f"{API}/intakes/{intake.pk}").json()
    assert (got["work_status"], got["housing_type"], got["health_insurance"], got["pension_status"]) == (
        "self_employed",
        "owned",
        "late_elderly",
        "receiving",
    )
    patched = _json(client, "patch", f"/intakes/{intake.pk}", {"version": 1, "work_status": "unemployed"})
    assert patched.status_code == 200, patched.content
    assert (patched.json()["work_status"], patched.json()["housing_type"]) == ("unemployed", "owned")
    refused = _json(client, "patch", f"/intakes/{intake.pk}", {"version": 2, "health_insurance": "nope"})
    assert refused.status_code == 422 and "health_insurance" in refused.json()["errors"]
    assert Intake.objects.get(pk=intake.pk).health_insurance == "late_elderly"


def test_the_openapi_names_the_code_lists(api_as: Any) -> None:
    schema = api_as("shinjuku-soudan").get(f"{API}/openapi.json").json()
    props = schema["components"]["schemas"]["IntakeIn"]["properties"]
    assert "住居（申込票B票）" in props["housing_type"]["description"]
    assert "work_status" in schema["components"]["schemas"]["IntakeOut"]["properties"]
    assert "pension_status" in schema["components"]["schemas"]["IntakePatchIn"]["properties"]
