"""保存期間 (retention): the rules, the monthly review, the approval and the anonymisation.

Deny by default: without a rule for a record type in a municipality nothing of that type is ever
due. A person with a case that is not finished (終結・スクリーニングで終了) is never due, nor are the
cases of another agency (a review belongs to one agency). Anonymisation reads the registry
(``registry.py``): personal and free-text fields wiped, rows statistics never count deleted,
rows statistics count kept with their dates and codes. One audit row per executed review, with
the review id and counts per record type, and no personal data (``docs/retention.md``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models, transaction
from django.db.models import F, Max
from django.utils import timezone

from tsunagu.cases.models import Case, CaseState
from tsunagu.core.audit import audit_record
from tsunagu.core.dates import add_months, wareki
from tsunagu.core.history import purge_history, record_change
from tsunagu.core.locking import bump, check_version, lock
from tsunagu.core.models import AuditAction
from tsunagu.organizations import guards
from tsunagu.organizations.models import Agency, Municipality
from tsunagu.organizations.roles import Permission
from tsunagu.persons.models import Person
from tsunagu.privacy.models import Consent

from . import registry, workflow
from .models import (
    RecordType,
    RetentionReview,
    RetentionReviewItem,
    RetentionRule,
    ReviewStatus,
)

# A case is finished (and may be due) only in these states; 取消 cases go with their person.
FINISHED_STATES = frozenset({CaseState.CLOSED, CaseState.ENDED_AT_SCREENING})
RULE_LABELS = {
    "record_type": "記録の種類",
    "years": "保存年数",
    "basis": "根拠",
    "effective_from": "適用開始日",
}


def _shown(name: str, value: Any) -> str:
    if isinstance(value, date):
        return wareki(value)
    if name == "record_type" and value:
        return str(RecordType(value).label)
    if name == "years" and value is not None:
        return f"{value}年"
    return "" if value is None else str(value)


# --- rules ---------------------------------------------------------------------------------------


def save_rule(
    actor: Any,
    municipality: Municipality,
    *,
    record_type: str,
    years: int,
    basis: str,
    effective_from: date,
    version: Any = None,
) -> RetentionRule:
    """Create or correct the rule of ``record_type`` (with history). 自治体担当者 of that municipality."""
    guards.require_municipality_of(actor, municipality.pk, Permission.RETENTION_RULES)
    after = {"record_type": record_type, "years": years, "basis": basis, "effective_from": effective_from}
    with transaction.atomic():
        existing = RetentionRule.objects.filter(municipality=municipality, record_type=record_type).first()
        if existing is None:
            rule = RetentionRule.objects.create(municipality=municipality, updated_by=actor, **after)
            audit_record(actor=actor, action=AuditAction.CREATE, obj=rule, details={"what": "retention_rule"})
            record_change(actor=actor, obj=rule, before={}, after=after, labels=RULE_LABELS, shown=_shown)
            return rule
        rule = lock(RetentionRule.objects.all(), existing.pk)
        check_version(rule, version)
        before = {k: getattr(rule, k) for k in after}
        for k, v in after.items():
            setattr(rule, k, v)
        rule.updated_by = actor
        bump(rule)
        rule.save()
        record_change(actor=actor, obj=rule, before=before, after=after, labels=RULE_LABELS, shown=_shown)
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=rule, details={"what": "retention_rule"})
        return rule


def rules_in_force(municipality_id: int, on: date) -> dict[str, RetentionRule]:
    return {
        r.record_type: r
        for r in RetentionRule.objects.filter(municipality_id=municipality_id, effective_from__lte=on)
    }


def due_date(event_on: date, years: int) -> date:
    return add_months(event_on, 12 * years)


# --- what is due ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    record_type: str
    object_id: int
    event_on: date
    due_on: date


def _executed(record_type: str) -> models.QuerySet[Any]:
    return RetentionReviewItem.objects.filter(record_type=record_type, executed_at__isnull=False).values(
        "object_id"
    )


def _unfinished_person_ids() -> models.QuerySet[Any]:
    return (
        Case.all_cases.exclude(state__in=FINISHED_STATES)
        .exclude(state=CaseState.CANCELLED)
        .values("person_id")
    )


def due_items(agency: Agency, municipality: Municipality, as_of: date) -> list[DueItem]:
    """What is past its 保存期間 on ``as_of`` for ``agency``'s records in ``municipality``."""
    rules = rules_in_force(municipality.pk, as_of)
    out: list[DueItem] = []
    due_cases: set[int] = set()
    if (rule := rules.get(RecordType.CASE)) is not None:
        cutoff = add_months(as_of, -12 * rule.years)
        cases = (
            Case.all_cases.filter(
                agency=agency,
                municipality=municipality,
                state__in=FINISHED_STATES,
                closed_on__isnull=False,
                closed_on__lte=cutoff,
            )
            .exclude(pk__in=_executed(RecordType.CASE))
            .exclude(person_id__in=_unfinished_person_ids())
            .values_list("pk", "closed_on")
            .order_by("closed_on", "pk")
        )
        for pk, closed_on in cases:
            if closed_on is None:  # excluded by the query; for the type checker
                continue
            due_cases.add(pk)
            out.append(DueItem(RecordType.CASE, pk, closed_on, due_date(closed_on, rule.years)))
    if (rule := rules.get(RecordType.PERSON)) is not None and RecordType.CASE in rules:
        done_cases = set(_executed(RecordType.CASE).values_list("object_id", flat=True))
        persons = (
            Person.objects.filter(agency=agency, municipality=municipality, merged_into__isnull=True)
            .exclude(pk__in=_executed(RecordType.PERSON))
            .exclude(pk__in=_unfinished_person_ids())
            .annotate(last_closed=Max("cases__closed_on"))
            .order_by("pk")
        )
        person_cases = {
            (pid, cid)
            for cid, pid in Case.all_cases.filter(person__in=persons)
            .exclude(state=CaseState.CANCELLED)
            .values_list("pk", "person_id")
        }
        open_cases: dict[int, set[int]] = {}
        for pid, cid in person_cases:
            open_cases.setdefault(pid, set()).add(cid)
        for person in persons:
            event_on = person.last_closed or timezone.localdate(person.created_at)
            due_on = due_date(event_on, rule.years)
            if due_on > as_of:
                continue
            # Every case of the person must go first (or in the same review).
            if open_cases.get(person.pk, set()) - done_cases - due_cases:
                continue
            out.append(DueItem(RecordType.PERSON, person.pk, event_on, due_on))
    if (rule := rules.get(RecordType.CONSENT)) is not None:
        cutoff = add_months(as_of, -12 * rule.years)
        consents = (
            Consent.objects.filter(agency=agency, municipality=municipality)
            .exclude(withdrawn_on__isnull=True, expires_on__isnull=True)
            .exclude(pk__in=_executed(RecordType.CONSENT))
            .exclude(person_id__in=_unfinished_person_ids())
            .order_by("pk")
        )
        for consent in consents:
            event_on = consent.withdrawn_on or consent.expires_on
            if event_on is None or event_on > cutoff:
                continue
            out.append(DueItem(RecordType.CONSENT, consent.pk, event_on, due_date(event_on, rule.years)))
    return out


def create_review(agency: Agency, municipality: Municipality, as_of: date) -> RetentionReview:
    """This month's review for ``agency`` in ``municipality`` (once a month; a pending review of the
    month is refreshed, an approved one is left alone)."""
    period = as_of.replace(day=1)
    with transaction.atomic():
        review, _ = RetentionReview.objects.get_or_create(
            agency=agency, municipality=municipality, period=period, defaults={"as_of": as_of}
        )
        review = lock(RetentionReview.objects.all(), review.pk)
        if review.status != ReviewStatus.PENDING:
            return review
        kept = {
            (i.record_type, i.object_id): i for i in review.items.all()
        }  # exclusions already made survive a refresh
        items = due_items(agency, municipality, as_of)
        wanted = {(d.record_type, d.object_id) for d in items}
        review.items.exclude(pk__in=[i.pk for k, i in kept.items() if k in wanted]).delete()
        RetentionReviewItem.objects.bulk_create(
            [
                RetentionReviewItem(
                    review=review,
                    record_type=d.record_type,
                    object_id=d.object_id,
                    event_on=d.event_on,
                    due_on=d.due_on,
                )
                for d in items
                if (d.record_type, d.object_id) not in kept
            ]
        )
        review.as_of = as_of
        review.progress_total = len(items)
        review.save(update_fields=["as_of", "progress_total"])
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            obj=review,
            details={"what": "retention_review", "period": period.isoformat(), "items": len(items)},
        )
    return review


def monthly_reviews(as_of: date | None = None) -> list[RetentionReview]:
    """One review per agency and municipality that has at least one rule (the monthly job)."""
    as_of = as_of or timezone.localdate()
    out = []
    muni_ids = RetentionRule.objects.filter(effective_from__lte=as_of).values_list(
        "municipality_id", flat=True
    )
    for muni in Municipality.objects.filter(pk__in=muni_ids).order_by("code"):
        for agency in Agency.objects.serving(muni).order_by("pk"):
            out.append(create_review(agency, muni, as_of))
    return out


# --- approval ------------------------------------------------------------------------------------


def _require_officer(actor: Any, review: RetentionReview) -> None:
    guards.require_agency_of(actor, review, Permission.RETENTION_APPROVE)


def set_exclusion(actor: Any, review: RetentionReview, item_id: int, *, excluded: bool, reason: str) -> None:
    _require_officer(actor, review)
    with transaction.atomic():
        review = lock(RetentionReview.objects.all(), review.pk)
        if review.status not in workflow.EDITABLE:
            guards.deny(
                actor, reason="review_not_pending", obj=review, message="承認済みの確認は変更できません。"
            )
        item = review.items.get(pk=item_id)
        item.excluded = excluded
        item.exclusion_reason = reason if excluded else ""
        item.save(update_fields=["excluded", "exclusion_reason"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=review,
            details={"what": "retention_item", "item": item.pk, "excluded": excluded},
        )


def approve(actor: Any, review: RetentionReview) -> RetentionReview:
    """The 個人情報管理責任者 approves; the execution runs in the background (``tasks.py``)."""
    from .tasks import retention_execute_task

    _require_officer(actor, review)
    with transaction.atomic():
        review = lock(RetentionReview.objects.all(), review.pk)
        if not workflow.allowed("approve", review.status):
            guards.deny(
                actor, reason="review_not_pending", obj=review, message="この確認はすでに承認されています。"
            )
        review.status = workflow.TRANSITIONS["approve"].target
        review.approved_by = actor
        review.approved_at = timezone.now()
        review.progress_total = review.items.filter(excluded=False).count()
        review.progress_done = 0
        review.save()
        audit_record(
            actor=actor,
            action=AuditAction.TRANSITION,
            obj=review,
            details={"what": "retention_review", "to": review.status, "items": review.progress_total},
        )
        transaction.on_commit(lambda: retention_execute_task.enqueue(review.pk))
    return review


# --- anonymisation -------------------------------------------------------------------------------


def _apply(entry: registry.Entry, qs: models.QuerySet[Any], counts: Counter[str]) -> None:
    if entry.action == registry.Action.KEEP:
        return
    # The earlier values of a corrected record (変更履歴) go with it (core.history.purge_history).
    purged = purge_history(
        entry.model, list(qs.values_list("pk", flat=True)), basis="保存期間の経過による匿名化・廃棄"
    )
    counts["core.changerecord"] += purged
    if entry.action == registry.Action.DELETE:
        n, _ = qs.delete()
        counts[entry.key] += n
        return
    values = registry.wipe_values(entry)
    if not values:
        return
    if any(f.name == "version" for f in entry.model._meta.concrete_fields):
        values["version"] = F("version") + 1
    counts[entry.key] += qs.update(**values)


def anonymise_case(case_id: int, counts: Counter[str]) -> None:
    for entry in registry.case_entries():
        qs = entry.model._base_manager.filter(**{entry.case_path or "pk": case_id})
        _apply(entry, qs, counts)


def anonymise_person(person_id: int, counts: Counter[str]) -> None:
    # the records merged into this person (名寄せ) go with it
    for merged_id in Person.objects.filter(merged_into_id=person_id).values_list("pk", flat=True):
        anonymise_person(merged_id, counts)
    for case_id in Case.all_cases.filter(person_id=person_id).values_list("pk", flat=True):
        anonymise_case(case_id, counts)
    for entry in registry.ENTRIES:
        if entry.case_path is None or entry.case_path == "case_id":
            qs = entry.model._base_manager.filter(**entry.person_filter(person_id))
            _apply(entry, qs, counts)


def anonymise_consent(consent_id: int, counts: Counter[str]) -> None:
    entry = registry.BY_LABEL["privacy.consent"]
    _apply(entry, Consent.objects.filter(pk=consent_id), counts)


def still_due(item: RetentionReviewItem, agency_id: int) -> bool:
    """Re-checked at execution: a case re-opened, or a person back, since the review is skipped;
    so is a record no longer held by the review's agency (委託先の変更 moved it since)."""
    if item.record_type == RecordType.CASE:
        case = Case.all_cases.filter(pk=item.object_id, agency_id=agency_id).first()
        if case is None or case.state not in FINISHED_STATES:
            return False
        person_id = case.person_id
    elif item.record_type == RecordType.PERSON:
        if not Person.objects.filter(pk=item.object_id, agency_id=agency_id).exists():
            return False
        person_id = item.object_id
    else:
        consent = Consent.objects.filter(pk=item.object_id, agency_id=agency_id).first()
        if consent is None:
            return False
        person_id = consent.person_id
    return not _unfinished_person_ids().filter(person_id=person_id).exists()


def execute(review_id: int) -> RetentionReview:
    """Anonymise every approved item, one transaction per item, saving progress after each."""
    review = RetentionReview.objects.get(pk=review_id)
    if not workflow.allowed("start", review.status):
        return review
    RetentionReview.objects.filter(pk=review.pk).update(status=ReviewStatus.RUNNING, error="")
    counts: Counter[str] = Counter()
    done = Counter[str]()
    skipped = 0
    order = {RecordType.CASE: 0, RecordType.CONSENT: 1, RecordType.PERSON: 2}
    items = sorted(
        review.items.filter(excluded=False, executed_at__isnull=True),
        key=lambda i: order[RecordType(i.record_type)],
    )
    try:
        for n, item in enumerate(items, start=1):
            with transaction.atomic():
                if still_due(item, review.agency_id):
                    if item.record_type == RecordType.CASE:
                        anonymise_case(item.object_id, counts)
                    elif item.record_type == RecordType.PERSON:
                        anonymise_person(item.object_id, counts)
                    else:
                        anonymise_consent(item.object_id, counts)
                    RetentionReviewItem.objects.filter(pk=item.pk).update(executed_at=timezone.now())
                    done[item.record_type] += 1
                else:
                    skipped += 1
                RetentionReview.objects.filter(pk=review.pk).update(progress_done=n)
        summary = {"items": dict(done), "rows": dict(counts), "skipped": skipped}
        with transaction.atomic():
            RetentionReview.objects.filter(pk=review.pk).update(
                status=ReviewStatus.DONE, finished_at=timezone.now(), counts=summary
            )
            audit_record(
                actor=review.approved_by,
                action=AuditAction.DELETE,
                object_type="retentionreview",
                object_id=review.pk,
                agency_id=review.agency_id,
                municipality_id=review.municipality_id,
                details={"what": "retention_execute", "review": review.pk, **summary},
            )
    except Exception as exc:  # the review records its failure; the screen says so
        RetentionReview.objects.filter(pk=review.pk).update(
            status=ReviewStatus.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
        )
    review.refresh_from_db()
    return review
