"""Reads on staff and organisations, always scoped to the user."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.shortcuts import get_object_or_404

from . import guards
from .models import STAFF_STATUSES, Agency, Municipality, Prefecture, User
from .roles import Permission
from .scoping import get_for_user_or_404, scope_for_user


def staff_visible_to(user: User) -> models.QuerySet[User]:
    if not guards.allowed(user, Permission.STAFF_VIEW):
        return User.objects.none()
    return scope_for_user(User.objects.all(), user).prefetch_related("roles").order_by("username")


def staff_get_for_user(*, user: User, staff_id: Any) -> User:
    return get_for_user_or_404(User.objects.prefetch_related("roles"), user, staff_id)


# --- 導入と移行: 初期設定の画面 -------------------------------------------------------------------
# Prefectures, municipalities and agencies are not personal data: the システム管理者 (site.manage)
# reads them all; nobody else reaches these selectors (the views require site.manage first).


def prefectures_all() -> models.QuerySet[Prefecture]:
    return Prefecture.objects.order_by("code")


def municipalities_for_setup(user: User) -> models.QuerySet[Municipality]:
    if not guards.allowed(user, Permission.SITE_MANAGE):
        return Municipality.objects.none()
    return Municipality.objects.select_related("prefecture").order_by("code")


def agencies_for_setup(user: User) -> models.QuerySet[Agency]:
    if not guards.allowed(user, Permission.SITE_MANAGE):
        return Agency.objects.none()
    return (
        Agency.objects.select_related("municipality__prefecture")
        .prefetch_related("served_municipalities")
        .order_by("name")
    )


def municipality_for_setup_or_404(user: User, municipality_id: Any) -> Municipality:
    return get_object_or_404(municipalities_for_setup(user), pk=municipality_id)


def agency_for_setup_or_404(user: User, agency_id: Any) -> Agency:
    return get_object_or_404(agencies_for_setup(user), pk=agency_id)


def staff_manageable_by(user: User) -> models.QuerySet[User]:
    """The accounts ``user`` may manage: every account for the システム管理者, else the staff list
    scope (own agency / own municipality)."""
    if guards.allowed(user, Permission.SITE_MANAGE):
        return (
            User.objects.select_related("agency", "municipality")
            .prefetch_related("roles")
            .order_by("agency__name", "municipality__code", "username")
        )
    return staff_visible_to(user)


def staff_search(queryset: models.QuerySet[User], *, q: str = "", status: str = "") -> models.QuerySet[User]:
    """職員アカウントの検索 (the set-up list and its API): words of ``q`` each match the user name,
    the 氏名 or its カナ, or the name of the agency or municipality (all words must match);
    ``status`` is ``active`` or ``disabled`` (anything else: both)."""
    for word in q.split():
        queryset = queryset.filter(
            models.Q(username__icontains=word)
            | models.Q(display_name__icontains=word)
            | models.Q(display_name_kana__icontains=word)
            | models.Q(agency__name__icontains=word)
            | models.Q(municipality__name__icontains=word)
        )
    if status in STAFF_STATUSES:
        queryset = queryset.filter(is_active=status == "active")
    return queryset


def staff_manageable_get(*, user: User, staff_id: Any) -> User:
    """One account the user may manage; 404 for absent and not-yours alike."""
    if guards.allowed(user, Permission.SITE_MANAGE):
        return get_object_or_404(staff_manageable_by(user), pk=staff_id)
    return staff_get_for_user(user=user, staff_id=staff_id)
