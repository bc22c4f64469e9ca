"""Screens of the imports: list + upload, a job's progress and report, mapping, execute, templates."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.core.spreadsheet import csv_writer
from tsunagu.organizations.guards import AccessDenied, permission_required
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import NOT_FOUND_MESSAGE

from . import selectors, services
from .forms import ImportMappingForm, ImportUploadForm
from .models import ImportJob, ImportKind, ImportStatus
from .runner import processed_now
from .templates_files import template_csv, template_xlsx
from .validation import COLUMNS, KIND_HELP, missing_required

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

JOB_PAGE_SIZE = 20
view_required = permission_required(Permission.IMPORT_RUN, Permission.RULES_EDIT)


def _user(request: HttpRequest) -> User:
    return cast("User", request.user)


def _job(request: HttpRequest, job_id: int) -> ImportJob:
    job = selectors.import_job_get_for_user(user=_user(request), job_id=job_id)
    services.require_import_of(_user(request), job.kind)
    return job


@view_required
def import_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    kinds = services.import_kinds_for(user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.MAX_BYTES:
            form.add_error("file", services.TOO_LARGE)
        else:
            try:
                job = services.import_job_create(
                    actor=user, kind=form.cleaned_data["kind"], file_name=upload.name, data=upload.read()
                )
            except ValidationError as exc:
                for msg in exc.message_dict.get("file", exc.messages):
                    form.add_error("file", msg)
            else:
                return redirect("imports:job_detail", job.pk)
    jobs = Paginator(selectors.import_jobs_visible_to(user), JOB_PAGE_SIZE).get_page(request.GET.get("page"))
    templates = [(value, label, KIND_HELP[ImportKind(value)]) for value, label in kinds]
    return render(request, "imports/list.html", {"form": form, "jobs": jobs, "templates": templates})


@view_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    user = _user(request)
    job = _job(request, job_id)
    job.processed = processed_now(job)
    errors_only = request.GET.get("errors") == "1"
    page = selectors.import_report_page(job, page=request.GET.get("page"), errors_only=errors_only)
    if job.report and not job.values_purged:
        audit_record(actor=user, action=AuditAction.VIEW, obj=job, details={"what": "import_report"})
    mapping_form = None
    if job.headers and job.file_data and not job.is_running and job.status != ImportStatus.DONE:
        mapping_form = ImportMappingForm(kind=job.kind, headers=job.headers, mapping=job.mapping)
    columns = [label for label in (c.label for c in COLUMNS[job.kind])]
    shown = [c for c in columns if any(c in (e.get("values") or {}) for e in page.object_list)]
    return render(
        request,
        "imports/detail.html",
        {
            "job": job,
            "page": page,
            "errors_only": errors_only,
            "mapping_form": mapping_form,
            "missing": missing_required(job.kind, job.mapping) if job.headers else [],
            "columns": shown,
            "rows": [(e, [(e.get("values") or {}).get(c, "") for c in shown]) for e in page.object_list],
        },
    )


@view_required
def job_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    """The small JSON the progress bar polls (static/js/import-progress.js): the phase
    (``status_label`` 確認中 / 書き込み中) and the rows handled in it, for both phases."""
    job = _job(request, job_id)
    job.processed = processed_now(job)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "processed": job.processed,
            "total": job.total,
            "percent": job.percent,
            "running": job.is_running,
        }
    )


@view_required
@require_POST
def job_mapping(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    form = ImportMappingForm(request.POST, kind=job.kind, headers=job.headers, mapping=job.mapping)
    if form.is_valid():
        try:
            services.import_job_set_mapping(actor=_user(request), job=job, mapping=form.mapping())
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, "列の対応を保存しました。もう一度確認しています。")
    return redirect("imports:job_detail", job.pk)


@view_required
@require_POST
def job_execute(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    try:
        services.import_job_execute(actor=_user(request), job=job)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    return redirect("imports:job_detail", job.pk)


@view_required
def job_report_csv(request: HttpRequest, job_id: int) -> HttpResponse:
    """The per-row report as CSV (UTF-8 BOM): row number, result, errors, typed values."""
    job = _job(request, job_id)
    labels = [c.label for c in COLUMNS[job.kind]]
    out = io.StringIO()
    w = csv_writer(out)
    w.writerow(["行番号", "結果", "誤り", "重複の候補（相談者ID：スコア）", *labels])
    for e in job.report:
        dup = "、".join(f"{d['person_id']}：{d['score']}" for d in e.get("duplicates", []))
        if e.get("same_as_row"):
            dup = (dup + "、" if dup else "") + f"ファイル内の{e['same_as_row']}行目"
        values = e.get("values") or {}
        w.writerow(
            [e["row"], "誤り" if e.get("errors") else "正しい", " / ".join(e.get("errors", [])), dup]
            + [values.get(label, "") for label in labels]
        )
    audit_record(actor=_user(request), action=AuditAction.EXPORT, obj=job, details={"what": "import_report"})
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import_report_{job.pk}.csv"'
    return response


@view_required
def template_download(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if kind not in ImportKind.values:
        raise Http404(NOT_FOUND_MESSAGE)
    try:
        services.require_import_of(_user(request), kind)  # the one rule; the refusal is audited
    except AccessDenied:
        raise Http404(NOT_FOUND_MESSAGE) from None  # a kind not offered to this account: not found
    if fmt == "xlsx":
        body = template_xlsx(kind)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, content_type = template_csv(kind), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="tsunagu_{kind}_template.{fmt}"'
    return response
