"""Authenticated pages and downloads are never kept in a browser or proxy cache."""

from __future__ import annotations

from typing import Any


def test_an_authenticated_page_carries_no_store(login: Any) -> None:
    response = login("shinjuku-soudan").get("/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_an_authenticated_error_page_carries_no_store(login: Any) -> None:
    response = login("shinjuku-soudan").get("/no-such-page/")
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"


def test_a_file_download_carries_no_store(login: Any, staff: Any) -> None:
    municipality = staff("shinjuku-center").agency.municipality
    response = login("shinjuku-center").get(
        "/statistics/survey.csv", {"area": f"m:{municipality.code}", "period": "FY2025"}
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
