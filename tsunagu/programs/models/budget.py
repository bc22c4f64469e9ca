"""家計改善支援: 家計表, 債務・滞納, 家計計画, 貸付 (生活福祉資金)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from tsunagu.cases.models import Case, DebtKind, IncomeCategory  # shared with the assessment
from tsunagu.core.dates import wareki
from tsunagu.organizations.models import Agency, Municipality

# =====================================================================================================
# 家計改善支援: 家計表, 債務・滞納, 家計計画, 貸付 (生活福祉資金)
# =====================================================================================================


class BudgetLineKind(models.TextChoices):
    INCOME = "income", "収入"
    EXPENSE = "expense", "支出"


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
        return f"家計表（{wareki(self.as_of)}）"


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

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.category_label} {self.amount:,}円"

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
        return f"家計計画（{wareki(self.made_on)}）"


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
