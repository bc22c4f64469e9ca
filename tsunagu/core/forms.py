"""Form fields shared by every app: Japanese dates and code-list choices."""

from __future__ import annotations

from typing import Any

from django import forms

from .dates import WarekiParseError, parse_date, wareki


class JapaneseDateInput(forms.TextInput):
    """A text input showing the date in 和暦; accepts 和暦 or 西暦 back."""

    def format_value(self, value: Any) -> str | None:
        if hasattr(value, "year") and hasattr(value, "day"):
            return wareki(value)
        return super().format_value(value)


class JapaneseDateField(forms.CharField):
    """Accepts 和暦 (令和7年4月1日, R7.4.1, 平成元年1月8日) or 西暦 (2025-04-01) and returns a date."""

    widget = JapaneseDateInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "例：令和7年4月1日、R7.4.1、2025-04-01")
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if hasattr(value, "year") and hasattr(value, "day"):
            return value
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_date(value)
        except WarekiParseError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc


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
