"""Forms of the 区分マスタ screens (the services check everything again)."""

from __future__ import annotations

from typing import Any

from django import forms


class CodeAddForm(forms.Form):
    label = forms.CharField(label="表示名", max_length=100)
    sort_order = forms.IntegerField(
        label="並び順",
        required=False,
        min_value=0,
        help_text="小さい順に表示されます。空欄なら最後に追加します。",
    )
    counted_as = forms.ChoiceField(
        label="統計上の標準の項目",
        required=False,
        help_text="全国の統計と比べられるよう、この項目をどの標準の項目として数えるかを選びます。",
    )

    def __init__(self, *args: Any, standard: list[tuple[str, str]], counted: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["counted_as"]
        field.choices = [("", "（選択してください）" if counted else "（なし）"), *standard]  # type: ignore[attr-defined]
        field.required = counted
        field.error_messages["required"] = (
            "統計で数える標準の項目を選んでください（全国の統計と比べられるようにするため）。"
        )


class CodeEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    label = forms.CharField(label="表示名", max_length=100)
    sort_order = forms.IntegerField(label="並び順", min_value=0, help_text="小さい順に表示されます。")
