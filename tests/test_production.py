"""Production settings: refuse to start without secrets; pass Django's deployment checklist.

Each case runs in a fresh interpreter with a clean environment, as a server would start.
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _run(
    args: list[str], tmp_path: Path, *, settings: str | None = "config.settings.production", **env: str
) -> subprocess.CompletedProcess[str]:
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TSUNAGU_VAR_DIR": str(tmp_path / "var"),
        **({"DJANGO_SETTINGS_MODULE": settings} if settings else {}),
        **env,
    }
    return subprocess.run(
        [PYTHON, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False
    )


def _secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(60))


def _complete_env(tmp_path: Path) -> dict[str, str]:
    return {
        "SECRET_KEY": _secret_key(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "ALLOWED_HOSTS": "tsunagu.example.lg.jp, 127.0.0.1",
        "TSUNAGU_ALLOW_SQLITE": "true",
    }


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SECRET_KEY"),
        ({"DATABASE_URL": "sqlite:///x.sqlite3"}, "SECRET_KEY"),
        ({"SECRET_KEY": "k" * 60}, "DATABASE_URL"),
        ({"SECRET_KEY": "", "DATABASE_URL": "sqlite:///x.sqlite3"}, "SECRET_KEY"),
    ],
)
def test_importing_production_settings_without_secrets_fails(
    tmp_path: Path, env: dict[str, str], missing: str
) -> None:
    result = _run(["-c", "import config.settings.production"], tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"本番設定では環境変数 {missing} が必要です" in result.stderr


def test_manage_py_check_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    result = _run(["manage.py", "check"], tmp_path)
    assert result.returncode != 0
    assert "本番設定では環境変数 SECRET_KEY が必要です" in result.stderr


def test_deploy_check_passes_with_everything_set(tmp_path: Path) -> None:
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **_complete_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_deploy_check_would_catch_a_weak_secret_key(tmp_path: Path) -> None:
    env = _complete_env(tmp_path) | {"SECRET_KEY": "insecure-development-key-do-not-use-in-production"}
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_values(tmp_path: Path) -> None:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'demo': s.TSUNAGU_ALLOW_DEMO_ACCOUNTS,"
        "'ssl': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, 'cookie': s.SESSION_COOKIE_SECURE,"
        "'csrf': s.CSRF_COOKIE_SECURE, 'session_name': s.SESSION_COOKIE_NAME, 'hasher': s.PASSWORD_HASHERS[0],"
        "'engine': s.DATABASES['default']['ENGINE'], 'idle': s.SESSION_COOKIE_AGE}))"
    )
    result = _run(["-c", code], tmp_path, **_complete_env(tmp_path))
    assert result.returncode == 0, result.stderr
    import json

    values = json.loads(result.stdout)
    assert values == {
        "debug": False,
        "hosts": ["tsunagu.example.lg.jp", "127.0.0.1"],
        "demo": False,
        "ssl": True,
        "hsts": 63072000,
        "cookie": True,
        "csrf": True,
        "session_name": "__Host-tsunagu_session",
        "hasher": "django.contrib.auth.hashers.Argon2PasswordHasher",
        "engine": "django.db.backends.sqlite3",
        "idle": 1800,
    }


def test_demo_data_is_refused_under_production_settings(tmp_path: Path) -> None:
    result = _run(["manage.py", "demo_data", "--quiet-logins"], tmp_path, **_complete_env(tmp_path))
    assert result.returncode != 0
    assert "本番設定ではデモデータを投入できません" in result.stderr


def test_production_refuses_an_empty_allowed_hosts(tmp_path: Path) -> None:
    for hosts in ("", " , "):
        env = _complete_env(tmp_path) | {"ALLOWED_HOSTS": hosts}
        result = _run(["-c", "import config.settings.production"], tmp_path, **env)
        assert result.returncode != 0
        assert "本番設定では環境変数 ALLOWED_HOSTS が必要です" in result.stderr


def test_production_refuses_sqlite_unless_explicitly_allowed(tmp_path: Path) -> None:
    env = _complete_env(tmp_path)
    del env["TSUNAGU_ALLOW_SQLITE"]
    for allow in (None, "false", "1"):
        extra = {} if allow is None else {"TSUNAGU_ALLOW_SQLITE": allow}
        result = _run(["-c", "import config.settings.production"], tmp_path, **env, **extra)
        assert result.returncode != 0
        assert "本番設定では SQLite を使えません" in result.stderr
    postgres = env | {"DATABASE_URL": "postgres://tsunagu_app@db.example.lg.jp:5432/tsunagu"}
    assert _run(["-c", "import config.settings.production"], tmp_path, **postgres).returncode == 0


def test_wsgi_and_asgi_default_to_production_settings(tmp_path: Path) -> None:
    for module in ("config.wsgi", "config.asgi"):
        refused = _run(["-c", f"import {module}"], tmp_path, settings=None)
        assert refused.returncode != 0
        assert "本番設定では環境変数 SECRET_KEY が必要です" in refused.stderr
    code = "import os, config.wsgi; print(os.environ['DJANGO_SETTINGS_MODULE'])"
    started = _run(["-c", code], tmp_path, settings=None, **_complete_env(tmp_path))
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "config.settings.production"


def test_manage_py_keeps_the_development_default(tmp_path: Path) -> None:
    result = _run(["manage.py", "check"], tmp_path, settings=None)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_migrate_creates_the_cache_table(tmp_path: Path) -> None:
    env = _complete_env(tmp_path)
    result = _run(["manage.py", "migrate", "--noinput", "-v", "0"], tmp_path, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "prod.sqlite3") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "tsunagu_cache" in tables
