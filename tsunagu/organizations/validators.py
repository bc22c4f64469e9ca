"""Validation of 全国地方公共団体コード (6 digits: 5 + check digit)."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

_WEIGHTS = (6, 5, 4, 3, 2)


def municipality_check_digit(first_five: str) -> int:
    """Check digit of a 5-digit 団体コード: (11 − Σ dᵢ·wᵢ mod 11) mod 10, weights 6,5,4,3,2."""
    total = sum(int(c) * w for c, w in zip(first_five, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def normalize_municipality_code(value: str) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip().replace("-", "")


def validate_municipality_code(value: str) -> None:
    code = normalize_municipality_code(value)
    if len(code) != 6 or not code.isdigit():
        raise ValidationError(
            "全国地方公共団体コードは6桁の数字で入力してください（例：131041）。", code="format"
        )
    if not 1 <= int(code[:2]) <= 47:
        raise ValidationError("都道府県コード（先頭2桁）は01〜47です。", code="prefecture")
    if municipality_check_digit(code[:5]) != int(code[5]):
        raise ValidationError(
            "全国地方公共団体コードの検査数字（6桁目）が正しくありません。入力を確認してください。",
            code="check_digit",
        )
