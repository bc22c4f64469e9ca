"""Reads of import jobs: scoped to the agency (or, for 基準額表, the officer's municipality)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db import models

from tsunagu.organizations.scoping import get_for_user_or_404, scope_for_user

from .models import ImportJob

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

REPORT_PAGE_SIZE = 50


def import_jobs_visible_to(user: User) -> models.QuerySet[ImportJob]:
    qs = scope_for_user(ImportJob.objects.select_related("created_by"), user)
    if not getattr(user, "agency_id", None):
        qs = qs.filter(agency__isnull=True)
    return qs.defer("file_data", "report")


def import_job_get_for_user(*, user: User, job_id: Any) -> ImportJob:
    """The job (404 for absent and not-yours). Callers audit the read of its report."""
    qs = scope_for_user(ImportJob.objects.select_related("created_by"), user)
    if not getattr(user, "agency_id", None):
        qs = qs.filter(agency__isnull=True)
    return get_for_user_or_404(qs.defer("file_data"), user, job_id)


def import_report_page(job: ImportJob, *, page: Any = 1, errors_only: bool = False) -> Page[Any]:
    rows = [e for e in job.report if e.get("errors")] if errors_only else list(job.report)
    return Paginator(rows, REPORT_PAGE_SIZE).get_page(page)
