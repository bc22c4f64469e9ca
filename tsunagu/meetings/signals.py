"""What the meetings app announces to the apps above it.

``agenda_item_discussed`` is sent, inside the transaction that records the outcome of a
支援調整会議 agenda item for the first time, once the case has been discussed with the partner
agencies attending. The disclosure register (``referrals``, which sits above ``meetings``) writes
one 第三者提供の記録 per attending partner agency from it (``docs/referrals-and-disclosure.md``).
A receiver that raises rolls the outcome back.

Arguments: ``actor`` (the account recording the outcome), ``item`` (the ``AgendaItem``, with its
``consent`` or its emergency basis) and ``partners`` (the attending ``PartnerAgency`` rows).
"""

from __future__ import annotations

from django.dispatch import Signal

agenda_item_discussed = Signal()
