"""The docs page in a real browser (Debian chromium via Playwright), with the site's real CSP.

Swagger UI must render the schema without a single CSP violation or request leaving the site.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_under_the_csp_without_leaving_the_site(
    transactional_db: Any, live_server: Any, demo: Any, staff: Callable[[str], Any], page: Any
) -> None:
    client = Client()
    client.force_login(staff("shinjuku-soudan"))
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie, "url": live_server.url}]
    )

    problems: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("request", lambda req: hosts.add(urlsplit(req.url).netloc))

    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector("#operations-アカウント-tsunagu_api_api_me", timeout=15_000)

    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Tsunagu API")
    assert page.locator(".scheme-container .authorize").count() == 1

    # "Try it out" on GET /me uses the session: the answer (highlighted JSON) appears in the page.
    page.locator("#operations-アカウント-tsunagu_api_api_me .opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute", exact=True).click()
    live = page.locator(".live-responses-table .response .response-col_status")
    live.first.wait_for(timeout=15_000)
    assert live.first.inner_text().strip().startswith("200")
    assert "shinjuku-soudan" in page.locator(".live-responses-table .highlight-code").inner_text()
    screenshots = Path(settings.BASE_DIR) / "var" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshots / "api_docs.png"), full_page=True)
    assert problems == []
    assert hosts == {urlsplit(live_server.url).netloc}
