"""The 事業計画 form: input parsing only (the rules live in services.py).

Counts accept what staff type — 120 / １２０ / 1,200件 — and percentages 40 / ４０．５ / 40%; anything
else gets a Japanese message beside the field and the typed text is kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.forms import BoundField

from tsunagu.statistics.indicators import INDICATORS

from .targets import indicator_name, rate_base, targetable_codes

_INT_RE = re.compile(r"^[0-9]+$")
MAX_COUNT = 10_000_000

AREA_HELP = {
    "structure_items": "1行に1項目。例：体制と人材配置に関する計画／人材育成・教育に関する計画／運営・事業収支に関する計画",
    "support_items": (
        "1行に1項目。例：関係機関との連携による紹介に関する計画／相談受付のうち相談支援の申込件数（割合）／"
        "就労受け入れ先企業の開拓とマッチング／家計改善支援事業や就労準備支援事業へのつなぎの数"
    ),
    "community_items": (
        "1行に1項目。例：地域課題に関する協議会等の開催／地域の関係機関との連携／地域住民や住民活動団体への働きかけ"
    ),
}


def _normalise(value: Any, *suffixes: str) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    text = text.replace(",", "").replace(" ", "")
    for s in suffixes:
        text = text.removesuffix(s)
    return text


class CountField(forms.CharField):
    """A whole number ≥ 0 (全角 digits, commas and a trailing 件/人 accepted)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 8})
        )
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, int):
            return value
        text = _normalise(value, "件", "人")
        if not text:
            return None
        if not _INT_RE.match(text):
            raise forms.ValidationError("0以上の整数で入力してください（例：120）。", code="invalid")
        n = int(text)
        if n > MAX_COUNT:
            raise forms.ValidationError("数が大きすぎます。入力を確認してください。", code="max_value")
        return n


class PercentField(forms.CharField):
    """A percentage 0–100 with at most one decimal (全角 and a trailing % accepted)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 6})
        )
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return value
        text = _normalise(value, "%", "％")
        if not text:
            return None
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(
                "割合は数値で入力してください（例：40 または 42.5）。", code="invalid"
            ) from None
        if not d.is_finite() or d < 0 or d > 100:
            raise forms.ValidationError("割合は0〜100（%）で入力してください。", code="range")
        if d != d.quantize(Decimal("0.1")):
            raise forms.ValidationError("割合は小数点以下1桁までで入力してください。", code="decimals")
        return d


@dataclass
class TargetFields:
    code: str
    name_ja: str
    definition: str
    unit: str
    count: BoundField
    rate: BoundField | None
    base_name: str


class AnnualPlanForm(forms.Form):
    structure_items = forms.CharField(
        label="①体制整備・運営計画",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=AREA_HELP["structure_items"],
    )
    support_items = forms.CharField(
        label="②自立相談支援業務計画",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=AREA_HELP["support_items"],
    )
    community_items = forms.CharField(
        label="③地域づくり・地域連携業務計画",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=AREA_HELP["community_items"],
    )
    employment_income_rate_target = PercentField(
        label="就労・増収率の目標（%）",
        help_text="（就労者数＋増収者数、いずれも就労支援対象プラン作成者分）÷ 就労支援対象者数。空欄なら目標なし。",
    )
    notes = forms.CharField(
        label="備考（目標の考え方など）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    AREA_FIELDS = ("structure_items", "support_items", "community_items")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in targetable_codes():
            name = indicator_name(code)
            self.fields[f"target_{code}"] = CountField(label=f"{name}：年間の目標値")
            if rate_base(code):
                self.fields[f"rate_{code}"] = PercentField(label=f"{name}：割合の目標（%）")

    def area_fields(self) -> list[BoundField]:
        return [self[f] for f in self.AREA_FIELDS]

    def target_fields(self) -> list[TargetFields]:
        out = []
        for code in targetable_codes():
            ind = INDICATORS[code]
            base = rate_base(code)
            out.append(
                TargetFields(
                    code=code,
                    name_ja=ind.name_ja,
                    definition=ind.definition,
                    unit=ind.unit,
                    count=self[f"target_{code}"],
                    rate=self[f"rate_{code}"] if base else None,
                    base_name=indicator_name(base) if base else "",
                )
            )
        return out

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {k: d.get(k) for k in (*self.AREA_FIELDS, "employment_income_rate_target", "notes")}

    def targets(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        return [
            {
                "indicator": code,
                "annual_count": d.get(f"target_{code}"),
                "rate_percent": d.get(f"rate_{code}"),
            }
            for code in targetable_codes()
            if d.get(f"target_{code}") is not None or d.get(f"rate_{code}") is not None
        ]

    @staticmethod
    def initial_for(plan: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {
            f: getattr(plan, f)
            for f in (
                "structure_items",
                "support_items",
                "community_items",
                "employment_income_rate_target",
                "notes",
            )
        }
        initial["version"] = plan.version
        for t in plan.targets.all():
            initial[f"target_{t.indicator}"] = t.annual_count
            initial[f"rate_{t.indicator}"] = t.rate_percent
        return initial


class AnnualPlanCreateForm(AnnualPlanForm):
    """The same, with the agency and the 年度 chosen (only those the user may plan for)."""

    agency = forms.TypedChoiceField(label="機関", coerce=int, empty_value=None)
    fiscal_year = forms.TypedChoiceField(label="年度", coerce=int, empty_value=None)

    field_order = ["agency", "fiscal_year"]

    def __init__(
        self, *args: Any, agencies: list[tuple[int, str]], fiscal_years: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "選択してください"), *agencies]  # type: ignore[attr-defined]
        self.fields["fiscal_year"].choices = [("", "選択してください"), *fiscal_years]  # type: ignore[attr-defined]
        self.fields["agency"].error_messages["required"] = "機関を選んでください。"
        self.fields["fiscal_year"].error_messages["required"] = "年度を選んでください。"
