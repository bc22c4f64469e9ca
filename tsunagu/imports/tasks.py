"""The background work of the imports app (django.tasks; ``manage.py db_worker`` runs it)."""

from __future__ import annotations

from django.tasks import task

from .runner import run_job


@task()
def import_job_task(job_id: int) -> None:
    run_job(job_id)
