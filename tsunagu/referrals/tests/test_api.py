"""API: /partner-agencies, /referrals, /disclosures (403 with the Japanese reason), consent lists, tenancy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.referrals import services
from tsunagu.referrals.models import Disclosure, Referral

from .conftest import consent_scope

pytestmark = pytest.mark.django_db

T = PartnerAgencyType


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data, content_type="application/json")


def patch(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.patch(url, data=data, content_type="application/json")


@pytest.fixture
def api(demo: Any, login: Callable[[str], Client]) -> Client:
    return login("shinjuku-soudan")


# --- /partner-agencies -----------------------------------------------------------------------------


def test_partner_agencies_list_get_create_patch(api: Client, login: Callable[[str], Client]) -> None:
    r = api.get("/api/v1/partner-agencies")
    assert r.status_code == 200
    names = {p["name"] for p in r.json()}
    assert "ハローワーク新宿" in names and "ハローワーク大宮" not in names
    hw = next(p for p in r.json() if p["name"] == "ハローワーク新宿")
    assert hw["agency_type_ja"] == "ハローワーク" and hw["municipality_code"] == "131041"
    assert api.get("/api/v1/partner-agencies?agency_type=hello_work").json()[0]["name"] == "ハローワーク新宿"

    r = post(
        api,
        "/api/v1/partner-agencies",
        {
            "municipality_code": "131041",
            "name": "新宿区子ども総合センター",
            "agency_type": "child_guidance",
            "contacts": [{"name": "児童 相談", "phone": "03-1111-2222"}],
        },
    )
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["contacts"][0]["name"] == "児童 相談"
    r = patch(
        api,
        f"/api/v1/partner-agencies/{created['id']}",
        {"area": "新宿区全域", "version": created["version"]},
    )
    assert r.status_code == 200 and r.json()["area"] == "新宿区全域"

    r = post(
        api, "/api/v1/partner-agencies", {"municipality_code": "112381", "name": "X", "agency_type": "npo"}
    )
    assert r.status_code == 422 and "municipality_code" in r.json()["errors"]
    r = post(
        api, "/api/v1/partner-agencies", {"municipality_code": "131041", "name": "", "agency_type": "zzz"}
    )
    assert r.status_code == 422 and set(r.json()["errors"]) >= {"name", "agency_type"}

    hasuda = PartnerAgency.objects.get(name="ハローワーク大宮")
    assert api.get(f"/api/v1/partner-agencies/{hasuda.pk}").status_code == 404
    assert (
        patch(
            api, f"/api/v1/partner-agencies/{hasuda.pk}", {"area": "x", "version": hasuda.version}
        ).status_code
        == 404
    )


# --- /referrals ------------------------------------------------------------------------------------


def referral_body(case: Any, partner: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "case_id": case.pk,
        "partner_id": partner.pk if partner else None,
        "reason": "就労に向けた支援の依頼",
        "data_categories": ["basic", "work_school"],
        "accompanied": True,
    } | overrides


def test_referral_create_and_status(
    api: Client, make_case: Callable[..., Any], partners: dict[str, Any]
) -> None:
    case = make_case(consent=consent_scope())
    r = post(api, "/api/v1/referrals", referral_body(case, partners[T.HELLO_WORK], program="hw_general"))
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["status"] == "requested" and out["status_ja"] == "依頼中"
    assert out["disclosure"]["basis_kind"] == "consent" and out["disclosure"]["data_categories"] == [
        "basic",
        "work_school",
    ]
    r = post(
        api, f"/api/v1/referrals/{out['id']}/status", {"to_status": "accepted", "version": out["version"]}
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = post(
        api, f"/api/v1/referrals/{out['id']}/status", {"to_status": "accepted", "version": out["version"]}
    )
    assert r.status_code == 422
    assert api.get(f"/api/v1/referrals/{out['id']}").json()["status_ja"] == "受理"
    assert api.get(f"/api/v1/referrals?case_id={case.pk}").json()["count"] == 1
    assert api.get("/api/v1/referrals?status=open").json()["count"] == 1


def test_referral_without_basis_is_403_with_japanese_reason(
    api: Client, make_case: Callable[..., Any], partners: dict[str, Any]
) -> None:
    case = make_case(consent=None)
    r = post(api, "/api/v1/referrals", referral_body(case, partners[T.WELFARE_OFFICE]))
    assert r.status_code == 403
    assert r.json()["detail"].startswith("本人の同意（個人情報の第三者提供）が記録されていません。")
    assert not Referral.objects.exists() and not Disclosure.objects.exists()


def test_referral_bad_inputs(api: Client, make_case: Callable[..., Any], partners: dict[str, Any]) -> None:
    case = make_case(consent=consent_scope(), birth_date=date(1970, 1, 1))
    # another municipality's agency
    r = post(api, "/api/v1/referrals", referral_body(case, partners["hasuda_welfare"]))
    assert r.status_code == 422 and "他の自治体" in r.json()["errors"]["partner_id"][0]
    # age outside 15–39 for the サポステ: a warning to confirm
    body = referral_body(case, partners[T.YOUTH_SUPPORT_STATION], data_categories=[])
    r = post(api, "/api/v1/referrals", body)
    assert r.status_code == 422 and "15〜39歳" in r.json()["errors"]["confirm_age_warning"][0]
    r = post(api, "/api/v1/referrals", body | {"confirm_age_warning": True})
    assert r.status_code == 201 and "歳" in r.json()["age_warning"]
    # twice
    r = post(api, "/api/v1/referrals", body | {"confirm_age_warning": True})
    assert r.status_code == 422 and "進行中のつなぎ" in r.json()["errors"]["partner"][0]
    # HW programme without an approved plan
    r = post(
        api,
        "/api/v1/referrals",
        referral_body(
            case,
            partners[T.HELLO_WORK],
            program="hw_public_assistance_employment",
            data_categories=["basic", "history"],
        ),
    )
    assert r.status_code == 422 and "支援調整会議" in r.json()["errors"]["program"][0]
    # basis council without a council
    r = post(api, "/api/v1/referrals", referral_body(case, partners[T.LEGAL], basis="council"))
    assert r.status_code == 422 and "council_id" in r.json()["errors"]
    assert Referral.objects.count() == 1


def test_referral_tenancy(
    api: Client,
    make_case: Callable[..., Any],
    partners: dict[str, Any],
    worker: Any,
    login: Callable[[str], Client],
) -> None:
    case = make_case(consent=consent_scope())
    referral = services.referral_create(
        actor=worker,
        case=case,
        values={"partner": partners[T.HELLO_WORK], "reason": "就労", "data_categories": ["basic"]},
    )
    other = login("hasuda-soudan")
    assert other.get(f"/api/v1/referrals/{referral.pk}").status_code == 404
    assert (
        post(
            other, f"/api/v1/referrals/{referral.pk}/status", {"to_status": "cancelled", "version": 1}
        ).status_code
        == 404
    )
    assert post(other, "/api/v1/referrals", referral_body(case, partners[T.HELLO_WORK])).status_code == 404
    assert other.get("/api/v1/referrals?scope=agency").json()["count"] == 0


# --- /disclosures ----------------------------------------------------------------------------------


def disclosure_body(case: Any, partner: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "person_id": case.person_id,
        "case_id": case.pk,
        "recipient_partner_id": partner.pk,
        "data_categories": ["basic"],
        "purpose": "支援調整のための情報提供",
        "channel": "export",
    } | overrides


@pytest.mark.parametrize(
    ("consent", "categories", "reason_part"),
    [
        (None, ["basic"], "本人の同意（個人情報の第三者提供）が記録されていません"),
        ("scope", ["health"], "同意の範囲に含まれない個人情報の種類があります"),
        ("withdrawn", ["basic"], "撤回されています"),
    ],
)
def test_disclosure_refused_is_403_with_japanese_reason(
    consent: str | None,
    categories: list[str],
    reason_part: str,
    api: Client,
    make_case: Callable[..., Any],
    partners: dict[str, Any],
) -> None:
    from django.utils import timezone

    kwargs: dict[str, Any] = {}
    if consent is not None:
        kwargs["consent"] = consent_scope()
    if consent == "withdrawn":
        kwargs["withdrawn_on"] = timezone.localdate()
    case = make_case(**kwargs)
    r = post(
        api,
        "/api/v1/disclosures",
        disclosure_body(case, partners[T.WELFARE_OFFICE], data_categories=categories),
    )
    assert r.status_code == 403
    assert reason_part in r.json()["detail"]
    assert not Disclosure.objects.exists()


def test_disclosure_create_list_and_history(
    api: Client, make_case: Callable[..., Any], partners: dict[str, Any], login: Callable[[str], Client]
) -> None:
    case = make_case(consent=consent_scope())
    r = post(api, "/api/v1/disclosures", disclosure_body(case, partners[T.WELFARE_OFFICE]))
    assert r.status_code == 201, r.content
    d = r.json()
    assert d["basis_kind"] == "consent" and d["basis_kind_ja"] == "本人の同意" and d["channel"] == "export"
    listed = api.get(f"/api/v1/disclosures?person_id={case.person_id}").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == d["id"]
    history = api.get(f"/api/v1/persons/{case.person_id}/disclosures").json()
    assert [h["id"] for h in history] == [d["id"]]
    other = login("hasuda-privacy")
    assert other.get(f"/api/v1/persons/{case.person_id}/disclosures").status_code == 404
    assert other.get("/api/v1/disclosures").json()["count"] == 0
    r = post(api, "/api/v1/disclosures", disclosure_body(case, partners["hasuda_welfare"]))
    assert r.status_code == 422


def test_statutory_exception_api(
    api: Client, make_case: Callable[..., Any], partners: dict[str, Any], login: Callable[[str], Client]
) -> None:
    case = make_case(consent=None)
    r = post(
        api,
        "/api/v1/statutory-exceptions",
        {
            "person_id": case.person_id,
            "recipient_partner_id": partners[T.LEGAL].pk,
            "data_categories": ["basic", "finances"],
            "clause": 2,
            "reason": "本人が入院中で意思確認ができず、差押えを避けるため緊急の相談が必要",
        },
    )
    assert r.status_code == 201, r.content
    exc_id = r.json()["id"]
    body = disclosure_body(case, partners[T.LEGAL], basis="statutory", exception_id=exc_id)
    r = post(api, "/api/v1/disclosures", body)
    assert r.status_code == 403 and "承認" in r.json()["detail"]
    assert post(api, f"/api/v1/statutory-exceptions/{exc_id}/approve", {}).status_code == 403
    officer = login("shinjuku-privacy")
    r = post(officer, f"/api/v1/statutory-exceptions/{exc_id}/approve", {"note": "第2号"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = post(api, "/api/v1/disclosures", body)
    assert r.status_code == 201 and r.json()["basis_kind"] == "statutory"


def test_consent_operation_lists(
    api: Client, make_case: Callable[..., Any], login: Callable[[str], Client]
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    none = make_case(consent=None)
    expiring = make_case(consent=consent_scope(expires_on=today + timedelta(days=3)))
    withdrawn = make_case(consent=consent_scope(), withdrawn_on=today)
    officer = login("shinjuku-privacy")
    without = officer.get("/api/v1/consents/without-consent").json()
    assert none.person_id in {p["person_id"] for p in without["items"]}
    assert withdrawn.person_id in {p["person_id"] for p in without["items"]}
    soon = officer.get("/api/v1/consents/expiring").json()
    assert [c["person_id"] for c in soon["items"]] == [expiring.person_id]
    gone = officer.get("/api/v1/consents/withdrawn").json()
    assert [c["person_id"] for c in gone["items"]] == [withdrawn.person_id]
    assert gone["items"][0]["withdrawal_note"] == "本人の申出"
    assert login("hasuda-privacy").get("/api/v1/consents/withdrawn").json()["count"] == 0


def test_api_needs_a_session_or_token(demo: Any) -> None:
    assert Client().get("/api/v1/partner-agencies").status_code == 401
    assert Client().get("/api/v1/disclosures").status_code == 401
