"""API: 相談者 (register, duplicate candidates, read, update with optimistic locking)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from tsunagu.core.locking import StaleVersionError
from tsunagu.persons import selectors as person_selectors
from tsunagu.persons import services as person_services
from tsunagu.persons.models import RESTRICTED_FIELDS, Person
from tsunagu.persons.policies import masked_value, restricted_visible_person_ids

from ..schemas import (
    DuplicateCandidateOut,
    DuplicateQueryIn,
    PersonCreateIn,
    PersonOut,
    PersonPatchIn,
)
from .common import ERRORS, actor, refuse_nulls

router = Router()


_PERSON_OUT_FIELDS = (
    "name",
    "kana",
    "gender",
    "postal_code",
    "address",
    "phone",
    "phone_alt",
    "email",
    "workplace",
    "contact_method",
    "contact_times",
    "nationality",
    "housing_status",
)


def person_out(user: Any, person: Person) -> dict[str, Any]:
    visible = restricted_visible_person_ids(user, [person])
    hidden = person.is_restricted and person.pk not in visible
    return {
        "id": person.pk,
        "version": person.version,
        "birth_date": person.birth_date,
        "is_restricted": person.is_restricted,
        "restricted_fields_hidden": hidden,
        **{f: masked_value(person, f, visible) for f in _PERSON_OUT_FIELDS},
    }


@router.post("/persons", response={201: PersonOut, **ERRORS}, tags=["相談者"], summary="相談者を登録")
def person_create(request: HttpRequest, payload: PersonCreateIn) -> Status:
    person = person_services.person_create(actor=actor(request), values=payload.dict())
    return Status(201, person_out(actor(request), person))


@router.post(
    "/persons/duplicate-candidates",
    response={200: list[DuplicateCandidateOut], **ERRORS},
    tags=["相談者"],
    summary="重複候補（名寄せ候補）を一致度順に返す",
)
def person_duplicates(request: HttpRequest, payload: DuplicateQueryIn) -> list[dict[str, Any]]:
    candidates = person_selectors.person_duplicate_candidates(
        user=actor(request),
        name=payload.name,
        kana=payload.kana,
        birth_date=payload.birth_date,
        phone=payload.phone,
        address=payload.address,
        min_score=0.3,
        limit=20,
    )
    return [
        {
            "person_id": c.person.pk,
            "name": c.person.name,
            "kana": c.person.kana,
            "birth_date": c.person.birth_date,
            "score": c.score,
            "reasons": c.reasons,
        }
        for c in candidates
    ]


@router.get(
    "/persons/{person_id}", response={200: PersonOut, **ERRORS}, tags=["相談者"], summary="相談者を取得"
)
def person_get(request: HttpRequest, person_id: int) -> dict[str, Any]:
    person = person_selectors.person_get_for_user(user=actor(request), person_id=person_id)
    return person_out(actor(request), person)


@router.patch(
    "/persons/{person_id}",
    response={200: PersonOut, **ERRORS},
    tags=["相談者"],
    summary="相談者を更新（楽観的ロック）",
)
def person_patch(request: HttpRequest, person_id: int, payload: PersonPatchIn) -> dict[str, Any]:
    person = person_selectors.person_get_for_user(user=actor(request), person_id=person_id, audit=False)
    # Everything sent goes to the one service (restricted fields, the restriction itself with its
    # restriction_reason, optimistic locking): nothing is decided here.
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version"}
    refuse_nulls(values, Person, values)
    try:
        person = person_services.person_update(
            actor=actor(request), person=person, values=values, expected_version=payload.version
        )
    except StaleVersionError as exc:
        raise ValidationError({"version": exc.messages[0]}) from exc
    person_selectors.persons_restricted_fields_shown(
        user=actor(request),
        persons=[person],
        visible_ids=restricted_visible_person_ids(actor(request), [person]),
        fields=list(RESTRICTED_FIELDS),
        via="api",
    )
    return person_out(actor(request), person)
