"""Forms of the 住居確保給付金 screens: input parsing only (the rules live in validation/services).

Yen fields (``core.forms.YenField``) accept what staff type — 84,000 / ８４０００ / 84000円 / 8.4万円 — and refuse decimals and negative
amounts with a Japanese message; dates accept 和暦 or 西暦; months accept 令和8年1月 / 2026-01.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date
from typing import Any

from django import forms

from tsunagu.cases.models import Case, SupportPlan
from tsunagu.core.dates import WarekiParseError, parse_date, wareki
from tsunagu.core.forms import JapaneseDateField, JapaneseDateInput, YenField

from . import housing_rules as hr
from .models import (
    ApplicationsPer,
    BenefitType,
    Cause,
    CertifiedTrainingProvider,
    DebtKind,
    DebtStatus,
    DecisionOutcome,
    EnrolmentProgram,
    ExpenseCategory,
    GradeArea,
    HandBackKind,
    IncomeCategory,
    LoanKind,
    LoanStatus,
    ReawardCause,
    StopReason,
    TrainingType,
)
from .validation import MAX_ASSET_YEN, MAX_HOUSEHOLD

YES_NO = [("yes", "はい"), ("no", "いいえ")]


class MonthInput(JapaneseDateInput):
    picker_type = "month"
    placeholder = "令和8年12月"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return hr.month_label(value)
        return super().format_value(value)


class MonthField(forms.CharField):
    """A month: 令和8年1月, R8.1, 2026-01, 2026年1月 (or any day of it). Returns the month's first day."""

    widget = MonthInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "例：令和8年1月、R8.1（カレンダーからも選べます）")
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, date):
            return value.replace(day=1)
        text = unicodedata.normalize("NFKC", str(value or "")).strip()
        if not text:
            return None
        candidates = [text]
        if text.endswith("月"):
            candidates.append(text + "1日")
        candidates += [text + "-1", text + ".1"]
        for candidate in candidates:
            try:
                return parse_date(candidate).replace(day=1)
            except WarekiParseError:
                continue
        raise forms.ValidationError("月の形式が正しくありません（例：令和8年1月、2026-01）。", code="invalid")


def _yes_no(label: str, *, required: bool = True, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=YES_NO, widget=forms.RadioSelect, required=required, help_text=help_text
    )


def _bool(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class HousingInputsForm(forms.Form):
    """The inputs shared by the 簡易判定 and the application (field names as in the API)."""

    application_date = JapaneseDateField(label="申請日")
    type = forms.ChoiceField(label="種類", choices=BenefitType.choices, widget=forms.RadioSelect)
    cause = forms.ChoiceField(label="困窮の理由", choices=Cause.choices, widget=forms.RadioSelect)
    job_loss_date = JapaneseDateField(label="離職・廃業日（離職・廃業の場合）", required=False)
    income_drop_date = JapaneseDateField(label="収入が減少した日（休業等の場合）", required=False)
    unable_to_seek_work_days = forms.IntegerField(
        label="疾病・負傷・育児等で求職活動ができなかった期間（日、30日以上の期間のみ）",
        required=False,
        min_value=0,
        max_value=1461,
    )
    is_main_earner = _yes_no("主たる生計維持者である（離職の場合は離職時、休業等・転居費用は申請月）")
    household_size = forms.IntegerField(label="世帯人数", min_value=1, max_value=MAX_HOUSEHOLD)
    household_monthly_income = YenField(label="世帯の月収（申請月、円）")
    household_financial_assets = YenField(label="世帯の金融資産（預貯金・現金、円）", maximum=MAX_ASSET_YEN)
    monthly_rent = YenField(label="家賃月額（共益費・管理費を除く、円）")
    receives_overlapping_housing_aid = _yes_no("類似の住宅給付（転居費用は類似の転居支援）を受けている")
    household_member_is_gang_member = _yes_no("本人または世帯員に暴力団員がいる")
    previous_award_last_payment_date = MonthField(label="前回受給した場合：最後の支給月", required=False)
    reaward_cause = forms.ChoiceField(
        label="前回受給した場合：今回の困窮の理由",
        choices=[("", "（前回の受給なし）"), *ReawardCause.choices],
        required=False,
    )
    supported_by_household_budget_program = _yes_no(
        "（転居費用補助）家計改善支援事業で、転居が必要で費用を賄えないと判断された", required=False
    )
    relocation_costs = YenField(
        label="（転居費用補助）転居費用（運搬費・礼金・仲介手数料等、円）", required=False
    )

    def values(self) -> dict[str, Any]:
        """cleaned_data in the API's shape (yes/no → bool, blanks → None)."""
        d = self.cleaned_data
        out: dict[str, Any] = {k: d.get(k) for k in self.fields}
        for k in (
            "is_main_earner",
            "receives_overlapping_housing_aid",
            "household_member_is_gang_member",
            "supported_by_household_budget_program",
        ):
            out[k] = _bool(d.get(k))
        out["reaward_cause"] = d.get("reaward_cause") or None
        return out


class AssessForm(HousingInputsForm):
    municipality_code = forms.ChoiceField(label="自治体（実施主体）")
    field_order = ["municipality_code"]

    def __init__(self, *args: Any, municipalities: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality_code"].choices = [(m.code, f"{m}（{m.code}）") for m in municipalities]  # type: ignore[attr-defined]


class ApplicationForm(HousingInputsForm):
    case = forms.ModelChoiceField(
        label="ケース", queryset=Case.objects.none(), empty_label="（選択してください）"
    )
    payee_name = forms.CharField(label="支払先（貸主・管理会社等）", max_length=100, required=False)
    payee_account_holder = forms.CharField(label="口座名義", max_length=100, required=False)
    explained_stop_conditions = forms.BooleanField(label="中止事項を説明し、同意を得た", required=False)
    explained_extension = forms.BooleanField(label="延長できることを説明した", required=False)
    explained_extension_requirements = forms.BooleanField(label="延長の要件を説明した", required=False)
    submission_token = forms.CharField(widget=forms.HiddenInput, required=False)
    field_order = ["case"]

    def __init__(self, *args: Any, case_queryset: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("submission_token", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = case_queryset  # type: ignore[attr-defined]
        self.fields["case"].label_from_instance = lambda c: f"{c.case_number} {c.person.name}"  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        out = super().values()
        for k in ("explained_stop_conditions", "explained_extension", "explained_extension_requirements"):
            out[k] = bool(self.cleaned_data.get(k))
        return out


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label="決定", choices=DecisionOutcome.choices, widget=forms.RadioSelect)
    decided_on = JapaneseDateField(label="決定日")
    first_month = MonthField(label="支給開始月（省略時は申請月）", required=False)
    reason = forms.CharField(
        label="理由（不支給の場合は必須）", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class PaymentForm(forms.Form):
    month = MonthField(label="対象月")
    amount = YenField(label="支給額（円、省略時は決定額）", required=False)
    paid_on = JapaneseDateField(label="支払日")
    payee_name = forms.CharField(label="支払先（貸主・管理会社等）", max_length=100)
    payee_account_holder = forms.CharField(label="口座名義", max_length=100)


class JobSearchReportForm(forms.Form):
    month = MonthField(label="報告月")
    centre_consultations = forms.IntegerField(
        label="自立相談支援機関での面談（回）", min_value=0, max_value=99
    )
    counselling = forms.IntegerField(
        label="ハローワークの職業相談／経営相談（回）", min_value=0, max_value=99
    )
    applications = forms.IntegerField(label="求人への応募／収入増加の取組（回）", min_value=0, max_value=99)
    reported_on = JapaneseDateField(label="報告日")
    note = forms.CharField(label="備考", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ExtensionApplyForm(forms.Form):
    applied_on = JapaneseDateField(label="延長申請日")
    household_monthly_income = YenField(label="世帯の月収（延長申請時、円）")
    household_financial_assets = YenField(label="世帯の金融資産（延長申請時、円）", maximum=MAX_ASSET_YEN)


class ExtensionDecideForm(forms.Form):
    approve = _yes_no("延長する")
    decided_on = JapaneseDateField(label="決定日")
    reason = forms.CharField(
        label="理由（延長しない場合は必須）", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def values(self) -> dict[str, Any]:
        return self.cleaned_data | {"approve": self.cleaned_data.get("approve") == "yes"}


class StopForm(forms.Form):
    reason = forms.ChoiceField(label="中止事由", choices=[("", "（選択してください）"), *StopReason.choices])
    effective_month = MonthField(label="中止する月（この月から支給しない）")
    decided_on = JapaneseDateField(label="決定日")
    note = forms.CharField(
        label="詳細（「その他」の場合は必須）", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class EndForm(forms.Form):
    ended_on = JapaneseDateField(label="終了日")


class RuleForm(forms.Form):
    household_size = forms.IntegerField(label="世帯人数", min_value=1, max_value=20)
    applies_to_larger = forms.BooleanField(label="これより多い世帯にも適用する（○人以上）", required=False)
    effective_from = JapaneseDateField(label="適用開始日")
    base_amount = YenField(label="基準額（円）")
    rent_cap = YenField(label="家賃上限（住宅扶助基準額、円）")
    asset_limit = YenField(label="資産上限（円、空欄なら基準額×6と100万円の小さい方）", required=False)
    source = forms.CharField(label="出典（要綱・告示・通知の名称と日付）", max_length=500)
    note = forms.CharField(label="変更理由・備考", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class JobSearchRuleForm(forms.Form):
    cause = forms.ChoiceField(label="対象", choices=Cause.choices)
    effective_from = JapaneseDateField(label="適用開始日")
    centre_consultations_min = forms.IntegerField(
        label="自立相談支援機関での面談（月の回数）", min_value=0, max_value=99
    )
    counselling_min = forms.IntegerField(
        label="ハローワークの職業相談／経営相談（月の回数）", min_value=0, max_value=99
    )
    applications_min = forms.IntegerField(label="応募／収入増加の取組（回数）", min_value=0, max_value=99)
    applications_per = forms.ChoiceField(label="応募等の回数の単位", choices=ApplicationsPer.choices)
    source = forms.CharField(label="出典", max_length=500)
    note = forms.CharField(label="変更理由・備考", widget=forms.Textarea(attrs={"rows": 2}), required=False)


def month_initial(d: date) -> str:
    return hr.month_label(d)


def date_initial(d: date) -> str:
    return wareki(d)


# --- Other programmes ---------------------------------------------------------------


class IdempotentForm(forms.Form):
    """A create form with a hidden random key: a double click or a resent POST creates one record
    (``core.idempotency``)."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)


class EnrolmentForm(IdempotentForm):
    plan: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="プラン", queryset=SupportPlan.objects.none(), empty_label="選んでください"
    )
    program = forms.ChoiceField(label="事業", choices=[("", "選んでください"), *EnrolmentProgram.choices])
    start_on = JapaneseDateField(label="利用開始日")
    end_on = JapaneseDateField(
        label="利用終了予定日",
        help_text="就労準備支援は1年以内、一時生活支援は原則3か月以内（例：令和8年3月31日）",
    )
    provider_name = forms.CharField(
        label="実施事業者・施設（認定就労訓練以外）", max_length=200, required=False
    )
    certified_provider = forms.ModelChoiceField(
        label="認定就労訓練事業所（認定就労訓練のとき）",
        queryset=CertifiedTrainingProvider.objects.order_by("name"),
        required=False,
    )

    def __init__(self, *args: Any, plan_queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plan_queryset  # type: ignore[attr-defined]


class ProgressReportForm(IdempotentForm):
    reported_on = JapaneseDateField(label="報告日")
    content = forms.CharField(label="経過・様子", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    planned_days = forms.IntegerField(label="予定日数", min_value=0, max_value=366, required=False)
    attended_days = forms.IntegerField(label="出席日数", min_value=0, max_value=366, required=False)


class EnrolmentExtendForm(forms.Form):
    end_on = JapaneseDateField(label="延長後の利用終了予定日")
    reason = forms.CharField(label="延長の理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EnrolmentEndForm(forms.Form):
    ended_on = JapaneseDateField(label="利用終了日")
    hand_back_kind = forms.ChoiceField(
        label="終了後のつなぎ先", choices=[("", "選んでください"), *HandBackKind.choices]
    )
    hand_back_on = JapaneseDateField(label="引継ぎ日（空欄なら終了日）", required=False)
    note = forms.CharField(
        label="引継ぎの内容", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TrainingTypeDecisionForm(forms.Form):
    provider = forms.ModelChoiceField(
        label="認定就労訓練事業所", queryset=CertifiedTrainingProvider.objects.order_by("name")
    )
    training_type = forms.ChoiceField(label="類型", choices=TrainingType.choices, widget=forms.RadioSelect)
    decided_on = JapaneseDateField(label="決定日")
    note = forms.CharField(label="備考", max_length=2000, required=False)


class CertifiedProviderForm(forms.Form):
    name = forms.CharField(label="事業所名", max_length=200)
    certification_number = forms.CharField(label="認定番号", max_length=50)
    certifying_authority = forms.CharField(label="認定した自治体（都道府県・政令市・中核市）", max_length=100)
    valid_from = JapaneseDateField(label="認定の有効期間（開始）")
    valid_to = JapaneseDateField(label="認定の有効期間（終了）")


# --- 家計改善支援 -------------------------------------------------------------------


class BudgetSheetForm(forms.Form):
    """家計表: one yen field per category (blank = not entered)."""

    as_of = JapaneseDateField(label="基準日")
    note = forms.CharField(
        label="備考", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in IncomeCategory.choices:
            self.fields[f"income_{code}"] = YenField(label=f"収入：{label}（円）", required=False)
        for code, label in ExpenseCategory.choices:
            self.fields[f"expense_{code}"] = YenField(label=f"支出：{label}（円）", required=False)

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "as_of": d["as_of"],
            "note": d.get("note", ""),
            "incomes": {
                c: d[f"income_{c}"] for c in IncomeCategory.values if d.get(f"income_{c}") is not None
            },
            "expenses": {
                c: d[f"expense_{c}"] for c in ExpenseCategory.values if d.get(f"expense_{c}") is not None
            },
        }


class DebtForm(IdempotentForm):
    kind = forms.ChoiceField(label="種類", choices=DebtKind.choices)
    creditor = forms.CharField(label="債権者・滞納先", max_length=200)
    amount = YenField(label="残額（円）", maximum=999_999_999)
    monthly_repayment = YenField(label="月々の返済・分納額（円）", required=False)
    status = forms.ChoiceField(label="状況", choices=DebtStatus.choices)
    note = forms.CharField(label="備考", max_length=2000, required=False)


class AssessmentDebtsForm(forms.Form):
    """「アセスメントの債務を債務・滞納に追加」: the assessment's debts not yet recorded, as checkboxes."""

    debts = forms.MultipleChoiceField(
        label="追加する債務（アセスメントより）", widget=forms.CheckboxSelectMultiple, required=True
    )
    status = forms.ChoiceField(
        label="追加する債務の状況", choices=DebtStatus.choices, initial=DebtStatus.CONSULTING
    )

    def __init__(self, *args: Any, offered: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = {str(d.id): d for d in offered}
        self.fields["debts"].choices = [  # type: ignore[attr-defined]
            (
                key,
                f"{d.kind_label}　{d.creditor or '（債権者未記入）'}　残額 {d.amount:,}円"
                + (f"（月々 {d.monthly_repayment:,}円）" if d.monthly_repayment else ""),
            )
            for key, d in self.offered.items()
        ]
        self.fields["debts"].error_messages["required"] = "追加する債務を選んでください。"

    def chosen(self) -> list[Any]:
        return [self.offered[k] for k in self.cleaned_data["debts"]]


class DebtStatusForm(forms.Form):
    debt_id = forms.IntegerField(widget=forms.HiddenInput)
    expected_status = forms.CharField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label="状況", choices=DebtStatus.choices)
    amount = YenField(label="残額（円）", maximum=999_999_999)


class BudgetPlanForm(IdempotentForm):
    made_on = JapaneseDateField(label="作成日")
    goals = forms.CharField(label="目標", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    monthly_plan = forms.CharField(
        label="月々の家計の計画", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    monthly_saving_target = YenField(label="月々の貯蓄・返済の目標（円）", required=False)
    review_on = JapaneseDateField(label="見直し予定日", required=False)


class LoanLinkForm(IdempotentForm):
    kind = forms.ChoiceField(label="生活福祉資金の種類", choices=LoanKind.choices)
    applied_on = JapaneseDateField(label="申請日（相談日）")
    status = forms.ChoiceField(label="状況", choices=LoanStatus.choices)
    amount = YenField(label="貸付額（円）", maximum=999_999_999, required=False)
    note = forms.CharField(label="備考", max_length=2000, required=False)


class IncomeRecheckForm(forms.Form):
    """収入の再確認 after a 就労・増収: the household's monthly income now (nothing is written)."""

    household_monthly_income = YenField(label="就労・増収後の世帯の月収（円）")


TABLE_ROWS = 8  # 世帯人数 1〜8 on the screen; the CSV import may send up to 20


class RuleTableForm(forms.Form):
    """A whole 基準額表 for an effective date (基準額表の確定 follows on the review page)."""

    effective_from = JapaneseDateField(label="適用開始日")
    grade_area = forms.ChoiceField(
        label="級地", choices=[("", "（選択してください）"), *GradeArea.choices], required=False
    )
    last_applies_to_larger = forms.BooleanField(
        label="最後の行をそれより多い世帯にも適用する（○人以上）", required=False, initial=True
    )
    source = forms.CharField(label="出典（要綱・告示・通知の名称と日付）", max_length=500)
    note = forms.CharField(label="変更理由・備考", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, TABLE_ROWS + 1):
            self.fields[f"row_{n}_base_amount"] = YenField(label=f"{n}人世帯の基準額（円）", required=False)
            self.fields[f"row_{n}_rent_cap"] = YenField(label=f"{n}人世帯の家賃上限（円）", required=False)
            self.fields[f"row_{n}_asset_limit"] = YenField(
                label=f"{n}人世帯の資産上限（円、空欄なら基準額×6と100万円の小さい方）", required=False
            )

    def table_rows(self) -> list[dict[str, Any]]:
        """The filled rows (a row with every amount blank ends the table)."""
        data = self.cleaned_data
        rows = []
        for n in range(1, TABLE_ROWS + 1):
            values = [data.get(f"row_{n}_{f}") for f in ("base_amount", "rent_cap", "asset_limit")]
            if all(v in (None, "") for v in values):
                continue
            rows.append(
                {
                    "household_size": n,
                    "base_amount": values[0],
                    "rent_cap": values[1],
                    "asset_limit": values[2],
                    "grade_area": data.get("grade_area") or "",
                    "applies_to_larger": False,
                }
            )
        if rows and data.get("last_applies_to_larger"):
            rows[-1]["applies_to_larger"] = True
        return rows

    def row_fields(self) -> list[tuple[int, Any, Any, Any]]:
        return [
            (n, self[f"row_{n}_base_amount"], self[f"row_{n}_rent_cap"], self[f"row_{n}_asset_limit"])
            for n in range(1, TABLE_ROWS + 1)
        ]
