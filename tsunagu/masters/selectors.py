"""Reading the category lists for the 区分マスタ screens: which municipalities an account may edit,
and one list of one municipality with the number of records using each code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tsunagu.core.codes import COUNTED_LISTS, EffectiveCode, effective_list, usage_counts
from tsunagu.core.models import CodeItem, CodeList
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.scoping import not_found

from .policies import municipalities_editable as municipalities_editable
from .policies import municipality_for_user_or_404 as municipality_for_user_or_404


def list_key_or_404(actor: Any, list_key: str) -> CodeList:
    if list_key not in CodeList.values:
        raise not_found(actor, CodeItem, list_key)
    return CodeList(list_key)


@dataclass(frozen=True)
class CodeRow:
    code: EffectiveCode
    in_use: int
    row: CodeItem | None  # the municipality's own row (an override or an own code), if any

    @property
    def can_delete(self) -> bool:
        return self.code.own and self.in_use == 0


def code_rows(list_key: CodeList, municipality: Municipality) -> list[CodeRow]:
    """The list as the municipality uses it, each code with how many of its records use it."""
    codes = effective_list(list_key, municipality)
    counts = usage_counts(list_key, [c.code for c in codes], municipality)
    own_rows = {
        r.code: r for r in CodeItem.objects.filter(list_key=list_key, municipality_id=municipality.pk)
    }
    return [CodeRow(c, counts.get(c.code, 0), own_rows.get(c.code)) for c in codes]


def is_counted(list_key: CodeList) -> bool:
    return list_key in COUNTED_LISTS


def standard_choices(list_key: CodeList) -> list[tuple[str, str]]:
    return [(c.code, c.label) for c in effective_list(list_key, None)]
