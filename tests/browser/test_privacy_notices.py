"""規程の版 in a real browser: the 個人情報管理責任者 writes a new version adding a purpose, reviews it
(the diff, the purposes that widen, the number of persons whose consent will need renewal) and
publishes it; the caseworker then sees 「同意の再取得が必要」 on the case and records the renewed consent.

Screenshots: var/screenshots/privacy_notice_*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from .plugin import ConsoleLog


@pytest.mark.browser
def test_a_widening_version_is_published_and_the_consent_renewed(
    browser: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog
) -> None:
    from django.utils import timezone

    from tsunagu.cases.tests.helpers import consent_values, open_case
    from tsunagu.core.dates import wareki
    from tsunagu.organizations.models import User
    from tsunagu.privacy.models import Purpose
    from tsunagu.privacy.services import privacy_notice_publish

    officer = User.objects.get(username="shinjuku-privacy")
    worker = User.objects.get(username="shinjuku-soudan")
    # 第2版 without the research purpose is in force; a person consented on it.
    privacy_notice_publish(
        actor=None,
        agency=officer.agency,
        body="当センターは、ご相談いただいた方の個人情報を適切に取り扱います。",
        purposes=[p for p in Purpose.values if p != Purpose.RESEARCH],
        effective_from=timezone.localdate(),
    )
    case = open_case(
        worker,
        consent=consent_values(),
        assigned_worker=worker,
        person_kw={"name": "再同意 花子", "kana": "サイドウイ ハナコ", "gender": "female"},
    )

    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = ctx.new_page()
    console.listen(page)
    page.on("dialog", lambda dialog: dialog.accept())
    login_in_browser(page, live_server, "shinjuku-privacy")

    page.get_by_role("navigation").get_by_role("link", name="規程").click()
    page.wait_for_url(f"{live_server.url}/privacy/notices/")
    assert "第2版" in page.inner_text("main") and "令和" in page.inner_text("main")
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "privacy_notice_list")

    page.get_by_role("link", name="新しい版を作成").click()
    page.get_by_label(Purpose.RESEARCH.label).check()
    page.get_by_label("開示・訂正・苦情の窓口").fill(
        "個人情報の取扱いに関するお問い合わせ・開示・訂正の請求・苦情は、個人情報管理責任者（電話 03-0000-0000）が受け付けます。"
    )
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "privacy_notice_form")
    page.get_by_role("button", name="下書きを保存").click()
    page.wait_for_url(re.compile(r"/privacy/notices/\d+/$"))

    main = page.inner_text("main")
    assert "第2版との違い" in main and "変更あり" in main
    assert Purpose.RESEARCH.label in main
    assert "同意の再取得が必要になる方：1人" in main
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "privacy_notice_review")

    page.get_by_role("button", name="公開する").click()
    page.wait_for_url(re.compile(r"/privacy/notices/\d+/$"))
    main = page.inner_text("main")
    assert "第3版として公開しました" in main and "同意の再取得が必要な方" in main and "再同意 花子" in main
    assert "この版をもとに新しい版を作成" in main
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "privacy_notice_published")
    ctx.close()

    # The caseworker: the case page says so, the consent form names the version explained.
    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = ctx.new_page()
    console.listen(page)
    login_in_browser(page, live_server, "shinjuku-soudan")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert "同意の再取得が必要" in page.inner_text("main")
    save_screenshot(page, "privacy_notice_case_page")
    page.get_by_role("link", name="同意を記録する").first.click()
    page.wait_for_url(f"{live_server.url}/persons/{case.person_id}/consents/new/")
    assert "第3版" in page.inner_text("main")
    for label, _code in [(p.label, p.value) for p in Purpose]:
        page.get_by_label(label).check()
    page.get_by_label("同意日").fill(wareki(timezone.localdate()))
    page.get_by_label("取得方法").select_option("signature")
    save_screenshot(page, "privacy_notice_consent_form")
    page.get_by_role("button", name="同意を記録する").click()
    page.wait_for_url(f"{live_server.url}/persons/{case.person_id}/")
    main = page.inner_text("main")
    assert "同意を記録しました" in main and "同意の再取得が必要" not in main
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert "同意の再取得が必要" not in page.inner_text("main")
    save_screenshot(page, "privacy_notice_case_renewed")
    assert console.csp_violations() == []
    assert console.page_errors == []
    ctx.close()
