"""支援ケース一覧 (様式【4】): the columns through a case's life, the period, the layout per
municipality, the scope, the audit, the files and the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tsunagu.cases import services as case_services
from tsunagu.cases.models import Case, CaseState, CaseTransition, Intake, SupportPlan
from tsunagu.cases.tests.helpers import consent_values, open_case
from tsunagu.cases.tests.process import advance, evaluation_values, goal_values, plan_values
from tsunagu.core.dates import fiscal_year, wareki
from tsunagu.core.models import AuditAction, AuditEvent, ChangeRecord
from tsunagu.meetings import services as meeting_services
from tsunagu.organizations.models import Municipality
from tsunagu.programs import services as program_services
from tsunagu.reports.case_list import STANDARD_KEYS, ListPeriod
from tsunagu.reports.models import CaseListLayout

pytestmark = pytest.mark.django_db

URL = "/reports/case-list/"
API = "/api/v1/case-list-reports"


def today() -> date:
    return timezone.localdate()


def fy_params(**extra: Any) -> dict[str, Any]:
    return {"fiscal_year": fiscal_year(today()), **extra}


def new_case(staff: Callable[[str], Any], worker: str = "shinjuku-soudan", **person: Any) -> Case:
    case = open_case(
        staff(worker),
        consent=consent_values(),
        applied_on=today(),
        person_kw={"name": "一覧 花子", "kana": "イチラン ハナコ", "gender": "female", **person},
    )
    # 申込票B票の仕事・住居 (the intake form writes them; here set directly, only their reading is tested)
    Intake.objects.filter(case=case).update(work_status="unemployed", housing_type="rented")
    return case


def api_rows(client: Client, **params: Any) -> tuple[list[str], list[dict[str, Any]]]:
    response = client.get(API, fy_params(**params))
    assert response.status_code == 200, response.content
    body = response.json()
    headers = [c["header"] for c in body["columns"]]
    return headers, [dict(zip(headers, row, strict=True)) for row in body["rows"]]


def row_of(client: Client, case: Case, **params: Any) -> dict[str, Any]:
    _headers, rows = api_rows(client, **params)
    found = [r for r in rows if r["ケース番号"] == case.case_number]
    assert len(found) == 1
    return found[0]


# --- the columns through a case's life ------------------------------------------------------------


def test_a_case_through_its_whole_life(staff: Callable[[str], Any], api_as: Callable[[str], Client]) -> None:
    client = api_as("shinjuku-center")
    case = new_case(staff, birth_date=date(1980, 5, 12))
    row = row_of(client, case)
    assert row["受付日"] == wareki(case.opened_on)
    assert row["氏名"] == "一覧 花子"
    assert row["性別"] == "女性"
    assert row["年齢（受付日現在）"] == case.opened_on.year - 1980 - (
        (case.opened_on.month, case.opened_on.day) < (5, 12)
    )
    assert row["相談経路"] == "本人自ら"
    assert row["最も困っていること（◎）"] == "収入・生活費のこと"
    assert row["相談したいこと"] == "収入・生活費のこと、仕事探し、就職について"
    assert row["仕事（受付時）"] == "失業・休職中"
    assert row["住居（受付時）"] == "借家"
    assert row["状態"] == "申込"
    assert row["利用申込日"] == wareki(today())
    assert row["初回プランの支援決定日"] == "" and row["利用した事業"] == "" and row["終結日（中断日）"] == ""
    assert row["担当者"] == str(case.assigned_worker)

    actor = staff("shinjuku-soudan")
    advance(case, CaseState.ASSESSMENT)
    advance(case, CaseState.PLANNING)
    case_services.plan_create(
        actor=actor,
        case=case,
        values=plan_values(
            programs=["housing_benefit", "employment_preparation"], employment_support_target=True
        ),
        goals=[goal_values()],
    )
    case_services.case_transition(actor=actor, case=case, name="submit_to_meeting")
    submitted = SupportPlan.objects.get(case=case, status="submitted")
    case_services.plan_meeting_outcome_record(
        actor=staff("shinjuku-shunin"), plan=submitted, outcome="approved"
    )
    meeting_services.decision_record(
        actor=staff("shinjuku-jichitai"), case=case, kind="decision", decided_on=today()
    )
    advance(case, CaseState.IN_SUPPORT)
    plan = SupportPlan.objects.get(case=case, status="decided")
    enrolment = program_services.enrolment_create(
        actor=actor,
        case=case,
        values={
            "plan": plan,
            "program": "employment_preparation",
            "start_on": today(),
            "end_on": today() + timedelta(days=60),
            "provider_name": "NPO法人あすなろ",
        },
    )
    case_services.employment_outcome_record(
        actor=actor,
        case=case,
        values={"kind": "employed", "occurred_on": today(), "employer": "株式会社つなぐ"},
    )
    row = row_of(client, case)
    assert row["状態"] == "支援中（モニタリング）"
    assert row["初回プランの支援決定日"] == wareki(today())
    assert row["プラン版数"] == 1
    assert row["就労支援対象"] == "○"
    assert row["利用した事業"] == "住居確保給付金、就労準備支援事業"
    assert row["就労・増収"] == f"就労（{wareki(today())}）"

    program_services.enrolment_end_with_handback(
        actor=actor, enrolment=enrolment, ended_on=today(), hand_back_kind="general_employment"
    )
    advance(case, CaseState.EVALUATION)
    case_services.evaluation_create(actor=actor, case=case, values=evaluation_values(plan))
    case_services.case_transition(actor=actor, case=case, name="close")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    row = row_of(client, case)
    assert row["状態"] == "終結"
    assert row["終結日（中断日）"] == wareki(case.closed_on)
    assert row["終結理由"] == "目標達成（困窮状態からの脱却）"
    # 西暦 on request
    row = row_of(client, case, era="seireki")
    assert row["受付日"] == f"{today().year}年{today().month}月{today().day}日"


def test_the_period_takes_cases_open_at_any_time_in_it(
    staff: Callable[[str], Any], api_as: Callable[[str], Client]
) -> None:
    client = api_as("shinjuku-center")
    case = new_case(staff)
    fy = fiscal_year(today())
    # Cases received after the period's end are not listed; a case closed before its start is not.
    before = ListPeriod(fy - 1)
    _h, rows = api_rows(client, fiscal_year=before.fiscal_year)
    assert case.case_number not in {r["ケース番号"] for r in rows}
    Case.objects.filter(pk=case.pk).update(
        opened_on=date(fy - 1, 5, 1), closed_on=date(fy - 1, 6, 30), state="closed"
    )
    _h, rows = api_rows(client, fiscal_year=fy - 1, **{"from": 6, "to": 9})
    assert case.case_number in {r["ケース番号"] for r in rows}
    _h, rows = api_rows(client, fiscal_year=fy - 1, **{"from": 7, "to": 3})
    assert case.case_number not in {r["ケース番号"] for r in rows}
    # 取消 never
    Case.objects.filter(pk=case.pk).update(state=CaseState.CANCELLED)
    _h, rows = api_rows(client, fiscal_year=fy - 1, **{"from": 6, "to": 9})
    assert case.case_number not in {r["ケース番号"] for r in rows}


def test_a_case_ended_at_screening_is_listed_in_the_period_it_ended_only(
    staff: Callable[[str], Any], api_as: Callable[[str], Client]
) -> None:
    """No 終結日 is set at スクリーニング: the transition's day ends the case for the list."""
    client = api_as("shinjuku-center")
    case = new_case(staff)
    fy = fiscal_year(today())
    Case.objects.filter(pk=case.pk).update(opened_on=date(fy - 1, 3, 20), state=CaseState.ENDED_AT_SCREENING)
    transition = CaseTransition.objects.create(
        case=case,
        name="end_at_screening",
        from_state=CaseState.INTAKE,
        to_state=CaseState.ENDED_AT_SCREENING,
        actor=staff("shinjuku-soudan"),
    )
    tokyo = ZoneInfo("Asia/Tokyo")
    CaseTransition.objects.filter(pk=transition.pk).update(
        occurred_at=datetime(fy - 1, 3, 25, 10, tzinfo=tokyo)
    )
    numbers = lambda **p: {r["ケース番号"] for r in api_rows(client, **p)[1]}  # noqa: E731
    assert case.case_number in numbers(fiscal_year=fy - 2)  # received and screened out in 3月
    assert case.case_number not in numbers(fiscal_year=fy - 1)  # never again afterwards
    assert case.case_number not in numbers(fiscal_year=fy)
    # screened out after the 年度 turned: listed in both
    CaseTransition.objects.filter(pk=transition.pk).update(
        occurred_at=datetime(fy - 1, 4, 2, 10, tzinfo=tokyo)
    )
    assert case.case_number in numbers(fiscal_year=fy - 2)
    assert case.case_number in numbers(fiscal_year=fy - 1)


def test_a_month_range_out_of_order_is_refused(
    api_as: Callable[[str], Client], login: Callable[[str], Client]
) -> None:
    response = api_as("shinjuku-center").get(API, fy_params(**{"from": 3, "to": 4}))
    assert response.status_code == 422
    assert "終わりの月" in response.json()["errors"]["to"][0]
    page = login("shinjuku-center").get(URL, {"fiscal_year": "20xx"})
    assert page.status_code == 400
    assert "年度は西暦4桁" in page.content.decode()


# --- scope -----------------------------------------------------------------------------------------


def listed_ids(username: str) -> set[int]:
    """The cases the last list request of ``username`` showed (its audit rows: one per case)."""
    return {
        int(e.object_id)
        for e in AuditEvent.objects.filter(
            actor__username=username, action=AuditAction.VIEW, object_type="case", details__list=True
        )
    }


def test_another_agencys_case_is_never_listed(
    staff: Callable[[str], Any], api_as: Callable[[str], Client]
) -> None:
    mine = new_case(staff)
    theirs = new_case(staff, worker="hasuda-soudan", name="蓮田 次郎", kana="ハスダ ジロウ")
    api_rows(api_as("shinjuku-center"))
    ids = listed_ids("shinjuku-center")
    assert mine.pk in ids and theirs.pk not in ids
    assert set(Case.objects.filter(pk__in=ids).values_list("agency_id", flat=True)) == {mine.agency_id}


def test_the_municipal_officer_sees_only_their_municipality(
    staff: Callable[[str], Any], api_as: Callable[[str], Client]
) -> None:
    mine = new_case(staff)
    other = new_case(staff, worker="hasuda-soudan", name="蓮田 次郎", kana="ハスダ ジロウ")
    response = api_as("shinjuku-jichitai").get(API, fy_params())
    assert response.status_code == 200
    ids = listed_ids("shinjuku-jichitai")
    assert mine.pk in ids and other.pk not in ids
    assert set(Case.objects.filter(pk__in=ids).values_list("municipality__code", flat=True)) == {"131041"}
    period = ListPeriod(fiscal_year(today()))
    expected = (
        Case.objects.filter(municipality__code="131041", opened_on__lte=period.end)
        .exclude(closed_on__lt=period.start)
        .count()
    )
    assert response.json()["count"] == expected
    # another municipality by code: 404 (audited)
    assert api_as("shinjuku-jichitai").get(API, fy_params(municipality="112381")).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, object_type="municipality").exists()


def test_who_may_use_it(login: Callable[[str], Client], api_as: Callable[[str], Client]) -> None:
    for username in ("shinjuku-center", "shinjuku-jichitai", "hasuda-center"):
        assert login(username).get(URL).status_code == 200
    for username in ("shinjuku-soudan", "shinjuku-shunin", "shinjuku-kansa", "site-kanri"):
        before = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count()
        assert login(username).get(URL).status_code == 403
        assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == before + 1
    assert api_as("shinjuku-soudan").get(API).status_code == 403
    # the menu offers it only to those who may
    assert "支援ケース一覧" in login("shinjuku-center").get("/").content.decode()
    assert "支援ケース一覧" not in login("shinjuku-soudan").get("/").content.decode()


def test_joint_area_municipality_filter(login: Callable[[str], Client]) -> None:
    client = login("hasuda-center")
    assert client.get(URL, {"municipality": "112461"}).status_code == 200  # 白岡市 (共同実施)
    assert client.get(URL, {"municipality": "131041"}).status_code == 404  # 新宿区: not its area


# --- screen, files, audit, query budget --------------------------------------------------------------


def test_screen_and_files(staff: Callable[[str], Any], login: Callable[[str], Client]) -> None:
    case = new_case(staff, name="=HYPERLINK(1)", kana="イコール")
    client = login("shinjuku-center")
    page = client.get(URL, fy_params())
    html = page.content.decode()
    assert page.status_code == 200
    assert "初回プランの支援決定日" in html and case.case_number in html
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="case", object_id=str(case.pk), details__via="case_list_report"
    ).exists()

    before = AuditEvent.objects.filter(action=AuditAction.EXPORT).count()
    response = client.get("/reports/case-list.xlsx", fy_params())
    assert response.status_code == 200
    assert "filename*=UTF-8''%E6%94%AF%E6%8F%B4" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.active
    assert ws is not None
    assert str(ws["A1"].value).startswith("支援ケース一覧")
    assert "新宿区生活支援相談窓口" in str(ws["A1"].value)
    assert [c.value for c in ws[2]][:3] == ["No.", "ケース番号", "受付日"]
    assert ws["A2"].font.bold and ws.freeze_panes == "A3"
    names = [r[3] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert "'=HYPERLINK(1)" in names
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("-id")
    assert events.count() == before + 1
    event = events.first()
    assert event is not None and event.object_type == "case_list_report"
    assert event.details["count"] == ws.max_row - 2
    assert event.details["period"] == f"FY{fiscal_year(today())}"

    response = client.get("/reports/case-list.csv", fy_params())
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[1][:2] == ["No.", "ケース番号"]
    assert any(line[3] == "'=HYPERLINK(1)" for line in lines[2:])
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == before + 2


@pytest.mark.parametrize("n", [3, 30])
def test_the_query_budget_does_not_grow_with_the_cases(
    n: int,
    staff: Callable[[str], Any],
    login: Callable[[str], Client],
    api_as: Callable[[str], Client],
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(n):
        new_case(staff, name=f"件数 {i}", kana=f"ケンスウ{'ア' * (i % 5 + 1)}")
    client = login("shinjuku-center")
    client.get(URL, fy_params())  # warm the session
    with django_assert_max_num_queries(20):
        assert client.get(URL, fy_params()).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/reports/case-list.xlsx", fy_params()).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/reports/case-list.csv", fy_params()).status_code == 200
    api = api_as("shinjuku-center")
    api.get(API, fy_params())
    with django_assert_max_num_queries(20):
        assert api.get(API, fy_params()).status_code == 200


# --- the layout per municipality -----------------------------------------------------------------------


def test_layout_edit_stale_and_other_municipality(
    staff: Callable[[str], Any], login: Callable[[str], Client], api_as: Callable[[str], Client]
) -> None:
    new_case(staff)
    client = login("shinjuku-center")
    url = "/reports/case-list/layout/131041/"
    assert client.get(url).status_code == 200
    data = {
        "version": "0",
        "use_case_number": "1",
        "order_case_number": "2",
        "use_name": "1",
        "order_name": "1",
    }
    assert client.post(url, data).status_code == 302
    layout = CaseListLayout.objects.get(municipality__code="131041")
    assert layout.columns == ["name", "case_number"] and layout.version == 1
    headers, _rows = api_rows(api_as("shinjuku-center"))
    assert headers == ["氏名", "ケース番号"]
    assert AuditEvent.objects.filter(object_type="caselistlayout", action=AuditAction.CREATE).exists()
    # the 自治体担当者 edits it next; the centre's form (version 1) is then stale
    officer = login("shinjuku-jichitai")
    assert officer.post(url, {"version": "1", "use_state": "1"}).status_code == 302
    stale = client.post(url, {"version": "1", "use_worker": "1"})
    assert stale.status_code == 200
    assert "他の職員が保存した最新の内容" in stale.content.decode()
    assert 'id="id_use_worker" value="1" checked' in stale.content.decode()  # what they chose survives
    assert 'id="id_use_state" value="1" checked' not in stale.content.decode()
    layout.refresh_from_db()
    assert layout.columns == ["state"] and layout.version == 2
    assert ChangeRecord.objects.filter(model="caselistlayout", object_id=str(layout.pk)).count() == 2
    # another municipality's layout: 404
    assert client.get("/reports/case-list/layout/112381/").status_code == 404
    assert login("hasuda-center").post(url, {"version": "2", "use_name": "1"}).status_code == 404
    layout.refresh_from_db()
    assert layout.columns == ["state"]
    # a new order alone is a change, kept in the history
    assert (
        officer.post(
            url, {"version": "2", "use_state": "1", "order_state": "2", "use_no": "1", "order_no": "1"}
        ).status_code
        == 302
    )
    assert (
        officer.post(
            url, {"version": "3", "use_state": "1", "order_state": "1", "use_no": "1", "order_no": "2"}
        ).status_code
        == 302
    )
    layout.refresh_from_db()
    assert layout.columns == ["state", "no"] and layout.version == 4
    latest = (
        ChangeRecord.objects.filter(model="caselistlayout", object_id=str(layout.pk))
        .order_by("-version")
        .first()
    )
    assert (
        latest is not None
        and latest.rows[0]["before"] == "No.、状態"
        and latest.rows[0]["after"] == "状態、No."
    )
    # nothing chosen: refused beside the form
    refused = client.post(url, {"version": "4"})
    assert "列を1つ以上選んでください" in refused.content.decode()
    assert Municipality.objects.get(code="131041").case_list_layout.version == 4


def test_up_and_down_reorder_the_form_without_saving(login: Callable[[str], Client]) -> None:
    client = login("shinjuku-jichitai")
    url = "/reports/case-list/layout/131041/"
    data = {
        "version": "0",
        "use_no": "1",
        "order_no": "1",
        "use_name": "1",
        "order_name": "2",
        "move": "up:name",
    }
    html = client.post(url, data).content.decode()
    assert "並び順を変えました" in html
    assert html.index('id="id_use_name"') < html.index('id="id_use_no"')
    assert 'id="id_order_name" value="1"' in html and 'id="id_order_no" value="2"' in html
    assert not CaseListLayout.objects.filter(municipality__code="131041").exists()


def test_the_standard_set_when_none_saved(api_as: Callable[[str], Client]) -> None:
    headers, _rows = api_rows(api_as("hasuda-center"))
    assert len(headers) == len(STANDARD_KEYS)
    assert headers[:3] == ["No.", "ケース番号", "受付日"] and headers[-1] == "担当者"


# --- API ---------------------------------------------------------------------------------------------


def test_api_formats(staff: Callable[[str], Any], api_as: Callable[[str], Client]) -> None:
    new_case(staff)
    client = api_as("shinjuku-center")
    xlsx = client.get(API, fy_params(format="xlsx"))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in xlsx["Content-Disposition"] and "filename*=UTF-8''" in xlsx["Content-Disposition"]
    load_workbook(io.BytesIO(xlsx.content))
    csv_response = client.get(API, fy_params(format="csv"))
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    assert client.get(API, fy_params(format="pdf")).status_code == 422
    assert client.get(API, fy_params(municipality="999999")).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, details__via="api").count() == 2
