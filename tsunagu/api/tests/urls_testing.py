"""A test-only URLconf: the real API plus a small API with unsafe methods and typed input.

Production has no POST endpoint yet; this one is built from the very same parts as ``api`` (the
authenticators from ``api_auth()`` and ``install_error_handlers``), so CSRF and the 422 answers
are tested through the whole middleware stack. It is mounted only by tests (``@pytest.mark.urls``).
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.urls import include, path
from ninja import Field, NinjaAPI, Schema

from tsunagu.api.api import require
from tsunagu.api.auth import api_auth
from tsunagu.api.errors import install_error_handlers
from tsunagu.api.models import ApiToken
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import get_for_user_or_404

testing_api = NinjaAPI(urls_namespace="api-testing", auth=api_auth(), docs_url=None, openapi_url=None)
install_error_handlers(testing_api)


class AddressIn(Schema):
    postal_code: str = Field(pattern=r"^\d{3}-\d{4}$")


class EchoIn(Schema):
    name: str = Field(min_length=1, max_length=10)
    count: int = Field(ge=0)
    first_contact_on: datetime.date
    address: AddressIn | None = None


@testing_api.post("/echo")
def echo(request: HttpRequest, payload: EchoIn, dry_run: bool = False) -> dict:
    return {"username": request.user.username, "name": payload.name}  # type: ignore[union-attr]


@testing_api.get("/tokens/{pk}")
def token_detail(request: HttpRequest, pk: int) -> dict:
    """Fetch-and-check through the one scoping function (a token belongs to its user's agency)."""
    token = get_for_user_or_404(
        ApiToken.objects.all(),
        request.user,
        pk,
        agency_field="user__agency",
        municipality_field="user__municipality",
    )
    return {"prefix": token.prefix}


@testing_api.get("/staff-only")
def staff_only(request: HttpRequest) -> dict:
    require(request, Permission.STAFF_MANAGE)
    return {}


urlpatterns = [path("api/testing/", testing_api.urls), path("", include("config.urls"))]
