"""Per-request context: the client address (for audit rows written deep inside services) and the
category lists read during the request (one query instead of one per list)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)
current_code_labels: ContextVar[dict[str, dict[str, Any]] | None] = ContextVar(
    "current_code_labels", default=None
)
