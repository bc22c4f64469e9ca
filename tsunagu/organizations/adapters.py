"""allauth adapters: no self sign-up (accounts are created by managers), TOTP cannot be removed."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class StaffMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Any) -> bool:
        # 多要素認証は全職員に必須: TOTP is never switched off; a lost device is reset by a manager.
        return authenticator.type != authenticator.Type.TOTP
