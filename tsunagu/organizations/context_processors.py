from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .roles import Permission


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Navigation entries the current user may use (the menu never offers what would be refused)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("ダッシュボード", reverse("dashboard:home"), Permission.DASHBOARD_VIEW)]
    items += [
        ("ケース一覧", reverse("cases:case_list"), Permission.PERSON_VIEW),
        ("相談受付", reverse("cases:intake_start"), Permission.CASE_EDIT),
        ("職員", reverse("organizations:staff_list"), Permission.STAFF_VIEW),
        ("監査ログ", reverse("privacy:audit_search"), Permission.AUDIT_VIEW),
    ]
    path = request.path
    return {
        "nav_items": [
            {"label": label, "url": url, "current": path == url or (url != "/" and path.startswith(url))}
            for label, url, perm in items
            if user.can(perm)
        ]
    }
