from __future__ import annotations

from typing import Any

from django import forms

from tsunagu.core.forms import JapaneseDateField

from .models import RecordType, Requester


class RetentionRuleForm(forms.Form):
    record_type = forms.ChoiceField(label="記録の種類", choices=RecordType.choices)
    years = forms.IntegerField(label="保存年数（年）", min_value=1, max_value=100)
    basis = forms.CharField(
        label="根拠",
        max_length=200,
        help_text="自治体の文書管理規程の条項を書いてください（例: ○○市文書管理規程 第○条）。",
    )
    effective_from = JapaneseDateField(label="適用開始日")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ExclusionForm(forms.Form):
    reason = forms.CharField(label="除外の理由", max_length=200, help_text="例: 訴訟・苦情対応中")


class SubjectAccessRequestForm(forms.Form):
    requested_on = JapaneseDateField(label="請求日")
    requester = forms.ChoiceField(
        label="請求者", choices=Requester.choices, widget=forms.RadioSelect, initial=Requester.SELF
    )
    proxy_relation = forms.CharField(
        label="代理人と本人の関係",
        max_length=60,
        required=False,
        help_text="代理人の場合（例: 法定代理人、委任を受けた弁護士）",
    )
    identity_check = forms.CharField(
        label="本人確認の方法", max_length=200, help_text="例: 運転免許証を窓口で確認"
    )
    due_on = JapaneseDateField(
        label="回答期限", required=False, help_text="空欄なら請求日から14日後（機関の規程で変えられます）"
    )
    notes = forms.CharField(label="備考", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("requester") == Requester.PROXY and not data.get("proxy_relation"):
            self.add_error("proxy_relation", "代理人による請求では、本人との関係を入力してください。")
        return data
