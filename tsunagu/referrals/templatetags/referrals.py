"""Template helpers of the referrals screens: ``{% if user|can:"export.deidentified" %}``."""

from __future__ import annotations

from typing import Any

from django import template

from tsunagu.organizations.roles import Permission

register = template.Library()


@register.filter
def can(user: Any, permission: str) -> bool:
    """Whether ``user`` holds ``permission`` (its code, e.g. "disclosure.approve")."""
    try:
        return bool(user.can(Permission(permission)))
    except (ValueError, AttributeError):
        return False
