"""Forms: input validation only. Rules live in policies/services; their errors come back beside fields."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms

from tsunagu.core.forms import JapaneseDateField
from tsunagu.network.models import PartnerAgencyType
from tsunagu.privacy.models import DataCategory

from .exports import EXPORT_PURPOSES, ExportKind
from .models import (
    DisclosureBasisKind,
    DisclosureChannel,
    ExceptionStatus,
    ReferralOutcome,
    ReferralProgram,
    ReferralStatus,
    StatutoryClause,
)
from .workflow import STATUS_ACTION_LABELS, STATUS_TRANSITIONS


class PartnerAgencyForm(forms.Form):
    municipality: forms.ModelChoiceField = forms.ModelChoiceField(
        label="自治体", queryset=None, empty_label="（選択してください）"
    )
    name = forms.CharField(label="機関名", max_length=120)
    agency_type = forms.ChoiceField(label="種別")
    area = forms.CharField(label="担当地域", max_length=200, required=False)
    address = forms.CharField(label="所在地", max_length=200, required=False)
    phone = forms.CharField(label="電話", max_length=20, required=False)
    notes = forms.CharField(label="備考", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_active = forms.BooleanField(label="有効（つなぎ先として選べる）", required=False, initial=True)
    # The version the user opened (core.locking); the service refuses an edit without it.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, municipalities: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities  # type: ignore[attr-defined]
        self.fields["agency_type"].choices = [("", "（選択してください）"), *PartnerAgencyType.choices]  # type: ignore[attr-defined]
        if editing:
            del self.fields["municipality"], self.fields["idempotency_key"]
        else:
            del self.fields["version"]
            self.fields["idempotency_key"].initial = secrets.token_urlsafe(16)

    def values(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        for key in ("municipality", "version", "idempotency_key"):
            d.pop(key, None)
        return d


class PartnerContactForm(forms.Form):
    name = forms.CharField(label="担当者名", max_length=60)
    department = forms.CharField(label="部署", max_length=100, required=False)
    phone = forms.CharField(label="電話", max_length=20, required=False)
    email = forms.EmailField(label="メール", required=False)


class PartnerFilterForm(forms.Form):
    q = forms.CharField(label="機関名・地域", required=False, max_length=60)
    agency_type = forms.ChoiceField(label="種別", required=False)
    include_inactive = forms.BooleanField(label="無効な機関も表示", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency_type"].choices = [("", "（すべて）"), *PartnerAgencyType.choices]  # type: ignore[attr-defined]


class ReferralForm(forms.Form):
    partner: forms.ModelChoiceField = forms.ModelChoiceField(
        label="つなぎ先の関係機関", queryset=None, required=False, empty_label="（関係機関を選ぶ）"
    )
    program = forms.ChoiceField(label="つなぎ先の事業", required=False)
    reason = forms.CharField(label="つなぐ理由", widget=forms.Textarea(attrs={"rows": 4}))
    data_categories = forms.MultipleChoiceField(
        label="共有する個人情報の種類",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="関係機関に伝える情報をすべて選んでください。選んだ種類は同意の範囲（または提供の根拠）と照合され、第三者提供として記録されます。",
    )
    basis = forms.ChoiceField(
        label="提供の根拠",
        required=False,
        help_text="通常は本人の同意です。同意のない場合は、承認済みの第27条第1項の例外、または支援会議を選びます。",
    )
    exception: forms.ModelChoiceField = forms.ModelChoiceField(
        label="第27条第1項の承認（根拠が例外の場合）", queryset=None, required=False
    )
    council: forms.ModelChoiceField = forms.ModelChoiceField(
        label="支援会議（根拠が支援会議の場合）", queryset=None, required=False
    )
    accompanied = forms.BooleanField(label="同行する（した）", required=False)
    follow_up_on = JapaneseDateField(label="フォローアップ予定日", required=False)
    confirm_age_warning = forms.BooleanField(
        label="年齢の警告を確認し、そのうえでつなぐ", required=False, widget=forms.CheckboxInput
    )

    def __init__(
        self, *args: Any, partners: Any, exceptions: Any, councils: Any, show_age_confirm: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]
        self.fields["partner"].label_from_instance = lambda p: (  # type: ignore[attr-defined]
            f"{p.name}（{PartnerAgencyType(p.agency_type).label}）"
        )
        self.fields["program"].choices = [("", "（事業を選ぶ・任意）"), *ReferralProgram.choices]  # type: ignore[attr-defined]
        self.fields["data_categories"].choices = DataCategory.choices  # type: ignore[attr-defined]
        self.fields["basis"].choices = [  # type: ignore[attr-defined]
            (DisclosureBasisKind.CONSENT, "本人の同意"),
            (DisclosureBasisKind.STATUTORY, "個人情報保護法第27条第1項の例外（承認済み）"),
            (DisclosureBasisKind.COUNCIL, "支援会議（構成員への提供）"),
        ]
        self.fields["exception"].queryset = exceptions  # type: ignore[attr-defined]
        self.fields["council"].queryset = councils  # type: ignore[attr-defined]
        if not show_age_confirm:
            self.fields["confirm_age_warning"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        basis = data.get("basis") or DisclosureBasisKind.CONSENT
        if basis == DisclosureBasisKind.STATUTORY and not data.get("exception"):
            self.add_error("exception", "根拠とする第27条第1項の承認を選んでください。")
        if basis == DisclosureBasisKind.COUNCIL and not data.get("council"):
            self.add_error("council", "根拠とする支援会議を選んでください。")
        if basis != DisclosureBasisKind.STATUTORY:
            data["exception"] = None
        if basis != DisclosureBasisKind.COUNCIL:
            data["council"] = None
        return data

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "partner": d.get("partner"),
            "program": d.get("program") or "",
            "reason": d.get("reason") or "",
            "data_categories": d.get("data_categories") or [],
            "accompanied": bool(d.get("accompanied")),
            "follow_up_on": d.get("follow_up_on"),
        }


class ReferralStatusForm(forms.Form):
    to_status = forms.ChoiceField(label="新しい状態")
    outcome_code = forms.ChoiceField(label="結果", required=False)
    outcome = forms.CharField(
        label="結果の内容・先方の説明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up_on = JapaneseDateField(label="フォローアップ予定日", required=False)
    note = forms.CharField(
        label="メモ（取消の理由など）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, current_status: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [  # type: ignore[attr-defined]
            (s, f"{ReferralStatus(s).label}（{STATUS_ACTION_LABELS[s]}）")
            for s in STATUS_TRANSITIONS[current_status]
        ]
        self.fields["outcome_code"].choices = [("", "（選ばない）"), *ReferralOutcome.choices]  # type: ignore[attr-defined]


class ReferralOutcomeForm(forms.Form):
    outcome_code = forms.ChoiceField(label="結果", required=False)
    outcome = forms.CharField(label="結果の内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_on = JapaneseDateField(label="フォローアップ予定日", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome_code"].choices = [("", "（選ばない）"), *ReferralOutcome.choices]  # type: ignore[attr-defined]


class ReferralFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label="範囲", required=False, choices=[("mine", "自分の担当ケース"), ("agency", "機関のすべて")]
    )
    status = forms.ChoiceField(label="状態", required=False)
    follow_up_due = forms.BooleanField(label="フォローアップ予定日を過ぎたもの", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", "（すべて）"),
            ("open", "進行中（依頼中・受理・支援中）"),
            *ReferralStatus.choices,
        ]


class DisclosureForm(forms.Form):
    """A disclosure other than a referral: meeting papers, or data given to a partner."""

    recipient: forms.ModelChoiceField = forms.ModelChoiceField(label="提供先の関係機関", queryset=None)
    case: forms.ModelChoiceField = forms.ModelChoiceField(
        label="ケース（任意）", queryset=None, required=False
    )
    data_categories = forms.MultipleChoiceField(
        label="提供する個人情報の種類", widget=forms.CheckboxSelectMultiple, required=False
    )
    purpose = forms.CharField(label="提供の目的", max_length=200)
    channel = forms.ChoiceField(label="提供の経路")
    basis = forms.ChoiceField(label="提供の根拠")
    exception: forms.ModelChoiceField = forms.ModelChoiceField(
        label="第27条第1項の承認", queryset=None, required=False
    )
    council: forms.ModelChoiceField = forms.ModelChoiceField(label="支援会議", queryset=None, required=False)

    def __init__(
        self, *args: Any, partners: Any, cases: Any, exceptions: Any, councils: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = partners  # type: ignore[attr-defined]
        self.fields["recipient"].label_from_instance = lambda p: (  # type: ignore[attr-defined]
            f"{p.name}（{PartnerAgencyType(p.agency_type).label}）"
        )
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]
        self.fields["data_categories"].choices = DataCategory.choices  # type: ignore[attr-defined]
        self.fields["channel"].choices = [  # type: ignore[attr-defined]
            (DisclosureChannel.MEETING_PAPERS, DisclosureChannel.MEETING_PAPERS.label),
            (DisclosureChannel.EXPORT, DisclosureChannel.EXPORT.label),
        ]
        self.fields["basis"].choices = DisclosureBasisKind.choices  # type: ignore[attr-defined]
        self.fields["exception"].queryset = exceptions  # type: ignore[attr-defined]
        self.fields["council"].queryset = councils  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        basis = data.get("basis")
        if basis == DisclosureBasisKind.STATUTORY and not data.get("exception"):
            self.add_error("exception", "根拠とする第27条第1項の承認を選んでください。")
        if basis == DisclosureBasisKind.COUNCIL and not data.get("council"):
            self.add_error("council", "根拠とする支援会議を選んでください。")
        if basis != DisclosureBasisKind.STATUTORY:
            data["exception"] = None
        if basis != DisclosureBasisKind.COUNCIL:
            data["council"] = None
        return data


class DisclosureFilterForm(forms.Form):
    basis_kind = forms.ChoiceField(label="根拠", required=False)
    channel = forms.ChoiceField(label="経路", required=False)
    start = JapaneseDateField(label="提供日（から）", required=False)
    end = JapaneseDateField(label="提供日（まで）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["basis_kind"].choices = [("", "（すべて）"), *DisclosureBasisKind.choices]  # type: ignore[attr-defined]
        self.fields["channel"].choices = [("", "（すべて）"), *DisclosureChannel.choices]  # type: ignore[attr-defined]


class ExceptionRequestForm(forms.Form):
    recipient: forms.ModelChoiceField = forms.ModelChoiceField(label="提供先の関係機関", queryset=None)
    case: forms.ModelChoiceField = forms.ModelChoiceField(
        label="ケース（任意）", queryset=None, required=False
    )
    data_categories = forms.MultipleChoiceField(
        label="提供する個人情報の種類", widget=forms.CheckboxSelectMultiple, required=False
    )
    clause = forms.TypedChoiceField(
        label="該当する号（個人情報保護法第27条第1項）", coerce=int, widget=forms.RadioSelect
    )
    legal_basis = forms.CharField(
        label="根拠となる法令・条項",
        max_length=200,
        required=False,
        help_text="第1号の場合は必須（例：児童福祉法第25条）",
    )
    reason = forms.CharField(
        label="同意なく提供する理由",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="本人の同意を得ることが困難な事情、提供が必要な理由を具体的に記入してください。",
    )
    valid_until = JapaneseDateField(label="提供できる期限（任意）", required=False)

    def __init__(self, *args: Any, partners: Any, cases: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = partners  # type: ignore[attr-defined]
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]
        self.fields["data_categories"].choices = DataCategory.choices  # type: ignore[attr-defined]
        self.fields["clause"].choices = StatutoryClause.choices  # type: ignore[attr-defined]


class ExceptionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="判断", choices=[("approve", "承認する"), ("reject", "承認しない")], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="判断の理由・所見",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="承認しない場合は必須",
    )


class ExceptionFilterForm(forms.Form):
    status = forms.ChoiceField(label="状態", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "（すべて）"), *ExceptionStatus.choices]  # type: ignore[attr-defined]


class ExportForm(forms.Form):
    purpose = forms.ChoiceField(label="利用目的", widget=forms.RadioSelect)
    kind = forms.ChoiceField(label="出力する内容", widget=forms.RadioSelect)
    fiscal_year = forms.IntegerField(
        label="受付年度（西暦、任意）", required=False, min_value=2015, max_value=2100
    )
    free_text_reviewed = forms.BooleanField(
        label="自由記述（主訴）を含める：個人が特定される記述がないことを確認しました",
        required=False,
        help_text="個票（事例検討・研究）のみ。確認していない場合は自由記述を出力しません。",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from tsunagu.privacy.models import Purpose

        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = [(p, Purpose(p).label) for p in EXPORT_PURPOSES]  # type: ignore[attr-defined]
        self.fields["kind"].choices = ExportKind.choices  # type: ignore[attr-defined]
