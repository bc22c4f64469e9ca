"""What the apps above hold for one agency (機関の未完了の業務): asked before an agency is made 無効.

The organizations app sits at the bottom of the layers (``.importlinter``), yet deactivating an
agency must be refused while it still has open cases. As with ``cases/hub.py``, each app above
registers one contributor in its ``AppConfig.ready()``; this app asks the registry and never
imports them. A contributor answers ``(label, count)`` for one agency with a fixed number of
queries, e.g. the cases app: ``("支援中のケース", Case.objects.filter(agency_id=…, state__in=open))``.
"""

from __future__ import annotations

from collections.abc import Callable

# agency id → (what is open, how many); count 0 means nothing blocks.
OpenWork = Callable[[int], tuple[str, int]]

_CONTRIBUTORS: dict[str, OpenWork] = {}


def register_open_work(key: str, contributor: OpenWork) -> None:
    """One contributor per app (``key`` = the app label); registering again replaces it."""
    _CONTRIBUTORS[key] = contributor


def unregister_open_work(key: str) -> None:
    _CONTRIBUTORS.pop(key, None)


def open_work_of(agency_id: int) -> list[tuple[str, int]]:
    """Every non-zero (label, count) the registered apps report for ``agency_id``."""
    found = []
    for key in sorted(_CONTRIBUTORS):
        label, count = _CONTRIBUTORS[key](agency_id)
        if count:
            found.append((label, count))
    return found
