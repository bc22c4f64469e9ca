"""保存期間 (retention rules, monthly reviews) and 本人開示請求 (subject access requests).

A review stores ids only (no names): the screen shows names from the live records, audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tsunagu.core.dates import wareki
from tsunagu.core.models import VersionedModel


class RecordType(models.TextChoices):
    """What a retention rule applies to (the event it counts from is in ``docs/retention.md``)."""

    CASE = "case", "ケース記録（終結日から）"
    PERSON = "person", "相談者の基本情報・世帯（最後の終結日から）"
    CONSENT = "consent", "同意の記録（撤回日・有効期限から）"


class RetentionRule(VersionedModel):
    """One municipality's 保存期間 for one record type (its 文書管理規程). Edited with history."""

    municipality = models.ForeignKey(
        "organizations.Municipality", verbose_name="自治体", on_delete=models.PROTECT, related_name="+"
    )
    record_type = models.CharField("記録の種類", max_length=16, choices=RecordType.choices)
    years = models.PositiveSmallIntegerField("保存年数")
    basis = models.CharField("根拠", max_length=200, help_text="例: ○○市文書管理規程 第○条")
    effective_from = models.DateField("適用開始日")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="更新者", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "保存期間"
        constraints = [
            models.UniqueConstraint(fields=["municipality", "record_type"], name="retention_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()} {self.years}年"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "承認待ち"
    APPROVED = "approved", "承認済み（実行待ち）"
    RUNNING = "running", "実行中"
    DONE = "done", "実行済み"
    FAILED = "failed", "失敗"


class RetentionReview(models.Model):
    """The monthly list of what is past its 保存期間, for one agency in one municipality."""

    agency = models.ForeignKey("organizations.Agency", verbose_name="機関", on_delete=models.PROTECT)
    municipality = models.ForeignKey(
        "organizations.Municipality", verbose_name="自治体", on_delete=models.PROTECT
    )
    period = models.DateField("対象月")  # first day of the month
    as_of = models.DateField("基準日")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    status = models.CharField(
        "状態", max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承認者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    progress_done = models.PositiveIntegerField("処理済み", default=0)
    progress_total = models.PositiveIntegerField("対象件数", default=0)
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)
    counts = models.JSONField("種類ごとの件数", default=dict, blank=True)
    error = models.TextField("エラー", blank=True)

    class Meta:
        verbose_name = "保存期間の確認"
        ordering = ["-period", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "municipality", "period"], name="retention_review_month"
            )
        ]

    @property
    def period_label(self) -> str:
        """対象月 in 和暦 (令和13年4月)."""
        return wareki(self.period).rsplit("月", 1)[0] + "月"


class RetentionReviewItem(models.Model):
    """One due record: its type, its id and due date. No name is stored here."""

    review = models.ForeignKey(RetentionReview, on_delete=models.CASCADE, related_name="items")
    record_type = models.CharField("記録の種類", max_length=16, choices=RecordType.choices)
    object_id = models.PositiveBigIntegerField("記録の番号")
    event_on = models.DateField("起算日")
    due_on = models.DateField("保存期限")
    excluded = models.BooleanField("除外", default=False)
    exclusion_reason = models.CharField("除外の理由", max_length=200, blank=True)
    executed_at = models.DateTimeField("実行日時", null=True, blank=True)

    class Meta:
        verbose_name = "保存期間を過ぎた記録"
        ordering = ["record_type", "due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "record_type", "object_id"], name="retention_item_unique"
            )
        ]


class Requester(models.TextChoices):
    SELF = "self", "本人"
    PROXY = "proxy", "代理人"


class SubjectAccessStatus(models.TextChoices):
    RECEIVED = "received", "受付済み"
    PRODUCED = "produced", "開示文書を作成済み"


class SubjectAccessRequest(VersionedModel):
    """本人開示請求 (個人情報の保護に関する法律 第33条 / 第76条): recorded, then produced as PDF and JSON."""

    agency = models.ForeignKey("organizations.Agency", verbose_name="機関", on_delete=models.PROTECT)
    municipality = models.ForeignKey(
        "organizations.Municipality", verbose_name="自治体", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey("persons.Person", verbose_name="相談者", on_delete=models.PROTECT)
    requested_on = models.DateField("請求日")
    requester = models.CharField("請求者", max_length=16, choices=Requester.choices, default=Requester.SELF)
    proxy_relation = models.CharField("代理人と本人の関係", max_length=60, blank=True)
    identity_check = models.CharField("本人確認の方法", max_length=200)
    due_on = models.DateField("回答期限")
    status = models.CharField(
        "状態", max_length=16, choices=SubjectAccessStatus.choices, default=SubjectAccessStatus.RECEIVED
    )
    notes = models.TextField("備考", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受付者", on_delete=models.PROTECT, related_name="+"
    )
    produced_at = models.DateTimeField("作成日時", null=True, blank=True)
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作成者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "本人開示請求"
        ordering = ["-requested_on", "-id"]
