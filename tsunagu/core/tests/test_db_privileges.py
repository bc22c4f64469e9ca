"""check_db_privileges: passes for the documented application role, fails for an owner role.

On PostgreSQL the roles are created inside the test's transaction (role names unique per run,
dropped at the end) and the command runs under ``SET ROLE``, as it would when connected as that
role. On SQLite there are no roles: the command says so and succeeds.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tsunagu.core.management.commands.check_db_privileges import append_only_tables


def _check() -> str:
    out = StringIO()
    call_command("check_db_privileges", stdout=out)
    return out.getvalue()


@contextmanager
def _as_role(name: str) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


@pytest.fixture
def roles(db: Any) -> Iterator[tuple[str, str]]:
    """(owner role, application role), created as docs/deploy.md says; dropped afterwards."""
    if connection.vendor != "postgresql":
        yield ("", "")
        return
    suffix = secrets.token_hex(4)
    owner, app = f"tsunagu_test_owner_{suffix}", f"tsunagu_test_app_{suffix}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{owner}" NOLOGIN')
        cursor.execute(f'CREATE ROLE "{app}" NOLOGIN')
        cursor.execute(f'GRANT USAGE ON SCHEMA public TO "{app}"')
        cursor.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{app}"')
        cursor.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app}"')
        for table in append_only_tables():
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0] is not None:
                cursor.execute(f'REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER ON "{table}" FROM "{app}"')
    try:
        yield owner, app
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            for name in (app, owner):
                cursor.execute(f'REASSIGN OWNED BY "{name}" TO CURRENT_USER')
                cursor.execute(f'DROP OWNED BY "{name}"')
                cursor.execute(f'DROP ROLE IF EXISTS "{name}"')


def test_the_documented_application_role_passes(roles: tuple[str, str]) -> None:
    _owner, app = roles
    if connection.vendor != "postgresql":
        assert "PostgreSQL ではないため" in _check()
        return
    with _as_role(app):
        assert "問題はありません" in _check()


def test_an_owner_role_or_truncate_on_the_audit_table_fails(roles: tuple[str, str]) -> None:
    owner, app = roles
    if connection.vendor != "postgresql":
        assert "PostgreSQL ではないため" in _check()
        return
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE core_auditevent OWNER TO "{owner}"')
    with _as_role(owner), pytest.raises(CommandError) as owned:
        _check()
    assert "所有しています" in str(owned.value)
    assert "core_auditevent" in str(owned.value)

    with connection.cursor() as cursor:
        cursor.execute(f'GRANT TRUNCATE, TRIGGER ON core_auditevent TO "{app}"')
    with _as_role(app), pytest.raises(CommandError) as granted:
        _check()
    assert "core_auditevent に TRUNCATE, TRIGGER 権限" in str(granted.value)


def test_a_superuser_fails(roles: tuple[str, str]) -> None:
    if connection.vendor != "postgresql":
        assert "PostgreSQL ではないため" in _check()
        return
    with pytest.raises(CommandError, match="スーパーユーザー"):
        _check()  # the test database is reached as postgres
