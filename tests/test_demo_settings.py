"""`make demo` runs with DEBUG off, so its users meet the project's Japanese error pages
(templates/errors/) — never Django's English technical pages — and static files still load."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]


def test_make_demo_uses_the_demo_settings_and_they_turn_debug_off() -> None:
    script = (ROOT / "scripts" / "demo.sh").read_text()
    assert "export DJANGO_SETTINGS_MODULE=config.settings.demo" in script
    assert importlib.import_module("config.settings.demo").DEBUG is False


_PROBE = """
import django
from django.conf import settings
django.setup()
from django.test import Client
assert settings.DEBUG is False, settings.DEBUG
c = Client(SERVER_NAME="127.0.0.1")
r = c.get("/no-such-page/at-all/")
text = r.content.decode()
print(r.status_code, "お探しの情報は見つかりませんでした" in text, "Page not found" in text, "Django" in text)
r = c.get("/static/css/app.css")
print(r.status_code)
"""


def test_under_the_demo_settings_a_wrong_address_gets_the_japanese_404_and_static_files_load(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.demo", "TSUNAGU_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["404", "True", "False", "False", "200"]


@pytest.mark.urls("tests.urls_raising")
def test_a_failure_shows_the_japanese_500_page_without_details(login: Any, settings: Any) -> None:
    settings.DEBUG = False
    client: Client = login("shinjuku-soudan")
    client.raise_request_exception = False
    response = client.get("/raising-for-test/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "システムエラーが発生しました（500）" in text
    assert "a failure inside a view" not in text
    assert "Traceback" not in text and "Server Error" not in text
