"""Reading the category lists for the 区分マスタ screens: which municipalities an account may edit,
and one list of one municipality with the number of records using each code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from tsunagu.core.codes import COUNTED_LISTS, EffectiveCode, effective_list, usage_counts
from tsunagu.core.models import CodeItem, CodeList
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import not_found


def municipalities_editable(actor: Any) -> models.QuerySet[Municipality]:
    """The municipalities whose lists the account may edit: a 自治体担当者 its own; the staff of an
    agency (センター長) the municipalities of the agency's area (``Agency.area``). Nothing else."""
    if not getattr(actor, "is_authenticated", False) or not actor.can(Permission.CODES_EDIT):
        return Municipality.objects.none()
    if getattr(actor, "municipality_id", None):
        return Municipality.objects.filter(pk=actor.municipality_id)
    if getattr(actor, "agency_id", None):
        return Municipality.objects.area_of(actor.agency_id).order_by("code")
    return Municipality.objects.none()


def municipality_for_user_or_404(actor: Any, municipality_id: Any) -> Municipality:
    """One municipality the account may edit; 404 for an absent one and for another's."""
    try:
        return municipalities_editable(actor).get(pk=int(municipality_id))
    except (Municipality.DoesNotExist, ValueError, TypeError):
        raise not_found(actor, Municipality, municipality_id) from None


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
