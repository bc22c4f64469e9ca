"""Screens, files, drill-down, 年度 runs and the API of the statistics (hand-built data set)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.organizations.models import Municipality, Prefecture, User
from tsunagu.organizations.roles import Role
from tsunagu.statistics.exports import survey_columns
from tsunagu.statistics.models import RunStatus, StatisticsRun

from .handbuilt import World, build

SHINJUKU = "131041"


@pytest.fixture
def world(demo: Any) -> World:
    return build()


def code(world: World) -> str:
    return world.shinjuku.code


def test_monthly_screen_shows_the_survey_in_column_order(world: World, login: Any) -> None:
    client = login("shinjuku-center")
    r = client.get("/statistics/", {"area": f"m:{code(world)}", "period": "FY2025"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "令和7年度" in html
    table = html[html.index("支援状況調査（自治体別集計表の列順）") :]
    headers = [f'<th scope="row">{c.header}</th>' for c in survey_columns() if not c.per_100k]
    positions = [table.index(h) for h in headers]
    assert positions == sorted(positions)
    assert "受付時の「相談したいこと」の数ごとの経過と成果" in html
    assert "就労・増収率" in html
    # A drill-down link for the 3 plans of FY2025
    assert "code=plans_created" in html


def test_monthly_screen_query_budget_is_flat(world: World, login: Any) -> None:
    client = login("shinjuku-center")
    with CaptureQueriesContext(connection) as first:
        client.get("/statistics/", {"area": f"m:{code(world)}", "period": "FY2025"})
    from .handbuilt import Builder

    b = Builder()
    b.seq = 960
    for i in range(4):
        case = b.case(world.cases["C2"].person, world.shinjuku, world.cases["C2"].opened_on, topics=i + 1)
        b.plan(case, world.cases["C4"].opened_on)
    with CaptureQueriesContext(connection) as second:
        client.get("/statistics/", {"area": f"m:{code(world)}", "period": "FY2025"})
    assert len(second) == len(first)
    assert len(first) <= 60  # 22 indicators + 5 distributions + labels, area and session lookups


def test_bad_input_gets_a_clear_answer(world: World, login: Any) -> None:
    client = login("shinjuku-center")
    future = client.get("/statistics/", {"area": f"m:{code(world)}", "period": "2031-04"})
    assert future.status_code == 200
    assert "未来の期間のため集計できません" in future.content.decode()
    garbage = client.get("/statistics/", {"area": f"m:{code(world)}", "period": "令和7年"})
    assert garbage.status_code == 200
    assert "読み取れません" in garbage.content.decode()
    before = client.get("/statistics/", {"area": f"m:{code(world)}", "period": "2014-05"})
    assert "制度の施行" in before.content.decode()
    empty = client.get("/statistics/", {"area": f"m:{code(world)}", "period": "FY2016"})
    assert "この期間に記録されたデータはありません" in empty.content.decode()
    # Another centre's municipality, and one that does not exist: both 404.
    assert client.get("/statistics/", {"area": f"m:{world.hasuda.code}"}).status_code == 404
    assert client.get("/statistics/", {"area": "m:999999"}).status_code == 404
    refused = client.get("/statistics/survey.csv", {"area": f"m:{code(world)}", "period": "2031-04"})
    assert refused.status_code == 400


def test_roles_without_statistics_are_refused(world: World, login: Any) -> None:
    assert login("shinjuku-soudan").get("/statistics/").status_code == 403
    assert login("shinjuku-shunin").get("/statistics/").status_code == 200


def test_csv_has_bom_and_the_survey_columns(world: World, login: Any) -> None:
    client = login("shinjuku-center")
    r = client.get("/statistics/survey.csv", {"area": f"m:{code(world)}", "period": "FY2025"})
    assert r.status_code == 200
    body = r.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, data = rows[1], rows[2]
    assert len(header) == 3 + 18
    assert header[3] == "新規相談受付件数" and header[5] == "プラン作成件数"
    assert header[4].startswith("新規相談受付件数（人口10万人あたり")
    assert header[-1] == "増収者数（うち就労支援対象プラン作成者分）"
    assert data[1] == code(world)
    assert data[3] == "3" and data[5] == "3" and data[7] == "3"  # new, plans, targets
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, object_type="statistics_survey").count() == 1


def test_xlsx_matches_the_screen(world: World, login: Any) -> None:
    client = login("shinjuku-center")
    r = client.get("/statistics/survey.xlsx", {"area": f"m:{code(world)}", "period": "2025-04"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    header = [c.value for c in ws[2]]
    data = [c.value for c in ws[3]]
    assert header[3] == "新規相談受付件数"
    row = dict(zip(header, data, strict=True))
    assert row["新規相談受付件数"] == 2
    assert row["プラン作成件数"] == 2
    assert row["住居確保給付金"] == 1
    assert row["一時生活支援"] == 1


def test_drilldown_lists_the_cases_and_audits_each(world: World, login: Any) -> None:
    client = login("shinjuku-shunin")
    r = client.get(
        "/statistics/cases/", {"area": f"m:{code(world)}", "period": "FY2025", "code": "plans_created"}
    )
    assert r.status_code == 200
    html = r.content.decode()
    c = world.cases
    for key in ("C1", "C2", "C4"):
        assert c[key].case_number in html
    assert c["C3"].case_number not in html
    audited = set(
        AuditEvent.objects.filter(action=AuditAction.VIEW, details__via="statistics_drilldown").values_list(
            "object_id", flat=True
        )
    )
    assert audited == {str(c[k].pk) for k in ("C1", "C2", "C4")}
    # Distribution and complexity drill-downs
    r = client.get(
        "/statistics/cases/",
        {"area": f"m:{code(world)}", "period": "FY2025", "code": "complexity", "group": "6+"},
    )
    assert c["C3"].case_number in r.content.decode()


def test_drilldown_is_refused_without_the_permission_or_scope(world: World, login: Any) -> None:
    params = {"area": f"m:{code(world)}", "period": "FY2025", "code": "plans_created"}
    # 自治体担当者 sees the figures but may not open the cases (statistics.drilldown).
    officer = login("shinjuku-jichitai")
    assert officer.get("/statistics/", {"area": f"m:{code(world)}", "period": "FY2025"}).status_code == 200
    assert officer.get("/statistics/cases/", params).status_code == 404
    # 蓮田市's 主任 may not look at 新宿区 at all.
    assert login("hasuda-shunin").get("/statistics/cases/", params).status_code == 404
    assert (
        login("shinjuku-shunin").get("/statistics/cases/", params | {"code": "nonsense"}).status_code == 404
    )


def test_fiscal_year_run_in_background_with_progress(
    world: World, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    tokyo = Prefecture.objects.get(pk=world.shinjuku.prefecture_id)
    office = Municipality.objects.create(
        code="130001", name="東京都（町村部）", prefecture=tokyo, population=50_000, slug="tokyo-pref"
    )
    officer = User.objects.create_user(username="tokyo-pref", municipality=office, password="x" * 20)
    officer.roles.create(role=Role.MUNICIPAL_OFFICER)
    from allauth.mfa.totp.internal.auth import TOTP
    from django.test import Client

    TOTP.activate(officer, "JBSWY3DPEHPK3PXP")

    client = Client()
    client.force_login(officer)
    page = client.get("/statistics/runs/")
    assert f"p:{tokyo.code}" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/statistics/runs/", {"area": f"p:{tokyo.code}", "fiscal_year": "2025"})
    assert r.status_code == 302
    run = StatisticsRun.objects.get()
    assert run.status == RunStatus.DONE
    assert (run.progress_done, run.progress_total) == (3, 3)  # 東京都（町村部）, 新宿区, then the total
    rows = {row["code"]: row for row in run.result["rows"]}
    assert rows[code(world)]["values"]["plans_created"] == 3
    assert rows["130001"]["values"]["plans_created"] == 0
    assert run.result["total"]["values"]["new_consultations"] == 3
    detail = client.get(f"/statistics/runs/{run.pk}/", headers={"HX-Request": "true"})
    assert "<progress" in detail.content.decode() and "<html" not in detail.content.decode()
    xlsx = client.get(f"/statistics/runs/{run.pk}/export.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws is not None and ws.cell(row=5, column=1).value.endswith("（合計）")
    # A prefecture's officer sees figures, never the cases behind them.
    assert (
        client.get("/statistics/cases/", {"area": f"p:{tokyo.code}", "code": "plans_created"}).status_code
        == 404
    )
    # Someone else's run is 404.
    assert login("shinjuku-center").get(f"/statistics/runs/{run.pk}/").status_code == 404


def test_run_refuses_a_future_year(world: World, login: Any) -> None:
    client = login("shinjuku-center")
    r = client.post("/statistics/runs/", {"area": "agency", "fiscal_year": "2040"})
    assert r.status_code == 200
    assert "年度は2015年度から" in r.content.decode()
    assert not StatisticsRun.objects.exists()


def test_api_monthly(world: World, login: Any) -> None:
    client = login("shinjuku-center")
    r = client.get("/api/v1/statistics/monthly", {"municipality": code(world), "month": "2025-04"})
    assert r.status_code == 200
    body = r.json()
    assert body["municipality"] == code(world) and body["month"] == "2025-04"
    got = {i["code"]: i for i in body["indicators"]}
    assert set(got["plans_created"]) >= {"code", "name_ja", "value", "per_100k"}
    assert got["plans_created"]["value"] == 2 and got["plans_created"]["name_ja"] == "プラン作成件数"
    assert got["new_consultations"]["per_100k"] is not None
    future = client.get("/api/v1/statistics/monthly", {"municipality": code(world), "month": "2031-01"})
    assert future.status_code == 200 and future.json()["indicators"] == [] and future.json()["note"]
    bad = client.get("/api/v1/statistics/monthly", {"municipality": code(world), "month": "2025/04"})
    assert bad.status_code == 422 and "month" in bad.json()["errors"]
    other = client.get("/api/v1/statistics/monthly", {"municipality": world.hasuda.code, "month": "2025-04"})
    assert other.status_code == 404
    missing = client.get("/api/v1/statistics/monthly", {"municipality": "999999", "month": "2025-04"})
    assert missing.status_code == 404 and missing.json()["detail"] == other.json()["detail"]
    assert (
        login("shinjuku-soudan")
        .get("/api/v1/statistics/monthly", {"municipality": code(world), "month": "2025-04"})
        .status_code
        == 403
    )


def test_run_can_be_repeated_on_the_same_area(
    world: World, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login("shinjuku-center")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/statistics/runs/", {"area": f"m:{code(world)}", "fiscal_year": "2025"})
    run = StatisticsRun.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/statistics/runs/{run.pk}/retry/").status_code == 302
    again = StatisticsRun.objects.exclude(pk=run.pk).get()
    assert again.area_agency_id == run.area_agency_id and again.result == run.result
    assert login("hasuda-center").post(f"/statistics/runs/{run.pk}/retry/").status_code == 404
