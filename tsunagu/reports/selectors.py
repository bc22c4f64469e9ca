"""Reads of the 支援ケース一覧: the period's cases in the account's scope, and a municipality's layout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from tsunagu.cases.models import Case, CaseState
from tsunagu.cases.selectors import cases_listed
from tsunagu.core.audit import audit_record
from tsunagu.core.dates import fiscal_year
from tsunagu.core.models import AuditAction
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.scoping import scope_for_user

from .case_list import STANDARD_KEYS, Column, ListPeriod, case_rows, clean_keys, columns_of, period_cases_q
from .models import CaseListLayout
from .policies import municipalities_for
from .policies import municipality_for_user_or_404 as municipality_for_user_or_404

# A file holds at most this many cases (a 年度 of a large centre is a few thousand); beyond it the
# export is refused with a message asking for a shorter period or one municipality.
EXPORT_LIMIT = 10_000
TOO_MANY = (
    "対象のケースが{count}件あり、一度に出力できる{limit}件を超えています。"
    "期間（月）を短くするか、自治体を選んで出力してください。"
)


@dataclass(frozen=True)
class Selection:
    period: ListPeriod
    municipality: Municipality | None = None  # None: every municipality the account may see
    state: str = ""


YEAR_MESSAGE = "年度は西暦4桁で指定してください（例：2025 は令和7年度）。"
MONTH_MESSAGE = "月は1から12の数で指定してください。"


def _month(raw: str, default: int, field: str, errors: dict[str, str]) -> int:
    raw = (raw or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 12):
        errors[field] = MONTH_MESSAGE
        return default
    return int(raw)


def selection_from(user: Any, params: Mapping[str, str], today: date) -> Selection:
    """The selection named by ``params`` (fiscal_year, from, to, municipality, state); ValidationError
    with a message per field; a municipality the account may not use is 404."""
    errors: dict[str, str] = {}
    raw_year = (params.get("fiscal_year") or "").strip()
    fy = fiscal_year(today)
    if raw_year:
        if raw_year.isascii() and raw_year.isdigit() and len(raw_year) == 4 and 2000 <= int(raw_year) <= 2100:
            fy = int(raw_year)
        else:
            errors["fiscal_year"] = YEAR_MESSAGE
    first = _month(params.get("from", ""), 4, "from", errors)
    last = _month(params.get("to", ""), 3, "to", errors)
    state = (params.get("state") or "").strip()
    if state and state not in CaseState.values:
        errors["state"] = "状態の指定が正しくありません。"
    period = ListPeriod(fy)
    if not errors:
        try:
            period = ListPeriod(fy, first, last)
        except ValueError as exc:
            errors["to"] = str(exc)
    if errors:
        raise ValidationError(errors)
    code = (params.get("municipality") or "").strip()
    municipality = municipality_for_user_or_404(user, code) if code else None
    return Selection(period=period, municipality=municipality, state=state)


def case_list_queryset(user: Any, sel: Selection) -> models.QuerySet[Case]:
    """The period's cases (``Case.objects``: not 取消) the account may see, with the columns' reads."""
    qs = scope_for_user(Case.objects.all(), user).filter(period_cases_q(sel.period))
    qs = qs.filter(municipality__in=municipalities_for(user))
    if sel.municipality is not None:
        qs = qs.filter(municipality=sel.municipality)
    if sel.state in CaseState.values:
        qs = qs.filter(state=sel.state)
    return case_rows(qs)


def layout_municipality(user: Any, sel: Selection) -> Municipality | None:
    """Whose layout a list uses: the chosen municipality, else the account's own (a centre's own
    municipality, a 自治体担当者's municipality)."""
    if sel.municipality is not None:
        return sel.municipality
    own = getattr(user, "municipality_id", None)
    if not own and getattr(user, "agency_id", None):
        own = user.agency.municipality_id
    return municipalities_for(user).filter(pk=own).first() if own else None


def layout_of(municipality: Municipality | None) -> CaseListLayout | None:
    if municipality is None:
        return None
    return CaseListLayout.objects.filter(municipality=municipality).first()


def layout_keys(layout: CaseListLayout | None) -> list[str]:
    """The layout's columns, or the standard set when none is saved (or none of its keys is known)."""
    keys = clean_keys(layout.columns) if layout is not None else []
    return keys or list(STANDARD_KEYS)


def layout_columns(municipality: Municipality | None) -> list[Column]:
    return columns_of(layout_keys(layout_of(municipality)))


def list_viewed(*, user: Any, cases: list[Case], via: str) -> None:
    """A page of the list shown (screen or API json): one VIEW row per case listed, as every list of
    cases (``cases.selectors.cases_listed``), so each person's trail names it."""
    cases_listed(user=user, cases=cases, via=via)


def list_exported(*, user: Any, sel: Selection, cases: list[Case], fmt: str, via: str) -> None:
    """One audit row per file: the format, the period, the count and the ids of the cases in it."""
    audit_record(
        actor=user,
        action=AuditAction.EXPORT,
        object_type="case_list_report",
        object_id=sel.period.key,
        municipality_id=sel.municipality.pk if sel.municipality is not None else None,
        details=_details(sel, len(cases), via) | {"format": fmt, "case_ids": [c.pk for c in cases]},
    )


def _details(sel: Selection, count: int, via: str) -> dict[str, Any]:
    return {
        "via": via,
        "period": sel.period.key,
        "from": sel.period.start.isoformat(),
        "to": sel.period.end.isoformat(),
        "municipality": sel.municipality.code if sel.municipality is not None else "",
        "state": sel.state,
        "count": count,
    }
