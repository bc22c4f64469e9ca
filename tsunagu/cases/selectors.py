"""Reads on cases, always starting from the one scoping mechanism."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Count, Q

from tsunagu.core.audit import audit_record
from tsunagu.core.dates import WarekiParseError, parse_date
from tsunagu.core.models import AuditAction
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import get_for_user_or_404, scope_for_user
from tsunagu.persons import normalize
from tsunagu.persons.models import PersonKanaTrigram
from tsunagu.persons.policies import restricted_contact_searchable_q

from .models import Case, Intake

PAGE_SIZE = 25
_CASE_NUMBER_RE = re.compile(r"^[RHSrhs]?\d{1,2}-\d{1,5}$")


def cases_visible_to(user: Any) -> models.QuerySet[Case]:
    if not user.can(Permission.PERSON_VIEW):
        return Case.objects.none()
    return scope_for_user(Case.objects.all(), user)


def case_get_for_user(*, user: Any, case_id: Any, audit: bool = True) -> Case:
    """Fetch-and-check one case (404 when absent or not yours); the view is audited."""
    if not user.can(Permission.PERSON_VIEW):
        get_for_user_or_404(Case.objects.none(), user, case_id)
    case = get_for_user_or_404(
        Case.objects.select_related("person", "assigned_worker", "agency", "municipality"), user, case_id
    )
    if audit:
        audit_record(actor=user, action=AuditAction.VIEW, obj=case, person_id=case.person_id)
    return case


def case_for_submission(*, user: Any, token: str) -> Case | None:
    """The case that the user's submission ``token`` already created (double submit), or None."""
    if not token or not user.agency_id:
        return None
    key = Intake.submission_key(agency_id=user.agency_id, actor_id=user.pk, token=token)
    return cases_visible_to(user).filter(intake__submission_token=key).first()


@dataclass
class CaseQuery:
    q: str = ""
    scope: str = "mine"  # mine | agency
    state: str = ""
    worker_id: int | None = None
    topic: str = ""
    after: str = ""  # keyset cursor "YYYY-MM-DD.id"


@dataclass
class CasePage:
    cases: list[Case]
    next_cursor: str
    searched: bool


def _search_condition(user: Any, q: str) -> Q | None:
    q = normalize.normalize_kana(q).strip() if q else ""
    if not q:
        return None
    if _CASE_NUMBER_RE.match(q):
        return Q(case_number__iexact=q.upper())
    try:
        d: date | None = parse_date(q)
    except WarekiParseError:
        d = None
    if d is not None:
        return Q(person__birth_date=d)
    digits = normalize.phone_key(q)
    if digits and len(digits) >= 4 and len(digits) == len(re.sub(r"[\s\-()（）]", "", q)):
        # A restricted person's number is searchable only by those who may see it.
        return (Q(person__phone_key__contains=digits) | Q(person__phone_alt_key__contains=digits)) & (
            restricted_contact_searchable_q(user, prefix="person__")
        )
    if normalize.is_valid_kana(q):
        key = normalize.kana_key(q)
        grams = normalize.trigrams(key)
        needed = max(1, (len(grams) * 2) // 3)
        ids = (
            PersonKanaTrigram.objects.filter(agency_id=user.agency_id, trigram__in=grams)
            .values("person_id")
            .annotate(shared=Count("id"))
            .filter(shared__gte=needed)
            .values("person_id")
        )
        return Q(person__kana_key__startswith=key) | Q(person_id__in=ids)
    return Q(person__name_key__contains=normalize.name_key(q))


def case_list(*, user: Any, query: CaseQuery) -> CasePage:
    """The case list: my cases (or the agency's, for 主任/センター長), search and filters, keyset pages.

    It opens on "my cases"; the whole agency is listed only for users who may (CASE_VIEW_ALL)
    and only when asked.
    """
    qs = cases_visible_to(user).select_related("person", "assigned_worker")
    if query.scope != "agency" or not user.can(Permission.CASE_VIEW_ALL):
        qs = qs.filter(assigned_worker=user)
    cond = _search_condition(user, query.q)
    if cond is not None:
        qs = qs.filter(cond)
    if query.state:
        qs = qs.filter(state=query.state)
    if query.worker_id:
        qs = qs.filter(assigned_worker_id=query.worker_id)
    if query.topic:
        qs = (
            qs.filter(topics__contains=query.topic)
            if _json_contains_supported()
            else qs.filter(topics__icontains=f'"{query.topic}"')
        )
    if query.after:
        try:
            d_s, id_s = query.after.split(".")
            d, pk = date.fromisoformat(d_s), int(id_s)
            qs = qs.filter(Q(opened_on__lt=d) | Q(opened_on=d, id__lt=pk))
        except ValueError:
            pass
    rows = list(qs.order_by("-opened_on", "-id")[: PAGE_SIZE + 1])
    next_cursor = ""
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        last = rows[-1]
        next_cursor = f"{last.opened_on.isoformat()}.{last.pk}"
    if query.q:
        audit_record(
            actor=user,
            action=AuditAction.SEARCH,
            object_type="case",
            details={"q_length": len(query.q), "results": len(rows)},
        )
    return CasePage(cases=rows, next_cursor=next_cursor, searched=bool(query.q))


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
