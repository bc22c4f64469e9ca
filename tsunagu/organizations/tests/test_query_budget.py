"""Query budgets (measured, then fixed here): pages must not grow with the number of rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.organizations.roles import Role
from tsunagu.organizations.services import staff_create

# session, user, TOTP check, roles, agency/municipality for the header, session save (3 on SQLite
# incl. savepoints) = 9; then the panels of the busiest dashboard (主任/センター長): states (GROUP BY),
# totals (one aggregate), overdue and ending (count + rows each), emergency and no-contact rows,
# caseload per worker (GROUP BY), upcoming meetings = 18 with every panel filled. Per-role budgets,
# and the check that they do not grow with the cases: tsunagu/dashboard/tests/test_dashboard.py.
# Then 今日やること (dashboard/todo.py): one query per kind (7) and the audit INSERT of the rows shown.
DASHBOARD_BUDGET = 18 + 8
# the above + the staff rows, their roles (one prefetch), the lockout states
STAFF_LIST_BUDGET = 11
# the above + count, rows (actor joined), the AUDIT_QUERY row, the staff dropdown
AUDIT_SEARCH_BUDGET = 14


@pytest.mark.parametrize(
    "username", ["shinjuku-soudan", "shinjuku-center", "shinjuku-jichitai", "hasuda-kansa"]
)
def test_dashboard_query_budget(login: Any, django_assert_max_num_queries: Any, username: str) -> None:
    client = login(username)
    client.get("/")
    with django_assert_max_num_queries(DASHBOARD_BUDGET):
        assert client.get("/").status_code == 200


def test_staff_list_query_budget_does_not_grow_with_staff(
    login: Any, staff: Any, django_assert_max_num_queries: Any
) -> None:
    client = login("shinjuku-center")
    client.get("/staff/")
    with CaptureQueriesContext(connection) as few:
        before = client.get("/staff/")
    assert before.status_code == 200
    agency = staff("shinjuku-center").agency
    for i in range(15):
        staff_create(
            actor=None,
            username=f"shinjuku-extra{i}",
            display_name=f"追加 {i}",
            roles=[Role.CONSULTANT, Role.CLERK],
            agency=agency,
        )
    with django_assert_max_num_queries(STAFF_LIST_BUDGET):
        response = client.get("/staff/")
    assert len(response.context["staff"]) == len(before.context["staff"]) + 15
    with CaptureQueriesContext(connection) as many:
        client.get("/staff/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_audit_search_query_budget(login: Any, staff: Any, django_assert_max_num_queries: Any) -> None:
    for username in ("shinjuku-soudan", "shinjuku-shunin", "shinjuku-kakei"):
        for _ in range(10):
            audit_record(
                actor=staff(username), action=AuditAction.VIEW, object_type="person", person_id=987_654
            )
    client = login("shinjuku-privacy")
    client.get("/")
    with django_assert_max_num_queries(AUDIT_SEARCH_BUDGET):
        response = client.get("/privacy/audit/", {"person_id": "987654"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 30
