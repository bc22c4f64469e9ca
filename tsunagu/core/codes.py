"""Reading category lists (区分マスタ). Forms and validators use these, never literals."""

from __future__ import annotations

from .models import CodeItem, CodeList


def code_choices(list_key: CodeList) -> list[tuple[str, str]]:
    return list(
        CodeItem.objects.filter(list_key=list_key, is_active=True)
        .order_by("sort_order", "code")
        .values_list("code", "label")
    )


def code_labels(list_key: CodeList) -> dict[str, str]:
    """All codes of a list (inactive too, so old records still show their labels)."""
    return dict(CodeItem.objects.filter(list_key=list_key).values_list("code", "label"))


def valid_codes(list_key: CodeList) -> set[str]:
    return set(CodeItem.objects.filter(list_key=list_key, is_active=True).values_list("code", flat=True))
