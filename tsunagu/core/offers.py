"""Values one screen offers to another's form (「一つの出典」: a change is offered, never copied).

The 住居確保給付金 application and the 家計表 offer a figure that differs from the assessment as a
link to a new assessment version, prefilled. The link carries the banner text and the values in one
signed token (``django.core.signing``), bound to the account and to the form's path, and valid for a
day: a link made up outside the application, or sent to a colleague, puts no words or figures on a
caseworker's screen. Reading it writes nothing; the form saves only when the user submits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core import signing

SALT = "tsunagu.core.offers"
MAX_AGE_SECONDS = 24 * 60 * 60
LABEL_MAX = 100


def offer_token(*, user: Any, path: str, label: str, values: Mapping[str, int]) -> str:
    """The token of an offer of ``values`` (field → integer) to the form at ``path`` for ``user``."""
    payload = {"u": user.pk, "p": path, "l": label[:LABEL_MAX], "v": {k: int(v) for k, v in values.items()}}
    return signing.dumps(payload, salt=SALT, compress=True)


def read_offer(token: str, *, user: Any, path: str) -> tuple[str, dict[str, int]] | None:
    """(banner text, values) of a valid token for this account and form; None otherwise
    (tampered, expired, another account's or another form's)."""
    if not token:
        return None
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("u") != user.pk or payload.get("p") != path:
        return None
    values = payload.get("v")
    if not isinstance(values, dict):
        return None
    clean = {
        str(k): v for k, v in values.items() if isinstance(v, int) and not isinstance(v, bool) and v >= 0
    }
    return str(payload.get("l") or "")[:LABEL_MAX], clean
