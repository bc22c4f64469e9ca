"""The case as the hub of the day (ケースの中心): what every app holds for one case.

The cases app sits below programs, meetings and referrals (``.importlinter``), yet the case page,
its timeline and the checks at 終結 and 取消 need what those apps hold. So each of them registers
one *contributor* in its ``AppConfig.ready()``; the cases app asks the registry and never imports
the apps above it. One contributor per app, the same four questions for all:

- ``sections(case, user)``: the panels it adds to the case page (a template and its context);
- ``timeline(case, user)``: its entries for the chronological timeline of the case;
- ``open_items(case)``: what is still running and must be ended or carried over before 終結
  (a benefit 支給中, an enrolment in use, a referral 依頼中);
- ``recorded_items(case)``: what was decided or paid, so the case cannot be 取消 as opened by mistake.

Every contributor answers with a fixed number of queries whatever the size of the case, so the
case page keeps its query budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

    from .models import Case


@dataclass(frozen=True)
class Section:
    """One panel of the case page: ``template`` rendered with ``context``."""

    key: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the case timeline. ``kind`` is a filter key; ``url`` opens the item's page."""

    at: datetime | date
    kind: str
    kind_label: str
    title: str
    text: str = ""
    url: str = ""


@dataclass(frozen=True)
class OpenItem:
    """Something still running on the case that 終結 must not leave behind."""

    key: str
    label: str
    url: str = ""


class Contributor(Protocol):
    name: str

    def sections(self, case: Case, user: User) -> list[Section]: ...

    def timeline(self, case: Case, user: User) -> list[TimelineEntry]: ...

    def open_items(self, case: Case) -> list[OpenItem]: ...

    def recorded_items(self, case: Case) -> list[str]: ...


_contributors: dict[str, Contributor] = {}


def register(contributor: Contributor) -> None:
    """Called from an app's ``ready()``; registering the same name again replaces it."""
    _contributors[contributor.name] = contributor


def contributors() -> list[Contributor]:
    return list(_contributors.values())


def sections(case: Case, user: User) -> list[Section]:
    found = [s for c in contributors() for s in c.sections(case, user)]
    return sorted(found, key=lambda s: s.order)


def timeline(case: Case, user: User) -> list[TimelineEntry]:
    return [e for c in contributors() for e in c.timeline(case, user)]


def open_items(case: Case) -> list[OpenItem]:
    return [i for c in contributors() for i in c.open_items(case)]


def recorded_items(case: Case) -> list[str]:
    return [i for c in contributors() for i in c.recorded_items(case)]


def income_recheck_url(case: Case) -> str:
    """Where to re-check the income after a 就労・増収 is recorded: the first contributor that offers
    a page (the programs app, while a 住居確保給付金 is 支給中), else "".

    Optional for a contributor: only those with ``income_recheck_url(case)`` are asked.
    """
    for c in contributors():
        ask = getattr(c, "income_recheck_url", None)
        if ask is not None and (url := ask(case)):
            return str(url)
    return ""
