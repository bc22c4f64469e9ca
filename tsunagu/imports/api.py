"""API of the imports: ``POST /imports`` (multipart: kind, file, dry_run, mapping) and
``GET /imports/{id}`` (status, counts, row errors). Same services, permissions and scoping as the
screens. Mounted under /api/v1/ by ``tsunagu/api/api.py``."""

from __future__ import annotations

import json
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.core.tabular import MAX_BYTES
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from . import selectors, services
from .models import ImportJob, ImportKind
from .runner import processed_now
from .schemas import ImportJobId, ImportJobOut, PageNo

router = Router(tags=["取り込み"])
ERRORS = {403: dict[str, Any], 404: dict[str, Any], 422: dict[str, Any]}
ROW_ERRORS_PAGE_SIZE = 100


class ImportPageQuery(Schema):
    page: PageNo = 1


def job_out(job: ImportJob, *, page: int = 1) -> dict[str, Any]:
    errors = [{"row": e["row"], "errors": e["errors"]} for e in job.report if e.get("errors")]
    p = Paginator(errors, ROW_ERRORS_PAGE_SIZE).get_page(page)
    return {
        "id": job.pk,
        "kind": job.kind,
        "kind_ja": job.get_kind_display(),
        "status": job.status,
        "status_ja": job.get_status_display(),
        "dry_run": job.dry_run,
        "file_name": job.file_name,
        "file_size": job.file_size,
        "file_sha256": job.file_sha256,
        "message": job.message,
        "notes": job.notes,
        "mapping": job.mapping,
        "counts": {
            "total": job.total,
            "processed": processed_now(job),
            "ok": job.ok_count,
            "error": job.error_count,
            "imported": job.imported_count,
        },
        "row_errors": list(p.object_list),
        "row_errors_page": p.number,
        "row_errors_pages": p.paginator.num_pages,
    }


@router.post(
    "/imports",
    response={202: ImportJobOut, 413: dict[str, Any], **ERRORS},
    summary="スプレッドシートを取り込む（確認のみ・取り込み）",
    description=(
        "multipart/form-data：kind（persons・partners・housing_rules・cases・records）、file（CSV または xlsx、30MBまで）、"
        "dry_run（既定 true：確認のみで何も書き込みません）、mapping（任意、JSON：列の番号または見出し → 項目）。"
        "処理はバックグラウンドで行い、202 で取り込みを返します。状態は GET /imports/{id} で確かめます。"
        "誤りのある行が1行でもあれば、ファイル全体を取り込みません。"
    ),
)
def import_create(
    request: HttpRequest,
    kind: Form[str],
    file: File[UploadedFile],
    dry_run: Form[bool] = True,
    mapping: Form[str] = "",
) -> Status[dict[str, Any]]:
    user: Any = request.user
    guards.require(user, Permission.API_USE, via="api")
    try:
        raw = json.loads(mapping) if mapping.strip() else {}
    except ValueError:
        raise ValidationError({"mapping": "mapping は JSON のオブジェクトで指定してください。"}) from None
    if not isinstance(raw, dict):
        raise ValidationError({"mapping": "mapping は JSON のオブジェクトで指定してください。"})
    if kind in ImportKind.values:
        services.require_import_of(user, kind)  # refused before the file is read
    if (file.size or 0) > MAX_BYTES:
        return Status(413, {"detail": services.TOO_LARGE})
    try:
        job = services.import_job_create(
            actor=user, kind=kind, file_name=file.name or "", data=file.read(), dry_run=dry_run, mapping=raw
        )
    except services.FileTooLarge:
        return Status(413, {"detail": services.TOO_LARGE})
    job = selectors.import_job_get_for_user(user=user, job_id=job.pk)
    return Status(202, job_out(job))


@router.get(
    "/imports/{import_id}",
    response={200: ImportJobOut, **ERRORS},
    summary="取り込みの状態・件数・行ごとの誤り",
    description="他機関の取り込み・存在しない取り込みは 404。row_errors は100行ずつ（page）。",
)
def import_get(request: HttpRequest, import_id: ImportJobId, q: Query[ImportPageQuery]) -> dict[str, Any]:
    user: Any = request.user
    guards.require(user, Permission.API_USE, via="api")
    guards.require_any(user, Permission.IMPORT_RUN, Permission.RULES_EDIT, via="api")
    job = selectors.import_job_get_for_user(user=user, job_id=import_id)
    services.require_import_of(user, job.kind)
    audit_record(actor=user, action=AuditAction.VIEW, obj=job, details={"via": "api", "what": "import_job"})
    return cast("dict[str, Any]", job_out(job, page=q.page))
