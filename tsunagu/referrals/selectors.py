"""Reads: partner agencies, referrals, the disclosure register, consent operations — always scoped.

- Partner agencies: those of the municipalities the user's agency serves (a 自治体担当者: their own).
- Referrals and disclosures: the user's agency; a caseworker's lists show their own cases, while the
  privacy officer, the centre director and 主任 see the whole agency (``policies.may_see_all_of_agency``).
- Fetch-and-check: one record by id is returned only when visible, else 404 (absent and not-yours
  alike, the second audited as a refused access).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

from tsunagu.cases.models import OPEN_STATES, Case
from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.meetings.models import SupportCouncil
from tsunagu.network.models import PartnerAgency, PartnerContact
from tsunagu.organizations.roles import Permission, Role
from tsunagu.organizations.scoping import NOT_FOUND_MESSAGE, get_for_user_or_404, not_found, scope_for_user
from tsunagu.persons.models import Person
from tsunagu.privacy.models import Consent, DataCategory, consent_in_force_q

from . import policies
from .models import (
    OPEN_REFERRAL_STATUSES,
    Disclosure,
    ExceptionStatus,
    Referral,
    ReferralAttachment,
    StatutoryExceptionRequest,
)
from .pdf import render_pdf

PAGE_SIZE = 50
EXPIRY_WINDOW_DAYS = 30


# --- 関係機関 ----------------------------------------------------------------------------------


def partner_municipality_ids(user: Any) -> list[int]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.agency_id:
        return sorted(user.agency.area_ids())
    if user.municipality_id and user.has_role(Role.MUNICIPAL_OFFICER):
        return [user.municipality_id]
    return []


def partners_visible_to(user: Any) -> models.QuerySet[PartnerAgency]:
    """The registry rows of the municipalities the user works for (inactive ones included)."""
    if not (user.can(Permission.PERSON_VIEW) or user.can(Permission.DASHBOARD_VIEW)):
        return PartnerAgency.objects.none()
    return PartnerAgency.objects.filter(municipality_id__in=partner_municipality_ids(user))


def partners_for_referral(user: Any, case: Case | None = None) -> models.QuerySet[PartnerAgency]:
    """Active partners one may refer to (of the case's municipality, when a case is given)."""
    qs = partners_visible_to(user).filter(is_active=True).select_related("municipality")
    if case is not None:
        qs = qs.filter(municipality_id=case.municipality_id)
    return qs.order_by("agency_type", "name")


def partner_list(
    *,
    user: Any,
    q: str = "",
    agency_type: str = "",
    municipality_id: int | None = None,
    active_only: bool = True,
) -> models.QuerySet[PartnerAgency]:
    qs = partners_visible_to(user).select_related("municipality")
    if q.strip():
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(area__icontains=q.strip()))
    if agency_type:
        qs = qs.filter(agency_type=agency_type)
    if municipality_id:
        qs = qs.filter(municipality_id=municipality_id)
    if active_only:
        qs = qs.filter(is_active=True)
    if user.agency_id:
        qs = qs.annotate(
            open_referrals=Count(
                "referrals",
                filter=Q(referrals__agency_id=user.agency_id, referrals__status__in=OPEN_REFERRAL_STATUSES),
            )
        )
    return qs.order_by("municipality__code", "agency_type", "name", "id")


def partner_get_for_user(*, user: Any, partner_id: Any) -> PartnerAgency:
    try:
        return partners_visible_to(user).select_related("municipality").get(pk=partner_id)
    except (PartnerAgency.DoesNotExist, ValueError, TypeError):
        raise not_found(user, PartnerAgency, partner_id) from None


def partner_contact_get_for_user(*, user: Any, partner: PartnerAgency, contact_id: Any) -> PartnerContact:
    contact = PartnerContact.objects.filter(partner=partner, pk=contact_id).select_related("partner").first()
    if contact is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return contact


def partner_referrals(*, user: Any, partner: PartnerAgency) -> models.QuerySet[Referral]:
    """The user's agency's referrals to this partner (the list the user may see)."""
    return referrals_visible_to(user).filter(partner=partner).select_related("case", "person")


# --- つなぎ --------------------------------------------------------------------------------------


def referrals_visible_to(user: Any) -> models.QuerySet[Referral]:
    """Referrals of the user's agency (case pages show them to every caseworker of the agency)."""
    if not user.can(Permission.PERSON_VIEW):
        return Referral.objects.none()
    return scope_for_user(Referral.objects.all(), user)


def referral_get_for_user(*, user: Any, referral_id: Any, audit: bool = True) -> Referral:
    referral = get_for_user_or_404(
        referrals_visible_to(user).select_related(
            "case",
            "case__municipality",
            "person",
            "partner",
            "partner__municipality",
            "disclosure",
            "created_by",
        ),
        user,
        referral_id,
    )
    if audit:
        audit_record(actor=user, action=AuditAction.VIEW, obj=referral, person_id=referral.person_id)
    return referral


@dataclass
class ReferralQuery:
    scope: str = "mine"  # mine | agency
    status: str = ""
    follow_up_due: bool = False


def referral_list(*, user: Any, query: ReferralQuery, page: Any = 1) -> Page:
    qs = referrals_visible_to(user).select_related("case", "person", "partner")
    if query.scope != "agency" or not policies.may_see_all_of_agency(user):
        qs = qs.filter(case__assigned_worker=user)
    if query.status == "open":
        qs = qs.filter(status__in=OPEN_REFERRAL_STATUSES)
    elif query.status:
        qs = qs.filter(status=query.status)
    if query.follow_up_due:
        qs = qs.filter(follow_up_on__lte=timezone.localdate())
    return Paginator(qs.order_by("-referred_on", "-id"), PAGE_SIZE).get_page(page)


def referrals_of_case(*, user: Any, case: Case) -> list[Referral]:
    return list(
        referrals_visible_to(user).filter(case=case).select_related("partner").order_by("-referred_on", "-id")
    )


def referral_attachment_get(*, user: Any, referral: Referral, attachment_id: Any) -> ReferralAttachment:
    attachment = ReferralAttachment.objects.filter(referral=referral, pk=attachment_id).first()
    if attachment is None:
        raise Http404(NOT_FOUND_MESSAGE)
    audit_record(
        actor=user,
        action=AuditAction.PRINT,
        obj=attachment,
        agency_id=referral.agency_id,
        municipality_id=referral.municipality_id,
        person_id=referral.person_id,
        details={"document": attachment.kind, "referral_id": referral.pk, "sha256": attachment.sha256},
    )
    return attachment


# --- 第三者提供の記録 --------------------------------------------------------------------------


def _own_cases_person_ids(user: Any) -> Any:
    return Case.objects.filter(assigned_worker_id=user.pk).values("person_id")


def disclosures_visible_to(user: Any) -> models.QuerySet[Disclosure]:
    """The register: the whole agency for the privacy officer / centre director / 主任; else own cases'."""
    if not user.can(Permission.PERSON_VIEW):
        return Disclosure.objects.none()
    qs = scope_for_user(Disclosure.objects.all(), user)
    if not policies.may_see_all_of_agency(user):
        qs = qs.filter(Q(person_id__in=_own_cases_person_ids(user)) | Q(disclosed_by_id=user.pk))
    return qs


@dataclass
class DisclosureQuery:
    person_id: int | None = None
    partner_id: int | None = None
    basis_kind: str = ""
    channel: str = ""
    start: date | None = None
    end: date | None = None


def disclosure_list(*, user: Any, query: DisclosureQuery, page: Any = 1) -> Page:
    qs = disclosures_visible_to(user).select_related("person", "case", "disclosed_by", "recipient_partner")
    if query.person_id:
        qs = qs.filter(person_id=query.person_id)
    if query.partner_id:
        qs = qs.filter(recipient_partner_id=query.partner_id)
    if query.basis_kind:
        qs = qs.filter(basis_kind=query.basis_kind)
    if query.channel:
        qs = qs.filter(channel=query.channel)
    if query.start:
        qs = qs.filter(disclosed_on__gte=query.start)
    if query.end:
        qs = qs.filter(disclosed_on__lte=query.end)
    result = Paginator(qs.order_by("-disclosed_at", "-id"), PAGE_SIZE).get_page(page)
    result.object_list = list(result.object_list)
    return result


def disclosure_get_for_user(*, user: Any, disclosure_id: Any) -> Disclosure:
    try:
        d = (
            disclosures_visible_to(user)
            .select_related(
                "person", "case", "recipient_partner", "recipient_council", "consent", "exception"
            )
            .get(pk=disclosure_id)
        )
    except (Disclosure.DoesNotExist, ValueError, TypeError):
        raise not_found(user, Disclosure, disclosure_id) from None
    audit_record(actor=user, action=AuditAction.VIEW, obj=d, person_id=d.person_id)
    return d


def person_disclosure_history(*, person: Person) -> list[Disclosure]:
    """Every disclosure of ``person``'s data, oldest first (the person's own record, for 開示請求).

    The caller has fetched ``person`` with the scoped, audited ``person_get_for_user``.
    """
    return list(
        Disclosure.objects.filter(person=person)
        .select_related("case", "disclosed_by", "consent", "exception", "council")
        .order_by("disclosed_at", "id")
    )


def person_disclosure_history_pdf(*, user: Any, person: Person) -> bytes:
    """The history as a PDF (Japanese font embedded); printing is audited."""
    rows = person_disclosure_history(person=person)
    pdf = render_pdf(
        "referrals/pdf/disclosure_history.html",
        {
            "person": person,
            "rows": rows,
            "issued_on": timezone.localdate(),
            "issued_by": user,
            "category_labels": dict(DataCategory.choices),
        },
    )
    audit_record(
        actor=user,
        action=AuditAction.PRINT,
        obj=person,
        person_id=person.pk,
        details={"document": "disclosure_history", "rows": len(rows)},
    )
    return pdf


def councils_for_basis(user: Any) -> models.QuerySet[SupportCouncil]:
    """The agency's 支援会議 (to choose as a basis)."""
    if not user.agency_id:
        return SupportCouncil.objects.none()
    return SupportCouncil.objects.filter(agency_id=user.agency_id).order_by("name", "id")


# --- 第27条第1項の承認 --------------------------------------------------------------------------


def exceptions_visible_to(user: Any) -> models.QuerySet[StatutoryExceptionRequest]:
    if not user.can(Permission.PERSON_VIEW):
        return StatutoryExceptionRequest.objects.none()
    qs = scope_for_user(StatutoryExceptionRequest.objects.all(), user)
    if not policies.may_see_all_of_agency(user):
        qs = qs.filter(Q(requested_by_id=user.pk) | Q(person_id__in=_own_cases_person_ids(user)))
    return qs


def exception_list(*, user: Any, status: str = "", page: Any = 1) -> Page:
    qs = exceptions_visible_to(user).select_related("person", "recipient", "requested_by", "approved_by")
    if status:
        qs = qs.filter(status=status)
    return Paginator(qs.order_by("-requested_at", "-id"), PAGE_SIZE).get_page(page)


def exception_get_for_user(*, user: Any, exception_id: Any) -> StatutoryExceptionRequest:
    try:
        exc = (
            exceptions_visible_to(user)
            .select_related("person", "person__agency", "recipient", "requested_by", "approved_by", "case")
            .get(pk=exception_id)
        )
    except (StatutoryExceptionRequest.DoesNotExist, ValueError, TypeError):
        raise not_found(user, StatutoryExceptionRequest, exception_id) from None
    audit_record(actor=user, action=AuditAction.VIEW, obj=exc, person_id=exc.person_id)
    return exc


def exceptions_usable_for(*, user: Any, person: Person, on: date | None = None) -> models.QuerySet[Any]:
    """Approved, still valid exceptions for ``person`` (to choose as a basis)."""
    on = on or timezone.localdate()
    return (
        exceptions_visible_to(user)
        .filter(person=person, status=ExceptionStatus.APPROVED)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("recipient")
    )


def pending_exception_count(user: Any) -> int:
    if not user.can(Permission.DISCLOSURE_APPROVE):
        return 0
    return (
        exceptions_visible_to(user).filter(status=ExceptionStatus.PENDING).exclude(requested_by=user).count()
    )


# --- 同意の運用 (consent operations) --------------------------------------------------------------


def _persons_in_scope(user: Any) -> models.QuerySet[Person]:
    if not user.can(Permission.PERSON_VIEW):
        return Person.objects.none()
    qs = scope_for_user(Person.objects.filter(merged_into__isnull=True), user)
    if not policies.may_see_all_of_agency(user):
        qs = qs.filter(pk__in=_own_cases_person_ids(user))
    return qs


def persons_without_consent(*, user: Any, on: date | None = None, page: Any = 1) -> Page:
    """Persons with an open case and no consent in force (never given, withdrawn or expired)."""
    on = on or timezone.localdate()
    in_force = Consent.objects.filter(person=OuterRef("pk")).in_force_on(on)
    latest = Consent.objects.filter(person=OuterRef("pk"), given_on__lte=on).order_by("-given_on", "-id")
    open_cases = Case.objects.filter(person=OuterRef("pk"), state__in=OPEN_STATES)
    qs = (
        _persons_in_scope(user)
        .filter(Exists(open_cases))
        .exclude(Exists(in_force))
        .annotate(
            last_given_on=Subquery(latest.values("given_on")[:1]),
            last_withdrawn_on=Subquery(latest.values("withdrawn_on")[:1]),
            last_expires_on=Subquery(latest.values("expires_on")[:1]),
            open_case_number=Subquery(open_cases.order_by("-opened_on").values("case_number")[:1]),
        )
        .order_by("kana_key", "id")
    )
    result = Paginator(qs, PAGE_SIZE).get_page(page)
    result.object_list = list(result.object_list)
    return result


def consents_expiring_queryset(
    *, user: Any, on: date, days: int = EXPIRY_WINDOW_DAYS
) -> models.QuerySet[Consent]:
    """Consents in force that expire within ``days`` days, unless a later consent takes over
    (the one rule, shared by the consent operations page and the dashboard's to-do list)."""
    later = Consent.objects.filter(
        person=OuterRef("person"), given_on__gt=OuterRef("given_on"), withdrawn_on__isnull=True
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
    return (
        Consent.objects.filter(person__in=_persons_in_scope(user))
        .filter(consent_in_force_q(on), expires_on__lte=on + timedelta(days=days))
        .exclude(Exists(later))
        .select_related("person")
        .order_by("expires_on", "id")
    )


def consents_expiring(
    *, user: Any, on: date | None = None, days: int = EXPIRY_WINDOW_DAYS, page: Any = 1
) -> Page:
    """Consents in force that expire within ``days`` days, unless a later consent takes over."""
    qs = consents_expiring_queryset(user=user, on=on or timezone.localdate(), days=days)
    result = Paginator(qs, PAGE_SIZE).get_page(page)
    result.object_list = list(result.object_list)
    return result


def consents_withdrawn(*, user: Any, since: date | None = None, page: Any = 1) -> Page:
    """Withdrawn consents, newest first, with the number of disclosures made under each before."""
    used = (
        Disclosure.objects.filter(consent=OuterRef("pk"))
        .order_by()
        .values("consent")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = Consent.objects.filter(person__in=_persons_in_scope(user), withdrawn_on__isnull=False)
    if since is not None:
        qs = qs.filter(withdrawn_on__gte=since)
    qs = (
        qs.annotate(disclosures_before=Subquery(used))
        .select_related("person")
        .order_by("-withdrawn_on", "-id")
    )
    result = Paginator(qs, PAGE_SIZE).get_page(page)
    result.object_list = list(result.object_list)
    return result
