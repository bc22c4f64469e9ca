"""Screens under /referrals/: 関係機関, つなぎ, 第三者提供の記録, 第27条第1項の承認, 同意の運用, 匿名化出力.

Thin views: scoped selector → bound form → service → template. What was typed is kept on errors;
a refused disclosure shows its Japanese reason on the form (HTTP 403) and records nothing.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.cases.models import OPEN_STATES, Case
from tsunagu.cases.selectors import case_get_for_user, cases_visible_to
from tsunagu.core.drafts import form_data
from tsunagu.core.forms import apply_service_errors
from tsunagu.core.locking import StaleVersionError, diff_rows, field_labels, model_values
from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.organizations import guards
from tsunagu.organizations.models import User
from tsunagu.organizations.roles import Permission
from tsunagu.persons.selectors import person_get_for_user
from tsunagu.privacy.models import DataCategory, Purpose
from tsunagu.privacy.selectors import consent_in_force, consents_of_person

from . import exports, policies, selectors, services, workflow
from .forms import (
    DisclosureFilterForm,
    DisclosureForm,
    ExceptionDecisionForm,
    ExceptionFilterForm,
    ExceptionRequestForm,
    ExportForm,
    PartnerAgencyForm,
    PartnerContactForm,
    PartnerFilterForm,
    ReferralFilterForm,
    ReferralForm,
    ReferralOutcomeForm,
    ReferralStatusForm,
)
from .models import DisclosureBasisKind, ExceptionStatus, ReferralProgram

CATEGORY_LABELS = dict(DataCategory.choices)
TYPE_LABELS = dict(PartnerAgencyType.choices)


# The registry's keepers (``policies.may_edit_partners``): the centre's caseworkers and the municipality.
PARTNER_EDITORS = (Permission.CASE_EDIT, Permission.RULES_EDIT)


def _user(request: HttpRequest) -> User:
    """The signed-in account (the API's auth and the login middleware guarantee one)."""
    return cast("User", request.user)


def _refusal(form: Any, exc: PermissionDenied) -> None:
    """A service's refusal (already audited by the guards), shown beside the form."""
    form.add_error(None, str(exc) or guards.FORBIDDEN)


# --- 関係機関 ----------------------------------------------------------------------------------


def partner_list(request: HttpRequest) -> HttpResponse:
    guards.require_any(request.user, Permission.PERSON_VIEW, Permission.DASHBOARD_VIEW, path=request.path)
    form = PartnerFilterForm(request.GET or None)
    q, agency_type, active_only = "", "", True
    if form.is_bound and form.is_valid():
        q = form.cleaned_data["q"]
        agency_type = form.cleaned_data["agency_type"]
        active_only = not form.cleaned_data["include_inactive"]
    partners = selectors.partner_list(
        user=_user(request), q=q, agency_type=agency_type, active_only=active_only
    )
    return render(
        request,
        "referrals/partner_list.html",
        {"form": form, "partners": partners, "can_edit": policies.may_edit_partners(request.user)},
    )


def partner_new(request: HttpRequest) -> HttpResponse:
    guards.require_any(request.user, *PARTNER_EDITORS, path=request.path)
    municipalities = services.partner_municipalities_for(_user(request))
    form = PartnerAgencyForm(
        form_data(request),
        municipalities=municipalities,
        initial={"municipality": municipalities.first(), "is_active": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.partner_agency_create(
                actor=_user(request),
                municipality=form.cleaned_data["municipality"],
                values=form.values(),
                idempotency_key=form.cleaned_data.get("idempotency_key") or None,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            _refusal(form, exc)
        else:
            messages.success(request, f"関係機関「{partner.name}」を登録しました。")
            return redirect("referrals:partner_detail", partner_id=partner.pk)
    return render(request, "referrals/partner_form.html", {"form": form, "partner": None})


def partner_detail(request: HttpRequest, partner_id: int) -> HttpResponse:
    guards.require_any(request.user, Permission.PERSON_VIEW, Permission.DASHBOARD_VIEW, path=request.path)
    partner = selectors.partner_get_for_user(user=_user(request), partner_id=partner_id)
    referrals = list(
        selectors.partner_referrals(user=_user(request), partner=partner).order_by("-referred_on")[:50]
    )
    return render(
        request,
        "referrals/partner_detail.html",
        {
            "partner": partner,
            "contacts": list(partner.contacts.order_by("id")),
            "contact_form": PartnerContactForm(),
            "referrals": referrals,
            "can_edit": policies.may_edit_partners(request.user),
        },
    )


def partner_edit(request: HttpRequest, partner_id: int) -> HttpResponse:
    guards.require_any(request.user, *PARTNER_EDITORS, path=request.path)
    partner = selectors.partner_get_for_user(user=_user(request), partner_id=partner_id)
    initial = {k: getattr(partner, k) for k in services.PARTNER_FIELDS} | {"version": partner.version}
    form = PartnerAgencyForm(
        form_data(request),
        municipalities=services.partner_municipalities_for(_user(request)),
        editing=True,
        initial=initial,
    )
    stale, stale_rows = None, []
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_agency_update(
                actor=_user(request),
                partner=partner,
                values=form.values(),
                expected_version=form.cleaned_data.get("version"),
            )
        except StaleVersionError as exc:
            stale = exc.current
            stale_rows = [
                tuple(row)
                for row in diff_rows(
                    model_values(stale, services.PARTNER_FIELDS),
                    form.values(),
                    field_labels(PartnerAgency, services.PARTNER_FIELDS),
                    _partner_shown,
                )
            ]
            form.add_error(None, exc.messages[0])
            data = form.data.copy()  # type: ignore[attr-defined]
            data["version"] = str(stale.version)  # seen: saving again overrides their version
            form.data = data
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            _refusal(form, exc)
        else:
            messages.success(request, "関係機関の情報を更新しました。")
            return redirect("referrals:partner_detail", partner_id=partner.pk)
    return render(
        request,
        "referrals/partner_form.html",
        {"form": form, "partner": partner, "stale": stale, "stale_rows": stale_rows},
    )


def _partner_shown(name: str, value: Any) -> str:
    if name == "agency_type":
        return str(TYPE_LABELS.get(value, value or ""))
    if name == "is_active":
        return "有効" if value else "無効"
    return "" if value is None else str(value)


@require_POST
def partner_contact_add(request: HttpRequest, partner_id: int) -> HttpResponse:
    guards.require_any(request.user, *PARTNER_EDITORS, path=request.path)
    partner = selectors.partner_get_for_user(user=_user(request), partner_id=partner_id)
    form = PartnerContactForm(request.POST)
    if form.is_valid():
        try:
            services.partner_contact_add(actor=_user(request), partner=partner, values=form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "担当者を追加しました。")
            return redirect("referrals:partner_detail", partner_id=partner.pk)
    referrals = list(selectors.partner_referrals(user=_user(request), partner=partner)[:50])
    return render(
        request,
        "referrals/partner_detail.html",
        {
            "partner": partner,
            "contacts": list(partner.contacts.order_by("id")),
            "contact_form": form,
            "referrals": referrals,
            "can_edit": True,
        },
        status=422,
    )


@require_POST
def partner_contact_remove(request: HttpRequest, partner_id: int, contact_id: int) -> HttpResponse:
    guards.require_any(request.user, *PARTNER_EDITORS, path=request.path)
    partner = selectors.partner_get_for_user(user=_user(request), partner_id=partner_id)
    contact = selectors.partner_contact_get_for_user(
        user=_user(request), partner=partner, contact_id=contact_id
    )
    services.partner_contact_remove(actor=_user(request), contact=contact)
    messages.success(request, f"担当者「{contact.name}」を削除しました。")
    return redirect("referrals:partner_detail", partner_id=partner.pk)


# --- つなぎ --------------------------------------------------------------------------------------


def referral_list(request: HttpRequest) -> HttpResponse:
    guards.require_any(request.user, Permission.PERSON_VIEW, path=request.path)
    form = ReferralFilterForm(request.GET or None)
    if not policies.may_see_all_of_agency(request.user):
        del form.fields["scope"]
    query = selectors.ReferralQuery()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        query = selectors.ReferralQuery(
            scope=d.get("scope") or "mine", status=d["status"], follow_up_due=d["follow_up_due"]
        )
    page = selectors.referral_list(user=_user(request), query=query, page=request.GET.get("page", 1))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "referrals/referral_list.html",
        {"form": form, "page": page, "base_query": params.urlencode(), "today": timezone.localdate()},
    )


def _consent_summary(person: Any) -> dict[str, Any] | None:
    consent = consent_in_force(person)
    if consent is None:
        return None
    return {
        "consent": consent,
        "types": [TYPE_LABELS.get(t, t) for t in consent.recipient_types],
        "named": [p.name for p in consent.named_recipients.all()],
        "categories": [CATEGORY_LABELS.get(c, c) for c in consent.data_categories],
        "support": Purpose.SUPPORT in consent.purposes,
    }


def referral_new(request: HttpRequest) -> HttpResponse:
    """つなぎの記録 from a case (``/referrals/new/?case=<id>``)."""
    guards.require_any(request.user, Permission.CASE_EDIT, path=request.path)
    case_id = request.GET.get("case", "")
    if not case_id.isdigit():
        user: Any = request.user
        cases = (
            cases_visible_to(user)
            .filter(assigned_worker=user, state__in=OPEN_STATES)
            .select_related("person")
            .order_by("-opened_on")[:100]
        )
        return render(request, "referrals/referral_choose_case.html", {"cases": cases})
    case = case_get_for_user(user=_user(request), case_id=case_id)
    person = case.person
    show_confirm = False
    form = ReferralForm(
        form_data(request),
        partners=selectors.partners_for_referral(request.user, case),
        exceptions=selectors.exceptions_usable_for(user=_user(request), person=person),
        councils=selectors.councils_for_basis(request.user),
        show_age_confirm=bool(request.POST.get("confirm_age_warning_shown")),
        initial={"basis": DisclosureBasisKind.CONSENT},
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            referral = services.referral_create(
                actor=_user(request),
                case=case,
                values=form.values(),
                confirm_age_warning=bool(d.get("confirm_age_warning")),
                council=d.get("council"),
                exception=d.get("exception"),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            show_confirm = "confirm_age_warning" in getattr(exc, "error_dict", {})
            status = 422
        except PermissionDenied as exc:
            _refusal(form, exc)
            status = 403
        else:
            messages.success(request, f"つなぎ（{referral.destination_label}）を記録しました。")
            return redirect("referrals:referral_detail", referral_id=referral.pk)
    elif request.method == "POST":
        status = 422
    if show_confirm or request.POST.get("confirm_age_warning_shown"):
        from django import forms as dj_forms

        form.fields["confirm_age_warning"].widget = dj_forms.CheckboxInput()
        show_confirm = True
    return render(
        request,
        "referrals/referral_form.html",
        {
            "form": form,
            "case": case,
            "person": person,
            "consent": _consent_summary(person),
            "show_age_confirm": show_confirm,
        },
        status=status,
    )


def _evaluation_url(case: Case) -> str:
    for name in ("cases:evaluation_new", "cases:evaluation_create", "cases:case_evaluation"):
        try:
            url = reverse(name, args=[case.pk])
        except NoReverseMatch:
            continue
        return f"{url}?direction=close&closure_reason=public_assistance"
    return reverse("cases:case_detail", args=[case.pk])


def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = selectors.referral_get_for_user(user=_user(request), referral_id=referral_id)
    offered = policies.public_assistance_closure_offered(referral)
    closure_block = services.public_assistance_closure_check(referral, _user(request)) if offered else None
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "categories": [CATEGORY_LABELS.get(c, c) for c in referral.data_categories],
            "history": list(referral.status_changes.select_related("actor")),
            "attachments": list(referral.attachments.defer("content")),
            "can_edit": request.user.can(Permission.CASE_EDIT)  # type: ignore[union-attr]
            and request.user.agency_id == referral.agency_id,  # type: ignore[union-attr]
            "transitions": workflow.available_transitions(referral, request.user),
            "closure_offered": offered,
            "closure_block": closure_block,
            "evaluation_url": _evaluation_url(referral.case) if offered else "",
            "program_public_assistance": referral.program == ReferralProgram.PUBLIC_ASSISTANCE,
        },
    )


def referral_status(request: HttpRequest, referral_id: int) -> HttpResponse:
    guards.require_any(request.user, Permission.CASE_EDIT, path=request.path)
    referral = selectors.referral_get_for_user(user=_user(request), referral_id=referral_id, audit=False)
    if not workflow.transitions_from(referral.status):
        messages.info(request, "このつなぎは終了しているため、状態を変更できません。")
        return redirect("referrals:referral_detail", referral_id=referral.pk)
    initial = {"version": referral.version, "to_status": request.GET.get("to", "")}
    form = ReferralStatusForm(form_data(request), current_status=referral.status, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.referral_status_change(
                actor=_user(request),
                referral=referral,
                to_status=d["to_status"],
                note=d["note"],
                outcome_code=d["outcome_code"],
                outcome=d["outcome"],
                follow_up_on=d["follow_up_on"],
                expected_version=d["version"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "つなぎの状態を更新しました。")
            return redirect("referrals:referral_detail", referral_id=referral.pk)
    return render(request, "referrals/referral_status_form.html", {"form": form, "referral": referral})


def referral_outcome(request: HttpRequest, referral_id: int) -> HttpResponse:
    guards.require_any(request.user, Permission.CASE_EDIT, path=request.path)
    referral = selectors.referral_get_for_user(user=_user(request), referral_id=referral_id, audit=False)
    initial = {
        "version": referral.version,
        "outcome_code": referral.outcome_code,
        "outcome": referral.outcome,
        "follow_up_on": referral.follow_up_on,
    }
    form = ReferralOutcomeForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.referral_outcome_record(
                actor=_user(request),
                referral=referral,
                outcome_code=d["outcome_code"],
                outcome=d["outcome"],
                follow_up_on=d["follow_up_on"],
                expected_version=d["version"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "結果・フォローアップ予定日を記録しました。")
            return redirect("referrals:referral_detail", referral_id=referral.pk)
    return render(request, "referrals/referral_outcome_form.html", {"form": form, "referral": referral})


@require_POST
def referral_close_case(request: HttpRequest, referral_id: int) -> HttpResponse:
    """「生活保護適用で終結」: the cases app's ``close`` transition (needs the evaluation first)."""
    guards.require_any(request.user, Permission.CASE_EDIT, path=request.path)
    referral = selectors.referral_get_for_user(user=_user(request), referral_id=referral_id, audit=False)
    try:
        services.referral_close_case_public_assistance(
            actor=_user(request), referral=referral, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("referrals:referral_detail", referral_id=referral.pk)
    messages.success(request, "ケースを「生活保護適用」で終結しました。")
    return redirect("cases:case_detail", case_id=referral.case_id)


def referral_attachment(request: HttpRequest, referral_id: int, attachment_id: int) -> HttpResponse:
    referral = selectors.referral_get_for_user(user=_user(request), referral_id=referral_id, audit=False)
    attachment = selectors.referral_attachment_get(
        user=_user(request), referral=referral, attachment_id=attachment_id
    )
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attachment.filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- 第三者提供の記録 --------------------------------------------------------------------------


def disclosure_list(request: HttpRequest) -> HttpResponse:
    guards.require_any(request.user, Permission.PERSON_VIEW, path=request.path)
    form = DisclosureFilterForm(request.GET or None)
    query = selectors.DisclosureQuery()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        query = selectors.DisclosureQuery(
            basis_kind=d["basis_kind"], channel=d["channel"], start=d["start"], end=d["end"]
        )
    page = selectors.disclosure_list(user=_user(request), query=query, page=request.GET.get("page", 1))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "referrals/disclosure_list.html",
        {
            "form": form,
            "page": page,
            "base_query": params.urlencode(),
            "whole_agency": policies.may_see_all_of_agency(request.user),
            "category_labels": CATEGORY_LABELS,
            "pending_exceptions": selectors.pending_exception_count(request.user),
        },
    )


def disclosure_detail(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    d = selectors.disclosure_get_for_user(user=_user(request), disclosure_id=disclosure_id)
    return render(
        request,
        "referrals/disclosure_detail.html",
        {"d": d, "categories": [CATEGORY_LABELS.get(c, c) for c in d.data_categories]},
    )


def disclosure_new(request: HttpRequest) -> HttpResponse:
    """第三者提供の記録 (meeting papers, data given to a partner) — only with a basis."""
    guards.require_any(request.user, Permission.CASE_EDIT, path=request.path)
    person_id = request.GET.get("person", "")
    if not person_id.isdigit():
        guards.deny(
            request.user,
            permission=Permission.CASE_EDIT,
            reason="no_person",
            message="相談者を指定してください（相談者のページから開きます）。",
        )
    person = person_get_for_user(user=_user(request), person_id=person_id)
    form = DisclosureForm(
        form_data(request),
        partners=selectors.partners_for_referral(request.user).filter(municipality_id=person.municipality_id),
        cases=cases_visible_to(request.user).filter(person=person),
        exceptions=selectors.exceptions_usable_for(user=_user(request), person=person),
        councils=selectors.councils_for_basis(request.user),
        initial={"basis": DisclosureBasisKind.CONSENT},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                disclosure = services.disclosure_record(
                    actor=_user(request),
                    person=person,
                    recipient=d["recipient"],
                    categories=d["data_categories"],
                    purpose=d["purpose"],
                    channel=d["channel"],
                    case=d["case"],
                    council=d["council"],
                    exception=d["exception"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except PermissionDenied as exc:
                _refusal(form, exc)
                status = 403
            else:
                messages.success(request, "第三者提供を記録しました。")
                return redirect("referrals:disclosure_detail", disclosure_id=disclosure.pk)
    return render(
        request,
        "referrals/disclosure_form.html",
        {"form": form, "person": person, "consent": _consent_summary(person)},
        status=status,
    )


def person_disclosures(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person's own disclosure history (for a 開示請求): printable, and as PDF."""
    guards.require_any(request.user, Permission.PERSON_VIEW, path=request.path)
    person = person_get_for_user(user=_user(request), person_id=person_id)
    return render(
        request,
        "referrals/person_disclosures.html",
        {
            "person": person,
            "rows": selectors.person_disclosure_history(person=person),
            "consents": list(consents_of_person(person)),
            "category_labels": CATEGORY_LABELS,
            "today": timezone.localdate(),
        },
    )


def person_disclosures_pdf(request: HttpRequest, person_id: int) -> HttpResponse:
    guards.require_any(request.user, Permission.PERSON_VIEW, path=request.path)
    person = person_get_for_user(user=_user(request), person_id=person_id, audit=False)
    pdf = selectors.person_disclosure_history_pdf(user=_user(request), person=person)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="disclosure_history_{person.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- 第27条第1項の承認 --------------------------------------------------------------------------


def exception_list(request: HttpRequest) -> HttpResponse:
    guards.require_any(request.user, Permission.PERSON_VIEW, path=request.path)
    form = ExceptionFilterForm(request.GET or None)
    status = ""
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"]
    page = selectors.exception_list(user=_user(request), status=status, page=request.GET.get("page", 1))
    return render(
        request,
        "referrals/exception_list.html",
        {"form": form, "page": page, "status": status, "category_labels": CATEGORY_LABELS},
    )


def exception_new(request: HttpRequest) -> HttpResponse:
    guards.require_any(request.user, Permission.CASE_EDIT, path=request.path)
    person_id = request.GET.get("person", "")
    if not person_id.isdigit():
        guards.deny(
            request.user,
            permission=Permission.CASE_EDIT,
            reason="no_person",
            message="相談者を指定してください（相談者のページから開きます）。",
        )
    person = person_get_for_user(user=_user(request), person_id=person_id)
    form = ExceptionRequestForm(
        form_data(request),
        partners=selectors.partners_for_referral(request.user).filter(municipality_id=person.municipality_id),
        cases=cases_visible_to(request.user).filter(person=person),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            req = services.statutory_exception_request(
                actor=_user(request),
                person=person,
                recipient=d["recipient"],
                categories=d["data_categories"],
                clause=d["clause"],
                reason=d["reason"],
                legal_basis=d["legal_basis"],
                case=d["case"],
                valid_until=d["valid_until"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            _refusal(form, exc)
        else:
            messages.success(request, "承認を申請しました。個人情報管理責任者の判断を待ちます。")
            return redirect("referrals:exception_detail", exception_id=req.pk)
    return render(request, "referrals/exception_form.html", {"form": form, "person": person})


def exception_detail(request: HttpRequest, exception_id: int) -> HttpResponse:
    exc_req = selectors.exception_get_for_user(user=_user(request), exception_id=exception_id)
    user: Any = request.user
    may_decide = (
        user.can(Permission.DISCLOSURE_APPROVE)
        and exc_req.status == ExceptionStatus.PENDING
        and user.pk != exc_req.requested_by_id
    )
    form = ExceptionDecisionForm(request.POST or None) if may_decide else None
    status = 200
    if request.method == "POST":
        if form is None:
            guards.deny(
                user,
                permission=Permission.DISCLOSURE_APPROVE,
                message="この申請を判断できるのは、申請者以外の個人情報管理責任者です。",
                obj=exc_req,
            )
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                if d["decision"] == "approve":
                    services.statutory_exception_approve(actor=user, exception=exc_req, note=d["note"])
                    messages.success(request, "承認しました。この範囲で同意なく提供できます。")
                else:
                    services.statutory_exception_reject(actor=user, exception=exc_req, note=d["note"])
                    messages.success(request, "承認しないことを記録しました。")
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except PermissionDenied as exc:
                _refusal(form, exc)
                status = 403
            else:
                return redirect("referrals:exception_detail", exception_id=exc_req.pk)
    return render(
        request,
        "referrals/exception_detail.html",
        {
            "req": exc_req,
            "form": form,
            "categories": [CATEGORY_LABELS.get(c, c) for c in exc_req.data_categories],
            "disclosures": list(exc_req.disclosures.order_by("disclosed_at")),
            "own_request": user.pk == exc_req.requested_by_id,
        },
        status=status,
    )


# --- 同意の運用 ---------------------------------------------------------------------------------

CONSENT_TABS = (
    ("without", "同意のない方（進行中のケース）"),
    ("expiring", "30日以内に有効期限が来る同意"),
    ("withdrawn", "撤回された同意"),
)


def consent_operations(request: HttpRequest) -> HttpResponse:
    guards.require_any(request.user, Permission.PERSON_VIEW, path=request.path)
    tab = request.GET.get("tab", "without")
    if tab not in dict(CONSENT_TABS):
        tab = "without"
    page_no = request.GET.get("page", 1)
    if tab == "without":
        page = selectors.persons_without_consent(user=_user(request), page=page_no)
    elif tab == "expiring":
        page = selectors.consents_expiring(user=_user(request), page=page_no)
    else:
        page = selectors.consents_withdrawn(user=_user(request), page=page_no)
    return render(
        request,
        "referrals/consent_operations.html",
        {
            "tab": tab,
            "tabs": CONSENT_TABS,
            "page": page,
            "today": timezone.localdate(),
            "whole_agency": policies.may_see_all_of_agency(request.user),
        },
    )


# --- 匿名化データの出力 -------------------------------------------------------------------------


def deidentified_export(request: HttpRequest) -> HttpResponse:
    guards.require_any(request.user, Permission.EXPORT_DEIDENTIFIED, path=request.path)
    form = ExportForm(
        request.POST or None, initial={"purpose": Purpose.STATISTICS, "kind": "cases_by_age_gender"}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            export = exports.deidentified_export(
                user=_user(request),
                purpose=d["purpose"],
                kind=d["kind"],
                fiscal_year=d["fiscal_year"],
                free_text_reviewed=d["free_text_reviewed"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            response = HttpResponse(export.csv_bytes(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "referrals/export.html",
        {"form": form, "threshold": exports.SUPPRESSION_THRESHOLD},
        status=422 if request.method == "POST" else 200,
    )
