"""Form fields shared by every app: Japanese dates and code-list choices.

Every date and date-time a form asks for is typed in 和暦 (令和8年12月3日, R8.12.3, R8/12/3) or
西暦 (2026-12-03), or picked from the browser's calendar beside the text box (``static/js/app.js``
writes the picked day into the box in 和暦). A test walks every form of the project and fails on a
plain ``forms.DateField`` / ``forms.DateTimeField`` (``core/tests/test_japanese_date_inputs.py``).
"""

from __future__ import annotations

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
