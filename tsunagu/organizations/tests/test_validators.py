"""全国地方公共団体コード: six digits, prefecture 01–47, check digit (weights 6,5,4,3,2, mod 11)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.organizations.validators import (
    municipality_check_digit,
    normalize_municipality_code,
    validate_municipality_code,
)


@pytest.mark.parametrize(
    "code",
    [
        "131041",  # 東京都新宿区
        "112381",  # 埼玉県蓮田市
        "011002",  # 北海道札幌市
        "131016",  # 東京都千代田区
        "271004",  # 大阪府大阪市
        "141003",  # 神奈川県横浜市
        "130001",  # 東京都
        "472115",  # 沖縄県沖縄市
        "１３１０４１",  # 全角数字
        " 13104-1 ",  # as printed with a hyphen before the check digit
    ],
)
def test_valid_codes(code: str) -> None:
    validate_municipality_code(code)


@pytest.mark.parametrize(
    ("code", "error_code", "message"),
    [
        ("131042", "check_digit", "検査数字（6桁目）が正しくありません"),
        ("112380", "check_digit", "検査数字（6桁目）が正しくありません"),
        ("13104", "format", "6桁の数字で入力してください"),
        ("1310411", "format", "6桁の数字で入力してください"),
        ("abcdef", "format", "6桁の数字で入力してください"),
        ("", "format", "6桁の数字で入力してください"),
        ("481234", "prefecture", "都道府県コード（先頭2桁）は01〜47です"),
        ("001236", "prefecture", "都道府県コード（先頭2桁）は01〜47です"),
    ],
)
def test_invalid_codes_have_japanese_messages(code: str, error_code: str, message: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_municipality_code(code)
    assert excinfo.value.code == error_code
    assert message in excinfo.value.messages[0]


def test_check_digit_examples() -> None:
    assert municipality_check_digit("13104") == 1
    assert municipality_check_digit("01100") == 2
    assert municipality_check_digit("27100") == 4
    # remainder 0 → 11 → 1; remainder 1 → 10 → 0
    assert municipality_check_digit("13000") == 1  # Σ = 21, 21 mod 11 = 10 → 1
    assert municipality_check_digit("11238") == 1  # Σ = 44, 44 mod 11 = 0 → 1


def test_normalize() -> None:
    assert normalize_municipality_code("１３１０４－１") == "131041"
    assert normalize_municipality_code(None) == ""  # type: ignore[arg-type]


@given(st.integers(1, 47), st.integers(0, 999))
def test_exactly_one_check_digit_is_valid(prefecture: int, rest: int) -> None:
    first_five = f"{prefecture:02d}{rest:03d}"
    valid = []
    for digit in range(10):
        try:
            validate_municipality_code(first_five + str(digit))
        except ValidationError as exc:
            assert exc.code == "check_digit"
        else:
            valid.append(digit)
    assert valid == [municipality_check_digit(first_five)]
