"""Logging in as a person would: password, then TOTP, in Debian's chromium with the real CSP in force."""

from __future__ import annotations

import re
from typing import Any

from .helpers import (
    assert_no_serious_axe_violations,
    fresh_totp_code,
    login_in_browser,
    save_screenshot,
    submit_password,
    submit_totp,
)
from .plugin import ConsoleLog


def test_login_with_password_and_totp_reaches_dashboard(page: Any, live_server: Any, demo: Any) -> None:
    login_in_browser(page, live_server, "shinjuku-soudan")

    save_screenshot(page, "dashboard")
    main = page.locator("main#main")
    assert main.get_by_role("heading", level=1).inner_text().strip() == "ダッシュボード"
    # The user's Japanese name and agency, from the demo data.
    assert "佐藤 由紀" in main.inner_text()
    assert "新宿区生活支援相談窓口" in page.locator("body").inner_text()
    assert "ダッシュボード" in page.title()


def test_no_serious_axe_violations_on_login_page_and_dashboard(
    page: Any, live_server: Any, demo: Any, capsys: Any
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("input[name=login]").count() == 1
    minor = assert_no_serious_axe_violations(page)
    save_screenshot(page, "login")

    login_in_browser(page, live_server, "hasuda-soudan")
    minor += assert_no_serious_axe_violations(page)

    if minor:  # reported, not failed: only serious/critical impacts fail the test
        with capsys.disabled():
            print("\naxe-core (minor/moderate):", *(f"{v['impact']} {v['id']}" for v in minor))


def test_csp_holds_in_the_browser(page: Any, live_server: Any, demo: Any, console: ConsoleLog) -> None:
    problems: list[str] = []

    page.goto(f"{live_server.url}/accounts/login/")
    page.wait_for_load_state("load")
    csp = page.evaluate("""() => fetch(location.href).then(r => r.headers.get("content-security-policy"))""")
    assert csp and "script-src 'self' 'nonce-" in csp, f"CSP ヘッダーがありません: {csp!r}"
    problems += [f"ログイン画面: {v}" for v in console.csp_violations()]

    seen = len(console.messages)
    login_in_browser(page, live_server, "shinjuku-shunin")
    page.wait_for_load_state("load")
    problems += [
        f"ログイン〜ダッシュボード: {v}" for v in ConsoleLog(console.messages[seen:]).csp_violations()
    ]
    problems += [f"コンソールのエラー: {e}" for e in console.errors() if "Content Security Policy" not in e]
    # htmx is served by the project itself and runs under the nonce policy.
    htmx_type = page.evaluate("typeof htmx")
    if htmx_type != "object":
        problems.append(
            f"htmx が読み込まれていません (typeof htmx = {htmx_type!r}; static/vendor/htmx/htmx.min.js は空?)"
        )
    assert not problems, "CSP の下でブラウザが拒否したもの・エラー:\n" + "\n".join(problems)

    # The policy is really enforced: an inline script without the nonce is refused and never runs.
    seen = len(console.messages)
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__cspInlineRan = true;";
                   document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__cspInlineRan === true") is False
    assert ConsoleLog(console.messages[seen:]).csp_violations(), (
        "インラインスクリプトの拒否が報告されていません"
    )


def test_wrong_totp_code_shows_japanese_error_and_stays_on_code_page(
    page: Any, live_server: Any, demo: Any
) -> None:
    username = "shinjuku-jimu"
    submit_password(page, live_server, username)
    good = fresh_totp_code(username)
    wrong = f"{(int(good) + 1) % 10 ** len(good):0{len(good)}d}"
    submit_totp(page, wrong)

    assert re.search(r"/accounts/2fa/authenticate/", page.url), page.url
    assert page.locator("input[name=code]").count() == 1
    assert "コードが正しくありません" in page.locator("main").inner_text()
    save_screenshot(page, "totp_wrong_code")
    # Still not logged in: the dashboard sends us back to the login (or still pending code) page.
    page.goto(f"{live_server.url}/")
    assert re.search(r"/accounts/(login|2fa/authenticate)/", page.url), page.url
    assert page.locator("input[name=code], input[name=login]").count() >= 1
