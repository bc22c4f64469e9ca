"""The agency's whole area (共同実施), 年度 figures in the API, and export cells safe in a spreadsheet."""

from __future__ import annotations

from typing import Any

import pytest

from tsunagu.organizations.models import Agency, Municipality
from tsunagu.statistics.exports import SurveyRow, to_csv, to_xlsx
from tsunagu.statistics.indicators import Area, Period, compute, per_100k
from tsunagu.statistics.tasks import run_municipalities

from .handbuilt import World, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(demo: Any) -> World:
    return build()


def test_agency_area_population_and_per_100k_use_both_municipalities(world: World) -> None:
    hasuda = Municipality.objects.get(code="112381")
    shiraoka = Municipality.objects.get(code="112461")  # 共同実施 (demo data)
    agency = Agency.objects.get(name="蓮田市くらし相談センター")
    area = Area.agency(agency)
    assert area.population == hasuda.population + shiraoka.population
    figures = compute(area, Period.fiscal_year(2025)).by_code()
    value = figures["new_consultations"].value
    assert figures["new_consultations"].per_100k == per_100k(
        value, hasuda.population + shiraoka.population, 12
    )
    assert [m.code for m in run_municipalities(area)] == ["112381", "112461"]


def test_agency_area_keeps_its_own_municipality_when_served_lists_only_the_joint_one(world: World) -> None:
    # The old encoding summed only served_municipalities: an agency listing only its 共同実施
    # municipality there lost its own population (and its own rows in a 年度 run).
    agency = Agency.objects.get(name="蓮田市くらし相談センター")
    hasuda = Municipality.objects.get(code="112381")
    shiraoka = Municipality.objects.get(code="112461")
    agency.served_municipalities.set([shiraoka])
    fresh = Agency.objects.get(pk=agency.pk)
    assert Area.agency(fresh).population == hasuda.population + shiraoka.population
    assert [m.code for m in run_municipalities(Area.agency(fresh))] == ["112381", "112461"]


def test_api_fiscal_year_figures(world: World, login: Any) -> None:
    client = login("shinjuku-center")
    r = client.get(
        "/api/v1/statistics/fiscal-year", {"municipality": world.shinjuku.code, "fiscal_year": "2025"}
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["fiscal_year"] == 2025 and "令和7年度" in body["period_label"]
    month = compute(
        Area.municipality(world.shinjuku, agency=world.agency_s), Period.fiscal_year(2025)
    ).by_code()
    got = {i["code"]: i["value"] for i in body["indicators"]}
    assert got["new_consultations"] == month["new_consultations"].value
    empty = client.get(
        "/api/v1/statistics/fiscal-year", {"municipality": world.shinjuku.code, "fiscal_year": "2016"}
    )
    assert empty.status_code == 200
    assert empty.json()["note"] == "この期間に記録されたデータはありません。"
    assert all(i["value"] == 0 for i in empty.json()["indicators"]) and empty.json()["indicators"]
    other = client.get(
        "/api/v1/statistics/fiscal-year", {"municipality": world.hasuda.code, "fiscal_year": "2025"}
    )
    assert other.status_code == 404
    bad = client.get(
        "/api/v1/statistics/fiscal-year", {"municipality": world.shinjuku.code, "fiscal_year": "FY25"}
    )
    assert bad.status_code == 422


def test_export_cells_are_neutralised() -> None:
    row = SurveyRow(name='=HYPERLINK("x")', code="131041", population=1, values={}, per_100k={})
    csv_text = to_csv("@title", [row]).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'@title" in csv_text
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(to_xlsx("+title", [row], ["-note"]))).active
    assert ws is not None
    values = [c.value for r in ws.iter_rows() for c in r if c.value is not None]
    assert "'+title" in values and '\'=HYPERLINK("x")' in values and "'-note" in values
