"""Real-browser test fixtures (a pytest plugin loaded by the root conftest, so that every browser
test in the project shares ONE Playwright instance and one chromium).

Playwright for Python drives Debian's chromium (never a downloaded browser).

Every test here is marked `browser`, runs against pytest-django's `live_server` (so its database is
transactional and the demo data is loaded inside each test through the `demo` fixture), and leaves a
screenshot of its last page in var/screenshots/<test name>.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.helpers import SCREENSHOT_DIR

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000


def _serve_one_request_at_a_time() -> None:
    """The live server answers requests one after another.

    The SQLite test database is in memory, so the live server's threads share one connection
    (pytest-django's ``connections_override``); a page that loads several database-backed images at
    once (the plan-vs-actual charts) made those threads use it concurrently and fail with
    "bad parameter or other API misuse". A real deployment has a connection per thread. Django's
    single-threaded server closes each connection after its response, so browsers do not stall.
    """
    from typing import Any

    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class SerialWSGIServer(WSGIServer):
        """Not a ThreadingMixIn: requests run in the live server's own thread, which already uses the
        test's connections, and Django answers ``Connection: close`` (no keep-alive to wait on)."""

        def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)

    LiveServerThread.server_class = SerialWSGIServer  # type: ignore[assignment]


_serve_one_request_at_a_time()


def _unavailable(reason: str) -> None:
    """No browser: a failure in CI (nothing may be skipped there), a skip elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"ブラウザテストを実行できません (CI=true): {reason}", pytrace=False)
    pytest.skip(reason)


# --- Browser and page -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls that the fixtures make
    # (loading the demo data, reading users) would otherwise trip Django's async-unsafe check.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not CHROMIUM.exists():
        _unavailable(
            f"{CHROMIUM} がありません (Debian の chromium パッケージを apt-get install chromium で入れてください)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the dev extra installs it
        _unavailable(f"playwright (Python) が入っていません: {exc}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class ConsoleLog:
    """Everything the page said on the console, plus uncaught page errors."""

    messages: list[tuple[str, str, str]] = field(default_factory=list)  # (type, text, page url)
    page_errors: list[str] = field(default_factory=list)

    def listen(self, page: Page) -> None:
        """Collect what another page (a second context or window) says, like the ``page`` fixture's."""
        page.on("console", lambda msg: self.messages.append((msg.type, msg.text, page.url)))
        page.on("pageerror", lambda exc: self.page_errors.append(f"{page.url}: {exc}"))

    def csp_violations(self) -> list[str]:
        return [
            f"[{kind}] {url}: {text}"
            for kind, text, url in self.messages
            if "Content Security Policy" in text or text.startswith("Refused to")
        ]

    def errors(self) -> list[str]:
        return [f"{url}: {text}" for kind, text, url in self.messages if kind == "error"] + self.page_errors


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


def _screenshot_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_") or "test"


@pytest.fixture
def page(browser: Browser, console: ConsoleLog, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh context (no cookies) with the site's real CSP in force; console output is collected."""
    context = browser.new_context(viewport=VIEWPORT, locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def on_console(msg: ConsoleMessage) -> None:
        console.messages.append((msg.type, msg.text, page.url))

    page.on("console", on_console)
    page.on("pageerror", lambda exc: console.page_errors.append(f"{page.url}: {exc}"))
    try:
        yield page
    finally:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(
                path=str(SCREENSHOT_DIR / f"{_screenshot_name(request.node.nodeid)}.png"), full_page=True
            )
        except Exception:  # noqa: S110 - a screenshot is a by-product; never mask the test's own outcome
            pass
        context.close()
