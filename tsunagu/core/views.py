"""Cross-cutting views: error pages, CSRF failure, the 和暦/西暦 toggle."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/403_csrf.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def _refusal_message(exception: Exception | None) -> str:
    """The refusal's own Japanese message (``organizations.guards.AccessDenied`` carries one)."""
    message = getattr(exception, "message", None) or (
        exception.args[0] if exception and exception.args else ""
    )
    return message if isinstance(message, str) else ""


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The one 403 page of the screens: it shows the message of the refusal that was raised."""
    return render(request, "errors/403.html", {"message": _refusal_message(exception)}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)


@require_POST
def set_date_style(request: HttpRequest) -> HttpResponse:
    style = request.POST.get("style")
    request.session["date_style"] = "seireki" if style == "seireki" else "wareki"
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)
