"""Consent rules (本人の同意): the one place that answers "is there a consent, and does it cover this".

- ``Consent.objects.in_force_on(day)`` / ``consent_in_force_q`` (models): in force on a day;
- ``consent_in_force(person, on)``: the person's most recent consent in force;
- ``consent_covers(consent, purposes=…, recipients=…, categories=…, on=…)``: ``None`` when the
  consent covers using the person's data for those purposes, giving those categories to those
  recipients on that day; otherwise the Japanese reason why not;
- ``consent_covering(person, …)``: the first of the person's consents that covers it, or the
  reason (explained with the most relevant consent).

The scope of a consent follows 手引き VII-1(2): 利用目的, the recipients (提供先: kinds of partner
agency, or agencies by name) and the kinds of personal data (個人情報の種類). Disclosures
(``referrals``), 支援調整会議 agendas (``meetings``), the assessment (``cases``) and programme
applications (``programs``) all ask here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from tsunagu.core.dates import wareki
from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.persons.models import Person

from .models import Consent, DataCategory, Purpose

PURPOSE_LABELS = dict(Purpose.choices)


def category_labels(categories: Iterable[str]) -> str:
    labels = dict(DataCategory.choices)
    return "、".join(f"「{labels.get(c, c)}」" for c in sorted(categories))


def partner_label(recipient: PartnerAgency) -> str:
    return f"「{recipient.name}」（{PartnerAgencyType(recipient.agency_type).label}）"


def consent_in_force(person: Person, on: date | None = None) -> Consent | None:
    """The most recent consent of ``person`` in force on ``on`` (default today), or None."""
    return Consent.objects.filter(person=person).in_force_on(on or timezone.localdate()).first()


def _not_in_force_reason(consent: Consent, on: date) -> str:
    if consent.given_on > on:
        return f"同意日（{wareki(consent.given_on)}）より前の利用・提供です。"
    if consent.withdrawn_on is not None and consent.withdrawn_on <= on:
        return (
            f"同意（{wareki(consent.given_on)}）は{wareki(consent.withdrawn_on)}に撤回されています。"
            "撤回日以後は提供できません（それ以前の提供の記録はそのまま残ります）。"
        )
    return f"同意（{wareki(consent.given_on)}）の有効期限（{wareki(consent.expires_on)}）が過ぎています。"


def consent_covers(
    consent: Consent,
    *,
    on: date,
    purposes: Iterable[str] = (Purpose.SUPPORT,),
    recipients: Iterable[PartnerAgency] = (),
    categories: Iterable[str] = (),
) -> str | None:
    """None if ``consent`` covers it all on ``on``, else the first reason why not (Japanese)."""
    if not consent.in_force_on(on):
        return _not_in_force_reason(consent, on)
    given = set(consent.purposes or [])
    for purpose in purposes:
        if purpose not in given:
            label = PURPOSE_LABELS.get(purpose, purpose)
            return f"同意した利用目的に「{label}」が含まれていません。"
    recipients = list(recipients)
    if recipients:
        named = {p.pk for p in consent.named_recipients.all()}
        types = set(consent.recipient_types or [])
        for recipient in recipients:
            if recipient.agency_type not in types and recipient.pk not in named:
                return f"同意の範囲（提供先）に{partner_label(recipient)}が含まれていません。"
    missing = set(categories) - set(consent.data_categories or [])
    if missing:
        return f"同意の範囲に含まれない個人情報の種類があります：{category_labels(missing)}。"
    return None


def consent_covering(
    person: Person,
    *,
    on: date,
    purposes: Iterable[str] = (Purpose.SUPPORT,),
    recipients: Iterable[PartnerAgency] = (),
    categories: Iterable[str] = (),
) -> tuple[Consent | None, str]:
    """``(consent, "")`` for the most recent consent that covers it; else ``(None, reason)``."""
    purposes, recipients, categories = list(purposes), list(recipients), list(categories)
    consents = list(
        Consent.objects.filter(person=person, given_on__lte=on)
        .prefetch_related("named_recipients")
        .order_by("-given_on", "-id")
    )
    if not consents:
        return None, "本人の同意（個人情報の利用・第三者提供）が記録されていません。"
    reasons: list[tuple[Consent, str]] = []
    for consent in consents:
        why = consent_covers(consent, on=on, purposes=purposes, recipients=recipients, categories=categories)
        if why is None:
            return consent, ""
        reasons.append((consent, why))
    in_force = [(c, why) for c, why in reasons if c.in_force_on(on)]
    return None, (in_force or reasons)[0][1]
