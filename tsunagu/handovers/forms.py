"""The 委託先の変更 form: input parsing only (the rules live in services.py)."""

from __future__ import annotations

from typing import Any

from django import forms

from tsunagu.core.forms import JapaneseDateField


class HandoverForm(forms.Form):
    from_agency = forms.TypedChoiceField(label="移行元の機関（現在の受託者）", coerce=int)
    to_agency = forms.TypedChoiceField(
        label="移行先の機関（新しい受託者）",
        coerce=int,
        help_text="この自治体を担当区域に持つ機関から選びます。新しい機関は、先に管理者が担当区域に加えてください。",
    )
    handover_date = JapaneseDateField(label="引継ぎ日")
    reason = forms.CharField(
        label="理由", max_length=200, help_text="例：委託契約の期間満了に伴う受託者の変更"
    )
    note = forms.CharField(label="備考", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, agencies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "選択してください"), *agencies]
        self.fields["from_agency"].choices = choices  # type: ignore[attr-defined]
        self.fields["to_agency"].choices = choices  # type: ignore[attr-defined]
