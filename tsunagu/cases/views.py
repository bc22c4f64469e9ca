"""Caseworker screens: case list, intake (相談受付) flow, case and person pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
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
from tsunagu.persons.services import StaleVersionError
from tsunagu.privacy.forms import ConsentForm, ConsentWithdrawForm
from tsunagu.privacy.selectors import consent_in_force, consents_of_person

from . import selectors, services
from .forms import (
    ApplicationForm,
    AssessmentForm,
    CaseFilterForm,
    EmploymentOutcomeForm,
    EvaluationForm,
    GoalFormSet,
    IntakeForm,
    PlanForm,
    RecordForm,
    ShareAssessmentForm,
    TransitionForm,
)
from .models import (
    ASSESSMENT_SECTIONS,
    Assessment,
    CaseState,
    PlanStatus,
    RecordMethod,
    StatutoryProgram,
    SupportPlan,
    SupportRecord,
)
from .validation import partners_for_agency, plan_period_limit, staff_for_agency
from .workflow import available_transitions


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


def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    intake = getattr(case, "intake", None)
    user = request.user
    can_edit = user.can(Permission.CASE_EDIT)  # type: ignore[union-attr]
    plan = selectors.plan_current(case)
    evaluations = list(selectors.evaluations_of_case(case)[:10])
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "intake": intake,
            "transitions": available_transitions(case, user),
            "can_edit": can_edit,
            "actions": {
                "assess": can_edit and case.state in services.ASSESSMENT_STATES,
                "new_plan": can_edit and case.state == CaseState.PLANNING and plan is None,
                "edit_plan": can_edit and plan is not None and plan.status in services.EDITABLE_PLAN_STATUSES,
                "evaluate": can_edit
                and plan is not None
                and plan.status == PlanStatus.DECIDED
                and case.state in (CaseState.IN_SUPPORT, CaseState.EVALUATION),
            },
            "assessment": selectors.assessments_of_case(user=user, case=case).first(),
            "assessment_count": case.assessments.count(),
            "plan": plan,
            "goals": selectors.plan_goals(plan) if plan is not None else [],
            "plan_count": case.plans.count(),
            "records": selectors.records_of_case(case),
            "record_form": RecordForm(case=case, staff_queryset=staff_for_agency(case.agency_id), actor=user)
            if can_edit
            else None,
            "evaluations": evaluations,
            "closing": next((e for e in evaluations if e.direction == "close"), None),
            "program_labels": _PLAN_LABELS["programs"],
            "issue_labels": code_labels(CodeList.ASSESSMENT_ISSUE),
            "closure_labels": code_labels(CodeList.CLOSURE_REASON),
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
            "outcomes": selectors.employment_outcomes_of_case(case),
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


# --- The support process: assessment, plan, records, evaluation, monitoring --------------------------
#
# Thin views: scoped selector → bound form → service → template. A stale save (another member of
# staff saved first) re-renders the form with what the user typed AND the version saved in the
# meantime beside it; saving again from that page means "I have seen their version".


def _case_for_writing(request: HttpRequest, case_id: int) -> Any:
    _require(request, Permission.CASE_EDIT)
    return selectors.case_get_for_user(user=request.user, case_id=case_id, audit=False)


def _shown(value: Any, labels: dict[str, str] | None = None) -> str:
    if value in (None, "", [], {}):
        return "（空欄）"
    if isinstance(value, bool):
        return "あり" if value else "なし"
    if isinstance(value, datetime):
        return f"{wareki(timezone.localtime(value).date())} {timezone.localtime(value):%H:%M}"
    if isinstance(value, date):
        return wareki(value)
    if isinstance(value, list):
        return "、".join((labels or {}).get(str(v), str(v)) for v in value)
    if labels is not None:
        return labels.get(str(value), str(value))
    return str(value)


def _diff_rows(
    model: Any,
    current: Any,
    typed: dict[str, Any],
    fields: tuple[str, ...],
    labels: dict[str, dict[str, str]],
) -> list[tuple[str, str, str]]:
    """(項目, 他の職員が保存した内容, あなたの入力) for every field where the two differ."""
    rows = []
    for f in fields:
        theirs, mine = getattr(current, f), typed.get(f)
        if isinstance(theirs, list) or isinstance(mine, list):
            same = sorted(theirs or []) == sorted(mine or [])
        else:
            same = (theirs or None) == (mine or None)
        if not same:
            label = str(model._meta.get_field(f).verbose_name)
            rows.append((label, _shown(theirs, labels.get(f)), _shown(mine, labels.get(f))))
    return rows


def _seen_version(form: Any, field: str, value: Any) -> None:
    """After a stale save, the form carries the other version's number: saving again overwrites knowingly."""
    data = cast(QueryDict, form.data).copy()
    data[form.add_prefix(field)] = str(value)
    form.data = data


# --- インテーク・アセスメントシート ---


def assessment_list(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    versions = list(selectors.assessments_of_case(user=request.user, case=case))
    return render(
        request,
        "cases/assessment_list.html",
        {"case": case, "versions": versions, "can_edit": request.user.can(Permission.CASE_EDIT)},  # type: ignore[union-attr]
    )


def assessment_detail(request: HttpRequest, case_id: int, assessment_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id, audit=False)
    assessment = selectors.assessment_get_for_user(user=request.user, case=case, assessment_id=assessment_id)
    visible = selectors.assessments_of_case(user=request.user, case=case)
    previous = visible.filter(number__lt=assessment.number).first()
    recipients = _budget_supporters(case)
    return render(
        request,
        "cases/assessment_detail.html",
        {
            "case": case,
            "assessment": assessment,
            "previous": previous,
            "diff": selectors.assessment_diff(previous, assessment) if previous else [],
            "sections": [
                (label, (assessment.sections or {}).get(key, "")) for key, label in ASSESSMENT_SECTIONS
            ],
            "issue_labels": code_labels(CodeList.ASSESSMENT_ISSUE),
            "share_form": ShareAssessmentForm(recipient_queryset=recipients) if recipients.exists() else None,
            "can_edit": request.user.can(Permission.CASE_EDIT),  # type: ignore[union-attr]
        },
    )


def _budget_supporters(case: Any) -> Any:
    from tsunagu.organizations.models import User
    from tsunagu.organizations.roles import Role

    return User.objects.filter(
        agency_id=case.agency_id, is_active=True, roles__role=Role.HOUSEHOLD_BUDGET_SUPPORTER
    ).distinct()


@require_POST
def assessment_share(request: HttpRequest, case_id: int, assessment_id: int) -> HttpResponse:
    case = _case_for_writing(request, case_id)
    assessment = selectors.assessment_get_for_user(user=request.user, case=case, assessment_id=assessment_id)
    form = ShareAssessmentForm(request.POST, recipient_queryset=_budget_supporters(case))
    if form.is_valid():
        try:
            services.assessment_share_with_budget_supporter(
                actor=request.user, assessment=assessment, recipient=form.cleaned_data["recipient"]
            )
            messages.success(
                request, f"アセスメント（第{assessment.number}版）を家計改善支援員と共有しました。"
            )
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
    else:
        messages.error(request, "共有する家計改善支援員を選んでください。")
    return redirect("cases:assessment_detail", case_id=case.pk, assessment_id=assessment.pk)


def assessment_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """A new version of the sheet, starting from the latest one."""
    case = _case_for_writing(request, case_id)
    user = request.user
    latest = selectors.assessments_of_case(user=user, case=case).first()
    newest_number = case.assessments.order_by("-number").values_list("number", flat=True).first()
    if newest_number is not None and (latest is None or latest.number != newest_number):
        raise PermissionDenied("最新のアセスメントを閲覧できないため、新しい版を作成できません。")
    staff_qs = staff_for_agency(case.agency_id).exclude(pk=user.pk)
    form = AssessmentForm(
        form_data(request), case=case, staff_queryset=staff_qs, initial=AssessmentForm.initial_from(latest)
    )
    stale = None
    stale_rows: list[tuple[str, str, str]] = []
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            assessment = services.assessment_create(
                actor=user,
                case=case,
                values=values,
                based_on_number=form.cleaned_data.get("based_on_number") or 0,
            )
        except StaleVersionError as exc:
            stale = exc.current
            form.add_error(None, exc.messages[0])
            _seen_version(form, "based_on_number", stale.number if stale else 0)
            if stale is not None:
                stale_rows = [
                    (label, theirs, mine)
                    for label, theirs, mine in selectors.assessment_diff(stale, Assessment(**values))
                ]
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, f"インテーク・アセスメントシート（第{assessment.number}版）を保存しました。"
            )
            return redirect("cases:assessment_detail", case_id=case.pk, assessment_id=assessment.pk)
    return render(
        request,
        "cases/assessment_form.html",
        {"case": case, "form": form, "latest": latest, "stale": stale, "stale_rows": stale_rows},
    )


# --- プラン兼事業等利用申込書 ---

_PLAN_LABELS = {"programs": dict(StatutoryProgram.choices)}


def _goal_initial(plan: Any, *, with_ids: bool) -> list[dict[str, Any]]:
    rows = []
    for g in selectors.plan_goals(plan):
        row = {k: getattr(g, k) for k in services.GOAL_FIELDS}
        if with_ids:
            row["id"] = g.pk
        rows.append(row)
    return rows


def _plan_forms(
    request: HttpRequest, case: Any, *, initial: dict[str, Any], goals: list[dict[str, Any]]
) -> Any:
    data = form_data(request)
    form = PlanForm(data, case=case, initial=initial)
    formset = GoalFormSet(  # type: ignore[call-arg]
        data,
        prefix="goals",
        initial=goals,
        staff_queryset=staff_for_agency(case.agency_id),
        partner_queryset=partners_for_agency(case.agency),
    )
    return form, formset


def _apply_plan_errors(form: Any, kept: list[Any], exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        for m in exc.messages:
            form.add_error(None, m)
        return
    for key, msgs in exc.message_dict.items():
        if key.startswith("goals-"):
            _, row, field = key.split("-", 2)
            target = kept[int(row)]
            for m in msgs:
                target.add_error(field if field in target.fields else None, m)
        else:
            for m in msgs:
                form.add_error(key if key in form.fields else None, m)


def plan_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """A new plan version. After a 再プラン or 差戻し it starts from the previous version."""
    case = _case_for_writing(request, case_id)
    last = selectors.plans_of_case(case).first()
    initial: dict[str, Any] = {}
    goals: list[dict[str, Any]] = []
    if last is not None:
        initial = {
            k: getattr(last, k)
            for k in (
                "wishes",
                "issues",
                "long_term_goal",
                "short_term_goal",
                "notes",
                "programs",
                "employment_support_target",
                "monitoring_interval_days",
            )
        }
        goals = _goal_initial(last, with_ids=False)
    form, formset = _plan_forms(request, case, initial=initial, goals=goals)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        kept = formset.kept_forms()
        try:
            plan = services.plan_create(
                actor=request.user,
                case=case,
                values=form.values(),
                goals=[{k: v for k, v in f.values().items() if k != "id"} for f in kept],
            )
        except ValidationError as exc:
            _apply_plan_errors(form, kept, exc)
        else:
            messages.success(request, f"プラン（第{plan.number}版・案）を保存しました。")
            return redirect("cases:plan_detail", case_id=case.pk, plan_id=plan.pk)
    return render(
        request,
        "cases/plan_form.html",
        {"case": case, "form": form, "formset": formset, "plan": None, "previous": last},
    )


def _plan_of_case(case: Any, plan_id: int) -> Any:
    from django.http import Http404

    plan = selectors.plans_of_case(case).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


def plan_edit(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    case = _case_for_writing(request, case_id)
    plan = _plan_of_case(case, plan_id)
    if plan.status not in services.EDITABLE_PLAN_STATUSES:
        messages.error(
            request, f"プラン（第{plan.number}版）は「{plan.get_status_display()}」のため編集できません。"
        )
        return redirect("cases:plan_detail", case_id=case.pk, plan_id=plan.pk)
    initial = {k: getattr(plan, k) for k in services.PLAN_FIELDS} | {"version": plan.version}
    form, formset = _plan_forms(request, case, initial=initial, goals=_goal_initial(plan, with_ids=True))
    stale = None
    stale_rows: list[tuple[str, str, str]] = []
    stale_goals: list[Any] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        kept = formset.kept_forms()
        values = form.values()
        try:
            services.plan_update(
                actor=request.user,
                plan=plan,
                values=values,
                goals=[f.values() for f in kept],
                expected_version=form.cleaned_data.get("version") or plan.version,
            )
        except StaleVersionError as exc:
            stale = exc.current
            form.add_error(None, exc.messages[0])
            _seen_version(form, "version", stale.version)
            stale_rows = _diff_rows(SupportPlan, stale, values, services.PLAN_FIELDS, _PLAN_LABELS)
            stale_goals = list(selectors.plan_goals(stale))
        except ValidationError as exc:
            _apply_plan_errors(form, kept, exc)
        else:
            messages.success(request, f"プラン（第{plan.number}版）を更新しました。")
            return redirect("cases:plan_detail", case_id=case.pk, plan_id=plan.pk)
    return render(
        request,
        "cases/plan_form.html",
        {
            "case": case,
            "form": form,
            "formset": formset,
            "plan": plan,
            "stale": stale,
            "stale_rows": stale_rows,
            "stale_goals": stale_goals,
        },
    )


def plan_detail(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id, audit=False)
    plan = selectors.plan_get_for_user(user=request.user, plan_id=plan_id)
    if plan.case_id != case.pk:
        from django.http import Http404

        raise Http404
    return render(
        request,
        "cases/plan_detail.html",
        {
            "case": case,
            "plan": plan,
            "goals": selectors.plan_goals(plan),
            "versions": selectors.plans_of_case(case),
            "program_labels": _PLAN_LABELS["programs"],
            "editable": plan.status in services.EDITABLE_PLAN_STATUSES
            and request.user.can(Permission.CASE_EDIT),  # type: ignore[union-attr]
            "long_period": plan.end_date > plan_period_limit(plan.start_date),
        },
    )


# --- 支援経過記録 ---

_RECORD_LABELS = {"method": dict(RecordMethod.choices)}


def record_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Quick entry (the form also sits on the case page). What was typed survives an expired
    session (form_data) and a validation error (the page re-renders with it)."""
    case = _case_for_writing(request, case_id)
    form = RecordForm(
        form_data(request), case=case, staff_queryset=staff_for_agency(case.agency_id), actor=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_create(actor=request.user, case=case, values=form.values())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "支援経過記録を保存しました。")
            return redirect(reverse("cases:case_detail", args=[case.pk]) + "#records")
    return render(
        request,
        "cases/record_form.html",
        {"case": case, "form": form, "record": None, "records": selectors.records_of_case(case, limit=10)},
    )


def record_edit(request: HttpRequest, case_id: int, record_id: int) -> HttpResponse:
    case = _case_for_writing(request, case_id)
    record = selectors.record_get_for_user(user=request.user, case=case, record_id=record_id)
    initial = {k: getattr(record, k) for k in services.RECORD_FIELDS} | {
        "version": record.version,
        "staff": record.staff_id,
        "occurred_at": timezone.localtime(record.occurred_at),
    }
    form = RecordForm(
        form_data(request), case=case, staff_queryset=staff_for_agency(case.agency_id), initial=initial
    )
    stale = None
    stale_rows: list[tuple[str, str, str]] = []
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            services.record_update(
                actor=request.user,
                record=record,
                values=values,
                expected_version=form.cleaned_data.get("version") or record.version,
            )
        except StaleVersionError as exc:
            stale = exc.current
            form.add_error(None, exc.messages[0])
            _seen_version(form, "version", stale.version)
            stale_rows = _diff_rows(SupportRecord, stale, values, services.RECORD_FIELDS, _RECORD_LABELS)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "支援経過記録を更新しました。")
            return redirect(reverse("cases:case_detail", args=[case.pk]) + "#records")
    return render(
        request,
        "cases/record_form.html",
        {"case": case, "form": form, "record": record, "stale": stale, "stale_rows": stale_rows},
    )


# --- 評価シート ---


def evaluation_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_for_writing(request, case_id)
    plan = selectors.plan_current(case)
    if plan is None or plan.status != PlanStatus.DECIDED:
        messages.error(
            request, "評価するプランがありません。評価シートは、支援決定されたプランについて記録します。"
        )
        return redirect("cases:case_detail", case_id=case.pk)
    goals = list(selectors.plan_goals(plan))
    form = EvaluationForm(form_data(request), case=case, plan=plan, goals=goals)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_create(actor=request.user, case=case, values=form.values())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, "評価シートを保存しました。今後の方向性に沿って、次の手続きに進んでください。"
            )
            return redirect("cases:evaluation_detail", case_id=case.pk, evaluation_id=evaluation.pk)
    return render(
        request, "cases/evaluation_form.html", {"case": case, "plan": plan, "goals": goals, "form": form}
    )


def evaluation_detail(request: HttpRequest, case_id: int, evaluation_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    evaluation = selectors.evaluation_get_for_user(user=request.user, case=case, evaluation_id=evaluation_id)
    return render(
        request,
        "cases/evaluation_detail.html",
        {
            "case": case,
            "evaluation": evaluation,
            "change_labels": code_labels(CodeList.CHANGE_ITEM),
            "closure_labels": code_labels(CodeList.CLOSURE_REASON),
        },
    )


# --- モニタリング ---


def monitoring_overdue(request: HttpRequest) -> HttpResponse:
    """モニタリング期限切れ: cases in support whose next monitoring date has passed."""
    _require(request, Permission.PERSON_VIEW)
    user = request.user
    scope = request.GET.get("scope", "mine")
    can_all = user.can(Permission.CASE_VIEW_ALL)  # type: ignore[union-attr]
    qs = selectors.cases_monitoring_overdue(user)
    if scope != "agency" or not can_all:
        scope = "mine"
        qs = qs.filter(assigned_worker_id=user.pk)
    today = timezone.localdate()
    rows = [{"case": c, "days": (today - c.next_monitoring_on).days} for c in qs[:200]]  # type: ignore[attr-defined]
    return render(
        request,
        "cases/monitoring_overdue.html",
        {"rows": rows, "scope": scope, "can_view_all": can_all, "today": today},
    )


def employment_outcome_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """就労・増収の実績を記録する (a line of the monthly 支援状況調査)."""
    case = _case_for_writing(request, case_id)
    form = EmploymentOutcomeForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.employment_outcome_record(actor=request.user, case=case, values=form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "就労・増収の実績を記録しました。")
            return redirect(reverse("cases:case_detail", args=[case.pk]) + "#outcomes")
    return render(
        request,
        "cases/employment_outcome_form.html",
        {"case": case, "form": form, "outcomes": selectors.employment_outcomes_of_case(case)},
    )
