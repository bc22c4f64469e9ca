"""住居確保給付金: rule tables with a clock, applications and their lifecycle.

Rule rows (``HousingBenefitRuleTable``, ``JobSearchRequirement``) are never updated in place: an
edit adds a new row (a new ``revision`` for the same effective date, or a new effective date), so
the row in force on a date is "``effective_from <= date``, latest; then highest revision", and a
decision keeps the ids of the rows it used.

Guarantees held by the database as well as by the services:
- money is integer yen and never negative; a payment is > 0;
- a payment has a decision, a month number 1–9 and one row per month (and on PostgreSQL and SQLite
  a trigger refuses a payment whose decision is not 支給決定 or whose month is past the months
  awarded — see migration 0003);
- the explanations (中止事項・延長・延長の要件) are recorded on every application;
- at most 2 extensions and 9 months in all.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.core.models import AppendOnlyModel, AppendOnlyQuerySet, VersionedModel
from tsunagu.organizations.models import Agency, Municipality
from tsunagu.persons.models import Person

from . import housing_rules as hr


class BenefitType(models.TextChoices):
    RENT = hr.BenefitType.RENT.value, "家賃補助"
    RELOCATION = hr.BenefitType.RELOCATION.value, "転居費用補助"


class Cause(models.TextChoices):
    JOB_LOSS = hr.Cause.JOB_LOSS.value, "離職・廃業"
    REDUCED_INCOME = hr.Cause.REDUCED_INCOME.value, "休業等による収入減少"


class ReawardCause(models.TextChoices):
    DISMISSAL = hr.ReawardCause.DISMISSAL.value, "解雇・事業主都合による離職"
    BUSINESS_CLOSURE = hr.ReawardCause.BUSINESS_CLOSURE.value, "本人の責めによらない廃業"
    REDUCED_INCOME = hr.ReawardCause.REDUCED_INCOME.value, "休業等による収入減少"
    OTHER = hr.ReawardCause.OTHER.value, "その他"


class ApplicationState(models.TextChoices):
    APPLIED = "applied", "申請中（決定待ち）"
    AWARDED = "awarded", "支給中"
    REJECTED = "rejected", "不支給"
    STOPPED = "stopped", "中止"
    ENDED = "ended", "支給終了"


class DecisionOutcome(models.TextChoices):
    AWARD = "award", "支給決定"
    REJECT = "reject", "不支給決定"


class ApplicationsPer(models.TextChoices):
    WEEK = "week", "週あたり"
    MONTH = "month", "月あたり"


class ExtensionState(models.TextChoices):
    PENDING = "pending", "延長申請中"
    APPROVED = "approved", "延長決定"
    REJECTED = "rejected", "延長しない"


class StopReason(models.TextChoices):
    """中止事由 (生活困窮者自立支援法施行規則第17条; 各自治体の案内、例：横須賀市 2022)."""

    NOT_SEEKING_WORK = "not_seeking_work", "誠実かつ熱心に求職活動を行わない、または指示に従わない"
    EMPLOYMENT_OR_INCOME = (
        "employment_or_income",
        "常用就職・収入増により収入基準額を超えた（または報告しない）",
    )
    LEFT_DWELLING = "left_dwelling", "住宅から退去した（本人の責によらない転居等を除く）"
    FALSE_STATEMENT = "false_statement", "申請に虚偽があった"
    GANG_MEMBER = "gang_member", "本人または世帯員が暴力団員と判明した"
    IMPRISONMENT = "imprisonment", "禁錮刑以上の刑に処された"
    PUBLIC_ASSISTANCE = "public_assistance", "生活保護の支給が開始された"
    OTHER = "other", "その他（病気等）"


# Notes that early seed rows carried next to their public citation (verification markers in square
# brackets and references to internal working notes). Rule rows are append-only, so
# rows already stored keep their text; the screens and the API show the citation without them.
_INTERNAL_NOTE = re.compile(
    r"\s*\[(?:V|D|U)\b[^\]]*\]"  # bracketed verification markers
    r"|[,、，]?\s*\(?(?:domain|design)\.md(?:\s*§\s*[\d.]+(?:\s*(?:and|・|、)\s*§?[\d.]+)*)?\)?"
    r"|（\s*）"
)


def public_text(text: str) -> str:
    """``text`` without internal working notes (see ``_INTERNAL_NOTE``)."""
    return _INTERNAL_NOTE.sub("", text or "").replace("（）", "").strip(" ,、;；")


class ImmutableQuerySet(AppendOnlyQuerySet):
    """Rule rows are kept for ever: no bulk update or delete."""


class ImmutableRow(AppendOnlyModel):
    """Saved once; a change is a new row (a database trigger refuses UPDATE, and on PostgreSQL
    DELETE too — migration 0002)."""

    append_only_label = "基準の表"
    append_only_hint = "新しい版を追加してください。"

    effective_from = models.DateField("適用開始日")
    revision = models.PositiveIntegerField("版", default=1)
    source = models.CharField("出典", max_length=500)
    note = models.TextField("変更理由・備考", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登録者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登録日時", default=timezone.now)

    class Meta:
        abstract = True

    @property
    def source_shown(self) -> str:
        """The public citation, as shown on the screens and in the API."""
        return public_text(self.source)

    @property
    def note_shown(self) -> str:
        return public_text(self.note)


class HousingBenefitRuleTable(ImmutableRow):
    """One row of a municipality's table: 基準額, 家賃上限 (住宅扶助基準額) and 資産上限 by household size."""

    municipality = models.ForeignKey(
        Municipality, verbose_name="自治体", on_delete=models.PROTECT, related_name="+"
    )
    household_size = models.PositiveSmallIntegerField("世帯人数")
    applies_to_larger = models.BooleanField("これより多い世帯にも適用（○人以上）", default=False)
    base_amount = models.PositiveIntegerField("基準額（円）")
    rent_cap = models.PositiveIntegerField("家賃上限（住宅扶助基準額、円）")
    asset_limit = models.PositiveIntegerField("資産上限（円）")

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = "住居確保給付金 基準額表（行）"
        verbose_name_plural = "住居確保給付金 基準額表"
        ordering = ["municipality", "household_size", "-effective_from", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "household_size", "effective_from", "revision"],
                name="hb_rule_unique_version",
            ),
            models.CheckConstraint(
                condition=Q(household_size__gte=1) & Q(household_size__lte=20),
                name="hb_rule_household_size_1_20",
                violation_error_message="世帯人数は1〜20人です。",
            ),
            models.CheckConstraint(
                condition=Q(base_amount__gt=0) & Q(rent_cap__gt=0) & Q(asset_limit__gt=0),
                name="hb_rule_amounts_positive",
                violation_error_message="金額は1円以上で入力してください。",
            ),
            models.CheckConstraint(
                condition=Q(asset_limit__lte=hr.ASSET_LIMIT_CEILING)
                & Q(asset_limit__lte=F("base_amount") * hr.ASSET_LIMIT_MULTIPLIER),
                name="hb_rule_asset_limit_ceiling",
                violation_error_message="資産上限は基準額の6倍以下、かつ100万円以下です。",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="hb_rule_revision_positive"),
        ]
        indexes = [
            models.Index(fields=["municipality", "household_size", "effective_from"], name="hb_rule_lookup")
        ]

    def __str__(self) -> str:
        more = "以上" if self.applies_to_larger else ""
        return f"{self.municipality} {self.household_size}人{more}世帯（{self.effective_from}〜 第{self.revision}版）"

    def as_rules(self) -> hr.Rules:
        return hr.Rules(
            base_amount=self.base_amount,
            rent_cap=self.rent_cap,
            asset_limit=self.asset_limit,
            effective_from=self.effective_from,
        )


class JobSearchRequirement(ImmutableRow):
    """求職活動等要件 thresholds by effective date; ``municipality`` empty = the national standard."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name="自治体（空欄は全国の標準）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cause = models.CharField("対象", max_length=16, choices=Cause.choices)
    centre_consultations_min = models.PositiveSmallIntegerField("自立相談支援機関での面談（月の回数）")
    counselling_min = models.PositiveSmallIntegerField("ハローワークの職業相談／経営相談（月の回数）")
    applications_min = models.PositiveSmallIntegerField("応募／収入増加の取組（回数）")
    applications_per = models.CharField("応募等の回数の単位", max_length=8, choices=ApplicationsPer.choices)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = "求職活動等要件"
        verbose_name_plural = "求職活動等要件"
        ordering = ["cause", "-effective_from", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "cause", "effective_from", "revision"],
                name="hb_jobsearch_unique_version",
            ),
            models.UniqueConstraint(
                fields=["cause", "effective_from", "revision"],
                condition=Q(municipality__isnull=True),
                name="hb_jobsearch_unique_national_version",
            ),
            models.CheckConstraint(condition=Q(cause__in=Cause.values), name="hb_jobsearch_cause_valid"),
            models.CheckConstraint(
                condition=Q(applications_per__in=ApplicationsPer.values), name="hb_jobsearch_per_valid"
            ),
        ]

    def __str__(self) -> str:
        where = str(self.municipality) if self.municipality_id else "全国の標準"
        return f"{where} {self.get_cause_display()}（{self.effective_from}〜 第{self.revision}版）"

    def as_thresholds(self) -> hr.JobSearchThresholds:
        return hr.JobSearchThresholds(
            centre_consultations_min=self.centre_consultations_min,
            counselling_min=self.counselling_min,
            applications_min=self.applications_min,
            applications_per_week=self.applications_per == ApplicationsPer.WEEK,
        )


class HousingBenefitApplication(VersionedModel):
    """住居確保給付金の申請, received at the centre and linked to a case."""

    agency = models.ForeignKey(Agency, verbose_name="機関", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(
        Municipality, verbose_name="実施主体", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, verbose_name="申請者", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="housing_benefit_applications"
    )
    benefit_type = models.CharField("種類", max_length=16, choices=BenefitType.choices)
    cause = models.CharField("困窮の理由", max_length=16, choices=Cause.choices)
    application_date = models.DateField("申請日")
    job_loss_date = models.DateField("離職・廃業日", null=True, blank=True)
    income_drop_date = models.DateField("収入が減少した日", null=True, blank=True)
    is_main_earner = models.BooleanField("主たる生計維持者")
    household_size = models.PositiveSmallIntegerField("世帯人数")
    household_monthly_income = models.PositiveIntegerField("世帯の月収（円）")
    household_financial_assets = models.PositiveBigIntegerField("世帯の金融資産（円）")
    monthly_rent = models.PositiveIntegerField("家賃月額（共益費・管理費を除く、円）")
    unable_to_seek_work_days = models.PositiveIntegerField("求職活動ができなかった期間（日）", default=0)
    previous_award_last_payment_date = models.DateField("前回受給の最後の支給月", null=True, blank=True)
    reaward_cause = models.CharField(
        "今回の困窮の理由（再支給）", max_length=20, choices=ReawardCause.choices, blank=True
    )
    receives_overlapping_housing_aid = models.BooleanField("類似の給付を受けている")
    household_member_is_gang_member = models.BooleanField("世帯に暴力団員がいる")
    supported_by_household_budget_program = models.BooleanField(
        "家計改善支援事業による判断あり", null=True, blank=True
    )
    relocation_costs = models.PositiveIntegerField("転居費用（対象経費、円）", null=True, blank=True)
    payee_name = models.CharField("支払先（貸主・管理会社等）", max_length=100, blank=True)
    payee_account_holder = models.CharField("口座名義", max_length=100, blank=True)
    explained_stop_conditions = models.BooleanField("中止事項を説明した")
    explained_extension = models.BooleanField("延長できることを説明した")
    explained_extension_requirements = models.BooleanField("延長の要件を説明した")
    state = models.CharField(
        "状態", max_length=16, choices=ApplicationState.choices, default=ApplicationState.APPLIED
    )
    first_month = models.DateField("支給開始月", null=True, blank=True)
    months_awarded = models.PositiveSmallIntegerField("支給決定した月数（延長を含む）", default=0)
    ended_on = models.DateField("終了日", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受付者", on_delete=models.PROTECT, related_name="+"
    )
    submission_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "住居確保給付金の申請"
        verbose_name_plural = "住居確保給付金の申請"
        ordering = ["-application_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(cause=Cause.JOB_LOSS) | Q(job_loss_date__isnull=False),
                name="hb_app_job_loss_has_date",
                violation_error_message="離職・廃業の場合は離職日（廃業日）を入力してください。",
            ),
            models.CheckConstraint(
                condition=~Q(cause=Cause.REDUCED_INCOME) | Q(income_drop_date__isnull=False),
                name="hb_app_reduced_income_has_date",
                violation_error_message="休業等の場合は収入が減少した日を入力してください。",
            ),
            models.CheckConstraint(
                condition=~Q(benefit_type=BenefitType.RELOCATION)
                | (
                    Q(relocation_costs__isnull=False) & Q(supported_by_household_budget_program__isnull=False)
                ),
                name="hb_app_relocation_fields",
                violation_error_message="転居費用補助では家計改善支援の判断と転居費用を入力してください。",
            ),
            models.CheckConstraint(
                condition=Q(explained_stop_conditions=True)
                & Q(explained_extension=True)
                & Q(explained_extension_requirements=True),
                name="hb_app_explained",
                violation_error_message="中止事項・延長・延長の要件を説明したことを記録してください。",
            ),
            models.CheckConstraint(
                condition=Q(household_size__gte=1) & Q(household_size__lte=20),
                name="hb_app_household_size_1_20",
                violation_error_message="世帯人数は1〜20人です。",
            ),
            models.CheckConstraint(
                condition=Q(months_awarded__lte=hr.MAX_PERIOD_MONTHS),
                name="hb_app_months_max_9",
                violation_error_message="支給期間は通算9か月までです。",
            ),
            models.CheckConstraint(
                condition=Q(previous_award_last_payment_date__isnull=True) | ~Q(reaward_cause=""),
                name="hb_app_reaward_has_cause",
                violation_error_message="前回の受給がある場合は今回の困窮の理由を選んでください。",
            ),
            models.CheckConstraint(
                condition=Q(state=ApplicationState.APPLIED)
                | Q(state=ApplicationState.REJECTED)
                | (Q(first_month__isnull=False) & Q(months_awarded__gte=1)),
                name="hb_app_awarded_has_period",
            ),
            models.CheckConstraint(condition=Q(state__in=ApplicationState.values), name="hb_app_state_valid"),
        ]
        indexes = [
            models.Index(fields=["municipality", "application_date"], name="hb_app_muni_date"),
            models.Index(fields=["agency", "state", "-application_date"], name="hb_app_agency_state"),
            models.Index(fields=["municipality", "state", "-application_date"], name="hb_app_muni_state"),
        ]

    def __str__(self) -> str:
        return f"住居確保給付金 {self.get_benefit_type_display()}（{self.application_date}）"

    @property
    def is_rent(self) -> bool:
        return self.benefit_type == BenefitType.RENT

    @property
    def period_end(self) -> Any:
        if self.first_month is None or not self.months_awarded:
            return None
        return hr.period_end(self.first_month, self.months_awarded)

    def assessment_input(self) -> hr.AssessmentInput:
        return hr.AssessmentInput(
            application_date=self.application_date,
            type=hr.BenefitType(self.benefit_type),
            cause=hr.Cause(self.cause),
            is_main_earner=self.is_main_earner,
            household_size=self.household_size,
            household_monthly_income=self.household_monthly_income,
            household_financial_assets=self.household_financial_assets,
            monthly_rent=self.monthly_rent,
            job_loss_date=self.job_loss_date,
            income_drop_date=self.income_drop_date,
            unable_to_seek_work_days=self.unable_to_seek_work_days,
            previous_award_last_payment_date=self.previous_award_last_payment_date,
            reaward_cause=hr.ReawardCause(self.reaward_cause) if self.reaward_cause else None,
            receives_overlapping_housing_aid=self.receives_overlapping_housing_aid,
            household_member_is_gang_member=self.household_member_is_gang_member,
            supported_by_household_budget_program=self.supported_by_household_budget_program,
            relocation_costs=self.relocation_costs,
        )


class TenantRow(models.Model):
    """The tenancy columns every lifecycle row carries (copied from the application)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        abstract = True


class HousingBenefitDecision(TenantRow):
    """支給決定 or 不支給, by a 自治体担当者, with the rule rows used (to re-explain it later)."""

    application = models.OneToOneField(
        HousingBenefitApplication, on_delete=models.PROTECT, related_name="decision"
    )
    outcome = models.CharField("決定", max_length=8, choices=DecisionOutcome.choices)
    decided_on = models.DateField("決定日")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="決定者", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("理由", blank=True)
    rule = models.ForeignKey(
        HousingBenefitRuleTable,
        verbose_name="適用した基準額表の行",
        on_delete=models.PROTECT,
        related_name="+",
    )
    job_search_rule = models.ForeignKey(
        JobSearchRequirement,
        verbose_name="適用した求職活動等要件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    monthly_amount = models.PositiveIntegerField("支給額（月額、円）", default=0)
    relocation_amount = models.PositiveIntegerField("転居費用補助額（円）", default=0)
    base_amount = models.PositiveIntegerField("基準額（円）")
    rent_cap = models.PositiveIntegerField("家賃上限（円）")
    income_limit = models.PositiveIntegerField("収入基準額（円）")
    asset_limit = models.PositiveIntegerField("資産上限（円）")
    first_month = models.DateField("支給開始月", null=True, blank=True)
    requirements = models.JSONField("判定（決定時）", default=list)

    class Meta:
        verbose_name = "住居確保給付金の決定"
        verbose_name_plural = "住居確保給付金の決定"
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=DecisionOutcome.values), name="hb_decision_outcome_valid"
            ),
            models.CheckConstraint(
                condition=~Q(outcome=DecisionOutcome.REJECT) | ~Q(reason=""),
                name="hb_decision_reject_has_reason",
                violation_error_message="不支給の理由を入力してください。",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=DecisionOutcome.AWARD)
                | (Q(first_month__isnull=False) & (Q(monthly_amount__gt=0) | Q(relocation_amount__gt=0))),
                name="hb_decision_award_has_amount",
                violation_error_message="支給決定には支給額と支給開始月が必要です。",
            ),
            models.CheckConstraint(
                condition=Q(monthly_amount__lte=F("rent_cap")),
                name="hb_decision_monthly_within_cap",
                violation_error_message="支給額が家賃上限を超えています。",
            ),
            models.CheckConstraint(
                condition=Q(relocation_amount__lte=F("rent_cap") * hr.RELOCATION_CAP_MULTIPLIER),
                name="hb_decision_relocation_within_cap",
                violation_error_message="転居費用補助額が上限（家賃上限の3倍）を超えています。",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "decided_on"], name="hb_decision_muni_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}（{self.decided_on}）"


class HousingBenefitExtension(TenantRow):
    """延長 (1回目) / 再延長 (2回目): 3 months each, applied for within the current period."""

    application = models.ForeignKey(
        HousingBenefitApplication, on_delete=models.PROTECT, related_name="extensions"
    )
    sequence = models.PositiveSmallIntegerField("回数")
    applied_on = models.DateField("延長申請日")
    household_monthly_income = models.PositiveIntegerField("延長申請時の世帯の月収（円）")
    household_financial_assets = models.PositiveBigIntegerField("延長申請時の世帯の金融資産（円）")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受付者", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        "状態", max_length=16, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    months_after = models.PositiveSmallIntegerField("延長後の支給月数")
    monthly_amount = models.PositiveIntegerField("延長期間の支給額（月額、円）", default=0)
    rule = models.ForeignKey(
        HousingBenefitRuleTable,
        verbose_name="適用した基準額表の行",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="決定者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_on = models.DateField("決定日", null=True, blank=True)
    reason = models.TextField("理由", blank=True)
    requirements = models.JSONField("判定（決定時）", default=list)

    class Meta:
        verbose_name = "住居確保給付金の延長"
        verbose_name_plural = "住居確保給付金の延長"
        ordering = ["application", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["application", "sequence"], name="hb_ext_unique_sequence"),
            models.CheckConstraint(
                condition=Q(sequence__gte=1) & Q(sequence__lte=hr.MAX_EXTENSIONS),
                name="hb_ext_at_most_twice",
                violation_error_message="延長は2回までです。",
            ),
            models.CheckConstraint(
                condition=Q(months_after__lte=hr.MAX_PERIOD_MONTHS),
                name="hb_ext_months_max_9",
                violation_error_message="支給期間は通算9か月までです。",
            ),
            models.CheckConstraint(
                condition=~Q(state=ExtensionState.REJECTED) | ~Q(reason=""),
                name="hb_ext_reject_has_reason",
                violation_error_message="延長しない理由を入力してください。",
            ),
            models.CheckConstraint(
                condition=~Q(state=ExtensionState.APPROVED) | Q(monthly_amount__gt=0),
                name="hb_ext_approved_has_amount",
            ),
            models.CheckConstraint(condition=Q(state__in=ExtensionState.values), name="hb_ext_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{'延長' if self.sequence == 1 else '再延長'}（{self.get_state_display()}）"


class HousingBenefitPayment(TenantRow):
    """One month's payment to the landlord (代理納付), with the payee recorded."""

    application = models.ForeignKey(
        HousingBenefitApplication, on_delete=models.PROTECT, related_name="payments"
    )
    decision = models.ForeignKey(HousingBenefitDecision, on_delete=models.PROTECT, related_name="payments")
    month_number = models.PositiveSmallIntegerField("支給月（何か月目）")
    month = models.DateField("対象月（1日）")
    amount = models.PositiveIntegerField("支給額（円）")
    payee_name = models.CharField("支払先（貸主・管理会社等）", max_length=100)
    payee_account_holder = models.CharField("口座名義", max_length=100)
    paid_on = models.DateField("支払日")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="記録者", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "住居確保給付金の支給"
        verbose_name_plural = "住居確保給付金の支給"
        ordering = ["application", "month_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "month_number"], name="hb_pay_unique_month_number"
            ),
            models.UniqueConstraint(fields=["application", "month"], name="hb_pay_unique_month"),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="hb_pay_amount_positive",
                violation_error_message="支給額は1円以上です。",
            ),
            models.CheckConstraint(
                condition=Q(month_number__gte=1) & Q(month_number__lte=hr.MAX_PERIOD_MONTHS),
                name="hb_pay_within_9_months",
                violation_error_message="支給は通算9か月までです。",
            ),
            models.CheckConstraint(
                condition=~Q(payee_name="") & ~Q(payee_account_holder=""),
                name="hb_pay_payee_recorded",
                violation_error_message="支払先と口座名義を入力してください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.amount:,}円"


class JobSearchReport(TenantRow):
    """月次の求職活動状況報告, checked against the thresholds in force for that month."""

    application = models.ForeignKey(
        HousingBenefitApplication, on_delete=models.PROTECT, related_name="job_search_reports"
    )
    month = models.DateField("報告月（1日）")
    month_number = models.PositiveSmallIntegerField("支給月（何か月目）")
    centre_consultations = models.PositiveSmallIntegerField("自立相談支援機関での面談（回）")
    counselling = models.PositiveSmallIntegerField("ハローワークの職業相談／経営相談（回）")
    applications = models.PositiveSmallIntegerField("応募／収入増加の取組（回）")
    requirement = models.ForeignKey(
        JobSearchRequirement, verbose_name="適用した要件", on_delete=models.PROTECT, related_name="+"
    )
    met = models.BooleanField("要件を満たす")
    shortfalls = models.JSONField("不足", default=list, blank=True)
    note = models.TextField("備考", blank=True)
    reported_on = models.DateField("報告日")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="記録者", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "求職活動状況報告"
        verbose_name_plural = "求職活動状況報告"
        ordering = ["application", "month"]
        constraints = [
            models.UniqueConstraint(fields=["application", "month"], name="hb_report_unique_month"),
            models.CheckConstraint(
                condition=Q(month_number__gte=1) & Q(month_number__lte=hr.MAX_PERIOD_MONTHS),
                name="hb_report_within_9_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {'達成' if self.met else '未達'}"


class HousingBenefitStop(TenantRow):
    """支給の中止 (施行規則に定める中止事由): from ``effective_month`` on, nothing more is paid."""

    application = models.OneToOneField(
        HousingBenefitApplication, on_delete=models.PROTECT, related_name="stop"
    )
    reason = models.CharField("中止事由", max_length=32, choices=StopReason.choices)
    note = models.TextField("詳細", blank=True)
    effective_month = models.DateField("中止する月（この月から支給しない）")
    decided_on = models.DateField("決定日")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="決定者", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "住居確保給付金の中止"
        verbose_name_plural = "住居確保給付金の中止"
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=StopReason.values), name="hb_stop_reason_valid"),
            models.CheckConstraint(
                condition=~Q(reason=StopReason.OTHER) | ~Q(note=""),
                name="hb_stop_other_has_note",
                violation_error_message="「その他」の場合は詳細を入力してください。",
            ),
        ]

    def __str__(self) -> str:
        return self.get_reason_display()


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
        return f"{self.get_training_type_display()}（{self.decided_on} 決定）"


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
        return f"{self.get_program_display()}（{self.start_on}〜{self.end_on}）"

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
        return f"経過報告（{self.reported_on}）"


# =====================================================================================================
# 家計改善支援: 家計表, 債務・滞納, 家計計画, 貸付 (生活福祉資金)
# =====================================================================================================


class BudgetLineKind(models.TextChoices):
    INCOME = "income", "収入"
    EXPENSE = "expense", "支出"


class IncomeCategory(models.TextChoices):
    SALARY = "salary", "給与"
    PENSION = "pension", "年金"
    ALLOWANCE = "allowance", "手当（児童手当等）"
    OTHER_BENEFIT = "other_benefit", "生活保護以外の給付"
    SUPPORT = "support", "仕送り"
    OTHER_INCOME = "other_income", "その他の収入"


class ExpenseCategory(models.TextChoices):
    HOUSING = "housing", "住居費"
    FOOD = "food", "食費"
    UTILITIES = "utilities", "水道光熱費"
    COMMUNICATION = "communication", "通信費"
    INSURANCE = "insurance", "保険料"
    EDUCATION = "education", "教育費"
    MEDICAL = "medical", "医療費"
    LOAN_REPAYMENT = "loan_repayment", "借入返済"
    OTHER_EXPENSE = "other_expense", "その他"


class DebtKind(models.TextChoices):
    TAX = "tax", "税"
    RENT = "rent", "家賃"
    UTILITY = "utility", "公共料金"
    LOAN = "loan", "借入"
    OTHER = "other", "その他"


class DebtStatus(models.TextChoices):
    ARREARS = "arrears", "滞納中"
    INSTALMENTS = "instalments", "分納中"
    CONSULTING = "consulting", "相談中"
    REPAID = "repaid", "完済"
    RESTRUCTURING = "restructuring", "債務整理中"


class LoanKind(models.TextChoices):
    GENERAL_SUPPORT = "general_support", "総合支援資金"
    EMERGENCY_SMALL = "emergency_small", "緊急小口資金"
    WELFARE = "welfare", "福祉資金"
    EDUCATION = "education", "教育支援資金"


class LoanStatus(models.TextChoices):
    CONSULTING = "consulting", "相談中"
    APPLIED = "applied", "申請中"
    APPROVED = "approved", "貸付決定"
    REJECTED = "rejected", "不承認"
    REPAYING = "repaying", "償還中"
    EXEMPTED = "exempted", "償還免除"
    REPAID = "repaid", "償還済み"


BUDGET_CATEGORY_VALUES = IncomeCategory.values + ExpenseCategory.values


class BudgetRow(models.Model):
    """Tenancy columns of every 家計改善支援 row (copied from the case)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, verbose_name="ケース", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="記入者", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        abstract = True


class HouseholdBudgetSheet(BudgetRow):
    """家計表: one month's income and expenses as of a date (lines below, integer yen)."""

    as_of = models.DateField("基準日")
    note = models.TextField("備考", blank=True)

    class Meta:
        verbose_name = "家計表"
        verbose_name_plural = "家計表"
        ordering = ["-as_of", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "as_of"], name="budget_sheet_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"家計表（{self.as_of}）"


class BudgetLine(models.Model):
    sheet = models.ForeignKey(HouseholdBudgetSheet, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField("収入／支出", max_length=8, choices=BudgetLineKind.choices)
    category = models.CharField("項目", max_length=20)
    amount = models.PositiveIntegerField("月額（円）")

    class Meta:
        verbose_name = "家計表の行"
        verbose_name_plural = "家計表の行"
        ordering = ["sheet", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "kind", "category"], name="budget_line_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=BudgetLineKind.values), name="budget_line_kind_valid"
            ),
            models.CheckConstraint(
                condition=(Q(kind="income") & Q(category__in=IncomeCategory.values))
                | (Q(kind="expense") & Q(category__in=ExpenseCategory.values)),
                name="budget_line_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="budget_line_amount_nonnegative",
                violation_error_message="金額は0円以上の整数で入力してください。",
            ),
        ]

    @property
    def category_label(self) -> str:
        choices = IncomeCategory if self.kind == BudgetLineKind.INCOME else ExpenseCategory
        return str(dict(choices.choices).get(self.category, self.category))


class Debt(BudgetRow):
    """債務・滞納 (税・家賃・公共料金・借入)."""

    sheet = models.ForeignKey(
        HouseholdBudgetSheet, null=True, blank=True, on_delete=models.PROTECT, related_name="debts"
    )
    kind = models.CharField("種類", max_length=16, choices=DebtKind.choices)
    creditor = models.CharField("債権者・滞納先", max_length=200)
    amount = models.PositiveBigIntegerField("残額（円）")
    monthly_repayment = models.PositiveIntegerField("月々の返済・分納額（円）", default=0)
    status = models.CharField("状況", max_length=16, choices=DebtStatus.choices)
    note = models.TextField("備考", blank=True)

    class Meta:
        verbose_name = "債務・滞納"
        verbose_name_plural = "債務・滞納"
        ordering = ["case", "kind", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DebtKind.values), name="debt_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=DebtStatus.values), name="debt_status_valid"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(monthly_repayment__gte=0),
                name="debt_amounts_nonnegative",
                violation_error_message="金額は0円以上の整数で入力してください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.creditor}"


class BudgetPlan(BudgetRow):
    """家計計画 (家計再生プラン): goals and the monthly plan."""

    sheet = models.ForeignKey(
        HouseholdBudgetSheet, null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    made_on = models.DateField("作成日")
    goals = models.TextField("目標")
    monthly_plan = models.TextField("月々の家計の計画")
    monthly_saving_target = models.PositiveIntegerField("月々の貯蓄・返済の目標（円）", default=0)
    review_on = models.DateField("見直し予定日", null=True, blank=True)

    class Meta:
        verbose_name = "家計計画"
        verbose_name_plural = "家計計画"
        ordering = ["-made_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_on__isnull=True) | Q(review_on__gte=F("made_on")),
                name="budget_plan_review_after_made",
                violation_error_message="見直し予定日は作成日以降にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"家計計画（{self.made_on}）"


class LoanLink(BudgetRow):
    """生活福祉資金 (社会福祉協議会) linked to the case."""

    kind = models.CharField("資金の種類", max_length=20, choices=LoanKind.choices)
    applied_on = models.DateField("申請日（相談日）")
    status = models.CharField("状況", max_length=16, choices=LoanStatus.choices)
    amount = models.PositiveIntegerField("貸付額（円）", null=True, blank=True)
    note = models.TextField("備考", blank=True)

    class Meta:
        verbose_name = "生活福祉資金の利用"
        verbose_name_plural = "生活福祉資金の利用"
        ordering = ["-applied_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LoanKind.values), name="loan_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=LoanStatus.values), name="loan_status_valid"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="loan_amount_nonnegative",
                violation_error_message="金額は0円以上の整数で入力してください。",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "applied_on"], name="loan_muni_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.get_status_display()}）"
