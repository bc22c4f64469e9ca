"""本人開示 (個人情報の保護に関する法律 第33条; 行政機関等は第76条以下): everything held about a
person, read through the registry, third parties' data redacted, as a PDF and a JSON file.

The request is recorded first (請求日, 請求者, 本人確認の方法, 回答期限); producing the file is audited
(``PRINT`` for the PDF, ``EXPORT`` for the JSON, with the request id). Only the persons of the
officer's own agency: the person is fetched through the scoping layer (other agency → 404).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from tsunagu.cases.models import ASSESSMENT_SECTIONS, StatutoryProgram
from tsunagu.core.audit import audit_record
from tsunagu.core.codes import code_labels
from tsunagu.core.dates import wareki, wareki_datetime
from tsunagu.core.models import AuditAction
from tsunagu.network.models import PartnerAgencyType
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission
from tsunagu.persons.models import Person
from tsunagu.privacy.models import DataCategory, Purpose
from tsunagu.referrals.models import ReferralProgram, ReferralStatus
from tsunagu.referrals.pdf import render_pdf

from . import registry
from .models import SubjectAccessRequest, SubjectAccessStatus

FORMAT = "tsunagu-subject-access/1"


def default_due_on(requested_on: date) -> date:
    """The centre's own 回答期限. The law asks for 遅滞なく (第33条第2項); the number of days is a
    setting (``SUBJECT_ACCESS_DUE_DAYS``, default 14) that the centre's 規程 decides."""
    return requested_on + timedelta(days=getattr(settings, "SUBJECT_ACCESS_DUE_DAYS", 14))


def record_request(actor: Any, person: Person, **values: Any) -> SubjectAccessRequest:
    guards.require_agency_of(actor, person, Permission.SUBJECT_ACCESS_MANAGE)
    with transaction.atomic():
        values.setdefault("due_on", None)
        if values["due_on"] is None:
            values["due_on"] = default_due_on(values["requested_on"])
        req = SubjectAccessRequest.objects.create(
            agency_id=person.agency_id,
            municipality_id=person.municipality_id,
            person=person,
            recorded_by=actor,
            **values,
        )
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=req, details={"what": "subject_access_request"}
        )
    return req


# --- the content ---------------------------------------------------------------------------------


@dataclass
class Record:
    id: int
    values: list[tuple[str, str, str, bool]]  # (field, label, shown text, redacted)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "values": {name: (None if red else text) for name, _label, text, red in self.values},
            "redacted": [name for name, _label, _text, red in self.values if red],
        }


@dataclass
class Section:
    key: str
    label: str
    labels: dict[str, str]
    records: list[Record] = field(default_factory=list)


# Labels of the values a JSON list or a plain field stores as codes (the person reads words).
VALUE_LABELS: dict[str, dict[str, str]] = {
    "purposes": dict(Purpose.choices),
    "data_categories": dict(DataCategory.choices),
    "recipient_types": dict(PartnerAgencyType.choices),
    "programs": dict(StatutoryProgram.choices) | dict(ReferralProgram.choices),
    "sections": dict(ASSESSMENT_SECTIONS),
    "from_status": dict(ReferralStatus.choices),
    "to_status": dict(ReferralStatus.choices),
}
# Fields whose model has no Japanese name (Django's default from the attribute name).
FIELD_LABELS: dict[str, str] = {
    "performed_at": "実施日時",
    "undone_at": "取消日時",
    "recorded_at": "記録日時",
    "occurred_at": "日時",
    "created_at": "作成日時",
    "from_status": "変更前の状態",
    "to_status": "変更後の状態",
    "content_type": "ファイルの種類",
    "size": "ファイルの大きさ（バイト）",
}


def field_label(f: models.Field[Any, Any]) -> str:
    name = str(f.verbose_name)
    return FIELD_LABELS.get(f.name, name) if name.isascii() else name


def _text(
    entry: registry.Entry, f: models.Field[Any, Any], obj: Any, codes: dict[str, dict[str, str]]
) -> str:
    value = getattr(obj, f.attname)
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if f.choices:
        return str(getattr(obj, f"get_{f.name}_display")())
    labels = codes.get(f.name) or VALUE_LABELS.get(f.name)
    if labels is not None:
        if isinstance(value, list):
            return "、".join(labels.get(str(v), str(v)) for v in value)
        if isinstance(value, dict):
            return "\n".join(f"{labels.get(str(k), str(k))}：{v}" for k, v in value.items())
        return labels.get(str(value), str(value))
    if isinstance(value, datetime):
        return wareki_datetime(value)
    if isinstance(value, date):
        return wareki(value)
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(f, models.IntegerField) and "amount" in f.name:
        return f"{value:,}円"
    return str(value)


def collect(person: Person) -> list[Section]:
    """Every record the registry declares for ``person``, one section per model (one query each)."""
    sections = []
    for entry in registry.ENTRIES:
        if not entry.disclosed:
            continue
        fields = registry.disclosed_fields(entry)
        codes = {name: code_labels(cl) for name, cl in entry.codes.items()}
        section = Section(entry.key, entry.label, {f.name: field_label(f) for f in fields})
        qs = entry.model._base_manager.filter(**entry.person_filter(person.pk)).order_by("pk")
        for obj in qs:
            values = []
            for f in fields:
                if entry.is_third_party(obj, f.name):
                    values.append((f.name, field_label(f), registry.REDACTED, True))
                else:
                    values.append((f.name, field_label(f), _text(entry, f, obj, codes), False))
            section.records.append(Record(obj.pk, values))
        sections.append(section)
    return sections


def as_json(req: SubjectAccessRequest, sections: list[Section], produced_at: datetime) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "request": {
            "id": req.pk,
            "requested_on": req.requested_on.isoformat(),
            "requester": req.requester,
            "produced_at": produced_at.isoformat(),
        },
        "person": {"id": req.person_id, "name": req.person.name},
        "redacted_text": registry.REDACTED,
        "sections": {
            s.key: {"label": s.label, "records": [r.as_json() for r in s.records]} for s in sections
        },
        "labels": {
            "sections": {s.key: s.label for s in sections},
            "fields": {s.key: s.labels for s in sections},
        },
    }


def _produce(
    actor: Any, req: SubjectAccessRequest, action: AuditAction, fmt: str
) -> tuple[list[Section], datetime]:
    guards.require_agency_of(actor, req, Permission.SUBJECT_ACCESS_MANAGE)
    now = timezone.now()
    with transaction.atomic():
        sections = collect(req.person)
        SubjectAccessRequest.objects.filter(pk=req.pk).update(
            status=SubjectAccessStatus.PRODUCED, produced_at=now, produced_by=actor
        )
        audit_record(
            actor=actor,
            action=action,
            obj=req,
            details={"what": "subject_access", "request": req.pk, "format": fmt},
        )
    return sections, now


def produce_pdf(actor: Any, req: SubjectAccessRequest) -> bytes:
    sections, now = _produce(actor, req, AuditAction.PRINT, "pdf")
    return render_pdf(
        "personal_data/pdf/subject_access.html",
        {
            "req": req,
            "person": req.person,
            "sections": sections,
            "produced_at": now,
            "redacted": registry.REDACTED,
        },
    )


def produce_json(actor: Any, req: SubjectAccessRequest) -> bytes:
    sections, now = _produce(actor, req, AuditAction.EXPORT, "json")
    return json.dumps(as_json(req, sections, now), ensure_ascii=False, indent=2).encode("utf-8")
