"""Authentication backend: allauth's, plus the rule that demo accounts never work in production."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings


class StaffAuthenticationBackend(AuthenticationBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_demo", False) and not settings.TSUNAGU_ALLOW_DEMO_ACCOUNTS:
            return False
        return super().user_can_authenticate(user)
