"""保存期間と本人開示 in a real browser: the 個人情報管理責任者 records a 本人開示請求 and downloads the
PDF; creates this month's retention review, excludes nothing and approves it.

Screenshots: var/screenshots/personal_data_*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from .plugin import ConsoleLog


@pytest.mark.browser
def test_privacy_officer_subject_access_and_retention(
    browser: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog
) -> None:
    from tsunagu.personal_data.models import RetentionReview, ReviewStatus
    from tsunagu.personal_data.tests.helpers import set_rules, world_with_takahashi_finished
    from tsunagu.persons.models import Person

    w = world_with_takahashi_finished()
    set_rules(w.shinjuku, 1)

    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", accept_downloads=True)
    page = ctx.new_page()
    console.listen(page)
    login_in_browser(page, live_server, "shinjuku-privacy")

    # 本人開示請求: find the person, record the request, download the PDF.
    page.goto(f"{live_server.url}/personal-data/")
    page.get_by_role("link", name="本人開示請求").click()
    page.get_by_role("link", name="開示請求を受け付ける").click()
    page.get_by_label("相談者の氏名またはフリガナ").fill("髙橋")
    page.get_by_role("button", name="探す").click()
    page.get_by_role("link", name=re.compile("髙橋 一郎")).click()
    page.get_by_label("請求日").fill("令和8年12月1日")
    page.get_by_label("本人確認の方法").fill("運転免許証を窓口で確認")
    save_screenshot(page, "personal_data_request_new")
    page.get_by_role("button", name="請求を記録する").click()
    page.wait_for_url(re.compile(r"/personal-data/requests/\d+/$"))
    assert "令和8年12月15日" in page.inner_text("main")  # 回答期限: 請求日 + 14日
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "personal_data_request_detail")
    with page.expect_download() as info:
        page.get_by_role("button", name="PDFを作成する").click()
    assert info.value.suggested_filename.endswith(".pdf")

    # 保存期間: this month's review, then approve.
    page.goto(f"{live_server.url}/personal-data/retention/reviews/")
    page.get_by_role("button", name="今月の一覧を今すぐ作成する").click()
    page.locator("table a").first.click()
    assert "髙橋 一郎" in page.inner_text("main")
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "personal_data_review_detail")
    page.get_by_role("button", name="承認して廃棄を実行する").click()
    page.wait_for_load_state()
    review = RetentionReview.objects.get(agency=w.agency_s, municipality=w.shinjuku)
    for _ in range(50):
        review.refresh_from_db()
        if review.status in {ReviewStatus.DONE, ReviewStatus.FAILED}:
            break
        page.wait_for_timeout(200)
    assert review.status == ReviewStatus.DONE, review.error
    page.reload()
    assert "匿名化済み" in page.inner_text("main")
    save_screenshot(page, "personal_data_review_done")
    assert Person.objects.get(pk=w.cases["C1"].person_id).name == "（廃棄済み）"
    assert console.csp_violations() == []
    assert console.page_errors == []
    ctx.close()
