"""取り込み in a real browser: download the template, upload a Shift_JIS CSV with one bad row, read
the report (the error beside the row), upload the fixed file, import, open an imported person.

Screenshots: var/screenshots/imports_*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from .plugin import ConsoleLog

BAD = (
    "氏名,フリガナ,生年月日,電話番号,住所\r\n"
    "取込 一郎,ﾄﾘｺﾐ ｲﾁﾛｳ,昭和50年1月2日,０９０－１２３４－５６７８,東京都新宿区西新宿2-8-1\r\n"
    "取込 二郎,トリコミ ジロウ,令和5年2月30日,,\r\n"
)


def _upload(page: Any, live_server: Any, text: str) -> None:
    page.goto(f"{live_server.url}/imports/")
    page.get_by_label("取り込む内容").select_option("persons")
    page.get_by_label("ファイル").set_input_files(
        {"name": "名簿.csv", "mimeType": "text/csv", "buffer": text.encode("cp932")}
    )
    page.get_by_role("button", name="アップロードして確認する").click()
    page.wait_for_url(re.compile(r"/imports/\d+/$"))


@pytest.mark.browser
def test_import_persons_from_a_shift_jis_csv(
    browser: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog
) -> None:
    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", accept_downloads=True)
    page = ctx.new_page()
    console.listen(page)
    login_in_browser(page, live_server, "shinjuku-center")
    page.goto(f"{live_server.url}/imports/")
    assert page.locator("h1").inner_text() == "スプレッドシートからの取り込み"
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel（xlsx）").first.click()
    assert info.value.suggested_filename == "tsunagu_persons_template.xlsx"
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "imports_list")

    _upload(page, live_server, BAD)
    body = page.locator("main").inner_text()
    assert "1行に誤りがあります" in body
    row = page.locator("tr.import-report__error")
    assert row.count() == 1
    assert "生年月日：存在しない日付です。" in row.inner_text()
    assert "取込 二郎" in row.inner_text()
    assert page.get_by_role("button", name=re.compile("件を取り込む")).count() == 0
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "imports_report_with_error")

    _upload(page, live_server, BAD.replace("令和5年2月30日", "令和5年2月28日"))
    assert "2行すべて取り込めます" in page.locator("main").inner_text()
    save_screenshot(page, "imports_checked")
    page.get_by_role("button", name="2件を取り込む").click()
    page.wait_for_load_state()
    body = page.locator("main").inner_text()
    assert "2件を取り込みました" in body and "取り込み済み" in body
    save_screenshot(page, "imports_done")
    page.get_by_role("link", name="登録した相談者を開く").first.click()
    page.wait_for_url(re.compile(r"/persons/\d+/$"))
    text = page.locator("main").inner_text()
    assert "取込 一郎" in text and "トリコミ イチロウ" in text and "昭和50年1月2日" in text
    save_screenshot(page, "imports_person")
    assert console.csp_violations() == []
    assert console.page_errors == []
    ctx.close()
