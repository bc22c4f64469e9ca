"""The permission table (roles.py) and its generated page docs/roles.md."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tsunagu.organizations.models import StaffRole, User
from tsunagu.organizations.roles import (
    PERMISSIONS,
    READ_ONLY_ROLES,
    WRITE_PERMISSIONS,
    Permission,
    Role,
    has_permission,
    roles_doc_markdown,
    roles_with,
)

ROLES_MD = Path(settings.BASE_DIR) / "docs" / "roles.md"


def test_every_permission_is_held_by_at_least_one_role() -> None:
    assert set(PERMISSIONS) == set(Permission)
    for permission in Permission:
        assert roles_with(permission), permission


def test_every_role_holds_at_least_one_permission() -> None:
    for role in Role:
        assert any(role in held for held in PERMISSIONS.values()), role


def test_write_permissions_are_what_they_say() -> None:
    assert Permission.CASE_EDIT in WRITE_PERMISSIONS
    assert Permission.STAFF_MANAGE in WRITE_PERMISSIONS
    assert Permission.DISCLOSURE_APPROVE in WRITE_PERMISSIONS
    assert Permission.AUDIT_VIEW not in WRITE_PERMISSIONS
    assert Permission.CASE_VIEW_ALL not in WRITE_PERMISSIONS
    assert Permission.STATISTICS_DRILLDOWN not in WRITE_PERMISSIONS


def test_the_auditor_holds_no_write_permission() -> None:
    for permission in WRITE_PERMISSIONS:
        assert Role.AUDITOR not in PERMISSIONS[permission], permission
        assert not has_permission({Role.AUDITOR.value}, permission)
    assert has_permission({Role.AUDITOR.value}, Permission.AUDIT_VIEW)


def test_a_read_only_role_never_writes_even_if_the_table_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Role.AUDITOR in READ_ONLY_ROLES
    monkeypatch.setitem(PERMISSIONS, Permission.CASE_EDIT, frozenset({Role.AUDITOR, Role.CONSULTANT}))
    assert not has_permission({Role.AUDITOR.value}, Permission.CASE_EDIT)
    assert has_permission({Role.CONSULTANT.value}, Permission.CASE_EDIT)


def test_separation_of_duties() -> None:
    # Only the privacy officer approves disclosures; only the centre director manages staff.
    assert roles_with(Permission.DISCLOSURE_APPROVE) == {Role.PRIVACY_OFFICER}
    assert roles_with(Permission.STAFF_MANAGE) == {Role.CENTER_DIRECTOR}
    # A 自治体担当者 does not read individual case files of the centre.
    assert Role.MUNICIPAL_OFFICER not in roles_with(Permission.PERSON_VIEW)
    assert Role.MUNICIPAL_OFFICER in roles_with(Permission.DECISION_RECORD)


def test_unknown_roles_grant_nothing() -> None:
    for permission in Permission:
        assert not has_permission(set(), permission)
        assert not has_permission({"superuser", "admin"}, permission)


@pytest.mark.django_db
def test_deny_by_default_for_a_user_without_roles_and_an_inactive_user(staff: Any) -> None:
    agency = staff("shinjuku-center").agency
    nobody = User.objects.create_user(username="no-roles", agency=agency)
    assert nobody.role_set == frozenset()
    assert not any(nobody.can(p) for p in Permission)
    assert not nobody.is_read_only

    director = staff("shinjuku-center")
    assert director.can(Permission.STAFF_MANAGE)
    director.is_active = False
    assert not any(director.can(p) for p in Permission)


@pytest.mark.django_db
def test_roles_come_from_staff_role_rows(staff: Any) -> None:
    user = staff("shinjuku-jimu")
    assert not user.can(Permission.CASE_EDIT)
    StaffRole.objects.create(user=user, role=Role.CONSULTANT)
    assert user.can(Permission.CASE_EDIT) is False  # cached for the life of the object
    assert User.objects.get(pk=user.pk).can(Permission.CASE_EDIT)


# --- docs/roles.md -------------------------------------------------------------------------


def test_the_committed_roles_page_equals_the_table() -> None:
    assert ROLES_MD.read_text(encoding="utf-8") == roles_doc_markdown(), (
        "docs/roles.md が古くなっています。`python manage.py roles_doc` で再生成してください。"
    )


def test_roles_page_lists_every_role_and_permission() -> None:
    text = roles_doc_markdown()
    for role in Role:
        assert role.label in text
    for permission in Permission:
        assert f"`{permission.value}`" in text
    auditor_column = [r.label for r in Role].index("監査") + 2
    for line in text.splitlines():
        if line.startswith("| ") and "`" in line:
            cells = [c.strip() for c in line.strip("|").split("|")]
            code = cells[1].strip("`")
            if Permission(code) in WRITE_PERMISSIONS:
                assert cells[auditor_column] == "", line


def test_roles_doc_command_writes_and_checks(tmp_path: Path) -> None:
    target = tmp_path / "roles.md"
    with pytest.raises(CommandError, match="一致しません"):
        call_command("roles_doc", "--check", "--path", str(target), stdout=StringIO())
    out = StringIO()
    call_command("roles_doc", "--path", str(target), stdout=out)
    assert "書き出しました" in out.getvalue()
    assert target.read_text(encoding="utf-8") == roles_doc_markdown()
    out = StringIO()
    call_command("roles_doc", "--check", "--path", str(target), stdout=out)
    assert "最新です" in out.getvalue()
    target.write_text(roles_doc_markdown().replace("○", "×", 1), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("roles_doc", "--check", "--path", str(target), stdout=StringIO())


def test_roles_doc_check_passes_on_the_repository() -> None:
    out = StringIO()
    call_command("roles_doc", "--check", stdout=out)
    assert "最新です" in out.getvalue()
