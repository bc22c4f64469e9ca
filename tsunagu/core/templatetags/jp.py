"""Template filters for Japanese dates and names. Registered as a builtin, so no {% load %} is needed.

The user's choice of 和暦 or 西暦 travels in the template context as ``date_style``.
"""

from __future__ import annotations

from datetime import date

from django import template

from tsunagu.core import dates

register = template.Library()


@register.simple_tag(takes_context=True)
def jdate(context: template.Context, value: date | None) -> str:
    """A date in the user's chosen style: 令和7年4月1日, or 2025年4月1日 when 西暦 is chosen."""
    return dates.wareki(value, seireki=context.get("date_style") == "seireki")


@register.simple_tag(takes_context=True)
def jdatetime(context: template.Context, value) -> str:  # type: ignore[no-untyped-def]
    if value is None:
        return ""
    from django.utils import timezone

    local = timezone.localtime(value)
    return f"{dates.wareki(local.date(), seireki=context.get('date_style') == 'seireki')} {local:%H:%M}"


@register.filter
def wareki(value: date | None) -> str:
    return dates.wareki(value)


@register.filter
def seireki(value: date | None) -> str:
    return dates.wareki(value, seireki=True)


@register.filter
def may(user: object, permission: str) -> bool:
    """``{% if user|may:"case.edit" %}``: the role table grants the permission (the one a link's
    view requires), so a page never offers a button its view would refuse."""
    can = getattr(user, "can", None)
    return bool(can and can(permission))


@register.filter
def object_type_label(value: str) -> str:
    """An audit row's object type by its Japanese name (支援経過記録, not supportrecord)."""
    from tsunagu.core.audit import object_type_label as label

    return label(value)


@register.filter
def audit_details(value: object) -> list[tuple[str, str]]:
    """An audit row's details as (Japanese item name, value) pairs."""
    from tsunagu.core.audit import detail_rows

    return detail_rows(value)


@register.filter
def fiscal_year_label(value: int) -> str:
    return dates.fiscal_year_label(value)
