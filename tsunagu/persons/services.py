"""Writes on persons: create, update (optimistic locking), household, link/merge with undo.

Refusals go through ``tsunagu.organizations.guards`` (one audited ACCESS_DENIED row each);
stale saves raise the one ``tsunagu.core.locking.StaleVersionError`` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from tsunagu.core.audit import audit_record, audit_record_many
from tsunagu.core.locking import (
    StaleVersionError,
    VersionMissingError,
    check_version,
    lock,
    parse_version,
)
from tsunagu.core.models import AuditAction
from tsunagu.organizations.guards import deny, require, require_agency_of
from tsunagu.organizations.roles import Permission

from . import normalize
from .models import RESTRICTED_FIELDS, HouseholdMember, Person, PersonKanaTrigram, PersonMerge
from .policies import may_change_restriction, restricted_visible_person_ids
from .validation import validate_person_values

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

__all__ = [
    "HOUSEHOLD_FIELDS",
    "PERSON_FIELDS",
    "StaleVersionError",
    "VersionMissingError",
    "household_set",
    "person_create",
    "person_create_many",
    "person_merge",
    "person_merge_undo",
    "person_update",
]

PERSON_FIELDS = (
    "name",
    "kana",
    "birth_date",
    "gender",
    "postal_code",
    "address",
    "phone",
    "phone_alt",
    "email",
    "contact_method",
    "contact_times",
    "nationality",
    "housing_status",
    "workplace",
    "is_restricted",
    "restriction_reason",
)


def _clean_values(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: values[k] for k in PERSON_FIELDS if k in values}
    for k, v in list(out.items()):
        if isinstance(v, str):
            out[k] = v.strip()
    if out.get("kana"):
        out["kana"] = normalize.normalize_kana(out["kana"])
    if out.get("postal_code"):
        out["postal_code"] = normalize.format_postal_code(normalize.postal_code_key(out["postal_code"]))
    return out


def _derive_keys(person: Person) -> None:
    person.name_key = normalize.name_key(person.name)
    person.kana_key = normalize.kana_key(person.kana)
    person.kana_family_key = normalize.kana_key_parts(person.kana)[0]
    person.phone_key = normalize.phone_key(person.phone) if person.phone else ""
    person.phone_alt_key = normalize.phone_key(person.phone_alt) if person.phone_alt else ""
    person.address_key = normalize.address_key(person.address) if person.address else ""


def _trigram_rows(person: Person) -> list[PersonKanaTrigram]:
    """The カナ検索索引 rows of a person (from the derived ``kana_key``)."""
    return [
        PersonKanaTrigram(person_id=person.pk, agency_id=person.agency_id, trigram=t)
        for t in sorted(normalize.trigrams(person.kana_key))
    ]


def _index_trigrams(person: Person) -> None:
    PersonKanaTrigram.objects.filter(person=person).delete()
    PersonKanaTrigram.objects.bulk_create(_trigram_rows(person))


RESTRICTION_CHANGE_FORBIDDEN = "閲覧制限の設定・解除は、相談支援員（担当者）またはセンター長のみ行えます。"
RESTRICTED_EDIT_FORBIDDEN = "閲覧制限のある項目は、担当者またはセンター長のみ更新できます。"


CREATE_CHUNK = 500
# Checked on the first row of a batch only: the agency, its municipality and the actor are the same
# for every row, and a new person is merged into no one (the one constraint, ``merged_into`` ≠ self).
_SAME_FOR_EVERY_ROW = ("agency", "municipality", "created_by", "merged_into")


def _require_registrar(actor: User) -> None:
    require(actor, Permission.PERSON_EDIT)
    if actor.agency is None:
        deny(
            actor,
            permission=Permission.PERSON_EDIT,
            reason="no_agency",
            message="機関に所属する職員のみ登録できます。",
        )


def _new_person(actor: User, values: dict[str, Any], *, first: bool) -> Person:
    """A person to register, validated and with its search keys; not saved.

    ``validate_person_values`` and ``full_clean`` as on the screens; on any row but a batch's
    first, the fields in ``_SAME_FOR_EVERY_ROW`` and the constraints were checked already (one
    query each per batch instead of per row).
    """
    validate_person_values(values)
    data = _clean_values(values)
    agency = actor.agency
    assert agency is not None
    person = Person(**data, agency=agency, municipality=agency.municipality, created_by=actor)
    _derive_keys(person)
    if first:
        person.full_clean()
    else:
        person.full_clean(exclude=_SAME_FOR_EVERY_ROW, validate_constraints=False)
    return person


def person_create(*, actor: User, values: dict[str, Any]) -> Person:
    """Register a person in the actor's agency. Search keys are derived here.

    A new registration may be restricted (閲覧制限) by anyone who may register: it only hides.
    The one-row case of ``person_create_many``: its refusal, or the row's ValidationError, raised.
    """
    (result,) = person_create_many(actor=actor, rows=[values])
    if isinstance(result, ValidationError):
        raise result
    return result


def person_create_many(
    *,
    actor: User,
    rows: Sequence[dict[str, Any]],
    progress: Callable[[int], None] | None = None,
) -> list[Person | ValidationError]:
    """Register many persons in the actor's agency with the rules of ``person_create``.

    The permission is checked once (a refusal raises, nothing is written). Each row is validated
    as a single registration is; a row in error gives its ``ValidationError`` at its place in the
    result and is not written, the other rows are. The persons are inserted ``CREATE_CHUNK`` at a
    time (``bulk_create``, which returns the new ids on SQLite and PostgreSQL), with their カナ検索索引
    rows and one CREATE audit row each (``audit_record_many``), in one transaction — the caller's,
    when it has one. ``Person`` has no ``save()`` override and no signal receivers, so nothing
    ``save()`` would do is skipped; ``created_at``/``updated_at`` are set by ``bulk_create``.
    ``progress(n)`` is called after each chunk with the number of rows handled so far.
    """
    _require_registrar(actor)
    assert connection.features.can_return_rows_from_bulk_insert
    results: list[Person | ValidationError] = []
    first = True
    with transaction.atomic():
        for start in range(0, len(rows), CREATE_CHUNK):
            chunk: list[Person] = []
            for values in rows[start : start + CREATE_CHUNK]:
                try:
                    person = _new_person(actor, values, first=first)
                except ValidationError as exc:
                    results.append(exc)
                    continue
                first = False
                chunk.append(person)
                results.append(person)
            if chunk:
                Person.objects.bulk_create(chunk)
                PersonKanaTrigram.objects.bulk_create([t for p in chunk for t in _trigram_rows(p)])
                audit_record_many(actor=actor, action=AuditAction.CREATE, objects=chunk, details={})
            if progress is not None:
                progress(min(start + CREATE_CHUNK, len(rows)))
    return results


def _restriction_change(actor: User, person: Person, data: dict[str, Any]) -> tuple[bool, bool] | None:
    """(from, to) when ``data`` sets or lifts the restriction; refused unless the actor may.

    Setting or lifting needs ``may_change_restriction`` and a reason given with the change
    (``restriction_reason``); lifting needs a new reason, not the one the restriction was set with.
    """
    if "is_restricted" not in data or bool(data["is_restricted"]) == person.is_restricted:
        return None
    if not may_change_restriction(actor, person):
        deny(
            actor,
            permission=Permission.PERSON_EDIT,
            reason="restriction_change",
            message=RESTRICTION_CHANGE_FORBIDDEN,
            obj=person,
            is_restricted=[person.is_restricted, bool(data["is_restricted"])],
        )
    reason = str(data.get("restriction_reason") or "").strip()
    if not reason:
        raise ValidationError(
            {"restriction_reason": "閲覧制限を設定・解除する理由を入力してください。"}, code="required"
        )
    if person.is_restricted and reason == person.restriction_reason.strip():
        raise ValidationError(
            {"restriction_reason": "閲覧制限を解除する理由を入力してください（設定時の理由とは別に）。"},
            code="required",
        )
    return person.is_restricted, bool(data["is_restricted"])


def person_update(*, actor: User, person: Person, values: dict[str, Any], expected_version: Any) -> Person:
    """Update with optimistic locking: refused if someone saved since ``expected_version``
    (and refused without it). The screen and ``PATCH /api/v1/persons/{id}`` both come here.

    A restricted person's hidden fields are changed only by someone who may see them; the
    restriction itself is set or lifted only as ``may_change_restriction`` allows, with a reason,
    and that change gets its own audit row (from → to, reason).
    """
    require_agency_of(actor, person, Permission.PERSON_EDIT)
    if (
        person.is_restricted
        and set(values) & set(RESTRICTED_FIELDS)
        and person.pk not in restricted_visible_person_ids(actor, [person])
    ):
        deny(
            actor,
            permission=Permission.PERSON_EDIT,
            reason="restricted_fields",
            message=RESTRICTED_EDIT_FORBIDDEN,
            obj=person,
        )
    data = _clean_values(values)
    restriction = _restriction_change(actor, person, data)
    parse_version(expected_version)
    merged = {f: getattr(person, f) for f in PERSON_FIELDS} | values
    validate_person_values(merged)
    with transaction.atomic():
        locked = lock(Person.objects.all(), person.pk)
        check_version(locked, expected_version)
        if restriction is not None and locked.is_restricted != person.is_restricted:
            raise StaleVersionError(locked)
        before = {f: getattr(locked, f) for f in data}
        for k, v in data.items():
            setattr(person, k, v)
        _derive_keys(person)
        person.full_clean()
        Person.objects.filter(pk=person.pk).update(
            **{
                f: getattr(person, f)
                for f in (
                    *data.keys(),
                    "name_key",
                    "kana_key",
                    "kana_family_key",
                    "phone_key",
                    "phone_alt_key",
                    "address_key",
                )
            },
            version=locked.version + 1,
            updated_at=timezone.now(),
        )
        person.version = locked.version + 1
        _index_trigrams(person)
        changed = sorted(k for k in data if before.get(k) != data[k])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=person,
            person_id=person.pk,
            details={"fields": changed},
        )
        if restriction is not None:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=person,
                person_id=person.pk,
                details={
                    "change": "restriction",
                    "is_restricted": list(restriction),
                    "reason": person.restriction_reason,
                },
            )
    return person


HOUSEHOLD_FIELDS = ("name", "kana", "relationship", "birth_date", "lives_together")


def household_set(
    *, actor: User, person: Person, members: list[dict[str, Any]], expected_version: Any
) -> list[HouseholdMember]:
    """Replace the person's household members (世帯構成) as a whole, with optimistic locking.

    ``expected_version`` is the person's ``household_version`` the form was opened on: refused
    without it (``VersionMissingError`` on ``household_version``) and refused with
    ``StaleVersionError`` (carrying the person as saved meanwhile) when someone else saved the
    household since; nothing is written then. ``persons.diffs.household_diff_rows`` shows the two.
    """
    require_agency_of(actor, person, Permission.PERSON_EDIT)
    parse_version(expected_version, "household_version")
    errors = {}
    for i, m in enumerate(members):
        if not str(m.get("name") or "").strip():
            errors[f"household-{i}-name"] = "世帯員の氏名を入力してください。"
        if not str(m.get("relationship") or "").strip():
            errors[f"household-{i}-relationship"] = "続柄を入力してください。"
        if m.get("kana") and (msg := normalize.kana_error(m["kana"])) is not None:
            errors[f"household-{i}-kana"] = msg
        if m.get("birth_date") and m["birth_date"] > timezone.localdate():
            errors[f"household-{i}-birth_date"] = "生年月日が未来の日付になっています。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = lock(Person.objects.all(), person.pk)
        check_version(locked, expected_version, field="household_version", attr="household_version")
        before = locked.household.count()
        locked.household.all().delete()
        rows = HouseholdMember.objects.bulk_create(
            [
                HouseholdMember(
                    person=locked,
                    name=m["name"].strip(),
                    kana=normalize.normalize_kana(m.get("kana") or ""),
                    relationship=m["relationship"].strip(),
                    birth_date=m.get("birth_date"),
                    lives_together=bool(m.get("lives_together", True)),
                )
                for m in members
            ]
        )
        Person.objects.filter(pk=locked.pk).update(household_version=F("household_version") + 1)
        person.household_version = locked.household_version + 1
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=person,
            person_id=person.pk,
            details={
                "household_members": len(rows),
                "household_members_before": before,
                "household_version": person.household_version,
            },
        )
    return rows


_MERGE_COMPARE = (*PERSON_FIELDS,)


def person_merge(*, actor: User, survivor: Person, merged: Person, reason: str = "") -> PersonMerge:
    """名寄せ: link ``merged`` into ``survivor``. Every value is kept; conflicts are recorded."""
    require(actor, Permission.PERSON_MERGE)
    if survivor.pk == merged.pk:
        raise ValidationError("同じ相談者どうしは統合できません。")
    for person in (survivor, merged):
        require_agency_of(actor, person, message="他機関の相談者は統合できません。")
    with transaction.atomic():
        # Decide on the rows as they are now (not on objects the caller may hold from earlier).
        rows = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk])}
        survivor, merged = rows[survivor.pk], rows[merged.pk]
        if merged.merged_into_id or survivor.merged_into_id:
            raise ValidationError("既に統合済みの相談者です。")
        conflicts = {}
        for f in _MERGE_COMPARE:
            a, b = getattr(survivor, f), getattr(merged, f)
            if a not in ("", None) and b not in ("", None) and a != b:
                conflicts[f] = {"survivor": str(a), "merged": str(b)}
        moved_cases = list(merged.cases.values_list("pk", flat=True))  # type: ignore[attr-defined]
        moved_consents = list(merged.consents.values_list("pk", flat=True))  # type: ignore[attr-defined]
        merged.cases.update(person=survivor)  # type: ignore[attr-defined]
        merged.consents.update(person=survivor)  # type: ignore[attr-defined]
        Person.objects.filter(pk=merged.pk).update(merged_into=survivor)
        merged.merged_into = survivor
        moved: dict[str, Any] = {"cases": moved_cases, "consents": moved_consents}
        if merged.is_restricted and not survivor.is_restricted:
            # The restriction (DV etc.) protects the person, whichever record survives; the
            # survivor's own contact data may be the current (secret) address.
            moved["restriction_added"] = True
            survivor.is_restricted = True
            survivor.restriction_reason = merged.restriction_reason
            survivor.version += 1
            Person.objects.filter(pk=survivor.pk).update(
                is_restricted=True,
                restriction_reason=merged.restriction_reason,
                version=survivor.version,
                updated_at=timezone.now(),
            )
        record = PersonMerge.objects.create(
            agency_id=survivor.agency_id,
            survivor=survivor,
            merged=merged,
            conflicts=conflicts,
            moved_records=moved,
            reason=reason,
            performed_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.MERGE,
            obj=record,
            person_id=survivor.pk,
            details={"merged_person": merged.pk, "conflicts": sorted(conflicts)},
        )
        audit_record(
            actor=actor,
            action=AuditAction.MERGE,
            obj=record,
            person_id=merged.pk,
            details={"survivor": survivor.pk},
        )
    return record


def person_merge_undo(*, actor: User, merge: PersonMerge) -> PersonMerge:
    """Undo a 名寄せ: the moved cases and consents go back; the merged person is active again."""
    require_agency_of(actor, merge, Permission.PERSON_MERGE, message="他機関の名寄せは取り消せません。")
    with transaction.atomic():
        merge = PersonMerge.objects.select_for_update().select_related("survivor", "merged").get(pk=merge.pk)
        if merge.undone_at is not None:
            raise ValidationError("この名寄せは既に取り消されています。")
        moved = merge.moved_records or {}
        merge.survivor.cases.filter(pk__in=moved.get("cases", [])).update(person=merge.merged)  # type: ignore[attr-defined]
        merge.survivor.consents.filter(pk__in=moved.get("consents", [])).update(person=merge.merged)  # type: ignore[attr-defined]
        Person.objects.filter(pk=merge.merged_id).update(merged_into=None)
        if moved.get("restriction_added"):
            Person.objects.filter(pk=merge.survivor_id).update(
                is_restricted=False,
                restriction_reason="",
                version=F("version") + 1,
                updated_at=timezone.now(),
            )
        PersonMerge.objects.filter(pk=merge.pk).update(undone_at=timezone.now(), undone_by=actor)
        merge.refresh_from_db()
        audit_record(
            actor=actor,
            action=AuditAction.UNMERGE,
            obj=merge,
            person_id=merge.survivor_id,
            details={"merged_person": merge.merged_id},
        )
        audit_record(actor=actor, action=AuditAction.UNMERGE, obj=merge, person_id=merge.merged_id)
    return merge
