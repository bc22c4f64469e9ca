"""The one rule "consent in force on a day": the queryset, the Q filter and the loaded row agree
on every edge (given, withdrawn or expiring on the day, the day before and after); consent
recipients are checked against the agency's whole area (共同実施)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.cases.tests.helpers import consent_values, new_person
from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.organizations.models import Municipality
from tsunagu.privacy.models import Consent, consent_in_force_q
from tsunagu.privacy.policies import consent_in_force
from tsunagu.privacy.services import consent_give


def test_in_force_on_the_queryset_the_filter_and_the_row_agree_on_every_edge(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    person = new_person(worker)
    day = timezone.localdate() - timedelta(days=20)
    shapes = {
        "given_on_day": {"given_on": day},
        "given_day_after": {"given_on": day + timedelta(days=1)},
        "given_day_before": {"given_on": day - timedelta(days=1)},
        "withdrawn_on_day": {"given_on": day - timedelta(days=3), "withdrawn_on": day},
        "withdrawn_day_after": {"given_on": day - timedelta(days=3), "withdrawn_on": day + timedelta(days=1)},
        "withdrawn_day_before": {
            "given_on": day - timedelta(days=3),
            "withdrawn_on": day - timedelta(days=1),
        },
        "given_and_withdrawn_on_day": {"given_on": day, "withdrawn_on": day},
        "expires_on_day": {"given_on": day - timedelta(days=3), "expires_on": day},
        "expires_day_after": {"given_on": day - timedelta(days=3), "expires_on": day + timedelta(days=1)},
        "expires_day_before": {"given_on": day - timedelta(days=3), "expires_on": day - timedelta(days=1)},
        "given_and_expiring_on_day": {"given_on": day, "expires_on": day},
    }
    ids = {}
    for name, dates in shapes.items():
        consent = consent_give(
            actor=worker,
            person=person,
            values=consent_values(given_on=dates["given_on"], expires_on=dates.get("expires_on")),
        )
        if dates.get("withdrawn_on"):
            Consent.objects.filter(pk=consent.pk).update(withdrawn_on=dates["withdrawn_on"])
        ids[consent.pk] = name
    expected_on_day = {
        "given_on_day",
        "given_day_before",
        "withdrawn_day_after",
        "expires_on_day",
        "expires_day_after",
        "given_and_expiring_on_day",
    }
    for on in (day - timedelta(days=1), day, day + timedelta(days=1)):
        rows = list(Consent.objects.filter(person=person))
        by_row = {ids[c.pk] for c in rows if c.in_force_on(on)}
        by_queryset = {
            ids[pk]
            for pk in Consent.objects.filter(person=person).in_force_on(on).values_list("pk", flat=True)
        }
        by_q = {
            ids[pk]
            for pk in Consent.objects.filter(consent_in_force_q(on), person=person).values_list(
                "pk", flat=True
            )
        }
        assert by_row == by_queryset == by_q, on
        if on == day:
            assert by_row == expected_on_day
    # The most recent of those in force is the one the screens show.
    latest = consent_in_force(person, day)
    assert latest is not None and ids[latest.pk] in expected_on_day
    assert latest.given_on == max(shapes[n]["given_on"] for n in expected_on_day)


def test_named_recipients_may_come_from_every_municipality_of_the_agency_area(staff: Any) -> None:
    """蓮田市くらし相談センター also serves 白岡市 (共同実施): a 白岡市 partner may be named, and the
    agency's own municipality counts even when the 共同実施 list does not repeat it."""
    worker = staff("hasuda-soudan")
    person = new_person(
        worker, name="白石 一", kana="シライシ ハジメ", address="埼玉県蓮田市", postal_code=""
    )
    shiraoka = Municipality.objects.get(slug="shiraoka")
    partner = PartnerAgency.objects.create(
        municipality=shiraoka, name="白岡市福祉課", agency_type=PartnerAgencyType.WELFARE_OFFICE
    )
    consent = consent_give(actor=worker, person=person, values=consent_values(), named_recipients=[partner])
    assert list(consent.named_recipients.all()) == [partner]

    agency = worker.agency
    agency.served_municipalities.set([shiraoka])  # only the 共同実施 one listed
    own = PartnerAgency.objects.create(
        municipality=agency.municipality,
        name="蓮田市テスト機関",
        agency_type=PartnerAgencyType.WELFARE_OFFICE,
    )
    fresh = type(person).objects.select_related("agency").get(pk=person.pk)
    consent = consent_give(actor=worker, person=fresh, values=consent_values(), named_recipients=[own])
    assert list(consent.named_recipients.all()) == [own]

    shinjuku = PartnerAgency.objects.filter(municipality__slug="shinjuku").first()
    assert shinjuku is not None
    with pytest.raises(ValidationError) as exc:
        consent_give(actor=worker, person=fresh, values=consent_values(), named_recipients=[shinjuku])
    assert "named_recipients" in exc.value.message_dict
