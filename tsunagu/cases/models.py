"""Cases: 相談受付・申込票 (intake), the case's state, emergency support before a plan."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q

from tsunagu.core.models import VersionedModel
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.models import Agency, Municipality
from tsunagu.persons.models import Person


class CaseState(models.TextChoices):
    INTAKE = "intake", "受付"
    APPLIED = "applied", "申込"
    ASSESSMENT = "assessment", "アセスメント"
    PLANNING = "planning", "プラン策定"
    COORDINATION_MEETING = "coordination_meeting", "支援調整会議"
    DECIDED = "decided", "支援決定"
    IN_SUPPORT = "in_support", "支援中（モニタリング）"
    EVALUATION = "evaluation", "評価"
    CLOSED = "closed", "終結"
    SUSPENDED = "suspended", "中断"
    FOLLOW_UP = "follow_up", "フォローアップ"
    ENDED_AT_SCREENING = "ended_at_screening", "スクリーニングで終了"


OPEN_STATES = frozenset(
    {
        CaseState.INTAKE,
        CaseState.APPLIED,
        CaseState.ASSESSMENT,
        CaseState.PLANNING,
        CaseState.COORDINATION_MEETING,
        CaseState.DECIDED,
        CaseState.IN_SUPPORT,
        CaseState.EVALUATION,
        CaseState.FOLLOW_UP,
    }
)


class ScreeningOutcome(models.TextChoices):
    INFO_ONLY = "info_only", "情報提供・助言のみで終了"
    REFERRED = "referred", "他制度・他機関へつなぐ"
    CONTINUING = "continuing", "継続支援"


class CaseNumberSequence(models.Model):
    """The last case number used per agency and 年度 (R7-0001, R7-0002, …)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "fiscal_year"], name="casenumberseq_unique")]


class Case(VersionedModel):
    agency = models.ForeignKey(Agency, verbose_name="機関", on_delete=models.PROTECT, related_name="cases")
    municipality = models.ForeignKey(
        Municipality, verbose_name="実施主体", on_delete=models.PROTECT, related_name="cases"
    )
    person = models.ForeignKey(Person, verbose_name="相談者", on_delete=models.PROTECT, related_name="cases")
    fiscal_year = models.PositiveIntegerField("受付年度")
    number_in_year = models.PositiveIntegerField("年度内番号")
    case_number = models.CharField("ケース番号", max_length=16)
    state = models.CharField("状態", max_length=32, choices=CaseState.choices, default=CaseState.INTAKE)
    assigned_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="担当者",
        on_delete=models.PROTECT,
        related_name="assigned_cases",
    )
    opened_on = models.DateField("受付日")
    closed_on = models.DateField("終結日", null=True, blank=True)
    closure_reason = models.CharField("終結理由", max_length=40, blank=True)
    is_emergency = models.BooleanField("緊急的な支援あり", default=False)
    topics = models.JSONField("相談したいこと", default=list, blank=True)
    last_contact_on = models.DateField("最終接触日", null=True, blank=True)

    class Meta:
        verbose_name = "ケース"
        verbose_name_plural = "ケース"
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "fiscal_year", "number_in_year"], name="case_number_unique"
            ),
            models.UniqueConstraint(fields=["agency", "case_number"], name="case_number_text_unique"),
        ]
        indexes = [
            models.Index(fields=["agency", "state", "-opened_on", "-id"], name="case_agency_state"),
            models.Index(fields=["assigned_worker", "state"], name="case_worker_state"),
            models.Index(fields=["agency", "-opened_on", "-id"], name="case_agency_opened"),
        ]

    def __str__(self) -> str:
        return self.case_number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Intake(VersionedModel):
    """相談受付・申込票 (A票 + B票). One per case."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="intake")
    received_at = models.DateTimeField("受付日時")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受付者", on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField("相談方法", max_length=40)
    consulter_type = models.CharField("相談者（来談者）", max_length=40)
    consulter_name = models.CharField("来談者の氏名", max_length=60, blank=True)
    consulter_relationship = models.CharField("来談者との関係", max_length=40, blank=True)
    route = models.CharField("相談経路・紹介元", max_length=40)
    referring_partner = models.ForeignKey(
        PartnerAgency, verbose_name="紹介元の関係機関", null=True, blank=True, on_delete=models.PROTECT
    )
    topics = models.JSONField("相談したいこと", default=list, blank=True)
    main_topic = models.CharField("最も困っていること（◎）", max_length=40, blank=True)
    chief_complaint = models.TextField("主訴", blank=True)
    urgency_flags = models.JSONField("緊急性", default=list, blank=True)
    screening_outcome = models.CharField(
        "スクリーニング結果", max_length=16, choices=ScreeningOutcome.choices, blank=True
    )
    screening_referral_to = models.CharField("つなぎ先", max_length=40, blank=True)
    screening_note = models.TextField("スクリーニングの所見", blank=True)
    applied_on = models.DateField("利用申込日", null=True, blank=True)
    # sha256 of (agency, user, the form's or API client's token): see submission_key.
    submission_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "相談受付・申込票"
        verbose_name_plural = "相談受付・申込票"
        constraints = [
            models.CheckConstraint(
                condition=~Q(screening_outcome="referred") | ~Q(screening_referral_to=""),
                name="intake_referral_has_destination",
                violation_error_message="つなぐ場合はつなぎ先を選んでください。",
            ),
        ]

    @staticmethod
    def submission_key(*, agency_id: int, actor_id: int, token: str) -> str:
        """What is stored for a submission token (二重送信の防止).

        Tokens come from forms and from API clients, who choose their own: the same string sent
        by two users (or two centres) is two submissions, and one never finds the other's case.
        """
        return hashlib.sha256(f"{agency_id}:{actor_id}:{token}".encode()).hexdigest()


class EmergencySupport(models.Model):
    """緊急的な支援, recorded as プラン策定前の支援."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="emergency_supports")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    flag = models.CharField("緊急性", max_length=40)
    description = models.TextField("支援内容", blank=True)
    started_on = models.DateField("開始日")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "プラン策定前の支援（緊急的な支援）"
        verbose_name_plural = "プラン策定前の支援（緊急的な支援）"
        ordering = ["started_on", "id"]


class CaseTransition(models.Model):
    """The history of a case's state: every named transition, who, when, why."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions")
    name = models.CharField("遷移", max_length=40)
    from_state = models.CharField("遷移前", max_length=32, choices=CaseState.choices)
    to_state = models.CharField("遷移後", max_length=32, choices=CaseState.choices)
    reason = models.TextField("理由", blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "状態の履歴"
        verbose_name_plural = "状態の履歴"
        ordering = ["occurred_at", "id"]
