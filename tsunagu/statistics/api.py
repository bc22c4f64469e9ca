"""API: the monthly 支援状況調査 of one municipality (figures only; the same scoping as the screen)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.organizations.roles import Permission

from . import selectors
from .indicators import Period, compute, period_problem
from .schemas import InvalidInputOut, MonthlyOut, RefusalOut

router = Router(tags=["統計"])


class MonthlyQuery(Schema):
    municipality: str
    month: str


def _require(request: HttpRequest) -> None:
    user: Any = request.user
    for permission in (Permission.API_USE, Permission.STATISTICS_VIEW):
        if not user.can(permission):
            audit_record(
                actor=user,
                action=AuditAction.ACCESS_DENIED,
                details={"permission": permission.value, "via": "api"},
            )
            raise PermissionDenied("この操作を行う権限がありません。")


@router.get(
    "/statistics/monthly",
    response={200: MonthlyOut, 403: RefusalOut, 404: RefusalOut, 422: InvalidInputOut},
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
    area = selectors.municipality_area(request.user, q.municipality)
    out: dict[str, Any] = {
        "municipality": area.code,
        "municipality_name": area.name,
        "population": area.population,
        "month": period.key,
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
        out["note"] = "この月に記録されたデータはありません。"
    return out
