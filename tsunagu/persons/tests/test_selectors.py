"""Reads on persons: scoping, duplicate candidates (名寄せ候補), restricted persons (閲覧制限)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.http import Http404

from tsunagu.cases.tests.helpers import new_person
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.persons.models import Person
from tsunagu.persons.policies import MASK, masked_value, restricted_visible_person_ids
from tsunagu.persons.selectors import person_duplicate_candidates, person_get_for_user, persons_visible_to
from tsunagu.persons.services import person_merge

TAKAHASHI_BIRTH = date(1975, 6, 12)  # demo: 髙橋 一郎, 090-1234-5678
YAMAZAKI_PHONE = "080-2345-6789"  # demo: 山﨑 花子 (restricted, assigned to shinjuku-soudan)


def _ids(candidates: list[Any]) -> list[int]:
    return [c.person.pk for c in candidates]


def _demo(name: str) -> Person:
    return Person.objects.get(name=name)


# --- Scoping ------------------------------------------------------------------------------------


def test_persons_are_visible_only_within_the_agency(staff: Any) -> None:
    shinjuku = set(persons_visible_to(staff("shinjuku-soudan")).values_list("name", flat=True))
    hasuda = set(persons_visible_to(staff("hasuda-soudan")).values_list("name", flat=True))
    assert shinjuku == {"髙橋 一郎", "山﨑 花子", "渡邉 健"}
    assert hasuda == {"齋藤 美和"}
    # 自治体担当者 and accounts without PERSON_VIEW see no persons.
    assert not persons_visible_to(staff("shinjuku-jichitai")).exists()


def test_person_of_another_agency_is_404_like_a_missing_one_and_the_attempt_is_audited(staff: Any) -> None:
    user = staff("hasuda-soudan")
    other = _demo("髙橋 一郎")
    with pytest.raises(Http404) as not_yours:
        person_get_for_user(user=user, person_id=other.pk)
    with pytest.raises(Http404) as missing:
        person_get_for_user(user=user, person_id=9_999_999)
    assert str(not_yours.value) == str(missing.value)
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, actor=user, object_type="person", object_id=str(other.pk)
    ).exists()


def test_a_merged_away_person_is_no_longer_listed(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    dup = new_person(worker, name="髙橋 一朗", kana="タカハシ イチロウ", birth_date=TAKAHASHI_BIRTH, phone="")
    person_merge(actor=staff("shinjuku-shunin"), survivor=_demo("髙橋 一郎"), merged=dup)
    assert dup.pk not in set(persons_visible_to(worker).values_list("pk", flat=True))
    candidates = person_duplicate_candidates(
        user=worker, kana="タカハシ イチロウ", birth_date=TAKAHASHI_BIRTH
    )
    assert _ids(candidates) == [_demo("髙橋 一郎").pk]


# --- Duplicate candidates -----------------------------------------------------------------------


def test_candidates_are_ranked_with_a_score_between_0_and_1_and_reasons(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    exact = _demo("髙橋 一郎")
    near = new_person(
        worker, name="高橋 一朗", kana="タカハシ イチロ", birth_date=date(1975, 6, 21), phone=""
    )
    far = new_person(worker, name="高橋 進", kana="タカハシ ススム", birth_date=date(1990, 1, 1), phone="")

    candidates = person_duplicate_candidates(
        user=worker, name="高橋 一郎", kana="たかはし いちろう", birth_date=TAKAHASHI_BIRTH, min_score=0.0
    )

    ids = _ids(candidates)
    assert ids.index(exact.pk) < ids.index(near.pk)
    if far.pk in ids:
        assert ids.index(near.pk) < ids.index(far.pk)
    scores = [c.score for c in candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    top = candidates[0]
    assert top.person.pk == exact.pk
    assert top.score >= 0.95
    assert "生年月日が一致" in top.reasons
    assert "氏名（漢字）が一致（異体字を同一視）" in top.reasons  # 髙 typed as 高
    assert any(r.startswith("フリガナが一致") for r in top.reasons)


@pytest.mark.parametrize(
    "query",
    [
        {"kana": "タカハシ イチロウ"},
        {"kana": "たかはし いちろー"},  # hiragana, long vowel
        {"kana": "ﾀｶﾊｼ ｲﾁﾛｳ"},  # half-width
        {"kana": "タカハス イチロウ"},  # one typo
        {"name": "高橋 一郎"},  # 異体字 高/髙
        {"name": "髙橋一郎"},  # no space
        {"phone": "09012345678"},
        {"phone": "０９０－１２３４－５６７８"},
        {"birth_date": TAKAHASHI_BIRTH, "kana": "タカハシ"},
    ],
)
def test_any_subset_of_the_keys_finds_the_person(staff: Any, query: dict[str, Any]) -> None:
    candidates = person_duplicate_candidates(user=staff("shinjuku-soudan"), min_score=0.3, **query)
    assert _demo("髙橋 一郎").pk in _ids(candidates)


def test_an_empty_query_gives_no_candidates(staff: Any) -> None:
    assert person_duplicate_candidates(user=staff("shinjuku-soudan")) == []


def test_candidates_never_come_from_another_agency(staff: Any) -> None:
    hasuda = staff("hasuda-soudan")
    new_person(hasuda, name="髙橋 一郎", kana="タカハシ イチロウ", birth_date=date(1960, 1, 1), phone="")
    for user, expected in ((hasuda, "蓮田"), (staff("shinjuku-shunin"), "新宿")):
        candidates = person_duplicate_candidates(
            user=user,
            kana="タカハシ イチロウ",
            name="髙橋 一郎",
            birth_date=TAKAHASHI_BIRTH,
            phone="090-1234-5678",
            min_score=0.0,
        )
        assert candidates
        assert {c.person.agency.name[:2] for c in candidates} == {expected}
    # Someone without PERSON_VIEW gets nothing at all.
    assert person_duplicate_candidates(user=staff("shinjuku-jichitai"), kana="タカハシ イチロウ") == []


def test_phone_alt_matches_too(staff: Any) -> None:
    worker = staff("shinjuku-soudan")
    person = new_person(worker, phone="090-5555-6666", phone_alt="03-5555-6666")
    candidates = person_duplicate_candidates(user=worker, phone="03-5555-6666", min_score=0.0)
    match = next(c for c in candidates if c.person.pk == person.pk)
    assert "電話番号（その他）が一致" in match.reasons


def test_restricted_contact_data_does_not_show_through_the_candidates(staff: Any) -> None:
    """A worker who may not see 山﨑 花子's phone must not learn it by matching it either."""
    yamazaki = _demo("山﨑 花子")
    for username in ("shinjuku-shunin", "shinjuku-kakei"):
        by_phone = person_duplicate_candidates(user=staff(username), phone=YAMAZAKI_PHONE, min_score=0.0)
        assert yamazaki.pk not in _ids(by_phone)
        by_name = person_duplicate_candidates(
            user=staff(username), kana="ヤマザキ ハナコ", phone=YAMAZAKI_PHONE, address=yamazaki.address
        )
        match = next(c for c in by_name if c.person.pk == yamazaki.pk)
        assert not [r for r in match.reasons if "電話" in r or "住所" in r]
    # The assigned worker and the centre manager do see the match.
    for username in ("shinjuku-soudan", "shinjuku-center"):
        by_phone = person_duplicate_candidates(user=staff(username), phone=YAMAZAKI_PHONE, min_score=0.0)
        assert "電話番号が一致" in next(c for c in by_phone if c.person.pk == yamazaki.pk).reasons


# --- Restricted persons --------------------------------------------------------------------------


def test_restricted_fields_are_visible_to_the_assigned_worker_and_the_centre_manager_only(staff: Any) -> None:
    yamazaki, takahashi = _demo("山﨑 花子"), _demo("髙橋 一郎")
    for username, sees in (
        ("shinjuku-soudan", True),  # assigned worker
        ("shinjuku-center", True),  # センター長
        ("shinjuku-shunin", False),
        ("shinjuku-kakei", False),
        ("shinjuku-privacy", False),
    ):
        visible = restricted_visible_person_ids(staff(username), [yamazaki, takahashi])
        assert (yamazaki.pk in visible) is sees, username
        assert takahashi.pk in visible
        shown = masked_value(yamazaki, "phone", visible)
        assert shown == (YAMAZAKI_PHONE if sees else MASK)
        assert masked_value(yamazaki, "name", visible) == "山﨑 花子"


def test_viewing_a_restricted_person_is_audited_as_restricted_view(staff: Any) -> None:
    yamazaki = _demo("山﨑 花子")
    for username, restricted_view in (
        ("shinjuku-soudan", True),
        ("shinjuku-center", True),
        ("shinjuku-shunin", False),
    ):
        user = staff(username)
        person_get_for_user(user=user, person_id=yamazaki.pk)
        events = AuditEvent.objects.filter(actor=user, person_id=yamazaki.pk)
        assert events.filter(action=AuditAction.VIEW).count() == 1
        assert events.filter(action=AuditAction.RESTRICTED_VIEW).exists() is restricted_view, username
    # An unrestricted person's view is not a restricted view.
    person_get_for_user(user=staff("shinjuku-soudan"), person_id=_demo("髙橋 一郎").pk)
    assert not AuditEvent.objects.filter(
        action=AuditAction.RESTRICTED_VIEW, person_id=_demo("髙橋 一郎").pk
    ).exists()


# --- Surname-only search (相談受付の検索) ------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"kana": "タカハシ"},
        {"kana": "たかはし"},
        {"kana": "ﾀｶﾊｼ"},
        {"name": "高橋"},
        {"name": "髙橋"},
        {"name": "タカハシ"},
    ],
)
def test_a_surname_alone_finds_every_person_with_that_surname(staff: Any, query: dict[str, str]) -> None:
    worker = staff("shinjuku-soudan")
    hanako = new_person(
        worker, name="高橋 花子", kana="タカハシ ハナコ", birth_date=date(1990, 1, 2), phone=""
    )
    jiro = new_person(worker, name="髙橋 次郎", kana="タカハシ ジロウ", birth_date=date(1960, 3, 4), phone="")
    other = new_person(
        worker, name="高田 一郎", kana="タカダ イチロウ", birth_date=date(1975, 6, 12), phone=""
    )
    found = _ids(
        person_duplicate_candidates(
            user=worker, name=query.get("name", ""), kana=query.get("kana", ""), min_score=0.3, limit=100
        )
    )
    assert {_demo("髙橋 一郎").pk, hanako.pk, jiro.pk} <= set(found)
    assert other.pk not in found
    # Another agency's 高橋 is never found.
    assert not set(found) & set(
        Person.objects.filter(agency__municipality__slug="hasuda").values_list("pk", flat=True)
    )


def test_a_surname_match_alone_is_never_a_probable_duplicate(staff: Any) -> None:
    from tsunagu.persons.selectors import person_probable_duplicates

    worker = staff("shinjuku-soudan")
    found = person_probable_duplicates(user=worker, name="高橋", kana="タカハシ", birth_date=None)
    assert found == []
