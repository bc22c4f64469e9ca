"""Registering many persons at once (``person_create_many``, used by the spreadsheet import):
the rules of ``person_create`` row by row, written in chunks, with the kana index and audit rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tsunagu.cases.tests.helpers import person_values
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.persons.models import Person, PersonKanaTrigram
from tsunagu.persons.normalize import trigrams
from tsunagu.persons.selectors import person_duplicate_candidates
from tsunagu.persons.services import CREATE_CHUNK, person_create, person_create_many

pytestmark = pytest.mark.django_db

KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"


def _rows(n: int) -> list[dict[str, Any]]:
    return [
        person_values(name=f"一括 {i:04d}", kana=f"イッカツ {KANA[i % 43]}{KANA[i // 43 % 43]}", phone="")
        for i in range(n)
    ]


def test_roles_without_person_edit_are_refused_and_nothing_is_written(staff: Any) -> None:
    before = Person.objects.count()
    for username in ("shinjuku-privacy", "shinjuku-kansa"):
        with pytest.raises(PermissionDenied):
            person_create_many(actor=staff(username), rows=_rows(3))
    assert Person.objects.count() == before
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=staff("shinjuku-kansa")).exists()


def test_rows_in_error_get_their_error_at_their_place_and_the_others_are_written(staff: Any) -> None:
    actor = staff("shinjuku-soudan")
    before = Person.objects.count()
    rows = [
        person_values(name="一括 良い", kana="イッカツ ヨイ"),
        person_values(name="一括 カナ", kana="漢字です"),
        person_values(name="", kana="イッカツ ナシ"),
        person_values(name="一括 電話", kana="イッカツ デンワ", phone="12"),
        person_values(name="一括 二人目", kana="いっかつ ふたりめ"),
    ]
    results = person_create_many(actor=actor, rows=rows)
    assert [type(r).__name__ for r in results] == [
        "Person",
        "ValidationError",
        "ValidationError",
        "ValidationError",
        "Person",
    ]
    # The same refusals, with the same messages, as one registration gets.
    for row, result in zip(rows, results, strict=True):
        if isinstance(result, ValidationError):
            with pytest.raises(ValidationError) as single:
                person_create(actor=actor, values=row)
            assert result.message_dict == single.value.message_dict
    assert "kana" in results[1].message_dict  # type: ignore[union-attr]
    assert "name" in results[2].message_dict  # type: ignore[union-attr]
    assert "phone" in results[3].message_dict  # type: ignore[union-attr]
    assert Person.objects.count() == before + 2
    assert isinstance(results[4], Person)
    assert Person.objects.get(pk=results[4].pk).kana == "イッカツ フタリメ"


def test_each_person_has_its_keys_kana_index_and_audit_row_like_a_single_registration(staff: Any) -> None:
    actor = staff("shinjuku-soudan")
    values = person_values(name="髙橋 一括", kana="ﾀｶﾊｼ ｲｯｶﾂ", phone="０９０-２２２２-３３３３")
    one = person_create(actor=actor, values=values)
    (many,) = person_create_many(actor=actor, rows=[values])
    assert isinstance(many, Person)
    one.refresh_from_db()
    many.refresh_from_db()
    for field in (
        "name",
        "kana",
        "birth_date",
        "postal_code",
        "phone",
        "name_key",
        "kana_key",
        "kana_family_key",
        "phone_key",
        "address_key",
        "agency_id",
        "municipality_id",
        "created_by_id",
        "version",
    ):
        assert getattr(many, field) == getattr(one, field), field
    assert many.created_at is not None and many.updated_at is not None
    for person in (one, many):
        index = set(PersonKanaTrigram.objects.filter(person=person).values_list("trigram", flat=True))
        assert index == trigrams(person.kana_key) and index
        audit = AuditEvent.objects.get(
            action=AuditAction.CREATE, object_type="person", object_id=str(person.pk)
        )
        assert (audit.person_id, audit.agency_id, audit.actor) == (person.pk, person.agency_id, actor)


def test_more_than_a_chunk_every_person_indexed_audited_and_found_by_kana(staff: Any) -> None:
    actor = staff("shinjuku-soudan")
    n = CREATE_CHUNK + 120
    seen: list[int] = []
    results = person_create_many(actor=actor, rows=_rows(n), progress=seen.append)
    assert seen == [CREATE_CHUNK, n]
    pks = [r.pk for r in results if isinstance(r, Person)]
    assert len(pks) == n and len(set(pks)) == n and None not in pks
    assert set(Person.objects.filter(pk__in=pks).values_list("name", flat=True)) == {
        f"一括 {i:04d}" for i in range(n)
    }
    assert PersonKanaTrigram.objects.filter(person_id__in=pks).values("person_id").distinct().count() == n
    audited = AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="person").values_list(
        "object_id", flat=True
    )
    assert {str(pk) for pk in pks} <= set(audited)
    # The fuzzy kana search (the kana index) finds a batch-registered person, typo and all.
    target = Person.objects.get(pk=pks[n - 1])
    found = person_duplicate_candidates(user=actor, kana=target.kana.replace("イッカツ", "イツカツ"))
    assert target.pk in [c.person.pk for c in found]


def test_queries_do_not_grow_with_the_rows(staff: Any) -> None:
    actor = staff("shinjuku-soudan")
    person_create_many(actor=actor, rows=_rows(1))  # warm the actor's roles
    with CaptureQueriesContext(connection) as small:
        person_create_many(actor=actor, rows=_rows(10))
    with CaptureQueriesContext(connection) as large:
        person_create_many(actor=actor, rows=_rows(2 * CREATE_CHUNK))
    # Per chunk: the persons, their kana index and their audit rows (a backend may split an
    # INSERT into batches of its own).
    assert len(large) <= len(small) + 2 * 3 * 4, [q["sql"][:80] for q in large.captured_queries]
