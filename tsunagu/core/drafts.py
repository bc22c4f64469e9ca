"""What a user typed survives an expired session (入力内容の一時保存).

When a form is posted after the session expired, the login middleware keeps the posted
values in the (new, anonymous) server-side session and sends the user to log in. Back on the
same page, ``form_data`` hands the kept values to the form once, so nothing typed is lost.

The draft remembers whose session expired (when that is known) and is given back only to the
same account: on a shared terminal, the next person to log in never sees it.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest, QueryDict

DRAFT_KEY = "tsunagu_pending_form"
DRAFT_MAX_AGE_SECONDS = 2 * 3600


def draft_keep(request: HttpRequest, *, owner_id: Any = None) -> None:
    """Keep the posted values (not the CSRF token) for ``request.path``; ``owner_id``: the user
    whose session expired, if known."""
    data = {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"}
    request.session[DRAFT_KEY] = {
        "path": request.path,
        "data": data,
        "at": time.time(),
        "owner": None if owner_id is None else str(owner_id),
    }


def form_data(request: HttpRequest) -> Any:
    """request.POST for a POST; for a GET, the values kept from an expired session (once); else None."""
    if request.method == "POST":
        return request.POST
    session = getattr(request, "session", None)
    draft = session.get(DRAFT_KEY) if session is not None else None
    if not draft or draft.get("path") != request.path:
        return None
    del session[DRAFT_KEY]  # type: ignore[union-attr]
    if time.time() - draft.get("at", 0) >= DRAFT_MAX_AGE_SECONDS:
        return None
    owner = draft.get("owner")
    user = getattr(request, "user", None)
    if owner is not None and str(getattr(user, "pk", "")) != owner:
        return None  # someone else logged in on this browser: the draft is not theirs
    q = QueryDict(mutable=True)
    for k, values in draft["data"].items():
        q.setlist(k, values)
    return q
