"""Reads of 保存期間 and 本人開示: always through the scoping layer, names shown audited."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models

from tsunagu.cases.models import Case
from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.organizations.scoping import get_for_user_or_404, scope_for_user
from tsunagu.persons.models import Person
from tsunagu.privacy.models import Consent

from .models import RecordType, RetentionReview, RetentionRule, SubjectAccessRequest
from .registry import ANONYMISED_NAME

PAGE_SIZE = 50


def rules_for(user: Any) -> models.QuerySet[RetentionRule]:
    """A 自治体担当者's own municipality's rules (agency staff: none — the rules are municipal)."""
    if not getattr(user, "municipality_id", None) or getattr(user, "agency_id", None):
        return RetentionRule.objects.none()
    return RetentionRule.objects.filter(municipality_id=user.municipality_id).order_by("record_type")


def reviews_page(user: Any, page: Any) -> Page[RetentionReview]:
    qs = scope_for_user(RetentionReview.objects.select_related("municipality", "agency"), user)
    return Paginator(qs.order_by("-period", "-id"), PAGE_SIZE).get_page(page)


def review_for(user: Any, pk: Any) -> RetentionReview:
    return get_for_user_or_404(
        RetentionReview.objects.select_related("municipality", "agency", "approved_by"), user, pk
    )


def review_items(
    user: Any, review: RetentionReview, page: Any
) -> tuple[Page[Any], dict[tuple[str, int], str]]:
    """The due items of a (scoped) review with the names of what they point to (audited view)."""
    result = Paginator(review.items.order_by("record_type", "due_on", "id"), PAGE_SIZE).get_page(page)
    ids: dict[str, list[int]] = {}
    for item in result:
        ids.setdefault(item.record_type, []).append(item.object_id)
    names: dict[tuple[str, int], str] = {}
    agency = {"agency_id": review.agency_id}
    for pk, number, name in Case.all_cases.filter(pk__in=ids.get(RecordType.CASE, []), **agency).values_list(
        "pk", "case_number", "person__name"
    ):
        names[(RecordType.CASE, pk)] = number if name == ANONYMISED_NAME else f"{number}（{name}）"
    for pk, name in Person.objects.filter(pk__in=ids.get(RecordType.PERSON, []), **agency).values_list(
        "pk", "name"
    ):
        names[(RecordType.PERSON, pk)] = name
    for pk, name in Consent.objects.filter(pk__in=ids.get(RecordType.CONSENT, []), **agency).values_list(
        "pk", "person__name"
    ):
        names[(RecordType.CONSENT, pk)] = name
    audit_record(
        actor=user,
        action=AuditAction.VIEW,
        obj=review,
        details={"what": "retention_review", "page": result.number, "items": len(result.object_list)},
    )
    return result, names


def requests_page(user: Any, page: Any) -> Page[SubjectAccessRequest]:
    qs = scope_for_user(SubjectAccessRequest.objects.select_related("person"), user)
    return Paginator(qs.order_by("-requested_on", "-id"), PAGE_SIZE).get_page(page)


def request_for(user: Any, pk: Any) -> SubjectAccessRequest:
    req = get_for_user_or_404(
        SubjectAccessRequest.objects.select_related("person", "recorded_by", "produced_by"), user, pk
    )
    audit_record(actor=user, action=AuditAction.VIEW, obj=req, details={"what": "subject_access_request"})
    return req


def person_for(user: Any, pk: Any) -> Person:
    return get_for_user_or_404(Person.objects.filter(merged_into__isnull=True), user, pk)


def persons_matching(user: Any, text: str) -> list[Person]:
    """The officer's own agency's persons whose name or kana contains ``text`` (at most 20)."""
    if not text.strip():
        return []
    qs = scope_for_user(Person.objects.filter(merged_into__isnull=True), user)
    found = list(
        qs.filter(models.Q(name__contains=text.strip()) | models.Q(kana__contains=text.strip())).order_by(
            "kana"
        )[:20]
    )
    audit_record(
        actor=user, action=AuditAction.SEARCH, object_type="person", details={"what": "subject_access"}
    )
    return found
