"""The upload form (kind + file) and the column-mapping form."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import ImportKind
from .validation import COLUMNS, IGNORE


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label="取り込む内容", choices=ImportKind.choices)
    file = forms.FileField(
        label="ファイル",
        help_text="CSV（UTF-8 または Shift_JIS）または Excel（.xlsx）。30MBまで。最初に確認だけを行います。",
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = kinds


class ImportMappingForm(forms.Form):
    """One select per column of the file: the field it goes to, or 取り込まない."""

    def __init__(
        self, *args: Any, kind: str, headers: list[str], mapping: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [(IGNORE, "取り込まない")] + [
            (c.field, c.label + ("（必須）" if c.required else "")) for c in COLUMNS[kind]
        ]
        for i, header in enumerate(headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=f"{i + 1}列目「{header or '（見出しなし）'}」",
                choices=choices,
                required=False,
                initial=mapping.get(str(i), IGNORE),
            )

    def mapping(self) -> dict[str, str]:
        return {name.removeprefix("col_"): value for name, value in self.cleaned_data.items()}
