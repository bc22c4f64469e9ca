"""相談受付: search first, then the 申込票 (person, intake, consent and 利用申込 in one transaction)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tsunagu.core.drafts import form_data
from tsunagu.core.forms import apply_service_errors
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.guards import permission_required
from tsunagu.organizations.roles import Permission
from tsunagu.persons import selectors as person_selectors
from tsunagu.persons.forms import PersonForm, PersonSearchForm
from tsunagu.privacy.forms import ConsentForm
from tsunagu.privacy.policies import consent_in_force

from .. import selectors, services
from ..forms import (
    IntakeForm,
)
from .common import actor


@permission_required(Permission.CASE_EDIT)
def intake_start(request: HttpRequest) -> HttpResponse:
    """相談受付はまず検索から: find an existing person before registering a new one."""
    form = PersonSearchForm(request.GET or None)
    candidates = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        candidates = person_selectors.person_duplicate_candidates(
            user=actor(request),
            name=d["name"],
            kana=d["kana"],
            birth_date=d["birth_date"],
            phone=d["phone"],
            min_score=0.3,
            limit=20,
            via="intake_start",
        )
    return render(request, "cases/intake_start.html", {"form": form, "candidates": candidates})


@permission_required(Permission.CASE_EDIT)
def intake_new(request: HttpRequest) -> HttpResponse:
    """相談受付・申込票: person (new or chosen), intake, consent and 利用申込 in one transaction."""
    user = actor(request)
    data = form_data(request)
    if request.method == "POST":
        # A double submit (same token): show the case the first submit created.
        done = selectors.case_for_submission(user=user, token=request.POST.get("intake-submission_token", ""))
        if done is not None:
            messages.info(request, f"この受付は既に保存されています（ケース番号 {done.case_number}）。")
            return redirect("cases:case_detail", case_id=done.pk)
    person = None
    person_id = request.GET.get("person") or (data.get("person") if data is not None else None)
    if person_id:
        person = person_selectors.person_get_for_user(user=user, person_id=person_id)
    partners = PartnerAgency.objects.in_area_of(user.agency)
    intake_form = IntakeForm(data, prefix="intake", partner_queryset=partners)
    person_form = None
    if person is None:
        initial = {k: request.GET.get(k, "") for k in ("name", "kana", "phone")}
        person_form = PersonForm(data, prefix="person", initial=initial)
    consent_form = (
        ConsentForm(data, prefix="consent", partner_queryset=partners)
        if data
        else ConsentForm(prefix="consent", partner_queryset=partners)
    )
    consent_given = bool(data and data.get("consent-given"))
    candidates = []
    confirm_new = bool(data and data.get("confirm_new_person"))
    if request.method == "POST":
        valid = intake_form.is_valid()
        if person_form is not None:
            valid = person_form.is_valid() and valid
        if consent_given:
            valid = consent_form.is_valid() and valid
        if valid and person_form is not None and not confirm_new:
            d = person_form.cleaned_data
            candidates = person_selectors.person_probable_duplicates(
                user=user,
                name=d["name"],
                kana=d["kana"],
                birth_date=d["birth_date"],
                phone=d["phone"],
                address=d["address"],
            )
            if candidates:
                valid = False
                messages.warning(
                    request,
                    "同じ方が既に登録されている可能性があります。候補を確認し、同じ方ならその方で受付してください。別の方の場合は「別の方として登録する」にチェックして保存してください。",
                )
        if valid:
            consent_values = None
            named = None
            if consent_given:
                cd = consent_form.cleaned_data
                consent_values = {
                    k: cd[k]
                    for k in (
                        "purposes",
                        "recipient_types",
                        "data_categories",
                        "given_on",
                        "method",
                        "expires_on",
                    )
                }
                named = list(cd["named_recipients"])
            try:
                case = services.intake_register(
                    actor=user,
                    person=person,
                    person_values=person_form.cleaned_data if person_form is not None else None,
                    values=intake_form.cleaned_data,
                    consent_values=consent_values,
                    named_recipients=named,
                    submission_token=intake_form.cleaned_data.get("submission_token") or None,
                )
            except ValidationError as exc:
                apply_service_errors(intake_form, exc)
            else:
                messages.success(request, f"相談を受け付けました（ケース番号 {case.case_number}）。")
                return redirect("cases:case_detail", case_id=case.pk)
    return render(
        request,
        "cases/intake_form.html",
        {
            "person": person,
            "person_form": person_form,
            "intake_form": intake_form,
            "consent_form": consent_form,
            "consent_given": consent_given,
            "candidates": candidates,
            "has_consent": person is not None and consent_in_force(person) is not None,
        },
    )
