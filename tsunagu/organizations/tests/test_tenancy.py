"""Tenancy: each agency sees only its own; "not yours" answers exactly like "does not exist"."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.demo.data import demo_usernames
from tsunagu.organizations.models import Municipality, User
from tsunagu.organizations.roles import Role
from tsunagu.organizations.scoping import NOT_FOUND_MESSAGE, get_for_user_or_404, scope_for_user
from tsunagu.organizations.selectors import staff_visible_to


def _agency_staff(prefix: str) -> set[str]:
    return {u for u in demo_usernames() if u.startswith(prefix) and not u.endswith("-jichitai")}


def test_the_staff_list_shows_only_the_own_agency(login: Any) -> None:
    response = login("shinjuku-center").get("/staff/")
    assert response.status_code == 200
    shown = {s.username for s in response.context["staff"]}
    assert shown == _agency_staff("shinjuku-")
    text = response.content.decode()
    assert "hasuda-" not in text
    assert "蓮田市" not in text
    assert "吉田 久美子" not in text  # 蓮田市のセンター長


def test_the_staff_list_of_the_other_agency_is_its_own(login: Any) -> None:
    response = login("hasuda-shunin").get("/staff/")
    assert {s.username for s in response.context["staff"]} == _agency_staff("hasuda-")
    assert "shinjuku-" not in response.content.decode()


@pytest.mark.parametrize("username", ["shinjuku-soudan", "shinjuku-jimu", "shinjuku-jichitai"])
def test_roles_without_staff_view_get_403(login: Any, username: str) -> None:
    response = login(username).get("/staff/")
    assert response.status_code == 403
    assert "権限" in response.content.decode()


@pytest.mark.parametrize("action", ["disable", "enable", "unlock"])
def test_another_agencys_staff_answer_404_like_a_missing_id(staff: Any, login: Any, action: str) -> None:
    director = login("shinjuku-center")
    other = staff("hasuda-soudan")
    before = (other.is_active, AuditEvent.objects.exclude(action=AuditAction.ACCESS_DENIED).count())

    foreign = director.post(f"/staff/{other.pk}/{action}/")
    missing_pk = User.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    missing = director.post(f"/staff/{missing_pk}/{action}/")
    assert foreign.status_code == missing.status_code == 404
    assert "お探しの情報は見つかりませんでした" in foreign.content.decode()
    # Same page apart from per-response tokens and the path itself.
    assert _normalised(foreign.content.decode(), other.pk) == _normalised(
        missing.content.decode(), missing_pk
    )

    other.refresh_from_db()
    assert (other.is_active, AuditEvent.objects.exclude(action=AuditAction.ACCESS_DENIED).count()) == before


def _normalised(html: str, pk: int) -> str:
    import re

    html = html.replace(f"/staff/{pk}/", "/staff/ID/")
    html = re.sub(r'nonce="[^"]*"', "", html)
    html = re.sub(r'value="[A-Za-z0-9]{32,}"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


def test_scope_for_user_denies_by_default(staff: Any) -> None:
    everyone = User.objects.all()
    assert not scope_for_user(everyone, None).exists()

    from django.contrib.auth.models import AnonymousUser

    assert not scope_for_user(everyone, AnonymousUser()).exists()

    director = staff("shinjuku-center")
    assert scope_for_user(everyone, director).count() == len(_agency_staff("shinjuku-"))
    director.is_active = False
    assert not scope_for_user(everyone, director).exists()

    floating = User.objects.create_user(username="floating")
    assert not scope_for_user(everyone, floating).exists()
    auditor_nowhere = User.objects.create_user(username="auditor-nowhere")
    auditor_nowhere.roles.create(role=Role.AUDITOR)
    assert not scope_for_user(AuditEvent.objects.all(), auditor_nowhere).exists()


def test_a_municipal_officer_sees_the_rows_of_the_own_municipality(staff: Any) -> None:
    officer = staff("shinjuku-jichitai")
    shinjuku = Municipality.objects.get(slug="shinjuku")
    hasuda = Municipality.objects.get(slug="hasuda")
    mine = audit_record(
        actor=None, action=AuditAction.VIEW, object_type="decision", municipality_id=shinjuku.pk
    )
    theirs = audit_record(
        actor=None, action=AuditAction.VIEW, object_type="decision", municipality_id=hasuda.pk
    )
    agency_only = audit_record(
        actor=None, action=AuditAction.VIEW, object_type="case", agency_id=staff("shinjuku-soudan").agency_id
    )

    visible = scope_for_user(AuditEvent.objects.all(), officer)
    assert mine in visible
    assert theirs not in visible
    assert agency_only not in visible
    assert set(visible.values_list("municipality_id", flat=True)) == {shinjuku.pk}
    assert visible.count() == AuditEvent.objects.filter(municipality_id=shinjuku.pk).count()
    assert list(scope_for_user(User.objects.all(), officer)) == [officer]

    # Belonging to a municipality without the 自治体担当者 role gives nothing.
    officer.roles.all().delete()
    plain = User.objects.get(pk=officer.pk)
    assert not scope_for_user(AuditEvent.objects.all(), plain).exists()


def test_custom_tenancy_field_names(staff: Any) -> None:
    director = staff("shinjuku-center")
    qs = scope_for_user(User.objects.all(), director, agency_field="agency", municipality_field="")
    assert qs.count() == len(_agency_staff("shinjuku-"))


def test_get_for_user_or_404(staff: Any) -> None:
    director = staff("shinjuku-center")
    own = staff("shinjuku-soudan")
    assert get_for_user_or_404(User.objects.all(), director, own.pk) == own
    for pk in (staff("hasuda-soudan").pk, 10**9, "abc", None):
        with pytest.raises(Http404, match=NOT_FOUND_MESSAGE):
            get_for_user_or_404(User.objects.all(), director, pk)
    # Only the existing foreign record counts as a refused access.
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == 1


def test_staff_visible_to_follows_the_permission(staff: Any) -> None:
    assert not staff_visible_to(staff("shinjuku-soudan")).exists()
    assert set(staff_visible_to(staff("shinjuku-kansa")).values_list("username", flat=True)) == _agency_staff(
        "shinjuku-"
    )
