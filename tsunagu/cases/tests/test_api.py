"""The API of 相談受付: persons, duplicate candidates, intakes, consents, the case list.

The same services and scoping as the screens; session or api_as token."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tsunagu.cases.models import Case, CaseState, EmergencySupport
from tsunagu.cases.tests.helpers import open_case
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.network.models import PartnerAgency
from tsunagu.persons.models import Person
from tsunagu.persons.policies import MASK
from tsunagu.privacy.models import Consent

API = "/api/v1"


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{url}", json.dumps(body, default=str), content_type="application/json")


def patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(f"{API}{url}", json.dumps(body, default=str), content_type="application/json")


def _person(name: str) -> Person:
    return Person.objects.get(name=name)


# --- Persons ------------------------------------------------------------------------------------------


def test_create_a_person_returns_201_with_its_id(api_as: Any) -> None:
    response = post(
        api_as("shinjuku-soudan"),
        "/persons",
        {
            "name": "佐々木 太郎",
            "kana": "ささき たろう",
            "birth_date": "1980-05-12",
            "phone": "090-1111-2222",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert (person.name, person.kana, str(person.birth_date), person.phone) == (
        "佐々木 太郎",
        "ササキ タロウ",
        "1980-05-12",
        "090-1111-2222",
    )
    assert person.kana_key == "ササキタロ"
    assert body["kana"] == "ササキ タロウ" and body["version"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"birth_date": "2099-01-01"}, "birth_date"),
        ({"kana": "佐々木"}, "kana"),
        ({"phone": "12-34"}, "phone"),
        ({"postal_code": "1600"}, "postal_code"),
    ],
)
def test_bad_person_values_give_422_with_the_field(login: Any, body: dict[str, str], field: str) -> None:
    before = Person.objects.count()
    response = post(
        login("shinjuku-soudan"), "/persons", {"name": "佐々木 太郎", "kana": "ササキ タロウ"} | body
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert Person.objects.count() == before


def test_get_a_person_and_another_agencys_person_is_404_like_a_missing_one(login: Any) -> None:
    client = login("shinjuku-soudan")
    takahashi = _person("髙橋 一郎")
    ok = client.get(f"{API}/persons/{takahashi.pk}")
    assert ok.status_code == 200
    assert ok.json()["phone"] == "090-1234-5678"
    saito = _person("齋藤 美和")  # 蓮田市
    not_yours = client.get(f"{API}/persons/{saito.pk}")
    missing = client.get(f"{API}/persons/99999999")
    assert not_yours.status_code == missing.status_code == 404
    assert not_yours.json() == missing.json()
    assert patch(client, f"/persons/{saito.pk}", {"version": 1, "phone": "03-0000-0000"}).status_code == 404
    assert client.get(f"{API}/persons/{saito.pk}/consents").status_code == 404
    assert Person.objects.get(pk=saito.pk).phone == "048-768-3111"


def test_patch_needs_the_version_and_a_stale_one_is_422(api_as: Any) -> None:
    client = api_as("shinjuku-soudan")
    takahashi = _person("髙橋 一郎")
    no_version = patch(client, f"/persons/{takahashi.pk}", {"phone": "090-0000-1111"})
    assert no_version.status_code == 422
    assert "version" in no_version.json()["errors"]
    ok = patch(client, f"/persons/{takahashi.pk}", {"version": 1, "phone": "090-0000-1111"})
    assert ok.status_code == 200
    assert ok.json()["version"] == 2 and ok.json()["phone"] == "090-0000-1111"
    stale = patch(client, f"/persons/{takahashi.pk}", {"version": 1, "address": "上書きしてはならない"})
    assert stale.status_code == 422
    assert "他の職員によって更新されました" in stale.json()["errors"]["version"][0]
    fresh = Person.objects.get(pk=takahashi.pk)
    assert (fresh.version, fresh.address) == (2, "東京都新宿区西新宿二丁目8番1号")


def test_restricted_fields_are_masked_in_the_api_for_others(login: Any, api_as: Any) -> None:
    yamazaki = _person("山﨑 花子")
    for client, sees in (
        (login("shinjuku-shunin"), False),
        (api_as("shinjuku-kakei"), False),
        (login("shinjuku-soudan"), True),
        (api_as("shinjuku-center"), True),
    ):
        body = client.get(f"{API}/persons/{yamazaki.pk}").json()
        assert body["is_restricted"] is True
        assert body["restricted_fields_hidden"] is not sees
        for field, value in (("phone", "080-2345-6789"), ("address", "東京都新宿区歌舞伎町一丁目4番1号")):
            assert body[field] == (value if sees else MASK)
        assert body["name"] == "山﨑 花子"
    assert AuditEvent.objects.filter(
        action=AuditAction.RESTRICTED_VIEW, actor__username="shinjuku-center", person_id=yamazaki.pk
    ).exists()
    assert not AuditEvent.objects.filter(
        action=AuditAction.RESTRICTED_VIEW, actor__username="shinjuku-shunin", person_id=yamazaki.pk
    ).exists()


def test_others_cannot_patch_restricted_fields(login: Any) -> None:
    yamazaki = _person("山﨑 花子")
    refused = patch(
        login("shinjuku-shunin"), f"/persons/{yamazaki.pk}", {"version": 1, "phone": "090-0000-0000"}
    )
    assert refused.status_code == 403
    assert Person.objects.get(pk=yamazaki.pk).phone == "080-2345-6789"


# --- Duplicate candidates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"kana": "たかはし いちろー"},
        {"name": "高橋 一郎"},
        {"birth_date": "1975-06-12", "kana": "タカハシ"},
        {"phone": "09012345678"},
        {
            "name": "高橋一郎",
            "kana": "タカハシ イチロウ",
            "birth_date": "1975-06-12",
            "phone": "090-1234-5678",
        },
    ],
)
def test_duplicate_candidates_from_any_subset(api_as: Any, query: dict[str, str]) -> None:
    response = post(api_as("shinjuku-soudan"), "/persons/duplicate-candidates", query)
    assert response.status_code == 200
    candidates = response.json()
    assert candidates[0]["person_id"] == _person("髙橋 一郎").pk
    assert all(0.0 <= c["score"] <= 1.0 for c in candidates)
    assert [c["score"] for c in candidates] == sorted((c["score"] for c in candidates), reverse=True)
    assert candidates[0]["reasons"]
    assert set(candidates[0]) == {"person_id", "name", "kana", "birth_date", "score", "reasons"}


def test_duplicate_candidates_never_include_another_agency(api_as: Any) -> None:
    response = post(
        api_as("hasuda-soudan"),
        "/persons/duplicate-candidates",
        {
            "name": "髙橋 一郎",
            "kana": "タカハシ イチロウ",
            "birth_date": "1975-06-12",
            "phone": "090-1234-5678",
        },
    )
    assert response.status_code == 200
    assert response.json() == []


def test_duplicate_candidates_do_not_match_a_hidden_phone(api_as: Any) -> None:
    hidden = post(api_as("shinjuku-shunin"), "/persons/duplicate-candidates", {"phone": "080-2345-6789"})
    assert hidden.json() == []
    shown = post(api_as("shinjuku-soudan"), "/persons/duplicate-candidates", {"phone": "080-2345-6789"})
    assert [c["name"] for c in shown.json()] == ["山﨑 花子"]


# --- Intakes and consents ------------------------------------------------------------------------------


def _intake_body(person_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "received_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
        "method": "phone",
        "route": "welfare_office",
        "topics": ["income", "housing"],
        "main_topic": "housing",
        "chief_complaint": "家賃が払えない",
        "urgency_flags": ["housing_loss"],
        "screening_outcome": "continuing",
    } | overrides


def test_post_an_intake_opens_a_case(api_as: Any) -> None:
    client = api_as("shinjuku-soudan")
    person_id = post(client, "/persons", {"name": "佐々木 太郎", "kana": "ササキ タロウ"}).json()["id"]
    partner = PartnerAgency.objects.get(name="新宿区福祉事務所（生活福祉課）")
    response = post(
        client, "/intakes", _intake_body(person_id, referring_partner_id=partner.pk, submission_token="t-1")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert body["case_number"] == case.case_number and case.case_number.startswith("R8-")
    assert (body["state"], body["state_ja"], body["is_emergency"]) == ("intake", "受付", True)
    assert EmergencySupport.objects.filter(case=case, flag="housing_loss").exists()
    assert case.intake.referring_partner_id == partner.pk
    again = post(client, "/intakes", _intake_body(person_id, submission_token="t-1"))
    assert again.status_code == 201 and again.json()["id"] == case.pk
    assert Case.objects.filter(person_id=person_id).count() == 1


def test_intake_errors_are_422_and_another_agency_is_404(api_as: Any) -> None:
    client = api_as("shinjuku-soudan")
    takahashi = _person("髙橋 一郎")
    hasuda_partner = PartnerAgency.objects.get(name="蓮田市福祉課（生活保護担当）")
    before = Case.objects.count()
    wrong_partner = post(
        client, "/intakes", _intake_body(takahashi.pk, referring_partner_id=hasuda_partner.pk)
    )
    assert wrong_partner.status_code == 422
    assert "referring_partner" in wrong_partner.json()["errors"]
    open_case = Case.objects.get(person=takahashi)
    conflict = post(client, "/intakes", _intake_body(takahashi.pk))
    assert conflict.status_code == 409  # 髙橋 has an open case (demo): record in it, or give a reason
    assert conflict.json()["open_case_id"] == open_case.pk
    assert conflict.json()["open_case_number"] == open_case.case_number
    no_consent = post(
        client,
        "/intakes",
        _intake_body(
            takahashi.pk, applied_on=str(timezone.localdate()), second_case_reason="別の相談として受け付ける"
        ),
    )
    assert no_consent.status_code == 201  # 髙橋 has a consent in force (demo)
    referred = post(client, "/intakes", _intake_body(takahashi.pk, screening_outcome="referred"))
    assert referred.status_code == 422 and "screening_referral_to" in referred.json()["errors"]
    assert post(client, "/intakes", _intake_body(_person("齋藤 美和").pk)).status_code == 404
    assert Case.objects.count() == before + 1


def test_application_needs_consent_through_the_api_too(api_as: Any) -> None:
    client = api_as("shinjuku-soudan")
    yamazaki = _person("山﨑 花子")  # no consent (demo)
    before = Case.objects.count()
    response = post(
        client,
        "/intakes",
        _intake_body(yamazaki.pk, applied_on=str(timezone.localdate()), second_case_reason="再相談"),
    )
    assert response.status_code == 422
    assert "同意" in response.json()["errors"]["applied_on"][0]
    assert Case.objects.count() == before


def test_consent_give_and_withdraw(api_as: Any) -> None:
    client = api_as("shinjuku-soudan")
    yamazaki = _person("山﨑 花子")
    partner = PartnerAgency.objects.get(name="ハローワーク新宿")
    today = timezone.localdate()
    given = post(
        client,
        f"/persons/{yamazaki.pk}/consents",
        {
            "purposes": ["support"],
            "recipient_types": ["welfare_office"],
            "named_recipient_ids": [partner.pk],
            "data_categories": ["basic", "health"],
            "given_on": str(today - timedelta(days=5)),
            "method": "oral",
            "expires_on": str(today + timedelta(days=365)),
        },
    )
    assert given.status_code == 201, given.content
    body = given.json()
    assert body["named_recipient_ids"] == [partner.pk]
    assert body["in_force"] is True and body["notice_version"] == 1
    listed = client.get(f"{API}/persons/{yamazaki.pk}/consents").json()
    assert [c["id"] for c in listed] == [body["id"]]

    too_early = post(
        client,
        f"/persons/{yamazaki.pk}/consents/{body['id']}/withdraw",
        {"withdrawn_on": str(today - timedelta(days=6))},
    )
    assert too_early.status_code == 422
    withdrawn = post(
        client,
        f"/persons/{yamazaki.pk}/consents/{body['id']}/withdraw",
        {"withdrawn_on": str(today), "note": "本人の申出"},
    )
    assert withdrawn.status_code == 200
    assert (withdrawn.json()["withdrawn_on"], withdrawn.json()["in_force"]) == (str(today), False)
    twice = post(
        client, f"/persons/{yamazaki.pk}/consents/{body['id']}/withdraw", {"withdrawn_on": str(today)}
    )
    assert twice.status_code == 422


def test_consent_with_a_partner_outside_the_served_area_is_refused(api_as: Any) -> None:
    yamazaki = _person("山﨑 花子")
    hasuda = PartnerAgency.objects.get(name="ハローワーク大宮")
    response = post(
        api_as("shinjuku-soudan"),
        f"/persons/{yamazaki.pk}/consents",
        {
            "purposes": ["support"],
            "named_recipient_ids": [hasuda.pk],
            "given_on": str(timezone.localdate()),
            "method": "oral",
        },
    )
    assert response.status_code == 422
    assert "named_recipient_ids" in response.json()["errors"]
    assert not Consent.objects.filter(person=yamazaki).exists()


def test_consent_of_another_agencys_person_is_404(api_as: Any) -> None:
    saito = _person("齋藤 美和")
    consent = Consent.objects.get(person=saito)
    client = api_as("shinjuku-soudan")
    assert (
        post(
            client,
            f"/persons/{saito.pk}/consents",
            {"purposes": ["support"], "given_on": str(timezone.localdate()), "method": "oral"},
        ).status_code
        == 404
    )
    assert (
        post(
            client,
            f"/persons/{saito.pk}/consents/{consent.pk}/withdraw",
            {"withdrawn_on": str(timezone.localdate())},
        ).status_code
        == 404
    )
    # A consent id of another person of the same agency is 404 as well.
    takahashi = _person("髙橋 一郎")
    assert (
        post(
            client,
            f"/persons/{takahashi.pk}/consents/{consent.pk}/withdraw",
            {"withdrawn_on": str(timezone.localdate())},
        ).status_code
        == 404
    )
    assert Consent.objects.get(pk=consent.pk).withdrawn_on is None


# --- Case list -------------------------------------------------------------------------------------------


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(i["person_name"] for i in response.json()["items"])


def test_case_list_with_the_same_filters_as_the_screen(api_as: Any, staff: Any) -> None:
    chief = api_as("shinjuku-shunin")
    assert _names(chief.get(f"{API}/cases")) == ["渡邉 健"]
    assert _names(chief.get(f"{API}/cases", {"scope": "agency"})) == ["山﨑 花子", "渡邉 健", "髙橋 一郎"]
    assert _names(chief.get(f"{API}/cases", {"scope": "agency", "q": "たかはし"})) == ["髙橋 一郎"]
    assert _names(chief.get(f"{API}/cases", {"scope": "agency", "q": "昭和37年11月3日"})) == ["渡邉 健"]
    assert _names(chief.get(f"{API}/cases", {"scope": "agency", "state": "intake"})) == ["山﨑 花子"]
    assert _names(chief.get(f"{API}/cases", {"scope": "agency", "topic": "debt"})) == ["渡邉 健"]
    soudan = staff("shinjuku-soudan")
    assert _names(chief.get(f"{API}/cases", {"scope": "agency", "worker_id": soudan.pk})) == [
        "山﨑 花子",
        "髙橋 一郎",
    ]
    assert _names(chief.get(f"{API}/cases", {"scope": "agency", "q": "2345-6789"})) == []  # restricted phone
    assert _names(api_as("hasuda-center").get(f"{API}/cases", {"scope": "agency"})) == ["齋藤 美和"]


def test_case_list_pages_with_the_cursor(api_as: Any, staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    for i in range(27):
        open_case(worker, person_kw={"name": f"頁送 {i}", "kana": "ページオクリ テスト", "phone": ""})
    client = api_as("shinjuku-soudan")
    first = client.get(f"{API}/cases").json()
    assert len(first["items"]) == 25 and first["next_cursor"]
    second = client.get(f"{API}/cases", {"after": first["next_cursor"]}).json()
    assert second["next_cursor"] == ""
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 29


def test_case_get_of_another_agency_is_404(api_as: Any) -> None:
    case = Case.objects.get(person__name="齋藤 美和")
    assert api_as("shinjuku-center").get(f"{API}/cases/{case.pk}").status_code == 404
    assert api_as("hasuda-center").get(f"{API}/cases/{case.pk}").json()["state"] == CaseState.APPLIED


def test_unauthenticated_calls_are_401(demo: Any) -> None:
    client = Client()
    assert client.get(f"{API}/cases").status_code == 401
    assert post(client, "/persons", {"name": "x", "kana": "エックス"}).status_code == 401


def test_a_patch_answer_showing_restricted_fields_is_audited(login: Any) -> None:
    yamazaki = _person("山﨑 花子")
    response = patch(
        login("shinjuku-soudan"), f"/persons/{yamazaki.pk}", {"version": 1, "contact_times": "午前中"}
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "080-2345-6789"
    event = AuditEvent.objects.get(action=AuditAction.RESTRICTED_VIEW, person_id=yamazaki.pk)
    assert (event.actor_label, event.details["via"]) == ("shinjuku-soudan", "api")
