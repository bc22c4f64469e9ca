"""楽観的ロック for persons: the 世帯構成 is no longer silently overwritten, an edit without its
version is refused, and the stale page's rows come from the core kit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.template.loader import render_to_string

from tsunagu.cases.tests.helpers import new_person
from tsunagu.core.locking import StaleVersionError as CoreStaleVersionError
from tsunagu.persons import services
from tsunagu.persons.diffs import household_diff_rows, person_diff_rows
from tsunagu.persons.models import HouseholdMember, Person
from tsunagu.persons.services import StaleVersionError, VersionMissingError, household_set, person_update

WIFE = {"name": "佐々木 花", "relationship": "妻", "birth_date": date(1982, 3, 3), "lives_together": True}
SON = {"name": "佐々木 一", "relationship": "長男", "lives_together": False}


def test_persons_stale_error_is_the_core_one() -> None:
    assert services.StaleVersionError is CoreStaleVersionError


def test_a_stale_household_save_is_refused_and_carries_the_saved_household(staff: Any) -> None:
    worker, chief = staff("shinjuku-soudan"), staff("shinjuku-shunin")
    person = new_person(worker)
    opened = Person.objects.get(pk=person.pk).household_version
    household_set(actor=chief, person=person, members=[WIFE], expected_version=opened)
    with pytest.raises(StaleVersionError) as exc:
        household_set(
            actor=worker, person=Person.objects.get(pk=person.pk), members=[SON], expected_version=opened
        )
    assert exc.value.current.household_version == opened + 1
    assert [m.name for m in HouseholdMember.objects.filter(person=person)] == ["佐々木 花"]
    rows = household_diff_rows(exc.value.current, [SON])
    assert [tuple(r) for r in rows] == [
        ("世帯員 1", "佐々木 花・妻・昭和57年3月3日・同居", "佐々木 一・長男・別居")
    ]
    # Saving again on the version now seen goes through.
    household_set(actor=worker, person=person, members=[WIFE, SON], expected_version=opened + 1)
    assert HouseholdMember.objects.filter(person=person).count() == 2


def test_a_household_save_without_its_version_is_refused(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    person = new_person(worker)
    with pytest.raises(VersionMissingError) as exc:
        household_set(actor=worker, person=person, members=[WIFE], expected_version=None)
    assert "household_version" in exc.value.message_dict
    assert not HouseholdMember.objects.filter(person=person).exists()


def test_the_household_and_the_person_details_do_not_refuse_each_other(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    person = new_person(worker)
    household_set(actor=worker, person=person, members=[WIFE], expected_version=1)
    updated = person_update(actor=worker, person=person, values={"contact_times": "夜"}, expected_version=1)
    assert updated.version == 2
    household_set(actor=worker, person=updated, members=[WIFE, SON], expected_version=2)
    assert Person.objects.get(pk=person.pk).household_version == 3


def test_the_stale_person_page_rows_render_in_the_one_template(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    person = new_person(worker)
    saved = person_update(actor=worker, person=person, values={"phone": "080-9999-0000"}, expected_version=1)
    rows = person_diff_rows(saved, {"phone": "090-1111-2222", "birth_date": date(1980, 5, 12)})
    assert [tuple(r) for r in rows] == [("電話", "080-9999-0000", "090-1111-2222")]
    html = render_to_string(
        "includes/stale.html", {"stale": saved, "stale_rows": rows, "what": "相談者の情報"}
    )
    assert "080-9999-0000" in html and "090-1111-2222" in html
