"""国の目安値: which value is in force for a 年度 (the latest 年度 not after it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tsunagu.core.dates import fiscal_year_label

from .models import GuideValue


@dataclass(frozen=True)
class Guide:
    value: Decimal
    fiscal_year: int

    @property
    def label(self) -> str:
        return f"{fiscal_year_label(self.fiscal_year)}の目安値"


def guide_values(fy: int) -> dict[str, Guide]:
    """The 目安値 in force for 年度 ``fy``, by indicator code (one query)."""
    found: dict[str, Guide] = {}
    for row in GuideValue.objects.filter(fiscal_year__lte=fy).order_by("indicator_code", "fiscal_year"):
        found[row.indicator_code] = Guide(row.value_per_100k, row.fiscal_year)
    return found
