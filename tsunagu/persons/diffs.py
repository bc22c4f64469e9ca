"""What a stale save shows (楽観的ロック): the person or household as saved meanwhile, beside
what the user typed — rows for ``templates/includes/stale.html`` built with ``core.locking``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from tsunagu.core.dates import wareki
from tsunagu.core.locking import DiffRow, diff_rows, field_labels, model_values

from .models import Gender, HouseholdMember, Person
from .services import HOUSEHOLD_FIELDS, PERSON_FIELDS


def _shown(field: str, value: Any) -> str:
    if value in (None, ""):
        return "（空欄）"
    if isinstance(value, bool):
        return "あり" if value else "なし"
    if isinstance(value, date):
        return wareki(value)
    if field == "gender":
        return Gender(value).label if value in Gender.values else str(value)
    return str(value)


def person_diff_rows(current: Person, typed: Mapping[str, Any]) -> list[DiffRow]:
    """(項目, 他の職員が保存した内容, あなたの入力) for every person field where the two differ."""
    fields = [f for f in PERSON_FIELDS if f in typed]
    return diff_rows(model_values(current, fields), typed, field_labels(Person, fields), _shown)


def member_text(member: Mapping[str, Any]) -> str:
    """One 世帯員 as one line: 氏名（フリガナ）・続柄・生年月日・同居／別居."""
    if not any(member.get(k) for k in ("name", "kana", "relationship", "birth_date")):
        return "（なし）"
    parts = [str(member.get("name") or "").strip()]
    if member.get("kana"):
        parts[0] += f"（{member['kana']}）"
    parts.append(str(member.get("relationship") or "").strip())
    if member.get("birth_date"):
        parts.append(wareki(member["birth_date"]))
    parts.append("同居" if member.get("lives_together", True) else "別居")
    return "・".join(p for p in parts if p)


def household_diff_rows(person: Person, typed: Iterable[Mapping[str, Any]]) -> list[DiffRow]:
    """Row by row (世帯員1, 世帯員2, …): the household as saved now beside the members typed."""
    saved: list[HouseholdMember] = list(person.household.all())
    theirs = [member_text({f: getattr(m, f) for f in HOUSEHOLD_FIELDS}) for m in saved]
    mine = [member_text(m) for m in typed]
    count = max(len(theirs), len(mine))
    labels = {str(i): f"世帯員 {i + 1}" for i in range(count)}
    return diff_rows(
        {str(i): t for i, t in enumerate(theirs)},
        {str(i): t for i, t in enumerate(mine)},
        labels,
        lambda _field, value: value or "（なし）",
    )
