"""Background work of 保存期間: the monthly review and the execution of an approved review
(django.tasks; ``manage.py db_worker`` runs them)."""

from __future__ import annotations

from django.tasks import task

from . import retention


@task()
def retention_review_task() -> int:
    """The monthly job: one review per agency and municipality with a rule."""
    return len(retention.monthly_reviews())


@task()
def retention_execute_task(review_id: int) -> None:
    retention.execute(review_id)
