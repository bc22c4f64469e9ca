"""The basis for discussing a case at a 支援調整会議: a consent covering the purpose and the attending
partner agencies, or a recorded emergency basis; and the register rows for the partners attending."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.meetings import services
from tsunagu.meetings.models import AgendaItem, EmergencyBasis, Meeting
from tsunagu.network.models import PartnerAgency
from tsunagu.privacy.models import Consent
from tsunagu.referrals.models import Disclosure, DisclosureBasisKind, DisclosureChannel

from .helpers import approved_case, case_at_meeting

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _meeting_with(shunin: Any, *partner_names: str) -> Meeting:
    partners = [PartnerAgency.objects.get(name=n) for n in partner_names]
    return services.meeting_create(
        actor=shunin,
        kind="coordination",
        values={"held_on": TODAY(), "place": "相談室A"},
        attendees=[{"partner": p, "name": "担当者"} for p in partners],
    )


def test_agenda_refuses_a_consent_that_does_not_cover_an_attending_partner(staff: Any) -> None:
    shunin, worker = staff("shinjuku-shunin"), staff("shinjuku-soudan")
    case = case_at_meeting(worker)  # consent: 福祉事務所 and ハローワーク only
    m = _meeting_with(shunin, "ハローワーク新宿", "法テラス東京")
    with pytest.raises(ValidationError) as exc:
        services.agenda_item_add(actor=shunin, meeting=m, case=case, purpose="plan")
    message = exc.value.message_dict["case"][0]
    assert "法テラス東京" in message and "提供先" in message
    assert not AgendaItem.objects.filter(meeting=m).exists()


def test_agenda_keeps_the_consent_that_covers_purpose_and_partners(staff: Any) -> None:
    shunin, worker = staff("shinjuku-shunin"), staff("shinjuku-soudan")
    case = case_at_meeting(worker)
    m = _meeting_with(shunin, "ハローワーク新宿")
    item = services.agenda_item_add(actor=shunin, meeting=m, case=case, purpose="plan")
    assert item.consent is not None and item.consent.person_id == case.person_id
    assert item.emergency_basis == ""


def test_agenda_refuses_a_consent_without_the_support_purpose(staff: Any) -> None:
    shunin, worker = staff("shinjuku-shunin"), staff("shinjuku-soudan")
    case = case_at_meeting(worker)
    consent = Consent.objects.get(person=case.person)
    Consent.objects.filter(pk=consent.pk).update(purposes=["statistics"])
    with pytest.raises(ValidationError) as exc:
        services.agenda_item_add(actor=shunin, meeting=_meeting_with(shunin), case=case, purpose="plan")
    assert "利用目的" in exc.value.message_dict["case"][0]


def test_emergency_path_records_its_basis_who_and_when(staff: Any) -> None:
    shunin, worker = staff("shinjuku-shunin"), staff("shinjuku-soudan")
    case = case_at_meeting(worker, consent=False, emergency=True)
    m = _meeting_with(shunin, "新宿区福祉事務所（生活福祉課）")
    item = services.agenda_item_add(
        actor=shunin, meeting=m, case=case, purpose="plan", emergency_note="所持金がなく住まいを失う直前"
    )
    assert item.consent is None
    assert item.emergency_basis == EmergencyBasis.LIFE
    assert item.emergency_recorded_by == shunin and item.emergency_recorded_at is not None
    assert item.emergency_note == "所持金がなく住まいを失う直前"
    row = AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="agendaitem").latest("id")
    assert row.details["emergency_basis"] == "life"


def test_emergency_basis_is_shown_on_the_meeting_record(staff: Any, client: Client) -> None:
    shunin, worker = staff("shinjuku-shunin"), staff("shinjuku-soudan")
    case = case_at_meeting(worker, consent=False, emergency=True)
    m = _meeting_with(shunin)
    services.agenda_item_add(actor=shunin, meeting=m, case=case, purpose="plan")
    client.force_login(shunin)
    body = client.get(f"/meetings/{m.pk}/").content.decode()
    assert "同意によらない検討" in body and "第27条第1項第2号" in body


def test_outcome_writes_one_disclosure_per_attending_partner(staff: Any) -> None:
    shunin, worker = staff("shinjuku-shunin"), staff("shinjuku-soudan")
    case = case_at_meeting(worker)
    m = _meeting_with(shunin, "ハローワーク新宿", "新宿区福祉事務所（生活福祉課）")
    item = services.agenda_item_add(actor=shunin, meeting=m, case=case, purpose="plan")
    assert not Disclosure.objects.filter(person=case.person).exists()  # not before the discussion
    services.agenda_outcome_record(actor=shunin, item=item, outcome="approved", minutes="承認")
    rows = list(Disclosure.objects.filter(person=case.person).order_by("recipient_name"))
    assert {r.recipient_name for r in rows} == {"ハローワーク新宿", "新宿区福祉事務所（生活福祉課）"}
    for r in rows:
        assert r.basis_kind == DisclosureBasisKind.CONSENT and r.consent_id == item.consent_id
        assert r.channel == DisclosureChannel.MEETING_PAPERS and r.agenda_item_id == item.pk
        assert r.disclosed_on == m.held_on and r.case_id == case.pk
    # completing the minutes later does not write them again
    services.agenda_outcome_record(actor=shunin, item=item, outcome="approved", minutes="承認。追記")
    assert Disclosure.objects.filter(person=case.person).count() == 2


def test_outcome_on_the_emergency_basis_records_it_in_the_register(staff: Any) -> None:
    shunin, worker = staff("shinjuku-shunin"), staff("shinjuku-soudan")
    case = case_at_meeting(worker, consent=False, emergency=True)
    m = _meeting_with(shunin, "新宿区福祉事務所（生活福祉課）")
    item = services.agenda_item_add(actor=shunin, meeting=m, case=case, purpose="plan")
    services.agenda_outcome_record(actor=shunin, item=item, outcome="approved")
    row = Disclosure.objects.get(person=case.person)
    assert row.basis_kind == DisclosureBasisKind.EMERGENCY and row.consent_id is None
    assert row.agenda_item_id == item.pk and "第27条第1項第2号" in row.basis_note


def test_a_partner_added_after_the_agenda_is_checked_when_the_outcome_is_recorded(staff: Any) -> None:
    shunin, worker = staff("shinjuku-shunin"), staff("shinjuku-soudan")
    case = case_at_meeting(worker)
    m = _meeting_with(shunin, "ハローワーク新宿")
    item = services.agenda_item_add(actor=shunin, meeting=m, case=case, purpose="plan")
    services.meeting_update(
        actor=shunin,
        meeting=m,
        values={},
        attendees=[{"partner": PartnerAgency.objects.get(name="法テラス東京"), "name": "弁護士"}],
        expected_version=m.version,
    )
    with pytest.raises(ValidationError) as exc:
        services.agenda_outcome_record(actor=shunin, item=item, outcome="approved")
    assert "法テラス東京" in exc.value.message_dict["outcome"][0]
    assert not Disclosure.objects.filter(person=case.person).exists()


def test_meeting_edit_without_its_version_is_refused(staff: Any) -> None:
    shunin = staff("shinjuku-shunin")
    m = _meeting_with(shunin)
    with pytest.raises(ValidationError) as exc:
        services.meeting_update(actor=shunin, meeting=m, values={"place": "B"}, expected_version=None)
    assert "version" in exc.value.message_dict


def test_meeting_and_agenda_creates_are_idempotent(staff: Any) -> None:
    shunin, worker = staff("shinjuku-shunin"), staff("shinjuku-soudan")
    values = {"held_on": TODAY(), "place": "相談室A"}
    first = services.meeting_create(
        actor=shunin, kind="coordination", values=values, idempotency_key="mtg-key-0001"
    )
    again = services.meeting_create(
        actor=shunin, kind="coordination", values=values, idempotency_key="mtg-key-0001"
    )
    assert first.pk == again.pk
    case = case_at_meeting(worker)
    a = services.agenda_item_add(
        actor=shunin, meeting=first, case=case, purpose="plan", idempotency_key="agenda-0001"
    )
    b = services.agenda_item_add(
        actor=shunin, meeting=first, case=case, purpose="plan", idempotency_key="agenda-0001"
    )
    assert a.pk == b.pk


def test_decision_get_and_list_are_audited(staff: Any) -> None:
    shunin, worker, officer = staff("shinjuku-shunin"), staff("shinjuku-soudan"), staff("shinjuku-jichitai")
    case, _item = approved_case(shunin, worker)
    decision = services.decision_record(actor=officer, case=case, kind="confirmation", decided_on=TODAY())
    out = StringIO()
    call_command("issue_api_token", officer.username, stdout=out)
    api = Client(headers={"Authorization": f"Bearer {out.getvalue().strip()}"})
    views = AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="decision", object_id=str(decision.pk)
    )
    assert api.get(f"/api/v1/decisions/{decision.pk}").status_code == 200
    assert views.count() == 1 and views.get().person_id == case.person_id
    assert api.get("/api/v1/decisions").status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, details__list="decisions", person_id=case.person_id
    ).exists()
