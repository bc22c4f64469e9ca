"""An import (取り込み) of one spreadsheet file: its kind, mapping, progress and per-row report.

The uploaded bytes are kept only until the job ends (executed, failed, or 14 days after the dry
run); then ``file_data`` is emptied and the report's typed values are removed (``values_purged``),
keeping the row numbers, the errors and the counts. See docs/imports.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tsunagu.organizations.models import Agency, Municipality


class ImportKind(models.TextChoices):
    PERSONS = "persons", "相談者"
    PARTNERS = "partners", "関係機関"
    HOUSING_RULES = "housing_rules", "住居確保給付金の基準額表"
    CASES = "cases", "ケース（継続中の相談）"
    RECORDS = "records", "支援経過記録（過去分）"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "待機中"
    RUNNING = "running", "確認中"
    WRITING = "writing", "書き込み中"
    CHECKED = "checked", "確認済み（未取り込み）"
    DONE = "done", "取り込み済み"
    REJECTED = "rejected", "誤りがあるため取り込みませんでした"
    FAILED = "failed", "読み込めませんでした"


class ImportJob(models.Model):
    agency = models.ForeignKey(
        Agency, verbose_name="機関", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name="自治体", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登録者", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("種類", max_length=20, choices=ImportKind.choices)
    dry_run = models.BooleanField("確認のみ", default=True)
    status = models.CharField(
        "状態", max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    file_name = models.CharField("ファイル名", max_length=200)
    file_size = models.PositiveBigIntegerField("ファイルの大きさ（バイト）", default=0)
    file_sha256 = models.CharField("SHA-256", max_length=64)
    file_data = models.BinaryField("ファイルの内容", blank=True, default=b"")
    headers = models.JSONField("見出し", default=list, blank=True)
    mapping = models.JSONField("列の対応", default=dict, blank=True)
    total = models.PositiveIntegerField("行数", default=0)
    processed = models.PositiveIntegerField("処理済みの行数", default=0)
    ok_count = models.PositiveIntegerField("正しい行", default=0)
    error_count = models.PositiveIntegerField("誤りのある行", default=0)
    imported_count = models.PositiveIntegerField("取り込んだ行", default=0)
    report = models.JSONField("行ごとの結果", default=list, blank=True)
    notes = models.JSONField("ファイル全体についての注意", default=list, blank=True)
    message = models.CharField("結果", max_length=300, blank=True)
    values_purged = models.BooleanField("入力値を削除済み", default=False)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)

    class Meta:
        verbose_name = "取り込み"
        verbose_name_plural = "取り込み"
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="importjob_agency_created"),
            models.Index(fields=["municipality", "-created_at"], name="importjob_muni_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.file_name}）"

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.WRITING)

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if not self.is_running else 0
        return min(100, round(self.processed * 100 / self.total))
