from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone

from tsunagu.core.codes import code_choices
from tsunagu.core.forms import JapaneseDateField
from tsunagu.core.models import CodeList

from .models import CaseState, ScreeningOutcome


class IntakeForm(forms.Form):
    """相談受付・申込票. Rules are checked by services.validate_intake_values."""

    received_at = forms.DateTimeField(
        label="受付日時",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    method = forms.ChoiceField(label="相談方法")
    consulter_type = forms.ChoiceField(label="相談した人")
    consulter_name = forms.CharField(label="来談者の氏名（本人以外の場合）", required=False, max_length=60)
    consulter_relationship = forms.CharField(label="本人との関係", required=False, max_length=40)
    route = forms.ChoiceField(label="相談経路・紹介元")
    referring_partner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="紹介元の関係機関", queryset=None, required=False, empty_label="（なし）"
    )
    topics = forms.MultipleChoiceField(
        label="相談したいこと（複数選択可）", widget=forms.CheckboxSelectMultiple, required=False
    )
    main_topic = forms.ChoiceField(label="最も困っていること（◎）", required=False)
    chief_complaint = forms.CharField(label="主訴", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    urgency_flags = forms.MultipleChoiceField(
        label="緊急性（該当すると緊急的な支援として記録されます）",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    screening_outcome = forms.ChoiceField(
        label="スクリーニング結果", widget=forms.RadioSelect, required=False
    )
    screening_referral_to = forms.ChoiceField(label="つなぎ先", required=False)
    screening_note = forms.CharField(
        label="スクリーニングの所見", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    applied_on = JapaneseDateField(label="利用申込日（申込票に署名を得た日）", required=False)
    submission_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, partner_queryset: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f = self.fields
        f["method"].choices = [("", "（選択してください）"), *code_choices(CodeList.CONSULTATION_METHOD)]  # type: ignore[attr-defined]
        f["consulter_type"].choices = code_choices(CodeList.CONSULTER_TYPE)  # type: ignore[attr-defined]
        f["route"].choices = [("", "（選択してください）"), *code_choices(CodeList.REFERRAL_ROUTE)]  # type: ignore[attr-defined]
        topics = code_choices(CodeList.CONSULTATION_TOPIC)
        f["topics"].choices = topics  # type: ignore[attr-defined]
        f["main_topic"].choices = [("", "（なし）"), *topics]  # type: ignore[attr-defined]
        f["urgency_flags"].choices = code_choices(CodeList.URGENCY_FLAG)  # type: ignore[attr-defined]
        f["screening_outcome"].choices = ScreeningOutcome.choices  # type: ignore[attr-defined]
        f["screening_referral_to"].choices = [("", "（なし）"), *code_choices(CodeList.SCREENING_REFERRAL)]  # type: ignore[attr-defined]
        f["referring_partner"].queryset = partner_queryset  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("consulter_type", "self")
            self.initial.setdefault("submission_token", uuid.uuid4().hex)

    def clean(self) -> dict[str, Any]:
        from django.core.exceptions import ValidationError

        from .validation import validate_intake_values

        data = super().clean() or {}
        try:
            validate_intake_values(data, partner_queryset=self.fields["referring_partner"].queryset)  # type: ignore[attr-defined]
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    for m in messages:
                        self.add_error(field, m)
        return data


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label="検索（カナ・氏名・電話・生年月日・ケース番号）",
        required=False,
        max_length=80,
        help_text="例：タカハシ、高橋、090-1234、昭和50年3月3日、R7-0001",
    )
    scope = forms.ChoiceField(
        label="対象", choices=[("mine", "自分の担当"), ("agency", "機関全体")], required=False
    )
    state = forms.ChoiceField(label="状態", required=False, choices=[("", "（すべて）"), *CaseState.choices])
    worker: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="担当者", queryset=None, required=False, empty_label="（すべて）"
    )
    topic = forms.ChoiceField(label="相談したいこと", required=False)
    after = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, worker_queryset: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = worker_queryset  # type: ignore[attr-defined]
        self.fields["topic"].choices = [("", "（すべて）"), *code_choices(CodeList.CONSULTATION_TOPIC)]  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    name = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="理由", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ApplicationForm(forms.Form):
    applied_on = JapaneseDateField(label="利用申込日")
