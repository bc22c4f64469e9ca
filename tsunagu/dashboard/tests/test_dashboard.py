"""Dashboards: what each role sees, and query budgets that stay flat as cases are added."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tsunagu.cases import services as case_services
from tsunagu.cases.models import Case, SupportPlan
from tsunagu.dashboard import selectors
from tsunagu.meetings import services as meeting_services
from tsunagu.meetings.tests.helpers import applied_case, approved_case, meeting

pytestmark = pytest.mark.django_db

# The base of every page (session, user, TOTP, roles, header, session save) is 9 on SQLite; then:
# worker: states (GROUP BY), totals (one aggregate), overdue count+rows, ending count+rows,
#         emergency rows, upcoming meetings
#         + one audit INSERT per panel shown (overdue, ending, emergency: the rows listed are read)
#         + 今日やること (todo.py): one query per kind (monitoring, plans, no contact, referrals,
#           consents, benefit applications, enrolments) and its audit INSERT
#           + 同意の再取得: the agency's 規程 versions (the consents only when one lacks a purpose)
TODO_WORKER_QUERIES = 8 + 1
WORKER_BUDGET = 19 + TODO_WORKER_QUERIES
# manager: the above + no-contact rows + caseload per worker (GROUP BY)
#          + one audit INSERT per panel shown (4)
MANAGER_BUDGET = 22 + TODO_WORKER_QUERIES
# officer: pending count + rows (+ their plans, one prefetch) + upcoming meetings
#          + one audit INSERT for the pending panel
#          + 今日やること: 支援決定 waiting (+ plans), benefit decisions, extensions, its audit INSERT
OFFICER_BUDGET = 14 + 5


def _in_support(worker: Any, *, end_in_days: int = 90) -> Case:
    today = timezone.localdate()
    case, _ = approved_case(_staff(worker, "shinjuku-shunin"), worker)
    plan = SupportPlan.objects.get(case=case, status="approved")
    if end_in_days != 90:
        SupportPlan.objects.filter(pk=plan.pk).update(end_date=today + timedelta(days=end_in_days))
    meeting_services.decision_record(
        actor=_staff(worker, "shinjuku-jichitai"), case=case, kind="confirmation", decided_on=today
    )
    return case_services.case_transition(actor=worker, case=case, name="start_support")


def _staff(any_user: Any, username: str) -> Any:
    return type(any_user).objects.get(username=username)


def _time_passes(case: Case, *, monitoring_days_ago: int = 0, contact_days_ago: int = 0) -> None:
    """What weeks of real time would do: the monitoring date passes, the last contact ages."""
    today = timezone.localdate()
    if monitoring_days_ago:
        SupportPlan.objects.filter(case=case, status="decided").update(
            next_monitoring_on=today - timedelta(days=monitoring_days_ago)
        )
    if contact_days_ago:
        Case.objects.filter(pk=case.pk).update(last_contact_on=today - timedelta(days=contact_days_ago))


def _one_of_each(staff: Any, worker_name: str = "shinjuku-soudan") -> dict[str, Case]:
    worker = staff(worker_name)
    overdue = _in_support(worker)
    _time_passes(overdue, monitoring_days_ago=3)
    ending = _in_support(worker, end_in_days=10)
    silent = _in_support(worker)
    _time_passes(silent, contact_days_ago=45)
    emergency = applied_case(worker, consent=False, emergency=True)
    pending, _ = approved_case(staff("shinjuku-shunin"), worker)
    return {
        "overdue": overdue,
        "ending": ending,
        "silent": silent,
        "emergency": emergency,
        "pending": pending,
    }


def test_worker_dashboard_shows_their_own_cases(staff: Any, login: Any) -> None:
    demo_emergency = Case.objects.get(person__name="山﨑 花子")  # the demo's own, assigned to 佐藤
    cases = _one_of_each(staff)
    colleague = _one_of_each(staff, "shinjuku-shuro")  # a colleague's cases: not on my dashboard
    meeting(staff("shinjuku-shunin"), held_on=timezone.localdate() + timedelta(days=3), place="相談室B")
    response = login("shinjuku-soudan").get("/")
    d = response.context["d"]
    assert d.kind == "worker" and d.scope == "mine"
    assert [c.pk for c in d.panels["overdue"].rows] == [cases["overdue"].pk]
    assert [p.case_id for p in d.panels["ending"].rows] == [cases["ending"].pk]
    assert [c.pk for c in d.panels["emergency"].rows] == [cases["emergency"].pk, demo_emergency.pk]
    assert colleague["emergency"].pk not in [c.pk for c in d.panels["emergency"].rows]
    assert "no_contact" not in d.panels and not d.caseload
    states = {s["state"]: s["count"] for s in d.states}
    assert states["in_support"] == 3 and states["coordination_meeting"] == 1
    assert d.totals["open"] == 3 + 1 + 1 + 2  # the demo's 髙橋 一郎 and 山﨑 花子 included
    page = response.content.decode()
    assert (
        "モニタリング期限を過ぎたケース（1件）" in page
        and "14日以内にプラン期間が終わるケース（1件）" in page
    )
    assert "相談室B" in page


def test_manager_dashboard_is_agency_wide_with_caseload_and_no_contact(staff: Any, login: Any) -> None:
    mine = _one_of_each(staff)
    theirs = _one_of_each(staff, "shinjuku-shuro")
    response = login("shinjuku-shunin").get("/")
    d = response.context["d"]
    assert d.kind == "manager" and d.scope == "agency"
    assert {c.pk for c in d.panels["overdue"].rows} == {mine["overdue"].pk, theirs["overdue"].pk}
    silent = {c.pk for c in d.panels["no_contact"].rows}
    assert {mine["silent"].pk, theirs["silent"].pk} <= silent  # with the demo's October intakes
    assert not {mine["overdue"].pk, mine["ending"].pk, theirs["emergency"].pk} & silent
    loads = {w["name"]: w for w in d.caseload}
    assert loads["佐藤 由紀"]["total"] == 7 and loads["鈴木 大輔"]["total"] == 5
    assert loads["鈴木 大輔"]["no_contact"] == 1 and loads["鈴木 大輔"]["in_support"] == 3
    page = response.content.decode()
    assert "担当者別のケース数" in page and f"30日以上接触のないケース（{len(silent)}件）" in page
    # their own cases only, on request
    mine_only = login("shinjuku-shunin").get("/?scope=mine").context["d"]
    assert mine_only.scope == "mine" and mine_only.totals["open"] == 1  # 渡邉 健 (demo)


def test_municipal_officer_dashboard(staff: Any, login: Any) -> None:
    cases = _one_of_each(staff)
    meeting(staff("shinjuku-shunin"), held_on=timezone.localdate() + timedelta(days=2))
    d = login("shinjuku-jichitai").get("/").context["d"]
    assert d.kind == "officer"
    assert [c.pk for c in d.panels["pending"].rows] == [cases["pending"].pk]
    assert set(d.panels) == {"pending"} and len(d.meetings) == 1
    other = login("hasuda-jichitai").get("/").context["d"]
    assert other.panels["pending"].count == 0 and other.meetings == []


def test_lists_are_cut_with_a_link_to_all(staff: Any, login: Any) -> None:
    worker = staff("shinjuku-soudan")
    before = Case.objects.filter(assigned_worker=worker, is_emergency=True).count()  # the demo's
    for _ in range(selectors.LIST_LIMIT + 2):
        applied_case(worker, consent=False, emergency=True)
    client = login("shinjuku-soudan")
    response = client.get("/")
    panel = response.context["d"].panels["emergency"]
    assert panel.count == before + selectors.LIST_LIMIT + 2 and len(panel.rows) == selectors.LIST_LIMIT
    assert "/dashboard/emergency/?scope=mine" in response.content.decode()
    full = client.get("/dashboard/emergency/?scope=mine")
    assert (
        full.status_code == 200 and full.context["page"].paginator.count == before + selectors.LIST_LIMIT + 2
    )
    # panels that are not yours do not exist
    assert client.get("/dashboard/no_contact/").status_code == 404
    assert client.get("/dashboard/anything/").status_code == 404
    assert login("shinjuku-jichitai").get("/dashboard/emergency/").status_code == 404


@pytest.mark.parametrize(
    ("username", "budget"),
    [
        ("shinjuku-soudan", WORKER_BUDGET),
        ("shinjuku-shunin", MANAGER_BUDGET),
        ("shinjuku-jichitai", OFFICER_BUDGET),
    ],
)
def test_dashboard_query_budget_is_flat_in_the_number_of_cases(
    staff: Any, login: Any, django_assert_max_num_queries: Any, username: str, budget: int
) -> None:
    _one_of_each(staff)
    meeting(staff("shinjuku-shunin"), held_on=timezone.localdate() + timedelta(days=1))
    client = login(username)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/").status_code == 200
    for _ in range(2):
        _one_of_each(staff)
        _one_of_each(staff, "shinjuku-shuro")
    meeting(staff("shinjuku-shunin"), held_on=timezone.localdate() + timedelta(days=2))
    with django_assert_max_num_queries(budget):
        response = client.get("/")
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many.captured_queries) == len(few.captured_queries), [
        q["sql"][:120] for q in many.captured_queries
    ]


def test_the_dashboard_audits_every_case_it_lists(staff: Any, login: Any) -> None:
    from tsunagu.core.models import AuditAction, AuditEvent

    cases = _one_of_each(staff)
    client = login("shinjuku-shunin")
    assert client.get("/").status_code == 200
    viewed = AuditEvent.objects.filter(action=AuditAction.VIEW, details__via="dashboard")
    listed = set(viewed.filter(object_type="case").values_list("object_id", flat=True))
    assert str(cases["emergency"].pk) in listed
    assert viewed.filter(details__panel="overdue").exists()


def test_dashboard_rows_of_plans_are_audited_with_the_person(staff: Any, login: Any) -> None:
    from tsunagu.core.models import AuditAction, AuditEvent

    cases = _one_of_each(staff)
    assert login("shinjuku-shunin").get("/").status_code == 200
    plan_rows = AuditEvent.objects.filter(
        action=AuditAction.VIEW, details__via="dashboard", object_type="supportplan"
    )
    assert plan_rows.exists()
    assert cases["ending"].person_id in set(plan_rows.values_list("person_id", flat=True))
    assert not plan_rows.filter(person_id__isnull=True).exists()
