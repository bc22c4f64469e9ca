"""事業計画 screens with logged-in demo staff: list, create, detail, edit (stale), evaluation, SVG, PDF."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.persons.models import Person
from tsunagu.planning.models import AnnualPlan
from tsunagu.referrals.tests.test_services import assert_noto_cjk_embedded
from tsunagu.statistics.indicators import INDICATORS, Area, Period, compute
from tsunagu.statistics.tests.handbuilt import Builder, World, build

from .helpers import PLAN_VALUES, make_plan

pytestmark = pytest.mark.django_db

Login = Callable[[str], Client]


@pytest.fixture
def world(demo: Any) -> World:
    return build()


@pytest.fixture
def plan(world: World, staff: Any) -> AnnualPlan:
    return make_plan(staff("shinjuku-center"), fiscal_year=2025)


def form_post(plan: AnnualPlan | None = None, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = dict(PLAN_VALUES) | {
        "target_new_consultations": "12",
        "target_plans_created": "6",
        "rate_plans_created": "50",
        "target_employed": "4",
    }
    if plan is not None:
        data["version"] = str(plan.version)
    return data | overrides


# --- list and navigation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status", "can_create"),
    [
        ("shinjuku-center", 200, True),
        ("shinjuku-jichitai", 200, True),
        ("shinjuku-shunin", 200, False),
        ("shinjuku-kansa", 200, False),
        ("shinjuku-soudan", 403, False),
        ("shinjuku-jimu", 403, False),
    ],
)
def test_list_and_menu_follow_the_permissions(
    plan: AnnualPlan, login: Login, username: str, status: int, can_create: bool
) -> None:
    client = login(username)
    response = client.get("/planning/")
    assert response.status_code == status
    home = client.get("/").content.decode()
    assert ('href="/planning/"' in home) == (status == 200)
    if status == 200:
        page = response.content.decode()
        assert "令和7年度" in page and plan.agency.name in page
        assert ('href="/planning/new/"' in page) == can_create


def test_list_shows_only_the_users_agencies(plan: AnnualPlan, login: Login, staff: Any) -> None:
    other = make_plan(staff("hasuda-center"), fiscal_year=2025)
    shinjuku = [p.pk for p in login("shinjuku-jichitai").get("/planning/").context["plans"]]
    hasuda = [p.pk for p in login("hasuda-shunin").get("/planning/").context["plans"]]
    assert shinjuku == [plan.pk] and hasuda == [other.pk]


# --- create -----------------------------------------------------------------------------------------


def test_director_creates_a_plan(world: World, login: Login, staff: Any) -> None:
    client = login("shinjuku-center")
    page = client.get("/planning/new/?fiscal_year=2026")
    assert page.status_code == 200
    director = staff("shinjuku-center")
    response = client.post("/planning/new/", form_post(agency=director.agency_id, fiscal_year="2026"))
    plan = AnnualPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/planning/{plan.pk}/"
    assert (plan.agency_id, plan.fiscal_year, plan.created_by_id) == (director.agency_id, 2026, director.pk)
    assert dict(plan.targets.values_list("indicator", "annual_count")) == {
        "new_consultations": 12,
        "plans_created": 6,
        "employed": 4,
    }


def test_bad_input_keeps_what_was_typed_with_japanese_messages(
    world: World, login: Login, staff: Any
) -> None:
    client = login("shinjuku-center")
    response = client.post(
        "/planning/new/",
        form_post(
            agency=staff("shinjuku-center").agency_id,
            fiscal_year="2026",
            target_new_consultations="たくさん",
            rate_plans_created="１２０％",
            support_items="消えてはいけない計画の文章",
        ),
    )
    assert response.status_code == 200 and not AnnualPlan.objects.exists()
    form = response.context["form"]
    assert form.errors["target_new_consultations"] == ["0以上の整数で入力してください（例：120）。"]
    assert form.errors["rate_plans_created"] == ["割合は0〜100（%）で入力してください。"]
    page = response.content.decode()
    assert 'value="たくさん"' in page and "消えてはいけない計画の文章" in page
    assert 'aria-invalid="true"' in page


def test_service_errors_land_beside_the_field(world: World, login: Login, staff: Any) -> None:
    client = login("shinjuku-center")
    response = client.post(
        "/planning/new/",
        form_post(agency=staff("shinjuku-center").agency_id, fiscal_year="2026", target_plans_created=""),
    )
    assert response.status_code == 200
    assert "年間の目標値も入力" in response.context["form"].errors["target_plans_created"][0]


def test_second_plan_for_the_same_year_is_refused_on_the_form(plan: AnnualPlan, login: Login) -> None:
    response = login("shinjuku-center").post(
        "/planning/new/", form_post(agency=plan.agency_id, fiscal_year="2025")
    )
    assert response.status_code == 200
    assert "すでにあります" in " ".join(response.context["form"].non_field_errors())
    assert AnnualPlan.objects.count() == 1


def test_new_plan_for_another_agency_is_404(world: World, login: Login, staff: Any) -> None:
    response = login("shinjuku-center").post(
        "/planning/new/", form_post(agency=staff("hasuda-center").agency_id, fiscal_year="2026")
    )
    # The agency is not one of the form's choices: refused beside the field, nothing written.
    assert response.status_code == 200 and "agency" in response.context["form"].errors
    assert not AnnualPlan.objects.exists()


# --- detail and tenancy -----------------------------------------------------------------------------


def test_detail_shows_the_three_areas_and_the_targets(plan: AnnualPlan, login: Login) -> None:
    page = login("shinjuku-shunin").get(f"/planning/{plan.pk}/").content.decode()
    for text in ("①体制整備・運営計画", "②自立相談支援業務計画", "③地域づくり・地域連携業務計画"):
        assert text in page
    assert "<li>養成研修を全員が修了する</li>" in page
    assert INDICATORS["plans_created"].name_ja in page and "50.0%" in page
    assert f'href="/planning/{plan.pk}/edit/"' not in page  # 主任 may view, not edit


@pytest.mark.parametrize("username", ["hasuda-center", "hasuda-jichitai", "hasuda-shunin"])
def test_other_agency_or_municipality_gets_404(plan: AnnualPlan, login: Login, username: str) -> None:
    client = login(username)
    for url in (
        f"/planning/{plan.pk}/",
        f"/planning/{plan.pk}/evaluation/",
        f"/planning/{plan.pk}/charts/targets.svg",
        f"/planning/{plan.pk}/evaluation.pdf",
    ):
        assert client.get(url).status_code == 404, url
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, object_type="annualplan", object_id=str(plan.pk)
    ).exists()
    assert client.get("/planning/999999/").status_code == 404


def test_municipal_officer_of_a_served_municipality_sees_and_edits(plan: AnnualPlan, login: Login) -> None:
    client = login("shinjuku-jichitai")
    assert client.get(f"/planning/{plan.pk}/").status_code == 200
    assert client.get(f"/planning/{plan.pk}/edit/").status_code == 200


# --- edit and stale saves ---------------------------------------------------------------------------


def test_viewer_cannot_edit(plan: AnnualPlan, login: Login) -> None:
    assert login("shinjuku-shunin").get(f"/planning/{plan.pk}/edit/").status_code == 403
    assert login("shinjuku-shunin").post(f"/planning/{plan.pk}/edit/", form_post(plan)).status_code == 403


def test_stale_edit_shows_the_other_version_and_keeps_the_input(plan: AnnualPlan, login: Login) -> None:
    director, officer = login("shinjuku-center"), login("shinjuku-jichitai")
    assert director.get(f"/planning/{plan.pk}/edit/").status_code == 200
    assert (
        officer.post(f"/planning/{plan.pk}/edit/", form_post(plan, notes="自治体の補足")).status_code == 302
    )
    response = director.post(
        f"/planning/{plan.pk}/edit/", form_post(plan, community_items="センター長が書いた地域づくり計画")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "他の職員が保存した最新の内容" in page and "自治体の補足" in page
    assert "センター長が書いた地域づくり計画" in page  # what was typed is kept
    assert 'name="version" value="2"' in page
    plan.refresh_from_db()
    assert plan.version == 2 and plan.notes == "自治体の補足"
    # Saving again from that page means "I have seen their version".
    again = director.post(
        f"/planning/{plan.pk}/edit/",
        form_post(plan, community_items="センター長が書いた地域づくり計画", notes="自治体の補足"),
    )
    assert again.status_code == 302
    plan.refresh_from_db()
    assert plan.version == 3 and plan.community_lines == ["センター長が書いた地域づくり計画"]


# --- plan-vs-actual, charts, PDF --------------------------------------------------------------------


def test_evaluation_page_shows_the_engines_figures(plan: AnnualPlan, world: World, login: Login) -> None:
    response = login("shinjuku-center").get(f"/planning/{plan.pk}/evaluation/")
    assert response.status_code == 200
    ev = response.context["ev"]
    engine = compute(Area.agency(world.agency_s), Period.fiscal_year(2025))
    assert {r.code: r.actual for r in ev.targets} == {f.code: f.value for f in engine.figures}
    page = response.content.decode()
    for heading in ("①構造評価", "②プロセス評価", "③成果評価", "クリーミング", "終結理由"):
        assert heading in page
    assert f'src="/planning/{plan.pk}/charts/targets.svg"' in page
    assert f'src="/planning/{plan.pk}/charts/monthly/plans_created.svg"' in page
    assert 'alt="令和7年度 目標と実績' in page
    assert ' style="' not in page  # the strict CSP: no inline styles on the page


def pdf_drawings(pdf: bytes) -> int:
    """The number of form XObjects (embedded SVG images) in the PDF, compressed streams included."""
    chunks = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Subtype\s*/Form\b", c)) for c in chunks)


def more_rows(n: int) -> None:
    """n more cases in 新宿区 in FY2025, each with a plan, an assessment and a job."""
    b = Builder()
    b.seq = 5000
    person = Person.objects.order_by("pk").first()
    assert person is not None
    for i in range(n):
        case = b.case(person, b.shinjuku, date(2025, 5, 1 + i), topics=1 + i)
        b.assessment(case, date(2025, 5, 10 + i), ["debt"])
        b.plan(case, date(2025, 6, 1 + i), target=True)
        b.outcome(case, "employed", date(2025, 7, 1 + i))


# session, user, TOTP, roles (+ navigation), the plan and its prefetches, the structure (roles, staff,
# partners, meetings, notice), the process (records, assessments, evaluations), one COUNT per indicator
# and the 目安値, the closures and their labels, the creaming table, one query per targeted indicator.
EVALUATION_BUDGET = 26 + 2 * len(INDICATORS)  # 26: includes the agency's area (Agency.area), read once


def test_evaluation_query_budget(plan: AnnualPlan, world: World, login: Login, staff: Any) -> None:
    """Bounded by the number of indicators, whatever the amount of data or the number of targets."""
    client = login("shinjuku-center")
    client.get(f"/planning/{plan.pk}/evaluation/")
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/planning/{plan.pk}/evaluation/").status_code == 200
    assert len(few.captured_queries) <= EVALUATION_BUDGET
    more_rows(5)
    with CaptureQueriesContext(connection) as more_data:
        client.get(f"/planning/{plan.pk}/evaluation/")
    assert len(more_data.captured_queries) == len(few.captured_queries)
    every = {f"target_{code}": "10" for code in INDICATORS}
    assert client.post(f"/planning/{plan.pk}/edit/", form_post(plan, **every)).status_code == 302
    with CaptureQueriesContext(connection) as all_targets:
        client.get(f"/planning/{plan.pk}/evaluation/")
    assert len(all_targets.captured_queries) == len(few.captured_queries) + len(INDICATORS) - 3
    assert len(all_targets.captured_queries) <= EVALUATION_BUDGET


def test_targets_chart_is_svg_with_the_data(plan: AnnualPlan, login: Login) -> None:
    response = login("shinjuku-shunin").get(f"/planning/{plan.pk}/charts/targets.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    svg = response.content.decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert 'role="img"' in svg and "<title>令和7年度 目標と実績" in svg
    # bar labels (the actuals) and the indicator names are in the file
    for text in ("<!-- 3件 -->", "<!-- 2人 -->", "新規相談受付件数"):
        assert text in svg, text
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp


def test_monthly_chart_for_a_targeted_indicator_only(plan: AnnualPlan, login: Login) -> None:
    client = login("shinjuku-center")
    response = client.get(f"/planning/{plan.pk}/charts/monthly/plans_created.svg")
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert "プラン作成件数の月別累計と目標の按分" in svg and "<!-- 3件 -->" in svg and "<!-- 4月 -->" in svg
    assert client.get(f"/planning/{plan.pk}/charts/monthly/hb_stops.svg").status_code == 404
    assert client.get(f"/planning/{plan.pk}/charts/monthly/nonsense.svg").status_code == 404


def test_pdf_embeds_the_japanese_font_and_is_audited(plan: AnnualPlan, login: Login, staff: Any) -> None:
    response = login("shinjuku-jichitai").get(f"/planning/{plan.pk}/evaluation.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert_noto_cjk_embedded(response.content)
    # The charts are drawn in it: one form XObject for the targets and one per targeted indicator.
    assert pdf_drawings(response.content) == 1 + plan.targets.count()
    event = AuditEvent.objects.get(action=AuditAction.PRINT, object_type="annualplan")
    assert (event.object_id, event.actor_id) == (str(plan.pk), staff("shinjuku-jichitai").pk)
    assert event.details["document"] == "annual_plan_evaluation"


def test_joint_operation_officer_sees_the_plan_of_an_agency_serving_the_municipality(
    plan: AnnualPlan, world: World, login: Login, staff: Any
) -> None:
    """共同実施: 蓮田市's centre also serves 新宿区, so 新宿区's officer sees (and may edit) its plan."""
    hasuda_plan = make_plan(staff("hasuda-center"), fiscal_year=2025)
    client = login("shinjuku-jichitai")
    assert client.get(f"/planning/{hasuda_plan.pk}/").status_code == 404
    world.agency_h.served_municipalities.add(world.shinjuku)
    listed = [p.pk for p in client.get("/planning/").context["plans"]]
    assert sorted(listed) == sorted([plan.pk, hasuda_plan.pk])
    assert client.get(f"/planning/{hasuda_plan.pk}/evaluation/").status_code == 200
    assert client.get(f"/planning/{hasuda_plan.pk}/edit/").status_code == 200
    # …and 蓮田市's officer still sees only 蓮田市's centre.
    assert [p.pk for p in login("hasuda-jichitai").get("/planning/").context["plans"]] == [hasuda_plan.pk]
