"""Writes on consent and privacy notices (同意・個人情報の取扱い)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core.audit import audit_record
from tsunagu.core.locking import changes, check_version, lock, model_values
from tsunagu.core.models import AuditAction
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.guards import require_agency_of
from tsunagu.organizations.models import Agency
from tsunagu.organizations.roles import Permission
from tsunagu.persons.models import Person

from .models import (
    NOTICE_SECTIONS,
    PUBLISHED_IMMUTABLE_MESSAGE,
    Consent,
    DataCategory,
    NoticeStatus,
    PrivacyNotice,
    Purpose,
)
from .validation import notice_in_force, validate_consent_scope, validate_consent_values

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


DEFAULT_SECTIONS: dict[str, str] = {
    "section_handling": (
        "ご相談いただいた内容や支援のために伺った情報は、相談支援に必要な範囲で職員が利用し、"
        "記録は施錠できる場所やアクセスを制限したシステムで管理します。"
        "個人情報管理責任者を置き、職員への研修を行います。"
    ),
    "section_confidentiality": (
        "自立相談支援機関の職員には、法律上の守秘義務が課されています（手引き VII-1(1)）。"
        "自立相談支援事業の委託を受けた法人の役員・職員とこれらの職にあった者は、生活困窮者自立支援法"
        "第5条第3項により、委託を受けた事務に関して知り得た秘密を漏らしてはならず、違反には同法の罰則"
        "（1年以下の拘禁刑又は100万円以下の罰金）が設けられています。"
        "自治体が直営で行う場合の職員は、地方公務員法第34条の守秘義務と同法第60条の罰則の対象です。"
    ),
    "purposes_note": "ご本人の同意を得た次の目的のためにのみ利用します。",
    "section_third_party": (
        "ご本人の同意を得た範囲で、支援調整会議の構成員、支援に必要な関係機関に提供します。"
        "同意はいつでも撤回できます（撤回の日以後の提供を停止します）。"
        "法令に基づく場合、人の生命・身体・財産の保護に必要で同意を得ることが困難な場合など、"
        "個人情報の保護に関する法律第27条第1項各号に該当する場合は、同意なく提供することがあります。"
    ),
    "section_contact": (
        "個人情報の取扱いに関するお問い合わせ・開示・訂正の請求・苦情は、"
        "当センターの個人情報管理責任者が担当者とは別に受け付けます。"
    ),
}
NOTICE_FIELDS = ("title", "body", *NOTICE_SECTIONS, "purposes")
DEFAULT_PREAMBLE = (
    "当センターは、ご相談いただいた方の個人情報を、個人情報の保護に関する法律および当センターの"
    "「個人情報に関する管理・取扱規程」に従って適切に取り扱います。"
)


def default_notice_sections() -> dict[str, Any]:
    """The values of an agency's first draft (手引き VII-1(1)(2) and its 規程 example)."""
    return {
        "title": "個人情報に関する管理・取扱規程",
        "body": DEFAULT_PREAMBLE,
        **DEFAULT_SECTIONS,
        "purposes": list(Purpose.values),
    }


def notice_values_from(notice: PrivacyNotice | None) -> dict[str, Any]:
    """A new draft's values: the version given (or the last published one), else the defaults."""
    if notice is None:
        return default_notice_sections()
    values = {name: getattr(notice, name) for name in NOTICE_FIELDS}
    if is_unsectioned(notice):
        # A version published before the sections existed: its whole text stays in the 前文, and the
        # sections start from the defaults (the review page shows the difference).
        values.update(DEFAULT_SECTIONS)
    return values


def is_unsectioned(notice: PrivacyNotice) -> bool:
    """A version published before the sections existed (its whole text is in ``body``)."""
    return not any(getattr(notice, name) for name in NOTICE_SECTIONS)


def _clean_notice_values(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {name: values[name] for name in NOTICE_FIELDS if name in values}
    purposes = cleaned.get("purposes")
    if purposes is not None:
        if not isinstance(purposes, list | tuple) or not purposes or set(purposes) - set(Purpose.values):
            raise ValidationError({"purposes": "利用目的を正しく選んでください。"})
        cleaned["purposes"] = [p for p in Purpose.values if p in set(purposes)]
    for name in ("title", "body", *NOTICE_SECTIONS):
        if name in cleaned:
            cleaned[name] = str(cleaned[name] or "").strip()
    if "title" in cleaned and not cleaned["title"]:
        raise ValidationError({"title": "表題を入力してください。"})
    if len(cleaned.get("title", "")) > 120:
        raise ValidationError({"title": "表題は120文字以内で入力してください。"})
    return cleaned


def notice_draft_create(*, actor: User, values: dict[str, Any] | None = None) -> PrivacyNotice:
    """A new draft of the actor's agency: ``values`` typed, or copied from the last published version."""
    require_agency_of(actor, actor.agency_id or 0, Permission.NOTICE_EDIT)
    agency_id = actor.agency_id
    assert agency_id is not None  # require_agency_of refused an account without an agency
    base = values if values is not None else notice_values_from(current_notice_any(agency_id))
    cleaned = _clean_notice_values({**default_notice_sections(), **base})
    with transaction.atomic():
        notice = PrivacyNotice.objects.create(
            agency_id=agency_id,
            status=NoticeStatus.DRAFT,
            version=None,
            effective_from=None,
            created_by=actor,
            updated_by=actor,
            **cleaned,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=notice,
            agency_id=agency_id,
            details={"status": "draft"},
        )
    return notice


def notice_draft_update(
    *, actor: User, notice: PrivacyNotice, values: dict[str, Any], expected_version: Any
) -> PrivacyNotice:
    """Edit a draft (optimistic lock on ``lock_version``). A published version is never edited."""
    require_agency_of(actor, notice, Permission.NOTICE_EDIT)
    cleaned = _clean_notice_values(values)
    with transaction.atomic():
        locked = lock(notice)
        if locked.is_published:
            raise ValidationError({"__all__": PUBLISHED_IMMUTABLE_MESSAGE})
        check_version(locked, expected_version, attr="lock_version")
        before = model_values(locked, cleaned)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        locked.lock_version += 1
        locked.updated_by = actor
        locked.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            agency_id=locked.agency_id,
            details={"changes": changes(before, model_values(locked, cleaned))},
        )
    return locked


def notice_publish(
    *, actor: User, notice: PrivacyNotice, effective_from: date, expected_version: Any
) -> PrivacyNotice:
    """審査して公開: the draft gets the next 版 number and its 適用開始日 (today or later) and is
    immutable from then on. Only the agency's 個人情報管理責任者 publishes (``notice.publish``)."""
    require_agency_of(
        actor,
        notice,
        Permission.NOTICE_PUBLISH,
        message="規程の版を公開できるのは自機関の個人情報管理責任者です。",
    )
    if effective_from is None:
        raise ValidationError({"effective_from": "適用開始日を入力してください。"})
    if effective_from < timezone.localdate():
        raise ValidationError({"effective_from": "適用開始日は今日以降の日付にしてください。"})
    with transaction.atomic():
        locked = lock(notice)
        if locked.is_published:
            raise ValidationError({"__all__": "この版は既に公開されています。"})
        check_version(locked, expected_version, attr="lock_version")
        if not locked.purposes:
            raise ValidationError({"purposes": "利用目的を正しく選んでください。"})
        last = (
            PrivacyNotice.objects.select_for_update()
            .filter(agency_id=locked.agency_id, status=NoticeStatus.PUBLISHED)
            .order_by("-version")
            .first()
        )
        if last is not None and last.effective_from and effective_from < last.effective_from:
            raise ValidationError(
                {
                    "effective_from": f"適用開始日は前の版（第{last.version}版）の適用開始日以降にしてください。"
                }
            )
        locked.version = (last.version or 0) + 1 if last else 1
        locked.status = NoticeStatus.PUBLISHED
        locked.effective_from = effective_from
        locked.published_at = timezone.now()
        locked.published_by = actor
        locked.lock_version += 1
        locked.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            agency_id=locked.agency_id,
            details={
                "change": "published",
                "notice_version": locked.version,
                "effective_from": effective_from.isoformat(),
            },
        )
    return locked


def notice_draft_delete(*, actor: User, notice: PrivacyNotice) -> None:
    """A draft nobody will publish may be deleted; a published version never."""
    require_agency_of(actor, notice, Permission.NOTICE_EDIT)
    with transaction.atomic():
        locked = lock(notice)
        if locked.is_published:
            raise ValidationError({"__all__": PUBLISHED_IMMUTABLE_MESSAGE})
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            obj=locked,
            agency_id=locked.agency_id,
            details={"status": "draft"},
        )
        locked.delete()


def privacy_notice_publish(
    *, actor: User | None, agency: Agency, body: str, purposes: list[str], effective_from: date
) -> PrivacyNotice:
    """Publish a new version in one step (set-up, demo data, an import). Earlier versions stay
    unchanged (consents point to the one shown).

    ``actor`` None: the system (set-up and demo data) publishing an agency's first version."""
    if actor is not None:
        require_agency_of(
            actor,
            agency.pk,
            Permission.NOTICE_PUBLISH,
            message="規程の版を公開できるのは自機関の個人情報管理責任者です。",
        )
    unknown = set(purposes) - set(Purpose.values)
    if unknown or not purposes:
        raise ValidationError({"purposes": "利用目的を正しく選んでください。"})
    with transaction.atomic():
        last = PrivacyNotice.objects.published().filter(agency=agency).order_by("-version").first()
        notice = PrivacyNotice.objects.create(
            agency=agency,
            status=NoticeStatus.PUBLISHED,
            version=(last.version or 0) + 1 if last else 1,
            body=body,
            **DEFAULT_SECTIONS,
            purposes=list(purposes),
            effective_from=effective_from,
            created_by=actor,
            published_by=actor,
            published_at=timezone.now(),
        )
        audit_record(actor=actor, action=AuditAction.CREATE, obj=notice, agency_id=agency.pk)
    return notice


def current_notice(agency: Agency | None, on: date | None = None) -> PrivacyNotice | None:
    """The published version in force on ``on`` (today): the highest 版 whose 適用開始日 has come."""
    return notice_in_force(agency, on)


def current_notice_any(agency_id: int | None) -> PrivacyNotice | None:
    """The last published version, in force or not yet (the base of a new draft)."""
    if agency_id is None:
        return None
    return PrivacyNotice.objects.published().filter(agency_id=agency_id).order_by("-version").first()


def consent_give(
    *,
    actor: User,
    person: Person,
    values: dict[str, Any],
    named_recipients: list[PartnerAgency] | None = None,
) -> Consent:
    """Record a consent. The notice shown is the agency's version in force on the consent date
    unless one is given; the consent covers only purposes that version names
    (``validation.validate_consent_scope``: a renewed consent is given against the new version).

    Named recipients must be partner agencies of the agency's area (``Agency.serves``)."""
    require_agency_of(actor, person, Permission.PERSON_EDIT)
    validate_consent_values(values)
    notice = values.get("notice") or current_notice(person.agency, values["given_on"])
    if notice is not None and (
        not notice.is_published
        or notice.agency_id != person.agency_id
        or notice.effective_from is None
        or notice.effective_from > values["given_on"]
    ):
        raise ValidationError(
            {"notice": "説明する規程は、同意日に適用されている公開済みの版にしてください。"}
        )
    if notice is None:
        raise ValidationError({"notice": "説明する「個人情報に関する管理・取扱規程」が登録されていません。"})
    validate_consent_scope(values, notice)
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
