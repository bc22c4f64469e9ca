"""Screens: partner agencies, referral form (refusals shown, typed input kept), register, approvals, ops, export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.referrals import services
from tsunagu.referrals.models import Disclosure, ExceptionStatus, Referral, StatutoryExceptionRequest

from .conftest import consent_scope
from .test_services import assert_noto_cjk_embedded

pytestmark = pytest.mark.django_db

T = PartnerAgencyType


def referral_post(partner: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "partner": partner.pk if partner else "",
        "program": "",
        "reason": "就労に向けた相談のため",
        "data_categories": ["basic", "work_school"],
        "basis": "consent",
        "accompanied": "on",
        "follow_up_on": "",
        "confirm_age_warning": "False",
    }
    data.update(overrides)
    return data


# --- 関係機関 ----------------------------------------------------------------------------------


def test_partner_list_shows_only_served_municipalities(demo: Any, login: Callable[[str], Client]) -> None:
    r = login("shinjuku-soudan").get("/referrals/partners/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "ハローワーク新宿" in body and "ハローワーク大宮" not in body


def test_partner_of_another_municipality_is_404(demo: Any, login: Callable[[str], Client]) -> None:
    hasuda = PartnerAgency.objects.get(name="ハローワーク大宮")
    assert login("shinjuku-soudan").get(f"/referrals/partners/{hasuda.pk}/").status_code == 404
    assert login("hasuda-soudan").get(f"/referrals/partners/{hasuda.pk}/").status_code == 200


def test_partner_create_edit_and_contacts(demo: Any, login: Callable[[str], Client]) -> None:
    from tsunagu.organizations.models import Municipality

    client = login("shinjuku-shunin")
    shinjuku = Municipality.objects.get(slug="shinjuku")
    r = client.post(
        "/referrals/partners/new/",
        {"municipality": shinjuku.pk, "name": "", "agency_type": "npo", "area": "新宿区", "is_active": "on"},
    )
    assert r.status_code == 200 and "機関名" in r.content.decode() and 'value="新宿区"' in r.content.decode()
    r = client.post(
        "/referrals/partners/new/",
        {
            "municipality": shinjuku.pk,
            "name": "NPO法人 しんじゅく食支援",
            "agency_type": "npo",
            "is_active": "on",
        },
    )
    partner = PartnerAgency.objects.get(name="NPO法人 しんじゅく食支援")
    assert r.status_code == 302 and r["Location"] == f"/referrals/partners/{partner.pk}/"
    r = client.post(
        f"/referrals/partners/{partner.pk}/edit/",
        {
            "name": partner.name,
            "agency_type": "npo",
            "notes": "毎週水曜に配布",
            "is_active": "on",
            "version": partner.version,
        },
    )
    assert r.status_code == 302
    partner.refresh_from_db()
    assert partner.notes == "毎週水曜に配布"
    r = client.post(
        f"/referrals/partners/{partner.pk}/contacts/", {"name": "食支 花子", "phone": "03-0000-1111"}
    )
    assert r.status_code == 302 and partner.contacts.count() == 1
    contact = partner.contacts.get()
    r = client.post(f"/referrals/partners/{partner.pk}/contacts/{contact.pk}/remove/")
    assert r.status_code == 302 and partner.contacts.count() == 0
    assert login("shinjuku-kansa").get("/referrals/partners/new/").status_code == 403


# --- つなぎ --------------------------------------------------------------------------------------


def test_referral_form_records_a_referral(
    make_case: Callable[..., Any], partners: dict[str, Any], login: Callable[[str], Client]
) -> None:
    case = make_case(consent=consent_scope())
    client = login("shinjuku-soudan")
    r = client.get(f"/referrals/new/?case={case.pk}")
    assert r.status_code == 200
    body = r.content.decode()
    assert "本人の同意（現在有効なもの）" in body and partners[T.HELLO_WORK].name in body
    assert partners["hasuda_welfare"].name not in body
    r = client.post(f"/referrals/new/?case={case.pk}", referral_post(partners[T.HELLO_WORK]))
    referral = Referral.objects.get(case=case)
    assert r.status_code == 302 and r["Location"] == f"/referrals/{referral.pk}/"
    detail = client.get(r["Location"])
    assert detail.status_code == 200 and "本人の同意" in detail.content.decode()


def test_referral_without_basis_shows_the_reason_and_keeps_input(
    make_case: Callable[..., Any], partners: dict[str, Any], login: Callable[[str], Client]
) -> None:
    case = make_case(consent=None)
    r = login("shinjuku-soudan").post(
        f"/referrals/new/?case={case.pk}",
        referral_post(partners[T.WELFARE_OFFICE], reason="家賃滞納の相談のため"),
    )
    assert r.status_code == 403
    body = r.content.decode()
    assert "本人の同意（個人情報の第三者提供）が記録されていません" in body
    assert "家賃滞納の相談のため" in body
    assert not Referral.objects.exists() and not Disclosure.objects.exists()


def test_referral_age_warning_then_confirmation(
    make_case: Callable[..., Any], partners: dict[str, Any], login: Callable[[str], Client]
) -> None:
    case = make_case(birth_date=date(1970, 1, 1), consent=None)
    client = login("shinjuku-soudan")
    data = referral_post(partners[T.YOUTH_SUPPORT_STATION], data_categories=[])
    r = client.post(f"/referrals/new/?case={case.pk}", data)
    body = r.content.decode()
    assert (
        r.status_code == 422 and "15〜39歳" in body and 'type="checkbox" name="confirm_age_warning"' in body
    )
    assert not Referral.objects.exists()
    r = client.post(
        f"/referrals/new/?case={case.pk}",
        data | {"confirm_age_warning": "on", "confirm_age_warning_shown": "1"},
    )
    assert r.status_code == 302
    assert "歳" in Referral.objects.get().age_warning


def test_referral_to_another_municipality_is_refused_in_the_form(
    make_case: Callable[..., Any], partners: dict[str, Any], login: Callable[[str], Client]
) -> None:
    case = make_case(consent=consent_scope())
    r = login("shinjuku-soudan").post(
        f"/referrals/new/?case={case.pk}", referral_post(partners["hasuda_welfare"])
    )
    assert r.status_code == 422 and not Referral.objects.exists()


def test_referral_status_screens(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, login: Callable[[str], Client]
) -> None:
    case = make_case(consent=consent_scope())
    referral = services.referral_create(
        actor=worker,
        case=case,
        values={"partner": partners[T.HELLO_WORK], "reason": "就労", "data_categories": ["basic"]},
    )
    client = login("shinjuku-soudan")
    assert client.get(f"/referrals/{referral.pk}/status/?to=accepted").status_code == 200
    r = client.post(
        f"/referrals/{referral.pk}/status/",
        {"to_status": "declined", "outcome": "", "note": "", "version": referral.version},
    )
    assert r.status_code == 200 and "不受理の理由" in r.content.decode()
    r = client.post(
        f"/referrals/{referral.pk}/status/", {"to_status": "accepted", "version": referral.version}
    )
    assert r.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "accepted"
    r = client.post(
        f"/referrals/{referral.pk}/outcome/",
        {
            "outcome_code": "",
            "outcome": "面談日調整中",
            "follow_up_on": "令和9年1月8日",
            "version": referral.version,
        },
    )
    assert r.status_code == 302
    referral.refresh_from_db()
    assert referral.follow_up_on == date(2027, 1, 8)
    assert client.get("/referrals/?status=open").status_code == 200


def test_public_assistance_referral_offers_the_closure(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, login: Callable[[str], Client]
) -> None:
    case = make_case(consent=consent_scope())
    r = services.referral_create(
        actor=worker,
        case=case,
        values={
            "partner": partners[T.WELFARE_OFFICE],
            "program": "public_assistance",
            "reason": "所持金がなく保護の申請が必要",
            "data_categories": ["basic", "finances"],
            "accompanied": True,
        },
    )
    services.referral_status_change(actor=worker, referral=r, to_status="accepted")
    r.refresh_from_db()
    services.referral_status_change(
        actor=worker, referral=r, to_status="completed", outcome_code="protection_started"
    )
    body = login("shinjuku-soudan").get(f"/referrals/{r.pk}/").content.decode()
    assert "保護が開始されました" in body and "評価シート（終結・生活保護適用）を記録する" in body
    resp = login("shinjuku-soudan").post(f"/referrals/{r.pk}/close-case/")
    assert resp.status_code == 302 and resp["Location"] == f"/referrals/{r.pk}/"


def test_hw_attachment_download_is_audited(
    make_case: Callable[..., Any],
    partners: dict[str, Any],
    worker: Any,
    login: Callable[[str], Client],
    approved_plan: Callable[..., Any],
) -> None:
    case = make_case(consent=consent_scope(data_categories=["basic", "history"]))
    approved_plan(case)
    r = services.referral_create(
        actor=worker,
        case=case,
        values={
            "partner": partners[T.HELLO_WORK],
            "program": "hw_public_assistance_employment",
            "reason": "チーム支援の要請",
            "data_categories": ["basic", "history"],
        },
    )
    attachment = r.attachments.get()
    before = AuditEvent.objects.filter(action=AuditAction.PRINT).count()
    resp = login("shinjuku-soudan").get(f"/referrals/{r.pk}/attachments/{attachment.pk}/")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert_noto_cjk_embedded(resp.content)
    assert AuditEvent.objects.filter(action=AuditAction.PRINT).count() == before + 1


def test_other_agency_gets_404_for_a_referral(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, login: Callable[[str], Client]
) -> None:
    case = make_case(consent=consent_scope())
    r = services.referral_create(
        actor=worker,
        case=case,
        values={"partner": partners[T.HELLO_WORK], "reason": "就労", "data_categories": []},
    )
    client = login("hasuda-soudan")
    assert client.get(f"/referrals/{r.pk}/").status_code == 404
    assert client.get(f"/referrals/new/?case={case.pk}").status_code == 404
    assert (
        client.post(f"/referrals/{r.pk}/status/", {"to_status": "cancelled", "version": 1}).status_code == 404
    )


# --- 第三者提供の記録 --------------------------------------------------------------------------


def test_disclosure_form_refuses_without_basis_and_records_with(
    make_case: Callable[..., Any], partners: dict[str, Any], login: Callable[[str], Client]
) -> None:
    case = make_case(consent=consent_scope())
    client = login("shinjuku-soudan")
    url = f"/referrals/disclosures/new/?person={case.person_id}"
    assert client.get(url).status_code == 200
    base = {
        "recipient": partners[T.WELFARE_OFFICE].pk,
        "case": case.pk,
        "purpose": "ケース会議の資料",
        "channel": "meeting_papers",
        "basis": "consent",
    }
    r = client.post(url, base | {"data_categories": ["health"]})
    assert r.status_code == 403 and "同意の範囲に含まれない" in r.content.decode()
    assert not Disclosure.objects.exists()
    r = client.post(url, base | {"data_categories": ["basic"]})
    assert r.status_code == 302 and Disclosure.objects.count() == 1


def test_register_page_scope(
    make_case: Callable[..., Any],
    partners: dict[str, Any],
    staff: Callable[[str], Any],
    login: Callable[[str], Client],
) -> None:
    case = make_case(consent=consent_scope(), actor="shinjuku-shuro")
    d = services.disclosure_record(
        actor=staff("shinjuku-shuro"),
        person=case.person,
        recipient=partners[T.WELFARE_OFFICE],
        categories=["basic"],
        purpose="連絡調整",
        channel="export",
    )
    assert "連絡調整" in login("shinjuku-privacy").get("/referrals/disclosures/").content.decode()
    assert "連絡調整" in login("shinjuku-center").get("/referrals/disclosures/").content.decode()
    assert "連絡調整" not in login("shinjuku-soudan").get("/referrals/disclosures/").content.decode()
    assert login("hasuda-privacy").get(f"/referrals/disclosures/{d.pk}/").status_code == 404
    assert login("shinjuku-privacy").get(f"/referrals/disclosures/{d.pk}/").status_code == 200


def test_person_history_page_and_pdf(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, login: Callable[[str], Client]
) -> None:
    case = make_case(consent=consent_scope())
    services.disclosure_record(
        actor=worker,
        person=case.person,
        recipient=partners[T.WELFARE_OFFICE],
        categories=["basic"],
        purpose="生活保護の相談",
        channel="export",
    )
    client = login("shinjuku-privacy")
    r = client.get(f"/referrals/persons/{case.person_id}/disclosures/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "生活保護の相談" in body and "referrals/print.css" in body and "<style" not in body
    r = client.get(f"/referrals/persons/{case.person_id}/disclosures.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert_noto_cjk_embedded(r.content)
    assert AuditEvent.objects.filter(action=AuditAction.PRINT, person_id=case.person_id).exists()
    assert login("hasuda-privacy").get(f"/referrals/persons/{case.person_id}/disclosures/").status_code == 404


# --- 第27条第1項 --------------------------------------------------------------------------------------


def test_exception_request_and_approval_screens(
    make_case: Callable[..., Any], partners: dict[str, Any], login: Callable[[str], Client]
) -> None:
    case = make_case(consent=None)
    worker = login("shinjuku-soudan")
    r = worker.post(
        f"/referrals/exceptions/new/?person={case.person_id}",
        {
            "recipient": partners[T.LEGAL].pk,
            "data_categories": ["basic", "finances"],
            "clause": "2",
            "reason": "本人が入院中で意思確認ができず、差押えの回避に緊急の相談が必要",
        },
    )
    req = StatutoryExceptionRequest.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/referrals/exceptions/{req.pk}/"
    page = worker.get(r["Location"]).content.decode()
    assert "判断を記録する" not in page
    assert worker.post(r["Location"], {"decision": "approve"}).status_code == 403
    officer = login("shinjuku-privacy")
    assert "判断を記録する" in officer.get(r["Location"]).content.decode()
    r2 = officer.post(r["Location"], {"decision": "reject", "note": ""})
    assert r2.status_code == 422
    r2 = officer.post(r["Location"], {"decision": "approve", "note": "第2号に該当"})
    assert r2.status_code == 302
    req.refresh_from_db()
    assert req.status == ExceptionStatus.APPROVED
    assert "承認" in officer.get("/referrals/exceptions/").content.decode()


# --- 同意の運用、匿名化出力 ---------------------------------------------------------------------------


def test_consent_operations_tabs(make_case: Callable[..., Any], login: Callable[[str], Client]) -> None:
    today = timezone.localdate()
    make_case(consent=None)
    make_case(consent=consent_scope(expires_on=today + timedelta(days=7)))
    make_case(consent=consent_scope(), withdrawn_on=today)
    client = login("shinjuku-privacy")
    for tab, text in (("without", "同意の記録なし"), ("expiring", "有効期限"), ("withdrawn", "本人の申出")):
        r = client.get(f"/referrals/consents/?tab={tab}")
        assert r.status_code == 200 and text in r.content.decode(), tab


def test_export_download(make_case: Callable[..., Any], login: Callable[[str], Client]) -> None:
    make_case()
    client = login("shinjuku-center")
    assert client.get("/referrals/exports/").status_code == 200
    r = client.post("/referrals/exports/", {"purpose": "statistics", "kind": "cases_by_age_gender"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf") and "attachment" in r["Content-Disposition"]
    r = client.post("/referrals/exports/", {"purpose": "statistics", "kind": "case_rows"})
    assert r.status_code == 422
    assert login("shinjuku-soudan").get("/referrals/exports/").status_code == 403


def test_pages_render_for_every_centre_role(demo: Any, login: Callable[[str], Client]) -> None:
    for user in ("shinjuku-soudan", "shinjuku-privacy", "shinjuku-center", "shinjuku-kansa"):
        client = login(user)
        for url in (
            "/referrals/",
            "/referrals/partners/",
            "/referrals/disclosures/",
            "/referrals/exceptions/",
            "/referrals/consents/",
        ):
            assert client.get(url).status_code == 200, (user, url)
