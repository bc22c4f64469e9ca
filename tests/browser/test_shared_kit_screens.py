"""The shared mechanisms as the staff meet them, in a real browser:

- two caseworkers edit one person's 世帯構成 at once: the second save is refused and shows the other
  version beside what was typed (楽観的ロック, ``includes/stale.html``), nothing is overwritten;
- a 主任相談支援員 changes a case's worker from the case page (a button from the workflow table);
- a 事務員 sees the restriction (閲覧制限) fields read-only and gets the one Japanese 403 on the merge
  page, each refusal audited once.

Screenshots: var/screenshots/kit_*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import assert_no_serious_axe_violations, login_in_browser, save_screenshot
from .plugin import ConsoleLog


@pytest.mark.browser
def test_the_shared_kit_on_the_screens(
    browser: Any, live_server: Any, demo: dict[str, int], console: ConsoleLog
) -> None:
    from tsunagu.cases.models import Case
    from tsunagu.core.models import AuditAction, AuditEvent
    from tsunagu.persons.models import Person

    person = Person.objects.get(name="髙橋 一郎")
    case = Case.objects.filter(person=person).order_by("-id").first()
    assert case is not None

    # Two caseworkers open the household page; the first saves, the second is shown both versions.
    ctx_a, ctx_b = (browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo") for _ in range(2))
    a, b = ctx_a.new_page(), ctx_b.new_page()
    for p in (a, b):
        console.listen(p)
    login_in_browser(a, live_server, "shinjuku-soudan")
    login_in_browser(b, live_server, "shinjuku-shunin")
    url = f"{live_server.url}/persons/{person.pk}/household/"
    n = person.household.count()  # the first empty row
    a.goto(url)
    b.goto(url)
    a.locator(f"input[name='household-{n}-name']").fill("髙橋 花子")
    a.locator(f"input[name='household-{n}-relationship']").fill("妻")
    a.get_by_role("button", name="保存する").click()
    a.wait_for_load_state()
    b.locator(f"input[name='household-{n}-name']").fill("髙橋 次郎")
    b.locator(f"input[name='household-{n}-relationship']").fill("長男")
    b.get_by_role("button", name="保存する").click()
    b.wait_for_load_state()
    body = b.locator("main").inner_text()
    assert "他の職員が保存した最新の内容" in body
    assert "髙橋 花子" in body  # their version
    assert b.locator(f"input[name='household-{n}-name']").input_value() == "髙橋 次郎"  # what was typed stays
    names = set(person.household.values_list("name", flat=True))
    assert "髙橋 花子" in names and "髙橋 次郎" not in names
    assert_no_serious_axe_violations(b)
    save_screenshot(b, "kit_household_stale")

    # The chief changes the case's worker from the case page.
    b.goto(f"{live_server.url}/cases/{case.pk}/")
    assign = b.locator(f"form[action='/cases/{case.pk}/assign/']")
    assert assign.count() == 1
    assign.locator("select").select_option(label="鈴木 大輔")
    assign.get_by_role("button").click()
    b.wait_for_load_state()
    case.refresh_from_db()
    assert case.assigned_worker.username == "shinjuku-shuro"  # type: ignore[union-attr]
    save_screenshot(b, "kit_case_assigned")
    ctx_a.close()
    ctx_b.close()

    # A clerk: restriction fields read-only; the merge page is refused with the one 403, audited.
    ctx = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    c = ctx.new_page()
    console.listen(c)
    login_in_browser(c, live_server, "shinjuku-jimu")
    c.goto(f"{live_server.url}/persons/{person.pk}/edit/")
    assert c.locator("input[name='is_restricted']").is_disabled()
    save_screenshot(c, "kit_clerk_person_edit")
    before = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count()
    response = c.goto(f"{live_server.url}/persons/{person.pk}/merge/")
    assert response is not None and response.status == 403
    assert "この操作を行う権限がありません。" in c.locator("main").inner_text()
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == before + 1
    save_screenshot(c, "kit_clerk_403")
    ctx.close()
    assert console.csp_violations() == []
