"""Request-wide context for the core layer."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .request_context import current_code_labels, current_ip


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind N trusted proxies the Nth X-Forwarded-For entry from the right."""
    proxies = getattr(settings, "TSUNAGU_PROXY_COUNT", 0)
    if proxies:
        chain = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Remembers the client address so audit rows written by services carry it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        labels_token = current_code_labels.set({})
        try:
            return self.get_response(request)
        finally:
            current_code_labels.reset(labels_token)
            current_ip.reset(token)


class NoStoreMiddleware:
    """Authenticated answers are never kept by a browser or a proxy cache: every HTML page, JSON
    answer and file download of a logged-in account (or an API token) carries ``Cache-Control:
    no-store``. A shared office PC must not show personal data from its cache after logout."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)  # the API's bearer token sets it during the view
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response
