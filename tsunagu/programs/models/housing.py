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
from tsunagu.core.dates import wareki
from tsunagu.core.models import AppendOnlyModel, AppendOnlyQuerySet, VersionedModel
from tsunagu.organizations.models import Agency, Municipality
from tsunagu.persons.models import Person

from .. import housing_rules as hr


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
    r"|[（(]\s*要確認\s*[）)]"  # research markers of the first seed (基準額172,000円（要確認）)
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


class GradeArea(models.TextChoices):
    """級地 (生活保護法による保護の基準, 別表第1 の級地区分) — the 家賃上限 follows the 住宅扶助基準額 of it."""

    G1_1 = "1-1", "1級地-1"
    G1_2 = "1-2", "1級地-2"
    G2_1 = "2-1", "2級地-1"
    G2_2 = "2-2", "2級地-2"
    G3_1 = "3-1", "3級地-1"
    G3_2 = "3-2", "3級地-2"


class HousingRuleDraftStatus(models.TextChoices):
    DRAFT = "draft", "確認待ち"
    APPROVED = "approved", "確定済み"
    WITHDRAWN = "withdrawn", "取下げ"


class HousingRuleDraft(VersionedModel):
    """A whole 基準額表 prepared for an effective date (入力または取込み), reviewed beside the table in
    force, then confirmed (基準額表の確定): only then are the append-only rule rows written. ``rows``
    holds one dict per household size (household_size, applies_to_larger, base_amount, rent_cap,
    asset_limit, grade_area)."""

    municipality = models.ForeignKey(
        Municipality, verbose_name="自治体", on_delete=models.PROTECT, related_name="+"
    )
    effective_from = models.DateField("適用開始日")
    rows = models.JSONField("行", default=list)
    source = models.CharField("出典", max_length=500)
    note = models.TextField("変更理由・備考", blank=True)
    origin = models.CharField("作成方法", max_length=20, default="entry")
    status = models.CharField(
        "状態", max_length=20, choices=HousingRuleDraftStatus.choices, default=HousingRuleDraftStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="作成者", on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="確定者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("確定日時", null=True, blank=True)

    class Meta:
        verbose_name = "住居確保給付金 基準額表（確定前）"
        verbose_name_plural = "住居確保給付金 基準額表（確定前）"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return (
            f"{self.municipality} 基準額表（{wareki(self.effective_from)}から・{self.get_status_display()}）"
        )


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
    # Nullable so that adding it keeps the append-only triggers (SQLite adds the column in place).
    grade_area = models.CharField(  # noqa: DJ001
        "級地", max_length=10, null=True, blank=True, choices=GradeArea.choices
    )

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
        return f"{self.municipality} {self.household_size}人{more}世帯（{wareki(self.effective_from)}〜 第{self.revision}版）"

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
        return f"{where} {self.get_cause_display()}（{wareki(self.effective_from)}〜 第{self.revision}版）"

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
        return f"住居確保給付金 {self.get_benefit_type_display()}（{wareki(self.application_date)}）"

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
        return f"{self.get_outcome_display()}（{wareki(self.decided_on)}）"


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
        return f"{hr.month_label(self.month)} {self.amount:,}円"


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
        return f"{hr.month_label(self.month)} {'達成' if self.met else '未達'}"


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
