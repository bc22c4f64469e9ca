"""Writes on persons: registration with derived search keys, household, optimistic locking,
名寄せ (link/merge) with undo."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tsunagu.cases.models import Case
from tsunagu.cases.tests.helpers import consent_values, new_person, open_case, person_values
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.persons.models import HouseholdMember, Person, PersonKanaTrigram, PersonMerge
from tsunagu.persons.normalize import trigrams
from tsunagu.persons.services import (
    StaleVersionError,
    household_set,
    person_create,
    person_merge,
    person_merge_undo,
    person_update,
)
from tsunagu.privacy.models import Consent
from tsunagu.privacy.services import consent_give

# --- Registration and search keys -------------------------------------------------------------


def test_person_create_stores_every_field_of_the_a_sheet(staff: Any) -> None:
    actor = staff("shinjuku-soudan")
    person = person_create(
        actor=actor,
        values=person_values(
            gender="no_answer",
            contact_method="sms",
            contact_times="平日 18時以降",
            nationality="フィリピン",
            housing_status="staying_with_others",
            phone_alt="03-3209-1111",
            workplace="新宿の飲食店",
            email="sasaki@example.jp",
        ),
    )
    person.refresh_from_db()
    assert (person.name, person.kana, person.birth_date) == (
        "佐々木 太郎",
        "ササキ タロウ",
        date(1980, 5, 12),
    )
    assert person.get_gender_display() == "回答しない"
    assert (person.postal_code, person.address) == ("160-0022", "東京都新宿区新宿三丁目1番1号")
    assert (person.phone, person.phone_alt) == ("090-1111-2222", "03-3209-1111")
    assert (person.contact_method, person.contact_times) == ("sms", "平日 18時以降")
    assert (person.nationality, person.housing_status) == ("フィリピン", "staying_with_others")
    assert person.agency_id == actor.agency_id
    assert person.municipality_id == actor.agency.municipality_id
    assert person.version == 1


@pytest.mark.parametrize(
    ("name", "kana", "name_key", "kana_key"),
    [
        # hiragana, 全角 space, long vowel written as ウ
        ("髙橋 一郎", "たかはし　いちろう", "高橋一郎", "タカハシイチロ"),
        # half-width katakana; ー; 異体字 﨑 → 崎
        ("山﨑 花子", "ﾔﾏｻﾞｷ ﾊﾅｺ", "山崎花子", "ヤマサキハナコ"),
        # small kana and 濁点 folded, 異体字 邉 → 辺, NFKC of full-width letters in the name
        ("渡邉 ジョー", "ワタナベ ジョー", "渡辺ジョー", "ワタナヘシヨ"),
    ],
)
def test_search_keys_are_derived_on_save(
    staff: Any, name: str, kana: str, name_key: str, kana_key: str
) -> None:
    person = person_create(
        actor=staff("shinjuku-soudan"),
        values=person_values(name=name, kana=kana, phone="０９０－１２３４－５６７８"),
    )
    person.refresh_from_db()
    assert person.name_key == name_key
    assert person.kana_key == kana_key
    assert "\u3000" not in person.kana  # stored フリガナ: normalised katakana, ASCII spaces
    assert person.kana == person.kana.strip()
    assert person.phone_key == "09012345678"
    assert person.kana_family_key == kana_key[: len(person.kana_family_key)]
    stored = set(PersonKanaTrigram.objects.filter(person=person).values_list("trigram", flat=True))
    assert stored == trigrams(kana_key)


def test_hiragana_furigana_is_stored_as_katakana(staff: Any) -> None:
    person = new_person(staff("shinjuku-soudan"), kana="ささき　たろう")
    assert Person.objects.get(pk=person.pk).kana == "ササキ タロウ"


def test_postal_code_is_stored_formatted(staff: Any) -> None:
    person = new_person(staff("shinjuku-soudan"), postal_code="１６００００２")
    assert Person.objects.get(pk=person.pk).postal_code == "160-0002"


def test_person_create_is_audited(staff: Any) -> None:
    actor = staff("shinjuku-soudan")
    person = new_person(actor)
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="person", object_id=str(person.pk), actor=actor
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"birth_date": date(2099, 1, 1)}, "birth_date", "未来"),
        ({"birth_date": date(1880, 1, 1)}, "birth_date", "古すぎ"),
        ({"kana": "佐々木 太郎"}, "kana", "カタカナ"),
        ({"kana": ""}, "kana", "フリガナを入力"),
        ({"name": "  "}, "name", "氏名を入力"),
        ({"postal_code": "160-002"}, "postal_code", "7桁"),
        ({"phone": "12-34"}, "phone", "電話番号の形式"),
        ({"is_restricted": True, "restriction_reason": ""}, "restriction_reason", "理由"),
    ],
)
def test_bad_values_are_refused_with_a_japanese_message_on_the_field(
    staff: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    before = Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        new_person(staff("shinjuku-soudan"), **overrides)
    assert field in exc.value.message_dict
    assert message in exc.value.message_dict[field][0]
    assert Person.objects.count() == before


def test_roles_without_person_edit_cannot_register(staff: Any) -> None:
    for username in ("shinjuku-privacy", "shinjuku-kansa"):
        with pytest.raises(PermissionDenied):
            new_person(staff(username))
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, actor=staff("shinjuku-kansa")).exists()


# --- Household ----------------------------------------------------------------------------------


def test_household_members_with_relationship_birth_date_and_living_together(staff: Any) -> None:
    actor = staff("shinjuku-soudan")
    person = new_person(actor)
    household_set(
        actor=actor,
        person=person,
        expected_version=1,
        members=[
            {
                "name": "佐々木 花",
                "kana": "ささき はな",
                "relationship": "妻",
                "birth_date": date(1982, 3, 3),
            },
            {
                "name": "佐々木 一",
                "relationship": "長男",
                "birth_date": date(2010, 8, 1),
                "lives_together": False,
            },
        ],
    )
    rows = list(HouseholdMember.objects.filter(person=person).order_by("id"))
    assert [(m.relationship, m.birth_date, m.lives_together) for m in rows] == [
        ("妻", date(1982, 3, 3), True),
        ("長男", date(2010, 8, 1), False),
    ]
    assert rows[0].kana == "ササキ ハナ"
    # Setting again replaces the members, it does not add to them.
    household_set(
        actor=actor, person=person, members=[{"name": "佐々木 花", "relationship": "妻"}], expected_version=2
    )
    assert HouseholdMember.objects.filter(person=person).count() == 1


def test_household_member_errors_name_the_row(staff: Any) -> None:
    actor = staff("shinjuku-soudan")
    person = new_person(actor)
    with pytest.raises(ValidationError) as exc:
        household_set(
            actor=actor,
            person=person,
            expected_version=1,
            members=[
                {"name": "佐々木 花", "kana": "佐々木 花", "relationship": "妻"},
                {"name": "", "relationship": "", "birth_date": date(2099, 1, 1)},
            ],
        )
    assert set(exc.value.message_dict) == {
        "household-0-kana",
        "household-1-name",
        "household-1-relationship",
        "household-1-birth_date",
    }
    assert not HouseholdMember.objects.filter(person=person).exists()


# --- Update with optimistic locking ---------------------------------------------------------------


def test_update_rederives_keys_and_bumps_the_version(staff: Any) -> None:
    actor = staff("shinjuku-soudan")
    person = new_person(actor)
    person_update(
        actor=actor,
        person=person,
        values={"kana": "ささき じろう", "name": "佐々木 次郎"},
        expected_version=1,
    )
    person.refresh_from_db()
    assert (person.kana, person.kana_key, person.name_key, person.version) == (
        "ササキ ジロウ",
        "ササキシロ",
        "佐佐木次郎",  # 々 expanded, so 佐々木 and 佐佐木 match
        2,
    )
    assert set(PersonKanaTrigram.objects.filter(person=person).values_list("trigram", flat=True)) == trigrams(
        "ササキシロ"
    )
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(person.pk)).latest("id")
    assert event.details["fields"] == ["kana", "name"]


def test_a_stale_update_is_refused_and_nothing_is_overwritten(staff: Any) -> None:
    actor, other = staff("shinjuku-soudan"), staff("shinjuku-shunin")
    first = new_person(actor)
    second_copy = Person.objects.get(pk=first.pk)
    person_update(actor=other, person=first, values={"phone": "080-9999-0000"}, expected_version=1)
    with pytest.raises(StaleVersionError) as exc:
        person_update(actor=actor, person=second_copy, values={"address": "どこか"}, expected_version=1)
    assert "他の職員によって更新されました" in exc.value.messages[0]
    assert exc.value.current.phone == "080-9999-0000"
    fresh = Person.objects.get(pk=first.pk)
    assert (fresh.phone, fresh.address, fresh.version) == ("080-9999-0000", "東京都新宿区新宿三丁目1番1号", 2)


def test_update_validates_the_merged_values(staff: Any) -> None:
    actor = staff("shinjuku-soudan")
    person = new_person(actor)
    with pytest.raises(ValidationError) as exc:
        person_update(actor=actor, person=person, values={"is_restricted": True}, expected_version=1)
    assert "restriction_reason" in exc.value.message_dict
    assert Person.objects.get(pk=person.pk).version == 1


# --- 名寄せ (link/merge) and undo ---------------------------------------------------------------


@pytest.fixture
def duplicates(staff: Any) -> dict[str, Any]:
    worker, chief = staff("shinjuku-soudan"), staff("shinjuku-shunin")
    survivor_case = open_case(
        worker, person_kw={"phone": "090-1111-2222", "address": "東京都新宿区新宿三丁目1番1号"}
    )
    dup_case = open_case(
        worker,
        person_kw={
            "name": "佐々木 太朗",
            "kana": "ササキ タロー",
            "phone": "",
            "address": "東京都新宿区大久保一丁目1番1号",
            "nationality": "日本",
        },
        consent=consent_values(),
    )
    return {
        "chief": chief,
        "worker": worker,
        "survivor": survivor_case.person,
        "merged": dup_case.person,
        "survivor_case": survivor_case,
        "dup_case": dup_case,
    }


def test_merge_keeps_every_value_records_conflicts_and_moves_cases_and_consents(
    duplicates: dict[str, Any],
) -> None:
    d = duplicates
    merged_before = {
        f: getattr(Person.objects.get(pk=d["merged"].pk), f)
        for f in ("name", "kana", "address", "nationality")
    }
    survivor_before = {
        f: getattr(Person.objects.get(pk=d["survivor"].pk), f) for f in ("name", "kana", "address", "phone")
    }
    consent_id = Consent.objects.get(person=d["merged"]).pk

    record = person_merge(actor=d["chief"], survivor=d["survivor"], merged=d["merged"], reason="同一人物")

    assert set(record.conflicts) == {"name", "kana", "address"}  # phone: only one side has it
    assert record.conflicts["address"] == {
        "survivor": "東京都新宿区新宿三丁目1番1号",
        "merged": "東京都新宿区大久保一丁目1番1号",
    }
    # Nothing overwritten: both rows keep their own values.
    merged = Person.objects.get(pk=d["merged"].pk)
    survivor = Person.objects.get(pk=d["survivor"].pk)
    assert {f: getattr(merged, f) for f in merged_before} == merged_before
    assert {f: getattr(survivor, f) for f in survivor_before} == survivor_before
    assert merged.merged_into_id == survivor.pk
    assert Case.objects.get(pk=d["dup_case"].pk).person_id == survivor.pk
    assert Consent.objects.get(pk=consent_id).person_id == survivor.pk
    events = AuditEvent.objects.filter(action=AuditAction.MERGE, object_id=str(record.pk))
    assert {e.person_id for e in events} == {survivor.pk, merged.pk}
    assert all(e.actor_id == d["chief"].pk for e in events)


def test_merge_undo_puts_cases_and_consents_back(duplicates: dict[str, Any]) -> None:
    d = duplicates
    consent_id = Consent.objects.get(person=d["merged"]).pk
    record = person_merge(actor=d["chief"], survivor=d["survivor"], merged=d["merged"])
    # A case opened for the survivor after the merge stays with the survivor.
    later = open_case(d["worker"], person=d["survivor"], second_case_reason="統合後の新しい相談")

    person_merge_undo(actor=d["chief"], merge=record)

    assert Person.objects.get(pk=d["merged"].pk).merged_into_id is None
    assert Case.objects.get(pk=d["dup_case"].pk).person_id == d["merged"].pk
    assert Case.objects.get(pk=d["survivor_case"].pk).person_id == d["survivor"].pk
    assert Case.objects.get(pk=later.pk).person_id == d["survivor"].pk
    assert Consent.objects.get(pk=consent_id).person_id == d["merged"].pk
    record.refresh_from_db()
    assert record.undone_at is not None and record.undone_by_id == d["chief"].pk
    assert AuditEvent.objects.filter(action=AuditAction.UNMERGE, object_id=str(record.pk)).count() == 2
    with pytest.raises(ValidationError):
        person_merge_undo(actor=d["chief"], merge=record)
    # After the undo the two can be merged again (one active merge per person).
    again = person_merge(
        actor=d["chief"], survivor=d["survivor"], merged=d["merged"]
    )  # objects held from before
    assert PersonMerge.objects.filter(merged=d["merged"]).count() == 2
    assert again.undone_at is None


def test_merge_needs_the_merge_permission_and_the_same_agency(duplicates: dict[str, Any], staff: Any) -> None:
    d = duplicates
    with pytest.raises(PermissionDenied):
        person_merge(actor=d["worker"], survivor=d["survivor"], merged=d["merged"])  # 相談支援員
    other_agency_person = Person.objects.get(agency__municipality__slug="hasuda", name="齋藤 美和")
    with pytest.raises(PermissionDenied):
        person_merge(actor=d["chief"], survivor=d["survivor"], merged=other_agency_person)
    with pytest.raises(PermissionDenied):
        person_merge(actor=staff("hasuda-shunin"), survivor=d["survivor"], merged=d["merged"])
    with pytest.raises(ValidationError):
        person_merge(actor=d["chief"], survivor=d["survivor"], merged=d["survivor"])
    assert not PersonMerge.objects.exists()
    assert Person.objects.get(pk=d["merged"].pk).merged_into_id is None


def test_a_merged_person_cannot_be_merged_twice(duplicates: dict[str, Any], staff: Any) -> None:
    d = duplicates
    third = new_person(d["worker"], name="佐々木 タロウ", kana="ササキ タロウ", phone="")
    person_merge(actor=d["chief"], survivor=d["survivor"], merged=d["merged"])
    merged = Person.objects.get(pk=d["merged"].pk)
    with pytest.raises(ValidationError):
        person_merge(actor=d["chief"], survivor=third, merged=merged)


def test_merging_a_restricted_person_keeps_the_restriction(staff: Any) -> None:
    """A DV person's record merged into an unrestricted duplicate must not lose its protection."""
    worker, chief = staff("shinjuku-soudan"), staff("shinjuku-shunin")
    plain = new_person(
        worker, name="山﨑 花子", kana="ヤマザキ ハナコ", birth_date=date(1988, 2, 29), phone=""
    )
    restricted = Person.objects.get(name="山﨑 花子", is_restricted=True)
    record = person_merge(actor=chief, survivor=plain, merged=restricted)
    survivor = Person.objects.get(pk=plain.pk)
    assert survivor.is_restricted
    assert survivor.restriction_reason
    person_merge_undo(actor=chief, merge=record)
    assert not Person.objects.get(pk=plain.pk).is_restricted
    assert Person.objects.get(pk=restricted.pk).is_restricted


def test_consent_moves_with_the_merge_so_the_survivor_can_start_assessment(
    duplicates: dict[str, Any],
) -> None:
    from tsunagu.privacy.selectors import consent_in_force

    d = duplicates
    assert consent_in_force(d["survivor"]) is None
    record = person_merge(actor=d["chief"], survivor=d["survivor"], merged=d["merged"])
    assert consent_in_force(d["survivor"]) is not None
    person_merge_undo(actor=d["chief"], merge=record)
    assert consent_in_force(d["survivor"]) is None
    consent_give(actor=d["worker"], person=d["survivor"], values=consent_values())
    assert consent_in_force(d["survivor"]) is not None
