"""Privacy notices (個人情報に関する管理・取扱規程 / 利用目的), consent records, restrictions."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from tsunagu.core.dates import wareki
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.models import Agency, Municipality
from tsunagu.persons.models import Person


class Purpose(models.TextChoices):
    """利用目的 (手引き VII-1(2)①)."""

    SUPPORT = "support", "本人の支援のため、センター内や支援調整会議等において検討する"
    STATISTICS = "statistics", "事業結果や成果評価のため、個人情報を削除したうえで集計する"
    CASE_STUDY = "case_study", "職員の事例検討に活用する（氏名等は削除）"
    REFERRAL_EVALUATION = "referral_evaluation", "アウトリーチ機能や出口機関の動きを評価し、適切につなぐ"
    RESEARCH = "research", "全国的な課題解決のため研究者が活用する（氏名等は削除）"


class DataCategory(models.TextChoices):
    """個人情報の定義例 (手引き VII-1(2)③)."""

    BASIC = "basic", "氏名・性別・年齢・住所・電話番号・家族関係等の基本的情報"
    HEALTH = "health", "健康状態・疾病・障害・介護等の健康に関する情報"
    WORK_SCHOOL = "work_school", "就労・通学・通所状況に関する情報"
    FINANCES = "finances", "収入・資産・債務等の経済状況"
    WELFARE_USE = "welfare_use", "福祉制度の利用状況"
    HISTORY = "history", "生活歴・過去の経験・抱えている課題等、相談で知り得た情報"


class ConsentMethod(models.TextChoices):
    SIGNATURE = "signature", "署名（申込票）"
    ORAL = "oral", "口頭（記録者が確認）"
    ELECTRONIC = "electronic", "電子的な同意"
    PROXY = "proxy", "代理人による署名"


class NoticeStatus(models.TextChoices):
    """A version of the notice is written and reviewed as a draft, then published once."""

    DRAFT = "draft", "下書き"
    PUBLISHED = "published", "公開済み"


# The structured sections of a notice (手引き VII-1(1)(2)), in the order the person reads them.
NOTICE_SECTIONS: dict[str, str] = {
    "section_handling": "個人情報の取扱い（管理）",
    "section_confidentiality": "守秘義務とその罰則",
    "purposes_note": "利用目的",
    "section_third_party": "第三者提供",
    "section_contact": "開示・訂正・苦情の窓口",
}

PUBLISHED_IMMUTABLE_MESSAGE = (
    "公開済みの規程の版は変更・削除できません。変更するときは、この版をもとに新しい版を作成してください。"
)


class PrivacyNoticeQuerySet(models.QuerySet["PrivacyNotice"]):
    """No bulk UPDATE or DELETE that would touch a published version (the database refuses it too)."""

    def published(self) -> PrivacyNoticeQuerySet:
        return self.filter(status=NoticeStatus.PUBLISHED)

    def drafts(self) -> PrivacyNoticeQuerySet:
        return self.filter(status=NoticeStatus.DRAFT)

    def update(self, **kwargs: Any) -> int:
        if self.filter(status=NoticeStatus.PUBLISHED).exists():
            raise PermissionError(PUBLISHED_IMMUTABLE_MESSAGE)
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=NoticeStatus.PUBLISHED).exists():
            raise PermissionError(PUBLISHED_IMMUTABLE_MESSAGE)
        return super().delete()


class PrivacyNotice(models.Model):
    """A version of the privacy notice (個人情報に関する管理・取扱規程) shown to persons.

    A draft (下書き) is edited under optimistic locking (``lock_version``, checked with
    ``core.locking.check_version(attr="lock_version")``: the field ``version`` is the notice's 版,
    which consents and screens have always shown). Publishing gives the draft its 版 number and
    適用開始日; from then on the row is never changed or deleted — the model, its queryset and a
    database trigger (migration ``0002``) refuse it. Consents only ever point at published versions.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="privacy_notices")
    status = models.CharField(
        "状態", max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.PUBLISHED
    )
    version = models.PositiveIntegerField("版", null=True, blank=True)
    title = models.CharField("表題", max_length=120, default="個人情報に関する管理・取扱規程")
    body = models.TextField("本文（前文）", blank=True)
    section_handling = models.TextField("個人情報の取扱い（管理）", blank=True)
    section_confidentiality = models.TextField("守秘義務とその罰則", blank=True)
    purposes = models.JSONField("利用目的", default=list)
    purposes_note = models.TextField("利用目的の説明", blank=True)
    section_third_party = models.TextField("第三者提供", blank=True)
    section_contact = models.TextField("開示・訂正・苦情の窓口", blank=True)
    effective_from = models.DateField("適用開始日", null=True, blank=True)
    lock_version = models.PositiveIntegerField("編集の版", default=1)
    created_at = models.DateTimeField("作成日時", null=True, blank=True, auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", null=True, blank=True, auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="作成者",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="更新者",
    )
    published_at = models.DateTimeField("公開日時", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="公開者",
    )

    objects: ClassVar[PrivacyNoticeQuerySet] = PrivacyNoticeQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "個人情報の取扱いの説明（版）"
        verbose_name_plural = "個人情報の取扱いの説明（版）"
        ordering = ["agency", "-version"]
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["agency", "version"], name="privacynotice_unique_version"),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(version__isnull=False) & Q(effective_from__isnull=False)),
                name="privacynotice_published_has_version",
                violation_error_message="公開済みの版には版番号と適用開始日が必要です。",
            ),
        ]

    def __str__(self) -> str:
        if self.version is None:
            return f"{self.title}（下書き）"
        return f"{self.title} 第{self.version}版"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self.pk is not None:
            stored = PrivacyNotice.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == NoticeStatus.PUBLISHED:
                raise PermissionError(PUBLISHED_IMMUTABLE_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        stored = PrivacyNotice.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored == NoticeStatus.PUBLISHED:
            raise PermissionError(PUBLISHED_IMMUTABLE_MESSAGE)
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == NoticeStatus.PUBLISHED

    def sections(self) -> list[tuple[str, str]]:
        """(見出し, 本文) in reading order, the empty ones left out."""
        return [
            (label, getattr(self, name)) for name, label in NOTICE_SECTIONS.items() if getattr(self, name)
        ]

    def purpose_labels(self) -> list[str]:
        labels = dict(Purpose.choices)
        return [str(labels.get(p, p)) for p in Purpose.values if p in self.purposes]


def consent_in_force_q(on: date, prefix: str = "") -> Q:
    """The one rule for "a consent in force on day ``on``" as a filter (``prefix`` for a relation):
    given on or before ``on``, not withdrawn on or before it, not expired before it."""
    return (
        Q(**{f"{prefix}given_on__lte": on})
        & (Q(**{f"{prefix}withdrawn_on__isnull": True}) | Q(**{f"{prefix}withdrawn_on__gt": on}))
        & (Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gte": on}))
    )


class ConsentQuerySet(models.QuerySet["Consent"]):
    def in_force_on(self, on: date) -> ConsentQuerySet:
        """Consents in force on ``on`` (``consent_in_force_q``), most recent first."""
        return self.filter(consent_in_force_q(on)).order_by("-given_on", "-id")


class Consent(models.Model):
    """One consent given by a person: purposes, scope of third-party provision, validity.

    In force on day D when given_on ≤ D, not withdrawn on or before D, not expired before D.
    Withdrawal takes effect from its date on; disclosures made earlier stay on record.
    """

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="consents", verbose_name="相談者"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(PrivacyNotice, on_delete=models.PROTECT, verbose_name="説明した規程")
    purposes = models.JSONField("同意した利用目的", default=list)
    recipient_types = models.JSONField("提供先の種別", default=list, blank=True)
    named_recipients = models.ManyToManyField(PartnerAgency, blank=True, verbose_name="提供先（機関名）")
    data_categories = models.JSONField("提供する個人情報の種類", default=list)
    given_on = models.DateField("同意日")
    method = models.CharField("取得方法", max_length=16, choices=ConsentMethod.choices)
    expires_on = models.DateField("有効期限", null=True, blank=True)
    withdrawn_on = models.DateField("撤回日", null=True, blank=True)
    withdrawal_note = models.CharField("撤回の内容", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ConsentQuerySet] = ConsentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "同意"
        verbose_name_plural = "同意"
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawal_after_grant",
                violation_error_message="撤回日は同意日以降の日付にしてください。",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("given_on")),
                name="consent_expiry_after_grant",
                violation_error_message="有効期限は同意日以降の日付にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} の同意（{wareki(self.given_on)}）"

    def in_force_on(self, day: date) -> bool:
        """``consent_in_force_q`` for one loaded row."""
        if self.given_on > day:
            return False
        if self.withdrawn_on is not None and self.withdrawn_on <= day:
            return False
        return not (self.expires_on is not None and self.expires_on < day)
