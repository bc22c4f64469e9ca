"""The 初期設定 screens (/setup/): what the システム管理者 may do, and what a センター長 may not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from tsunagu.cases.models import OPEN_STATES, Case
from tsunagu.core.models import AuditAction, AuditEvent, ChangeRecord
from tsunagu.organizations import hub, services
from tsunagu.organizations.guards import AccessDenied
from tsunagu.organizations.models import Agency, Municipality, OperationType, Prefecture, User
from tsunagu.organizations.roles import Role
from tsunagu.organizations.scoping import scope_for_user

PASSWORD = "Setup-Test-Pass-2026"


def make_admin(username: str = "kanri") -> User:
    admin = services.staff_create(
        actor=None, username=username, display_name="管理 一郎", roles=[Role.SYSTEM_ADMIN], password=PASSWORD
    )
    TOTP.activate(admin, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    RecoveryCodes.activate(admin)
    return admin


@pytest.fixture
def admin_client(db: Any) -> Client:
    client = Client()
    client.force_login(make_admin())
    return client


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """An empty installation after the prefecture step: 東京都 and 埼玉県 in use."""
    Prefecture.objects.filter(code__in=["11", "13"]).update(in_use=True)
    tokyo = Prefecture.objects.get(code="13")
    shinjuku = Municipality.objects.create(
        code="131041", name="新宿区", prefecture=tokyo, population=351183, slug="shinjuku"
    )
    nakano = Municipality.objects.create(
        code="131148", name="中野区", prefecture=tokyo, population=330000, slug="nakano"
    )
    return {"tokyo": tokyo, "shinjuku": shinjuku, "nakano": nakano}


@pytest.fixture
def open_cases_contributor() -> Iterator[None]:
    """The contributor the cases app registers in its ready() (cases/apps.py): it is there."""
    assert "cases" in hub._CONTRIBUTORS
    yield


# --- What the システム管理者 sees ---------------------------------------------------------------


def test_the_system_admin_sees_only_the_setup_screens_and_no_personal_data(
    demo: Any, admin_client: Client
) -> None:
    from tsunagu.persons.models import Person

    admin = User.objects.get(username="kanri")
    assert scope_for_user(Person.objects.all(), admin).count() == 0
    assert scope_for_user(Case.objects.all(), admin).count() == 0
    response = admin_client.get("/setup/")
    assert response.status_code == 200
    assert [item["label"] for item in response.context["nav_items"]] == ["初期設定"]
    for url in ("/cases/", "/staff/", "/privacy/audit/", "/statistics/"):
        assert admin_client.get(url).status_code in (403, 404), url


def test_a_demo_role_is_refused_the_setup_screens(login: Any) -> None:
    client = login("shinjuku-center")
    for url in (
        "/setup/",
        "/setup/prefectures/",
        "/setup/municipalities/new/",
        "/setup/agencies/",
        "/setup/staff/",
    ):
        assert client.get(url).status_code == 403, url
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, details__path="/setup/").exists()


# --- 都道府県・自治体 ---------------------------------------------------------------------------


def test_the_prefectures_in_use_are_marked_and_audited(admin_client: Client) -> None:
    response = admin_client.get("/setup/prefectures/")
    assert response.status_code == 200
    assert "47" in response.content.decode() or "沖縄県" in response.content.decode()
    response = admin_client.post("/setup/prefectures/", {"codes": ["13", "11"]})
    assert response.status_code == 302
    assert set(Prefecture.objects.filter(in_use=True).values_list("code", flat=True)) == {"11", "13"}
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="prefecture").count() == 1


def _municipality_post(**overrides: Any) -> dict[str, Any]:
    tokyo = Prefecture.objects.get(code="13")
    data = {
        "code": "131016",
        "name": "千代田区",
        "prefecture": tokyo.pk,
        "population": "68000",
        "population_as_of": "令和7年1月1日",
        "slug": "chiyoda",
    }
    data.update(overrides)
    return data


def test_a_wrong_check_digit_is_shown_in_japanese_and_the_typed_values_stay(admin_client: Client) -> None:
    Prefecture.objects.filter(code="13").update(in_use=True)
    response = admin_client.post("/setup/municipalities/new/", _municipality_post(code="131017"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "検査数字（6桁目）が正しくありません" in html
    assert 'value="千代田区"' in html and 'value="131017"' in html
    assert not Municipality.objects.exists()
    response = admin_client.post("/setup/municipalities/new/", _municipality_post(code="１３１０１６"))
    assert response.status_code == 302
    muni = Municipality.objects.get(code="131016")
    assert muni.population == 68000 and str(muni.population_as_of) == "2025-01-01"
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="municipality").count() == 1


def test_the_code_must_belong_to_the_prefecture_chosen(admin_client: Client) -> None:
    Prefecture.objects.filter(code__in=["11", "13"]).update(in_use=True)
    saitama = Prefecture.objects.get(code="11")
    response = admin_client.post("/setup/municipalities/new/", _municipality_post(prefecture=saitama.pk))
    assert "都道府県コード（11）と一致しません" in response.content.decode()


def test_a_municipality_edit_keeps_its_history_and_a_stale_edit_shows_both(
    admin_client: Client, world: dict[str, Any]
) -> None:
    muni = world["shinjuku"]
    data = _municipality_post(code="131041", name="新宿区", slug="shinjuku", population="352000", version=1)
    assert admin_client.post(f"/setup/municipalities/{muni.pk}/", data).status_code == 302
    muni.refresh_from_db()
    assert muni.version == 2 and muni.population == 352000
    change = ChangeRecord.objects.get(model="municipality", object_id=str(muni.pk))
    assert {r["label"] for r in change.rows} == {"人口", "人口の基準日"}
    page = admin_client.get(f"/setup/municipalities/{muni.pk}/").content.decode()
    assert "自治体の変更履歴" in page and "352,000人" in page
    # Someone opened version 1 and saves now: refused, both versions shown, what was typed kept.
    stale = admin_client.post(f"/setup/municipalities/{muni.pk}/", {**data, "population": "1", "version": 1})
    assert stale.status_code == 200
    html = stale.content.decode()
    assert "他の職員が保存した最新の内容" in html
    assert 'name="population" value="1"' in html
    muni.refresh_from_db()
    assert muni.population == 352000


# --- 機関 ---------------------------------------------------------------------------------------


def _agency_post(world: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    data = {
        "name": "新宿・中野くらし相談センター",
        "operation_type": OperationType.CONTRACTED,
        "operator_name": "社会福祉法人つなぐ会",
        "municipality": world["shinjuku"].pk,
        "served_municipalities": [world["nakano"].pk],
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_a_contracted_agency_needs_its_operator_and_may_serve_several_municipalities(
    admin_client: Client, world: dict[str, Any]
) -> None:
    response = admin_client.post("/setup/agencies/new/", _agency_post(world, operator_name=""))
    assert "委託の場合は受託法人名を入力してください。" in response.content.decode()
    assert not Agency.objects.exists()
    assert admin_client.post("/setup/agencies/new/", _agency_post(world)).status_code == 302
    agency = Agency.objects.get()
    assert agency.area_ids() == {world["shinjuku"].pk, world["nakano"].pk}
    assert agency.serves(world["nakano"])
    assert admin_client.get("/setup/agencies/").status_code == 200


def test_an_agency_with_open_cases_cannot_be_made_inactive(
    demo: Any, admin_client: Client, open_cases_contributor: None
) -> None:
    agency = Agency.objects.get(name__contains="新宿")
    open_count = Case.objects.filter(agency=agency, state__in=list(OPEN_STATES)).count()
    assert open_count
    data = {
        "name": agency.name,
        "operation_type": agency.operation_type,
        "operator_name": agency.operator_name,
        "municipality": agency.municipality_id,
        "version": agency.version,
    }
    response = admin_client.post(f"/setup/agencies/{agency.pk}/", data)
    assert response.status_code == 200
    assert f"終結していないケース{open_count}件があるため、無効にできません" in response.content.decode()
    agency.refresh_from_db()
    assert agency.is_active and agency.version == 1


# --- 職員アカウント -------------------------------------------------------------------------------


def test_the_system_admin_creates_a_center_director_and_a_municipal_officer(
    admin_client: Client, world: dict[str, Any]
) -> None:
    agency = services.agency_save(
        actor=User.objects.get(username="kanri"),
        values={
            "name": "新宿区くらし相談センター",
            "operation_type": OperationType.DIRECT,
            "municipality": world["shinjuku"],
            "served_municipalities": [],
            "is_active": True,
        },
    )
    response = admin_client.post(
        "/staff/new/",
        {
            "username": "center1",
            "display_name": "中央 花子",
            "agency": agency.pk,
            "roles": [Role.CENTER_DIRECTOR],
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    temporary = response.context["temporary_password"]
    assert temporary in response.content.decode()
    director = User.objects.get(username="center1")
    assert director.check_password(temporary) and director.agency == agency
    response = admin_client.post(
        "/staff/new/",
        {
            "username": "officer1",
            "display_name": "区役 次郎",
            "municipality": world["shinjuku"].pk,
            "roles": [Role.MUNICIPAL_OFFICER],
        },
    )
    assert response.status_code == 200
    assert User.objects.get(username="officer1").municipality == world["shinjuku"]
    listing = admin_client.get("/setup/staff/").content.decode()
    assert "中央 花子" in listing and "区役 次郎" in listing


@pytest.mark.parametrize(
    ("placement", "roles", "message"),
    [
        ("agency", [Role.MUNICIPAL_OFFICER], "自治体担当者は自治体に所属させてください"),
        ("municipality", [Role.CONSULTANT], "機関の職員は自治体ではなく機関に所属させてください"),
        ("municipality", [Role.MUNICIPAL_OFFICER, Role.CONSULTANT], "同じアカウントに付けられません"),
        ("agency", [Role.SYSTEM_ADMIN], "システム管理者は機関にも自治体にも所属しません"),
        ("none", [Role.CONSULTANT], "所属機関を選んでください"),
    ],
)
def test_a_role_combination_against_the_agency_xor_municipality_rule_is_refused(
    admin_client: Client, world: dict[str, Any], placement: str, roles: list[Role], message: str
) -> None:
    agency = Agency.objects.create(
        name="新宿区くらし相談センター", operation_type=OperationType.DIRECT, municipality=world["shinjuku"]
    )
    data: dict[str, Any] = {"username": "someone", "display_name": "誰 か", "roles": [r.value for r in roles]}
    if placement == "agency":
        data["agency"] = agency.pk
    elif placement == "municipality":
        data["municipality"] = world["shinjuku"].pk
    response = admin_client.post("/staff/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'value="someone"' in response.content.decode()
    assert not User.objects.filter(username="someone").exists()


def test_the_system_admin_edits_roles_and_disables_and_re_enables_an_account(
    demo: Any, admin_client: Client, staff: Any
) -> None:
    target = staff("shinjuku-soudan")
    response = admin_client.post(
        f"/staff/{target.pk}/roles/",
        {"roles": [Role.CONSULTANT, Role.CHIEF_CONSULTANT], "roles_seen": "consultant"},
    )
    assert response.status_code == 302 and response["Location"] == "/setup/staff/"
    assert User.objects.get(pk=target.pk).role_set == {Role.CONSULTANT.value, Role.CHIEF_CONSULTANT.value}
    row = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(target.pk)).latest("id")
    assert row.details["roles"] == [["consultant"], ["chief_consultant", "consultant"]]
    assert admin_client.post(f"/staff/{target.pk}/disable/").status_code == 302
    assert not User.objects.get(pk=target.pk).is_active
    assert admin_client.post(f"/staff/{target.pk}/enable/").status_code == 302
    assert User.objects.get(pk=target.pk).is_active


# --- What a センター長 may do ----------------------------------------------------------------------


def test_a_center_director_creates_staff_of_its_own_agency_only(login: Any, staff: Any) -> None:
    client = login("shinjuku-center")
    director = staff("shinjuku-center")
    page = client.get("/staff/new/")
    assert page.status_code == 200
    html = page.content.decode()
    offered = {code for code, _label in page.context["form"].fields["roles"].choices}
    assert Role.MUNICIPAL_OFFICER.value not in offered and Role.SYSTEM_ADMIN.value not in offered
    assert Role.CONSULTANT.value in offered
    assert 'name="municipality"' not in html
    response = client.post(
        "/staff/new/",
        {
            "username": "new-worker",
            "display_name": "新人 三郎",
            "agency": director.agency_id,
            "roles": [Role.CONSULTANT],
        },
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert User.objects.get(username="new-worker").agency_id == director.agency_id
    # Another agency, or a role only the システム管理者 gives: refused.
    other = staff("hasuda-center")
    response = client.post(
        "/staff/new/",
        {"username": "x1", "display_name": "他 機関", "agency": other.agency_id, "roles": [Role.CONSULTANT]},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="x1").exists()
    with pytest.raises(AccessDenied, match="自治体担当者・システム管理者"):
        services.staff_create(
            actor=director,
            username="x2",
            display_name="x",
            roles=[Role.SYSTEM_ADMIN],
        )
    assert not User.objects.filter(username="x2").exists()


def test_a_center_director_edits_roles_in_its_own_agency_and_gets_404_elsewhere(
    login: Any, staff: Any
) -> None:
    client = login("shinjuku-center")
    mine, other = staff("shinjuku-jimu"), staff("hasuda-soudan")
    assert client.get(f"/staff/{mine.pk}/roles/").status_code == 200
    assert (
        client.post(
            f"/staff/{mine.pk}/roles/", {"roles": [Role.CLERK, Role.CONSULTANT], "roles_seen": "clerk"}
        ).status_code
        == 302
    )
    assert User.objects.get(pk=mine.pk).role_set == {"clerk", "consultant"}
    assert (
        client.post(
            f"/staff/{mine.pk}/roles/", {"roles": [Role.MUNICIPAL_OFFICER], "roles_seen": "clerk,consultant"}
        ).status_code
        == 200
    )
    assert client.get(f"/staff/{other.pk}/roles/").status_code == 404
    assert (
        client.post(f"/staff/{staff('shinjuku-center').pk}/roles/", {"roles": [Role.CLERK]}).status_code
        == 403
    )


def test_a_consultant_may_not_create_staff(login: Any) -> None:
    assert login("shinjuku-soudan").get("/staff/new/").status_code == 403


# --- Query budgets -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/setup/municipalities/", "/setup/agencies/", "/setup/staff/"])
def test_the_setup_lists_keep_their_query_budget(
    demo: Any, admin_client: Client, django_assert_max_num_queries: Any, url: str
) -> None:
    admin_client.get(url)  # warm the session
    with django_assert_max_num_queries(14):
        assert admin_client.get(url).status_code == 200


def test_the_staff_list_of_a_center_director_keeps_its_query_budget(
    login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login("shinjuku-center")
    client.get("/staff/")
    with django_assert_max_num_queries(14):
        assert client.get("/staff/").status_code == 200


def test_the_system_admin_opening_the_dashboard_goes_to_the_setup(demo: Any, admin_client: Client) -> None:
    response = admin_client.get("/")
    assert response.status_code == 302 and response["Location"] == "/setup/"


def test_a_roles_change_made_meanwhile_is_not_overwritten(
    demo: Any, admin_client: Client, staff: Any
) -> None:
    """Two managers open the same account's ロールの変更; the second save names the roles now held."""
    target = staff("shinjuku-soudan")
    page = admin_client.get(f"/staff/{target.pk}/roles/")
    assert page.context["form"]["roles_seen"].value() == "consultant"
    first = admin_client.post(
        f"/staff/{target.pk}/roles/",
        {"roles": [Role.CONSULTANT, Role.CHIEF_CONSULTANT], "roles_seen": "consultant"},
    )
    assert first.status_code == 302
    second = admin_client.post(
        f"/staff/{target.pk}/roles/", {"roles": [Role.CLERK], "roles_seen": "consultant"}
    )
    assert second.status_code == 200
    assert "ほかの職員がこのアカウントのロールを変更しました" in second.content.decode()
    assert "主任相談支援員" in second.content.decode()
    assert User.objects.get(pk=target.pk).role_set == {"consultant", "chief_consultant"}
    assert second.context["form"]["roles_seen"].value() == "chief_consultant,consultant"
    again = admin_client.post(
        f"/staff/{target.pk}/roles/", {"roles": [Role.CLERK], "roles_seen": "chief_consultant,consultant"}
    )
    assert again.status_code == 302 and User.objects.get(pk=target.pk).role_set == {"clerk"}


def test_the_staff_list_is_searched_by_name_kana_or_placement_and_status(
    demo: Any, admin_client: Client, staff: Any
) -> None:
    def usernames(query: str) -> tuple[set[str], str]:
        page = admin_client.get(f"/setup/staff/{query}")
        assert page.status_code == 200
        return {u.username for u in page.context["page"].object_list}, page.content.decode()

    everyone, html = usernames("")
    assert "職員アカウント（" in html and len(everyone) > 10
    found, _ = usernames("?q=蓮田+shinjuku")  # every word must match
    assert found == set()
    found, _ = usernames("?q=蓮田　hasuda-soudan")  # 全角 space too
    assert found == {"hasuda-soudan"}
    found, _ = usernames("?q=hasuda-soudan")
    assert found == {"hasuda-soudan"}
    soudan = staff("hasuda-soudan")
    found, _ = usernames(f"?q={soudan.display_name.split()[0]}")
    assert "hasuda-soudan" in found
    found, html = usernames("?q=蓮田")
    assert found and all(u.startswith("hasuda-") for u in found) and "検索結果（" in html
    services.staff_disable(actor=User.objects.get(username="kanri"), user=soudan, reason="退職")
    found, _ = usernames("?q=蓮田&status=disabled")
    assert found == {"hasuda-soudan"}
    found, _ = usernames("?q=蓮田&status=active")
    assert "hasuda-soudan" not in found and found
