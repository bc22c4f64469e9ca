"""規程の版: drafts written and reviewed, published once, then immutable (model, queryset and the
database trigger, on SQLite and PostgreSQL); consents point at published versions only; a version
that widens the purposes asks for renewed consent (a query), one that narrows asks nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tsunagu.cases.tests.helpers import consent_values, new_person, open_case
from tsunagu.core.locking import StaleVersionError, VersionMissingError
from tsunagu.organizations.guards import AccessDenied
from tsunagu.privacy import selectors
from tsunagu.privacy.models import NoticeStatus, PrivacyNotice, Purpose
from tsunagu.privacy.services import (
    consent_give,
    current_notice,
    notice_draft_create,
    notice_draft_update,
    notice_publish,
    privacy_notice_publish,
)

TODAY = timezone.localdate
NARROW = [p for p in Purpose.values if p != Purpose.RESEARCH]

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(staff: Any) -> Any:
    return staff("shinjuku-privacy")


@pytest.fixture
def worker(staff: Any) -> Any:
    return staff("shinjuku-soudan")


def _narrow_version(agency: Any) -> PrivacyNotice:
    """A 第2版 without the research purpose, in force today (the system publishes it)."""
    return privacy_notice_publish(
        actor=None, agency=agency, body="前文", purposes=NARROW, effective_from=TODAY()
    )


def _draft(officer: Any, purposes: list[str]) -> PrivacyNotice:
    draft = notice_draft_create(actor=officer)
    return notice_draft_update(
        actor=officer, notice=draft, values={"purposes": purposes}, expected_version=draft.lock_version
    )


# --- immutability -------------------------------------------------------------------------------


def test_a_published_version_is_refused_by_the_model_and_the_queryset(officer: Any) -> None:
    notice = current_notice(officer.agency)
    assert notice is not None and notice.is_published
    notice.body = "書き換え"
    with pytest.raises(PermissionError, match="公開済み"):
        notice.save()
    with pytest.raises(PermissionError, match="公開済み"):
        notice.delete()
    with pytest.raises(PermissionError, match="公開済み"):
        PrivacyNotice.objects.filter(pk=notice.pk).update(body="書き換え")
    with pytest.raises(PermissionError, match="公開済み"):
        PrivacyNotice.objects.filter(pk=notice.pk).delete()
    notice.refresh_from_db()
    assert notice.body != "書き換え"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE privacy_privacynotice SET body = 'x' WHERE id = %s",
        "DELETE FROM privacy_privacynotice WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_a_published_version(officer: Any, sql: str) -> None:
    notice = current_notice(officer.agency)
    assert notice is not None
    with pytest.raises(DatabaseError, match="公開済み"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [notice.pk])
    assert PrivacyNotice.objects.get(pk=notice.pk).body == notice.body


def test_a_draft_may_be_changed_and_deleted_in_the_database(officer: Any) -> None:
    draft = notice_draft_create(actor=officer)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE privacy_privacynotice SET body = 'x' WHERE id = %s", [draft.pk])
    assert PrivacyNotice.objects.get(pk=draft.pk).body == "x"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM privacy_privacynotice WHERE id = %s", [draft.pk])
    assert not PrivacyNotice.objects.filter(pk=draft.pk).exists()


# --- drafts and publishing ----------------------------------------------------------------------


def test_a_new_draft_copies_the_last_published_version(officer: Any) -> None:
    v2 = _narrow_version(officer.agency)
    draft = notice_draft_create(actor=officer)
    assert (draft.status, draft.version, draft.effective_from) == (NoticeStatus.DRAFT, None, None)
    assert draft.purposes == v2.purposes and draft.section_confidentiality == v2.section_confidentiality


def test_the_first_draft_of_an_agency_gets_the_default_sections(staff: Any) -> None:
    from tsunagu.cases.tests.helpers import new_agency_with_worker
    from tsunagu.organizations.models import Role

    officer = new_agency_with_worker("kita-privacy", Role.PRIVACY_OFFICER)
    assert current_notice(officer.agency) is None
    draft = notice_draft_create(actor=officer)
    assert "第5条第3項" in draft.section_confidentiality
    assert draft.purposes == list(Purpose.values)
    published = notice_publish(
        actor=officer, notice=draft, effective_from=TODAY(), expected_version=draft.lock_version
    )
    assert (published.version, published.status) == (1, NoticeStatus.PUBLISHED)
    assert current_notice(officer.agency) == published


def test_a_stale_or_versionless_draft_edit_is_refused(officer: Any, staff: Any) -> None:
    director = staff("shinjuku-center")
    draft = notice_draft_create(actor=director)
    notice_draft_update(actor=officer, notice=draft, values={"title": "改訂案"}, expected_version=1)
    with pytest.raises(StaleVersionError):
        notice_draft_update(actor=director, notice=draft, values={"title": "別案"}, expected_version=1)
    with pytest.raises(VersionMissingError):
        notice_draft_update(actor=director, notice=draft, values={"title": "別案"}, expected_version=None)
    assert PrivacyNotice.objects.get(pk=draft.pk).title == "改訂案"


def test_only_the_privacy_officer_publishes_and_not_before_today(officer: Any, staff: Any) -> None:
    draft = notice_draft_create(actor=staff("shinjuku-center"))
    with pytest.raises(AccessDenied):
        notice_publish(
            actor=staff("shinjuku-center"), notice=draft, effective_from=TODAY(), expected_version=1
        )
    with pytest.raises(AccessDenied):
        notice_publish(
            actor=staff("hasuda-privacy"), notice=draft, effective_from=TODAY(), expected_version=1
        )
    with pytest.raises(AccessDenied):
        notice_draft_create(actor=staff("shinjuku-soudan"))
    with pytest.raises(ValidationError) as err:
        notice_publish(
            actor=officer,
            notice=draft,
            effective_from=TODAY() - timedelta(days=1),
            expected_version=1,
        )
    assert "今日以降" in str(err.value)
    published = notice_publish(actor=officer, notice=draft, effective_from=TODAY(), expected_version=1)
    assert published.version == 2 and published.published_by == officer
    with pytest.raises(ValidationError):
        notice_draft_update(actor=officer, notice=published, values={"title": "x"}, expected_version=2)


def test_consents_point_at_published_versions_in_force_only(officer: Any, worker: Any) -> None:
    draft = notice_draft_create(actor=officer)
    person = new_person(worker)
    with pytest.raises(ValidationError, match="公開済み"):
        consent_give(actor=worker, person=person, values=consent_values(notice=draft))
    assert current_notice(officer.agency).is_published  # type: ignore[union-attr]
    consent = consent_give(actor=worker, person=person, values=consent_values())
    assert consent.notice.is_published and consent.notice.version == 1


# --- 同意の再取得 ----------------------------------------------------------------------------------


def test_a_widening_version_asks_for_renewed_consent_until_a_new_consent_is_recorded(
    officer: Any, worker: Any
) -> None:
    agency = officer.agency
    _narrow_version(agency)
    on_v2 = open_case(
        worker, consent=consent_values(), person_kw={"name": "再同意 一郎", "kana": "サイドウイ イチロウ"}
    )
    assert selectors.consents_needing_renewal(agency.pk).count() == 0
    draft = _draft(officer, list(Purpose.values))
    assert selectors.widened_purposes(draft.purposes, current_notice(agency)) == [Purpose.RESEARCH]
    expected = selectors.consents_needing_renewal(agency.pk, purposes=draft.purposes)
    assert on_v2.person_id in {c.person_id for c in expected}
    # The demo consents were given on 第1版, which held every purpose: they need nothing.
    assert all(c.notice.version == 2 for c in expected)
    v3 = notice_publish(
        actor=officer, notice=draft, effective_from=TODAY(), expected_version=draft.lock_version
    )
    assert current_notice(agency) == v3
    needing = selectors.consents_needing_renewal(agency.pk)
    assert on_v2.person_id in {c.person_id for c in needing}
    consent = on_v2.person.consents.get()
    assert selectors.consent_missing_purposes(consent) == [Purpose.RESEARCH.label]
    visible = selectors.consents_needing_renewal_for(worker)
    assert on_v2.person_id in {c.person_id for c in visible}
    assert not selectors.consents_needing_renewal_for(
        officer.__class__.objects.get(username="hasuda-soudan")
    ).filter(person_id=on_v2.person_id)
    renewed = consent_give(
        actor=worker, person=on_v2.person, values=consent_values(purposes=list(Purpose.values))
    )
    assert renewed.notice == v3
    assert on_v2.person_id not in {c.person_id for c in selectors.consents_needing_renewal(agency.pk)}


def test_a_version_that_only_narrows_or_rewrites_asks_nothing(officer: Any, worker: Any) -> None:
    open_case(worker, consent=consent_values())
    draft = notice_draft_create(actor=officer)
    draft = notice_draft_update(
        actor=officer,
        notice=draft,
        values={"purposes": NARROW, "section_contact": "窓口を変更しました。"},
        expected_version=draft.lock_version,
    )
    assert selectors.widened_purposes(draft.purposes, current_notice(officer.agency)) == []
    notice_publish(actor=officer, notice=draft, effective_from=TODAY(), expected_version=draft.lock_version)
    assert selectors.consents_needing_renewal(officer.agency_id).count() == 0


def test_the_caseworker_gets_a_to_do_until_the_consent_is_renewed(officer: Any, worker: Any) -> None:
    from tsunagu.dashboard.todo import Kind, todo_for

    _narrow_version(officer.agency)
    case = open_case(worker, consent=consent_values(), assigned_worker=worker)
    assert not [i for i in todo_for(worker, TODAY()) if i.kind == Kind.CONSENT_RENEWAL]
    draft = _draft(officer, list(Purpose.values))
    notice_publish(actor=officer, notice=draft, effective_from=TODAY(), expected_version=draft.lock_version)
    items = [i for i in todo_for(worker, TODAY()) if i.kind == Kind.CONSENT_RENEWAL]
    assert [i.case_id for i in items] == [case.pk]
    assert "第3版" in items[0].reason and "令和" in items[0].reason
    assert items[0].url == f"/persons/{case.person_id}/consents/new/"
    consent_give(actor=worker, person=case.person, values=consent_values(purposes=list(Purpose.values)))
    assert not [i for i in todo_for(worker, TODAY()) if i.kind == Kind.CONSENT_RENEWAL]


def test_a_draft_from_a_version_without_sections_keeps_its_text_and_gets_the_sections(
    officer: Any,
) -> None:
    legacy = PrivacyNotice.objects.create(
        agency=officer.agency,
        version=2,
        body="旧来の規程の全文",
        purposes=NARROW,
        effective_from=TODAY(),
    )
    assert legacy.is_published  # rows written before the sections existed are published versions
    draft = notice_draft_create(actor=officer)
    assert draft.body == "旧来の規程の全文" and draft.purposes == NARROW
    assert "第5条第3項" in draft.section_confidentiality and draft.section_contact
