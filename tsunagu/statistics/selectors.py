"""Reads for the statistics: which areas a user may see, the figures, and the cases behind them.

Figures are counts, but a municipality's counts are still about its people, so the areas follow
the same tenancy rule as everything else (deny by default):

- agency staff with 統計を見る: their agency, and each municipality it serves — counting only the
  agency's own rows (共同実施: another agency's share of the same municipality is not theirs);
- a 自治体担当者: their municipality, all agencies together; when their municipality is the
  prefecture's own office (団体コード ``XX000``), also the whole prefecture (figures only);
- anyone else: nothing (404).

The drill-down (the cases behind a figure) needs 統計の内訳を開く and is scoped again by
``scope_for_user``: it never lists a case the user could not open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.http import Http404

from tsunagu.cases.models import Case
from tsunagu.cases.selectors import cases_visible_to
from tsunagu.organizations.models import Municipality, Prefecture
from tsunagu.organizations.roles import Role
from tsunagu.organizations.scoping import NOT_FOUND_MESSAGE

from .indicators import DISTRIBUTIONS, INDICATORS, Area, Period
from .models import StatisticsRun
from .policies import is_prefecture_office, may_drill_down, may_view

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


def municipalities_for_user(user: User) -> models.QuerySet[Municipality]:
    if not may_view(user):
        return Municipality.objects.none()
    agency = user.agency  # the user's own row caches it for the request
    if agency is not None:
        return Municipality.objects.filter(pk__in=agency.area_ids()).select_related("prefecture")
    if user.municipality_id and user.has_role(Role.MUNICIPAL_OFFICER):
        return Municipality.objects.filter(pk=user.municipality_id).select_related("prefecture")
    return Municipality.objects.none()


def prefectures_for_user(user: User) -> models.QuerySet[Prefecture]:
    if not may_view(user) or user.agency_id or not user.has_role(Role.MUNICIPAL_OFFICER):
        return Prefecture.objects.none()
    muni = Municipality.objects.filter(pk=user.municipality_id or 0).first()
    if muni is None or not is_prefecture_office(muni):
        return Prefecture.objects.none()
    return Prefecture.objects.filter(pk=muni.prefecture_id)


def municipality_area(user: User, code: str) -> Area:
    """The area for a municipality code, as this user may see it; 404 otherwise (absent or not theirs)."""
    muni = municipalities_for_user(user).filter(code=(code or "").strip()).first()
    if muni is None:
        raise Http404(NOT_FOUND_MESSAGE)
    if user.agency_id:
        return Area.municipality(muni, agency=user.agency)
    return Area.municipality(muni)


def prefecture_area(user: User, code: str) -> Area:
    pref = prefectures_for_user(user).filter(code=(code or "").strip()).first()
    if pref is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return Area.prefecture(pref)


def agency_area(user: User) -> Area:
    if not may_view(user) or user.agency is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return Area.agency(user.agency)


def area_for_key(user: User, key: str) -> Area:
    """``m:<団体コード>``, ``p:<都道府県コード>`` or ``agency`` — the areas of the screens and URLs."""
    kind, _, code = (key or "").partition(":")
    if kind == "m":
        return municipality_area(user, code)
    if kind == "p":
        return prefecture_area(user, code)
    if kind == "agency":
        return agency_area(user)
    raise Http404(NOT_FOUND_MESSAGE)


def area_key(area: Area) -> str:
    if area.kind == "prefecture":
        return f"p:{area.code}"
    if area.kind == "agency":
        return "agency"
    return f"m:{area.code}"


def areas_for_user(user: User) -> list[tuple[str, str]]:
    """(key, label) of every area the user may choose, for the area selector."""
    out: list[tuple[str, str]] = []
    if user.agency is not None and may_view(user):
        out.append(("agency", f"{user.agency.name}（機関全体）"))
    for muni in municipalities_for_user(user):
        out.append((f"m:{muni.code}", str(muni)))
    for pref in prefectures_for_user(user):
        out.append((f"p:{pref.code}", f"{pref.name}（都道府県全体）"))
    return out


def drilldown_cases(
    user: User, *, code: str, area: Area, period: Period, group: str = ""
) -> models.QuerySet[Case]:
    """The cases behind one figure (or one category of a distribution), as the user may see them."""
    if not may_drill_down(user):
        raise Http404(NOT_FOUND_MESSAGE)
    if code in INDICATORS:
        ids = INDICATORS[code].case_ids(area, period)
    elif code in DISTRIBUTIONS:
        ids = DISTRIBUTIONS[code].case_ids(area, period, group)
    elif code == "complexity":
        from .creaming import complexity_cases

        ids = complexity_cases(area, period).filter(_band=group).values("id")  # type: ignore[misc]
    else:
        raise Http404(NOT_FOUND_MESSAGE)
    return (
        cases_visible_to(user)
        .filter(pk__in=_as_case_ids(code, ids))
        .select_related("person", "assigned_worker", "municipality")
        .order_by("-opened_on", "-id")
    )


def _as_case_ids(code: str, ids: models.QuerySet[Any]) -> models.QuerySet[Any]:
    """Housing-benefit figures count applications/decisions and the プラン達成状況 counts goal
    results; their drill-down lists the cases."""
    from tsunagu.cases.models import GoalResult
    from tsunagu.programs.models import (
        HousingBenefitApplication,
        HousingBenefitDecision,
        HousingBenefitExtension,
        HousingBenefitStop,
    )

    model = ids.model
    if model is GoalResult:
        return GoalResult.objects.filter(pk__in=ids).values("evaluation__case_id")
    if model is HousingBenefitApplication:
        return HousingBenefitApplication.objects.filter(pk__in=ids).values("case_id")
    if model in (HousingBenefitDecision, HousingBenefitExtension, HousingBenefitStop):
        return model.objects.filter(pk__in=ids).values("application__case_id")
    return ids


def runs_for_user(user: User) -> models.QuerySet[StatisticsRun]:
    """年度 runs the user started (results are figures only, but each run belongs to its requester)."""
    if not may_view(user):
        return StatisticsRun.objects.none()
    return StatisticsRun.objects.filter(requested_by=user)


def run_for_user(user: User, run_id: int) -> StatisticsRun:
    run = runs_for_user(user).filter(pk=run_id).first()
    if run is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return run
