"""API authentication: a bearer token, or a staff session (with CSRF). Both end in the same user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from tsunagu.organizations.auth import LOCKED_OUT, is_locked_out
from tsunagu.organizations.guards import deny

from .services import api_token_authenticate

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer tsg_…`` — for integrations. Unknown, revoked or disabled → None.

    While the token's account is locked out (repeated wrong passwords or TOTP codes), the token
    is refused too (403 with the Japanese message, audited): a lockout stops every way in.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token)
        if user is not None and is_locked_out(user.username):
            deny(user, reason="locked_out", message=LOCKED_OUT, via="api_token")
        if user is not None:
            request.user = user
        return user


class StaffSessionAuth(SessionAuth):
    """A logged-in session counts only when the account has completed MFA set-up.

    CSRF is enforced for unsafe methods, but only when the request carries the session cookie:
    ninja's cookie auth checks CSRF before looking at the cookie, and its failure ends the whole
    authentication — so without this a bearer-token POST (no cookie, no CSRF token) would be refused
    with 403 before ``BearerTokenAuth`` is even consulted. A request without the session cookie
    cannot ride on a browser session, so there is nothing for CSRF to protect.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if key is None:
            return None
        user = super().authenticate(request, key)
        if user is None or not is_mfa_enabled(user):
            return None
        return user


def api_auth() -> list[BearerTokenAuth | StaffSessionAuth]:
    """The authenticators of every API operation, in order: a bearer token first, then the session."""
    return [BearerTokenAuth(), StaffSessionAuth()]


def api_user(request: HttpRequest) -> User | None:
    """The user a safe (GET) request authenticates as, for views outside ninja's operations."""
    for authenticator in api_auth():
        user = authenticator(request)
        if user:
            return user
    return None
