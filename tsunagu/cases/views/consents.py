"""同意: recording and withdrawing a person's consent."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tsunagu.core.drafts import form_data
from tsunagu.core.forms import apply_service_errors
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.guards import permission_required
from tsunagu.organizations.roles import Permission
from tsunagu.persons import selectors as person_selectors
from tsunagu.privacy.forms import ConsentForm, ConsentWithdrawForm
from tsunagu.privacy.selectors import consents_of_person

from .common import actor


@permission_required(Permission.PERSON_EDIT)
def consent_new(request: HttpRequest, person_id: int) -> HttpResponse:
    from tsunagu.privacy.services import consent_give

    person = person_selectors.person_get_for_user(user=actor(request), person_id=person_id, audit=False)
    partners = PartnerAgency.objects.in_area_of(actor(request).agency)
    form = ConsentForm(form_data(request), partner_queryset=partners, agency=person.agency)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            consent_give(
                actor=actor(request),
                person=person,
                values={
                    k: cd[k]
                    for k in (
                        "purposes",
                        "recipient_types",
                        "data_categories",
                        "given_on",
                        "method",
                        "expires_on",
                    )
                },
                named_recipients=list(cd["named_recipients"]),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "同意を記録しました。")
            return redirect("cases:person_detail", person_id=person.pk)
    return render(request, "cases/consent_form.html", {"person": person, "form": form, "notice": form.notice})


@require_POST
@permission_required(Permission.PERSON_EDIT)
def consent_withdraw(request: HttpRequest, person_id: int, consent_id: int) -> HttpResponse:
    from tsunagu.privacy.services import consent_withdraw as withdraw

    person = person_selectors.person_get_for_user(user=actor(request), person_id=person_id, audit=False)
    consent = consents_of_person(person).filter(pk=consent_id).first()
    form = ConsentWithdrawForm(request.POST)
    if consent is None:
        from django.http import Http404

        raise Http404
    if form.is_valid():
        try:
            withdraw(
                actor=actor(request),
                consent=consent,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, "同意の撤回を記録しました。撤回日以降の第三者提供は行えません。")
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
    return redirect("cases:person_detail", person_id=person.pk)
