"""支援調整会議 (coordination meetings), 支援決定/確認 by the municipality, and 支援会議 (法第9条)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tsunagu.cases.models import Case, Evaluation, SupportPlan
from tsunagu.core.dates import wareki
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.models import Agency, Municipality
from tsunagu.privacy.models import Consent


class MeetingKind(models.TextChoices):
    COORDINATION = "coordination", "支援調整会議"
    COUNCIL = "council", "支援会議（法第9条）"


class SupportCouncil(models.Model):
    """支援会議 (法第9条): a standing body with a member roster bound by confidentiality.

    It may discuss people who have not consented; its records are visible only to its members.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=100)
    established_on = models.DateField("設置日")

    class Meta:
        verbose_name = "支援会議"
        verbose_name_plural = "支援会議"

    def __str__(self) -> str:
        return self.name


class SupportCouncilMember(models.Model):
    """A member: a staff account or a partner agency (with its representative), with the pledge."""

    council = models.ForeignKey(SupportCouncil, on_delete=models.CASCADE, related_name="members")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="職員",
    )
    partner = models.ForeignKey(
        PartnerAgency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="関係機関",
    )
    representative = models.CharField("代表者・担当者名", max_length=60, blank=True)
    pledge_signed_on = models.DateField("守秘義務の誓約日")
    joined_on = models.DateField("構成員となった日")
    left_on = models.DateField("構成員でなくなった日", null=True, blank=True)

    class Meta:
        verbose_name = "支援会議の構成員"
        verbose_name_plural = "支援会議の構成員"
        constraints = [
            models.CheckConstraint(
                condition=(Q(staff__isnull=False) & Q(partner__isnull=True))
                | (Q(staff__isnull=True) & Q(partner__isnull=False)),
                name="councilmember_staff_xor_partner",
                violation_error_message="構成員は職員か関係機関のどちらかです。",
            ),
            # The pledge comes first: nobody takes part before signing it.
            models.CheckConstraint(
                condition=Q(pledge_signed_on__lte=models.F("joined_on")),
                name="councilmember_pledge_before_joining",
                violation_error_message="守秘義務の誓約日は、構成員となった日以前にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="councilmember_left_after_joined",
                violation_error_message="構成員でなくなった日は、構成員となった日以降にしてください。",
            ),
            models.UniqueConstraint(
                fields=["council", "staff"],
                condition=Q(left_on__isnull=True, staff__isnull=False),
                name="councilmember_one_current_staff",
                violation_error_message="この職員は既に構成員です。",
            ),
            models.UniqueConstraint(
                fields=["council", "partner"],
                condition=Q(left_on__isnull=True, partner__isnull=False),
                name="councilmember_one_current_partner",
                violation_error_message="この関係機関は既に構成員です。",
            ),
        ]
        indexes = [models.Index(fields=["staff", "council"], name="councilmember_staff")]

    def __str__(self) -> str:
        if self.staff_id:
            return str(self.staff)
        return f"{self.partner}（{self.representative}）" if self.representative else str(self.partner)


class Meeting(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("種類", max_length=16, choices=MeetingKind.choices)
    council = models.ForeignKey(
        SupportCouncil,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name="支援会議",
    )
    held_on = models.DateField("開催日")
    place = models.CharField("場所", max_length=100, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="議長",
    )
    minutes = models.TextField("議事録（全体）", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "会議"
        verbose_name_plural = "会議"
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="coordination", council__isnull=True)
                | Q(kind="council", council__isnull=False),
                name="meeting_council_only_for_council_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "held_on"], name="meeting_agency_date"),
            models.Index(fields=["municipality", "held_on"], name="meeting_municipality_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{wareki(self.held_on)}）"


class MeetingAttendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="職員・自治体担当者",
    )
    partner = models.ForeignKey(
        PartnerAgency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="関係機関",
    )
    name = models.CharField("氏名", max_length=60, blank=True)

    class Meta:
        verbose_name = "出席者"
        verbose_name_plural = "出席者"
        constraints = [
            models.CheckConstraint(
                condition=Q(staff__isnull=False) | Q(partner__isnull=False) | ~Q(name=""),
                name="attendee_someone",
                violation_error_message="出席者（職員・関係機関・氏名のいずれか）を指定してください。",
            ),
        ]

    def __str__(self) -> str:
        if self.staff_id:
            return str(self.staff)
        if self.partner_id:
            return f"{self.partner}（{self.name}）" if self.name else str(self.partner)
        return self.name


class AgendaPurpose(models.TextChoices):
    PLAN = "plan", "プラン（案）の検討"
    EVALUATION = "evaluation", "評価"
    CLOSURE = "closure", "終結の報告"
    SUSPENSION = "suspension", "中断の確認"
    CONSULTATION = "consultation", "支援方針の相談（支援会議）"


class AgendaOutcome(models.TextChoices):
    APPROVED = "approved", "承認"
    REVISE = "revise", "修正"
    RETURNED = "returned", "差戻し"


class EmergencyBasis(models.TextChoices):
    """Why a case is discussed at a 支援調整会議 without a consent that covers it (緊急的な支援).

    The wording is that of 個人情報保護法第27条第1項第2号 (the statutory exception the disclosure
    register uses, ``referrals.models.StatutoryClause.LIFE``).
    """

    LIFE = (
        "life",
        "人の生命・身体・財産の保護に必要で、本人の同意を得ることが困難なとき（個人情報保護法第27条第1項第2号）",
    )


class AgendaItem(models.Model):
    """One case on a meeting's agenda, with the outcome and its minutes.

    On a 支援調整会議 the item keeps its basis for sharing the case with the attendees: the consent
    that covers it (``consent``) or, on the 緊急的な支援 path, the emergency basis with who recorded
    it and when (``emergency_*``).
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="agenda_items")
    purpose = models.CharField("議題", max_length=16, choices=AgendaPurpose.choices)
    plan = models.ForeignKey(
        SupportPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items"
    )
    evaluation = models.ForeignKey(
        Evaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField("結果", max_length=16, choices=AgendaOutcome.choices, blank=True)
    minutes = models.TextField("議事録（このケース）", blank=True)
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="同意"
    )
    emergency_basis = models.CharField(
        "同意によらない検討の根拠", max_length=16, choices=EmergencyBasis.choices, blank=True
    )
    emergency_note = models.CharField("緊急の事情", max_length=400, blank=True)
    emergency_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="根拠を記録した職員",
    )
    emergency_recorded_at = models.DateTimeField("根拠の記録日時", null=True, blank=True)

    class Meta:
        verbose_name = "議題（ケース）"
        verbose_name_plural = "議題（ケース）"
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "case", "purpose"],
                name="agenda_unique",
                violation_error_message="このケースは既に同じ議題で登録されています。",
            )
        ]

    def __str__(self) -> str:
        return f"議題（{self.get_purpose_display()}）"


class DecisionKind(models.TextChoices):
    DECISION = "decision", "支援決定（法定事業を含む）"
    CONFIRMATION = "confirmation", "確認（法定事業を含まない）"


class Decision(models.Model):
    """支援決定 / 確認, recorded only by a 自治体担当者 of the case's municipality."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="decisions")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("種別", max_length=16, choices=DecisionKind.choices)
    decided_on = models.DateField("決定日")
    programs = models.JSONField("決定した事業", default=list, blank=True)
    note = models.TextField("備考", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="決定者"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "支援決定・確認"
        verbose_name_plural = "支援決定・確認"
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                name="decision_one_per_plan",
                violation_error_message="このプランには既に支援決定・確認が記録されています。",
            )
        ]
        indexes = [models.Index(fields=["municipality", "-decided_on"], name="decision_municipality_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{wareki(self.decided_on)}）"
