"""Who may see what of a person: the DV/restriction rule (閲覧制限)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from tsunagu.organizations.roles import Permission

from .models import RESTRICTED_FIELDS, Person

MASK = "（閲覧制限）"


def restricted_visible_person_ids(user: Any, persons: Iterable[Person]) -> set[int]:
    """Ids among ``persons`` whose restricted fields ``user`` may see (one query for a whole list).

    A restricted person's address, phone and workplace are visible only to the assigned staff
    of one of their cases and to the centre manager. Unrestricted persons are always included.
    """
    persons = list(persons)
    visible = {p.pk for p in persons if not p.is_restricted}
    restricted = [p.pk for p in persons if p.is_restricted]
    if not restricted:
        return visible
    if user.can(Permission.RESTRICTED_VIEW_ALL):
        return visible | set(restricted)
    assigned = Person.objects.filter(pk__in=restricted, cases__assigned_worker_id=user.pk).values_list(
        "pk", flat=True
    )
    return visible | set(assigned)


def restricted_contact_searchable_q(user: Any, prefix: str = "") -> Q:
    """The persons whose restricted fields ``user`` may search on (same rule as above, in SQL).

    A search by phone or address must not find a restricted person for someone who may not see
    those fields: the match itself would tell them the number or the address.
    ``prefix`` is the path to the person ("person__" from a case).
    """
    if user.can(Permission.RESTRICTED_VIEW_ALL):
        return Q()
    assigned = Person.objects.filter(cases__assigned_worker_id=user.pk).values("pk")
    return Q(**{f"{prefix}is_restricted": False}) | Q(**{f"{prefix}pk__in": assigned})


def masked_value(person: Person, field: str, visible_ids: set[int]) -> str:
    value = getattr(person, field)
    if field in RESTRICTED_FIELDS and person.is_restricted and person.pk not in visible_ids:
        return MASK if value else ""
    return value
