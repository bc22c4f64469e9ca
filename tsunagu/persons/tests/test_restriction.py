"""閲覧制限 (DV etc.): who may set or lift it (screen form, service, API), who sees the hidden
fields (only past 利用申込, or the registrant at 受付), the merge page's candidates, and the audit
rows of duplicate searches."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from tsunagu.cases.models import OPEN_STATES, Case, CaseState
from tsunagu.cases.services import intake_record_application
from tsunagu.cases.tests.helpers import consent_values, new_person, open_case
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.organizations.guards import AccessDenied
from tsunagu.persons.forms import PersonForm
from tsunagu.persons.models import Person
from tsunagu.persons.policies import (
    CONTACT_CASE_STATES,
    INTAKE_STATE,
    may_change_restriction,
    restricted_contact_searchable_q,
    restricted_visible_person_ids,
)
from tsunagu.persons.selectors import person_duplicate_candidates, person_merge_candidates
from tsunagu.persons.services import RESTRICTION_CHANGE_FORBIDDEN, VersionMissingError, person_update

API = "/api/v1"
YAMAZAKI_PHONE = "080-2345-6789"  # demo: 山﨑 花子 (restricted, registered by shinjuku-soudan at 受付)


def _yamazaki() -> Person:
    return Person.objects.get(name="山﨑 花子")


def _bearer(username: str) -> Client:
    out = StringIO()
    call_command("issue_api_token", username, stdout=out)
    return Client(headers={"Authorization": f"Bearer {out.getvalue().strip()}"})


def _patch(client: Client, person: Person, body: dict[str, Any]) -> Any:
    return client.patch(
        f"{API}/persons/{person.pk}", json.dumps(body, default=str), content_type="application/json"
    )


def _denials(username: str) -> list[dict[str, Any]]:
    return [
        e.details
        for e in AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor__username=username)
    ]


# --- Setting and lifting a restriction ----------------------------------------------------------------


def test_a_clerk_cannot_lift_or_set_a_restriction_through_the_api(demo: Any) -> None:
    clerk = _bearer("shinjuku-jimu")
    yamazaki = _yamazaki()
    lifted = _patch(
        clerk, yamazaki, {"version": yamazaki.version, "is_restricted": False, "restriction_reason": "解除"}
    )
    assert lifted.status_code == 403
    assert Person.objects.get(pk=yamazaki.pk).is_restricted

    takahashi = Person.objects.get(name="髙橋 一郎")
    set_ = _patch(
        clerk, takahashi, {"version": takahashi.version, "is_restricted": True, "restriction_reason": "DV"}
    )
    assert set_.status_code == 403
    assert set_.json()["detail"] == RESTRICTION_CHANGE_FORBIDDEN
    assert not Person.objects.get(pk=takahashi.pk).is_restricted
    assert [d["reason"] for d in _denials("shinjuku-jimu")] == ["restriction_change", "restriction_change"]
    # The clerk's other edits still go through.
    ok = _patch(clerk, takahashi, {"version": takahashi.version, "contact_times": "午前中"})
    assert ok.status_code == 200


def test_the_centre_manager_lifts_a_restriction_through_the_api_with_a_new_reason(demo: Any) -> None:
    client = _bearer("shinjuku-center")
    yamazaki = _yamazaki()
    same_reason = _patch(
        client,
        yamazaki,
        {
            "version": yamazaki.version,
            "is_restricted": False,
            "restriction_reason": yamazaki.restriction_reason,
        },
    )
    assert same_reason.status_code == 422
    assert "restriction_reason" in same_reason.json()["errors"]
    no_reason = _patch(client, yamazaki, {"version": yamazaki.version, "is_restricted": False})
    assert no_reason.status_code == 422
    ok = _patch(
        client,
        yamazaki,
        {"version": yamazaki.version, "is_restricted": False, "restriction_reason": "本人の申出（転居完了）"},
    )
    assert ok.status_code == 200
    fresh = _yamazaki()
    assert (fresh.is_restricted, fresh.restriction_reason) == (False, "本人の申出（転居完了）")
    row = AuditEvent.objects.get(
        person_id=yamazaki.pk, action=AuditAction.UPDATE, details__change="restriction"
    )
    assert row.actor_label == "shinjuku-center"
    assert row.details == {
        "change": "restriction",
        "is_restricted": [True, False],
        "reason": "本人の申出（転居完了）",
    }


def test_the_service_asks_the_one_policy(staff: Any) -> None:
    worker, clerk, chief, centre = (
        staff(u) for u in ("shinjuku-soudan", "shinjuku-jimu", "shinjuku-shunin", "shinjuku-center")
    )
    person = new_person(worker)
    assert not may_change_restriction(clerk, person)
    with pytest.raises(AccessDenied):
        person_update(
            actor=clerk,
            person=person,
            values={"is_restricted": True, "restriction_reason": "DV"},
            expected_version=person.version,
        )
    assert len(_denials("shinjuku-jimu")) == 1
    # A caseworker sets it, with its reason; the change has its own audit row.
    assert may_change_restriction(worker, person)
    person_update(
        actor=worker,
        person=person,
        values={"is_restricted": True, "restriction_reason": "DV被害のため"},
        expected_version=person.version,
    )
    assert Person.objects.get(pk=person.pk).is_restricted
    assert AuditEvent.objects.filter(
        person_id=person.pk, details__change="restriction", details__is_restricted=[False, True]
    ).exists()
    # Lifting it: only someone who may see the hidden fields (the chief does not).
    restricted = Person.objects.get(pk=person.pk)
    assert not may_change_restriction(chief, restricted)
    with pytest.raises(AccessDenied):
        person_update(
            actor=chief,
            person=restricted,
            values={"is_restricted": False, "restriction_reason": "解除"},
            expected_version=restricted.version,
        )
    assert may_change_restriction(centre, restricted)
    with pytest.raises(ValidationError) as exc:
        person_update(
            actor=centre,
            person=restricted,
            values={"is_restricted": False, "restriction_reason": "  "},
            expected_version=restricted.version,
        )
    assert "restriction_reason" in exc.value.message_dict
    assert Person.objects.get(pk=person.pk).is_restricted


def test_an_edit_without_its_version_is_refused(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    person = new_person(worker)
    with pytest.raises(VersionMissingError) as exc:
        person_update(actor=worker, person=person, values={"contact_times": "夜"}, expected_version=None)
    assert "version" in exc.value.message_dict
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.contact_times, fresh.version) == ("", 1)


def test_the_edit_form_shows_the_restriction_read_only_to_a_clerk(staff: Any) -> None:
    worker, clerk = staff("shinjuku-soudan"), staff("shinjuku-jimu")
    person = new_person(worker)
    initial = {"name": person.name, "kana": person.kana, "is_restricted": False, "restriction_reason": ""}
    posted = {"name": person.name, "kana": person.kana, "is_restricted": "on", "restriction_reason": "DV"}
    form = PersonForm(posted, initial=initial, user=clerk, person=person)
    assert form.fields["is_restricted"].disabled
    assert form.is_valid(), form.errors
    assert form.cleaned_data["is_restricted"] is False  # the posted change is ignored
    worker_form = PersonForm(posted, initial=initial, user=worker, person=person)
    assert not worker_form.fields["is_restricted"].disabled
    assert worker_form.is_valid() and worker_form.cleaned_data["is_restricted"] is True


# --- Who sees the hidden fields ---------------------------------------------------------------------


def test_the_state_names_match_the_case_states() -> None:
    assert CONTACT_CASE_STATES == {s.value for s in OPEN_STATES} - {CaseState.INTAKE.value}
    assert INTAKE_STATE == CaseState.INTAKE.value
    assert {CaseState.ENDED_AT_SCREENING, CaseState.CLOSED, CaseState.SUSPENDED}.isdisjoint(
        CONTACT_CASE_STATES
    )


def _sees(user: Any, person: Person) -> bool:
    """Both halves of the policy, which must agree."""
    shown = person.pk in restricted_visible_person_ids(user, [person])
    searchable = Person.objects.filter(restricted_contact_searchable_q(user), pk=person.pk).exists()
    assert shown is searchable
    return shown


def test_opening_an_intake_does_not_by_itself_reveal_the_hidden_fields(staff: Any) -> None:
    kakei = staff("shinjuku-kakei")
    yamazaki = _yamazaki()
    assert _sees(staff("shinjuku-soudan"), yamazaki)  # registered her at 受付, assigned
    assert not _sees(kakei, yamazaki)
    # 山﨑 has an open case (demo): each further case is opened with a reason (one open case per person).
    why = "別の相談として受け付ける"
    ended = open_case(kakei, person=yamazaki, screening_outcome="info_only", second_case_reason=why)
    assert ended.state == CaseState.ENDED_AT_SCREENING
    assert not _sees(kakei, yamazaki)
    referred = open_case(
        kakei,
        person=yamazaki,
        screening_outcome="referred",
        screening_referral_to="public_assistance",
        second_case_reason=why,
    )
    assert referred.state == CaseState.ENDED_AT_SCREENING
    assert not _sees(kakei, yamazaki)
    at_intake = open_case(kakei, person=yamazaki, consent=consent_values(), second_case_reason=why)
    assert at_intake.state == CaseState.INTAKE
    assert not _sees(kakei, yamazaki)  # not the registrant
    # Once the person has applied (利用申込) on that case, its worker sees them.
    intake_record_application(actor=kakei, case=at_intake, applied_on=at_intake.opened_on)
    assert Case.objects.get(pk=at_intake.pk).state == CaseState.APPLIED
    assert _sees(kakei, yamazaki)
    # …and no longer once that case is closed or suspended.
    Case.objects.filter(pk=at_intake.pk).update(state=CaseState.SUSPENDED)
    assert not _sees(kakei, yamazaki)


def test_the_registrant_no_longer_sees_them_once_their_intake_ended_at_screening(staff: Any) -> None:
    worker = staff("shinjuku-shuro")
    case = open_case(
        worker,
        person_kw={
            "name": "秘匿 花",
            "kana": "ヒトク ハナ",
            "is_restricted": True,
            "restriction_reason": "DV",
        },
        screening_outcome="referred",
        screening_referral_to="public_assistance",
    )
    assert case.state == CaseState.ENDED_AT_SCREENING
    assert not _sees(worker, case.person)


# --- The merge page's candidates --------------------------------------------------------------------


def test_merge_candidates_use_only_what_the_user_may_see_of_the_person(staff: Any) -> None:
    """A chief merging 山﨑 花子 must not learn her phone from a candidate "matching by phone"."""
    twin = new_person(
        staff("shinjuku-soudan"),
        name="田村 正",
        kana="タムラ タダシ",
        phone=YAMAZAKI_PHONE,
        address="東京都新宿区歌舞伎町一丁目4番1号",
    )
    yamazaki = _yamazaki()
    chief = person_merge_candidates(user=staff("shinjuku-shunin"), person=yamazaki, min_score=0.0)
    assert twin.pk not in [c.person.pk for c in chief]
    assert not [r for c in chief for r in c.reasons if "電話" in r or "住所" in r]
    centre = person_merge_candidates(user=staff("shinjuku-center"), person=yamazaki, min_score=0.0)
    assert "電話番号が一致" in next(c for c in centre if c.person.pk == twin.pk).reasons


# --- Duplicate searches are audited -------------------------------------------------------------------


def test_a_duplicate_search_writes_search_rows_without_the_typed_values(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    takahashi = Person.objects.get(name="髙橋 一郎")
    found = person_duplicate_candidates(user=worker, kana="タカハシ イチロウ", phone="090-1234-5678")
    assert takahashi.pk in [c.person.pk for c in found]
    rows = AuditEvent.objects.filter(action=AuditAction.SEARCH, actor=worker)
    assert sorted(r.person_id or 0 for r in rows) == sorted(c.person.pk for c in found)
    assert rows.first().details == {  # type: ignore[union-attr]
        "via": "duplicate_candidates",
        "keys": ["kana", "phone"],
        "results": len(found),
    }
    assert "090" not in json.dumps([r.details for r in rows], ensure_ascii=False)
    none = person_duplicate_candidates(user=worker, kana="ンンンン ンンン")
    assert none == []
    empty = AuditEvent.objects.filter(action=AuditAction.SEARCH, actor=worker, person_id__isnull=True).get()
    assert empty.details["results"] == 0


def test_the_duplicate_candidates_api_is_audited(demo: Any) -> None:
    client = _bearer("shinjuku-soudan")
    response = client.post(
        f"{API}/persons/duplicate-candidates",
        json.dumps({"kana": "たかはし いちろー"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    ids = [c["person_id"] for c in response.json()]
    rows = AuditEvent.objects.filter(action=AuditAction.SEARCH, actor__username="shinjuku-soudan")
    assert sorted(r.person_id or 0 for r in rows) == sorted(ids)


# --- The pages use the same policies ------------------------------------------------------------------


def test_the_merge_page_does_not_show_a_candidate_found_by_the_hidden_phone(staff: Any, login: Any) -> None:
    twin = new_person(
        staff("shinjuku-soudan"),
        name="田村 正",
        kana="タムラ タダシ",
        phone=YAMAZAKI_PHONE,
        address="東京都新宿区歌舞伎町一丁目4番1号",
    )
    yamazaki = _yamazaki()
    page = login("shinjuku-shunin").get(f"/persons/{yamazaki.pk}/merge/")
    assert page.status_code == 200
    assert "田村 正" not in page.content.decode()
    centre = login("shinjuku-center").get(f"/persons/{yamazaki.pk}/merge/")
    assert "田村 正" in centre.content.decode()
    assert twin.pk


def test_the_person_edit_page_ignores_a_clerks_restriction_change(staff: Any, login: Any) -> None:
    person = new_person(staff("shinjuku-soudan"))
    client = login("shinjuku-jimu")
    page = client.get(f"/persons/{person.pk}/edit/")
    assert page.status_code == 200
    assert 'name="is_restricted"' in page.content.decode()
    assert "disabled" in page.content.decode().split('name="is_restricted"')[1].split(">")[0]
    posted = {
        "name": person.name,
        "kana": person.kana,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "is_restricted": "on",
        "restriction_reason": "DV",
        "version": str(person.version),
    }
    client.post(f"/persons/{person.pk}/edit/", posted)
    person.refresh_from_db()
    assert person.is_restricted is False
