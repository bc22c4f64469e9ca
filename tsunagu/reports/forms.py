"""The layout form of the 支援ケース一覧 (the columns chosen and their 並び順)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .case_list import COLUMNS


def layout_from_post(data: Mapping[str, Any]) -> list[str]:
    """The columns chosen on the layout form (``use_<key>``), ordered by their 並び順 (``order_<key>``;
    ties and blanks keep the declared order)."""
    chosen = []
    for i, column in enumerate(COLUMNS):
        if data.get(f"use_{column.key}"):
            raw = str(data.get(f"order_{column.key}") or "").strip()
            order = int(raw) if raw.isascii() and raw.isdigit() else 1000 + i
            chosen.append((order, i, column.key))
    return [key for _order, _i, key in sorted(chosen)]


def move_column(keys: list[str], move: str) -> list[str]:
    """``keys`` with one moved a place: ``move`` is ``up:<key>`` or ``down:<key>``."""
    direction, _, key = move.partition(":")
    if key not in keys or direction not in ("up", "down"):
        return keys
    i = keys.index(key)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(keys):
        return keys
    out = list(keys)
    out[i], out[j] = out[j], out[i]
    return out
