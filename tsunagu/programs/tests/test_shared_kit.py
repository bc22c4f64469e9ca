"""Programs on the shared kit: guards, the agency's area, client-chosen keys, the lifecycle table,
decided plans for enrolments, 再支給 from recorded payments, public citations, API contract."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tsunagu.core.models import AppendOnlyModel, AuditAction, AuditEvent
from tsunagu.organizations.guards import AccessDenied
from tsunagu.programs import selectors, services, workflow
from tsunagu.programs.models import HousingBenefitApplication, HousingBenefitRuleTable, JobSearchRequirement

from .conftest import application_values

pytestmark = pytest.mark.django_db

INTERNAL = re.compile(r"domain\.md|design\.md|\[V\b|\[D:|\[U\b|§\s*\d")


# --- Guards: budget.edit is the gate -----------------------------------------------------------------


def test_chief_writes_budget_records_and_consultant_is_refused_once(staff: Any, open_case: Any) -> None:
    chief = staff("shinjuku-shunin")
    debt = services.debt_add(
        actor=chief,
        case=open_case,
        values={"kind": "tax", "status": "arrears", "creditor": "新宿区", "amount": 50_000},
    )
    assert debt.pk and debt.created_by == chief
    consultant = staff("shinjuku-soudan")  # the case's assigned worker, without budget.edit
    before = AuditEvent.objects.filter(actor=consultant, action=AuditAction.ACCESS_DENIED).count()
    with pytest.raises(AccessDenied):
        services.debt_add(
            actor=consultant,
            case=open_case,
            values={"kind": "tax", "status": "arrears", "creditor": "新宿区", "amount": 1},
        )
    rows = AuditEvent.objects.filter(actor=consultant, action=AuditAction.ACCESS_DENIED)
    assert rows.count() == before + 1
    last = rows.order_by("-id").first()
    assert last is not None and last.details["permission"] == "budget.edit"


def test_budget_page_post_refused_for_consultant_is_one_audited_403(
    staff: Any, open_case: Any, login: Callable[[str], Client]
) -> None:
    from tsunagu.programs.tests.test_household_budget import give_consent

    give_consent(open_case, purposes=["support"], categories=["finances"])
    consultant = staff("shinjuku-soudan")
    before = AuditEvent.objects.filter(actor=consultant, action=AuditAction.ACCESS_DENIED).count()
    r = login("shinjuku-soudan").post(
        f"/programs/budget/{open_case.pk}/",
        {"form": "debt", "kind": "tax", "status": "arrears", "creditor": "x", "amount": "1"},
    )
    assert r.status_code == 403
    assert AuditEvent.objects.filter(actor=consultant, action=AuditAction.ACCESS_DENIED).count() == before + 1


# --- Tenancy area -----------------------------------------------------------------------------------


def test_rule_municipalities_are_the_agencys_area(staff: Any, hb: Any) -> None:
    codes = set(selectors.municipalities_for_user(staff("hasuda-soudan")).values_list("code", flat=True))
    assert {"112381", "112461"} <= codes  # 蓮田市 and 白岡市 (共同実施)


# --- Client-chosen keys -------------------------------------------------------------------------------


def _other_case(agency_id: int, exclude: int) -> Any:
    from tsunagu.cases.models import OPEN_STATES, Case

    return Case.objects.filter(agency_id=agency_id, state__in=list(OPEN_STATES)).exclude(pk=exclude).first()


def test_same_token_never_reaches_another_agency_or_user(
    staff: Any, shinjuku_case: Any, hasuda_case: Any
) -> None:
    first = services.housing_application_create(
        actor=staff("shinjuku-soudan"),
        case=shinjuku_case,
        values=application_values(),
        submission_token="tok-1",
    )
    other_agency = services.housing_application_create(
        actor=staff("hasuda-soudan"), case=hasuda_case, values=application_values(), submission_token="tok-1"
    )
    assert other_agency.pk != first.pk and other_agency.agency_id == hasuda_case.agency_id
    second_case = _other_case(shinjuku_case.agency_id, shinjuku_case.pk)
    other_user = services.housing_application_create(
        actor=staff("shinjuku-shunin"),
        case=second_case,
        values=application_values(),
        submission_token="tok-1",
    )
    assert other_user.pk not in (first.pk, other_agency.pk)
    retry = services.housing_application_create(
        actor=staff("shinjuku-soudan"),
        case=shinjuku_case,
        values=application_values(),
        submission_token="tok-1",
    )
    assert retry.pk == first.pk
    assert HousingBenefitApplication.objects.count() == 3


def test_api_idempotency_key_scoped_to_the_account(
    hb: Any, shinjuku_case: Any, hasuda_case: Any, login: Callable[[str], Client]
) -> None:
    def body(case: Any) -> dict[str, Any]:
        values = application_values()
        out = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}
        return out | {"case_id": case.pk, "idempotency_key": "retry-key-0001"}

    a = login("shinjuku-soudan")
    r1 = a.post("/api/v1/housing-benefit/applications", body(shinjuku_case), content_type="application/json")
    r2 = a.post("/api/v1/housing-benefit/applications", body(shinjuku_case), content_type="application/json")
    assert r1.status_code == 201, r1.content
    assert r2.status_code == 201 and r2.json()["id"] == r1.json()["id"]
    b = login("hasuda-soudan")
    r3 = b.post("/api/v1/housing-benefit/applications", body(hasuda_case), content_type="application/json")
    assert r3.status_code == 201, r3.content
    assert r3.json()["id"] != r1.json()["id"]


# --- The lifecycle table ----------------------------------------------------------------------------


def test_buttons_and_services_come_from_the_table(
    staff: Any, awarded: Any, login: Callable[[str], Client]
) -> None:
    officer = staff("shinjuku-jichitai")
    names = selectors.housing_actions_for(officer, awarded)
    assert names == {a.name for a in workflow.available_actions(officer, awarded)}
    assert {"payment", "stop", "end"} <= names and "decision" not in names
    page = login("shinjuku-jichitai").get(f"/programs/housing-benefit/{awarded.pk}/")
    html = page.content.decode()
    for a in workflow.available_actions(officer, awarded):
        if a.name != "extension_decide":
            assert a.label in html
    assert workflow.ACTION["decision"].label not in html
    # A decision on an awarded application is refused by the table's state check.
    with pytest.raises(ValidationError) as exc:
        services.housing_decision_record(
            actor=officer, application=awarded, outcome="award", decided_on=date(2025, 4, 21)
        )
    assert workflow.ACTION["decision"].refused in exc.value.messages
    services.housing_benefit_stop(
        actor=officer,
        application=awarded,
        reason="public_assistance",
        effective_month=date(2025, 5, 1),
        decided_on=date(2025, 4, 25),
    )
    awarded.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.housing_benefit_end(actor=officer, application=awarded, ended_on=date(2025, 7, 1))
    assert workflow.ACTION["end"].refused in exc.value.messages


# --- Rules that must hold ---------------------------------------------------------------------------


def test_enrolment_needs_a_plan_decided_by_the_municipality(staff: Any, open_case: Any) -> None:
    from tsunagu.cases.models import PlanStatus, SupportPlan

    plan = open_case.test_plan
    SupportPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.APPROVED)
    values = {
        "plan": plan.pk,
        "program": "employment_preparation",
        "start_on": date(2025, 5, 1),
        "end_on": date(2025, 10, 31),
        "provider_name": "新宿就労準備センター",
    }
    with pytest.raises(ValidationError) as exc:
        services.enrolment_create(actor=staff("shinjuku-soudan"), case=open_case, values=values)
    assert "支援決定" in exc.value.message_dict["plan"][0]
    assert not selectors.plans_for_enrolment(open_case).filter(pk=plan.pk).exists()
    SupportPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.DECIDED)
    enrolment = services.enrolment_create(actor=staff("shinjuku-soudan"), case=open_case, values=values)
    assert enrolment.plan_id == plan.pk


def test_reaward_uses_the_recorded_payments_not_a_typed_date(staff: Any, awarded: Any) -> None:
    officer = staff("shinjuku-jichitai")
    services.housing_payment_record(
        actor=officer, application=awarded, month=date(2025, 4, 1), paid_on=date(2025, 4, 25)
    )
    services.housing_benefit_stop(
        actor=officer,
        application=awarded,
        reason="public_assistance",
        effective_month=date(2025, 5, 1),
        decided_on=date(2025, 4, 28),
    )
    later = application_values(application_date=date(2025, 6, 2))  # no previous award typed
    with pytest.raises(ValidationError) as exc:
        services.housing_application_create(actor=staff("shinjuku-soudan"), case=awarded.case, values=later)
    assert "reaward_cause" in exc.value.message_dict
    app = services.housing_application_create(
        actor=staff("shinjuku-soudan"),
        case=awarded.case,
        values=later | {"reaward_cause": "dismissal", "previous_award_last_payment_date": date(2020, 1, 1)},
    )
    assert app.previous_award_last_payment_date == date(2025, 4, 1)


# --- Append-only rule tables and public citations ------------------------------------------------------


def test_rule_tables_are_append_only_rows() -> None:
    assert issubclass(HousingBenefitRuleTable, AppendOnlyModel)
    assert issubclass(JobSearchRequirement, AppendOnlyModel)
    with pytest.raises(PermissionError, match="基準の表は変更できません。新しい版を追加してください。"):
        HousingBenefitRuleTable.objects.all().update(base_amount=1)


def test_no_internal_notes_on_pages_or_api(staff: Any, awarded: Any, login: Callable[[str], Client]) -> None:
    municipality = awarded.municipality
    # A row stored by an earlier version of the seed (append-only: its text stays as stored).
    HousingBenefitRuleTable.objects.create(
        municipality=municipality,
        household_size=9,
        effective_from=date(2024, 4, 1),
        base_amount=100_000,
        rent_cap=60_000,
        asset_limit=600_000,
        source="東京都特別区（1級地-1）, domain.md §4.8: 基準額 [D: 600,000円÷6]; 家賃上限 [V 台東区 2025-04]",
        note="初期データ（domain.md §4.8）",
    )
    officer = login("shinjuku-jichitai")
    for url in (
        "/programs/housing-benefit/rules/",
        f"/programs/housing-benefit/{awarded.pk}/",
        f"/api/v1/housing-benefit/applications/{awarded.pk}",
        "/api/v1/housing-benefit/applications",
    ):
        r = officer.get(url)
        assert r.status_code == 200, url
        assert not INTERNAL.search(r.content.decode()), url
    assert "東京都特別区（1級地-1）" in officer.get("/programs/housing-benefit/rules/").content.decode()


# --- API contract ------------------------------------------------------------------------------------


def test_programs_schema_names_are_unique_and_named_for_programs(
    hb: Any, login: Callable[[str], Client]
) -> None:
    spec = login("shinjuku-soudan").get("/api/v1/openapi.json").json()
    names = set(spec["components"]["schemas"])
    assert {"HousingBenefitDecisionIn", "HousingBenefitDecisionOut"} <= names
    op = spec["paths"]["/api/v1/housing-benefit/applications/{application_id}/decision"]["post"]
    ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/HousingBenefitDecisionIn")


def test_integers_beyond_64_bits_are_bad_input(
    hb: Any, shinjuku_case: Any, login: Callable[[str], Client]
) -> None:
    api = login("shinjuku-soudan")
    huge = 2**64
    assert api.get(f"/api/v1/housing-benefit/applications/{huge}").status_code == 422
    assert api.get(f"/api/v1/housing-benefit/applications?page={huge}").status_code == 422
    assert api.get(f"/api/v1/enrolments/{huge}").status_code == 422
    body = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in application_values().items()}
    r = api.post(
        "/api/v1/housing-benefit/applications", body | {"case_id": huge}, content_type="application/json"
    )
    assert r.status_code == 422
    r = api.post(
        "/api/v1/housing-benefit/applications",
        body | {"case_id": shinjuku_case.pk, "payee_name": None},
        content_type="application/json",
    )
    assert r.status_code == 422


def test_budget_record_retry_with_the_same_key_is_one_record(
    staff: Any, open_case: Any, login: Callable[[str], Client]
) -> None:
    from tsunagu.programs.models import Debt

    api = login("shinjuku-kakei")
    url = f"/api/v1/cases/{open_case.pk}/household-budget/debts"
    body = {
        "kind": "tax",
        "status": "arrears",
        "creditor": "新宿区",
        "amount": 30_000,
        "idempotency_key": "debt-0001",
    }
    r1 = api.post(url, body, content_type="application/json")
    r2 = api.post(url, body, content_type="application/json")
    assert r1.status_code == 201, r1.content
    assert r2.status_code == 201 and r2.json()["id"] == r1.json()["id"]
    assert Debt.objects.filter(case=open_case).count() == 1
    chief = login("shinjuku-shunin")
    r3 = chief.post(url, body, content_type="application/json")
    assert r3.status_code == 201 and r3.json()["id"] != r1.json()["id"]


def test_debt_status_edit_uses_the_core_stale_check(staff: Any, open_case: Any) -> None:
    from tsunagu.core.locking import StaleVersionError, VersionMissingError

    writer = staff("shinjuku-kakei")
    debt = services.debt_add(
        actor=writer,
        case=open_case,
        values={"kind": "rent", "status": "arrears", "creditor": "家主", "amount": 9},
    )
    with pytest.raises(VersionMissingError):
        services.debt_status_update(
            actor=writer, case=open_case, debt_id=debt.pk, expected_status="", status="repaid", amount=0
        )
    with pytest.raises(StaleVersionError) as exc:
        services.debt_status_update(
            actor=writer,
            case=open_case,
            debt_id=debt.pk,
            expected_status="instalments",
            status="repaid",
            amount=0,
        )
    assert exc.value.current.status == "arrears"


def test_budget_form_resent_with_its_hidden_key_is_one_record(
    open_case: Any, login: Callable[[str], Client]
) -> None:
    from tsunagu.programs.models import Debt

    client = login("shinjuku-kakei")
    page = client.get(f"/programs/budget/{open_case.pk}/").content.decode()
    assert 'name="idempotency_key"' in page
    post = {"form": "debt", "kind": "tax", "creditor": "新宿区", "amount": "12000", "status": "arrears"}
    post["idempotency_key"] = "form-key-0001"
    for _ in range(2):
        r = client.post(f"/programs/budget/{open_case.pk}/", post)
        assert r.status_code in (200, 302)
    assert Debt.objects.filter(case=open_case).count() == 1
