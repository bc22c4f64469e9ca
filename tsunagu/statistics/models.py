"""統計: the 目安値 per 年度 and the background runs of 年度 statistics."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from tsunagu.core.dates import fiscal_year_label

# The indicators the 自治体別集計表 prints a 人口10万人あたり column for, and the only ones with a
# 国の目安値: 新規相談受付件数, プラン作成件数, 就労支援対象者数 (``indicators.Indicator.per_100k``).
PER_100K_CODES = frozenset({"new_consultations", "plans_created", "employment_support_targets"})


class GuideValue(models.Model):
    """国の目安値 (per 100,000 population per month) for one indicator, from a 年度 on.

    The value in force for a 年度 is the one of the latest 年度 not after it (厚生労働省「国の目安値・
    経済財政再生計画改革工程表KPI」; docs/statistics.md)."""

    fiscal_year = models.PositiveIntegerField("適用年度（西暦の年度）")
    indicator_code = models.CharField("指標コード", max_length=60)
    value_per_100k = models.DecimalField("目安値（人口10万人・1か月あたり）", max_digits=7, decimal_places=1)
    source = models.CharField("出典", max_length=300, blank=True)

    class Meta:
        verbose_name = "目安値"
        verbose_name_plural = "目安値"
        ordering = ["indicator_code", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "indicator_code"], name="guidevalue_unique"),
            models.CheckConstraint(condition=Q(value_per_100k__gte=0), name="guidevalue_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} {fiscal_year_label(self.fiscal_year)}: {self.value_per_100k}"

    def clean(self) -> None:
        if self.indicator_code not in PER_100K_CODES:
            raise ValidationError(
                {"indicator_code": f"目安値を設定できる指標は {', '.join(sorted(PER_100K_CODES))} です。"}
            )


class RunStatus(models.TextChoices):
    QUEUED = "queued", "待機中"
    RUNNING = "running", "集計中"
    DONE = "done", "完了"
    FAILED = "failed", "失敗"


class StatisticsRun(models.Model):
    """A 年度 of statistics for a prefecture (or a municipality), computed in the background.

    ``result`` holds only figures (no personal data): one row per municipality and the total."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    area_kind = models.CharField("集計範囲の種類", max_length=16)
    area_id = models.PositiveIntegerField("集計範囲のID")
    area_name = models.CharField("集計範囲", max_length=100)
    area_agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name="この機関の分だけを数える",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fiscal_year = models.PositiveIntegerField("年度")
    status = models.CharField("状態", max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress_done = models.PositiveIntegerField("処理済み", default=0)
    progress_total = models.PositiveIntegerField("処理対象", default=0)
    result = models.JSONField("結果", default=dict, blank=True)
    error = models.TextField("エラー", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "年度集計の実行"
        verbose_name_plural = "年度集計の実行"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"年度集計 {self.area_name}（{fiscal_year_label(self.fiscal_year)}）"

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)
