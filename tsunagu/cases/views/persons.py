"""相談者: the person page, its edit, 世帯構成 and 名寄せ."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tsunagu.core.codes import code_labels
from tsunagu.core.drafts import form_data
from tsunagu.core.forms import apply_service_errors
from tsunagu.core.locking import DiffRow, StaleVersionError, VersionMissingError
from tsunagu.core.models import CodeList
from tsunagu.organizations.guards import allowed, deny, permission_required
from tsunagu.organizations.roles import Permission
from tsunagu.persons import selectors as person_selectors
from tsunagu.persons import services as person_services
from tsunagu.persons.diffs import household_diff_rows, person_diff_rows
from tsunagu.persons.forms import HouseholdFormSet, PersonForm
from tsunagu.persons.policies import masked_value, restricted_visible_person_ids
from tsunagu.privacy.forms import ConsentWithdrawForm
from tsunagu.privacy.policies import consent_in_force
from tsunagu.privacy.selectors import consent_missing_purposes, consents_of_person

from .. import selectors
from .common import actor, seen_version


def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_selectors.person_get_for_user(user=actor(request), person_id=person_id)
    visible = restricted_visible_person_ids(actor(request), [person])
    contact = {
        f: masked_value(person, f, visible)
        for f in ("postal_code", "address", "phone", "phone_alt", "email", "workplace")
    }
    return render(
        request,
        "cases/person_detail.html",
        {
            "person": person,
            "contact": contact,
            "household": person.household.all(),
            "cases": selectors.cases_visible_to(actor(request))
            .filter(person=person)
            .select_related("assigned_worker"),
            "consents": consents_of_person(person),
            "consent_in_force": (in_force := consent_in_force(person)),
            "consent_renewal": consent_missing_purposes(in_force),
            "withdraw_form": ConsentWithdrawForm(),
            "merges": person.merges_kept.select_related("merged", "performed_by").order_by("-performed_at"),
            "can_merge": allowed(actor(request), Permission.PERSON_MERGE),
            # As person_edit decides: the role may edit, and a restricted person only when visible.
            "can_edit_person": allowed(actor(request), Permission.PERSON_EDIT)
            and (not person.is_restricted or person.pk in visible),
            "labels": {
                "housing": code_labels(CodeList.HOUSING_STATUS, person.municipality_id),
                "contact": code_labels(CodeList.CONTACT_METHOD, person.municipality_id),
            },
        },
    )


@permission_required(Permission.PERSON_EDIT)
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    user = actor(request)
    person = person_selectors.person_get_for_user(user=user, person_id=person_id)
    visible = restricted_visible_person_ids(user, [person])
    if person.is_restricted and person.pk not in visible:
        deny(user, permission=Permission.PERSON_EDIT, reason="restricted", obj=person, path=request.path)
    data = form_data(request)
    initial = {f: getattr(person, f) for f in person_services.PERSON_FIELDS} | {"version": person.version}
    form = PersonForm(data, initial=initial, user=user, person=person)
    stale = None
    stale_rows: list[DiffRow] = []
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            person_services.person_update(
                actor=user, person=person, values=values, expected_version=form.data.get("version")
            )
        except StaleVersionError as exc:
            stale = exc.current
            form.add_error(None, exc.messages[0])
            # Saving again from this page means "I have seen their version": it carries theirs.
            seen_version(form, "version", stale.version)
            stale_rows = person_diff_rows(stale, values)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "相談者の情報を更新しました。")
            return redirect("cases:person_detail", person_id=person.pk)
    return render(
        request,
        "cases/person_edit.html",
        {"person": person, "form": form, "stale": stale, "stale_rows": stale_rows},
    )


@permission_required(Permission.PERSON_EDIT)
def person_household(request: HttpRequest, person_id: int) -> HttpResponse:
    """世帯構成: the members with 続柄, 生年月日 and 同居／別居 (replaced as a whole)."""
    person = person_selectors.person_get_for_user(user=actor(request), person_id=person_id, audit=False)
    initial = [
        {
            "name": m.name,
            "kana": m.kana,
            "relationship": m.relationship,
            "birth_date": m.birth_date,
            "lives_together": m.lives_together,
        }
        for m in person.household.all()
    ]
    data = form_data(request)
    formset = HouseholdFormSet(data, initial=initial, prefix="household")
    # The household's version the page was opened on (楽観的ロック); kept after a stale save.
    household_version: Any = person.household_version if data is None else data.get("household_version")
    stale = None
    stale_rows: list[DiffRow] = []
    if request.method == "POST" and formset.is_valid():
        kept = [f for f in formset.forms if not f.cleaned_data.get("DELETE") and not f.is_blank()]  # type: ignore[attr-defined]
        members = [{k: v for k, v in f.cleaned_data.items() if k != "DELETE"} for f in kept]
        try:
            person_services.household_set(
                actor=actor(request), person=person, members=members, expected_version=household_version
            )
        except StaleVersionError as exc:
            stale = exc.current
            household_version = stale.household_version
            stale_rows = household_diff_rows(stale, members)
            messages.error(request, exc.messages[0])
        except VersionMissingError as exc:
            messages.error(request, exc.messages[0])
        except ValidationError as exc:
            for key, msgs in exc.message_dict.items():  # "household-<row>-<field>"
                _, row, field = key.split("-", 2)
                target = kept[int(row)]
                for m in msgs:
                    target.add_error(field if field in target.fields else None, m)
        else:
            messages.success(request, "世帯構成を更新しました。")
            return redirect("cases:person_detail", person_id=person.pk)
    return render(
        request,
        "cases/person_household.html",
        {
            "person": person,
            "formset": formset,
            "household_version": household_version,
            "stale": stale,
            "stale_rows": stale_rows,
        },
    )


@permission_required(Permission.PERSON_MERGE)
def person_merge(request: HttpRequest, person_id: int) -> HttpResponse:
    """名寄せ: choose a duplicate of this person and link it in (nothing is overwritten)."""
    person = person_selectors.person_get_for_user(user=actor(request), person_id=person_id)
    candidates = person_selectors.person_merge_candidates(user=actor(request), person=person, min_score=0.3)
    if request.method == "POST":
        other = person_selectors.person_get_for_user(
            user=actor(request), person_id=request.POST.get("merged")
        )
        try:
            person_services.person_merge(
                actor=actor(request),
                survivor=person,
                merged=other,
                reason=request.POST.get("reason", "")[:200],
            )
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
        else:
            messages.success(
                request, f"{other.name}（ID {other.pk}）をこの相談者に統合しました。取り消すことができます。"
            )
            return redirect("cases:person_detail", person_id=person.pk)
    return render(request, "cases/person_merge.html", {"person": person, "candidates": candidates})


@require_POST
@permission_required(Permission.PERSON_MERGE)
def person_merge_undo(request: HttpRequest, person_id: int, merge_id: int) -> HttpResponse:
    person = person_selectors.person_get_for_user(user=actor(request), person_id=person_id, audit=False)
    merge = person.merges_kept.filter(pk=merge_id).first()
    if merge is None:
        from django.http import Http404

        raise Http404
    try:
        person_services.person_merge_undo(actor=actor(request), merge=merge)
        messages.success(request, "名寄せを取り消しました。")
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("cases:person_detail", person_id=person.pk)
