"""今日やること: one test per kind of item (due, and not due), the 自治体担当者's list, scoping, the
query budget, the page and the API.

Cases are brought into the state that makes an item due through the real services; where only the
passing of time is missing, ``todo_for`` is asked on a chosen day (it takes ``today``), or a date is
moved like weeks of real time would (as ``test_dashboard._time_passes`` does).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tsunagu.cases.models import OPEN_STATES, Case, PlanStatus, StatutoryProgram, SupportPlan
from tsunagu.cases.tests.helpers import consent_values, open_case
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.dashboard import todo
from tsunagu.dashboard.tests.test_dashboard import _in_support, _time_passes
from tsunagu.meetings.tests.helpers import _next_person, applied_case, approved_case
from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.programs import housing_rules as hr
from tsunagu.programs import services as program_services

pytestmark = pytest.mark.django_db

K = todo.Kind


def _today() -> date:
    return timezone.localdate()


def _of(items: list[todo.TodoItem], kind: str) -> list[todo.TodoItem]:
    return [i for i in items if i.kind == kind]


def _list(
    staff: Callable[[str], Any], username: str, on: date | None = None, **kw: Any
) -> list[todo.TodoItem]:
    return todo.todo_for(staff(username), on or _today(), **kw)


# --- Housing benefit and enrolments: real applications through the services -------------------------


def _application_values(**overrides: Any) -> dict[str, Any]:
    """A 新宿区 single-person 家賃補助 application that meets every requirement."""
    return {
        "application_date": date(2025, 4, 10),
        "type": "rent",
        "cause": "job_loss",
        "job_loss_date": date(2025, 2, 28),
        "income_drop_date": None,
        "is_main_earner": True,
        "household_size": 1,
        "household_monthly_income": 60_000,
        "household_financial_assets": 200_000,
        "monthly_rent": 65_000,
        "unable_to_seek_work_days": None,
        "previous_award_last_payment_date": None,
        "reaward_cause": None,
        "receives_overlapping_housing_aid": False,
        "household_member_is_gang_member": False,
        "supported_by_household_budget_program": None,
        "relocation_costs": None,
        "payee_name": "株式会社西新宿不動産",
        "payee_account_holder": "カ）ニシシンジュクフドウサン",
        "explained_stop_conditions": True,
        "explained_extension": True,
        "explained_extension_requirements": True,
    } | overrides


def _demo_case(staff: Callable[[str], Any], username: str = "shinjuku-soudan") -> Case:
    worker = staff(username)
    case = Case.objects.filter(assigned_worker=worker, state__in=list(OPEN_STATES)).order_by("id").first()
    assert case is not None
    return case


def _application(staff: Callable[[str], Any], case: Case | None = None) -> Any:
    return program_services.housing_application_create(
        actor=staff("shinjuku-soudan"), case=case or _demo_case(staff), values=_application_values()
    )


def _awarded(staff: Callable[[str], Any]) -> Any:
    """支給中: months 2025-04, 05, 06 (the period ends 2025-06-30)."""
    app = _application(staff)
    program_services.housing_decision_record(
        actor=staff("shinjuku-jichitai"), application=app, outcome="award", decided_on=date(2025, 4, 20)
    )
    app.refresh_from_db()
    assert app.period_end == date(2025, 6, 30)
    return app


def _report(staff: Callable[[str], Any], app: Any, month: date) -> None:
    program_services.job_search_report_record(
        actor=staff("shinjuku-soudan"),
        application=app,
        month=month,
        centre_consultations=4,
        counselling=4,
        applications=8,
        reported_on=hr.last_of_month(month),
    )


def test_housing_reports_due_and_overdue(staff: Any) -> None:
    app = _awarded(staff)
    on = date(2025, 6, 26)  # the June report is due on 6/30: within the horizon
    items = _of(_list(staff, "shinjuku-soudan", on), K.HOUSING_REPORT)
    assert [(i.due_on, i.overdue) for i in items] == [
        (date(2025, 4, 30), True),
        (date(2025, 5, 31), True),
        (date(2025, 6, 30), False),
    ]
    assert "令和7年5月分" in items[1].reason and "令和7年5月31日を過ぎています" in items[1].reason
    assert items[0].url == f"/programs/housing-benefit/{app.pk}/report/"
    assert items[0].case_number == app.case.case_number and items[0].person_name == app.person.name
    # The reports received leave the list; the June report is not due yet on 6/10.
    _report(staff, app, date(2025, 4, 1))
    _report(staff, app, date(2025, 5, 1))
    assert _of(_list(staff, "shinjuku-soudan", on), K.HOUSING_REPORT) == [items[2]]
    assert _of(_list(staff, "shinjuku-soudan", date(2025, 6, 10)), K.HOUSING_REPORT) == []


def test_housing_extension_deadline_is_the_last_day_of_the_period(staff: Any) -> None:
    app = _awarded(staff)
    due = _of(_list(staff, "shinjuku-soudan", date(2025, 6, 20)), K.HOUSING_EXTENSION)
    assert len(due) == 1 and due[0].due_on == date(2025, 6, 30) and not due[0].overdue
    assert "令和7年6月30日" in due[0].reason and "延長を申請してください" in due[0].reason
    assert due[0].url == f"/programs/housing-benefit/{app.pk}/extension_apply/"
    # Not yet within the period's own warning (14 days), and no longer once the period is over.
    assert _of(_list(staff, "shinjuku-soudan", date(2025, 6, 10)), K.HOUSING_EXTENSION) == []
    assert _of(_list(staff, "shinjuku-soudan", date(2025, 7, 1)), K.HOUSING_EXTENSION) == []


def test_housing_extension_applied_for_is_the_officers_to_decide(staff: Any) -> None:
    app = _awarded(staff)
    program_services.housing_extension_apply(
        actor=staff("shinjuku-soudan"),
        application=app,
        applied_on=date(2025, 6, 20),
        household_monthly_income=60_000,
        household_financial_assets=200_000,
    )
    assert _of(_list(staff, "shinjuku-soudan", date(2025, 6, 25)), K.HOUSING_EXTENSION) == []
    officer = _of(_list(staff, "shinjuku-jichitai", date(2025, 6, 25)), K.HOUSING_EXTENSION_DECISION)
    assert len(officer) == 1 and officer[0].due_on == date(2025, 6, 20)
    assert officer[0].url.startswith(f"/programs/housing-benefit/{app.pk}/extensions/")
    assert _of(_list(staff, "hasuda-jichitai", date(2025, 6, 25)), K.HOUSING_EXTENSION_DECISION) == []


def _decided_plan(case: Case, worker: Any) -> SupportPlan:
    """A plan with its 支援決定 recorded, applying for every programme (as the programmes' tests do)."""
    number = (
        SupportPlan.objects.filter(case=case).order_by("-number").values_list("number", flat=True).first()
        or 0
    ) + 1
    return SupportPlan.objects.create(
        case=case,
        agency_id=case.agency_id,
        municipality_id=case.municipality_id,
        author=worker,
        number=number,
        status=PlanStatus.DECIDED,
        wishes="働きたい",
        issues="生活リズム",
        long_term_goal="一般就労",
        programs=[p.value for p in StatutoryProgram],
        start_date=date(2025, 4, 1),
        end_date=date(2026, 9, 30),
    )


def test_enrolment_near_its_limit_and_past_its_end(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    case = _demo_case(staff)
    enrolment = program_services.enrolment_create(
        actor=worker,
        case=case,
        values={
            "plan": _decided_plan(case, worker),
            "program": "employment_preparation",
            "start_on": date(2025, 4, 1),
            "end_on": date(2026, 3, 31),
            "provider_name": "NPO法人あすなろ",
        },
    )
    near = _of(_list(staff, "shinjuku-soudan", date(2026, 3, 10)), K.ENROLMENT_ENDING)
    assert [(i.due_on, i.overdue) for i in near] == [(date(2026, 3, 31), False)]
    assert "就労準備支援事業の1年（令和8年3月31日）まであと21日です" in near[0].reason
    assert near[0].url == f"/programs/enrolments/{enrolment.pk}/"
    assert _of(_list(staff, "shinjuku-soudan", date(2026, 1, 10)), K.ENROLMENT_ENDING) == []
    late = _of(_list(staff, "shinjuku-soudan", date(2026, 4, 3)), K.ENROLMENT_ENDING)
    assert [(i.due_on, i.overdue) for i in late] == [(date(2026, 3, 31), True)]
    assert "利用終了予定日（令和8年3月31日）を過ぎています" in late[0].reason


# --- The support process ---------------------------------------------------------------------------


def test_monitoring_due_within_the_horizon_and_overdue(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    late = _in_support(worker)
    _time_passes(late, monitoring_days_ago=3)
    soon = _in_support(worker)
    later = _in_support(worker)
    SupportPlan.objects.filter(case=soon, status="decided").update(
        next_monitoring_on=_today() + timedelta(days=5)
    )
    SupportPlan.objects.filter(case=later, status="decided").update(
        next_monitoring_on=_today() + timedelta(days=todo.HORIZON_DAYS + 1)
    )
    items = _of(_list(staff, "shinjuku-soudan"), K.MONITORING)
    assert [(i.case_id, i.overdue) for i in items] == [(late.pk, True), (soon.pk, False)]
    assert items[0].url == f"/cases/{late.pk}/records/new/?monitoring=1"
    assert "を過ぎています" in items[0].reason and "あと5日" in items[1].reason


def test_plan_period_ending_and_ended(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    ended = _in_support(worker, end_in_days=10)
    ending = _in_support(worker, end_in_days=20)
    far = _in_support(worker, end_in_days=60)
    on = _today() + timedelta(days=12)  # the first plan ended two days before, still in force
    items = _of(_list(staff, "shinjuku-soudan", on), K.PLAN_ENDING)
    assert [(i.case_id, i.overdue) for i in items] == [(ended.pk, True), (ending.pk, False)]
    assert far.pk not in {i.case_id for i in items}
    assert items[0].url == f"/cases/{ended.pk}/evaluations/new/"
    assert "終わりました" in items[0].reason and "評価" in items[0].reason
    assert "終わります" in items[1].reason


def test_no_contact_for_thirty_days(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    silent = _in_support(worker)
    _time_passes(silent, contact_days_ago=45)
    nearly = _in_support(worker)
    _time_passes(nearly, contact_days_ago=25)  # the 30th day falls within the horizon
    recent = _in_support(worker)
    _time_passes(recent, contact_days_ago=10)
    items = {i.case_id: i for i in _of(_list(staff, "shinjuku-soudan"), K.NO_CONTACT)}
    assert items[silent.pk].overdue and "45日、接触の記録がありません" in items[silent.pk].reason
    assert not items[nearly.pk].overdue and items[nearly.pk].due_on == _today() + timedelta(days=5)
    assert recent.pk not in items
    assert items[silent.pk].url == f"/cases/{silent.pk}/records/new/"


def _hello_work() -> PartnerAgency:
    return PartnerAgency.objects.get(municipality__slug="shinjuku", agency_type=PartnerAgencyType.HELLO_WORK)


def _referral(staff: Callable[[str], Any], follow_up_in_days: int) -> Any:
    from tsunagu.referrals import services as referral_services

    worker = staff("shinjuku-soudan")
    case = open_case(worker, person_kw=_next_person(), consent=consent_values(), applied_on=_today())
    return referral_services.referral_create(
        actor=worker,
        case=case,
        values={
            "partner": _hello_work(),
            "program": "",
            "reason": "就労に向けた支援を依頼するため",
            "data_categories": ["basic"],
            "accompanied": False,
            "follow_up_on": _today() + timedelta(days=follow_up_in_days),
        },
    )


def test_referral_follow_up(staff: Any) -> None:
    soon = _referral(staff, 3)
    far = _referral(staff, 20)
    items = _of(_list(staff, "shinjuku-soudan"), K.REFERRAL_FOLLOW_UP)
    assert [i.record for i in items] == [soon]
    assert "ハローワーク新宿へのつなぎ（依頼中）のフォローアップ予定日" in items[0].reason
    assert items[0].url == f"/referrals/{soon.pk}/outcome/" and not items[0].overdue
    # Ten days on, the first is overdue; the second is not yet within the horizon.
    later = _of(_list(staff, "shinjuku-soudan", _today() + timedelta(days=10)), K.REFERRAL_FOLLOW_UP)
    assert [(i.record, i.overdue) for i in later] == [(soon, True)]
    assert far not in [i.record for i in later]


def test_consent_expiring(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    expiring = open_case(
        worker,
        person_kw=_next_person(),
        consent=consent_values(expires_on=_today() + timedelta(days=20)),
        applied_on=_today(),
    )
    lasting = open_case(
        worker,
        person_kw=_next_person(),
        consent=consent_values(expires_on=_today() + timedelta(days=90)),
        applied_on=_today(),
    )
    items = _of(_list(staff, "shinjuku-soudan"), K.CONSENT_EXPIRING)
    assert [i.case_id for i in items] == [expiring.pk]
    assert items[0].url == f"/persons/{expiring.person_id}/consents/new/"
    assert items[0].due_on == _today() + timedelta(days=20) and "同意の有効期限" in items[0].reason
    assert lasting.pk not in {i.case_id for i in items}


# --- The 自治体担当者 ----------------------------------------------------------------------------------


def test_municipal_officer_sees_pending_decisions_of_their_municipality(staff: Any) -> None:
    pending, _ = approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"))
    application = _application(staff)
    items = _list(staff, "shinjuku-jichitai")
    assert [(i.kind, i.case_id) for i in items] == [
        (K.HOUSING_DECISION, application.case_id),
        (K.SUPPORT_DECISION, pending.pk),
    ]  # by the date they have waited since (the application is dated 2025)
    assert items[1].url == f"/meetings/decisions/cases/{pending.pk}/"
    assert items[0].url == f"/programs/housing-benefit/{application.pk}/decision/"
    assert "支給決定・不支給を記録してください" in items[0].reason
    assert "支援決定・確認を記録してください" in items[1].reason
    assert not any(i.overdue for i in items) and all(i.waiting for i in items)
    assert _list(staff, "hasuda-jichitai") == []
    # Once decided, the application leaves the list.
    program_services.housing_decision_record(
        actor=staff("shinjuku-jichitai"),
        application=application,
        outcome="award",
        decided_on=date(2025, 4, 20),
    )
    assert [i.kind for i in _list(staff, "shinjuku-jichitai")] == [K.SUPPORT_DECISION]


# --- Scoping, order, budget --------------------------------------------------------------------------


def test_only_my_own_cases_and_never_another_agency(staff: Any) -> None:
    mine = _in_support(staff("shinjuku-soudan"))
    colleague = _in_support(staff("shinjuku-shuro"))
    for case in (mine, colleague):
        _time_passes(case, monitoring_days_ago=2)
    hasuda = applied_case(staff("hasuda-soudan"))
    Case.objects.filter(pk=hasuda.pk).update(last_contact_on=_today() - timedelta(days=60))
    ids = {i.case_id for i in _list(staff, "shinjuku-soudan")}
    assert mine.pk in ids and colleague.pk not in ids and hasuda.pk not in ids
    assert colleague.pk in {i.case_id for i in _list(staff, "shinjuku-shuro")}
    # The 主任 sees their own by default, the agency's on request — never 蓮田市's.
    assert colleague.pk not in {i.case_id for i in _list(staff, "shinjuku-shunin")}
    agency = {i.case_id for i in _list(staff, "shinjuku-shunin", scope=todo.AGENCY)}
    assert {mine.pk, colleague.pk} <= agency and hasuda.pk not in agency
    assert todo.todo_scope(staff("shinjuku-soudan"), todo.AGENCY) == todo.MINE  # may not list the agency
    assert hasuda.pk in {i.case_id for i in _list(staff, "hasuda-soudan")}


def test_overdue_first_then_by_due_date(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    a = _in_support(worker)
    _time_passes(a, monitoring_days_ago=1)
    b = _in_support(worker)
    _time_passes(b, contact_days_ago=50)
    c = _in_support(worker, end_in_days=2)
    items = _list(staff, "shinjuku-soudan")
    flags = [i.overdue for i in items]
    assert flags == sorted(flags, reverse=True)  # every overdue item before the others
    for group in (True, False):
        dates = [i.due_on for i in items if i.overdue is group]
        assert dates == sorted(dates)
    assert {a.pk, b.pk, c.pk} <= {i.case_id for i in items}


def _one_of_every_kind(staff: Callable[[str], Any], worker_name: str = "shinjuku-soudan") -> None:
    worker = staff(worker_name)
    late = _in_support(worker)
    _time_passes(late, monitoring_days_ago=2, contact_days_ago=40)
    _in_support(worker, end_in_days=5)
    open_case(
        worker,
        person_kw=_next_person(),
        consent=consent_values(expires_on=_today() + timedelta(days=10)),
        applied_on=_today(),
    )


@pytest.mark.parametrize("username", ["shinjuku-soudan", "shinjuku-jichitai"])
def test_query_budget_is_flat_in_the_number_of_cases(staff: Any, username: str) -> None:
    user = staff(username)
    _one_of_every_kind(staff)
    approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"))
    _referral(staff, 2)
    todo.todo_for(user, _today())  # the roles are read once per request, then cached on the user
    with CaptureQueriesContext(connection) as few:
        first = todo.todo_for(user, _today())
    for _ in range(3):
        _one_of_every_kind(staff)
        approved_case(staff("shinjuku-shunin"), staff("shinjuku-soudan"))
        _referral(staff, 2)
    with CaptureQueriesContext(connection) as many:
        more = todo.todo_for(user, _today())
    assert len(more) > len(first) > 0
    assert len(many.captured_queries) == len(few.captured_queries), [
        q["sql"][:120] for q in many.captured_queries
    ]
    # one query per kind (+2 prefetches for the benefit applications, +1 for the approved plans)
    assert len(many.captured_queries) <= (10 if username == "shinjuku-soudan" else 5)


# --- The screens and the API --------------------------------------------------------------------------


def test_home_panel_and_full_page(staff: Any, login: Any) -> None:
    late = _in_support(staff("shinjuku-soudan"))
    _time_passes(late, monitoring_days_ago=4)
    client = login("shinjuku-soudan")
    page = client.get("/").content.decode()
    assert "今日やること（" in page and "期限切れ" in page
    assert f'href="/cases/{late.pk}/records/new/?monitoring=1"' in page
    assert "7日以内に期限が来るもの" in page
    full = client.get("/dashboard/todo/?kind=monitoring")
    assert full.status_code == 200
    shown = list(full.context["page"].object_list)
    assert shown and {i.kind for i in shown} == {K.MONITORING}
    assert "令和" in full.content.decode()
    # an unknown kind is no filter; the agency scope is only for those who may list it
    assert full.context["kind"] == "monitoring"
    assert client.get("/dashboard/todo/?kind=nonsense").context["kind"] == ""
    assert client.get("/dashboard/todo/?scope=agency").context["scope"] == todo.MINE
    viewed = AuditEvent.objects.filter(action=AuditAction.VIEW, details__panel="todo")
    assert viewed.filter(object_type="case", object_id=str(late.pk)).exists()


@pytest.mark.parametrize("username", ["shinjuku-jimu", "shinjuku-privacy", "shinjuku-kansa"])
def test_those_who_only_read_have_no_to_do_list(login: Any, username: str) -> None:
    client = login(username)
    assert "今日やること" not in client.get("/").content.decode()
    assert client.get("/dashboard/todo/").status_code == 403
    denied = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, details__path="/dashboard/todo/")
    assert denied.count() == 1


def test_api_me_todo(staff: Any, login: Any) -> None:
    late = _in_support(staff("shinjuku-soudan"))
    _time_passes(late, monitoring_days_ago=4)
    client = login("shinjuku-soudan")
    body = client.get("/api/v1/me/todo").json()
    assert body["today"] == _today().isoformat() and body["scope"] == "mine"
    assert body["horizon_days"] == todo.HORIZON_DAYS and body["count"] == len(body["items"])
    first = body["items"][0]
    assert set(first) == {
        "due_on",
        "overdue",
        "waiting",
        "kind",
        "kind_ja",
        "reason",
        "case_id",
        "case_number",
        "person_name",
        "url",
    }
    monitoring = [i for i in body["items"] if i["kind"] == "monitoring"]
    assert monitoring == [
        {
            "due_on": (_today() - timedelta(days=4)).isoformat(),
            "overdue": True,
            "waiting": False,
            "kind": "monitoring",
            "kind_ja": "モニタリング",
            "reason": monitoring[0]["reason"],
            "case_id": late.pk,
            "case_number": late.case_number,
            "person_name": late.person.name,
            "url": f"/cases/{late.pk}/records/new/?monitoring=1",
        }
    ]
    assert body["overdue_count"] == sum(1 for i in body["items"] if i["overdue"])
    only = client.get("/api/v1/me/todo?kind=monitoring").json()
    assert [i["kind"] for i in only["items"]] == ["monitoring"]
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, details__via="api", details__panel="todo", object_id=str(late.pk)
    ).exists()


def test_api_me_todo_auth(login: Any) -> None:
    from django.test import Client

    assert Client().get("/api/v1/me/todo").status_code == 401
    assert login("shinjuku-jimu").get("/api/v1/me/todo").status_code == 403
    officer = login("shinjuku-jichitai").get("/api/v1/me/todo")
    assert officer.status_code == 200 and officer.json()["items"] == []


def test_api_me_todo_is_in_the_openapi_schema(login: Any) -> None:
    schema = login("shinjuku-soudan").get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/me/todo"]["get"]
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.rsplit("/", 1)[1] == "TodoOut"
    item = schema["components"]["schemas"]["TodoItemOut"]["properties"]
    assert item["due_on"]["format"] == "date"


def test_long_list_is_cut_on_the_dashboard_and_paginated_in_full(staff: Any, login: Any) -> None:
    from tsunagu.dashboard import selectors, views

    worker = staff("shinjuku-soudan")
    for _ in range(views.TODO_PAGE_SIZE):
        case = applied_case(worker, consent=False)
        _time_passes(case, contact_days_ago=40)
    client = login("shinjuku-soudan")
    home = client.get("/")
    total = home.context["todo_count"]
    assert total > views.TODO_PAGE_SIZE and len(home.context["todo_items"]) == selectors.LIST_LIMIT
    assert f"すべて表示（{total}件）" in home.content.decode()
    first = client.get("/dashboard/todo/")
    assert len(first.context["page"].object_list) == views.TODO_PAGE_SIZE
    assert first.context["page"].has_next() and "次へ" in first.content.decode()
    second = client.get("/dashboard/todo/?page=2")
    assert len(second.context["page"].object_list) == total - views.TODO_PAGE_SIZE
    shown = [i.case_id for i in first.context["page"].object_list] + [
        i.case_id for i in second.context["page"].object_list
    ]
    assert len(set(shown)) == total
