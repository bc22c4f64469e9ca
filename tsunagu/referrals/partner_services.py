"""Writes on the partner-agency registry (関係機関, ``tsunagu.network``), kept from the referrals screens.

Centre staff who record cases and the 自治体担当者 keep it, for the municipalities their agency
serves (``Agency.area``). An edit carries the version the user opened (``core.locking``): a stale
save is refused with ``StaleVersionError`` (the screen shows both versions, the API answers with the
current version), an edit without its version is refused (``VersionMissingError``).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from tsunagu.core.audit import audit_record
from tsunagu.core.idempotency import create_once
from tsunagu.core.locking import bump, changes, check_version, lock, model_values
from tsunagu.core.models import AuditAction
from tsunagu.network.models import PartnerAgency, PartnerAgencyType, PartnerContact
from tsunagu.organizations import guards
from tsunagu.organizations.models import Municipality, User
from tsunagu.organizations.roles import Permission

from . import policies

OUTSIDE_AREA_CREATE = "担当地域外の自治体には関係機関を登録できません。"
OUTSIDE_AREA_EDIT = "担当地域外の関係機関は編集できません。"


def _require_editor(actor: User, municipality_id: int, message: str) -> None:
    """The registry's keepers (``policies.may_edit_partners``), for a municipality of their area."""
    if not policies.may_edit_partners(actor):
        guards.require(actor, Permission.CASE_EDIT)
    if not partner_municipalities_for(actor).filter(pk=municipality_id).exists():
        guards.deny(actor, reason="outside_area", message=message, municipality_id=municipality_id)


PARTNER_FIELDS = ("name", "agency_type", "area", "address", "phone", "notes", "is_active")
_PHONE_RE = re.compile(r"^[0-9０-９\-－()（） +]{0,20}$")


def partner_municipalities_for(actor: User) -> Any:
    """Municipalities whose partner agencies ``actor`` may register: those the agency serves."""
    if actor.agency is not None:
        return actor.agency.area().order_by("code")
    if actor.municipality_id:
        return Municipality.objects.filter(pk=actor.municipality_id)
    return Municipality.objects.none()


def _validate_partner(values: dict[str, Any], *, municipality: Municipality, exclude_pk: int | None) -> None:
    errors: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = "機関名を入力してください。"
    elif len(name) > 120:
        errors["name"] = "機関名は120文字以内で入力してください。"
    elif (
        PartnerAgency.objects.filter(municipality=municipality, name=name)
        .exclude(pk=exclude_pk or 0)
        .exists()
    ):
        errors["name"] = f"{municipality.name}には同じ名前の関係機関が既に登録されています。"
    if values.get("agency_type") not in PartnerAgencyType.values:
        errors["agency_type"] = "種別を選んでください。"
    if not _PHONE_RE.match(values.get("phone") or ""):
        errors["phone"] = "電話番号は数字とハイフンで入力してください。"
    for key, limit in (("area", 200), ("address", 200)):
        if len(values.get(key) or "") > limit:
            errors[key] = f"{limit}文字以内で入力してください。"
    if errors:
        raise ValidationError(errors)


def _contact_values(values: dict[str, Any]) -> dict[str, str]:
    data = {k: str(values.get(k) or "").strip() for k in ("name", "department", "phone", "email")}
    errors: dict[str, str] = {}
    if not data["name"]:
        errors["name"] = "担当者名を入力してください。"
    if not _PHONE_RE.match(data["phone"]):
        errors["phone"] = "電話番号は数字とハイフンで入力してください。"
    if errors:
        raise ValidationError(errors)
    return data


def partner_agency_create(
    *,
    actor: User,
    municipality: Municipality,
    values: dict[str, Any],
    contacts: list[dict[str, Any]] | None = None,
    idempotency_key: str | None = None,
) -> PartnerAgency:
    _require_editor(actor, municipality.pk, OUTSIDE_AREA_CREATE)
    data = {k: values[k] for k in PARTNER_FIELDS if k in values}
    for k in ("name", "area", "address", "phone", "notes"):
        data[k] = (data.get(k) or "").strip()
    data.setdefault("is_active", True)
    _validate_partner(data, municipality=municipality, exclude_pk=None)
    contact_rows = []
    for i, c in enumerate(contacts or []):
        try:
            contact_rows.append(_contact_values(c))
        except ValidationError as exc:
            raise ValidationError({f"contacts.{i}.{k}": v for k, v in exc.message_dict.items()}) from exc

    def create() -> PartnerAgency:
        partner = PartnerAgency(municipality=municipality, **data)
        partner.full_clean()
        partner.save()
        for row in contact_rows:
            PartnerContact.objects.create(partner=partner, **row)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=partner,
            municipality_id=municipality.pk,
            details={"name": partner.name, "agency_type": partner.agency_type, "contacts": len(contact_rows)},
        )
        return partner

    with transaction.atomic():
        partner, _ = create_once(
            actor=actor, scope="partner_agency", key=idempotency_key, model=PartnerAgency, create=create
        )
    return partner


def partner_agency_update(
    *, actor: User, partner: PartnerAgency, values: dict[str, Any], expected_version: Any
) -> PartnerAgency:
    """Change a partner agency, based on the version the user opened (``expected_version``)."""
    _require_editor(actor, partner.municipality_id, OUTSIDE_AREA_EDIT)
    data = {k: values[k] for k in PARTNER_FIELDS if k in values}
    for k in ("name", "area", "address", "phone", "notes"):
        if k in data:
            data[k] = (data.get(k) or "").strip()
    with transaction.atomic():
        locked = lock(PartnerAgency.objects.select_related("municipality"), partner.pk)
        check_version(locked, expected_version)
        before = model_values(locked, PARTNER_FIELDS)
        merged = before | data
        _validate_partner(merged, municipality=locked.municipality, exclude_pk=locked.pk)
        for k, v in data.items():
            setattr(locked, k, v)
        bump(locked)
        locked.full_clean()
        locked.save()
        changed = changes(before, model_values(locked, PARTNER_FIELDS))
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            municipality_id=locked.municipality_id,
            details={"changed": sorted(changed), "changes": changed},
        )
    return locked


def partner_contact_add(*, actor: User, partner: PartnerAgency, values: dict[str, Any]) -> PartnerContact:
    _require_editor(actor, partner.municipality_id, OUTSIDE_AREA_EDIT)
    data = _contact_values(values)
    with transaction.atomic():
        contact = PartnerContact(partner=partner, **data)
        contact.full_clean()
        contact.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=contact,
            municipality_id=partner.municipality_id,
            details={"partner_id": partner.pk},
        )
    return contact


def partner_contact_remove(*, actor: User, contact: PartnerContact) -> None:
    _require_editor(actor, contact.partner.municipality_id, OUTSIDE_AREA_EDIT)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            obj=contact,
            municipality_id=contact.partner.municipality_id,
            details={"partner_id": contact.partner_id, "name": contact.name},
        )
        contact.delete()
