"""Background tasks of the statistics app (django.tasks; ``manage.py db_worker`` runs them)."""

from __future__ import annotations

from django.tasks import task

from .models import StatisticsRun


@task()
def statistics_run_task(run_id: int) -> None:
    from .services import statistics_run_execute

    statistics_run_execute(StatisticsRun.objects.get(pk=run_id))
