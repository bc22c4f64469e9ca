"""Amounts as staff type them: 全角 digits, commas, 円 and 万円 are read; the rest is refused in Japanese."""

from __future__ import annotations

import pytest

from tsunagu.core.forms import YenError, YenField, parse_yen


@pytest.mark.parametrize(
    ("typed", "yen"),
    [
        ("84000", 84_000),
        ("84,000", 84_000),
        ("８４，０００円", 84_000),
        ("84000円", 84_000),
        ("12万円", 120_000),
        ("１２万円", 120_000),
        ("12.5万円", 125_000),
        ("12万5000円", 125_000),
        ("3万", 30_000),
        (" 0 ", 0),
        ("", None),
        (52000, 52_000),
    ],
)
def test_what_staff_type_is_read_as_integer_yen(typed: object, yen: int | None) -> None:
    assert parse_yen(typed) == yen


@pytest.mark.parametrize(
    ("typed", "code", "message"),
    [
        ("-5000", "negative", "負の金額は入力できません。"),
        ("－５０００", "negative", "負の金額は入力できません。"),
        ("1.5", "invalid", "円単位の整数で入力してください"),
        ("十万円", "invalid", "円単位の整数で入力してください"),
        ("12万50000円", "invalid", "万の下は4桁まで"),
        ("1.23456万円", "invalid", "1円単位まで"),
        ("100000000", "max", "金額が大きすぎます"),
        (-1, "negative", "負の金額は入力できません。"),
    ],
)
def test_what_cannot_be_read_is_refused_with_a_japanese_message(
    typed: object, code: str, message: str
) -> None:
    with pytest.raises(YenError) as exc:
        parse_yen(typed)
    assert exc.value.code == code
    assert message in str(exc.value)


def test_the_field_shows_the_message_and_a_saved_amount_with_commas() -> None:
    field = YenField(required=False, maximum=1_000_000)
    assert field.clean("５万円") == 50_000
    with pytest.raises(Exception, match="負の金額"):
        field.clean("-1")
    with pytest.raises(Exception, match="1,000,000円まで"):
        field.clean("200万円")
    assert field.prepare_value(52000) == "52,000"
