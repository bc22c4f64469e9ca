"""Enrolments in the other statutory programmes (就労準備支援・認定就労訓練・一時生活支援（居住支援）・
子どもの学習・生活支援) and the 認定就労訓練事業所 register."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from tsunagu.cases.models import Case
from tsunagu.core.dates import wareki
from tsunagu.core.models import VersionedModel
from tsunagu.organizations.models import Agency, Municipality
from tsunagu.persons.models import Person

# =====================================================================================================
# Other programmes: 就労準備支援・認定就労訓練・一時生活支援／居住支援・子どもの学習・生活支援
# =====================================================================================================
#
# Periods are inclusive: 4/1〜翌3/31 is exactly 1 year, 4/1〜6/30 exactly 3 months. The services
# compute ``standard_limit_on`` (last day of the standard period) and ``maximum_limit_on`` (last day
# allowed at all) from ``start_on``; the database holds the end date inside them.


class EnrolmentProgram(models.TextChoices):
    EMPLOYMENT_PREPARATION = "employment_preparation", "就労準備支援事業"
    CERTIFIED_TRAINING = "certified_training", "認定就労訓練事業"
    TEMPORARY_LIVING = "temporary_living", "居住支援事業 シェルター事業（旧 一時生活支援事業）"
    HOUSING_SUPPORT = "housing_support", "居住支援事業 地域居住支援事業"
    CHILD_LEARNING = "child_learning", "子どもの学習・生活支援事業"


class TrainingType(models.TextChoices):
    EMPLOYED = "employed", "雇用型"
    NON_EMPLOYED = "non_employed", "非雇用型"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", "利用中"
    ENDED = "ended", "終了"


class HandBackKind(models.TextChoices):
    HELLO_WORK = "hello_work", "ハローワークへの引継ぎ"
    GENERAL_EMPLOYMENT = "general_employment", "一般就労"
    OTHER = "other", "その他"


class CertifiedTrainingProvider(models.Model):
    """認定就労訓練事業所: certified by a 都道府県・政令市・中核市 for a period."""

    municipality = models.ForeignKey(
        Municipality, verbose_name="所在自治体", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("事業所名", max_length=200)
    certification_number = models.CharField("認定番号", max_length=50)
    certifying_authority = models.CharField("認定した自治体（都道府県・政令市・中核市）", max_length=100)
    valid_from = models.DateField("認定の有効期間（開始）")
    valid_to = models.DateField("認定の有効期間（終了）")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        verbose_name = "認定就労訓練事業所"
        verbose_name_plural = "認定就労訓練事業所"
        ordering = ["name", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["certifying_authority", "certification_number", "valid_from"],
                name="ctp_unique_certification",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")),
                name="ctp_valid_to_after_from",
                violation_error_message="認定の有効期間の終了日は開始日以降にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（認定番号 {self.certification_number}）"

    def valid_on(self, d: Any) -> bool:
        return bool(self.valid_from <= d <= self.valid_to)


class TrainingTypeDecision(models.Model):
    """雇用型／非雇用型の決定: the centre judges, the 自治体担当者 of the case's municipality decides."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        CertifiedTrainingProvider,
        verbose_name="認定就労訓練事業所",
        on_delete=models.PROTECT,
        related_name="+",
    )
    training_type = models.CharField("就労訓練の類型", max_length=16, choices=TrainingType.choices)
    decided_on = models.DateField("決定日")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="決定した自治体担当者",
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField("備考", blank=True)
    created_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "就労訓練の類型の決定"
        verbose_name_plural = "就労訓練の類型の決定"
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(training_type__in=TrainingType.values), name="ttd_training_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_training_type_display()}（{wareki(self.decided_on)} 決定）"


class ProgramEnrolment(VersionedModel):
    """One use of a programme, linked to the plan that applied for it (プラン兼事業等利用申込書)."""

    agency = models.ForeignKey(Agency, verbose_name="機関", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(
        Municipality, verbose_name="実施主体", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, verbose_name="相談者", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="enrolments")
    plan = models.ForeignKey(
        "cases.SupportPlan", verbose_name="プラン", on_delete=models.PROTECT, related_name="enrolments"
    )
    program = models.CharField("事業", max_length=32, choices=EnrolmentProgram.choices)
    start_on = models.DateField("利用開始日")
    end_on = models.DateField("利用終了予定日")
    standard_limit_on = models.DateField("標準の期間の最終日")
    maximum_limit_on = models.DateField("延長した場合の最終日", null=True, blank=True)
    provider_name = models.CharField("実施事業者・施設", max_length=200, blank=True)
    certified_provider = models.ForeignKey(
        CertifiedTrainingProvider,
        verbose_name="認定就労訓練事業所",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    training_decision = models.ForeignKey(
        TrainingTypeDecision,
        verbose_name="雇用型／非雇用型の決定",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    municipality_extension_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="期間延長を決定した自治体担当者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    extension_recorded_on = models.DateField("延長の記録日", null=True, blank=True)
    extension_reason = models.TextField("延長の理由", blank=True)
    status = models.CharField(
        "状態", max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE
    )
    ended_on = models.DateField("利用終了日", null=True, blank=True)
    hand_back_kind = models.CharField(
        "終了後のつなぎ先", max_length=32, choices=HandBackKind.choices, blank=True
    )
    hand_back_on = models.DateField("引継ぎ日", null=True, blank=True)
    hand_back_note = models.TextField("引継ぎの内容", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登録者", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "事業の利用"
        verbose_name_plural = "事業の利用"
        ordering = ["-start_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(program__in=EnrolmentProgram.values), name="enrol_program_valid"
            ),
            models.CheckConstraint(condition=Q(status__in=EnrolmentStatus.values), name="enrol_status_valid"),
            models.CheckConstraint(
                condition=Q(end_on__gte=F("start_on")),
                name="enrol_end_after_start",
                violation_error_message="利用終了予定日は開始日以降にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(standard_limit_on__gt=F("start_on")), name="enrol_limit_after_start"
            ),
            models.CheckConstraint(
                condition=Q(maximum_limit_on__isnull=True) | Q(end_on__lte=F("maximum_limit_on")),
                name="enrol_end_within_maximum",
                violation_error_message="利用期間が上限を超えています。",
            ),
            models.CheckConstraint(
                condition=~Q(program="employment_preparation")
                | Q(end_on__lte=F("standard_limit_on"))
                | Q(municipality_extension_decided_by__isnull=False),
                name="enrol_ep_one_year_unless_decided",
                violation_error_message="就労準備支援事業の利用は1年以内です（自治体の決定がある場合を除く）。",
            ),
            models.CheckConstraint(
                condition=~Q(program="temporary_living")
                | (
                    Q(maximum_limit_on__isnull=False)
                    & (Q(end_on__lte=F("standard_limit_on")) | Q(extension_recorded_on__isnull=False))
                ),
                name="enrol_shelter_3m_unless_extended",
                violation_error_message="一時生活支援事業は原則3か月以内です（延長の記録がある場合は6か月まで）。",
            ),
            models.CheckConstraint(
                condition=~Q(program="certified_training")
                | (Q(certified_provider__isnull=False) & Q(training_decision__isnull=False)),
                name="enrol_training_has_provider_and_decision",
                violation_error_message="認定就労訓練事業は認定事業所と雇用型／非雇用型の決定が必要です。",
            ),
            models.CheckConstraint(
                condition=Q(status="active") | Q(ended_on__isnull=False),
                name="enrol_ended_has_date",
            ),
            models.CheckConstraint(
                condition=Q(hand_back_kind="") | Q(hand_back_on__isnull=False),
                name="enrol_hand_back_has_date",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("start_on")),
                name="enrol_ended_after_start",
                violation_error_message="利用終了日は開始日以降にしてください。",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "start_on"], name="enrol_muni_start"),
            models.Index(fields=["agency", "status", "-start_on"], name="enrol_agency_status"),
            models.Index(fields=["municipality", "status", "-start_on"], name="enrol_muni_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_program_display()}（{wareki(self.start_on)}〜{wareki(self.end_on)}）"

    @property
    def provider_label(self) -> str:
        return str(self.certified_provider) if self.certified_provider_id else self.provider_name


class ProgressReport(models.Model):
    """経過報告 from the programme's staff."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(
        ProgramEnrolment, verbose_name="事業の利用", on_delete=models.PROTECT, related_name="progress_reports"
    )
    reported_on = models.DateField("報告日")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="記入者", on_delete=models.PROTECT, related_name="+"
    )
    content = models.TextField("経過・様子")
    planned_days = models.PositiveSmallIntegerField("予定日数", null=True, blank=True)
    attended_days = models.PositiveSmallIntegerField("出席日数", null=True, blank=True)
    created_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "経過報告"
        verbose_name_plural = "経過報告"
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attended_days__isnull=True)
                | Q(planned_days__isnull=True)
                | Q(attended_days__lte=F("planned_days")),
                name="progress_attended_le_planned",
                violation_error_message="出席日数は予定日数以下にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"経過報告（{wareki(self.reported_on)}）"
