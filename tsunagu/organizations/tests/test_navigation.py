"""The menu offers each role exactly the pages it may open: every link shown opens (200), every
page left out refuses (403/404). One table (``context_processors.NAVIGATION``) decides."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import resolve, reverse

from tsunagu.demo.data import DEMO_SITE_ADMIN_USERNAME, DEMO_STAFF, MUNICIPALITIES
from tsunagu.organizations.context_processors import NAVIGATION

USERS = [f"{m['slug']}-{s.suffix}" for m in MUNICIPALITIES for s in DEMO_STAFF] + [DEMO_SITE_ADMIN_USERNAME]


def test_the_menu_asks_for_what_the_view_itself_requires() -> None:
    for label, name, perms in NAVIGATION:
        required = getattr(resolve(reverse(name)).func, "required_permissions", None)
        if required is not None:
            assert set(perms) == set(required), label


@pytest.mark.parametrize("username", USERS)
def test_every_menu_link_opens_and_every_page_left_out_is_refused(login: Any, username: str) -> None:
    client = login(username)
    response = client.get("/", follow=True)  # the システム管理者 has no dashboard: "/" is its 初期設定
    assert response.status_code == 200
    shown = {item["url"] for item in response.context["nav_items"]}
    assert shown, "every role has a menu"
    html = response.content.decode()
    for label, name, _perms in NAVIGATION:
        url = reverse(name)
        page = client.get(url)
        status = page.status_code
        if url in shown:
            assert f'href="{url}"' in html
            assert status == 200, f"{username}: 「{label}」 is in the menu but answers {status}"
        else:
            # The システム管理者's dashboard is its 初期設定 (dashboard.views sends it there).
            to_setup = status == 302 and page["Location"] == reverse("setup:home") and url == "/"
            assert status in (403, 404) or to_setup, (
                f"{username}: 「{label}」 opens ({status}) but is not in the menu"
            )


def test_the_privacy_officer_sees_the_audit_log_and_no_case_work(login: Any) -> None:
    response = login("shinjuku-privacy").get("/")
    labels = [item["label"] for item in response.context["nav_items"]]
    assert "監査ログ" in labels
    assert "ケース一覧" in labels
    assert "相談受付" not in labels
    assert "支援決定" not in labels


@pytest.mark.parametrize("username", ["shinjuku-privacy", "shinjuku-kansa", "shinjuku-jimu"])
def test_pages_offer_no_button_the_role_would_be_refused(login: Any, username: str) -> None:
    """The case list and the person page show a write button only to a role that may use it."""
    from tsunagu.persons.models import Person

    client = login(username)
    user = client.get("/").context["user"]
    pages = ["/cases/"] + [f"/persons/{p.pk}/" for p in Person.objects.filter(agency=user.agency)[:2]]
    for page in pages:
        response = client.get(page)
        if response.status_code != 200:
            continue
        html = response.content.decode()
        for href in re.findall(r'href="(/[^"#]*)"', html):
            href = href.replace("&amp;", "&")
            if href.startswith(("/static/", "/accounts/")):
                continue
            status = client.get(href).status_code
            assert status != 403, f"{username}: {page} offers {href}, which refuses ({status})"
