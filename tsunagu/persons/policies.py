"""Who may see what of a person, and who may change it: the DV/restriction rule (閲覧制限).

A restricted person's address, phone, e-mail and workplace (``RESTRICTED_FIELDS``) are shown
only to

- the センター長 (``restricted.view_all``);
- the worker assigned to one of the person's cases once the person has applied for support
  (利用申込) and while that case is open (``CONTACT_CASE_STATES``);
- the worker who registered the person, while assigned to the person's case still at 受付
  (``INTAKE_STATE``): they typed those values in themselves.

Opening an intake for someone else's restricted person does not reveal anything, and neither does
an intake that ended at screening (スクリーニングで終了・つなぎ), a closed or a suspended case.
``restricted_visible_person_ids`` (for showing) and ``restricted_contact_searchable_q`` (for
searching) apply the same rule; ``may_change_restriction`` says who may set or lift it
(``docs/tenancy.md``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q

from tsunagu.organizations.guards import allowed
from tsunagu.organizations.roles import Permission

from .models import RESTRICTED_FIELDS, Person

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

MASK = "（閲覧制限）"

# Case states, as the values of ``tsunagu.cases.models.CaseState`` (persons sits below cases and
# cannot import it; a test checks these against CaseState). Open and past 利用申込:
CONTACT_CASE_STATES = frozenset(
    {
        "applied",
        "assessment",
        "planning",
        "coordination_meeting",
        "decided",
        "in_support",
        "evaluation",
        "follow_up",
    }
)
# …and the intake (受付) itself, which counts only for the worker who registered the person.
INTAKE_STATE = "intake"


def _contact_q(user: User, prefix: str = "") -> Q:
    """The persons (reached through ``prefix``) whose restricted fields ``user`` may see as a
    worker — one condition on one case row of the person."""
    return Q(
        **{
            f"{prefix}cases__assigned_worker_id": user.pk,
            f"{prefix}cases__state__in": sorted(CONTACT_CASE_STATES),
        }
    ) | Q(
        **{
            f"{prefix}created_by_id": user.pk,
            f"{prefix}cases__assigned_worker_id": user.pk,
            f"{prefix}cases__state": INTAKE_STATE,
        }
    )


def restricted_visible_person_ids(user: User, persons: Iterable[Person]) -> set[int]:
    """Ids among ``persons`` whose restricted fields ``user`` may see (one query for a whole list).

    Unrestricted persons are always included; restricted ones by the rule of this module.
    """
    persons = list(persons)
    visible = {p.pk for p in persons if not p.is_restricted}
    restricted = [p.pk for p in persons if p.is_restricted]
    if not restricted:
        return visible
    if allowed(user, Permission.RESTRICTED_VIEW_ALL):
        return visible | set(restricted)
    assigned = (
        Person.objects.filter(_contact_q(user), pk__in=restricted).values_list("pk", flat=True).distinct()
    )
    return visible | set(assigned)


def restricted_contact_searchable_q(user: User, prefix: str = "") -> Q:
    """The persons whose restricted fields ``user`` may search on (same rule as above, in SQL).

    A search by phone or address must not find a restricted person for someone who may not see
    those fields: the match itself would tell them the number or the address.
    ``prefix`` is the path to the person ("person__" from a case).
    """
    if allowed(user, Permission.RESTRICTED_VIEW_ALL):
        return Q()
    assigned = Person.objects.filter(_contact_q(user)).values("pk")
    return Q(**{f"{prefix}is_restricted": False}) | Q(**{f"{prefix}pk__in": assigned})


def may_change_restriction(user: User, person: Person | None = None) -> bool:
    """Whether ``user`` may set or lift the restriction of ``person`` (None: a new registration).

    Caseworkers and the センター長 (``person.edit`` and ``case.edit``) may; a 事務員 may not. A
    restriction already in force is lifted only by someone who may see the hidden fields.
    The person edit form and ``person_update`` (screen and API) both ask this.
    """
    if not (allowed(user, Permission.PERSON_EDIT) and allowed(user, Permission.CASE_EDIT)):
        return False
    if person is None or person.pk is None or not person.is_restricted:
        return True
    return person.pk in restricted_visible_person_ids(user, [person])


def masked_value(person: Person, field: str, visible_ids: set[int]) -> str:
    value = getattr(person, field)
    if field in RESTRICTED_FIELDS and person.is_restricted and person.pk not in visible_ids:
        return MASK if value else ""
    return value  # type: ignore[no-any-return]
