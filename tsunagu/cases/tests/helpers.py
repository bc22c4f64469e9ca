"""Values for the tests of 相談受付: a person, an intake, a consent — consistent 漢字/カナ pairs.

Everything goes through the real services; nothing here touches a model directly.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.cases.services import intake_register
from tsunagu.organizations.models import Agency, User
from tsunagu.organizations.roles import Role
from tsunagu.organizations.services import staff_create
from tsunagu.persons.models import Person
from tsunagu.persons.services import person_create
from tsunagu.privacy.models import ConsentMethod, DataCategory, Purpose


def person_values(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "佐々木 太郎",
        "kana": "ササキ タロウ",
        "birth_date": date(1980, 5, 12),
        "gender": "male",
        "postal_code": "160-0022",
        "address": "東京都新宿区新宿三丁目1番1号",
        "phone": "090-1111-2222",
        "housing_status": "rented_private",
    } | overrides


def intake_values(**overrides: Any) -> dict[str, Any]:
    return {
        "received_at": timezone.now() - timedelta(hours=1),
        "method": "visit_center",
        "consulter_type": "self",
        "route": "self",
        "topics": ["income", "job_search"],
        "main_topic": "income",
        "chief_complaint": "失業して家賃が払えない",
        "urgency_flags": [],
        "screening_outcome": "continuing",
    } | overrides


def consent_values(**overrides: Any) -> dict[str, Any]:
    return {
        "purposes": [Purpose.SUPPORT, Purpose.STATISTICS],
        "recipient_types": ["welfare_office", "hello_work"],
        "data_categories": [DataCategory.BASIC, DataCategory.FINANCES],
        "given_on": timezone.localdate(),
        "method": ConsentMethod.SIGNATURE,
        "expires_on": None,
    } | overrides


def new_person(actor: User, **overrides: Any) -> Person:
    return person_create(actor=actor, values=person_values(**overrides))


def open_case(
    actor: User,
    *,
    person: Person | None = None,
    person_kw: dict[str, Any] | None = None,
    consent: dict[str, Any] | None = None,
    token: str | None = None,
    assigned_worker: User | None = None,
    second_case_reason: str = "",
    **intake_kw: Any,
) -> Case:
    """One intake through ``intake_register`` (new person unless ``person`` is given)."""
    return intake_register(
        actor=actor,
        person=person,
        person_values=None if person is not None else person_values(**(person_kw or {})),
        values=intake_values(**intake_kw),
        consent_values=consent,
        submission_token=token,
        assigned_worker=assigned_worker,
        second_case_reason=second_case_reason,
    )


def new_agency_with_worker(username: str = "kita-soudan", role: Role = Role.CONSULTANT) -> User:
    """A third centre (新宿区 again, no cases yet) with one worker: numbering starts from 0001."""
    from tsunagu.organizations.models import Municipality, OperationType

    muni = Municipality.objects.get(slug="shinjuku")
    agency = Agency.objects.create(
        name="新宿区北部くらし相談センター",
        operation_type=OperationType.CONTRACTED,
        operator_name="NPO法人 北部支援ネット",
        municipality=muni,
    )
    agency.served_municipalities.set([muni])
    return staff_create(actor=None, username=username, display_name="北 相談員", roles=[role], agency=agency)


def ensure_default_codes() -> None:
    """Put back the default category lists (a transactional test empties every table when it ends)."""
    from tsunagu.core.codes import ensure_default_codes as seed

    seed()
