"""The background work of hand-overs (django.tasks; ``manage.py db_worker`` runs it, or cron runs
``manage.py run_due_handovers``): execute every planned hand-over whose date has come."""

from __future__ import annotations

from django.tasks import task

from . import services


@task()
def run_due_handovers_task() -> list[int]:
    return services.run_due_handovers()
