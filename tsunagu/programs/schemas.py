"""Typed API schemas for 住居確保給付金 (one per operation; never model-derived for input).

Yen are strict integers (``1.5``, ``"1000"`` or ``true`` are refused with a Japanese message);
dates are ISO strings (``2025-04-01``). Rules that depend on other fields (a date required for the
chosen cause, fields required for 転居費用補助, the municipality's table) are checked by the same
validation as the screen, and answer 422 with a message per field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator

# Record ids: beyond a 64-bit integer is bad input (422), never a database error.
from tsunagu.core.bounds import Id

from .validation import MAX_ASSET_YEN, MAX_HOUSEHOLD, MAX_MONTHLY_YEN

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date_text(value: Any) -> Any:
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("日付は YYYY-MM-DD 形式の文字列で入力してください（例：2025-04-01）。")
    if not _ISO_DATE.match(value):
        raise ValueError("日付は YYYY-MM-DD 形式で入力してください（例：2025-04-01）。")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("存在しない日付です。年月日を確認してください（例：2025-04-01）。") from exc


ISODate = Annotated[date, BeforeValidator(_iso_date_text)]
Yen = Annotated[int, Field(strict=True, ge=0, le=MAX_MONTHLY_YEN)]
AssetYen = Annotated[int, Field(strict=True, ge=0, le=MAX_ASSET_YEN)]
Count = Annotated[int, Field(strict=True, ge=0, le=99)]


class HousingAssessIn(Schema):
    municipality_code: str = Field(..., description="全国地方公共団体コード（6桁、例：131041）")
    application_date: ISODate = Field(..., description="申請日")
    type: Literal["rent", "relocation"] = Field(..., description="rent = 家賃補助, relocation = 転居費用補助")
    cause: Literal["job_loss", "reduced_income"] = Field(
        ..., description="job_loss = 離職・廃業, reduced_income = 休業等"
    )
    job_loss_date: ISODate | None = Field(None, description="離職・廃業日（job_loss のとき必須）")
    income_drop_date: ISODate | None = Field(
        None, description="収入が減少した日（reduced_income のとき必須）"
    )
    is_main_earner: bool = Field(..., description="主たる生計維持者か")
    household_size: Annotated[int, Field(strict=True, ge=1, le=MAX_HOUSEHOLD)] = Field(
        ..., description="世帯人数"
    )
    household_monthly_income: Yen = Field(..., description="世帯の月収（円）")
    household_financial_assets: AssetYen = Field(..., description="世帯の金融資産（円）")
    monthly_rent: Yen = Field(..., description="家賃月額（共益費・管理費を除く、円）")
    unable_to_seek_work_days: Annotated[int, Field(strict=True, ge=0, le=1461)] | None = Field(
        None,
        description="疾病・負傷・育児等で求職活動ができなかった期間の日数（30日以上の期間のみ延長の対象）",
    )
    previous_award_last_payment_date: ISODate | None = Field(
        None, description="前回受給の最後の支給月（日付）"
    )
    reaward_cause: Literal["dismissal", "business_closure", "reduced_income", "other"] | None = Field(
        None, description="再支給の理由（前回受給がある場合は必須）"
    )
    receives_overlapping_housing_aid: bool = Field(..., description="類似の住宅給付を受けているか")
    household_member_is_gang_member: bool = Field(..., description="本人・世帯員が暴力団員か")
    supported_by_household_budget_program: bool | None = Field(
        None, description="家計改善支援事業で転居の必要性等の判断を受けたか（relocation のとき必須）"
    )
    relocation_costs: Yen | None = Field(None, description="転居費用（対象経費、円。relocation のとき必須）")


class RequirementOut(Schema):
    code: str
    met: bool | None = Field(..., description="true = 満たす, false = 満たさない, null = 書類で確認")
    status: Literal["met", "not_met", "evidence_needed"]
    message_ja: str


class HousingAssessOut(Schema):
    eligible: bool
    monthly_amount: int
    relocation_amount: int
    base_amount: int
    rent_cap: int
    income_limit: int
    asset_limit: int
    period_months: int
    rule_effective_from: date
    requirements: list[RequirementOut]


class HousingApplicationIn(Schema):
    case_id: Id
    application_date: ISODate
    type: Literal["rent", "relocation"]
    cause: Literal["job_loss", "reduced_income"]
    job_loss_date: ISODate | None = None
    income_drop_date: ISODate | None = None
    is_main_earner: bool
    household_size: Annotated[int, Field(strict=True, ge=1, le=MAX_HOUSEHOLD)]
    household_monthly_income: Yen
    household_financial_assets: AssetYen
    monthly_rent: Yen
    unable_to_seek_work_days: Annotated[int, Field(strict=True, ge=0, le=1461)] | None = None
    previous_award_last_payment_date: ISODate | None = None
    reaward_cause: Literal["dismissal", "business_closure", "reduced_income", "other"] | None = None
    receives_overlapping_housing_aid: bool
    household_member_is_gang_member: bool
    supported_by_household_budget_program: bool | None = None
    relocation_costs: Yen | None = None
    payee_name: str = Field("", max_length=100, description="支払先（貸主・管理会社等）")
    payee_account_holder: str = Field("", max_length=100, description="口座名義")
    explained_stop_conditions: bool = Field(..., description="中止事項を説明した")
    explained_extension: bool = Field(..., description="延長できることを説明した")
    explained_extension_requirements: bool = Field(..., description="延長の要件を説明した")
    idempotency_key: str | None = Field(
        None,
        max_length=64,
        description="二重送信防止キー（英数字と _ . : - の8〜64文字）。同じ利用者が同じキーで送り直すと、最初の申請を返します",
    )
    submission_token: str | None = Field(
        None, max_length=64, description="二重送信防止用の文字列（旧名。idempotency_key と同じ働き）"
    )


class HousingBenefitDecisionIn(Schema):
    outcome: Literal["award", "reject"]
    decided_on: ISODate
    reason: str = Field("", max_length=2000)
    first_month: ISODate | None = Field(None, description="支給開始月（省略時は申請月）")


class PaymentIn(Schema):
    month: ISODate = Field(..., description="対象月（その月の任意の日）")
    paid_on: ISODate
    amount: Yen | None = Field(None, description="省略時は決定した月額")
    payee_name: str = Field("", max_length=100)
    payee_account_holder: str = Field("", max_length=100)


class JobSearchReportIn(Schema):
    month: ISODate
    centre_consultations: Count
    counselling: Count
    applications: Count
    reported_on: ISODate
    note: str = Field("", max_length=2000)


class ExtensionApplyIn(Schema):
    applied_on: ISODate
    household_monthly_income: Yen
    household_financial_assets: AssetYen


class ExtensionDecideIn(Schema):
    approve: bool
    decided_on: ISODate
    reason: str = Field("", max_length=2000)


class StopIn(Schema):
    reason: Literal[
        "not_seeking_work",
        "employment_or_income",
        "left_dwelling",
        "false_statement",
        "gang_member",
        "imprisonment",
        "public_assistance",
        "other",
    ]
    effective_month: ISODate
    decided_on: ISODate
    note: str = Field("", max_length=2000)


class EndIn(Schema):
    ended_on: ISODate


class HousingBenefitDecisionOut(Schema):
    id: int
    outcome: str
    outcome_ja: str
    decided_on: date
    reason: str
    monthly_amount: int
    relocation_amount: int
    base_amount: int
    rent_cap: int
    income_limit: int
    asset_limit: int
    first_month: date | None
    rule_id: int
    rule_effective_from: date
    rule_revision: int
    requirements: list[RequirementOut]


class PaymentOut(Schema):
    id: int
    month: date
    month_number: int
    amount: int
    payee_name: str
    payee_account_holder: str
    paid_on: date


class JobSearchReportOut(Schema):
    id: int
    month: date
    month_number: int
    centre_consultations: int
    counselling: int
    applications: int
    met: bool
    shortfalls: list[str]


class ExtensionOut(Schema):
    id: int
    sequence: int
    applied_on: date
    state: str
    state_ja: str
    months_after: int
    monthly_amount: int
    decided_on: date | None


class HousingApplicationOut(Schema):
    id: int
    case_id: int
    person_id: int
    municipality_code: str
    type: str
    type_ja: str
    cause: str
    application_date: date
    state: str
    state_ja: str
    first_month: date | None
    months_awarded: int
    period_end: date | None
    version: int
    decision: HousingBenefitDecisionOut | None
    payments: list[PaymentOut]
    job_search_reports: list[JobSearchReportOut]
    extensions: list[ExtensionOut]


class HousingApplicationListOut(Schema):
    items: list[HousingApplicationOut]
    page: int
    pages: int
    count: int


# --- Other programmes ---------------------------------------------------------------

Program = Literal[
    "employment_preparation", "certified_training", "temporary_living", "housing_support", "child_learning"
]


class EnrolmentIn(Schema):
    case_id: Id = Field(..., description="ケースID")
    plan_id: Id = Field(..., description="利用を申し込んだプランのID")
    program: Program = Field(
        ...,
        description="employment_preparation = 就労準備支援, certified_training = 認定就労訓練, "
        "temporary_living = 一時生活支援（シェルター）, housing_support = 居住支援, child_learning = 子どもの学習・生活支援",
    )
    start_on: ISODate = Field(..., description="利用開始日")
    end_on: ISODate = Field(..., description="利用終了予定日（就労準備は1年以内、シェルターは原則3か月以内）")
    provider_name: str = Field("", max_length=200, description="実施事業者・施設（認定就労訓練以外は必須）")
    certified_provider_id: Id | None = Field(
        None, description="認定就労訓練事業所のID（認定就労訓練のとき必須）"
    )
    training_decision_id: Id | None = Field(
        None, description="雇用型／非雇用型の決定のID（省略時は最新の決定）"
    )
    idempotency_key: str | None = Field(
        None, max_length=64, description="二重送信防止キー（任意。英数字と _ . : - の8〜64文字）"
    )


class ProgressReportIn(Schema):
    reported_on: ISODate
    content: str = Field(..., max_length=2000)
    planned_days: Annotated[int, Field(strict=True, ge=0, le=366)] | None = None
    attended_days: Annotated[int, Field(strict=True, ge=0, le=366)] | None = None
    idempotency_key: str | None = Field(
        None, max_length=64, description="二重送信防止キー（任意。英数字と _ . : - の8〜64文字）"
    )


class ProgressReportOut(Schema):
    id: int
    reported_on: date
    content: str
    planned_days: int | None
    attended_days: int | None
    author: str


class EnrolmentEndIn(Schema):
    ended_on: ISODate
    hand_back_kind: Literal["hello_work", "general_employment", "other"] = Field(
        ..., description="hello_work = ハローワークへの引継ぎ, general_employment = 一般就労, other = その他"
    )
    hand_back_on: ISODate | None = None
    note: str = Field("", max_length=2000)


class EnrolmentExtendIn(Schema):
    end_on: ISODate
    reason: str = Field(..., max_length=2000)


class EnrolmentOut(Schema):
    id: int
    case_id: int
    plan_id: int
    program: str
    program_ja: str
    start_on: date
    end_on: date
    standard_limit_on: date
    maximum_limit_on: date | None
    provider: str
    certified_provider_id: int | None
    training_type: str | None
    status: str
    status_ja: str
    ended_on: date | None
    hand_back_kind: str
    hand_back_on: date | None
    extension_recorded_on: date | None
    warnings: list[str]
    progress_reports: list[ProgressReportOut]
    version: int


class EnrolmentListOut(Schema):
    items: list[EnrolmentOut]
    count: int


# --- 家計改善支援 -------------------------------------------------------------------

BudgetYen = Annotated[int, Field(strict=True, ge=0, le=MAX_MONTHLY_YEN)]


class BudgetSheetIn(Schema):
    as_of: ISODate = Field(..., description="基準日")
    incomes: dict[str, BudgetYen] = Field(
        default_factory=dict,
        description="収入（円、整数）: salary 給与, pension 年金, allowance 手当, other_benefit 生活保護以外の給付, "
        "support 仕送り, other_income その他",
    )
    expenses: dict[str, BudgetYen] = Field(
        default_factory=dict,
        description="支出（円、整数）: housing 住居費, food 食費, utilities 水道光熱費, communication 通信費, "
        "insurance 保険料, education 教育費, medical 医療費, loan_repayment 借入返済, other_expense その他",
    )
    note: str = Field("", max_length=2000)


class BudgetLineOut(Schema):
    kind: str
    category: str
    category_ja: str
    amount: int


class BudgetSheetOut(Schema):
    id: int
    as_of: date
    note: str
    lines: list[BudgetLineOut]
    income_total: int
    expense_total: int
    balance: int


class DebtOut(Schema):
    id: int
    kind: str
    kind_ja: str
    creditor: str
    amount: int
    monthly_repayment: int
    status: str
    status_ja: str


class BudgetPlanOut(Schema):
    id: int
    made_on: date
    goals: str
    monthly_plan: str
    monthly_saving_target: int
    review_on: date | None


class LoanOut(Schema):
    id: int
    kind: str
    kind_ja: str
    applied_on: date
    status: str
    status_ja: str
    amount: int | None


class HouseholdBudgetOut(Schema):
    case_id: int
    sheets: list[BudgetSheetOut]
    debts: list[DebtOut]
    plans: list[BudgetPlanOut]
    loans: list[LoanOut]


class DebtIn(Schema):
    kind: Literal["tax", "rent", "utility", "loan", "other"]
    creditor: str = Field(..., max_length=200)
    amount: Annotated[int, Field(strict=True, ge=0, le=999_999_999)]
    monthly_repayment: BudgetYen = 0
    status: Literal["arrears", "instalments", "consulting", "repaid", "restructuring"]
    note: str = Field("", max_length=2000)
    idempotency_key: str | None = Field(
        None, max_length=64, description="二重送信防止キー（任意。英数字と _ . : - の8〜64文字）"
    )


class BudgetPlanIn(Schema):
    made_on: ISODate
    goals: str = Field(..., max_length=2000)
    monthly_plan: str = Field(..., max_length=2000)
    monthly_saving_target: BudgetYen = 0
    review_on: ISODate | None = None
    idempotency_key: str | None = Field(
        None, max_length=64, description="二重送信防止キー（任意。英数字と _ . : - の8〜64文字）"
    )


class LoanIn(Schema):
    kind: Literal["general_support", "emergency_small", "welfare", "education"] = Field(
        ..., description="総合支援資金・緊急小口資金・福祉資金・教育支援資金"
    )
    applied_on: ISODate
    status: Literal["consulting", "applied", "approved", "rejected", "repaying", "exempted", "repaid"]
    amount: Annotated[int, Field(strict=True, ge=0, le=999_999_999)] | None = None
    note: str = Field("", max_length=2000)
    idempotency_key: str | None = Field(
        None, max_length=64, description="二重送信防止キー（任意。英数字と _ . : - の8〜64文字）"
    )


# --- Figures from the assessment (GET /api/v1/cases/{case_id}/assessment-figures) -----------------


class FigureOut(Schema):
    value: int | None = Field(..., description="値（円・人）。記録に値がなければ null")
    source: str | None = Field(
        ..., description="出典（「アセスメント第2版（令和8年11月30日）」「世帯構成」）。値がなければ null"
    )


class IncomeFigureOut(FigureOut):
    category: str
    category_ja: str


class DebtFigureOut(Schema):
    kind: str
    kind_ja: str
    creditor: str
    amount: int
    monthly_repayment: int | None
    source: str | None


class AssessmentRefOut(Schema):
    id: int
    number: int
    assessed_on: date


class AssessmentFiguresOut(Schema):
    case_id: int
    assessment: AssessmentRefOut | None = Field(
        ..., description="出典の版（閲覧できる最新の版）。なければ null"
    )
    household_size: FigureOut = Field(..., description="世帯人数（本人＋同居の世帯員）")
    monthly_income: FigureOut = Field(..., description="世帯の月収（アセスメントの月収の合計）")
    financial_assets: FigureOut = Field(..., description="金融資産（預貯金・現金）")
    monthly_rent: FigureOut = Field(..., description="家賃月額")
    incomes: list[IncomeFigureOut] = Field(..., description="月収（収入の種類ごと、家計表と同じ区分）")
    debts: list[DebtFigureOut] = Field(..., description="債務・滞納（家計改善支援と同じ種類）")
