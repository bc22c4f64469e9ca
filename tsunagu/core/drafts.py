"""What a user typed survives an expired session (入力内容の一時保存).

When a form is posted after the session expired, the login middleware keeps the posted
values in the (new, anonymous) server-side session and sends the user to log in. Back on the
same page, ``form_data`` hands the kept values to the form once, so nothing typed is lost.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest, QueryDict

DRAFT_KEY = "tsunagu_pending_form"
DRAFT_MAX_AGE_SECONDS = 2 * 3600


def draft_keep(request: HttpRequest) -> None:
    data = {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"}
    request.session[DRAFT_KEY] = {"path": request.path, "data": data, "at": time.time()}


def form_data(request: HttpRequest) -> Any:
    """request.POST for a POST; for a GET, the values kept from an expired session (once); else None."""
    if request.method == "POST":
        return request.POST
    draft = request.session.get(DRAFT_KEY) if hasattr(request, "session") else None
    if draft and draft.get("path") == request.path and time.time() - draft.get("at", 0) < DRAFT_MAX_AGE_SECONDS:
        del request.session[DRAFT_KEY]
        q = QueryDict(mutable=True)
        for k, values in draft["data"].items():
            q.setlist(k, values)
        return q
    return None
