"""Writes on consent and privacy notices (同意・個人情報の取扱い)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.guards import require_agency_of
from tsunagu.organizations.models import Agency
from tsunagu.organizations.roles import Permission
from tsunagu.persons.models import Person

from .models import Consent, DataCategory, PrivacyNotice, Purpose
from .validation import validate_consent_values

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

DEFAULT_NOTICE_BODY = """当センターは、ご相談いただいた方の個人情報を、個人情報の保護に関する法律および当センターの「個人情報に関する管理・取扱規程」に従って適切に取り扱います。

1. 利用目的
{purposes}

2. 取り扱う個人情報の種類
{categories}

3. 第三者への提供
ご本人の同意を得た範囲で、支援調整会議の構成員、支援に必要な関係機関に提供します。同意はいつでも撤回できます（撤回の日以後の提供を停止します）。
法令に基づく場合、人の生命・身体・財産の保護に必要で同意を得ることが困難な場合など、個人情報の保護に関する法律第27条第1項各号に該当する場合は、同意なく提供することがあります。

4. お問い合わせ・苦情
個人情報の取扱いに関するお問い合わせ・開示請求・苦情は、当センターの個人情報管理責任者が担当者とは別に受け付けます。"""


def default_notice_body() -> str:
    return DEFAULT_NOTICE_BODY.format(
        purposes="\n".join(f"（{i}）{p.label}" for i, p in enumerate(Purpose, start=1)),
        categories="\n".join(f"・{c.label}" for c in DataCategory),
    )


def privacy_notice_publish(
    *, actor: User | None, agency: Agency, body: str, purposes: list[str], effective_from: date
) -> PrivacyNotice:
    """Publish a new version. Earlier versions stay unchanged (consents point to the one shown).

    ``actor`` None: the system (set-up and demo data) publishing an agency's first version."""
    if actor is not None:
        require_agency_of(
            actor,
            agency.pk,
            Permission.DISCLOSURE_APPROVE,
            message="規程の版を公開できるのは自機関の個人情報管理責任者です。",
        )
    unknown = set(purposes) - set(Purpose.values)
    if unknown or not purposes:
        raise ValidationError({"purposes": "利用目的を正しく選んでください。"})
    with transaction.atomic():
        last = PrivacyNotice.objects.filter(agency=agency).order_by("-version").first()
        notice = PrivacyNotice.objects.create(
            agency=agency,
            version=(last.version + 1) if last else 1,
            body=body,
            purposes=list(purposes),
            effective_from=effective_from,
        )
        audit_record(actor=actor, action=AuditAction.CREATE, obj=notice, agency_id=agency.pk)
    return notice


def current_notice(agency: Agency, on: date | None = None) -> PrivacyNotice | None:
    on = on or timezone.localdate()
    return PrivacyNotice.objects.filter(agency=agency, effective_from__lte=on).order_by("-version").first()


def consent_give(
    *,
    actor: User,
    person: Person,
    values: dict[str, Any],
    named_recipients: list[PartnerAgency] | None = None,
) -> Consent:
    """Record a consent. The notice shown is the agency's current version unless one is given.

    Named recipients must be partner agencies of the agency's area (``Agency.serves``)."""
    require_agency_of(actor, person, Permission.PERSON_EDIT)
    validate_consent_values(values)
    notice = values.get("notice") or current_notice(person.agency, values["given_on"])
    if notice is None:
        raise ValidationError({"notice": "説明する「個人情報に関する管理・取扱規程」が登録されていません。"})
    named = list(named_recipients or [])
    if any(not person.agency.serves(p.municipality_id) for p in named):
        raise ValidationError({"named_recipients": "担当地域外の関係機関は指定できません。"})
    with transaction.atomic():
        consent = Consent.objects.create(
            person=person,
            agency_id=person.agency_id,
            municipality_id=person.municipality_id,
            notice=notice,
            purposes=sorted(set(values["purposes"])),
            recipient_types=sorted(set(values.get("recipient_types") or [])),
            data_categories=sorted(set(values.get("data_categories") or [])),
            given_on=values["given_on"],
            method=values["method"],
            expires_on=values.get("expires_on"),
            recorded_by=actor,
        )
        if named:
            consent.named_recipients.set(named)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=consent,
            person_id=person.pk,
            details={"purposes": consent.purposes, "notice_version": notice.version},
        )
    return consent


def consent_withdraw(*, actor: User, consent: Consent, withdrawn_on: date, note: str = "") -> Consent:
    """撤回: effective from ``withdrawn_on``; disclosures made before stay on record."""
    require_agency_of(actor, consent, Permission.PERSON_EDIT)
    if consent.withdrawn_on is not None:
        raise ValidationError({"withdrawn_on": "この同意は既に撤回されています。"})
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": "撤回日は同意日以降の日付にしてください。"})
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": "撤回日が未来の日付になっています。"})
    with transaction.atomic():
        updated = Consent.objects.filter(pk=consent.pk, withdrawn_on__isnull=True).update(
            withdrawn_on=withdrawn_on, withdrawal_note=note[:200]
        )
        consent.refresh_from_db()
        if updated != 1:  # withdrawn meanwhile (the object was read before): the first one stands
            raise ValidationError({"withdrawn_on": "この同意は既に撤回されています。"})
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=consent,
            person_id=consent.person_id,
            details={"change": "withdrawn", "withdrawn_on": withdrawn_on.isoformat()},
        )
    return consent
