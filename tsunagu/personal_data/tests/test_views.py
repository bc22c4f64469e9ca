from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tsunagu.personal_data import retention
from tsunagu.personal_data.models import RetentionRule

from .helpers import set_rules, world_with_takahashi_finished


@pytest.fixture
def world(demo: Any) -> Any:
    return world_with_takahashi_finished()


def test_rules_page_says_nothing_is_deleted_without_a_rule(world: Any, login: Any) -> None:
    client = login("shinjuku-jichitai")
    page = client.get("/personal-data/retention/rules/").content.decode()
    assert "未設定（この種類の記録は廃棄されません）" in page
    response = client.post(
        "/personal-data/retention/rules/",
        {
            "record_type": "case",
            "years": "5",
            "basis": "新宿区文書管理規程 第10条",
            "effective_from": "令和7年4月1日",
        },
    )
    assert response.status_code == 302
    assert RetentionRule.objects.get(municipality=world.shinjuku).years == 5
    assert login("shinjuku-privacy").get("/personal-data/retention/rules/").status_code == 403


def test_review_pages_and_query_budget(world: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    set_rules(world.shinjuku, 5)
    review = retention.create_review(world.agency_s, world.shinjuku, date(2031, 12, 1))
    client = login("shinjuku-privacy")
    with django_assert_max_num_queries(20):
        page = client.get("/personal-data/retention/reviews/").content.decode()
    assert "令和13年12月" in page, page[page.find("<main") :][:3000]
    with django_assert_max_num_queries(25):
        page = client.get(f"/personal-data/retention/reviews/{review.pk}/").content.decode()
    assert "髙橋 一郎" in page and "承認して廃棄を実行する" in page
    assert login("hasuda-privacy").get(f"/personal-data/retention/reviews/{review.pk}/").status_code == 404
    item = review.items.first()
    assert item is not None
    r = client.post(
        f"/personal-data/retention/reviews/{review.pk}/items/{item.pk}/exclude/", {"reason": "訴訟対応中"}
    )
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.excluded and item.exclusion_reason == "訴訟対応中"


def test_request_list_query_budget(world: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    client = login("shinjuku-privacy")
    with django_assert_max_num_queries(20):
        assert client.get("/personal-data/requests/").status_code == 200
    assert client.get("/personal-data/requests/new/?q=髙橋").status_code == 200
