"""Staff management refuses through the shared guards: every refusal is audited exactly once."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.organizations import services
from tsunagu.organizations.guards import FORBIDDEN, AccessDenied


def _denials() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED))


@pytest.mark.parametrize(
    "operation",
    [
        lambda actor, user: services.staff_disable(actor=actor, user=user),
        lambda actor, user: services.staff_enable(actor=actor, user=user),
        lambda actor, user: services.staff_unlock(actor=actor, user=user),
        lambda actor, user: services.staff_reset_credentials(actor=actor, user=user),
    ],
)
def test_another_agencys_director_is_refused_and_audited_once(
    staff: Callable[[str], Any], operation: Callable[[Any, Any], Any]
) -> None:
    target = staff("shinjuku-soudan")
    with pytest.raises(AccessDenied):
        operation(staff("hasuda-center"), target)
    [row] = _denials()
    assert row.details["reason"] == "other_agency"
    assert row.actor == staff("hasuda-center")
    target.refresh_from_db()
    assert target.is_active


def test_resetting_ones_own_credentials_is_audited(staff: Callable[[str], Any]) -> None:
    director = staff("shinjuku-center")
    with pytest.raises(AccessDenied, match="自分自身の認証情報"):
        services.staff_reset_credentials(actor=director, user=director)
    [row] = _denials()
    assert row.details["reason"] == "self"


def test_a_view_refusal_is_one_audit_row_and_the_japanese_403(
    login: Callable[[str], Client], staff: Callable[[str], Any]
) -> None:
    target = staff("shinjuku-soudan")
    response = login("shinjuku-shunin").post(f"/staff/{target.pk}/disable/")
    assert response.status_code == 403
    assert FORBIDDEN in response.content.decode()
    [row] = _denials()
    assert row.details["permission"] == "staff.manage"
    target.refresh_from_db()
    assert target.is_active


def test_staff_list_refusal_is_audited(login: Callable[[str], Client]) -> None:
    response = login("shinjuku-jimu").get("/staff/")
    assert response.status_code == 403
    [row] = _denials()
    assert row.details["permission"] == "staff.view"


def test_services_do_not_import_the_middleware() -> None:
    """The session policy constant lives in services; the middleware imports it (no import circle)."""
    tree = ast.parse(Path(services.__file__).read_text(encoding="utf-8"))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "middleware" not in imported
    assert not any(name.endswith(".middleware") for name in imported)


def test_the_403_page_shows_the_refusals_own_message(
    login: Callable[[str], Client], staff: Callable[[str], Any]
) -> None:
    director = staff("shinjuku-center")
    response = login("shinjuku-center").post(f"/staff/{director.pk}/reset-credentials/")
    assert response.status_code == 403
    text = response.content.decode()
    assert "自分自身の認証情報はこの画面からリセットできません。" in text
    assert len(_denials()) == 1
