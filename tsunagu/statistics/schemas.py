from __future__ import annotations

from ninja import Schema


class IndicatorOut(Schema):
    code: str
    name_ja: str
    value: int
    per_100k: float | None
    guide_per_100k: float | None = None


class MonthlyOut(Schema):
    municipality: str
    municipality_name: str
    population: int
    month: str
    period_label: str
    note: str = ""
    indicators: list[IndicatorOut]


class FiscalYearOut(Schema):
    municipality: str
    municipality_name: str
    population: int
    fiscal_year: int
    period_label: str
    note: str = ""
    indicators: list[IndicatorOut]
