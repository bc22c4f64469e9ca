"""Writes on import jobs: upload (create + queue), column mapping, execute after a dry run, purge.

Who may import: ``import.run`` (センター長・主任相談支援員) for the agency's persons, partner
agencies, open cases and past support records (the case services then need ``case.edit``, and
``case.assign`` to name another worker); the 住居確保給付金 基準額表 needs ``rules.edit`` (自治体担当者) and belongs to the
officer's municipality. Each row is then written by the domain service of its kind, which checks
its own permission again (``runner``).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.core.tabular import MAX_BYTES
from tsunagu.organizations.guards import deny, require, require_agency_of, require_municipality_of
from tsunagu.organizations.roles import Permission

from .models import ImportJob, ImportKind, ImportStatus
from .runner import purge_values
from .tasks import import_job_task
from .validation import COLUMNS, clean_mapping

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

#: Days a dry run's file and typed values are kept for the user to execute it.
KEEP_DAYS = 14
TOO_LARGE = f"ファイルが大きすぎます（上限{MAX_BYTES // (1024 * 1024)}MB）。分割して取り込んでください。"


class FileTooLarge(ValidationError):
    """The upload is over ``MAX_BYTES`` (the API answers 413)."""


def require_import_of(actor: User, kind: str) -> None:
    """The permission a kind needs (refusal audited)."""
    if kind == ImportKind.HOUSING_RULES:
        require(actor, Permission.RULES_EDIT, kind=kind)
        if not actor.municipality_id or actor.agency_id:
            deny(actor, permission=Permission.RULES_EDIT, reason="no_municipality", kind=kind)
    else:
        require(actor, Permission.IMPORT_RUN, kind=kind)
        if actor.agency_id is None:
            deny(actor, permission=Permission.IMPORT_RUN, reason="no_agency", kind=kind)


def import_kinds_for(user: User) -> list[tuple[str, str]]:
    """The kinds ``require_import_of`` lets ``user`` run (the choices offered): a centre's staff
    every kind but the 基準額表, the 自治体担当者 only the 基準額表."""
    if user.agency_id and user.can(Permission.IMPORT_RUN):
        return [(k.value, k.label) for k in ImportKind if k != ImportKind.HOUSING_RULES]
    if user.municipality_id and not user.agency_id and user.can(Permission.RULES_EDIT):
        return [(ImportKind.HOUSING_RULES.value, ImportKind.HOUSING_RULES.label)]
    return []


def _require_job(actor: User, job: ImportJob) -> None:
    require_import_of(actor, job.kind)
    if job.agency_id:
        require_agency_of(actor, job)
    else:
        require_municipality_of(actor, job)


def _queue(job: ImportJob) -> None:
    transaction.on_commit(lambda: import_job_task.enqueue(job.pk))


def _check_kind(kind: Any) -> str:
    if kind not in ImportKind.values:
        raise ValidationError({"kind": "取り込む種類を選んでください。"})
    return str(kind)


def import_job_create(
    *,
    actor: User,
    kind: Any,
    file_name: str,
    data: bytes,
    dry_run: bool = True,
    mapping: dict[str, Any] | None = None,
) -> ImportJob:
    """Store the upload and queue its run (a dry run unless ``dry_run`` is False)."""
    kind = _check_kind(kind)
    require_import_of(actor, kind)
    if len(data) > MAX_BYTES:
        raise FileTooLarge({"file": TOO_LARGE})
    if not data:
        raise ValidationError({"file": "ファイルを選んでください。"})
    name = (file_name or "").strip()[:200] or "（名前なし）"
    if not name.lower().endswith((".csv", ".txt", ".tsv", ".xlsx", ".xlsm")):
        raise ValidationError({"file": "CSV（.csv）または Excel（.xlsx）のファイルを選んでください。"})
    fields = {c.field for c in COLUMNS[kind]}
    cleaned: dict[str, str] = {}
    for key, value in (mapping or {}).items():
        if value and str(value) not in fields:
            raise ValidationError({"mapping": f"取り込み先の項目「{value}」はありません。"})
        if value:
            cleaned[str(key)] = str(value)
    import_jobs_purge_expired()
    agency = actor.agency
    municipality = agency.municipality if agency is not None else actor.municipality
    assert municipality is not None
    with transaction.atomic():
        job = ImportJob.objects.create(
            agency=agency,
            municipality=municipality,
            created_by=actor,
            kind=kind,
            dry_run=dry_run,
            file_name=name,
            file_size=len(data),
            file_sha256=hashlib.sha256(data).hexdigest(),
            file_data=data,
            mapping=cleaned,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=job,
            details={
                "kind": kind,
                "file": name,
                "sha256": job.file_sha256,
                "size": len(data),
                "dry_run": dry_run,
            },
        )
        _queue(job)
    return job


def import_job_set_mapping(*, actor: User, job: ImportJob, mapping: dict[str, Any]) -> ImportJob:
    """Save the column mapping chosen on the screen and check the file again (a dry run)."""
    _require_job(actor, job)
    if job.is_running or job.status == ImportStatus.DONE or not job.file_data:
        raise ValidationError("この取り込みは列の対応を変更できません。")
    cleaned = clean_mapping(job.kind, job.headers, mapping)
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            mapping=cleaned, dry_run=True, status=ImportStatus.QUEUED, processed=0
        )
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=job, details={"mapping": len(cleaned)})
        _queue(job)
    job.refresh_from_db()
    return job


def import_job_execute(*, actor: User, job: ImportJob) -> ImportJob:
    """Import a file whose dry run found no error (the whole file, or nothing)."""
    _require_job(actor, job)
    if job.status != ImportStatus.CHECKED or not job.file_data:
        raise ValidationError("確認で誤りがなかったファイルだけを取り込めます。")
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(dry_run=False, status=ImportStatus.QUEUED, processed=0)
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=job, details={"execute": True})
        _queue(job)
    job.refresh_from_db()
    return job


def import_jobs_purge_expired(*, now: Any = None) -> int:
    """Delete the file and the typed values of dry runs older than ``KEEP_DAYS`` days."""
    cutoff = (now or timezone.now()) - timedelta(days=KEEP_DAYS)
    n = 0
    for job in ImportJob.objects.filter(created_at__lt=cutoff, values_purged=False).exclude(
        status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.WRITING]
    ):
        job.file_data = b""
        job.report = purge_values(job.report)
        job.values_purged = True
        job.save(update_fields=["file_data", "report", "values_purged"])
        n += 1
    return n
