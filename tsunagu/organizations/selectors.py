"""Reads on staff and organisations, always scoped to the user."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import guards
from .models import User
from .roles import Permission
from .scoping import get_for_user_or_404, scope_for_user


def staff_visible_to(user: User) -> models.QuerySet[User]:
    if not guards.allowed(user, Permission.STAFF_VIEW):
        return User.objects.none()
    return scope_for_user(User.objects.all(), user).prefetch_related("roles").order_by("username")


def staff_get_for_user(*, user: User, staff_id: Any) -> User:
    return get_for_user_or_404(User.objects.prefetch_related("roles"), user, staff_id)
