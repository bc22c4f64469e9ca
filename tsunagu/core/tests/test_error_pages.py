"""Error pages speak Japanese and keep their status codes."""

from __future__ import annotations

from typing import Any

from django.test import Client


def test_404_is_japanese_while_logged_in(login: Any) -> None:
    response = login("shinjuku-soudan").get("/no-such-page/at-all/")
    assert response.status_code == 404
    text = response.content.decode()
    assert '<html lang="ja">' in text
    assert "お探しの情報は見つかりませんでした" in text
    assert "Not Found" not in text


def test_404_for_an_anonymous_user_is_japanese_too(db: Any) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "お探しの情報は見つかりませんでした" in response.content.decode()


def test_403_is_japanese(login: Any) -> None:
    response = login("shinjuku-soudan").get("/privacy/audit/")
    assert response.status_code == 403
    text = response.content.decode()
    assert "権限" in text
    assert "Forbidden" not in text


def test_csrf_failure_is_a_japanese_403(login: Any, staff: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff("shinjuku-soudan"))
    response = client.post("/settings/date-style/", {"style": "seireki"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "送信を受け付けられませんでした" in text
    assert "CSRF verification failed" not in text
    assert "Forbidden" not in text
    assert client.session.get("date_style") is None


def test_csrf_failure_on_the_login_form(db: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "shinjuku-soudan", "password": "x"})
    assert response.status_code == 403
    assert "送信を受け付けられませんでした" in response.content.decode()


def test_a_post_with_the_token_passes(login: Any, staff: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff("shinjuku-soudan"))
    client.get("/")
    token = client.cookies["tsunagu_csrftoken"].value
    response = client.post("/settings/date-style/", {"style": "seireki", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.session["date_style"] == "seireki"
