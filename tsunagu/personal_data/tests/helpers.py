from __future__ import annotations

from datetime import date
from typing import Any

from tsunagu.cases.models import Case, CaseState
from tsunagu.organizations.models import User
from tsunagu.personal_data import retention
from tsunagu.personal_data.models import RecordType
from tsunagu.persons.models import HouseholdMember
from tsunagu.statistics.indicators import Area, Period, compute
from tsunagu.statistics.tests.handbuilt import World, build


def world_with_takahashi_finished() -> World:
    """The statistics' hand-built world, with 髙橋's second case closed too (so he may be due)."""
    w = build()
    Case.all_cases.filter(pk=w.cases["C4"].pk).update(state=CaseState.CLOSED, closed_on=date(2025, 11, 30))
    # the demo's own case of 髙橋 (申込) is closed too
    Case.all_cases.filter(person=w.cases["C1"].person).exclude(state=CaseState.CLOSED).update(
        state=CaseState.CLOSED, closed_on=date(2025, 8, 31)
    )
    HouseholdMember.objects.create(
        person=w.cases["C1"].person, name="髙橋 花子", kana="タカハシ ハナコ", relationship="妻"
    )
    return w


def set_rules(municipality: Any, years: int = 5, types: tuple[str, ...] = tuple(RecordType.values)) -> None:
    officer = User.objects.get(username=f"{municipality.slug}-jichitai")
    for rt in types:
        retention.save_rule(
            officer,
            municipality,
            record_type=rt,
            years=years,
            basis=f"{municipality.name}文書管理規程 第10条",
            effective_from=date(2025, 4, 1),
        )


def all_figures(w: World) -> dict[str, Any]:
    out: dict[str, Any] = {}
    areas = {
        "S": Area.municipality(w.shinjuku),
        "H": Area.municipality(w.hasuda),
        "aS": Area.agency(w.agency_s),
    }
    for name, area in areas.items():
        for fy in (2024, 2025):
            out[f"{name}-FY{fy}"] = [(f.code, f.value) for f in compute(area, Period.fiscal_year(fy)).figures]
        for y, m in [
            (2024, 5),
            (2024, 12),
            (2025, 3),
            (2025, 4),
            (2025, 6),
            (2025, 9),
            (2025, 10),
            (2025, 11),
        ]:
            out[f"{name}-{y}-{m}"] = [(f.code, f.value) for f in compute(area, Period.month(y, m)).figures]
    return out
