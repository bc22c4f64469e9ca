"""Caseworker screens: case list, intake (相談受付) flow, case and person pages."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tsunagu.core.codes import code_labels
from tsunagu.core.dates import wareki
from tsunagu.core.drafts import form_data
from tsunagu.core.forms import apply_service_errors
from tsunagu.core.models import CodeList
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.selectors import staff_visible_to
from tsunagu.persons import selectors as person_selectors
from tsunagu.persons import services as person_services
from tsunagu.persons.forms import HouseholdFormSet, PersonForm, PersonSearchForm
from tsunagu.persons.models import Gender, Person
from tsunagu.persons.policies import masked_value, restricted_visible_person_ids
from tsunagu.privacy.forms import ConsentForm, ConsentWithdrawForm
from tsunagu.privacy.selectors import consent_in_force, consents_of_person

from . import selectors, services
from .forms import ApplicationForm, CaseFilterForm, IntakeForm, TransitionForm
from .validation import partners_for_agency
from .workflow import available_transitions

DUPLICATE_WARNING_SCORE = 0.6


def _require(request: HttpRequest, permission: Permission) -> None:
    if not request.user.can(permission):  # type: ignore[union-attr]
        raise PermissionDenied


def case_list(request: HttpRequest) -> HttpResponse:
    """ケース一覧: opens on the user's own cases and a search box, never on all persons."""
    _require(request, Permission.PERSON_VIEW)
    user = request.user
    form = CaseFilterForm(request.GET or None, worker_queryset=staff_visible_to(user))
    if not user.can(Permission.CASE_VIEW_ALL):  # type: ignore[union-attr]
        del form.fields["scope"], form.fields["worker"]
    query = selectors.CaseQuery()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        query = selectors.CaseQuery(
            q=d["q"],
            scope=d.get("scope") or "mine",
            state=d["state"],
            worker_id=d["worker"].pk if d.get("worker") else None,
            topic=d["topic"],
            after=d["after"],
        )
    page = selectors.case_list(user=user, query=query)
    persons = [c.person for c in page.cases]
    visible = restricted_visible_person_ids(user, persons)
    rows = [{"case": c, "phone": masked_value(c.person, "phone", visible)} for c in page.cases]
    person_selectors.persons_restricted_fields_shown(
        user=user, persons=persons, visible_ids=visible, fields=["phone"], via="case_list"
    )
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "can_view_all": user.can(Permission.CASE_VIEW_ALL),  # type: ignore[union-attr]
            "base_query": params.urlencode(),
            "topic_labels": code_labels(CodeList.CONSULTATION_TOPIC),
        },
    )


def intake_start(request: HttpRequest) -> HttpResponse:
    """相談受付はまず検索から: find an existing person before registering a new one."""
    _require(request, Permission.CASE_EDIT)
    form = PersonSearchForm(request.GET or None)
    candidates = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        candidates = person_selectors.person_duplicate_candidates(
            user=request.user,
            name=d["name"],
            kana=d["kana"],
            birth_date=d["birth_date"],
            phone=d["phone"],
            min_score=0.3,
            limit=20,
        )
    return render(request, "cases/intake_start.html", {"form": form, "candidates": candidates})


def intake_new(request: HttpRequest) -> HttpResponse:
    """相談受付・申込票: person (new or chosen), intake, consent and 利用申込 in one transaction."""
    _require(request, Permission.CASE_EDIT)
    user = request.user
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
    partners = partners_for_agency(user.agency)  # type: ignore[union-attr]
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
            candidates = [
                c
                for c in person_selectors.person_duplicate_candidates(
                    user=user,
                    name=d["name"],
                    kana=d["kana"],
                    birth_date=d["birth_date"],
                    phone=d["phone"],
                    address=d["address"],
                )
                if c.score >= DUPLICATE_WARNING_SCORE
            ]
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


def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    intake = getattr(case, "intake", None)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "intake": intake,
            "transitions": available_transitions(case),
            "history": case.transitions.select_related("actor"),
            "emergencies": case.emergency_supports.all(),
            "consent": consent_in_force(case.person),
            "labels": {
                "method": code_labels(CodeList.CONSULTATION_METHOD),
                "consulter": code_labels(CodeList.CONSULTER_TYPE),
                "route": code_labels(CodeList.REFERRAL_ROUTE),
                "topic": code_labels(CodeList.CONSULTATION_TOPIC),
                "urgency": code_labels(CodeList.URGENCY_FLAG),
                "referral": code_labels(CodeList.SCREENING_REFERRAL),
            },
            "application_form": ApplicationForm(),
        },
    )


@require_POST
def case_transition(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id, audit=False)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.case_transition(
                actor=request.user,
                case=case,
                name=form.cleaned_data["name"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data.get("version"),
            )
            messages.success(request, "状態を変更しました。")
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
    return redirect("cases:case_detail", case_id=case.pk)


@require_POST
def case_record_application(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id, audit=False)
    form = ApplicationForm(request.POST)
    if form.is_valid():
        try:
            services.intake_record_application(
                actor=request.user, case=case, applied_on=form.cleaned_data["applied_on"]
            )
            messages.success(request, "利用申込を記録しました。")
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
    return redirect("cases:case_detail", case_id=case.pk)


def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id)
    visible = restricted_visible_person_ids(request.user, [person])
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
            "cases": selectors.cases_visible_to(request.user)
            .filter(person=person)
            .select_related("assigned_worker"),
            "consents": consents_of_person(person),
            "consent_in_force": consent_in_force(person),
            "withdraw_form": ConsentWithdrawForm(),
            "merges": person.merges_kept.select_related("merged", "performed_by").order_by("-performed_at"),
            "can_merge": request.user.can(Permission.PERSON_MERGE),  # type: ignore[union-attr]
            "labels": {
                "housing": code_labels(CodeList.HOUSING_STATUS),
                "contact": code_labels(CodeList.CONTACT_METHOD),
            },
        },
    )


def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    _require(request, Permission.PERSON_EDIT)
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id)
    visible = restricted_visible_person_ids(request.user, [person])
    if person.is_restricted and person.pk not in visible:
        raise PermissionDenied
    data = form_data(request)
    initial = {f: getattr(person, f) for f in person_services.PERSON_FIELDS} | {"version": person.version}
    form = PersonForm(data, initial=initial)
    stale = None
    stale_rows: list[tuple[str, str, str]] = []
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            person_services.person_update(
                actor=request.user,
                person=person,
                values=values,
                expected_version=form.cleaned_data.get("version") or person.version,
            )
        except person_services.StaleVersionError as exc:
            stale = exc.current
            form.add_error(None, exc.messages[0])
            # Saving again from this page means "I have seen their version": it carries theirs.
            data_seen = cast(QueryDict, form.data).copy()
            data_seen["version"] = str(stale.version)
            form.data = data_seen
            stale_rows = _stale_rows(stale, values)
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


def person_household(request: HttpRequest, person_id: int) -> HttpResponse:
    """世帯構成: the members with 続柄, 生年月日 and 同居／別居 (replaced as a whole)."""
    _require(request, Permission.PERSON_EDIT)
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id, audit=False)
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
    formset = HouseholdFormSet(form_data(request), initial=initial, prefix="household")
    if request.method == "POST" and formset.is_valid():
        kept = [f for f in formset.forms if not f.cleaned_data.get("DELETE") and not f.is_blank()]  # type: ignore[attr-defined]
        try:
            person_services.household_set(
                actor=request.user,
                person=person,
                members=[{k: v for k, v in f.cleaned_data.items() if k != "DELETE"} for f in kept],
            )
        except ValidationError as exc:
            for key, msgs in exc.message_dict.items():  # "household-<row>-<field>"
                _, row, field = key.split("-", 2)
                target = kept[int(row)]
                for m in msgs:
                    target.add_error(field if field in target.fields else None, m)
        else:
            messages.success(request, "世帯構成を更新しました。")
            return redirect("cases:person_detail", person_id=person.pk)
    return render(request, "cases/person_household.html", {"person": person, "formset": formset})


def _stale_rows(current: Any, typed: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(項目, 他の職員が保存した内容, あなたの入力) for every field where the two differ."""

    def shown(field: str, value: Any) -> str:
        if value in (None, ""):
            return "（空欄）"
        if isinstance(value, bool):
            return "あり" if value else "なし"
        if isinstance(value, date):
            return wareki(value)
        if field == "gender":
            return Gender(value).label if value in Gender.values else str(value)
        return str(value)

    rows = []
    for f in person_services.PERSON_FIELDS:
        theirs, mine = getattr(current, f), typed.get(f)
        if (theirs or None) != (mine or None):
            label = str(getattr(Person._meta.get_field(f), "verbose_name", f))
            rows.append((label, shown(f, theirs), shown(f, mine)))
    return rows


def person_merge(request: HttpRequest, person_id: int) -> HttpResponse:
    """名寄せ: choose a duplicate of this person and link it in (nothing is overwritten)."""
    _require(request, Permission.PERSON_MERGE)
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id)
    candidates = person_selectors.person_duplicate_candidates(
        user=request.user,
        name=person.name,
        kana=person.kana,
        birth_date=person.birth_date,
        phone=person.phone,
        address=person.address,
        exclude_id=person.pk,
        min_score=0.3,
    )
    if request.method == "POST":
        other = person_selectors.person_get_for_user(user=request.user, person_id=request.POST.get("merged"))
        try:
            person_services.person_merge(
                actor=request.user, survivor=person, merged=other, reason=request.POST.get("reason", "")[:200]
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
def person_merge_undo(request: HttpRequest, person_id: int, merge_id: int) -> HttpResponse:
    _require(request, Permission.PERSON_MERGE)
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id, audit=False)
    merge = person.merges_kept.filter(pk=merge_id).first()
    if merge is None:
        from django.http import Http404

        raise Http404
    try:
        person_services.person_merge_undo(actor=request.user, merge=merge)
        messages.success(request, "名寄せを取り消しました。")
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("cases:person_detail", person_id=person.pk)


def consent_new(request: HttpRequest, person_id: int) -> HttpResponse:
    from tsunagu.privacy.services import consent_give

    _require(request, Permission.PERSON_EDIT)
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id, audit=False)
    partners = partners_for_agency(request.user.agency)  # type: ignore[union-attr]
    form = ConsentForm(form_data(request), partner_queryset=partners)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            consent_give(
                actor=request.user,
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
    return render(request, "cases/consent_form.html", {"person": person, "form": form})


@require_POST
def consent_withdraw(request: HttpRequest, person_id: int, consent_id: int) -> HttpResponse:
    from tsunagu.privacy.services import consent_withdraw as withdraw

    _require(request, Permission.PERSON_EDIT)
    person = person_selectors.person_get_for_user(user=request.user, person_id=person_id, audit=False)
    consent = consents_of_person(person).filter(pk=consent_id).first()
    form = ConsentWithdrawForm(request.POST)
    if consent is None:
        from django.http import Http404

        raise Http404
    if form.is_valid():
        try:
            withdraw(
                actor=request.user,
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
