"""Reads on persons, always scoped; duplicate candidates (名寄せ候補)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, Q

from tsunagu.core.audit import audit_record, audit_record_many
from tsunagu.core.models import AuditAction
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import get_for_user_or_404, scope_for_user

from . import normalize
from .models import RESTRICTED_FIELDS, Person, PersonKanaTrigram
from .policies import restricted_contact_searchable_q, restricted_visible_person_ids

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


def persons_visible_to(user: User) -> models.QuerySet[Person]:
    """Active (not merged-away) persons the user may see."""
    if not user.can(Permission.PERSON_VIEW):
        return Person.objects.none()
    return scope_for_user(Person.objects.filter(merged_into__isnull=True), user)


def person_get_for_user(*, user: User, person_id: Any, audit: bool = True) -> Person:
    """Fetch-and-check one person (404 if absent or not yours); the view is audited."""
    if not user.can(Permission.PERSON_VIEW):
        get_for_user_or_404(Person.objects.none(), user, person_id)
    person = get_for_user_or_404(Person.objects.select_related("agency", "municipality"), user, person_id)
    if audit:
        visible = restricted_visible_person_ids(user, [person])
        audit_record(actor=user, action=AuditAction.VIEW, obj=person, person_id=person.pk)
        if person.is_restricted and person.pk in visible:
            audit_record(
                actor=user,
                action=AuditAction.RESTRICTED_VIEW,
                obj=person,
                person_id=person.pk,
                details={"fields": list(RESTRICTED_FIELDS)},
            )
    return person


def persons_restricted_fields_shown(
    *, user: User, persons: list[Person], visible_ids: set[int], fields: list[str], via: str
) -> None:
    """Audit RESTRICTED_VIEW for each restricted person whose ``fields`` are shown to ``user``
    (one row per person, so "who saw person X" finds it). Call where the values are shown."""
    shown = [p for p in persons if p.is_restricted and p.pk in visible_ids]
    audit_record_many(
        actor=user, action=AuditAction.RESTRICTED_VIEW, objects=shown, details={"fields": fields, "via": via}
    )


@dataclass
class DuplicateCandidate:
    person: Person
    score: float
    reasons: list[str] = field(default_factory=list)


MAX_CANDIDATES_SCORED = 300


def person_duplicate_candidates(
    *,
    user: User,
    name: str = "",
    kana: str = "",
    birth_date: date | None = None,
    phone: str = "",
    address: str = "",
    exclude_id: int | None = None,
    limit: int = 10,
    min_score: float = 0.45,
    via: str = "duplicate_candidates",
) -> list[DuplicateCandidate]:
    """Ranked candidates among the persons ``user`` may see; the search is audited.

    Candidate generation in SQL (same on SQLite and PostgreSQL): shared フリガナ trigrams,
    same birth date, same phone, same 異体字-folded kanji name. Scoring in Python on at most
    MAX_CANDIDATES_SCORED rows (normalize.score_candidate).

    A search is a read of personal data: one SEARCH audit row per candidate returned (so that
    "who saw person X" finds it), or one without a person when none is found. The rows keep
    which keys were searched on and ``via`` (the screen or API), never the values typed.
    """
    keys = {
        "name": name,
        "kana": kana,
        "birth_date": birth_date,
        "phone": phone,
        "address": address,
    }
    found = _duplicate_candidates(
        user=user,
        name=name,
        kana=kana,
        birth_date=birth_date,
        phone=phone,
        address=address,
        exclude_id=exclude_id,
        limit=limit,
        min_score=min_score,
    )
    details = {
        "via": via,
        "keys": sorted(k for k, v in keys.items() if v),
        "results": len(found),
    }
    if found:
        audit_record_many(
            actor=user, action=AuditAction.SEARCH, objects=[c.person for c in found], details=details
        )
    else:
        audit_record(actor=user, action=AuditAction.SEARCH, object_type="person", details=details)
    return found


def _duplicate_candidates(
    *,
    user: User,
    name: str,
    kana: str,
    birth_date: date | None,
    phone: str,
    address: str,
    exclude_id: int | None,
    limit: int,
    min_score: float,
) -> list[DuplicateCandidate]:
    base = persons_visible_to(user)
    if exclude_id:
        base = base.exclude(pk=exclude_id)
    if name and not kana and normalize.is_valid_kana(name):
        kana, name = name, ""  # フリガナ typed into the name field
    surname = _surname_query(name=name, kana=kana, birth_date=birth_date, phone=phone, address=address)
    query = normalize.PersonKeys(
        kana_key=normalize.kana_key(kana) if kana else "",
        kana_family=normalize.kana_key_parts(kana)[0] if kana else "",
        kana_given=normalize.kana_key_parts(kana)[1] if kana else "",
        name_key=normalize.name_key(name) if name else "",
        birth_date=birth_date,
        phone_key=normalize.phone_key(phone) if phone else "",
        address_key=normalize.address_key(address) if address else "",
        kana=normalize.normalize_kana(kana).replace(" ", "") if kana else "",
        name=name,
    )
    cond = Q(pk__in=[])
    if query.kana_key and user.agency_id is not None:
        grams = normalize.trigrams(query.kana_key)
        needed = max(1, len(grams) // 3)
        ids = (
            PersonKanaTrigram.objects.filter(agency_id=user.agency_id, trigram__in=grams)
            .values("person_id")
            .annotate(shared=Count("id"))
            .filter(shared__gte=needed)
            .order_by("-shared")
            .values_list("person_id", flat=True)[:MAX_CANDIDATES_SCORED]
        )
        cond |= Q(pk__in=list(ids))
    if query.name_key:
        cond |= Q(name_key=query.name_key)
    if birth_date:
        cond |= Q(birth_date=birth_date)
    if query.phone_key:
        cond |= (
            Q(phone_key=query.phone_key) | Q(phone_alt_key=query.phone_key)
        ) & restricted_contact_searchable_q(user)
    if surname.kana_family:
        cond |= Q(kana_family_key=surname.kana_family)
    if surname.name_prefix:
        cond |= Q(name_key__startswith=surname.name_prefix)
    if not (query.kana_key or query.name_key or birth_date or query.phone_key):
        return []
    rows = list(base.filter(cond)[:MAX_CANDIDATES_SCORED])
    # Restricted persons (DV etc.): contact data the user may not see takes no part in the
    # match, so neither the score nor the reasons reveal a phone number or an address.
    contact_visible = restricted_visible_person_ids(user, rows)
    out = []
    for p in rows:
        contact = p.pk in contact_visible
        phone_alt_matches = bool(
            contact
            and query.phone_key
            and p.phone_alt_key == query.phone_key
            and p.phone_key != query.phone_key
        )
        other = normalize.PersonKeys(
            kana_key=p.kana_key,
            kana_family=p.kana_family_key,
            kana_given=normalize.kana_key_parts(p.kana)[1],
            name_key=p.name_key,
            birth_date=p.birth_date,
            phone_key=(p.phone_alt_key if phone_alt_matches else p.phone_key or p.phone_alt_key)
            if contact
            else "",
            address_key=p.address_key if contact else "",
            kana=normalize.normalize_kana(p.kana).replace(" ", ""),
            name=p.name,
        )
        score, reasons = normalize.score_candidate(query, other)
        if phone_alt_matches:
            reasons = ["電話番号（その他）が一致" if r == "電話番号が一致" else r for r in reasons]
        if surname.matches(p):
            # A surname alone is a search, not evidence: listed, never above the search's floor
            # (so it never makes a new registration look like a probable duplicate).
            score = max(score, min_score)
            if "姓が一致" not in reasons:
                reasons = [*reasons, "姓が一致"]
        if score >= min_score:
            out.append(DuplicateCandidate(person=p, score=round(score, 3), reasons=reasons))
    out.sort(key=lambda c: (-c.score, c.person.pk))
    return out[:limit]


@dataclass(frozen=True)
class _Surname:
    """A search on a surname alone (高橋, タカハシ, ﾀｶﾊｼ): every person with that surname."""

    kana_family: str = ""
    name_prefix: str = ""

    def matches(self, p: Person) -> bool:
        return bool(
            (self.kana_family and p.kana_family_key == self.kana_family)
            or (self.name_prefix and p.name_key.startswith(self.name_prefix))
        )


def _surname_query(*, name: str, kana: str, birth_date: date | None, phone: str, address: str) -> _Surname:
    """The surname keys when the search is only a name or フリガナ without a space (no given name,
    no birth date, phone or address); else none. Half-width kana and 異体字 are folded as always."""
    if birth_date or phone or address:
        return _Surname()
    kana_n = normalize.normalize_kana(kana).strip() if kana else ""
    name_n = " ".join((name or "").split())
    if (kana_n and " " in kana_n) or " " in name_n:
        return _Surname()
    return _Surname(
        kana_family=normalize.kana_key(kana_n) if kana_n else "",
        name_prefix=normalize.name_key(name_n) if name_n else "",
    )


# A new registration is stopped for confirmation when a candidate scores at least this much.
PROBABLE_DUPLICATE_SCORE = 0.6


def person_probable_duplicates(
    *, user: User, name: str, kana: str, birth_date: date | None, phone: str = "", address: str = ""
) -> list[DuplicateCandidate]:
    """Candidates close enough that registering a new person must be confirmed (重複登録の防止)."""
    return [
        c
        for c in person_duplicate_candidates(
            user=user,
            name=name,
            kana=kana,
            birth_date=birth_date,
            phone=phone,
            address=address,
            via="registration",
        )
        if c.score >= PROBABLE_DUPLICATE_SCORE
    ]


def person_merge_candidates(
    *, user: User, person: Person, min_score: float = 0.3, limit: int = 10
) -> list[DuplicateCandidate]:
    """名寄せ候補 for the merge page of ``person``: searched only on what ``user`` may see of it.

    A restricted person's phone and address (閲覧制限) take part in the search only for someone
    who may see them; otherwise a candidate "matching by phone" would tell the hidden number.
    The candidates' own hidden fields are left out of their scores the same way.
    """
    contact = person.pk in restricted_visible_person_ids(user, [person])
    return person_duplicate_candidates(
        user=user,
        name=person.name,
        kana=person.kana,
        birth_date=person.birth_date,
        phone=person.phone if contact else "",
        address=person.address if contact else "",
        exclude_id=person.pk,
        min_score=min_score,
        limit=limit,
        via="merge",
    )
