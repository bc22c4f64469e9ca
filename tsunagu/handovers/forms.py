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


UNASSIGNED_CHOICE = "指定しない（担当者未定にする）"


class ReceivingWorkersForm(forms.Form):
    """引継ぎ先の担当者: one choice per old worker who holds moved cases (``worker_<id>``)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, rows: list[Any], staff: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", UNASSIGNED_CHOICE), *staff]
        for row in rows:
            name = f"worker_{row.worker.pk}"
            self.fields[name] = forms.TypedChoiceField(
                label=f"{row.worker}（対応中 {row.open_cases}件・終結等を含め {row.cases}件）",
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=row.receiving.pk if row.receiving else "",
            )
        self.old_worker_ids = [row.worker.pk for row in rows]

    def receiving(self) -> dict[int, int | None]:
        return {pk: self.cleaned_data.get(f"worker_{pk}") for pk in self.old_worker_ids}
