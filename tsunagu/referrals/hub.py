"""What the つなぎ hold for one case (``cases.hub``): open and past referrals with their follow-up
dates, their place in the timeline, and the referrals still 依頼中 that 終結 must not leave behind.

Registered in ``ReferralsConfig.ready()``; every answer is one query whatever the number of
referrals of the case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from tsunagu.cases.hub import OpenItem, Section, TimelineEntry

from .models import OPEN_REFERRAL_STATUSES, Referral, ReferralStatus

if TYPE_CHECKING:
    from tsunagu.cases.models import Case
    from tsunagu.organizations.models import User


def _referrals(case: Case) -> list[Referral]:
    return list(Referral.objects.filter(case=case).select_related("partner").order_by("-referred_on", "-id"))


class ReferralsContributor:
    name = "referrals"

    def sections(self, case: Case, user: User) -> list[Section]:
        rows = _referrals(case)
        return [
            Section(
                key="referrals",
                title="関係機関へのつなぎ",
                template="referrals/hub/case_referrals.html",
                context={
                    "open": [r for r in rows if r.status in OPEN_REFERRAL_STATUSES],
                    "past": [r for r in rows if r.status not in OPEN_REFERRAL_STATUSES],
                    "case": case,
                },
                order=30,
            )
        ]

    def timeline(self, case: Case, user: User) -> list[TimelineEntry]:
        return [
            TimelineEntry(
                at=r.referred_on,
                kind="referral",
                kind_label="つなぎ",
                title=f"{r.destination_label}へつなぐ（{r.get_status_display()}）",
                text=r.reason + (f"\n結果：{r.outcome}" if r.outcome else ""),
                url=reverse("referrals:referral_detail", args=[r.pk]),
            )
            for r in _referrals(case)
        ]

    def open_items(self, case: Case) -> list[OpenItem]:
        return [
            OpenItem(
                key=f"referral:{r.pk}",
                label=f"{r.destination_label}へのつなぎが依頼中",
                url=reverse("referrals:referral_detail", args=[r.pk]),
            )
            for r in Referral.objects.filter(case=case, status=ReferralStatus.REQUESTED)
            .select_related("partner")
            .order_by("referred_on", "id")
        ]

    def recorded_items(self, case: Case) -> list[str]:
        n = Referral.objects.filter(case=case).exclude(status=ReferralStatus.CANCELLED).count()
        return [f"関係機関へのつなぎ（{n}件）"] if n else []


contributor = ReferralsContributor()
