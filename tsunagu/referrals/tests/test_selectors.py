"""Reads: the register's scope, a person's history (and its PDF), consent operations, partner scoping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.http import Http404
from django.utils import timezone

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.network.models import PartnerAgencyType
from tsunagu.referrals import selectors, services
from tsunagu.referrals.models import DisclosureChannel

from .conftest import consent_scope
from .test_services import assert_noto_cjk_embedded

pytestmark = pytest.mark.django_db

T = PartnerAgencyType


def _disclose(actor: Any, case: Any, partner: Any, purpose: str = "連絡") -> Any:
    return services.disclosure_record(
        actor=actor,
        person=case.person,
        recipient=partner,
        categories=["basic"],
        purpose=purpose,
        channel=DisclosureChannel.EXPORT,
        case=case,
    )


def test_register_scope(
    make_case: Callable[..., Any], partners: dict[str, Any], staff: Callable[[str], Any]
) -> None:
    mine = make_case(consent=consent_scope(), actor="shinjuku-soudan")
    theirs = make_case(consent=consent_scope(), actor="shinjuku-shuro")
    d1 = _disclose(staff("shinjuku-soudan"), mine, partners[T.WELFARE_OFFICE])
    d2 = _disclose(staff("shinjuku-shuro"), theirs, partners[T.WELFARE_OFFICE])
    visible = lambda u: set(selectors.disclosures_visible_to(staff(u)).values_list("pk", flat=True))  # noqa: E731
    assert visible("shinjuku-soudan") == {d1.pk}
    assert visible("shinjuku-shuro") == {d2.pk}
    assert visible("shinjuku-privacy") == visible("shinjuku-center") == {d1.pk, d2.pk}
    assert visible("hasuda-privacy") == visible("hasuda-center") == set()
    assert visible("shinjuku-jichitai") == set()  # no PERSON_VIEW
    with pytest.raises(Http404):
        selectors.disclosure_get_for_user(user=staff("hasuda-privacy"), disclosure_id=d1.pk)
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, object_type="disclosure", object_id=str(d1.pk)
    ).exists()
    with pytest.raises(Http404):
        selectors.disclosure_get_for_user(user=staff("shinjuku-soudan"), disclosure_id=d2.pk)


def test_person_history_and_its_pdf(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(consent=consent_scope())
    _disclose(worker, case, partners[T.WELFARE_OFFICE], "生活保護の相談")
    _disclose(worker, case, partners[T.HELLO_WORK], "求職の支援")
    rows = selectors.person_disclosure_history(person=case.person)
    assert [d.purpose for d in rows] == ["生活保護の相談", "求職の支援"]
    pdf = selectors.person_disclosure_history_pdf(user=worker, person=case.person)
    assert_noto_cjk_embedded(pdf)
    printed = AuditEvent.objects.get(action=AuditAction.PRINT, person_id=case.person_id)
    assert printed.details == {"document": "disclosure_history", "rows": 2}


def test_persons_without_consent(make_case: Callable[..., Any], staff: Callable[[str], Any]) -> None:
    today = timezone.localdate()
    none = make_case(consent=None)
    withdrawn = make_case(consent=consent_scope(), withdrawn_on=today - timedelta(days=3))
    expired = make_case(consent=consent_scope(expires_on=today - timedelta(days=1)))
    ok = make_case(consent=consent_scope())
    page = selectors.persons_without_consent(user=staff("shinjuku-privacy"))
    by_id = {p.pk: p for p in page.object_list}
    assert {none.person_id, withdrawn.person_id, expired.person_id} <= set(by_id)
    assert ok.person_id not in by_id
    assert by_id[none.person_id].last_given_on is None
    assert by_id[withdrawn.person_id].last_withdrawn_on == today - timedelta(days=3)
    assert by_id[expired.person_id].open_case_number == expired.case_number
    # the caseworker sees their own cases' persons only
    other = make_case(consent=None, actor="shinjuku-shuro")
    mine = {p.pk for p in selectors.persons_without_consent(user=staff("shinjuku-soudan")).object_list}
    assert none.person_id in mine and other.person_id not in mine
    hasuda = selectors.persons_without_consent(user=staff("hasuda-privacy")).object_list
    assert all(p.agency_id != none.agency_id for p in hasuda)


def test_consents_expiring_within_30_days(make_case: Callable[..., Any], staff: Callable[[str], Any]) -> None:
    from tsunagu.privacy.services import consent_give

    today = timezone.localdate()
    soon = make_case(consent=consent_scope(expires_on=today + timedelta(days=10)))
    later = make_case(consent=consent_scope(expires_on=today + timedelta(days=40)))
    renewed = make_case(consent=consent_scope(expires_on=today + timedelta(days=5)))
    consent_give(
        actor=renewed.assigned_worker,
        person=renewed.person,
        values=consent_scope(given_on=today, expires_on=today + timedelta(days=365)),
    )
    ids = {c.person_id for c in selectors.consents_expiring(user=staff("shinjuku-privacy")).object_list}
    assert soon.person_id in ids
    assert later.person_id not in ids
    assert renewed.person_id not in ids


def test_consents_withdrawn_count_disclosures_made_before(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, staff: Callable[[str], Any]
) -> None:
    from tsunagu.privacy.models import Consent
    from tsunagu.privacy.services import consent_withdraw

    case = make_case(consent=consent_scope())
    _disclose(worker, case, partners[T.WELFARE_OFFICE])
    consent_withdraw(
        actor=worker, consent=Consent.objects.get(person=case.person), withdrawn_on=timezone.localdate()
    )
    rows = selectors.consents_withdrawn(user=staff("shinjuku-privacy")).object_list
    row = next(c for c in rows if c.person_id == case.person_id)
    assert row.disclosures_before == 1


def test_partners_are_scoped_to_served_municipalities(demo: Any, staff: Callable[[str], Any]) -> None:
    from tsunagu.network.models import PartnerAgency

    shinjuku_ids = set(
        PartnerAgency.objects.filter(municipality__slug="shinjuku").values_list("pk", flat=True)
    )
    hasuda_partner = PartnerAgency.objects.filter(municipality__slug="hasuda").first()
    assert (
        set(selectors.partners_visible_to(staff("shinjuku-soudan")).values_list("pk", flat=True))
        == shinjuku_ids
    )
    assert (
        set(selectors.partners_visible_to(staff("shinjuku-jichitai")).values_list("pk", flat=True))
        == shinjuku_ids
    )
    with pytest.raises(Http404):
        selectors.partner_get_for_user(user=staff("shinjuku-soudan"), partner_id=hasuda_partner.pk)  # type: ignore[union-attr]


def test_register_list_query_budget(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, staff: Callable[[str], Any]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        case = make_case(consent=consent_scope())
        _disclose(worker, case, partners[T.WELFARE_OFFICE])
    officer = staff("shinjuku-privacy")
    officer.role_set  # noqa: B018 — roles cached, as in a request
    with CaptureQueriesContext(connection) as ctx:
        page = selectors.disclosure_list(user=officer, query=selectors.DisclosureQuery())
        [(d.person.name, d.disclosed_by, d.recipient_partner) for d in page.object_list]
    assert len(page.object_list) == 5
    assert len(ctx.captured_queries) <= 3, [q["sql"] for q in ctx.captured_queries]
