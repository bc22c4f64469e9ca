from __future__ import annotations

from django import forms

from tsunagu.core.audit import object_type_choices
from tsunagu.core.forms import JapaneseDateField
from tsunagu.core.models import AuditAction


class AuditSearchForm(forms.Form):
    person_id = forms.IntegerField(label="相談者ID", required=False, min_value=1)
    object_type = forms.ChoiceField(label="対象種別", required=False)
    object_id = forms.CharField(label="対象ID", required=False, max_length=64)
    actor: forms.ModelChoiceField = forms.ModelChoiceField(
        label="職員アカウント", queryset=None, required=False, empty_label="（すべて）"
    )
    action = forms.ChoiceField(
        label="操作", required=False, choices=[("", "（すべて）"), *AuditAction.choices]
    )
    start = JapaneseDateField(label="期間（開始）", required=False)
    end = JapaneseDateField(label="期間（終了）", required=False)

    def __init__(self, *args, staff_queryset, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = staff_queryset  # type: ignore[attr-defined]
        self.fields["object_type"].choices = [("", "（すべて）"), *object_type_choices()]  # type: ignore[attr-defined]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "終了日は開始日以降にしてください。")
        return data


class ConsentForm(forms.Form):
    """同意の記録: purposes, scope of third-party provision, validity.

    With ``agency``, the purposes offered are those of the agency's version in force today (the one
    explained), and ``clean`` refuses a purpose the version in force on the 同意日 does not name
    (``validation.notice_scope_errors``, the rule the service applies too)."""

    purposes = forms.MultipleChoiceField(
        label="同意を得た利用目的", widget=forms.CheckboxSelectMultiple, required=False
    )
    recipient_types = forms.MultipleChoiceField(
        label="提供してよい関係機関の種別", widget=forms.CheckboxSelectMultiple, required=False
    )
    named_recipients: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label="提供してよい関係機関（機関名で指定）",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    data_categories = forms.MultipleChoiceField(
        label="提供してよい個人情報の種類", widget=forms.CheckboxSelectMultiple, required=False
    )
    given_on = JapaneseDateField(label="同意日", required=False)
    method = forms.ChoiceField(label="取得方法", required=False)
    expires_on = JapaneseDateField(label="有効期限（任意）", required=False)

    def __init__(self, *args, partner_queryset=None, agency=None, **kwargs):  # type: ignore[no-untyped-def]
        from tsunagu.network.models import PartnerAgency, PartnerAgencyType

        from .models import ConsentMethod, DataCategory, Purpose
        from .validation import notice_in_force

        super().__init__(*args, **kwargs)
        self.agency = agency
        self.notice = notice_in_force(agency)
        purposes = self.fields["purposes"]
        purposes.choices = Purpose.choices  # type: ignore[attr-defined]
        if self.notice is not None:
            # Offered: the purposes of the version explained. Every code stays valid for the field, so
            # one outside the version (a past 同意日, an altered request) gets the rule's message.
            named = set(self.notice.purposes)
            purposes.widget.choices = [(v, label) for v, label in Purpose.choices if v in named]
            purposes.help_text = (
                f"説明する規程（第{self.notice.version}版）に記載のある利用目的だけを選べます。"
            )
        self.fields["recipient_types"].choices = PartnerAgencyType.choices  # type: ignore[attr-defined]
        self.fields["data_categories"].choices = DataCategory.choices  # type: ignore[attr-defined]
        self.fields["method"].choices = [("", "（選択してください）"), *ConsentMethod.choices]  # type: ignore[attr-defined]
        self.fields["named_recipients"].queryset = (  # type: ignore[attr-defined]
            partner_queryset if partner_queryset is not None else PartnerAgency.objects.none()
        )

    def clean(self):  # type: ignore[no-untyped-def]
        from django.core.exceptions import ValidationError

        from .validation import notice_in_force, validate_consent_values

        data = super().clean() or {}
        given = data.get("given_on")
        notice = notice_in_force(self.agency, given) if given else None
        try:
            validate_consent_values(data, notice=notice)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    for m in messages:
                        self.add_error(field, m)
        return data


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = JapaneseDateField(label="撤回日")
    note = forms.CharField(label="撤回の内容・経緯", max_length=200, required=False)


class PrivacyNoticeForm(forms.Form):
    """規程の版（下書き）: the structured sections, the purposes, and the edit version (hidden)."""

    title = forms.CharField(label="表題", max_length=120)
    body = forms.CharField(label="前文", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    section_handling = forms.CharField(
        label="個人情報の取扱い（管理）", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    section_confidentiality = forms.CharField(
        label="守秘義務とその罰則", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    purposes = forms.MultipleChoiceField(
        label="利用目的", widget=forms.CheckboxSelectMultiple, required=False
    )
    purposes_note = forms.CharField(
        label="利用目的の説明", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    section_third_party = forms.CharField(
        label="第三者提供", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    section_contact = forms.CharField(
        label="開示・訂正・苦情の窓口", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    VALUE_FIELDS = (
        "title",
        "body",
        "section_handling",
        "section_confidentiality",
        "purposes",
        "purposes_note",
        "section_third_party",
        "section_contact",
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        from .models import Purpose

        super().__init__(*args, **kwargs)
        self.fields["purposes"].choices = Purpose.choices  # type: ignore[attr-defined]

    def clean_purposes(self):  # type: ignore[no-untyped-def]
        purposes = self.cleaned_data.get("purposes") or []
        if not purposes:
            raise forms.ValidationError("利用目的を1つ以上選んでください。")
        return purposes

    def values(self) -> dict:  # type: ignore[type-arg]
        return {k: self.cleaned_data[k] for k in self.VALUE_FIELDS}


class NoticePublishForm(forms.Form):
    """審査して公開: the 適用開始日 (today or later) and the edit version that was reviewed."""

    effective_from = JapaneseDateField(label="適用開始日")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
