"""The 初期設定 API (/api/v1/setup/…): what the システム管理者 may do through it, with the rules and
audit rows of the screens, and what every other role is refused."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, hotp_value
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tsunagu.cases.models import OPEN_STATES, Case
from tsunagu.core.models import AuditAction, AuditEvent, ChangeRecord
from tsunagu.demo.data import DEMO_SITE_ADMIN_USERNAME, demo_totp_secret, demo_usernames
from tsunagu.organizations.models import Agency, Municipality, Prefecture, StaffSession, User
from tsunagu.organizations.tests.flows import (
    LOGIN_URL,
    MFA_URL,
    TOTP_ACTIVATE_URL,
    full_login,
    wait_for_fresh_totp_window,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/setup"
ADMIN = DEMO_SITE_ADMIN_USERNAME
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _code(secret: str) -> str:
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return f"{hotp_value(secret, counter):0{mfa_settings.TOTP_DIGITS}}"


@pytest.fixture
def admin(api_as: Callable[[str], Client]) -> Client:
    return api_as(ADMIN)


def _send(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 422, response.content.decode()
    errors: dict[str, list[str]] = response.json()["errors"]
    return errors


def _municipality_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "code": "131016",
        "name": "千代田区",
        "prefecture_code": "13",
        "population": 68000,
        "population_as_of": "2025-01-01",
        "slug": "chiyoda",
    }
    body.update(overrides)
    return body


# --- 都道府県 -------------------------------------------------------------------------------------


def test_the_prefectures_are_listed_and_marked_in_use_with_the_screens_audit_row(admin: Client) -> None:
    listing = admin.get(f"{API}/prefectures")
    assert listing.status_code == 200
    assert len(listing.json()) == 47 and listing.json()[12]["name"] == "東京都"
    Prefecture.objects.update(in_use=False)  # the demo serves 東京都 and 埼玉県: start from none
    before = AuditEvent.objects.filter(object_type="prefecture").count()
    response = _send(admin, "patch", f"{API}/prefectures/13", {"in_use": True})
    assert response.status_code == 200 and response.json() == {"code": "13", "name": "東京都", "in_use": True}
    assert _send(admin, "patch", f"{API}/prefectures/11", {"in_use": True}).status_code == 200
    assert _send(admin, "patch", f"{API}/prefectures/11", {"in_use": False}).json()["in_use"] is False
    assert set(Prefecture.objects.filter(in_use=True).values_list("code", flat=True)) == {"13"}
    rows = AuditEvent.objects.filter(object_type="prefecture").order_by("id")
    assert rows.count() == before + 3
    assert rows.last().details == {"in_use": [["11", "13"], ["13"]]}  # type: ignore[union-attr]
    assert _send(admin, "patch", f"{API}/prefectures/48", {"in_use": True}).status_code == 404


# --- 自治体 ---------------------------------------------------------------------------------------


def test_a_municipality_is_registered_and_a_wrong_check_digit_is_a_field_error_in_japanese(
    admin: Client,
) -> None:
    Prefecture.objects.filter(code="13").update(in_use=True)
    wrong = _send(admin, "post", f"{API}/municipalities", _municipality_body(code="131017"))
    assert "検査数字（6桁目）が正しくありません" in _errors(wrong)["code"][0]
    other_prefecture = _send(admin, "post", f"{API}/municipalities", _municipality_body(prefecture_code="11"))
    assert "一致しません" in _errors(other_prefecture)["code"][0]
    Prefecture.objects.filter(code="11").update(in_use=False)
    not_in_use = _send(
        admin, "post", f"{API}/municipalities", _municipality_body(code="112089", prefecture_code="11")
    )
    assert "この環境で使う都道府県ではありません" in _errors(not_in_use)["prefecture_code"][0]
    assert not Municipality.objects.filter(name="千代田区").exists()

    created = _send(admin, "post", f"{API}/municipalities", _municipality_body(code="１３１０１６"))
    assert created.status_code == 201, created.content.decode()
    body = created.json()
    assert body["code"] == "131016" and body["prefecture_name"] == "東京都" and body["version"] == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="municipality").count() == 1
    assert admin.get(f"{API}/municipalities/{body['id']}").json() == body
    listing = admin.get(f"{API}/municipalities").json()
    assert listing["count"] == Municipality.objects.count()
    assert "131016" in {m["code"] for m in listing["items"]}
    assert admin.get(f"{API}/municipalities/999999").status_code == 404


def test_a_municipality_patch_needs_its_version_and_a_stale_one_writes_nothing(admin: Client) -> None:
    muni = Municipality.objects.get(code="131041")
    url = f"{API}/municipalities/{muni.pk}"
    assert "version" in _errors(_send(admin, "patch", url, {"population": 352000}))
    saved = _send(admin, "patch", url, {"population": 352000, "version": muni.version})
    assert saved.status_code == 200, saved.content.decode()
    assert saved.json()["population"] == 352000 and saved.json()["version"] == muni.version + 1
    change = ChangeRecord.objects.get(model="municipality", object_id=str(muni.pk))
    assert [r["label"] for r in change.rows] == ["人口"]
    updates = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="municipality").count()
    # Someone read version 1 before that save and sends it now: refused, nothing written.
    stale = _send(admin, "patch", url, {"population": 1, "name": "古い", "version": muni.version})
    message = _errors(stale)["version"][0]
    assert "他の職員によって更新されました" in message and f"現在の版：{muni.version + 1}" in message
    muni.refresh_from_db()
    assert muni.population == 352000 and muni.name == "新宿区" and muni.version == 2
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="municipality").count() == updates
    assert ChangeRecord.objects.filter(model="municipality", object_id=str(muni.pk)).count() == 1
    assert "code" in _errors(_send(admin, "patch", url, {"code": None, "version": 2}))


# --- 機関 -----------------------------------------------------------------------------------------


def test_an_agency_is_registered_direct_or_contracted_and_may_serve_several_municipalities(
    admin: Client,
) -> None:
    shinjuku = Municipality.objects.get(code="131041")
    hasuda = Municipality.objects.get(code="112381")
    body = {
        "name": "新宿・蓮田合同相談センター",
        "operation_type": "contracted",
        "municipality_id": shinjuku.pk,
        "served_municipality_ids": [hasuda.pk],
    }
    missing_operator = _send(admin, "post", f"{API}/agencies", body)
    assert _errors(missing_operator)["operator_name"] == ["委託の場合は受託法人名を入力してください。"]
    unknown = _send(
        admin, "post", f"{API}/agencies", {**body, "operator_name": "法人", "municipality_id": 999999}
    )
    assert "登録されていない自治体" in _errors(unknown)["municipality_id"][0]
    assert not Agency.objects.filter(name=body["name"]).exists()
    created = _send(admin, "post", f"{API}/agencies", {**body, "operator_name": "社会福祉法人つなぐ会"})
    assert created.status_code == 201, created.content.decode()
    out = created.json()
    assert out["operation_type_ja"] == "委託" and out["operator_name"] == "社会福祉法人つなぐ会"
    assert [m["code"] for m in out["served_municipalities"]] == ["112381"]
    agency = Agency.objects.get(pk=out["id"])
    assert agency.area_ids() == {shinjuku.pk, hasuda.pk}
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="agency", object_id=str(agency.pk)
    )
    direct = _send(
        admin,
        "patch",
        f"{API}/agencies/{agency.pk}",
        {"operation_type": "direct", "served_municipality_ids": [], "version": out["version"]},
    )
    assert direct.status_code == 200, direct.content.decode()
    assert direct.json()["operator_name"] == "" and direct.json()["served_municipalities"] == []
    assert ChangeRecord.objects.filter(model="agency", object_id=str(agency.pk)).count() == 1
    listing = admin.get(f"{API}/agencies").json()
    assert listing["count"] == Agency.objects.count() == 3
    assert admin.get(f"{API}/agencies/999999").status_code == 404


def test_an_agency_with_open_cases_cannot_be_made_inactive_and_a_stale_patch_is_refused(
    admin: Client,
) -> None:
    agency = Agency.objects.get(name__contains="新宿")
    open_count = Case.objects.filter(agency=agency, state__in=list(OPEN_STATES)).count()
    assert open_count
    url = f"{API}/agencies/{agency.pk}"
    refused = _send(admin, "patch", url, {"is_active": False, "version": agency.version})
    assert (
        f"終結していないケース{open_count}件があるため、無効にできません" in _errors(refused)["is_active"][0]
    )
    agency.refresh_from_db()
    assert agency.is_active and agency.version == 1
    renamed = _send(admin, "patch", url, {"name": "新宿区くらしサポート", "version": 1})
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    # Only what was sent changed: the history names the name alone, and 共同実施 lists no own municipality.
    change = ChangeRecord.objects.get(model="agency", object_id=str(agency.pk))
    assert [r["label"] for r in change.rows] == ["機関名"]
    assert renamed.json()["served_municipalities"] == []
    hasuda = Agency.objects.get(name__contains="蓮田")
    joint = admin.get(f"{API}/agencies/{hasuda.pk}").json()["served_municipalities"]
    assert [m["code"] for m in joint] == ["112461"]
    stale = _send(admin, "patch", url, {"name": "古い名前", "version": 1})
    assert "現在の版：2" in _errors(stale)["version"][0]
    agency.refresh_from_db()
    assert agency.name == "新宿区くらしサポート" and agency.version == 2


# --- 職員アカウント -------------------------------------------------------------------------------


def test_a_new_account_gets_a_temporary_password_once_and_must_enrol_totp_and_change_it(
    admin: Client,
) -> None:
    agency = Agency.objects.get(name__contains="新宿")
    created = _send(
        admin,
        "post",
        f"{API}/staff",
        {
            "username": "new-center",
            "display_name": "新任 花子",
            "roles": ["center_director"],
            "agency_id": agency.pk,
        },
    )
    assert created.status_code == 201, created.content.decode()
    body = created.json()
    temporary = body.pop("temporary_password")
    assert len(temporary) == 14
    assert body["agency"] == {"id": agency.pk, "name": agency.name}
    assert body["roles"] == [{"code": "center_director", "name_ja": "センター長"}]
    assert body["must_change_password"] is True and body["mfa_enabled"] is False
    user = User.objects.get(username="new-center")
    assert user.check_password(temporary) and user.must_change_password
    assert not Authenticator.objects.filter(user=user).exists()
    assert temporary not in json.dumps(
        AuditEvent.objects.filter(object_id=str(user.pk)).values_list("details").first()
    )
    # The temporary password is given only at creation.
    assert "temporary_password" not in admin.get(f"{API}/staff/{user.pk}").json()
    # First login: the TOTP enrolment, and nothing else opens.
    client = Client()
    assert client.post(LOGIN_URL, {"login": "new-center", "password": temporary}).status_code == 302
    for url in ("/", "/cases/"):
        assert client.get(url)["Location"] == TOTP_ACTIVATE_URL, url
    assert client.get("/api/v1/me").json() == {"detail": "多要素認証（TOTP）の設定が必要です。"}
    # Once TOTP is enrolled, the temporary password must be replaced before anything opens.
    TOTP.activate(user, SECRET)
    client = Client()
    wait_for_fresh_totp_window()
    client.post(LOGIN_URL, {"login": "new-center", "password": temporary})
    client.post(MFA_URL, {"code": _code(SECRET)})
    assert client.get("/")["Location"] == reverse("account_change_password")
    assert client.get("/api/v1/me").json() == {"detail": "仮パスワードの変更が必要です。"}


def test_a_placement_against_the_roles_is_refused_with_the_field_at_fault(admin: Client) -> None:
    agency = Agency.objects.get(name__contains="新宿")
    shinjuku = Municipality.objects.get(code="131041")
    base: dict[str, Any] = {"username": "someone", "display_name": "誰 か"}
    cases: list[tuple[dict[str, Any], str, str]] = [
        (
            {"roles": ["municipal_officer"], "agency_id": agency.pk},
            "municipality_id",
            "自治体に所属させてください",
        ),
        (
            {"roles": ["consultant"], "municipality_id": shinjuku.pk},
            "municipality_id",
            "機関に所属させてください",
        ),
        ({"roles": ["system_admin"], "agency_id": agency.pk}, "agency_id", "機関にも自治体にも所属しません"),
        ({"roles": ["consultant"]}, "agency_id", "所属機関を選んでください"),
        ({"roles": ["no_such_role"], "agency_id": agency.pk}, "roles", "存在しないロール"),
        ({"roles": ["consultant"], "agency_id": 999999}, "agency_id", "登録されていない機関"),
    ]
    for extra, field, message in cases:
        errors = _errors(_send(admin, "post", f"{API}/staff", {**base, **extra}))
        assert message in errors[field][0], (extra, errors)
    taken = _send(
        admin,
        "post",
        f"{API}/staff",
        {**base, "username": "SHINJUKU-SOUDAN", "roles": ["consultant"], "agency_id": agency.pk},
    )
    assert "既に使われています" in _errors(taken)["username"][0]
    assert not User.objects.filter(username="someone").exists()


def test_staff_answers_hold_no_password_hash_and_no_totp_secret(admin: Client) -> None:
    listing = admin.get(f"{API}/staff")
    assert listing.status_code == 200
    assert listing.json()["count"] == User.objects.count()
    text = listing.content.decode()
    soudan = User.objects.get(username="shinjuku-soudan")
    assert soudan.password.split("$")[0] not in text
    assert soudan.password not in text and demo_totp_secret("shinjuku-soudan") not in text
    assert "password" not in text.replace("must_change_password", "")
    assert {"username", "roles", "is_active", "is_locked", "mfa_enabled"} <= set(listing.json()["items"][0])
    assert admin.get(f"{API}/staff/999999").status_code == 404


def test_roles_change_and_deactivation_ends_every_session_like_the_screen(admin: Client, staff: Any) -> None:
    target = staff("shinjuku-soudan")
    session_client = full_login("shinjuku-soudan")
    keys = list(StaffSession.objects.filter(user=target).values_list("session_key", flat=True))
    assert keys
    url = f"{API}/staff/{target.pk}"
    roles = _send(
        admin, "patch", url, {"roles": ["consultant", "chief_consultant"], "expected_roles": ["consultant"]}
    )
    assert roles.status_code == 200
    assert [r["code"] for r in roles.json()["roles"]] == ["chief_consultant", "consultant"]
    row = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(target.pk)).latest("id")
    assert row.details["roles"] == [["consultant"], ["chief_consultant", "consultant"]]

    disabled = _send(admin, "patch", url, {"is_active": False, "reason": "退職"})
    assert disabled.status_code == 200 and disabled.json()["is_active"] is False
    assert not User.objects.get(pk=target.pk).is_active
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not StaffSession.objects.filter(user=target).exists()
    row = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(target.pk)).latest("id")
    assert row.details == {"change": "disabled", "reason": "退職", "sessions_ended": len(keys)}
    assert session_client.get("/").status_code == 302  # back to the login page

    enabled = _send(admin, "patch", url, {"is_active": True})
    assert enabled.status_code == 200 and User.objects.get(pk=target.pk).is_active


def test_the_system_admin_cannot_disable_itself_or_change_its_own_roles(admin: Client) -> None:
    me = User.objects.get(username=ADMIN)
    url = f"{API}/staff/{me.pk}"
    assert (
        "自分自身のアカウントは利用停止できません"
        in _errors(_send(admin, "patch", url, {"is_active": False}))["is_active"][0]
    )
    assert (
        _send(admin, "patch", url, {"roles": ["consultant"], "expected_roles": ["system_admin"]}).status_code
        == 403
    )
    # Both at once: neither is written.
    target = User.objects.get(username="shinjuku-jimu")
    both = _send(
        admin,
        "patch",
        f"{API}/staff/{target.pk}",
        {"roles": ["system_admin"], "expected_roles": ["clerk"], "is_active": False},
    )
    assert both.status_code == 422
    target.refresh_from_db()
    assert target.is_active and target.role_set == {"clerk"}
    me.refresh_from_db()
    assert me.is_active and me.role_set == {"system_admin"}


# --- Everyone else --------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["shinjuku-center", "shinjuku-soudan", "hasuda-jichitai"])
def test_every_other_role_is_refused_every_operation_and_each_refusal_is_audited(
    api_as: Callable[[str], Client], username: str
) -> None:
    client = api_as(username)
    Prefecture.objects.update(in_use=False)  # so that a PATCH that got through would show
    muni = Municipality.objects.get(code="131041")
    agency = Agency.objects.get(name__contains="新宿")
    target = User.objects.get(username="shinjuku-jimu")
    operations: list[tuple[str, str, dict[str, Any] | None]] = [
        ("get", "prefectures", None),
        ("patch", "prefectures/13", {"in_use": True}),
        ("get", "municipalities", None),
        ("post", "municipalities", _municipality_body()),
        ("get", f"municipalities/{muni.pk}", None),
        ("patch", f"municipalities/{muni.pk}", {"population": 1, "version": muni.version}),
        ("get", "agencies", None),
        ("post", "agencies", {"name": "x", "operation_type": "direct", "municipality_id": muni.pk}),
        ("get", f"agencies/{agency.pk}", None),
        ("patch", f"agencies/{agency.pk}", {"name": "x", "version": agency.version}),
        ("get", "staff", None),
        (
            "post",
            "staff",
            {"username": "x", "display_name": "x", "roles": ["consultant"], "agency_id": agency.pk},
        ),
        ("get", f"staff/{target.pk}", None),
        ("patch", f"staff/{target.pk}", {"is_active": False}),
    ]
    user = User.objects.get(username=username)
    before = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=user).count()
    for method, path, body in operations:
        url = f"{API}/{path}"
        response = client.get(url) if body is None else _send(client, method, url, body)
        assert response.status_code == 403, (method, url, response.content.decode())
        assert response.json() == {"detail": "この操作を行う権限がありません。"}
    denied = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=user)
    assert denied.count() == before + len(operations)
    assert {d.details.get("permission") for d in denied} == {"site.manage"}
    assert {d.details.get("via") for d in denied} == {"api"}
    muni.refresh_from_db()
    agency.refresh_from_db()
    assert muni.population == 351_183 and agency.name != "x" and User.objects.get(pk=target.pk).is_active
    assert not Prefecture.objects.filter(in_use=True).exists()
    assert not User.objects.filter(username="x").exists()


# --- The demo システム管理者 ----------------------------------------------------------------------


def test_the_demo_system_admin_logs_in_with_the_demo_password_and_totp_and_lands_on_the_setup(
    demo: Any,
) -> None:
    assert ADMIN in demo_usernames()
    admin = User.objects.get(username=ADMIN)
    assert admin.role_set == {"system_admin"} and admin.agency is None and admin.municipality is None
    assert admin.is_demo and not admin.must_change_password
    client = full_login(ADMIN)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/setup/"
    assert client.get("/setup/").status_code == 200
    assert client.get(f"{API}/prefectures").status_code == 200  # the session works for the API too


def test_a_roles_patch_needs_the_roles_read_and_refuses_a_change_made_meanwhile(
    admin: Client, staff: Any
) -> None:
    target = staff("shinjuku-soudan")
    url = f"{API}/staff/{target.pk}"
    assert "expected_roles" in _errors(_send(admin, "patch", url, {"roles": ["clerk"]}))
    first = _send(admin, "patch", url, {"roles": ["chief_consultant"], "expected_roles": ["consultant"]})
    assert first.status_code == 200
    stale = _send(admin, "patch", url, {"roles": ["clerk"], "expected_roles": ["consultant"]})
    assert stale.status_code == 422
    assert "現在のロール：主任相談支援員" in _errors(stale)["roles"][0]
    assert User.objects.get(pk=target.pk).role_set == {"chief_consultant"}


def test_the_staff_list_costs_the_same_queries_whatever_the_number_of_accounts(
    admin: Client, staff: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def listing() -> tuple[int, dict[str, Any]]:
        with CaptureQueriesContext(connection) as ctx:
            response = admin.get(f"{API}/staff")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()

    listing()  # the token's first use is recorded once
    before, body = listing()
    shown = {item["username"]: item["mfa_enabled"] for item in body["items"]}
    assert shown["shinjuku-soudan"] is True  # the demo accounts have TOTP enrolled
    agency = staff("shinjuku-soudan").agency
    for n in range(8):
        extra = User.objects.create_user(username=f"extra-{n}", display_name=f"追加 {n}", agency=agency)
        if n % 2:
            Authenticator.objects.create(user=extra, type=Authenticator.Type.TOTP, data={"secret": SECRET})
    after, body = listing()
    assert body["count"] == len(shown) + 8
    assert after == before
    extras = {i["username"]: i["mfa_enabled"] for i in body["items"] if i["username"].startswith("extra-")}
    assert extras == {f"extra-{n}": bool(n % 2) for n in range(8)}


def test_the_staff_list_api_searches_like_the_screen(admin: Client, staff: Any) -> None:
    def names(query: str) -> set[str]:
        response = admin.get(f"{API}/staff{query}")
        assert response.status_code == 200
        return {i["username"] for i in response.json()["items"]}

    assert names("?q=hasuda-soudan") == {"hasuda-soudan"}
    assert names("?q=蓮田 shinjuku") == set()
    hasuda = names("?q=蓮田")
    assert hasuda and all(n.startswith("hasuda-") for n in hasuda)
    assert "hasuda-soudan" not in names("?q=蓮田&status=disabled")
    assert admin.get(f"{API}/staff?status=gone").status_code == 422
