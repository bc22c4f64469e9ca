"""Cases: 相談受付・申込票 (intake), the case's state, emergency support before a plan."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q

from tsunagu.core.dates import fiscal_year_label, wareki, wareki_datetime
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
    # 取消: opened by mistake. The case leaves every list and statistic (``Case.objects``); it
    # stays in the audit trail and in ``Case.all_cases``.
    CANCELLED = "cancelled", "取消"


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


# One open case per person and agency: a new 受付 for a person with a case in one of these states
# (any state before 終結・中断・取消) is recorded in that case unless a reason for a second is given.
UNFINISHED_STATES = frozenset(
    {
        CaseState.INTAKE,
        CaseState.APPLIED,
        CaseState.ASSESSMENT,
        CaseState.PLANNING,
        CaseState.COORDINATION_MEETING,
        CaseState.DECIDED,
        CaseState.IN_SUPPORT,
        CaseState.EVALUATION,
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
        verbose_name = "ケース番号の採番"
        verbose_name_plural = "ケース番号の採番"
        constraints = [models.UniqueConstraint(fields=["agency", "fiscal_year"], name="casenumberseq_unique")]

    def __str__(self) -> str:
        return f"{self.agency} {fiscal_year_label(self.fiscal_year)}のケース番号"


class LiveCaseManager(models.Manager["Case"]):
    """``Case.objects``: every case except those 取消 (cancelled as opened by mistake).

    The one mechanism that takes a cancelled case out of every list and every statistic: lists,
    the dashboard, the statistics and the exports all start from ``Case.objects`` (through
    ``cases.selectors.cases_visible_to`` or directly). ``Case.all_cases`` (the default manager,
    used by Django for relations and validation) still holds them, for the audit trail.
    """

    use_in_migrations = True

    def get_queryset(self) -> models.QuerySet[Case]:
        return super().get_queryset().exclude(state=CaseState.CANCELLED)


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
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        help_text="未定（空）は、委託先の変更で移行元の職員の担当から外れ、まだ割り当てていないケース。",
    )
    opened_on = models.DateField("受付日")
    closed_on = models.DateField("終結日", null=True, blank=True)
    closure_reason = models.CharField("終結理由", max_length=40, blank=True)
    is_emergency = models.BooleanField("緊急的な支援あり", default=False)
    topics = models.JSONField("相談したいこと", default=list, blank=True)
    last_contact_on = models.DateField("最終接触日", null=True, blank=True)

    all_cases = models.Manager()
    objects = LiveCaseManager()

    class Meta:
        verbose_name = "ケース"
        verbose_name_plural = "ケース"
        default_manager_name = "all_cases"
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "fiscal_year", "number_in_year"], name="case_number_unique"
            ),
            models.UniqueConstraint(fields=["agency", "case_number"], name="case_number_text_unique"),
        ]
        indexes = [
            models.Index(fields=["municipality", "closed_on"], name="case_muni_closed"),
            # The caseworker's dashboard totals as an index-only scan (docs/performance.md, O3).
            models.Index(
                fields=["assigned_worker", "agency", "state", "is_emergency", "last_contact_on", "id"],
                name="case_worker_totals",
            ),
            models.Index(fields=["municipality", "opened_on"], name="case_muni_opened"),
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
    # B票 (staff add by asking): the situation at 受付, codes of the 区分マスタ lists named.
    work_status = models.CharField("仕事", max_length=40, blank=True)  # CodeList.WORK_STATUS
    housing_type = models.CharField("住居", max_length=40, blank=True)  # CodeList.HOUSING_TYPE
    health_insurance = models.CharField("健康保険", max_length=40, blank=True)  # CodeList.HEALTH_INSURANCE
    pension_status = models.CharField("年金", max_length=40, blank=True)  # CodeList.PENSION_STATUS
    screening_outcome = models.CharField(
        "スクリーニング結果", max_length=16, choices=ScreeningOutcome.choices, blank=True
    )
    screening_referral_to = models.CharField("つなぎ先", max_length=40, blank=True)
    screening_note = models.TextField("スクリーニングの所見", blank=True)
    applied_on = models.DateField("利用申込日", null=True, blank=True)
    second_case_reason = models.TextField(
        "別のケースとして受け付ける理由",
        blank=True,
        help_text="同じ方に終結・中断していないケースがあるのに、新しいケースを開いた理由。",
    )
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

    # The ``core.idempotency`` scope of an intake's submission token.

    def __str__(self) -> str:
        return f"相談受付（{wareki(self.received_at)}）"


INTAKE_SCOPE = "intake"


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

    def __str__(self) -> str:
        return f"プラン策定前の支援（{wareki(self.started_on)}）"


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

    # --- The support process after intake (手引き Ch. III) -----------------------------------------

    def __str__(self) -> str:
        return f"{self.get_from_state_display()}→{self.get_to_state_display()}（{wareki(self.occurred_at)}）"


class ProcessRecord(VersionedModel):
    """Common fields of every process record: its case and tenancy, who wrote it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="記入者"
    )

    class Meta:
        abstract = True


class DisabilityCertificate(models.TextChoices):
    YES = "yes", "有"
    NO = "no", "無"
    APPLYING = "applying", "申請中"


class Urgency(models.TextChoices):
    HIGH = "high", "高（緊急的な支援が必要）"
    MEDIUM = "medium", "中"
    LOW = "low", "低"


class CertificateKind(models.TextChoices):
    """障害者手帳の種類 (身体障害者福祉法・精神保健福祉法; 療育手帳は都道府県の制度)."""

    PHYSICAL = "physical", "身体障害者手帳"
    INTELLECTUAL = "intellectual", "療育手帳"
    MENTAL = "mental", "精神障害者保健福祉手帳"


# The grades a 手帳 of each kind can have: 身体 1〜6級 (身体障害者福祉法施行規則 別表第5号), 精神 1〜3級
# (精神保健福祉法施行令 第6条), 療育 by the prefecture's own scheme (A・B, A1〜B2, 東京都の愛の手帳 1〜4度).
CERTIFICATE_GRADES: dict[str, tuple[tuple[str, str], ...]] = {
    CertificateKind.PHYSICAL: tuple((str(n), f"{n}級") for n in range(1, 7)),
    CertificateKind.INTELLECTUAL: (
        ("A", "A"),
        ("A1", "A1"),
        ("A2", "A2"),
        ("B", "B"),
        ("B1", "B1"),
        ("B2", "B2"),
        *((f"{n}do", f"{n}度") for n in range(1, 5)),
    ),
    CertificateKind.MENTAL: tuple((str(n), f"{n}級") for n in range(1, 4)),
}


def certificate_grade_label(kind: str, grade: str) -> str:
    return dict(CERTIFICATE_GRADES.get(kind, ())).get(grade, grade)


# --- 収入・資産・債務: the same categories as the 家計改善支援's 家計表 and 債務 (programs re-exports them) --


class IncomeCategory(models.TextChoices):
    SALARY = "salary", "給与"
    PENSION = "pension", "年金"
    ALLOWANCE = "allowance", "手当（児童手当等）"
    OTHER_BENEFIT = "other_benefit", "生活保護以外の給付"
    SUPPORT = "support", "仕送り"
    OTHER_INCOME = "other_income", "その他の収入"


class DebtKind(models.TextChoices):
    TAX = "tax", "税"
    RENT = "rent", "家賃"
    UTILITY = "utility", "公共料金"
    LOAN = "loan", "借入"
    OTHER = "other", "その他"


class PublicBenefitKind(models.TextChoices):
    PENSION = "pension", "年金"
    ALLOWANCE = "allowance", "手当"
    UNEMPLOYMENT = "unemployment", "雇用保険"


# The sections whose free text came before their structured items (健康・障害, 就労, 収入・資産・債務,
# 公的給付): migration 0011 moved their text to ``Assessment.legacy``, shown as 「旧記録」 beside the items.
STRUCTURED_SECTIONS: tuple[str, ...] = ("health", "work", "finances", "public_benefits")


class Assessment(ProcessRecord):
    """インテーク・アセスメントシート. Each save makes a new version (``number``); none is edited in place.

    ``sections`` holds the sheet's sections keyed by ASSESSMENT_SECTIONS; ``issues`` the 抱える課題
    codes (CodeList.ASSESSMENT_ISSUE).
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    number = models.PositiveIntegerField("版")
    assessed_on = models.DateField("実施日")
    sections = models.JSONField("各欄", default=dict, blank=True)
    disability_certificate = models.CharField(
        "障害者手帳", max_length=16, choices=DisabilityCertificate.choices, blank=True
    )
    issues = models.JSONField("抱える課題", default=list, blank=True)
    certificate_kind = models.CharField(
        "手帳の種類", max_length=16, choices=CertificateKind.choices, blank=True
    )
    certificate_grade = models.CharField("手帳の等級・程度", max_length=8, blank=True)
    outpatient = models.BooleanField("通院", null=True, blank=True)
    outpatient_note = models.CharField("通院先・頻度", max_length=200, blank=True)
    medication = models.BooleanField("服薬", null=True, blank=True)
    medication_note = models.CharField("服薬の内容", max_length=200, blank=True)
    work_status = models.CharField("就労の現状", max_length=40, blank=True)  # CodeList.WORK_STATUS
    qualifications = models.TextField("資格・免許", blank=True)
    savings = models.PositiveBigIntegerField("預貯金・現金（円）", null=True, blank=True)
    monthly_rent = models.PositiveIntegerField("家賃月額（円）", null=True, blank=True)
    legacy = models.JSONField("旧記録", default=dict, blank=True)
    strengths = models.TextField("本人の強み", blank=True)
    wishes = models.TextField("本人の意向", blank=True)
    urgency = models.CharField("緊急性", max_length=16, choices=Urgency.choices, blank=True)
    joint_with = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="共同アセスメントの相手（2人で実施）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    shared_with_budget_support = models.BooleanField("家計改善支援員と共有", default=False)
    shared_with = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="共有先の家計改善支援員",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    shared_at = models.DateTimeField("共有日時", null=True, blank=True)

    class Meta:
        verbose_name = "インテーク・アセスメントシート"
        verbose_name_plural = "インテーク・アセスメントシート"
        ordering = ["case", "-number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="assessment_unique_version")]
        indexes = [
            models.Index(fields=["municipality", "assessed_on"], name="assessment_muni_date"),
        ]

    def __str__(self) -> str:
        return f"アセスメント（第{self.number}回・{wareki(self.assessed_on)}）"

    @property
    def certificate_grade_label(self) -> str:
        return certificate_grade_label(self.certificate_kind, self.certificate_grade)


class AssessmentJob(models.Model):
    """職歴 (one row per job), newest first as the caseworker orders them."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="jobs")
    order = models.PositiveIntegerField("順番", default=0)
    period = models.CharField("期間", max_length=60, blank=True)
    employment_type = models.CharField("雇用形態", max_length=40, blank=True)  # CodeList.WORK_STATUS
    work = models.CharField("勤務先・仕事の内容", max_length=200)
    reason_left = models.CharField("離職の理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "職歴"
        verbose_name_plural = "職歴"
        ordering = ["assessment", "order", "id"]

    def __str__(self) -> str:
        return self.work


class AssessmentIncome(models.Model):
    """月収 by source (the 家計表's income categories)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="incomes")
    category = models.CharField("収入の種類", max_length=20, choices=IncomeCategory.choices)
    amount = models.PositiveIntegerField("月額（円）")

    class Meta:
        verbose_name = "月収（収入の種類ごと）"
        verbose_name_plural = "月収（収入の種類ごと）"
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "category"], name="assessment_income_unique"),
            models.CheckConstraint(
                condition=Q(category__in=IncomeCategory.values), name="assessment_income_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="assessment_income_nonnegative",
                violation_error_message="金額は0円以上の整数で入力してください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.amount:,}円"


class AssessmentDebt(models.Model):
    """債務・滞納 by creditor type (the 家計改善支援's 債務 kinds)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="debts")
    kind = models.CharField("債権者の種類", max_length=16, choices=DebtKind.choices)
    creditor = models.CharField("債権者・滞納先", max_length=200, blank=True)
    amount = models.PositiveBigIntegerField("残額（円）")
    monthly_repayment = models.PositiveIntegerField("月々の返済・分納額（円）", null=True, blank=True)

    class Meta:
        verbose_name = "債務・滞納（アセスメント）"
        verbose_name_plural = "債務・滞納（アセスメント）"
        ordering = ["assessment", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DebtKind.values), name="assessment_debt_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount:,}円"


class AssessmentBenefit(models.Model):
    """公的給付: 年金, 手当, 雇用保険 with the monthly amount and the end date."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="benefits")
    kind = models.CharField("給付の種類", max_length=16, choices=PublicBenefitKind.choices)
    name = models.CharField("名称", max_length=100, blank=True)
    monthly_amount = models.PositiveIntegerField("月額（円）", null=True, blank=True)
    ends_on = models.DateField("終了日（予定）", null=True, blank=True)

    class Meta:
        verbose_name = "公的給付"
        verbose_name_plural = "公的給付"
        ordering = ["assessment", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PublicBenefitKind.values), name="assessment_benefit_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


ASSESSMENT_SECTIONS: tuple[tuple[str, str], ...] = (
    ("basic", "基本情報"),
    ("life_history", "生活歴"),
    ("family", "家族・世帯"),
    ("housing", "住まい"),
    ("health", "健康・障害"),
    ("work", "就労（現状・職歴・資格）"),
    ("finances", "収入・資産・債務"),
    ("public_benefits", "公的給付（年金・手当・雇用保険）"),
    ("social", "社会参加・つながり"),
    ("urgency_detail", "緊急性（食料・住居・所持金・医療）"),
    ("policy", "支援方針"),
)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "案"
    SUBMITTED = "submitted", "支援調整会議に提出"
    APPROVED = "approved", "支援調整会議で承認"
    REVISION = "revision", "修正を求められた"
    RETURNED = "returned", "差戻し"
    DECIDED = "decided", "支援決定・確認済み"
    SUPERSEDED = "superseded", "再プランにより終了"
    ENDED = "ended", "終了"


class StatutoryProgram(models.TextChoices):
    """Programmes the plan also applies for (プラン兼事業等利用申込書)."""

    HOUSING_BENEFIT = "housing_benefit", "住居確保給付金"
    EMPLOYMENT_PREPARATION = "employment_preparation", "就労準備支援事業"
    HOUSEHOLD_BUDGET = "household_budget", "家計改善支援事業"
    TEMPORARY_LIVING = "temporary_living", "一時生活支援事業・居住支援"
    CERTIFIED_TRAINING = "certified_training", "認定就労訓練事業のあっせん"
    CHILD_LEARNING = "child_learning", "子どもの学習・生活支援事業"


class SupportPlan(ProcessRecord):
    """プラン兼事業等利用申込書 (施行規則 §1). Re-planning makes a new version (``number``)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans")
    number = models.PositiveIntegerField("版")
    status = models.CharField("状態", max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    based_on_assessment = models.ForeignKey(
        Assessment,
        verbose_name="基にしたアセスメント",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replan_of_evaluation = models.ForeignKey(
        "Evaluation",
        verbose_name="再プランの契機となった評価",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replans",
    )
    wishes = models.TextField("本人の生活に対する意向")
    issues = models.TextField("生活全般の解決すべき課題")
    long_term_goal = models.TextField("長期目標")
    short_term_goal = models.TextField("短期目標", blank=True)
    notes = models.TextField("支援を提供する上での留意事項", blank=True)
    programs = models.JSONField("利用申込する事業", default=list, blank=True)
    employment_support_target = models.BooleanField(
        "就労支援対象者（就労支援を行うプラン）",
        default=False,
        help_text="支援状況調査の「就労支援対象者数」に数えます（就労支援員による就労支援・ハローワーク等へのつなぎを含む）。",
    )
    start_date = models.DateField("プラン期間（開始）")
    end_date = models.DateField("プラン期間（終了）")
    agreed_on = models.DateField("本人の同意日", null=True, blank=True)
    long_period_reason = models.TextField("6か月を超える期間とする理由", blank=True)
    monitoring_interval_days = models.PositiveIntegerField("モニタリング間隔（日）", default=30)
    next_monitoring_on = models.DateField("次回モニタリング日", null=True, blank=True)

    class Meta:
        verbose_name = "プラン兼事業等利用申込書"
        verbose_name_plural = "プラン兼事業等利用申込書"
        ordering = ["case", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="plan_unique_version"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="plan_end_after_start",
                violation_error_message="プラン期間の終了日は開始日以降にしてください。",
            ),
            # One plan in force (not superseded/ended/returned) per case at a time.
            models.UniqueConstraint(
                fields=["case"],
                condition=~Q(status__in=["superseded", "ended", "returned"]),
                name="plan_one_active_per_case",
            ),
        ]
        indexes = [
            # Plans in force by end date and by next monitoring date (dashboard panels, O3).
            models.Index(fields=["end_date"], condition=Q(status="decided"), name="plan_decided_end"),
            models.Index(
                fields=["next_monitoring_on"], condition=Q(status="decided"), name="plan_decided_monitoring"
            ),
        ]

    def __str__(self) -> str:
        return f"プラン（第{self.number}版）"


class GoalTerm(models.TextChoices):
    LONG = "long", "長期"
    SHORT = "short", "短期"


class ProviderKind(models.TextChoices):
    STAFF = "staff", "センター職員"
    PROGRAM = "program", "法定事業"
    PARTNER = "partner", "関係機関"
    RESOURCE = "resource", "社会資源・インフォーマル"


class PlanGoal(models.Model):
    """課題 → 目標 → 支援内容 → 支援機関・担当 → 期間・頻度 (one row of the plan)."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="goals")
    order = models.PositiveIntegerField("順番", default=0)
    term = models.CharField("長期／短期", max_length=8, choices=GoalTerm.choices, default=GoalTerm.SHORT)
    issue = models.TextField("課題")
    goal = models.TextField("目標")
    target_date = models.DateField("達成時期", null=True, blank=True)
    support = models.TextField("支援の種類・内容")
    provider_kind = models.CharField("提供者の種別", max_length=16, choices=ProviderKind.choices)
    provider_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="担当職員",
    )
    provider_program = models.CharField(
        "法定事業", max_length=40, choices=StatutoryProgram.choices, blank=True
    )
    provider_partner = models.ForeignKey(
        PartnerAgency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="関係機関",
    )
    provider_resource = models.CharField("社会資源", max_length=200, blank=True)
    frequency = models.CharField("期間・頻度", max_length=100, blank=True)
    unmet_need = models.BooleanField("対応する社会資源がない（不足している資源）", default=False)
    unmet_need_note = models.TextField("不足している資源の内容", blank=True)

    class Meta:
        verbose_name = "プランの目標と支援"
        verbose_name_plural = "プランの目標と支援"
        ordering = ["plan", "order", "id"]

    def __str__(self) -> str:
        return f"目標{self.order}：{self.goal[:40]}"


class RecordMethod(models.TextChoices):
    INTERVIEW = "interview", "面談"
    PHONE = "phone", "電話"
    VISIT = "visit", "訪問"
    ACCOMPANY = "accompany", "同行"
    EMAIL = "email", "メール"
    CASE_CONFERENCE = "case_conference", "ケース会議"
    AGENCY_CONTACT = "agency_contact", "関係機関連絡"


class SupportRecord(ProcessRecord):
    """支援経過記録: one entry per contact."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="records")
    occurred_at = models.DateTimeField("日時")
    duration_minutes = models.PositiveIntegerField("所要時間（分）", null=True, blank=True)
    method = models.CharField("方法", max_length=20, choices=RecordMethod.choices)
    content = models.TextField("内容")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="対応職員"
    )
    is_monitoring = models.BooleanField("モニタリングとして記録", default=False)

    class Meta:
        verbose_name = "支援経過記録"
        verbose_name_plural = "支援経過記録"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["case", "-occurred_at", "-id"], name="record_case_time")]

    def __str__(self) -> str:
        return f"支援経過記録（{wareki_datetime(self.occurred_at)}）"


class Achievement(models.TextChoices):
    ACHIEVED = "achieved", "達成"
    PARTLY = "partly", "一部達成"
    NOT_ACHIEVED = "not_achieved", "未達成"


class Direction(models.TextChoices):
    CLOSE = "close", "終結"
    REPLAN = "replan", "再プラン"
    SUSPEND = "suspend", "中断"


class Evaluation(ProcessRecord):
    """評価シート: per-goal achievement, changes in the person, and the next direction."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evaluations")
    plan = models.ForeignKey(SupportPlan, on_delete=models.PROTECT, related_name="evaluations")
    evaluated_on = models.DateField("評価日")
    changes = models.JSONField("本人の変化", default=list, blank=True)
    summary = models.TextField("評価の所見", blank=True)
    direction = models.CharField("今後の方向性", max_length=16, choices=Direction.choices)
    closure_reason = models.CharField("終結理由", max_length=40, blank=True)
    follow_up_on = models.DateField("フォローアップ予定日", null=True, blank=True)

    class Meta:
        verbose_name = "評価シート"
        verbose_name_plural = "評価シート"
        ordering = ["case", "-evaluated_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(direction="close") | ~Q(closure_reason=""),
                name="evaluation_close_has_reason",
                violation_error_message="終結の場合は終結理由を選んでください。",
            ),
        ]

    def __str__(self) -> str:
        return f"評価（{wareki(self.evaluated_on)}）"


class GoalResult(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="goal_results")
    goal = models.ForeignKey(PlanGoal, on_delete=models.PROTECT, related_name="results")
    achievement = models.CharField("達成状況", max_length=16, choices=Achievement.choices)
    comment = models.TextField("所見", blank=True)

    class Meta:
        verbose_name = "目標ごとの達成状況"
        verbose_name_plural = "目標ごとの達成状況"
        constraints = [models.UniqueConstraint(fields=["evaluation", "goal"], name="goalresult_unique")]

    def __str__(self) -> str:
        return f"{self.goal}の達成状況"


class EmploymentOutcomeKind(models.TextChoices):
    EMPLOYED = "employed", "就労（就職・就労開始）"
    INCOME_INCREASED = "income_increased", "増収"


class EmploymentOutcome(ProcessRecord):
    """就労・増収の実績: what the 支援状況調査 counts as 就労者 / 増収者 in the month it happened."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="employment_outcomes")
    kind = models.CharField("種別", max_length=20, choices=EmploymentOutcomeKind.choices)
    occurred_on = models.DateField("就労・増収の日")
    employment_type = models.CharField("雇用形態", max_length=40, blank=True)
    employer = models.CharField("就労先", max_length=200, blank=True)
    monthly_income_increase = models.PositiveIntegerField("月収の増加額（円）", null=True, blank=True)
    note = models.TextField("備考", blank=True)

    class Meta:
        verbose_name = "就労・増収の実績"
        verbose_name_plural = "就労・増収の実績"
        ordering = ["case", "-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EmploymentOutcomeKind.values), name="employment_outcome_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "occurred_on"], name="empl_outcome_muni_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{wareki(self.occurred_on)}）"
