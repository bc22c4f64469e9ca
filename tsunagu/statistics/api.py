"""API: the 支援状況調査 of one municipality by month or by 年度 (figures only; the same scoping as
the screen: an area the caller may not see is 404)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from . import selectors
from .indicators import Period, compute, period_problem
from .schemas import FiscalYearOut, MonthlyOut

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


def _user(request: HttpRequest) -> User:
    """The signed-in staff account (StaffLoginRequiredMiddleware / the API's auth ran first)."""
    return cast("User", request.user)


router = Router(tags=["統計"])


class MonthlyQuery(Schema):
    municipality: str
    month: str


class FiscalYearQuery(Schema):
    municipality: str
    fiscal_year: str


# The error answers (401, 403, 404, 422) are documented for every operation by ``tsunagu/api/api.py``
# with the API's one error shape.
NO_DATA_MONTH = "この月に記録されたデータはありません。"
NO_DATA = "この期間に記録されたデータはありません。"


def _require(request: HttpRequest) -> None:
    """APIを使う and 統計を見る; the first missing one is refused (one audit row)."""
    guards.require(_user(request), Permission.API_USE, via="api")
    guards.require(_user(request), Permission.STATISTICS_VIEW, via="api")


def _figures(request: HttpRequest, municipality: str, period: Period, no_data: str) -> dict[str, Any]:
    area = selectors.municipality_area(_user(request), municipality)
    out: dict[str, Any] = {
        "municipality": area.code,
        "municipality_name": area.name,
        "population": area.population,
        "period_label": period.label,
        "indicators": [],
    }
    note = period_problem(period, timezone.localdate())
    if note:
        out["note"] = note
        return out
    figures = compute(area, period)
    out["indicators"] = [
        {
            "code": f.code,
            "name_ja": f.name_ja,
            "value": f.value,
            "per_100k": float(f.per_100k) if f.per_100k is not None else None,
            "guide_per_100k": float(f.guide_per_100k) if f.guide_per_100k is not None else None,
        }
        for f in figures.figures
    ]
    if not any(f.value for f in figures.figures):
        out["note"] = no_data
    return out


@router.get(
    "/statistics/monthly",
    response=MonthlyOut,
    summary="月次の支援状況調査（自治体）",
    description=(
        "municipality は全国地方公共団体コード（6桁）、month は YYYY-MM。閲覧できない自治体は 404。"
        "未来の月・制度施行前の月は indicators が空で note に理由が入ります。"
    ),
)
def monthly(request: HttpRequest, q: Query[MonthlyQuery]) -> dict[str, Any]:
    _require(request)
    try:
        if len(q.month) != 7:
            raise ValueError(q.month)
        period = Period.parse(q.month)
    except ValueError:
        raise ValidationError({"month": ["月は YYYY-MM の形で指定してください（例：2026-10）。"]}) from None
    return {"month": period.key, **_figures(request, q.municipality, period, NO_DATA_MONTH)}


@router.get(
    "/statistics/fiscal-year",
    response=FiscalYearOut,
    summary="年度の支援状況調査（自治体）",
    description=(
        "municipality は全国地方公共団体コード（6桁）、fiscal_year は西暦の年度（例：2025 は令和7年度、"
        "2025年4月〜2026年3月）。人口10万人あたりの値は1か月あたり（年間件数÷12）。閲覧できない自治体は 404。"
        "データのない年度はすべて 0 で note に「この期間に記録されたデータはありません」と入ります。"
    ),
)
def fiscal_year(request: HttpRequest, q: Query[FiscalYearQuery]) -> dict[str, Any]:
    _require(request)
    raw = q.fiscal_year.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 2100):
        raise ValidationError({"fiscal_year": ["年度は西暦4桁で指定してください（例：2025）。"]})
    period = Period.fiscal_year(int(raw))
    return {"fiscal_year": int(raw), **_figures(request, q.municipality, period, NO_DATA)}
