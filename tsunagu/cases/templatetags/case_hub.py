"""Filters of the case page (the hub): long texts collapsed to a preview with 「全文を表示」."""

from __future__ import annotations

from datetime import datetime

from django import template

register = template.Library()

PREVIEW_CHARS = 120
PREVIEW_LINES = 3


@register.filter
def is_long(text: str | None, limit: int = PREVIEW_CHARS) -> bool:
    """More than ``limit`` characters or more than three lines."""
    text = text or ""
    return len(text) > limit or text.count("\n") >= PREVIEW_LINES


@register.filter
def preview(text: str | None, limit: int = PREVIEW_CHARS) -> str:
    """The first three lines, at most ``limit`` characters, with 「…」 when cut."""
    text = text or ""
    short = " ".join(line.strip() for line in text.splitlines()[:PREVIEW_LINES])
    return short if len(short) <= limit and not is_long(text, limit) else short[: limit - 1] + "…"


@register.filter
def has_time(value: object) -> bool:
    """A datetime (shown with its time), not a plain date."""
    return isinstance(value, datetime)
