"""Who may see statistics and open the cases behind them (the permission table decides; see roles.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tsunagu.organizations.roles import Permission

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


def may_view(user: User) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.can(Permission.STATISTICS_VIEW)
    )


def may_drill_down(user: User) -> bool:
    return may_view(user) and bool(user.can(Permission.STATISTICS_DRILLDOWN))


def is_prefecture_office(muni: Any) -> bool:
    """The prefecture itself as 実施主体 (its towns and villages without a welfare office)."""
    return bool(muni.code[2:5] == "000")
