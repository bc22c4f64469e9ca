"""Reading category lists (区分マスタ). Forms and validators use these, never literals."""

from __future__ import annotations

from .models import CodeItem, CodeList
from .request_context import current_code_labels


def code_choices(list_key: CodeList) -> list[tuple[str, str]]:
    return list(
        CodeItem.objects.filter(list_key=list_key, is_active=True)
        .order_by("sort_order", "code")
        .values_list("code", "label")
    )


def code_labels(list_key: CodeList) -> dict[str, str]:
    """All codes of a list (inactive too, so old records still show their labels).

    During a request every list is read in one query, the first time any is asked for."""
    cache = current_code_labels.get()
    if cache is None:
        return dict(CodeItem.objects.filter(list_key=list_key).values_list("code", "label"))
    if not cache:
        for key, code, label in CodeItem.objects.order_by("list_key", "sort_order", "code").values_list(
            "list_key", "code", "label"
        ):
            cache.setdefault(key, {})[code] = label
        cache.setdefault("__loaded__", {})
    return dict(cache.get(list_key, {}))


def valid_codes(list_key: CodeList) -> set[str]:
    return set(CodeItem.objects.filter(list_key=list_key, is_active=True).values_list("code", flat=True))


def ensure_default_codes() -> int:
    """Seed the default category lists where missing (idempotent); returns how many were added.

    The data migration seeds them once; a transactional test (live server, threads) empties every
    table when it ends, so the demo loader calls this too.
    """
    from .default_codes import DEFAULT_CODES

    added = 0
    for list_key, items in DEFAULT_CODES.items():
        for order, (code, label) in enumerate(items, start=1):
            _, created = CodeItem.objects.get_or_create(
                list_key=list_key, code=code, defaults={"label": label, "sort_order": order * 10}
            )
            added += int(created)
    return added
