"""Typed API schemas per operation (never model-derived for input)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class CaseApiErrorOut(Schema):
    """401 / 403 / 404: one Japanese sentence."""

    detail: str


class CaseApiInvalidInputOut(Schema):
    """422: ``detail`` plus Japanese messages per field (``__all__`` for the whole request)."""

    detail: str
    errors: dict[str, list[str]]


IDEMPOTENCY_KEY_HELP = (
    "二重送信防止キー（任意・英数字と _ . : - の8〜64文字）。同じキーの再送は、最初に作成した記録を返します"
)


class PersonCreateIn(Schema):
    name: str = Field(..., description="漢字氏名")
    kana: str = Field(..., description="フリガナ（カタカナ、ひらがな可）")
    birth_date: date | None = None
    gender: str = ""
    postal_code: str = ""
    address: str = ""
    phone: str = ""
    phone_alt: str = ""
    email: str = ""
    contact_method: str = ""
    contact_times: str = ""
    nationality: str = ""
    housing_status: str = ""
    workplace: str = ""
    is_restricted: bool = False
    restriction_reason: str = ""


class PersonPatchIn(Schema):
    version: int = Field(..., description="取得時の版（楽観的ロック）")
    name: str | None = None
    kana: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    postal_code: str | None = None
    address: str | None = None
    phone: str | None = None
    phone_alt: str | None = None
    email: str | None = None
    contact_method: str | None = None
    contact_times: str | None = None
    nationality: str | None = None
    housing_status: str | None = None
    workplace: str | None = None
    is_restricted: bool | None = None
    restriction_reason: str | None = None


class PersonOut(Schema):
    id: int
    version: int
    name: str
    kana: str
    birth_date: date | None
    gender: str
    postal_code: str
    address: str
    phone: str
    phone_alt: str
    email: str
    workplace: str
    contact_method: str
    contact_times: str
    nationality: str
    housing_status: str
    is_restricted: bool
    restricted_fields_hidden: bool


class DuplicateQueryIn(Schema):
    name: str = ""
    kana: str = ""
    birth_date: date | None = None
    phone: str = ""
    address: str = ""


class DuplicateCandidateOut(Schema):
    person_id: int
    name: str
    kana: str
    birth_date: date | None
    score: float
    reasons: list[str]


class ConsentIn(Schema):
    purposes: list[str]
    recipient_types: list[str] = []
    named_recipient_ids: list[int] = []
    data_categories: list[str] = []
    given_on: date
    method: str
    expires_on: date | None = None


class ConsentWithdrawIn(Schema):
    withdrawn_on: date
    note: str = ""


class ConsentOut(Schema):
    id: int
    person_id: int
    notice_version: int
    purposes: list[str]
    recipient_types: list[str]
    named_recipient_ids: list[int]
    data_categories: list[str]
    given_on: date
    method: str
    expires_on: date | None
    withdrawn_on: date | None
    in_force: bool


class IntakeIn(Schema):
    person_id: int
    received_at: datetime
    method: str
    consulter_type: str = "self"
    consulter_name: str = ""
    consulter_relationship: str = ""
    route: str
    referring_partner_id: int | None = None
    topics: list[str] = []
    main_topic: str = ""
    chief_complaint: str = ""
    urgency_flags: list[str] = []
    work_status: str = Field(
        "",
        description="申込票B票「仕事」：区分マスタ「仕事（申込票B票・就労の現状）」（work_status）のコード。空欄は未記入",
    )
    housing_type: str = Field(
        "",
        description="申込票B票「住居」：区分マスタ「住居（申込票B票）」（housing_type）のコード。空欄は未記入のまま（住まいの状況から補うのは受付画面の初期値だけ）",
    )
    health_insurance: str = Field(
        "",
        description="申込票B票「健康保険」：区分マスタ「健康保険」（health_insurance）のコード。空欄は未記入",
    )
    pension_status: str = Field(
        "", description="申込票B票「年金」：区分マスタ「年金」（pension_status）のコード。空欄は未記入"
    )
    screening_outcome: str = ""
    screening_referral_to: str = ""
    screening_note: str = ""
    applied_on: date | None = None
    submission_token: str | None = Field(
        None, description="二重送信防止用の任意の一意な文字列（同じ職員の再送は最初のケースを返します）"
    )
    assigned_worker_id: int | None = Field(
        None, description="担当者（省略すると自分。他の職員を指定するには担当者の割当て権限が必要）"
    )
    second_case_reason: str = Field(
        "",
        description="この方に終結・中断していないケースがあっても新しいケースを開く理由"
        "（ないと 409 で開いているケースを返します）",
    )


class OpenCaseConflictOut(Schema):
    """409: the person already has a case that is not 終結・中断・取消 (one open case per person)."""

    detail: str
    open_case_id: int = Field(..., description="開いているケースのID（このケースに記録してください）")
    open_case_number: str


class IntakeOut(Schema):
    """相談受付・申込票 as saved, with its version (楽観的ロック) and its case."""

    id: int
    case_id: int
    version: int
    received_at: datetime
    method: str
    consulter_type: str
    consulter_name: str
    consulter_relationship: str
    route: str
    referring_partner_id: int | None
    topics: list[str]
    main_topic: str
    chief_complaint: str
    urgency_flags: list[str]
    work_status: str = Field(
        ...,
        description="申込票B票「仕事」：区分マスタ「仕事（申込票B票・就労の現状）」（work_status）のコード。空欄は未記入",
    )
    housing_type: str = Field(
        ...,
        description="申込票B票「住居」：区分マスタ「住居（申込票B票）」（housing_type）のコード。空欄は未記入",
    )
    health_insurance: str = Field(
        ...,
        description="申込票B票「健康保険」：区分マスタ「健康保険」（health_insurance）のコード。空欄は未記入",
    )
    pension_status: str = Field(
        ..., description="申込票B票「年金」：区分マスタ「年金」（pension_status）のコード。空欄は未記入"
    )
    screening_outcome: str
    screening_referral_to: str
    screening_note: str
    applied_on: date | None
    second_case_reason: str
    case_state: str
    case_state_ja: str


class IntakePatchIn(Schema):
    """申込票の訂正: only the fields sent are changed. ``version`` is required."""

    version: int | None = Field(None, description="取得時の申込票の版（楽観的ロック・必須）")
    received_at: datetime | None = None
    method: str | None = None
    consulter_type: str | None = None
    consulter_name: str | None = None
    consulter_relationship: str | None = None
    route: str | None = None
    referring_partner_id: int | None = None
    topics: list[str] | None = None
    main_topic: str | None = None
    chief_complaint: str | None = None
    urgency_flags: list[str] | None = None
    work_status: str | None = Field(
        None,
        description="申込票B票「仕事」：区分マスタ「仕事（申込票B票・就労の現状）」（work_status）のコード。空欄は未記入",
    )
    housing_type: str | None = Field(
        None,
        description="申込票B票「住居」：区分マスタ「住居（申込票B票）」（housing_type）のコード。空欄は未記入",
    )
    health_insurance: str | None = Field(
        None,
        description="申込票B票「健康保険」：区分マスタ「健康保険」（health_insurance）のコード。空欄は未記入",
    )
    pension_status: str | None = Field(
        None, description="申込票B票「年金」：区分マスタ「年金」（pension_status）のコード。空欄は未記入"
    )
    screening_outcome: str | None = None
    screening_referral_to: str | None = None
    screening_note: str | None = None
    applied_on: date | None = None


class CaseOut(Schema):
    id: int
    case_number: str
    person_id: int
    person_name: str
    person_kana: str
    state: str
    state_ja: str
    assigned_worker: str = Field(description="担当者の氏名（担当者未定のときは空）")
    opened_on: date
    is_emergency: bool
    version: int


class CaseListOut(Schema):
    items: list[CaseOut]
    next_cursor: str


# --- The support process -------------------------------------------------------------------------


class TransitionIn(Schema):
    name: str = Field(
        ..., description="遷移の名前（start_planning, submit_to_meeting, close など。docs/process.md）"
    )
    reason: str = ""
    version: int | None = Field(
        None, description="取得時のケースの版（楽観的ロック・必須。ないと拒否されます）"
    )
    carry_over: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "終結（close）で、終了していないもの（GET /cases/{id}/open-items の key）を終結後も続ける理由。"
            "{key: 理由}。終了していないものが残ると終結は拒否されます"
        ),
    )


class TransitionOut(Schema):
    name: str
    from_state: str
    to_state: str
    reason: str
    actor: str
    occurred_at: datetime


class AvailableTransitionOut(Schema):
    name: str
    label: str
    target: str
    allowed: bool
    blocked_reason: str


class CaseTransitionsOut(Schema):
    state: str
    state_ja: str
    version: int
    history: list[TransitionOut]
    available: list[AvailableTransitionOut]


# Amounts of the sheet: integer yen ≥ 0. A negative amount, and a required item left out, are refused
# by the service (validate_assessment_values) with the same message as on the screen, keyed by the
# field: ``savings``, ``incomes.salary``, ``debts.0.kind``, ``debts.0.amount`` …
_YEN = "円（0以上の整数）"


class AssessmentJobIn(Schema):
    """職歴の1行."""

    period: str = Field("", description="期間（例：平成28年4月〜令和7年3月）")
    employment_type: str = Field("", description="雇用形態（区分マスタ work_status のコード）")
    work: str = Field("", description="勤務先・仕事の内容（必須：空だと422）")
    reason_left: str = Field("", description="離職の理由")


class AssessmentIncomeIn(Schema):
    """月収（収入の種類ごとに1行、家計表と同じ区分）."""

    category: str = Field(
        ..., description="収入の種類：salary, pension, allowance, other_benefit, support, other_income"
    )
    amount: int | None = Field(
        None, description=f"月額（{_YEN}、0円も可。必須）", json_schema_extra={"minimum": 0}
    )


class AssessmentDebtIn(Schema):
    """債務・滞納の1行."""

    kind: str = Field("", description="債権者の種類（必須：空だと422）：tax, rent, utility, loan, other")
    creditor: str = Field("", description="債権者・滞納先")
    amount: int | None = Field(None, description=f"残額（{_YEN}、必須）", json_schema_extra={"minimum": 0})
    monthly_repayment: int | None = Field(
        None, description=f"月々の返済・分納額（{_YEN}）", json_schema_extra={"minimum": 0}
    )


class AssessmentBenefitIn(Schema):
    """公的給付の1行."""

    kind: str = Field(
        "", description="種類（必須）：pension（年金）, allowance（手当）, unemployment（雇用保険）"
    )
    name: str = Field("", description="名称（例：老齢基礎年金）")
    monthly_amount: int | None = Field(None, description=f"月額（{_YEN}）", json_schema_extra={"minimum": 0})
    ends_on: date | None = Field(None, description="終了日（予定）")


class AssessmentJobOut(Schema):
    period: str
    employment_type: str
    work: str
    reason_left: str


class AssessmentIncomeOut(Schema):
    category: str
    amount: int = Field(..., description=f"月額（{_YEN}）")


class AssessmentDebtOut(Schema):
    kind: str
    creditor: str
    amount: int = Field(..., description=f"残額（{_YEN}）")
    monthly_repayment: int | None


class AssessmentBenefitOut(Schema):
    kind: str
    name: str
    monthly_amount: int | None
    ends_on: date | None


class AssessmentIn(Schema):
    based_on_number: int = Field(
        ..., description="画面を開いたときの最新の版（初回は0）。他の職員が先に保存していると拒否されます"
    )
    assessed_on: date
    sections: dict[str, str] = Field(
        {},
        description="欄のキー：basic, life_history, family, housing, health, work, finances, public_benefits, social, urgency_detail, policy",
    )
    issues: list[str] = Field([], description="抱える課題（区分マスタ assessment_issue のコード）")
    disability_certificate: str = Field("", description="障害者手帳：yes（有）, no（無）, applying（申請中）")
    certificate_kind: str = Field(
        "",
        description="手帳の種類（有・申請中のとき）：physical（身体）, intellectual（療育）, mental（精神）",
    )
    certificate_grade: str = Field(
        "",
        description="等級・程度（種類が必要）：身体 1〜6、精神 1〜3、療育 A, A1, A2, B, B1, B2, 1do〜4do",
    )
    outpatient: bool | None = Field(None, description="通院（true 有 / false 無 / null 未確認）")
    outpatient_note: str = Field("", description="通院先・頻度")
    medication: bool | None = Field(None, description="服薬（true 有 / false 無 / null 未確認）")
    medication_note: str = Field("", description="服薬の内容")
    work_status: str = Field("", description="就労の現状（区分マスタ work_status のコード）")
    qualifications: str = Field("", description="資格・免許")
    monthly_rent: int | None = Field(
        None, description=f"家賃月額（{_YEN}）", json_schema_extra={"minimum": 0}
    )
    savings: int | None = Field(None, description=f"預貯金・現金（{_YEN}）", json_schema_extra={"minimum": 0})
    jobs: list[AssessmentJobIn] = Field([], description="職歴（新しい順）")
    incomes: list[AssessmentIncomeIn] = Field([], description="月収（収入の種類ごと、種類は1回ずつ）")
    debts: list[AssessmentDebtIn] = Field([], description="債務・滞納")
    benefits: list[AssessmentBenefitIn] = Field([], description="公的給付（年金・手当・雇用保険）")
    strengths: str = ""
    wishes: str = ""
    urgency: str = ""
    joint_with_id: int | None = Field(None, description="共同アセスメント（2人で実施）の相手の職員ID")


class AssessmentOut(Schema):
    id: int
    case_id: int
    number: int
    assessed_on: date
    sections: dict[str, str]
    issues: list[str]
    disability_certificate: str
    certificate_kind: str
    certificate_grade: str
    outpatient: bool | None
    outpatient_note: str
    medication: bool | None
    medication_note: str
    work_status: str
    qualifications: str
    monthly_rent: int | None
    savings: int | None
    jobs: list[AssessmentJobOut]
    incomes: list[AssessmentIncomeOut]
    debts: list[AssessmentDebtOut]
    benefits: list[AssessmentBenefitOut]
    legacy: dict[str, str] = Field(
        ...,
        description="旧記録（構造化前の記述、読み取り専用）：health, work, finances, public_benefits の欄ごと",
    )
    strengths: str
    wishes: str
    urgency: str
    author_id: int
    joint_with_id: int | None
    shared_with_budget_support: bool
    shared_with_id: int | None
    created_at: datetime


class AssessmentShareIn(Schema):
    recipient_id: int = Field(..., description="共有先の家計改善支援員（同じ機関の職員）")


class GoalIn(Schema):
    id: int | None = Field(None, description="既存の目標を更新する場合のID（省略すると追加）")
    term: str = "short"
    issue: str
    goal: str
    target_date: date | None = None
    support: str
    provider_kind: str = Field(..., description="staff / program / partner / resource")
    provider_staff_id: int | None = None
    provider_program: str = ""
    provider_partner_id: int | None = None
    provider_resource: str = ""
    frequency: str = ""
    unmet_need: bool = False
    unmet_need_note: str = ""


class GoalOut(Schema):
    id: int
    order: int
    term: str
    issue: str
    goal: str
    target_date: date | None
    support: str
    provider_kind: str
    provider_staff_id: int | None
    provider_program: str
    provider_partner_id: int | None
    provider_resource: str
    frequency: str
    unmet_need: bool
    unmet_need_note: str


class PlanIn(Schema):
    wishes: str
    issues: str
    long_term_goal: str
    short_term_goal: str = ""
    notes: str = ""
    programs: list[str] = []
    employment_support_target: bool = False
    start_date: date
    end_date: date
    agreed_on: date | None = None
    monitoring_interval_days: int = 30
    long_period_reason: str = ""
    goals: list[GoalIn] = []


class PlanPatchIn(Schema):
    version: int = Field(..., description="取得時のプランの版（楽観的ロック）")
    wishes: str | None = None
    issues: str | None = None
    long_term_goal: str | None = None
    short_term_goal: str | None = None
    notes: str | None = None
    programs: list[str] | None = None
    employment_support_target: bool | None = None
    start_date: date | None = None
    end_date: date | None = None
    agreed_on: date | None = None
    monitoring_interval_days: int | None = None
    long_period_reason: str | None = None
    goals: list[GoalIn] | None = Field(
        None, description="指定すると目標をこの内容にそろえます（idのない行は追加、ない既存行は削除）"
    )


class PlanOut(Schema):
    id: int
    case_id: int
    number: int
    version: int
    status: str
    status_ja: str
    based_on_assessment_id: int | None
    replan_of_evaluation_id: int | None
    wishes: str
    issues: str
    long_term_goal: str
    short_term_goal: str
    notes: str
    programs: list[str]
    employment_support_target: bool
    start_date: date
    end_date: date
    agreed_on: date | None
    monitoring_interval_days: int
    next_monitoring_on: date | None
    long_period_reason: str
    goals: list[GoalOut]


class RecordIn(Schema):
    occurred_at: datetime
    duration_minutes: int | None = None
    method: str = Field(
        ..., description="interview / phone / visit / accompany / email / case_conference / agency_contact"
    )
    content: str
    staff_id: int | None = Field(None, description="対応職員（省略すると自分）")
    is_monitoring: bool = False
    idempotency_key: str | None = Field(None, description=IDEMPOTENCY_KEY_HELP)


class RecordPatchIn(Schema):
    version: int = Field(..., description="取得時の記録の版（楽観的ロック）")
    occurred_at: datetime | None = None
    duration_minutes: int | None = None
    method: str | None = None
    content: str | None = None
    staff_id: int | None = None
    is_monitoring: bool | None = None


class RecordOut(Schema):
    id: int
    case_id: int
    version: int
    occurred_at: datetime
    duration_minutes: int | None
    method: str
    method_ja: str
    content: str
    staff_id: int
    author_id: int
    is_monitoring: bool


class GoalResultIn(Schema):
    goal_id: int
    achievement: str = Field(..., description="achieved / partly / not_achieved")
    comment: str = ""


class EvaluationIn(Schema):
    evaluated_on: date
    goal_results: list[GoalResultIn]
    changes: list[str] = Field([], description="本人の変化（区分マスタ change_item のコード）")
    summary: str = ""
    direction: str = Field(..., description="close（終結） / replan（再プラン） / suspend（中断）")
    closure_reason: str = Field("", description="終結の場合の終結理由（区分マスタ closure_reason）")
    follow_up_on: date | None = None
    idempotency_key: str | None = Field(None, description=IDEMPOTENCY_KEY_HELP)


class GoalResultOut(Schema):
    goal_id: int
    achievement: str
    comment: str


class EvaluationOut(Schema):
    id: int
    case_id: int
    plan_id: int
    evaluated_on: date
    goal_results: list[GoalResultOut]
    changes: list[str]
    summary: str
    direction: str
    closure_reason: str
    follow_up_on: date | None
    author_id: int


class EmploymentOutcomeIn(Schema):
    kind: str = Field(..., description="employed（就労）または income_increased（増収）")
    occurred_on: date
    employment_type: str = ""
    employer: str = ""
    monthly_income_increase: int | None = None
    note: str = ""
    idempotency_key: str | None = Field(None, description=IDEMPOTENCY_KEY_HELP)


class EmploymentOutcomeOut(Schema):
    id: int
    case_id: int
    kind: str
    kind_ja: str
    occurred_on: date
    employment_type: str
    employer: str
    monthly_income_increase: int | None
    note: str


class EmploymentOutcomeCreatedOut(EmploymentOutcomeOut):
    income_recheck_url: str = Field(
        "",
        description="住居確保給付金が支給中のとき、収入の再確認（中止・継続の判断）をする画面。それ以外は空文字",
    )


class CaseAssignIn(Schema):
    worker_id: int = Field(..., description="新しい担当者（同じ機関の相談支援員等）の職員ID")
    version: int | None = Field(None, description="取得時のケースの版（楽観的ロック・必須）")
