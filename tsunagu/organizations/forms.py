"""The TOTP step of the login refuses a locked-out account (wrong codes lock it like passwords)."""

from __future__ import annotations

from allauth.mfa.base.forms import AuthenticateForm
from django import forms

from .auth import LOCKED_OUT, is_locked_out


class StaffAuthenticateForm(AuthenticateForm):
    """MFA_FORMS["authenticate"]: no code is checked while the account is locked out, so guessing
    stops at the same limit as for passwords (each wrong code is counted by ``signals.py``)."""

    def clean_code(self) -> str:
        if is_locked_out(self.user.username):
            raise forms.ValidationError(LOCKED_OUT, code="locked_out")
        code: str = super().clean_code()
        return code
