"""The shared kit in referrals: partner agencies locked, the register append-only, the transition
table, idempotent creates, formula-safe CSV, audited list reads, audited view refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tsunagu.core.locking import StaleVersionError
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.network.models import PartnerAgencyType
from tsunagu.referrals import services, workflow
from tsunagu.referrals.exports import deidentified_export
from tsunagu.referrals.models import Disclosure, Referral, ReferralStatus

from .conftest import consent_scope

pytestmark = pytest.mark.django_db
T = PartnerAgencyType


def _values(partner: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "partner": partner,
        "program": "",
        "reason": "就労に向けた支援を依頼するため",
        "data_categories": ["basic", "work_school"],
        "accompanied": False,
        "follow_up_on": timezone.localdate() + timedelta(days=14),
    } | overrides


def _bearer(username: str) -> Client:
    out = StringIO()
    call_command("issue_api_token", username, stdout=out)
    return Client(headers={"Authorization": f"Bearer {out.getvalue().strip()}"})


# --- 関係機関: optimistic locking ------------------------------------------------------------------


def test_partner_update_refuses_a_stale_version(partners: dict[str, Any], worker: Any) -> None:
    hw = partners[T.HELLO_WORK]
    opened = hw.version
    services.partner_agency_update(
        actor=worker, partner=hw, values={"notes": "月・水"}, expected_version=opened
    )
    with pytest.raises(StaleVersionError) as exc:
        services.partner_agency_update(
            actor=worker, partner=hw, values={"notes": "火"}, expected_version=opened
        )
    assert exc.value.current.notes == "月・水"
    hw.refresh_from_db()
    assert hw.notes == "月・水" and hw.version == opened + 1


def test_partner_update_without_version_is_refused(partners: dict[str, Any], worker: Any) -> None:
    hw = partners[T.HELLO_WORK]
    with pytest.raises(ValidationError) as exc:
        services.partner_agency_update(actor=worker, partner=hw, values={"notes": "x"}, expected_version=None)
    assert "version" in exc.value.message_dict
    hw.refresh_from_db()
    assert hw.notes != "x"


def test_partner_edit_screen_shows_both_versions_when_stale(
    partners: dict[str, Any], worker: Any, client: Client
) -> None:
    hw = partners[T.HELLO_WORK]
    opened = hw.version
    services.partner_agency_update(
        actor=worker, partner=hw, values={"notes": "他の職員のメモ"}, expected_version=opened
    )
    client.force_login(worker)
    form = {"name": hw.name, "agency_type": hw.agency_type, "notes": "私のメモ", "is_active": "on"}
    r = client.post(f"/referrals/partners/{hw.pk}/edit/", form | {"version": opened})
    body = r.content.decode()
    assert r.status_code == 200
    assert "他の職員が保存した最新の内容" in body and "他の職員のメモ" in body and "私のメモ" in body
    hw.refresh_from_db()
    assert hw.notes == "他の職員のメモ"
    missing = client.post(f"/referrals/partners/{hw.pk}/edit/", form)
    assert missing.status_code == 200
    hw.refresh_from_db()
    assert hw.notes == "他の職員のメモ"


def test_partner_patch_api_refuses_stale_and_missing_version(partners: dict[str, Any], demo: Any) -> None:
    api = _bearer("shinjuku-soudan")
    hw = partners[T.HELLO_WORK]
    url = f"/api/v1/partner-agencies/{hw.pk}"
    ok = api.patch(url, {"notes": "A", "version": hw.version}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["version"] == hw.version + 1
    stale = api.patch(url, {"notes": "B", "version": hw.version}, content_type="application/json")
    assert stale.status_code in (409, 422)
    assert api.patch(url, {"notes": "C"}, content_type="application/json").status_code == 422
    hw.refresh_from_db()
    assert hw.notes == "A"


# --- 第三者提供の記録: append-only ----------------------------------------------------------------


def test_disclosure_register_is_append_only_through_the_base(
    make_case: Callable[..., Any], worker: Any, partners: dict[str, Any]
) -> None:
    case = make_case(consent=consent_scope())
    referral = services.referral_create(actor=worker, case=case, values=_values(partners[T.HELLO_WORK]))
    d = referral.disclosure
    assert d is not None
    with pytest.raises(PermissionError, match="第三者提供の記録は変更できません"):
        Disclosure.objects.filter(pk=d.pk).update(purpose="x")
    with pytest.raises(PermissionError, match="第三者提供の記録は削除できません"):
        Disclosure.objects.filter(pk=d.pk).delete()
    with pytest.raises(PermissionError):
        d.save()


# --- the transition table --------------------------------------------------------------------------


def test_transition_table_drives_the_service_and_the_buttons(
    make_case: Callable[..., Any], worker: Any, partners: dict[str, Any], client: Client
) -> None:
    case = make_case(consent=consent_scope())
    r = services.referral_create(actor=worker, case=case, values=_values(partners[T.HELLO_WORK]))
    labels = [t.label for t in workflow.available_transitions(r, worker)]
    assert labels == ["受理された", "不受理だった", "取り消す"]
    assert workflow.available_transitions(r, client) == []  # no account, no buttons
    with pytest.raises(ValidationError) as exc:
        services.referral_status_change(
            actor=worker, referral=r, to_status=ReferralStatus.IN_SUPPORT, expected_version=r.version
        )
    assert "には変更できません" in exc.value.message_dict["to_status"][0]
    client.force_login(worker)
    body = client.get(f"/referrals/{r.pk}/").content.decode()
    assert "?to=accepted" in body and "?to=in_support" not in body


# --- idempotent creates ----------------------------------------------------------------------------


def test_referral_create_with_the_same_key_returns_the_first(
    make_case: Callable[..., Any], worker: Any, partners: dict[str, Any]
) -> None:
    case = make_case(consent=consent_scope())
    vals = _values(partners[T.HELLO_WORK])
    a = services.referral_create(actor=worker, case=case, values=vals, idempotency_key="ref-retry-0001")
    b = services.referral_create(actor=worker, case=case, values=vals, idempotency_key="ref-retry-0001")
    assert a.pk == b.pk and Referral.objects.filter(case=case).count() == 1
    assert Disclosure.objects.filter(case=case).count() == 1


# --- exports ---------------------------------------------------------------------------------------


def test_export_neutralises_formula_cells(make_case: Callable[..., Any], staff: Callable[[str], Any]) -> None:
    research = consent_scope(purposes=["support", "research"])
    make_case(consent=research, birth_date=date(1990, 1, 15), chief_complaint='=HYPERLINK("http://x","y")')
    export = deidentified_export(
        user=staff("shinjuku-center"), purpose="research", kind="case_rows", free_text_reviewed=True
    )
    text = export.csv_bytes().decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text and '"=HYPERLINK' not in text


# --- audited reads and refusals -------------------------------------------------------------------


def test_referral_and_disclosure_lists_are_audited(
    make_case: Callable[..., Any], worker: Any, partners: dict[str, Any]
) -> None:
    case = make_case(consent=consent_scope())
    services.referral_create(actor=worker, case=case, values=_values(partners[T.HELLO_WORK]))
    api = _bearer("shinjuku-soudan")
    assert api.get("/api/v1/referrals").status_code == 200
    assert api.get("/api/v1/disclosures").status_code == 200
    shown = AuditEvent.objects.filter(action=AuditAction.VIEW, person_id=case.person_id)
    assert shown.filter(details__list="referrals").exists()
    assert shown.filter(details__list="disclosures").exists()


def test_view_refusal_is_audited_once(staff: Callable[[str], Any], client: Client) -> None:
    auditor = staff("shinjuku-kansa")
    client.force_login(auditor)
    before = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count()
    assert client.get("/referrals/partners/new/").status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == before + 1


def test_ids_beyond_64_bits_are_refused_not_a_500(demo: Any) -> None:
    api = _bearer("shinjuku-soudan")
    huge = 2**64
    assert api.get(f"/api/v1/referrals/{huge}").status_code == 422
    assert api.get(f"/api/v1/disclosures?person_id={huge}").status_code == 422
    body = {"case_id": huge, "partner_id": 1, "reason": "x", "data_categories": []}
    assert api.post("/api/v1/referrals", body, content_type="application/json").status_code == 422
    assert api.get(f"/api/v1/meetings/{huge}").status_code == 422
    assert api.get(f"/api/v1/decisions/{huge}").status_code == 422
