"""委託先の変更（引継ぎ） in a real browser, as the 自治体担当者 of 新宿区: new → preview (counts per
record type, 和暦 dates, no technical index) → 引継ぎ先の担当者 for the first old worker → execute
(confirm) → detail with the counts at execution, the workers' result and the 担当者未定 link.

Screenshots: var/screenshots/handovers_*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from .plugin import ConsoleLog


@pytest.mark.browser
def test_officer_plans_previews_and_executes_a_handover(
    browser: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog
) -> None:
    from django.utils import timezone

    from tsunagu.cases.models import Case
    from tsunagu.core.dates import wareki
    from tsunagu.handovers.tests.helpers import new_agency, new_staff, old_agency

    successor = new_agency()
    receiving = new_staff(successor)
    moved = Case.all_cases.filter(agency=old_agency())
    cases = moved.count()
    workers = set(moved.values_list("assigned_worker_id", flat=True))

    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = ctx.new_page()
    console.listen(page)
    login_in_browser(page, live_server, "shinjuku-jichitai")

    page.get_by_role("link", name="委託先の変更").first.click()
    page.get_by_role("link", name="引継ぎを登録").click()
    page.get_by_label("移行元の機関（現在の受託者）").select_option(label=old_agency().name)
    page.get_by_label("移行先の機関（新しい受託者）").select_option(label=successor.name)
    page.get_by_label("引継ぎ日").fill(wareki(timezone.localdate()))
    page.get_by_label("理由").fill("委託契約の期間満了に伴う受託者の変更")
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "handovers_new")
    page.get_by_role("button", name="登録して件数を確認する").click()

    table = page.get_by_role("table", name="記録の種類ごとの件数")
    assert table.get_by_role("row", name=re.compile(r"^ケース ")).inner_text().strip().endswith(f"{cases}件")
    text = page.inner_text("main")
    assert "令和" in text and not re.search(r"\b20\d\d-\d\d-\d\d\b", text)
    assert "カナ検索索引" not in text
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "handovers_preview")

    section = page.get_by_role("region", name="引継ぎ先の担当者")
    selects = section.get_by_role("combobox")
    assert selects.count() == len(workers)
    first_id = selects.first.get_attribute("id")
    selects.first.select_option(label=str(receiving))
    page.get_by_role("button", name="引継ぎ先の担当者を保存する").click()
    assert "引継ぎ先の担当者を保存しました" in page.inner_text("body")
    assert page.locator(f"#{first_id}").input_value() == str(receiving.pk)
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "handovers_workers")

    page.get_by_label("移る件数と移行先を確認しました").check()
    page.get_by_role("button", name="引継ぎを実施する").click()
    assert "引継ぎを実施しました" in page.inner_text("body")
    assert "実施時" in page.get_by_role("table", name="記録の種類ごとの件数").inner_text()
    assert (
        str(receiving) in page.get_by_role("table", name="移行元の担当者ごとのケース（実施時）").inner_text()
    )
    unassigned = Case.objects.filter(agency=successor, assigned_worker__isnull=True).count()
    assert f"いま担当者未定のケース：{unassigned}件" in page.inner_text("main")
    if unassigned:
        assert page.get_by_role("link", name="担当者未定のケース（ケース一覧）").is_visible()
    assert_no_serious_axe_violations(page)
    save_screenshot(page, "handovers_executed")
    assert Case.all_cases.filter(agency=successor).count() == cases
    assert Case.all_cases.filter(agency=successor, assigned_worker=receiving).exists()
    assert console.csp_violations() == []
    assert console.page_errors == []
