"""The 区分マスタ screens: who reaches them, scope (404), add/retire/delete through the pages."""

from __future__ import annotations

from typing import Any

import pytest

from tsunagu.core.models import CodeItem, CodeList
from tsunagu.organizations.models import Municipality

pytestmark = pytest.mark.django_db


def _url(muni: Municipality, list_key: str = CodeList.REFERRAL_ROUTE) -> str:
    return f"/masters/codes/{muni.pk}/{list_key}/"


def test_director_adds_retires_and_deletes(login: Any, django_assert_max_num_queries: Any) -> None:
    shinjuku = Municipality.objects.get(code="131041")
    client = login("shinjuku-center")
    assert "新宿区" in client.get("/masters/codes/").content.decode()
    with django_assert_max_num_queries(25):
        page = client.get(_url(shinjuku))
    assert page.status_code == 200
    text = page.content.decode()
    assert "使用件数" in text and "標準" in text
    response = client.post(
        _url(shinjuku), {"label": "区の独自窓口から", "sort_order": "", "counted_as": "other"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    own = CodeItem.objects.get(municipality_id=shinjuku.pk, label="区の独自窓口から")
    assert "区の独自窓口から" in client.get(_url(shinjuku)).content.decode()
    # Without the standard code it is counted as, the input is shown again with the message.
    again = client.post(_url(shinjuku), {"label": "数え方なし", "sort_order": "5"})
    assert again.status_code == 200
    assert "統計で数える標準の項目を選んでください" in again.content.decode()
    assert 'value="数え方なし"' in again.content.decode()
    client.post(f"{_url(shinjuku)}{own.code}/retire/", {"version": own.version})
    own.refresh_from_db()
    assert not own.is_active
    client.post(f"{_url(shinjuku)}{own.code}/delete/", {"version": own.version})
    assert not CodeItem.objects.filter(pk=own.pk).exists()


def test_edit_page_shows_history(login: Any) -> None:
    shinjuku = Municipality.objects.get(code="131041")
    client = login("shinjuku-center")
    code = CodeItem.objects.filter(list_key=CodeList.REFERRAL_ROUTE, municipality_id=None).first()
    assert code is not None
    url = f"{_url(shinjuku)}{code.code}/"
    response = client.post(url, {"version": 0, "label": "新しい表示名", "sort_order": 5})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "変更履歴" in page and "新しい表示名" in page and code.label in page
    # A stale version is refused and what was typed stays.
    stale = client.post(url, {"version": 0, "label": "別の名前", "sort_order": 5})
    assert stale.status_code == 200 and "別の名前" in stale.content.decode()


def test_scope_and_permission(login: Any) -> None:
    shinjuku = Municipality.objects.get(code="131041")
    hasuda = Municipality.objects.get(code="112381")
    assert login("hasuda-center").get(_url(shinjuku)).status_code == 404
    assert login("hasuda-jichitai").get(_url(shinjuku)).status_code == 404
    assert login("hasuda-jichitai").get(_url(hasuda)).status_code == 200
    assert login("shinjuku-center").get(f"/masters/codes/{shinjuku.pk}/no_such_list/").status_code == 404
    assert login("shinjuku-soudan").get("/masters/codes/").status_code == 403
    assert login("shinjuku-center").post(f"{_url(shinjuku)}x/explode/", {"version": 0}).status_code == 404
