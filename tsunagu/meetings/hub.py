"""What the meetings hold for one case (``cases.hub``): the agenda items (支援調整会議・支援会議)
with their outcome, and the 支援決定・確認 recorded by the municipality. The records of a 支援会議
are shown only to its current members, as everywhere else (``meetings/selectors.py``).

Registered in ``MeetingsConfig.ready()``; each answer costs a fixed number of queries (one for the
agenda items, one for the decisions) whatever the number of meetings of the case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from tsunagu.cases.hub import OpenItem, Section, TimelineEntry

from .models import AgendaItem, Decision
from .selectors import meetings_visible_to

if TYPE_CHECKING:
    from tsunagu.cases.models import Case
    from tsunagu.organizations.models import User


def _agenda(case: Case, user: User) -> list[AgendaItem]:
    """The case's agenda items on the meetings the user may see: a 支援会議 (法第9条) only for its
    current members (``selectors.meetings_visible_to``, a subquery: still one query)."""
    return list(
        AgendaItem.objects.filter(case=case, meeting__in=meetings_visible_to(user))
        .select_related("meeting", "plan")
        .order_by("-meeting__held_on", "-id")
    )


def _decisions(case: Case) -> list[Decision]:
    return list(Decision.objects.filter(case=case).select_related("plan").order_by("-decided_on", "-id"))


class MeetingsContributor:
    name = "meetings"

    def sections(self, case: Case, user: User) -> list[Section]:
        return [
            Section(
                key="meetings",
                title="会議と支援決定",
                template="meetings/hub/case_meetings.html",
                context={"agenda": _agenda(case, user), "decisions": _decisions(case), "case": case},
                order=40,
            )
        ]

    def timeline(self, case: Case, user: User) -> list[TimelineEntry]:
        out = [
            TimelineEntry(
                at=a.meeting.held_on,
                kind="meeting",
                kind_label="会議",
                title=f"{a.meeting.get_kind_display()}：{a.get_purpose_display()}"
                + (f"（{a.get_outcome_display()}）" if a.outcome else ""),
                text=a.minutes,
                url=reverse("meetings:meeting_detail", args=[a.meeting_id]),
            )
            for a in _agenda(case, user)
        ]
        out += [
            TimelineEntry(
                at=d.decided_on,
                kind="decision",
                kind_label="決定",
                title=f"{d.get_kind_display()}（プラン第{d.plan.number}版）",
                text=d.note,
                url=reverse("cases:plan_detail", args=[case.pk, d.plan_id]),
            )
            for d in _decisions(case)
        ]
        return out

    def open_items(self, case: Case) -> list[OpenItem]:
        return []

    def recorded_items(self, case: Case) -> list[str]:
        out: list[str] = []
        decided = Decision.objects.filter(case=case).count()
        if decided:
            out.append(f"支援決定・確認（{decided}件）")
        concluded = AgendaItem.objects.filter(case=case).exclude(outcome="").count()
        if concluded:
            out.append(f"会議での検討結果（{concluded}件）")
        return out


contributor = MeetingsContributor()
