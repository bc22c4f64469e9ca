"""Form fields shared by every app: Japanese dates, amounts in yen and code-list choices.

Every date and date-time a form asks for is typed in 和暦 (令和8年12月3日, R8.12.3, R8/12/3) or
西暦 (2026-12-03), or picked from the browser's calendar beside the text box (``static/js/app.js``
writes the picked day into the box in 和暦). A test walks every form of the project and fails on a
plain ``forms.DateField`` / ``forms.DateTimeField`` (``core/tests/test_japanese_date_inputs.py``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.html import format_html

from .dates import WarekiParseError, parse_date, parse_datetime, wareki, wareki_datetime

DATE_HELP = "例：令和8年12月3日、R8.12.3（カレンダーからも選べます）"
DATETIME_HELP = "例：令和8年12月3日 14:30、R8.12.3 14:30（カレンダーからも選べます）"


class JapaneseDateInput(forms.TextInput):
    """A text box showing the date in 和暦, with the browser's calendar beside it."""

    picker_type = "date"
    # The empty text box shows the expected form.
    placeholder = "令和8年12月3日"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        attrs = {"inputmode": "text", "autocomplete": "off", "placeholder": self.placeholder, **(attrs or {})}
        super().__init__(attrs)

    def format_value(self, value: Any) -> str | None:
        if hasattr(value, "year") and hasattr(value, "day"):
            return wareki(value)
        return super().format_value(value)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> Any:
        box = super().render(name, value, attrs, renderer)
        box_id = (attrs or {}).get("id") or self.attrs.get("id")
        if not box_id or self.is_hidden:
            return box
        # The picker has no name: it is never submitted; app.js copies its value into the box.
        return format_html(
            '<span class="date-input">{}<input type="{}" class="date-input__picker" '
            'data-date-picker-for="{}" aria-label="カレンダーから選ぶ" tabindex="-1"></span>',
            box,
            self.picker_type,
            box_id,
        )


class JapaneseDateTimeInput(JapaneseDateInput):
    """The date and time in 和暦 (令和8年12月3日 14:30), with the browser's date-time picker."""

    picker_type = "datetime-local"
    placeholder = "令和8年12月3日 14:30"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, datetime):
            return wareki_datetime(value)
        return super().format_value(value)


class JapaneseDateField(forms.CharField):
    """Accepts 和暦 (令和7年4月1日, R7.4.1, 平成元年1月8日) or 西暦 (2025-04-01) and returns a date."""

    widget = JapaneseDateInput
    default_help = DATE_HELP

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", self.default_help)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if hasattr(value, "year") and hasattr(value, "day"):
            return value
        value = super().to_python(value)
        if not value:
            return None
        try:
            return self.parse(value)
        except WarekiParseError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc

    def parse(self, value: str) -> Any:
        return parse_date(value)


class JapaneseDateTimeField(JapaneseDateField):
    """Accepts 令和8年12月3日 14:30, R8.12.3 14:30 or 2026-12-03T14:30; returns an aware datetime
    in the current time zone (Asia/Tokyo)."""

    widget = JapaneseDateTimeInput
    default_help = DATETIME_HELP

    def to_python(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value
        return super().to_python(value)

    def parse(self, value: str) -> Any:
        naive = parse_datetime(value)
        return timezone.make_aware(naive) if timezone.is_naive(naive) else naive


# --- 金額 (円) ----------------------------------------------------------------------------------------

MAX_MONTHLY_YEN = 99_999_999
_YEN_RE = re.compile(r"^[0-9]+$")
_MAN_RE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)万(?:([0-9]+))?$")


class YenError(ValueError):
    """An amount that cannot be read as integer yen; ``code`` names why."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def parse_yen(value: Any, *, maximum: int = MAX_MONTHLY_YEN) -> int | None:
    """Integer yen from what staff type: 84,000 / ８４，０００ / 84000円 / 12万円 / 12.5万 / 12万5000円.

    Empty → None. A negative amount, a fraction of a yen or an amount above ``maximum`` is refused
    with a Japanese message (``YenError``) the form shows beside the field.
    """
    if isinstance(value, bool):
        raise YenError("円単位の整数で入力してください（例：84,000、12万円）。", "invalid")
    if isinstance(value, int):
        n = value
    else:
        text = unicodedata.normalize("NFKC", str(value or "")).strip()
        text = re.sub(r"[,\s]", "", text).removesuffix("円")
        if not text:
            return None
        if text[0] in "-−ー－":
            raise YenError("負の金額は入力できません。", "negative")
        man = _MAN_RE.match(text)
        if man:
            whole, rest = man.group(1), man.group(2)
            tenths = whole.split(".")[1] if "." in whole else ""
            if len(tenths) > 4:
                raise YenError("「万円」の小数は1円単位までにしてください（例：12.5万円）。", "invalid")
            n = int(whole.split(".")[0]) * 10_000 + int((tenths or "0").ljust(4, "0"))
            if rest:
                if len(rest) > 4 or tenths:
                    raise YenError("「12万5000円」のように、万の下は4桁までで入力してください。", "invalid")
                n += int(rest)
        elif _YEN_RE.match(text):
            n = int(text)
        else:
            raise YenError(
                "円単位の整数で入力してください（例：84,000、12万円）。小数は使えません。", "invalid"
            )
    if n < 0:
        raise YenError("負の金額は入力できません。", "negative")
    if n > maximum:
        raise YenError(f"金額が大きすぎます（{maximum:,}円まで）。桁を確認してください。", "max")
    return n


class YenField(forms.CharField):
    """Integer yen (``parse_yen``): commas, spaces, 全角 digits, 円 and 万円 are accepted."""

    def __init__(self, *args: Any, maximum: int = MAX_MONTHLY_YEN, **kwargs: Any) -> None:
        self.maximum = maximum
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value

    def to_python(self, value: Any) -> Any:
        try:
            return parse_yen(value, maximum=self.maximum)
        except YenError as exc:
            raise forms.ValidationError(str(exc), code=exc.code) from exc


def apply_service_errors(form: forms.Form, error: Any) -> None:
    """Show a service's ValidationError beside the matching fields (or at the top)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for m in messages:
                form.add_error(target, m)
    else:
        for m in error.messages:
            form.add_error(None, m)
