"""同意: versioned privacy notice, consent scope (purposes, recipients, data categories), validity,
withdrawal effective from its date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tsunagu.cases.tests.helpers import consent_values, new_person
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.network.models import PartnerAgency
from tsunagu.privacy.models import Consent, PrivacyNotice, Purpose
from tsunagu.privacy.selectors import consent_in_force, consents_of_person
from tsunagu.privacy.services import consent_give, consent_withdraw, current_notice, privacy_notice_publish

TODAY = timezone.localdate


@pytest.fixture
def worker(staff: Any) -> Any:
    return staff("shinjuku-soudan")


@pytest.fixture
def person(worker: Any) -> Any:
    return new_person(worker)


def test_consent_records_its_whole_scope(worker: Any, person: Any) -> None:
    partners = list(PartnerAgency.objects.filter(name__in=["ハローワーク新宿", "法テラス東京"]))
    consent = consent_give(
        actor=worker,
        person=person,
        values=consent_values(
            purposes=["support", "statistics", "support"],
            recipient_types=["hello_work", "legal"],
            data_categories=["basic", "work_school", "health"],
            method="oral",
            expires_on=TODAY() + timedelta(days=365),
        ),
        named_recipients=partners,
    )
    consent = Consent.objects.get(pk=consent.pk)
    assert consent.purposes == ["statistics", "support"]
    assert consent.recipient_types == ["hello_work", "legal"]
    assert consent.data_categories == ["basic", "health", "work_school"]
    assert {p.name for p in consent.named_recipients.all()} == {"ハローワーク新宿", "法テラス東京"}
    assert (consent.given_on, consent.method) == (TODAY(), "oral")
    assert consent.expires_on == TODAY() + timedelta(days=365)
    assert consent.notice.version == 1
    assert (consent.agency_id, consent.municipality_id, consent.recorded_by_id) == (
        person.agency_id,
        person.municipality_id,
        worker.pk,
    )
    event = AuditEvent.objects.get(
        action=AuditAction.CREATE, object_type="consent", object_id=str(consent.pk)
    )
    assert event.person_id == person.pk
    assert event.details["notice_version"] == 1


def test_a_consent_points_to_the_notice_version_in_force_on_its_date(
    worker: Any, person: Any, staff: Any
) -> None:
    officer = staff("shinjuku-privacy")
    v2 = privacy_notice_publish(
        actor=officer,
        agency=worker.agency,
        body="改訂版の規程",
        purposes=[Purpose.SUPPORT, Purpose.STATISTICS],
        effective_from=TODAY() - timedelta(days=10),
    )
    assert v2.version == 2
    old = consent_give(
        actor=worker, person=person, values=consent_values(given_on=TODAY() - timedelta(days=20))
    )
    new = consent_give(actor=worker, person=person, values=consent_values(given_on=TODAY()))
    assert (old.notice.version, new.notice.version) == (1, 2)
    notice = current_notice(worker.agency)
    assert notice is not None and notice.version == 2
    # A published version is never changed by publishing the next one.
    v1 = PrivacyNotice.objects.get(agency=worker.agency, version=1)
    assert v1.body != "改訂版の規程"
    assert PrivacyNotice.objects.filter(agency=worker.agency).count() == 2


def test_only_the_privacy_officer_of_the_agency_publishes_a_notice(worker: Any, staff: Any) -> None:
    for username in ("shinjuku-soudan", "shinjuku-center", "hasuda-privacy"):
        with pytest.raises(PermissionDenied):
            privacy_notice_publish(
                actor=staff(username),
                agency=worker.agency,
                body="x",
                purposes=["support"],
                effective_from=TODAY(),
            )
    with pytest.raises(ValidationError):
        privacy_notice_publish(
            actor=staff("shinjuku-privacy"),
            agency=worker.agency,
            body="x",
            purposes=["nope"],
            effective_from=TODAY(),
        )
    assert PrivacyNotice.objects.filter(agency=worker.agency).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"purposes": []}, "purposes"),
        ({"purposes": ["advertising"]}, "purposes"),
        ({"data_categories": ["dna"]}, "data_categories"),
        ({"recipient_types": ["tabloid"]}, "recipient_types"),
        ({"given_on": None}, "given_on"),
        ({"given_on": date(2099, 1, 1)}, "given_on"),
        ({"method": "telepathy"}, "method"),
        ({"expires_on": date(2020, 1, 1)}, "expires_on"),
    ],
)
def test_invalid_consents_are_refused(
    worker: Any, person: Any, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        consent_give(actor=worker, person=person, values=consent_values(**overrides))
    assert field in exc.value.message_dict
    assert not Consent.objects.filter(person=person).exists()


def test_named_recipients_must_be_of_a_served_municipality(worker: Any, person: Any) -> None:
    hasuda = PartnerAgency.objects.get(name="ハローワーク大宮")
    with pytest.raises(ValidationError) as exc:
        consent_give(actor=worker, person=person, values=consent_values(), named_recipients=[hasuda])
    assert "担当地域外" in exc.value.message_dict["named_recipients"][0]
    assert not Consent.objects.filter(person=person).exists()


def test_another_agency_cannot_record_or_withdraw(worker: Any, person: Any, staff: Any) -> None:
    with pytest.raises(PermissionDenied):
        consent_give(actor=staff("hasuda-soudan"), person=person, values=consent_values())
    consent = consent_give(actor=worker, person=person, values=consent_values())
    with pytest.raises(PermissionDenied):
        consent_withdraw(actor=staff("hasuda-center"), consent=consent, withdrawn_on=TODAY())
    with pytest.raises(PermissionDenied):
        consent_withdraw(actor=staff("shinjuku-kansa"), consent=consent, withdrawn_on=TODAY())
    assert Consent.objects.get(pk=consent.pk).withdrawn_on is None


def test_a_consent_is_in_force_from_its_date_until_expiry(worker: Any, person: Any) -> None:
    given = TODAY() - timedelta(days=30)
    consent = consent_give(
        actor=worker,
        person=person,
        values=consent_values(given_on=given, expires_on=given + timedelta(days=10)),
    )
    assert consent_in_force(person, on=given - timedelta(days=1)) is None
    assert consent_in_force(person, on=given) == consent
    assert consent_in_force(person, on=given + timedelta(days=10)) == consent  # the last day counts
    assert consent_in_force(person, on=given + timedelta(days=11)) is None
    assert consent_in_force(person) is None  # today: expired
    assert consent.in_force_on(given + timedelta(days=10)) and not consent.in_force_on(
        given + timedelta(days=11)
    )


def test_withdrawal_takes_effect_from_its_date(worker: Any, person: Any) -> None:
    given = TODAY() - timedelta(days=30)
    withdrawn = TODAY() - timedelta(days=5)
    consent = consent_give(actor=worker, person=person, values=consent_values(given_on=given))
    consent_withdraw(actor=worker, consent=consent, withdrawn_on=withdrawn, note="本人から電話で撤回の申出")
    consent.refresh_from_db()
    assert (consent.withdrawn_on, consent.withdrawal_note) == (withdrawn, "本人から電話で撤回の申出")
    # In force the day before the withdrawal (what was shared then stays lawful), not from that day on.
    assert consent_in_force(person, on=withdrawn - timedelta(days=1)) == consent
    assert consent_in_force(person, on=withdrawn) is None
    assert consent_in_force(person) is None
    assert consent.in_force_on(withdrawn - timedelta(days=1)) and not consent.in_force_on(withdrawn)
    event = AuditEvent.objects.filter(
        object_type="consent", object_id=str(consent.pk), action=AuditAction.UPDATE
    ).get()
    assert event.details == {"change": "withdrawn", "withdrawn_on": withdrawn.isoformat()}


@pytest.mark.parametrize("days", [-31, 1])  # before the consent was given; in the future
def test_withdrawal_dates_outside_the_consent_are_refused(worker: Any, person: Any, days: int) -> None:
    consent = consent_give(
        actor=worker, person=person, values=consent_values(given_on=TODAY() - timedelta(days=30))
    )
    with pytest.raises(ValidationError) as exc:
        consent_withdraw(actor=worker, consent=consent, withdrawn_on=TODAY() + timedelta(days=days))
    assert "withdrawn_on" in exc.value.message_dict
    assert Consent.objects.get(pk=consent.pk).withdrawn_on is None


def test_a_consent_is_withdrawn_once(worker: Any, person: Any) -> None:
    consent = consent_give(actor=worker, person=person, values=consent_values())
    consent_withdraw(actor=worker, consent=consent, withdrawn_on=TODAY())
    stale_copy = Consent.objects.get(pk=consent.pk)
    with pytest.raises(ValidationError):
        consent_withdraw(actor=worker, consent=stale_copy, withdrawn_on=TODAY())
    held_before = Consent.objects.get(pk=consent.pk)
    held_before.withdrawn_on = None  # an object read before the first withdrawal
    with pytest.raises(ValidationError):
        consent_withdraw(actor=worker, consent=held_before, withdrawn_on=TODAY())
    assert (
        AuditEvent.objects.filter(
            object_type="consent", object_id=str(consent.pk), action=AuditAction.UPDATE
        ).count()
        == 1
    )


def test_the_database_refuses_a_withdrawal_before_the_grant(worker: Any, person: Any) -> None:
    consent = consent_give(actor=worker, person=person, values=consent_values(given_on=TODAY()))
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk).update(withdrawn_on=TODAY() - timedelta(days=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk).update(expires_on=TODAY() - timedelta(days=1))


def test_a_newer_consent_replaces_a_withdrawn_one(worker: Any, person: Any) -> None:
    first = consent_give(
        actor=worker, person=person, values=consent_values(given_on=TODAY() - timedelta(days=10))
    )
    consent_withdraw(actor=worker, consent=first, withdrawn_on=TODAY() - timedelta(days=3))
    second = consent_give(
        actor=worker, person=person, values=consent_values(given_on=TODAY() - timedelta(days=1))
    )
    assert consent_in_force(person) == second
    assert consent_in_force(person, on=TODAY() - timedelta(days=2)) is None
    assert [c.pk for c in consents_of_person(person)] == [second.pk, first.pk]


def test_consent_page_records_a_consent_and_the_person_page_withdraws_it(login: Any, person: Any) -> None:
    client = login("shinjuku-soudan")
    bad = client.post(
        f"/persons/{person.pk}/consents/new/", {"given_on": "令和元年4月30日", "method": "oral"}
    )
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "令和は令和元年5月1日から" in body and 'value="令和元年4月30日"' in body
    assert "利用目的を1つ以上" in body
    ok = client.post(
        f"/persons/{person.pk}/consents/new/",
        {
            "purposes": ["support"],
            "data_categories": ["basic"],
            "given_on": TODAY().isoformat(),
            "method": "signature",
        },
    )
    assert ok.status_code == 302
    consent = Consent.objects.get(person=person)
    assert "現在有効な同意があります" in client.get(f"/persons/{person.pk}/").content.decode()
    client.post(
        f"/persons/{person.pk}/consents/{consent.pk}/withdraw/",
        {"withdrawn_on": TODAY().isoformat(), "note": "撤回"},
    )
    assert Consent.objects.get(pk=consent.pk).withdrawn_on == TODAY()
    assert "現在有効な同意はありません" in client.get(f"/persons/{person.pk}/").content.decode()
