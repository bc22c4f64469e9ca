"""Filters of the printed forms: a missing value is a blank line to write on, never "None"."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def blank(value: Any, width: str = "") -> SafeString | Any:
    """``{{ value|blank }}``: the value, or an empty line to fill in by hand (``|blank:"60"`` mm)."""
    if value is None or value == "" or value == []:
        style = f"min-width: {int(width)}mm" if str(width).isdigit() else ""
        return format_html('<span class="blank" style="{}">&nbsp;</span>', style)
    return value


@register.filter
def yen(value: Any) -> str:
    """12,000円, or "" (then ``|blank``)."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}円"


@register.filter
def mark(value: bool | None) -> str:
    """有 / 無 / "" for a yes-no item (None: not asked)."""
    return {True: "有", False: "無"}.get(value, "") if value is not None else ""
