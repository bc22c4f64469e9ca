"""The OpenAPI schema and the docs page: behind authentication, served locally under our CSP."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.test import Client

SCHEMA_URL = "/api/v1/openapi.json"
DOCS_URL = "/api/v1/docs"


def test_schema_is_json_and_lists_me(login: Callable[[str], Client]) -> None:
    response = login("shinjuku-soudan").get(SCHEMA_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Tsunagu API"
    assert "/api/v1/me" in schema["paths"]
    security = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= security["BearerTokenAuth"].items()


def test_schema_with_bearer_token(issue_token: Callable[..., str], bearer: Callable[[str], Client]) -> None:
    response = bearer(issue_token("hasuda-jichitai")).get(SCHEMA_URL)

    assert response.status_code == 200
    assert "/api/v1/me" in response.json()["paths"]


def test_schema_needs_authentication(demo: Any) -> None:
    response = Client().get(SCHEMA_URL)

    assert response.status_code == 401
    assert response.json()["detail"].startswith("認証が必要です")


def test_docs_page_sends_anonymous_browsers_to_login(demo: Any) -> None:
    response = Client().get(DOCS_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/v1/docs")


def test_docs_page_uses_only_local_assets_and_nonced_scripts(login: Callable[[str], Client]) -> None:
    response = login("shinjuku-kansa").get(DOCS_URL)

    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce, csp
    assert "style-src 'self'" in csp  # no per-page relaxation

    srcs = re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]*)"', html)
    assert srcs, html
    assert all(src.startswith("/static/") for src in srcs), srcs
    assert "http://" not in html and "https://" not in html and "//cdn" not in html

    scripts = re.findall(r"<script\b[^>]*>", html)
    assert len(scripts) == 3
    assert all(f'nonce="{nonce.group(1)}"' in tag for tag in scripts), scripts
    # Inline content is only inert JSON; executable code comes from /static/ files.
    inline = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert [attrs for attrs, body in inline if body.strip()] == [
        next(attrs for attrs, _ in inline if 'type="application/json"' in attrs)
    ]
    assert '"validatorUrl": null' in html
    assert 'data-api-csrf="true"' in html


def test_docs_page_static_assets_are_served(login: Callable[[str], Client]) -> None:
    client = login("hasuda-soudan")
    for path in (
        "/static/ninja/swagger-ui.css",
        "/static/ninja/swagger-ui-bundle.js",
        "/static/ninja/swagger-ui-init.js",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()
