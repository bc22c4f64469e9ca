"""Template filters of the programme screens."""

from __future__ import annotations

from datetime import date

from django import template

from tsunagu.programs.housing_rules import month_label

register = template.Library()


@register.filter
def jmonth(value: date | None) -> str:
    """令和7年4月 (a month shown without its day)."""
    return month_label(value) if value else ""
