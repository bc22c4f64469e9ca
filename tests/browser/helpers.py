"""Helpers for the browser tests: screenshots, logging in with password + TOTP, axe-core checks."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = ROOT / "var" / "screenshots"
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def save_screenshot(page: Page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- Login ------------------------------------------------------------------------------------------

# allauth marks a TOTP code as used (in the cache) for its whole period; remember what we sent so a
# second login of the same user in the same 30 s window waits for the next code instead of failing.
_used_codes: set[tuple[str, int]] = set()


def fresh_totp_code(username: str) -> str:
    from allauth.mfa import app_settings

    from tsunagu.demo.data import demo_totp_code

    period = app_settings.TOTP_PERIOD
    now = time.time()
    # Too close to the end of the period, the server may already be in the next one: wait it out.
    if period - (now % period) < 2:
        time.sleep(period - (now % period) + 0.1)
        now = time.time()
    counter = int(now) // period
    if (username, counter) in _used_codes:
        time.sleep(period - (now % period) + 0.1)
        now = time.time()
        counter = int(now) // period
    _used_codes.add((username, counter))
    return demo_totp_code(username, at=now)


def submit_password(page: Page, live_server: Any, username: str, password: str | None = None) -> None:
    """Open the login page, send username + password, and land on the TOTP code page."""
    from tsunagu.demo.data import DEMO_PASSWORD

    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(password if password is not None else DEMO_PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))


def submit_totp(page: Page, code: str) -> None:
    page.locator("input[name=code]").fill(code)
    page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    page.wait_for_load_state()


def login_in_browser(page: Page, live_server: Any, username: str) -> None:
    """Password, then the demo account's TOTP code; asserts that the dashboard is reached."""
    submit_password(page, live_server, username)
    submit_totp(page, fresh_totp_code(username))
    page.wait_for_url(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/", f"ダッシュボードに到達しませんでした: {page.url}"
    assert page.locator("main#main").count() == 1


# --- Accessibility (axe-core, vendored; used only by tests, never served) ----------------------------

FAILING_IMPACTS = ("serious", "critical")


def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(page: Page) -> list[dict[str, Any]]:
    """Inject axe-core and return its violations.

    `page.evaluate` runs through the DevTools protocol and so is not subject to the page's CSP;
    the page keeps its real policy (no bypass_csp), so the CSP checks stay meaningful.
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
            }));
        }"""
    )


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    要素 {' '.join(map(str, node['target']))}: {node['html'][:200]}")
            for summary_line in (node.get("summary") or "").splitlines():
                lines.append(f"      {summary_line}")
    return "\n".join(lines)


def assert_no_serious_axe_violations(page: Page) -> list[dict[str, Any]]:
    """Fail on serious/critical violations; return the minor/moderate ones for the caller to report."""
    violations = run_axe(page)
    serious = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not serious, (
        f"axe-core: {page.url} に重大なアクセシビリティ違反があります:\n{format_violations(serious)}"
    )
    return [v for v in violations if v["impact"] not in FAILING_IMPACTS]
