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
