"""allauth adapters: no self sign-up (accounts are created by managers), TOTP cannot be removed."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest
from django.urls import reverse

from .roles import Permission


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """The システム管理者 (no personal data, no dashboard) starts on the 初期設定 screens."""
        user: Any = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.can(Permission.SITE_MANAGE):
            return reverse("setup:home")
        return str(super().get_login_redirect_url(request))

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        """After the password change (a temporary one replaced): where a login would lead."""
        return self.get_login_redirect_url(request)


class StaffMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Any) -> bool:
        # 多要素認証は全職員に必須: TOTP is never switched off; a lost device is reset by a manager.
        return authenticator.type != authenticator.Type.TOTP
