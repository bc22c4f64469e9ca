from __future__ import annotations

from django import forms

from tsunagu.core.dates import WarekiParseError, parse_date
from tsunagu.core.models import AuditAction


class JapaneseDateField(forms.CharField):
    """Accepts 和暦 (令和7年4月1日, R7.4.1) or 西暦 (2025-04-01) and returns a date."""

    def to_python(self, value):  # type: ignore[no-untyped-def]
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_date(value)
        except WarekiParseError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc


class AuditSearchForm(forms.Form):
    person_id = forms.IntegerField(label="相談者ID", required=False, min_value=1)
    object_type = forms.CharField(label="対象種別", required=False, max_length=64)
    object_id = forms.CharField(label="対象ID", required=False, max_length=64)
    actor = forms.ModelChoiceField(label="職員アカウント", queryset=None, required=False, empty_label="（すべて）")
    action = forms.ChoiceField(label="操作", required=False, choices=[("", "（すべて）"), *AuditAction.choices])
    start = JapaneseDateField(label="期間（開始）", required=False, help_text="例：令和7年4月1日、2025-04-01")
    end = JapaneseDateField(label="期間（終了）", required=False)

    def __init__(self, *args, staff_queryset, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = staff_queryset  # type: ignore[attr-defined]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "終了日は開始日以降にしてください。")
        return data
