"""つなぎ (referrals to partner agencies and programmes) and 第三者提供の記録 (the disclosure register).

- ``Referral``: a case referred to a partner agency (関係機関) or a programme, with what was shared
  and on which basis, whether staff went along (同行), its status and outcome.
- ``StatutoryExceptionRequest``: a disclosure without consent under 個人情報保護法 第27条第1項
  第1–4号, with a written reason, approved by the 個人情報管理責任者 (never the requester).
- ``Disclosure``: one row every time personal data leaves the centre. Append-only, like the audit
  trail: the model and the queryset refuse updates and deletes, and on PostgreSQL a trigger does
  too (migration 0002).

The partner-agency registry itself lives in ``tsunagu.network`` (``PartnerAgency``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from tsunagu.cases.models import Case, SupportPlan
from tsunagu.core.dates import wareki
from tsunagu.core.models import AppendOnlyModel, AppendOnlyQuerySet, VersionedModel
from tsunagu.meetings.models import AgendaItem, SupportCouncil
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.models import Agency, Municipality
from tsunagu.persons.models import Person
from tsunagu.privacy.models import Consent


class ReferralStatus(models.TextChoices):
    REQUESTED = "requested", "依頼中"
    ACCEPTED = "accepted", "受理"
    DECLINED = "declined", "不受理"
    IN_SUPPORT = "in_support", "支援中"
    COMPLETED = "completed", "完了"
    CANCELLED = "cancelled", "取消"


OPEN_REFERRAL_STATUSES: tuple[str, ...] = (
    ReferralStatus.REQUESTED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.IN_SUPPORT,
)


class ReferralProgram(models.TextChoices):
    """Programmes a case can be referred to (手引き IV-2, 法定事業)."""

    PUBLIC_ASSISTANCE = "public_assistance", "生活保護（福祉事務所）"
    HW_PUBLIC_ASSISTANCE_EMPLOYMENT = (
        "hw_public_assistance_employment",
        "生活保護受給者等就労自立促進事業（ハローワーク）",
    )
    HW_GENERAL = "hw_general", "ハローワーク一般相談窓口"
    YOUTH_SUPPORT = "youth_support", "地域若者サポートステーション"
    EMPLOYMENT_PREPARATION = "employment_preparation", "就労準備支援事業"
    HOUSEHOLD_BUDGET = "household_budget", "家計改善支援事業"
    HOUSING_SUPPORT = "housing_support", "居住支援事業（一時生活支援）"
    CERTIFIED_TRAINING = "certified_training", "認定就労訓練事業"
    CHILD_LEARNING = "child_learning", "子どもの学習・生活支援事業"


class ReferralOutcome(models.TextChoices):
    SERVICE_STARTED = "service_started", "利用開始"
    PROTECTION_STARTED = "protection_started", "保護開始"
    PROTECTION_NOT_STARTED = "protection_not_started", "保護に至らず（却下・取下げ）"
    EMPLOYED = "employed", "就職"
    NOT_USED = "not_used", "利用に至らず"
    HANDED_OVER = "handed_over", "引継ぎ完了"
    OTHER = "other", "その他"


class DisclosureBasisKind(models.TextChoices):
    CONSENT = "consent", "本人の同意"
    STATUTORY = "statutory", "個人情報保護法第27条第1項の例外"
    COUNCIL = "council", "支援会議（法第9条）"
    EMERGENCY = (
        "emergency",
        "緊急的な支援（人の生命・身体・財産の保護に必要で、本人の同意を得ることが困難なとき）",
    )


class DisclosureChannel(models.TextChoices):
    REFERRAL = "referral", "つなぎ（関係機関への依頼）"
    MEETING_PAPERS = "meeting_papers", "会議資料"
    EXPORT = "export", "関係機関への提供（データ・書面の出力）"


class StatutoryClause(models.IntegerChoices):
    """個人情報保護法 第27条第1項 第1–4号 (the seed cites the old 第23条第1項)."""

    LAW = 1, "第1号 法令に基づく場合"
    LIFE = 2, "第2号 人の生命・身体・財産の保護に必要で、本人の同意を得ることが困難なとき"
    PUBLIC_HEALTH_CHILD = (
        3,
        "第3号 公衆衛生の向上・児童の健全な育成に特に必要で、本人の同意を得ることが困難なとき",
    )
    STATE_COOPERATION = (
        4,
        "第4号 国・地方公共団体等の法令上の事務への協力が必要で、同意を得ると支障を及ぼすおそれがあるとき",
    )


class ExceptionStatus(models.TextChoices):
    PENDING = "pending", "承認待ち"
    APPROVED = "approved", "承認"
    REJECTED = "rejected", "不承認"


class StatutoryExceptionRequest(models.Model):
    """A request to disclose without consent (法第27条第1項各号), decided by the 個人情報管理責任者."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="相談者")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="ケース"
    )
    recipient = models.ForeignKey(
        PartnerAgency, on_delete=models.PROTECT, related_name="+", verbose_name="提供先"
    )
    data_categories = models.JSONField("提供する個人情報の種類", default=list)
    clause = models.PositiveSmallIntegerField("該当する号", choices=StatutoryClause.choices)
    legal_basis = models.CharField("根拠となる法令・条項（第1号の場合）", max_length=200, blank=True)
    reason = models.TextField("同意なく提供する理由（書面）")
    status = models.CharField(
        "状態", max_length=16, choices=ExceptionStatus.choices, default=ExceptionStatus.PENDING
    )
    valid_until = models.DateField("提供できる期限", null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申請者"
    )
    requested_at = models.DateTimeField("申請日時", default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="承認者（個人情報管理責任者）",
    )
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejected_at = models.DateTimeField("不承認の日時", null=True, blank=True)
    decision_note = models.TextField("判断の理由・所見", blank=True)

    class Meta:
        verbose_name = "同意によらない第三者提供の承認申請"
        verbose_name_plural = "同意によらない第三者提供の承認申請"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(clause__gte=1, clause__lte=4),
                name="exception_clause_1_to_4",
                violation_error_message="該当する号は第1号から第4号のいずれかです。",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="exception_reason_written",
                violation_error_message="同意なく提供する理由を記入してください。",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (
                    Q(approved_by__isnull=False, approved_at__isnull=False)
                    & ~Q(approved_by=F("requested_by"))
                ),
                name="exception_approved_by_other",
                violation_error_message="承認は申請者以外の個人情報管理責任者が行います。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_clause_display()}（{self.recipient}）"

    def covers(self, *, person_id: int, recipient_id: int, categories: set[str], on: Any) -> bool:
        return (
            self.status == ExceptionStatus.APPROVED
            and self.person_id == person_id
            and self.recipient_id == recipient_id
            and categories <= set(self.data_categories)
            and self.approved_at is not None
            and timezone.localtime(self.approved_at).date() <= on
            and (self.valid_until is None or on <= self.valid_until)
        )


class DisclosureQuerySet(AppendOnlyQuerySet):
    """The register's queryset: no bulk UPDATE or DELETE (``core.models.AppendOnlyQuerySet``)."""


class Disclosure(AppendOnlyModel):
    """One provision of personal data to a third party (第三者提供の記録). Never edited or deleted.

    A withdrawn or expired consent stops further disclosures; rows written before stay as they are.
    A case discussed at a 支援調整会議 gives one row per attending partner agency (channel 会議資料),
    on the item's consent or on its recorded emergency basis (``agenda_item``).
    """

    append_only_label: ClassVar[str] = "第三者提供の記録"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="相談者")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="ケース"
    )
    recipient_partner = models.ForeignKey(
        PartnerAgency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="提供先",
    )
    recipient_council = models.ForeignKey(
        SupportCouncil,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="提供先（支援会議）",
    )
    recipient_name = models.CharField("提供先（記録時の名称）", max_length=120)
    recipient_type = models.CharField("提供先の種別（記録時）", max_length=40, blank=True)
    data_categories = models.JSONField("提供した個人情報の種類", default=list)
    purpose = models.CharField("提供の目的", max_length=200)
    basis_kind = models.CharField("根拠", max_length=16, choices=DisclosureBasisKind.choices)
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="同意"
    )
    exception = models.ForeignKey(
        StatutoryExceptionRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disclosures",
        verbose_name="第27条第1項の承認",
    )
    council = models.ForeignKey(
        SupportCouncil,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="支援会議",
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="支援調整会議の議題",
    )
    basis_note = models.CharField("根拠の説明（記録時）", max_length=400)
    channel = models.CharField("提供の経路", max_length=20, choices=DisclosureChannel.choices)
    disclosed_on = models.DateField("提供日")
    disclosed_at = models.DateTimeField("記録日時", default=timezone.now)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="提供した職員"
    )

    objects: ClassVar[Any] = DisclosureQuerySet.as_manager()

    class Meta:
        verbose_name = "第三者提供の記録"
        verbose_name_plural = "第三者提供の記録"
        ordering = ["-disclosed_at", "-id"]
        base_manager_name = "objects"
        indexes = [
            models.Index(fields=["person", "-disclosed_at"], name="disclosure_person_time"),
            models.Index(fields=["agency", "-disclosed_at", "-id"], name="disclosure_agency_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient_partner__isnull=False, recipient_council__isnull=True)
                | Q(recipient_partner__isnull=True, recipient_council__isnull=False),
                name="disclosure_one_recipient",
                violation_error_message="提供先は関係機関か支援会議のどちらか一つです。",
            ),
            models.CheckConstraint(
                condition=(Q(basis_kind="consent") & Q(consent__isnull=False))
                | (Q(basis_kind="statutory") & Q(exception__isnull=False))
                | (Q(basis_kind="council") & Q(council__isnull=False))
                | (Q(basis_kind="emergency") & Q(agenda_item__isnull=False)),
                name="disclosure_basis_recorded",
                violation_error_message="提供の根拠（同意・第27条第1項の承認・支援会議）が記録されていません。",
            ),
        ]

    def __str__(self) -> str:
        return f"{wareki(self.disclosed_on)} {self.recipient_name}"


class Referral(VersionedModel):
    """つなぎ: a case referred to a partner agency and/or a programme."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals", verbose_name="ケース")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="相談者")
    partner = models.ForeignKey(
        PartnerAgency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name="つなぎ先の関係機関",
    )
    program = models.CharField("つなぎ先の事業", max_length=40, choices=ReferralProgram.choices, blank=True)
    referred_on = models.DateField("つないだ日")
    reason = models.TextField("つなぐ理由")
    data_categories = models.JSONField("共有した個人情報の種類", default=list, blank=True)
    accompanied = models.BooleanField("同行した（する）", default=False)
    status = models.CharField(
        "状態", max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.REQUESTED
    )
    outcome_code = models.CharField("結果", max_length=32, choices=ReferralOutcome.choices, blank=True)
    outcome = models.TextField("結果の内容", blank=True)
    follow_up_on = models.DateField("フォローアップ予定日", null=True, blank=True)
    disclosure = models.ForeignKey(
        Disclosure,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="第三者提供の記録",
    )
    age_warning = models.CharField("年齢の警告（確認済み）", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="記録者"
    )

    class Meta:
        verbose_name = "つなぎ"
        verbose_name_plural = "つなぎ"
        ordering = ["-referred_on", "-id"]
        indexes = [
            models.Index(fields=["agency", "status", "-referred_on"], name="referral_agency_status"),
            models.Index(fields=["municipality", "referred_on"], name="referral_muni_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(partner__isnull=False) | ~Q(program=""),
                name="referral_has_destination",
                violation_error_message="つなぎ先の関係機関または事業を選んでください。",
            ),
            models.UniqueConstraint(
                fields=["case", "partner"],
                condition=Q(status__in=OPEN_REFERRAL_STATUSES, partner__isnull=False),
                name="referral_one_open_per_case_partner",
                violation_error_message="このケースには同じ関係機関への進行中のつなぎが既にあります。",
            ),
            models.UniqueConstraint(
                fields=["case", "program"],
                condition=Q(status__in=OPEN_REFERRAL_STATUSES, partner__isnull=True) & ~Q(program=""),
                name="referral_one_open_per_case_program",
                violation_error_message="このケースには同じ事業への進行中のつなぎが既にあります。",
            ),
            models.CheckConstraint(
                condition=Q(follow_up_on__isnull=True) | Q(follow_up_on__gte=F("referred_on")),
                name="referral_follow_up_after_referral",
                violation_error_message="フォローアップ予定日はつないだ日以降にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.destination_label}"

    @property
    def destination_label(self) -> str:
        parts = [str(self.partner)] if self.partner_id else []
        if self.program:
            parts.append(ReferralProgram(self.program).label)
        return "／".join(parts)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATUSES


class ReferralStatusChange(models.Model):
    """The history of a referral's status: who, when, from what to what, and why."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ReferralStatus.choices)
    note = models.TextField("メモ", blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "つなぎの状態の履歴"
        verbose_name_plural = "つなぎの状態の履歴"
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return (
            f"{self.get_from_status_display()}→{self.get_to_status_display()}（{wareki(self.occurred_at)}）"
        )


class AttachmentKind(models.TextChoices):
    SUPPORT_PLAN = "support_plan", "支援調整会議で了承されたプラン（PDF）"


class ReferralAttachment(models.Model):
    """A document sent with a referral, kept exactly as sent (the PDF bytes and their hash)."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField("種類", max_length=20, choices=AttachmentKind.choices)
    filename = models.CharField("ファイル名", max_length=120)
    content_type = models.CharField(max_length=60, default="application/pdf")
    content = models.BinaryField("内容")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    plan = models.ForeignKey(SupportPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    plan_number = models.PositiveIntegerField("プランの版", null=True, blank=True)
    plan_status = models.CharField("添付時のプランの状態", max_length=16, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "つなぎの添付書類"
        verbose_name_plural = "つなぎの添付書類"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename
