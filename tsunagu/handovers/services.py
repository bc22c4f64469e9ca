"""委託先の変更（引継ぎ）: the one audited service that moves a municipality's records between agencies.

``handover_create`` plans it (status 予定), ``handover_preview`` counts what would move (any time),
``handover_execute`` moves it (on or after ``handover_date``), ``handover_cancel`` calls it off.
What moves is declared in ``registry.py``; ``docs/handovers.md`` explains the rules.

Counts at execution may differ from the preview (records written in between): the execution moves
what is there then, and the detail page shows both counts side by side. It does not block.

The moved cases' workers (担当者): ``handover_set_workers`` names, for each worker of the old agency
who holds moved cases, a 引継ぎ先の担当者 of the new agency (the one rule of who may hold a case is
``cases.services.may_hold_cases``, as for 担当者の割当て). At execution their cases pass to that
worker; a worker left without one leaves their cases 担当者未定, for the new agency's 主任相談支援員
or センター長 to assign (the case list's 担当者未定 filter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from tsunagu.cases.models import OPEN_STATES, Case, CaseNumberSequence
from tsunagu.cases.services import may_hold_cases
from tsunagu.core.audit import audit_record, audit_record_many
from tsunagu.core.dates import fiscal_year_short, wareki
from tsunagu.core.locking import bump, check_version
from tsunagu.core.models import AuditAction, FormDraft
from tsunagu.organizations import guards
from tsunagu.organizations.models import Agency, Municipality, User
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.services import staff_disable
from tsunagu.persons.models import Person
from tsunagu.planning.models import AnnualPlan

from .models import Handover, HandoverStatus
from .registry import Entry, counted, moving

SAME_AGENCY = "移行元と移行先に同じ機関は選べません。"
NOT_SERVING_TO = "移行先の機関はこの自治体を担当していません。先に管理者が担当区域に加えてください。"
NOT_SERVING_FROM = "移行元の機関はこの自治体を担当していません。"
ALREADY_PLANNED = "この機関からの引継ぎはすでに予定されています。"
TOO_EARLY = "引継ぎ日（{date}）より前には実施できません。"
NOT_PLANNED = "予定中の引継ぎではありません（実施済みまたは取りやめ）。"
PLAN_CONFLICT = (
    "移行先の機関に同じ年度の事業計画があります（{years}）。事業計画を整理してから実施してください。"
)
RENUMBER_NOTICE = "ケース番号が移行先の番号と重なるため振り直すケース：{n}件"
WORKER_NOTICE = "引継ぎ先の担当者に移すケース：{n}件"
UNASSIGNED_NOTICE = (
    "担当者未定になるケース：{n}件（引継ぎ先の担当者を指定していない移行元の職員のケース。"
    "実施後に移行先の主任相談支援員・センター長が担当者を割り当てます）"
)
RECEIVING_CHOICE = "引継ぎ先の担当者は、{agency}の相談支援員等（利用中の職員）から選んでください。"
RECEIVING_GONE = (
    "引継ぎ先の担当者「{name}」は、{agency}の相談支援員等として利用中ではありません。"
    "引継ぎ先の担当者を指定し直してください。"
)
NOT_OLD_WORKER = "移したケースを担当している移行元の職員ではありません（職員ID {id}）。"


def _require_officer(actor: User, target: Municipality | Handover) -> None:
    """The 自治体担当者 of the municipality (of the hand-over), holding 委託先の変更を行う."""
    municipality_id = target.pk if isinstance(target, Municipality) else target.municipality_id
    guards.require_municipality_of(actor, municipality_id, Permission.HANDOVER_MANAGE)


@dataclass
class WorkerRow:
    """A worker of the old agency who holds moved cases, and whom the officer named to receive them."""

    worker: User
    open_cases: int
    cases: int
    receiving: User | None = None


@dataclass
class Preview:
    """What an execution would do now: rows per record type, the old workers, blocking problems,
    notices."""

    counts: dict[str, int]
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    workers: list[WorkerRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _rows(entry: Entry, handover: Handover) -> Any:
    model = entry.model
    return model._base_manager.filter(
        **{entry.lookup: handover.municipality_id, f"{entry.field}_id": handover.from_agency_id}
    )


def _moved_cases(handover: Handover) -> Any:
    return Case.all_cases.filter(municipality_id=handover.municipality_id, agency_id=handover.from_agency_id)


def _old_worker_cases(handover: Handover) -> Any:
    """The moved cases whose worker is staff of the old agency (all states: a closed case can be
    followed up again, so it needs a worker who can open it)."""
    return _moved_cases(handover).filter(assigned_worker__agency_id=handover.from_agency_id)


def _receiving(handover: Handover) -> dict[int, int]:
    return {int(k): int(v) for k, v in (handover.receiving_workers or {}).items() if v}


def old_workers(handover: Handover) -> list[WorkerRow]:
    """The old agency's workers of the moved cases with their case counts (open / all), most
    loaded first, each with the receiving worker named for them (if any)."""
    counts = list(
        _old_worker_cases(handover)
        .order_by()
        .values("assigned_worker")
        .annotate(cases=Count("id"), open_cases=Count("id", filter=Q(state__in=OPEN_STATES)))
    )
    named = _receiving(handover)
    users = User.objects.in_bulk([r["assigned_worker"] for r in counts] + list(named.values()))
    rows = [
        WorkerRow(
            worker=users[r["assigned_worker"]],
            open_cases=r["open_cases"],
            cases=r["cases"],
            receiving=users.get(named.get(r["assigned_worker"], 0)),
        )
        for r in counts
    ]
    return sorted(rows, key=lambda w: (-w.open_cases, -w.cases, w.worker.username))


def _case_number_clashes(handover: Handover) -> list[Case]:
    taken = set(
        Case.all_cases.filter(agency_id=handover.to_agency_id).values_list("fiscal_year", "number_in_year")
    )
    taken_text = set(
        Case.all_cases.filter(agency_id=handover.to_agency_id).values_list("case_number", flat=True)
    )
    return [
        c
        for c in _moved_cases(handover).order_by("fiscal_year", "number_in_year", "pk")
        if (c.fiscal_year, c.number_in_year) in taken or c.case_number in taken_text
    ]


def _plan_conflicts(handover: Handover) -> list[int]:
    years = AnnualPlan.objects.filter(
        agency_id=handover.from_agency_id, municipality_id=handover.municipality_id
    ).values_list("fiscal_year", flat=True)
    return sorted(
        set(
            AnnualPlan.objects.filter(
                agency_id=handover.to_agency_id, fiscal_year__in=list(years)
            ).values_list("fiscal_year", flat=True)
        )
    )


def _check_agencies(municipality: Municipality | int, from_agency: Agency, to_agency: Agency) -> None:
    errors: dict[str, str] = {}
    if from_agency.pk == to_agency.pk:
        errors["to_agency"] = SAME_AGENCY
    elif not to_agency.serves(municipality):
        errors["to_agency"] = NOT_SERVING_TO
    if not from_agency.serves(municipality):
        errors["from_agency"] = NOT_SERVING_FROM
    if errors:
        raise ValidationError(errors)


def compute_preview(handover: Handover) -> Preview:
    """Count, per record type people read (Japanese label), what an execution would move now, and
    list the old workers of the moved cases. No writes."""
    counts = {e.label: _rows(e, handover).count() for e in counted()}
    result = Preview(counts=counts, workers=old_workers(handover))
    years = _plan_conflicts(handover)
    if years:
        result.problems.append(PLAN_CONFLICT.format(years="、".join(f"{y}年度" for y in years)))
    agency_name = handover.to_agency.name
    for w in result.workers:
        if w.receiving is not None and not may_hold_cases(w.receiving, handover.to_agency_id):
            result.problems.append(RECEIVING_GONE.format(name=w.receiving, agency=agency_name))
    clashes = _case_number_clashes(handover)
    if clashes:
        result.notices.append(RENUMBER_NOTICE.format(n=len(clashes)))
    to_named = sum(w.cases for w in result.workers if w.receiving is not None)
    if to_named:
        result.notices.append(WORKER_NOTICE.format(n=to_named))
    unassigned = sum(w.cases for w in result.workers if w.receiving is None)
    if unassigned:
        result.notices.append(UNASSIGNED_NOTICE.format(n=unassigned))
    return result


def _clean_receiving(handover: Handover, receiving: dict[int, int | None]) -> dict[str, int]:
    """Check a mapping old worker → receiving worker (None: 担当者未定) against the hand-over: each
    key holds moved cases now, each value may hold cases of the new agency (``may_hold_cases``).
    Returns the mapping as stored (text keys, unnamed workers left out)."""
    holding = set(_old_worker_cases(handover).values_list("assigned_worker_id", flat=True))
    chosen = User.objects.in_bulk([v for v in receiving.values() if v])
    errors: list[str] = []
    out: dict[str, int] = {}
    for old_id, new_id in sorted(receiving.items()):
        if old_id not in holding:
            errors.append(NOT_OLD_WORKER.format(id=old_id))
            continue
        if not new_id:
            continue
        if not may_hold_cases(chosen.get(new_id), handover.to_agency_id):
            errors.append(RECEIVING_CHOICE.format(agency=handover.to_agency.name))
            continue
        out[str(old_id)] = new_id
    if errors:
        raise ValidationError({"receiving_workers": list(dict.fromkeys(errors))}, code="receiving_workers")
    return out


def handover_create(
    *,
    actor: User,
    municipality: Municipality,
    from_agency: Agency,
    to_agency: Agency,
    handover_date: date,
    reason: str,
    note: str = "",
    receiving_workers: dict[int, int | None] | None = None,
) -> Handover:
    """Plan a hand-over (予定) and record its first preview. Only the municipality's 自治体担当者.
    ``receiving_workers`` (optional): the 引継ぎ先の担当者, as for ``handover_set_workers``."""
    _require_officer(actor, municipality)
    _check_agencies(municipality, from_agency, to_agency)
    try:
        with transaction.atomic():
            handover = Handover(
                municipality=municipality,
                from_agency=from_agency,
                to_agency=to_agency,
                handover_date=handover_date,
                reason=reason,
                note=note,
                created_by=actor,
            )
            if receiving_workers:
                handover.receiving_workers = _clean_receiving(handover, receiving_workers)
            preview = compute_preview(handover)
            handover.preview_counts = preview.counts
            handover.previewed_at = timezone.now()
            handover.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=handover,
                details={**_ids(handover), "receiving_workers": handover.receiving_workers},
            )
    except IntegrityError:
        raise ValidationError({"from_agency": ALREADY_PLANNED}, code="already_planned") from None
    return handover


def _ids(handover: Handover) -> dict[str, Any]:
    return {
        "municipality_id": handover.municipality_id,
        "from_agency_id": handover.from_agency_id,
        "to_agency_id": handover.to_agency_id,
        "handover_date": handover.handover_date.isoformat(),
    }


def handover_preview(*, actor: User, handover: Handover) -> Preview:
    """Count again and keep the counts on the hand-over (予定 only; any day)."""
    _require_officer(actor, handover)
    with transaction.atomic():
        locked = Handover.objects.select_for_update().get(pk=handover.pk)
        preview = compute_preview(locked)
        if locked.status == HandoverStatus.PLANNED:
            Handover.objects.filter(pk=locked.pk).update(
                preview_counts=preview.counts, previewed_at=timezone.now()
            )
            handover.preview_counts = preview.counts
    return preview


def _lock_planned(handover: Handover, version: Any) -> Handover:
    """The hand-over locked for a change (inside the caller's transaction): the version it was
    read at, and still 予定."""
    locked = (
        Handover.objects.select_for_update()
        .select_related("from_agency", "to_agency", "municipality")
        .get(pk=handover.pk)
    )
    check_version(locked, version)
    if locked.status != HandoverStatus.PLANNED:
        raise ValidationError(NOT_PLANNED, code="not_planned")
    return locked


def handover_set_workers(
    *, actor: User, handover: Handover, receiving: dict[int, int | None], version: Any
) -> Handover:
    """Name the 引継ぎ先の担当者 (予定 only): for each old worker holding moved cases, a worker of
    the new agency who may hold cases, or None (their cases become 担当者未定). Replaces the whole
    mapping; optimistically locked on the hand-over's version; audited (staff ids only)."""
    _require_officer(actor, handover)
    with transaction.atomic():
        locked = _lock_planned(handover, version)
        before = locked.receiving_workers
        locked.receiving_workers = _clean_receiving(locked, receiving)
        if locked.receiving_workers == before:
            return locked
        bump(locked)
        locked.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            details={
                "change": "handover_receiving_workers",
                "receiving_workers": [before, locked.receiving_workers],
            },
        )
    handover.receiving_workers, handover.version = locked.receiving_workers, locked.version
    return locked


def _reassign_workers(handover: Handover, actor: User | None) -> dict[str, Any]:
    """Each moved case of an old-agency worker passes to the receiving worker named for them, or
    is left 担当者未定 (NULL). One audit row per case with the worker before and after, like
    担当者の割当て; the hand-over's row gets the counts."""
    named = _receiving(handover)
    rows: list[dict[str, Any]] = []
    for old_id in sorted(set(_old_worker_cases(handover).values_list("assigned_worker_id", flat=True))):
        new_id = named.get(old_id)
        cases = list(_old_worker_cases(handover).filter(assigned_worker_id=old_id).order_by("pk"))
        Case.all_cases.filter(pk__in=[c.pk for c in cases]).update(
            assigned_worker_id=new_id, version=F("version") + 1, updated_at=timezone.now()
        )
        audit_record_many(
            actor=actor,
            action=AuditAction.UPDATE,
            objects=cases,
            details={"change": "handover", "handover_id": handover.pk, "assigned_worker": [old_id, new_id]},
        )
        rows.append({"from_worker_id": old_id, "to_worker_id": new_id, "cases": len(cases)})
    return {
        "reassigned": sum(r["cases"] for r in rows if r["to_worker_id"]),
        "unassigned": sum(r["cases"] for r in rows if not r["to_worker_id"]),
        "workers": rows,
    }


def _renumber(handover: Handover, clashes: list[Case]) -> list[dict[str, Any]]:
    """Give each clashing case the next free number of the new agency (in the same UPDATE that
    moves it, so the number is free in the new agency whatever the old one holds)."""
    renumbered: list[dict[str, Any]] = []
    next_by_year: dict[int, int] = {}
    for case in clashes:
        fy = case.fiscal_year
        if fy not in next_by_year:
            top = [
                Case.all_cases.filter(agency_id=handover.to_agency_id, fiscal_year=fy).aggregate(
                    m=Max("number_in_year")
                )["m"],
                _moved_cases(handover).filter(fiscal_year=fy).aggregate(m=Max("number_in_year"))["m"],
                CaseNumberSequence.objects.filter(agency_id=handover.to_agency_id, fiscal_year=fy)
                .values_list("last_number", flat=True)
                .first(),
            ]
            next_by_year[fy] = max(n or 0 for n in top)
        next_by_year[fy] += 1
        n = next_by_year[fy]
        number = f"{fiscal_year_short(fy)}-{n:04d}"
        Case.all_cases.filter(pk=case.pk).update(
            agency_id=handover.to_agency_id, number_in_year=n, case_number=number, version=F("version") + 1
        )
        renumbered.append({"case_id": case.pk, "from": case.case_number, "to": number})
    return renumbered


def _continue_sequences(agency_id: int) -> None:
    """The new agency's numbering continues after the highest number it now holds, per 年度."""
    for row in (
        Case.all_cases.filter(agency_id=agency_id).values("fiscal_year").annotate(m=Max("number_in_year"))
    ):
        seq, _ = CaseNumberSequence.objects.select_for_update().get_or_create(
            agency_id=agency_id, fiscal_year=row["fiscal_year"], defaults={"last_number": row["m"]}
        )
        if seq.last_number < row["m"]:
            CaseNumberSequence.objects.filter(pk=seq.pk).update(last_number=row["m"])


def _release_old_operator(handover: Handover) -> dict[str, Any]:
    """The old agency stops serving the municipality; an agency left with no area is closed and its
    staff disabled (sessions ended). Staff of an agency that still serves another municipality keep
    their access there only: the moved rows now name the new agency, and scoping follows them."""
    agency = Agency.objects.select_for_update().get(pk=handover.from_agency_id)
    agency.served_municipalities.remove(handover.municipality_id)
    out: dict[str, Any] = {"area_removed": True}
    if agency.municipality_id == handover.municipality_id:
        others = list(agency.served_municipalities.order_by("code").values_list("pk", flat=True))
        if others:
            # The 主たる実施主体 passes to the first remaining 共同実施 municipality.
            Agency.objects.filter(pk=agency.pk).update(municipality_id=others[0])
            agency.served_municipalities.remove(others[0])
            out["main_municipality_id"] = others[0]
        else:
            Agency.objects.filter(pk=agency.pk).update(is_active=False)
            disabled = []
            for user in User.objects.filter(agency_id=agency.pk, is_active=True).order_by("pk"):
                staff_disable(
                    actor=None, user=user, reason="委託先の変更（引継ぎ）により担当区域がなくなったため"
                )
                disabled.append(user.pk)
            out["agency_closed"] = True
            out["staff_disabled"] = len(disabled)
    return out


def handover_execute(
    *, actor: User | None, handover: Handover, version: Any, today: date | None = None
) -> Handover:
    """Move every MOVE table's rows of the municipality from the old agency to the new one, in one
    transaction, then release the old operator. ``actor=None``: ``run_due_handovers`` (cron)."""
    if actor is not None:
        _require_officer(actor, handover)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _lock_planned(handover, version)
        if today < locked.handover_date:
            raise ValidationError(TOO_EARLY.format(date=wareki(locked.handover_date)), code="too_early")
        # Both agencies' rows are locked: no area change or second hand-over in between.
        list(Agency.objects.select_for_update().filter(pk__in=[locked.from_agency_id, locked.to_agency_id]))
        from_agency = Agency.objects.get(pk=locked.from_agency_id)
        to_agency = Agency.objects.get(pk=locked.to_agency_id)
        _check_agencies(locked.municipality_id, from_agency, to_agency)
        # The receiving workers are locked too: not disabled or moved while their cases pass to them.
        list(User.objects.select_for_update().filter(pk__in=list(_receiving(locked).values())))
        preview = compute_preview(locked)
        if preview.problems:
            raise ValidationError(preview.problems, code="conflict")
        person_ids = list(
            Person.objects.filter(municipality_id=locked.municipality_id, agency_id=locked.from_agency_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        case_ids = list(_moved_cases(locked).values_list("pk", flat=True))
        workers = _reassign_workers(locked, actor)
        renumbered = _renumber(locked, _case_number_clashes(locked))
        executed: dict[str, int] = {}
        for entry in moving():
            moved = _rows(entry, locked).update(**{f"{entry.field}_id": locked.to_agency_id})
            if entry.model is Case:
                moved += len(renumbered)
            if entry.counted:
                executed[entry.label] = moved
        _continue_sequences(locked.to_agency_id)
        drafts, _ = FormDraft.objects.filter(
            Q(case_id__in=case_ids) | Q(person_id__in=person_ids), agency_id=locked.from_agency_id
        ).delete()
        released = _release_old_operator(locked)
        locked.status = HandoverStatus.EXECUTED
        locked.executed_counts = executed
        locked.worker_result = workers
        locked.executed_by = actor
        locked.executed_at = timezone.now()
        bump(locked)
        locked.save()
        details = {
            "change": "handover_executed",
            **_ids(locked),
            "executed_counts": executed,
            "preview_counts": locked.preview_counts,
            "renumbered_cases": renumbered,
            "workers": workers,
            "drafts_deleted": drafts,
            **released,
        }
        audit_record(actor=actor, action=AuditAction.TRANSITION, obj=locked, details=details)
        persons = list(Person.objects.filter(pk__in=person_ids).order_by("pk"))
        audit_record_many(
            actor=actor,
            action=AuditAction.UPDATE,
            objects=persons,
            details={
                "change": "handover",
                "handover_id": locked.pk,
                "from_agency_id": locked.from_agency_id,
                "to_agency_id": locked.to_agency_id,
            },
        )
    return locked


def handover_cancel(*, actor: User, handover: Handover, version: Any) -> Handover:
    """取りやめ: a planned hand-over is called off (nothing has moved)."""
    _require_officer(actor, handover)
    with transaction.atomic():
        locked = Handover.objects.select_for_update().get(pk=handover.pk)
        check_version(locked, version)
        if locked.status != HandoverStatus.PLANNED:
            raise ValidationError(NOT_PLANNED, code="not_planned")
        locked.status = HandoverStatus.CANCELLED
        locked.cancelled_at = timezone.now()
        bump(locked)
        locked.save()
        audit_record(
            actor=actor, action=AuditAction.TRANSITION, obj=locked, details={"change": "handover_cancelled"}
        )
    return locked


def run_due_handovers(*, today: date | None = None) -> list[int]:
    """Execute every planned hand-over whose date has come (``manage.py run_due_handovers``)."""
    today = today or timezone.localdate()
    done = []
    for h in Handover.objects.filter(status=HandoverStatus.PLANNED, handover_date__lte=today).order_by(
        "handover_date", "pk"
    ):
        try:
            handover_execute(actor=None, handover=h, version=h.version, today=today)
        except ValidationError:
            continue
        done.append(h.pk)
    return done
