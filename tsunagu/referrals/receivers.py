"""The register's answers to what the meetings app announces (``meetings.signals``).

A 支援調整会議 that discussed a case with partner agencies attending has given them the person's
data: ``services.meeting_disclosures_record`` writes one 第三者提供の記録 per partner agency, in the
transaction that records the agenda item's outcome. Connected in ``apps.ReferralsConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from tsunagu.meetings.models import AgendaItem
from tsunagu.meetings.signals import agenda_item_discussed
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.models import User

from . import services


def record_meeting_disclosures(
    sender: Any, *, actor: User, item: AgendaItem, partners: list[PartnerAgency], **_: Any
) -> None:
    services.meeting_disclosures_record(actor=actor, item=item, partners=partners)


def connect() -> None:
    agenda_item_discussed.connect(
        record_meeting_disclosures, sender=AgendaItem, dispatch_uid="referrals.meeting_disclosures"
    )
