"""委託先の変更（引継ぎ）: a municipality moves a centre's work from one agency to another."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tsunagu.core.dates import wareki
from tsunagu.core.models import VersionedModel
from tsunagu.organizations.models import Agency, Municipality


class HandoverStatus(models.TextChoices):
    PLANNED = "planned", "予定"
    EXECUTED = "executed", "実施済み"
    CANCELLED = "cancelled", "取りやめ"


class Handover(VersionedModel):
    """One hand-over of a municipality's records from ``from_agency`` to ``to_agency``.

    ``preview_counts`` / ``executed_counts``: record type (Japanese label) → number of rows, as
    counted by the preview and as moved by the execution (``services.handover_execute``).

    ``receiving_workers``: the 引継ぎ先の担当者 the officer named before execution, old worker's
    id (text) → the new agency's worker id; an old worker left out → their moved cases become
    担当者未定. ``worker_result``: what the execution did with the workers (counts and staff ids).
    """

    municipality = models.ForeignKey(
        Municipality, verbose_name="実施主体", on_delete=models.PROTECT, related_name="+"
    )
    from_agency = models.ForeignKey(
        Agency, verbose_name="移行元の機関", on_delete=models.PROTECT, related_name="+"
    )
    to_agency = models.ForeignKey(
        Agency, verbose_name="移行先の機関", on_delete=models.PROTECT, related_name="+"
    )
    handover_date = models.DateField("引継ぎ日")
    status = models.CharField(
        "状態", max_length=16, choices=HandoverStatus.choices, default=HandoverStatus.PLANNED
    )
    reason = models.CharField("理由", max_length=200)
    note = models.TextField("備考", blank=True)
    preview_counts = models.JSONField("移行件数（確認時）", default=dict, blank=True)
    previewed_at = models.DateTimeField("件数の確認日時", null=True, blank=True)
    executed_counts = models.JSONField("移行件数（実施時）", default=dict, blank=True)
    receiving_workers = models.JSONField("引継ぎ先の担当者", default=dict, blank=True)
    worker_result = models.JSONField("担当者の引継ぎ（実施時）", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登録者", on_delete=models.PROTECT, related_name="+"
    )
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="実施者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    executed_at = models.DateTimeField("実施日時", null=True, blank=True)
    cancelled_at = models.DateTimeField("取りやめ日時", null=True, blank=True)

    class Meta:
        verbose_name = "委託先の変更（引継ぎ）"
        verbose_name_plural = "委託先の変更（引継ぎ）"
        ordering = ["-handover_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "from_agency"],
                condition=Q(status="planned"),
                name="handover_one_planned_per_from_agency",
                violation_error_message="この機関からの引継ぎはすでに予定されています。",
            ),
            models.CheckConstraint(
                condition=~Q(from_agency=models.F("to_agency")),
                name="handover_distinct_agencies",
                violation_error_message="移行元と移行先に同じ機関は選べません。",
            ),
        ]

    def __str__(self) -> str:
        return f"委託先の変更（{wareki(self.handover_date)}）"
