"""manage.py setup_site: the first システム管理者 of an empty installation, MFA forced at first login."""

from __future__ import annotations

import importlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.organizations.models import Prefecture, User
from tsunagu.organizations.prefectures import PREFECTURES
from tsunagu.organizations.roles import Permission, Role
from tsunagu.organizations.tests.flows import LOGIN_URL, TOTP_ACTIVATE_URL

ROOT = Path(__file__).resolve().parents[3]


def _run(*args: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    if stdin is not None:
        old = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            call_command("setup_site", *args, stdout=out)
        finally:
            sys.stdin = old
    else:
        call_command("setup_site", *args, stdout=out)
    return out.getvalue()


def _temporary_password(output: str) -> str:
    match = re.search(r"仮パスワード：(\S+)", output)
    assert match, output
    return match.group(1)


@pytest.mark.django_db
def test_setup_site_creates_the_first_system_admin_with_a_temporary_password_shown_once() -> None:
    output = _run("--username", "admin", "--display-name", "情報 太郎", "--email", "admin@example.jp")
    password = _temporary_password(output)
    admin = User.objects.get(username="admin")
    assert admin.role_set == {Role.SYSTEM_ADMIN.value}
    assert admin.agency_id is None and admin.municipality_id is None
    assert admin.display_name == "情報 太郎" and admin.email == "admin@example.jp"
    assert admin.check_password(password)
    assert admin.can(Permission.SITE_MANAGE)
    assert not admin.can(Permission.PERSON_VIEW) and not admin.can(Permission.DASHBOARD_VIEW)
    row = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(admin.pk))
    assert row.actor_id is None
    assert password not in str(row.details)
    assert row.details["roles"] == [Role.SYSTEM_ADMIN.value]


@pytest.mark.django_db
def test_setup_site_refuses_while_an_active_system_admin_exists() -> None:
    _run("--username", "admin")
    with pytest.raises(CommandError, match="有効なシステム管理者が既に存在する"):
        _run("--username", "admin2")
    assert not User.objects.filter(username="admin2").exists()
    # A deactivated one does not block a new first account (the operator lost the old one).
    User.objects.filter(username="admin").update(is_active=False)
    _run("--username", "admin2")
    assert User.objects.get(username="admin2").is_active


@pytest.mark.django_db
def test_setup_site_reads_the_password_from_stdin_and_prints_none() -> None:
    output = _run("--username", "admin", "--password-stdin", stdin="Kanri-Pass-2026-xyz\n")
    assert "仮パスワード：" not in output
    assert not User.objects.get(username="admin").must_change_password
    assert User.objects.get(username="admin").check_password("Kanri-Pass-2026-xyz")


@pytest.mark.django_db
def test_setup_site_refuses_a_weak_password_in_japanese() -> None:
    with pytest.raises(CommandError, match="作成できませんでした"):
        _run("--username", "admin", "--password-stdin", stdin="abc\n")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_47_prefectures_are_there_and_the_migration_holds_the_same_list() -> None:
    migration = importlib.import_module("tsunagu.organizations.migrations.0002_site_setup")
    assert tuple(migration.PREFECTURES) == PREFECTURES
    assert len(PREFECTURES) == 47
    assert [c for c, _ in PREFECTURES] == [f"{i:02d}" for i in range(1, 48)]
    Prefecture.objects.all().delete()
    _run("--username", "admin")
    assert Prefecture.objects.count() == 47
    assert Prefecture.objects.get(code="13").name == "東京都"


@pytest.mark.django_db
def test_the_first_login_lands_on_the_totp_enrolment_and_nothing_else_opens() -> None:
    password = _temporary_password(_run("--username", "admin"))
    client = Client()
    response = client.post(LOGIN_URL, {"login": "admin", "password": password})
    assert response.status_code == 302
    for url in ("/", "/setup/", "/cases/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == TOTP_ACTIVATE_URL, url


def test_setup_site_runs_under_the_production_settings(tmp_path: Path) -> None:
    """migrate + setup_site with config.settings.production on an empty database (SQLite allowed
    here only to avoid needing a server in the test): nothing depends on the demo settings."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "test-" + "x" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "TSUNAGU_ALLOW_SQLITE": "true",
        "ALLOWED_HOSTS": "tsunagu.example.lg.jp",
        "TSUNAGU_VAR_DIR": str(tmp_path),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
            [*manage, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, **kwargs
        )

    migrated = run("migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    first = run("setup_site", "--username", "kanri")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "仮パスワード：" in first.stdout
    second = run("setup_site", "--username", "kanri2")
    assert second.returncode != 0
    assert "有効なシステム管理者が既に存在する" in second.stderr


@pytest.mark.django_db
def test_after_totp_the_temporary_password_must_be_changed_before_anything_opens(
    django_capture_on_commit_callbacks: Any,
) -> None:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    password = _temporary_password(_run("--username", "admin"))
    assert User.objects.get(username="admin").must_change_password
    client = Client()
    client.post(LOGIN_URL, {"login": "admin", "password": password})
    reauth = client.get(TOTP_ACTIVATE_URL)
    if reauth.status_code == 302 and reauth["Location"].startswith("/accounts/reauthenticate/"):
        client.post(reauth["Location"], {"password": password})
    assert client.get(TOTP_ACTIVATE_URL).status_code == 200
    secret = client.session["mfa.totp.secret"]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(TOTP_ACTIVATE_URL, {"code": code}).status_code == 302
    for url in ("/", "/setup/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/accounts/password/change/", url
    assert client.get("/api/v1/").status_code in (403, 404)
    new = "Kanri-Atarashii-2026-pw"
    response = client.post(
        "/accounts/password/change/", {"oldpassword": password, "password1": new, "password2": new}
    )
    assert response.status_code == 302 and response["Location"] == "/setup/"
    admin = User.objects.get(username="admin")
    assert not admin.must_change_password and admin.check_password(new)
    assert client.get("/setup/").status_code == 200
