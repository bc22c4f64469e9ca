"""住居確保給付金 screens: 簡易判定, applications (list, new, detail, lifecycle actions), rule tables.

Thin views: scoped selector → bound form → service → template. What was typed is kept on errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tsunagu.cases.models import EmploymentOutcome
from tsunagu.cases.selectors import case_get_for_decision, case_get_for_user, cases_visible_to
from tsunagu.core.dates import add_months
from tsunagu.core.drafts import form_data
from tsunagu.core.forms import apply_service_errors
from tsunagu.organizations import guards
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission

from . import figures, selectors, services
from . import housing_rules as hr
from .forms import (
    ApplicationForm,
    AssessForm,
    AssessmentDebtsForm,
    BudgetPlanForm,
    BudgetSheetForm,
    CertifiedProviderForm,
    DebtForm,
    DebtStatusForm,
    DecisionForm,
    EndForm,
    EnrolmentEndForm,
    EnrolmentExtendForm,
    EnrolmentForm,
    ExtensionApplyForm,
    ExtensionDecideForm,
    IncomeRecheckForm,
    JobSearchReportForm,
    JobSearchRuleForm,
    LoanLinkForm,
    PaymentForm,
    ProgressReportForm,
    RuleForm,
    RuleTableForm,
    StopForm,
    TrainingTypeDecisionForm,
)
from .models import (
    ApplicationState,
    BudgetLineKind,
    CertifiedTrainingProvider,
    DebtStatus,
    EnrolmentProgram,
    EnrolmentStatus,
    GradeArea,
    HousingBenefitApplication,
    HousingBenefitDecision,
    HousingBenefitStop,
    StopReason,
)

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


def _actor(request: HttpRequest) -> User:
    """The authenticated staff account (login and API authentication come first)."""
    return cast("User", request.user)


# --- 簡易判定 ------------------------------------------------------------------------------------------


def housing_assess(request: HttpRequest) -> HttpResponse:
    """簡易判定: the same validation and calculation as ``POST /api/v1/housing-benefit/assess``."""
    guards.require_any(request.user, Permission.DASHBOARD_VIEW, path=request.path)
    municipalities = selectors.municipalities_for_user(request.user)
    if not municipalities.exists():
        municipalities = Municipality.objects.order_by("code")
    data = form_data(request)
    form = AssessForm(
        data,
        municipalities=municipalities,
        initial={"application_date": timezone.localdate(), "type": "rent", "cause": "job_loss"},
    )
    assessment = None
    if request.method == "POST" and form.is_valid():
        try:
            assessment = selectors.housing_assess(form.values())
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return render(request, "programs/housing_assess.html", {"form": form, "assessment": assessment})


# --- Applications -------------------------------------------------------------------------------------


def application_list(request: HttpRequest) -> HttpResponse:
    guards.require_any(request.user, Permission.PERSON_VIEW, Permission.DECISION_RECORD, path=request.path)
    state = request.GET.get("state", "")
    page = selectors.housing_application_page(user=request.user, state=state, page=request.GET.get("page", 1))
    return render(
        request,
        "programs/housing_application_list.html",
        {
            "page": page,
            "state": state,
            "states": ApplicationState.choices,
            "reminders": selectors.reminders_for(request.user, today=timezone.localdate()),
            "can_apply": request.user.can(Permission.CASE_EDIT),  # type: ignore[union-attr]
        },
    )


def application_new(request: HttpRequest) -> HttpResponse:
    """申請の受付 at the centre, from one of the agency's open cases."""
    guards.require_any(request.user, Permission.CASE_EDIT, path=request.path)
    cases = selectors.cases_for_application(request.user)
    initial: dict[str, Any] = {"application_date": timezone.localdate(), "type": "rent", "cause": "job_loss"}
    chosen = request.POST.get("case", "") if request.method == "POST" else request.GET.get("case", "")
    case_from = cases.filter(pk=chosen).first() if chosen.isdigit() else None
    found = None
    notes: dict[str, str] = {}
    if case_from is not None:
        initial["case"] = case_from
        # The figures the assessment and the 世帯構成 hold, as initial values (editable).
        found = figures.figures_for(user=request.user, case=case_from)
        values_from, notes = figures.application_initial(found)
        initial.update(values_from)
    form = ApplicationForm(form_data(request), case_queryset=cases, initial=initial)
    for name, note in notes.items():
        form.fields[name].help_text = note
    if request.method == "POST" and form.is_valid():
        values = form.values()
        case = values.pop("case")
        token = values.pop("submission_token") or None
        try:
            application = services.housing_application_create(
                actor=_actor(request), case=case, values=values, submission_token=token
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "住居確保給付金の申請を受け付けました。自治体担当者の決定を待ちます。")
            return redirect("programs:housing_application_detail", application_id=application.pk)
    return render(
        request,
        "programs/housing_application_form.html",
        {"form": form, "figures": found, "cases": cases if case_from is None else None},
    )


def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    app = selectors.housing_application_get_for_user(user=request.user, application_id=application_id)
    decision = (
        HousingBenefitDecision.objects.filter(application=app).select_related("rule", "decided_by").first()
    )
    assessment = None
    assessment_error = ""
    explained = None
    if decision is not None:
        explained = selectors.decision_explain(decision)
    else:
        try:
            assessment = selectors.assessment_for_application(app)
        except ValidationError as exc:
            assessment_error = " ".join(exc.messages)
    today = timezone.localdate()
    differences = None
    if cases_visible_to(request.user).filter(pk=app.case_id).exists():
        # What the application says differently from the assessment: shown, offered, never copied.
        differences = figures.application_differences(
            user=request.user, figures=figures.figures_for(user=request.user, case=app.case), values=app
        )
    extensions = list(app.extensions.select_related("decided_by"))
    pending = [e for e in extensions if e.state == "pending"]
    pending_requirements = None
    if pending:
        try:
            pending_requirements = services.extension_requirements_for(pending[0])
        except ValidationError as exc:
            assessment_error = " ".join(exc.messages)
    return render(
        request,
        "programs/housing_application_detail.html",
        {
            "app": app,
            "decision": decision,
            "explained": explained,
            "assessment": assessment,
            "assessment_error": assessment_error,
            "payments": app.payments.select_related("recorded_by"),
            "reports": app.job_search_reports.select_related("requirement"),
            "extensions": extensions,
            "pending_extension": pending[0] if pending else None,
            "pending_requirements": pending_requirements,
            "stop": HousingBenefitStop.objects.filter(application=app).first(),
            "actions": selectors.housing_actions_for(request.user, app),
            "action_buttons": selectors.housing_action_buttons(request.user, app),
            "reminders": [
                r for r in selectors.reminders_for(request.user, today=today) if r.application.pk == app.pk
            ],
            "max_months": hr.MAX_PERIOD_MONTHS,
            "differences": differences,
        },
    )


@dataclass(frozen=True)
class Action:
    title: str
    form: type[forms.Form]
    service: Callable[..., Any]
    done: str
    initial: Callable[[HousingBenefitApplication, date], dict[str, Any]]


def _next_payment_month(app: HousingBenefitApplication, today: date) -> date | None:
    if app.first_month is None:
        return None
    paid = set(app.payments.values_list("month", flat=True))
    for i in range(app.months_awarded):
        m = add_months(app.first_month, i)
        if m not in paid:
            return m
    return None


def _next_report_month(app: HousingBenefitApplication, today: date) -> date | None:
    missing, _ = selectors.report_months_status(app, before=hr.last_of_month(today) + timedelta(days=1))
    return missing[0] if missing else None


ACTIONS: dict[str, Action] = {
    "decision": Action(
        "支給決定・不支給の記録",
        DecisionForm,
        services.housing_decision_record,
        "決定を記録しました。",
        lambda app, today: {"decided_on": today},
    ),
    "payment": Action(
        "支給（代理納付）の記録",
        PaymentForm,
        services.housing_payment_record,
        "支給を記録しました。",
        lambda app, today: {
            "month": _next_payment_month(app, today),
            "paid_on": today,
            "payee_name": app.payee_name,
            "payee_account_holder": app.payee_account_holder,
        },
    ),
    "report": Action(
        "求職活動状況報告の記録",
        JobSearchReportForm,
        services.job_search_report_record,
        "求職活動状況報告を記録しました。",
        lambda app, today: {"month": _next_report_month(app, today), "reported_on": today},
    ),
    "extension_apply": Action(
        "延長の申請",
        ExtensionApplyForm,
        services.housing_extension_apply,
        "延長の申請を記録しました。自治体担当者の決定を待ちます。",
        lambda app, today: {"applied_on": today},
    ),
    "stop": Action(
        "支給の中止",
        StopForm,
        services.housing_benefit_stop,
        "支給の中止を記録しました。",
        lambda app, today: {"decided_on": today},
    ),
    "end": Action(
        "支給の終了",
        EndForm,
        services.housing_benefit_end,
        "支給の終了を記録しました。",
        lambda app, today: {"ended_on": today},
    ),
}


def application_action(request: HttpRequest, application_id: int, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    app = selectors.housing_application_get_for_user(
        user=request.user, application_id=application_id, audit=False
    )
    if action not in selectors.housing_actions_for(request.user, app):
        guards.require_any(request.user, Permission.DECISION_RECORD, Permission.CASE_EDIT, path=request.path)
        messages.warning(request, f"この申請では現在「{spec.title}」を行えません。")
        return redirect("programs:housing_application_detail", application_id=app.pk)
    today = timezone.localdate()
    initial = spec.initial(app, today)
    if action == "stop" and request.GET.get("reason") in StopReason.values:
        initial["reason"] = request.GET["reason"]  # offered by the 収入の再確認 page
    form = spec.form(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            spec.service(actor=_actor(request), application=app, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, spec.done)
            return redirect("programs:housing_application_detail", application_id=app.pk)
    return render(
        request,
        "programs/housing_action_form.html",
        {"app": app, "form": form, "title": spec.title, "action": action},
    )


def housing_income_recheck(request: HttpRequest, application_id: int) -> HttpResponse:
    """収入の再確認: after a 就労・増収 is recorded on a case whose benefit is 支給中, the income is
    compared with the 収入基準額 of the rule table in force today. Above it, the benefit is to be
    stopped (中止事由「常用就職・収入増により収入基準額を超えた」, 施行規則第17条); within it, it goes on
    (継続) with the monthly 求職活動状況報告. Nothing is written here: 中止 and the report are the
    existing actions of the application."""
    app = selectors.housing_application_get_for_user(user=request.user, application_id=application_id)
    today = timezone.localdate()
    rule = selectors.rule_in_force(municipality=app.municipality, household_size=app.household_size, on=today)
    limit = hr.income_limit(rules=rule.as_rules(), rent=app.monthly_rent) if rule is not None else None
    outcome = EmploymentOutcome.objects.filter(case_id=app.case_id).order_by("-occurred_on", "-id").first()
    form = IncomeRecheckForm(request.GET if "household_monthly_income" in request.GET else None)
    income = form.cleaned_data["household_monthly_income"] if form.is_bound and form.is_valid() else None
    actions = selectors.housing_actions_for(request.user, app)
    return render(
        request,
        "programs/housing_income_recheck.html",
        {
            "app": app,
            "rule": rule,
            "limit": limit,
            "counted_rent": hr.counted_rent(rules=rule.as_rules(), rent=app.monthly_rent)
            if rule is not None
            else None,
            "outcome": outcome,
            "form": form,
            "income": income,
            "exceeds": income is not None and limit is not None and income > limit,
            "awarded": app.state == ApplicationState.AWARDED,
            "can_stop": "stop" in actions,
            "can_report": "report" in actions,
            "stop_reason": StopReason.EMPLOYMENT_OR_INCOME,
            "stop_reason_label": StopReason.EMPLOYMENT_OR_INCOME.label,
        },
    )


def extension_decide(request: HttpRequest, application_id: int, extension_id: int) -> HttpResponse:
    app = selectors.housing_application_get_for_user(
        user=request.user, application_id=application_id, audit=False
    )
    ext = app.extensions.filter(pk=extension_id).first()
    if ext is None:
        raise Http404
    if "extension_decide" not in selectors.housing_actions_for(request.user, app) or ext.state != "pending":
        guards.require_any(request.user, Permission.DECISION_RECORD, path=request.path)
        messages.warning(request, "この延長申請は決定できません（決定済み、または支給中ではありません）。")
        return redirect("programs:housing_application_detail", application_id=app.pk)
    form = ExtensionDecideForm(form_data(request), initial={"decided_on": timezone.localdate()})
    try:
        requirements = services.extension_requirements_for(ext)
    except ValidationError as exc:
        requirements = ()
        messages.error(request, " ".join(exc.messages))
    if request.method == "POST" and form.is_valid():
        try:
            services.housing_extension_decide(actor=_actor(request), extension=ext, **form.values())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "延長の決定を記録しました。")
            return redirect("programs:housing_application_detail", application_id=app.pk)
    return render(
        request,
        "programs/housing_action_form.html",
        {
            "app": app,
            "form": form,
            "title": f"{'延長' if ext.sequence == 1 else '再延長'}の決定",
            "action": "extension_decide",
            "requirements": requirements,
        },
    )


# --- Rule tables ---------------------------------------------------------------------------------------


def rule_tables(request: HttpRequest) -> HttpResponse:
    """The tables in force today and every earlier version (nothing is overwritten)."""
    guards.require_any(request.user, Permission.DASHBOARD_VIEW, path=request.path)
    today = timezone.localdate()
    tables = [
        {
            "municipality": m,
            "current": selectors.rules_current_for(municipality=m, on=today),
            "history": selectors.rule_rows_for(municipality=m),
            "job_search": selectors.job_search_rows_for(municipality=m),
            "upcoming": selectors.rule_future_rows_for(municipality=m, after=today),
            "drafts": selectors.rule_drafts_pending(municipality=m),
            "can_edit": request.user.can(Permission.RULES_EDIT)  # type: ignore[union-attr]
            and request.user.municipality_id == m.pk,  # type: ignore[union-attr]
        }
        for m in selectors.municipalities_for_user(request.user)
    ]
    return render(request, "programs/housing_rules.html", {"tables": tables, "today": today})


def _officer_municipality(request: HttpRequest) -> Municipality:
    guards.require_any(request.user, Permission.RULES_EDIT, path=request.path)
    municipality = request.user.municipality  # type: ignore[union-attr]
    if municipality is None:
        guards.deny(request.user, permission=Permission.RULES_EDIT, reason="no_municipality")  # type: ignore[arg-type]
    return municipality  # type: ignore[no-any-return]


def rule_table_new(request: HttpRequest) -> HttpResponse:
    """Prepare a whole 基準額表 for an effective date; it applies only once confirmed (確定)."""
    municipality = _officer_municipality(request)
    form = RuleTableForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.housing_rule_table_propose(
                actor=_actor(request),
                municipality=municipality,
                effective_from=form.cleaned_data["effective_from"],
                rows=form.table_rows(),
                source=form.cleaned_data["source"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                "基準額表を作成しました。内容を確認して確定してください（確定までは適用されません）。",
            )
            return redirect("programs:housing_rule_table_review", draft_id=draft.pk)
    return render(
        request, "programs/housing_rule_table_form.html", {"form": form, "municipality": municipality}
    )


def rule_table_review(request: HttpRequest, draft_id: int) -> HttpResponse:
    """The prepared table beside the one that would otherwise apply, differences marked; 確定 or 取下げ."""
    municipality = _officer_municipality(request)
    draft = selectors.rule_draft_get_for_user(user=request.user, municipality=municipality, draft_id=draft_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                services.housing_rule_table_approve(
                    actor=_actor(request), draft=draft, version=request.POST.get("version")
                )
                messages.success(request, "基準額表を確定しました。適用開始日から判定・決定に使われます。")
            elif action == "withdraw":
                services.housing_rule_table_withdraw(
                    actor=_actor(request), draft=draft, version=request.POST.get("version")
                )
                messages.success(request, "基準額表を取り下げました。")
            else:
                raise Http404
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("programs:housing_rule_table_review", draft_id=draft.pk)
        return redirect("programs:housing_rules")
    today = timezone.localdate()
    return render(
        request,
        "programs/housing_rule_table_review.html",
        {
            "draft": draft,
            "diffs": services.housing_rule_table_review(draft),
            "today": today,
            "grade_labels": dict(GradeArea.choices),
        },
    )


def rule_new(request: HttpRequest) -> HttpResponse:
    guards.require_any(request.user, Permission.RULES_EDIT, path=request.path)
    municipality = request.user.municipality  # type: ignore[union-attr]
    if municipality is None:
        guards.deny(request.user, permission=Permission.RULES_EDIT, reason="no_municipality")  # type: ignore[arg-type]
    kind = request.GET.get("kind") or request.POST.get("kind") or "amounts"
    form_class: type[forms.Form] = JobSearchRuleForm if kind == "job_search" else RuleForm
    form = form_class(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            if kind == "job_search":
                services.job_search_requirement_add(
                    actor=_actor(request), municipality=municipality, **form.cleaned_data
                )
            else:
                services.housing_rule_add(
                    actor=_actor(request), municipality=municipality, **form.cleaned_data
                )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "新しい版を登録しました（以前の版はそのまま残ります）。")
            return redirect("programs:housing_rules")
    return render(
        request, "programs/housing_rule_form.html", {"form": form, "kind": kind, "municipality": municipality}
    )


# =====================================================================================================
# Other programmes: /programs/enrolments/…
# =====================================================================================================


def enrolment_list(request: HttpRequest) -> HttpResponse:
    guards.require_any(request.user, Permission.PERSON_VIEW, Permission.DECISION_RECORD, path=request.path)
    today = timezone.localdate()
    status = request.GET.get("status", "")
    qs = selectors.enrolments_visible_to(request.user).order_by("-start_on", "-id")
    if status in EnrolmentStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "programs/enrolment_list.html",
        {
            "enrolments": list(qs[:200]),
            "status": status,
            "statuses": EnrolmentStatus.choices,
            "warnings": selectors.enrolments_near_limit(request.user, today=today),
            "is_officer": request.user.can(Permission.DECISION_RECORD),  # type: ignore[union-attr]
        },
    )


def enrolment_new(request: HttpRequest) -> HttpResponse:
    """利用の登録 from a case (``?case=<id>``): the case page links here."""
    guards.require_any(request.user, Permission.CASE_EDIT, path=request.path)
    case_id = request.GET.get("case", "")
    if not case_id.isdigit():
        raise Http404
    case = case_get_for_user(user=request.user, case_id=case_id, audit=False)
    form = EnrolmentForm(
        form_data(request),
        plan_queryset=selectors.plans_for_enrolment(case),
        initial={"start_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            enrolment = services.enrolment_create(
                actor=_actor(request),
                case=case,
                values=values,
                idempotency_key=values.pop("idempotency_key", None) or None,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{enrolment.get_program_display()}の利用を登録しました。")
            return redirect("programs:enrolment_detail", enrolment_id=enrolment.pk)
    return render(request, "programs/enrolment_form.html", {"form": form, "case": case})


ENROLMENT_ACTIONS: dict[str, type[forms.Form]] = {
    "progress": ProgressReportForm,
    "extend": EnrolmentExtendForm,
    "end": EnrolmentEndForm,
}


def _enrolment_page(request: HttpRequest, enrolment: Any, bound: dict[str, forms.Form]) -> HttpResponse:
    can_edit = (
        request.user.can(Permission.CASE_EDIT)  # type: ignore[union-attr]
        and request.user.agency_id == enrolment.agency_id  # type: ignore[union-attr]
    )
    is_officer = (
        request.user.can(Permission.DECISION_RECORD)  # type: ignore[union-attr]
        and request.user.municipality_id == enrolment.municipality_id  # type: ignore[union-attr]
    )
    today = timezone.localdate()
    active = enrolment.status == EnrolmentStatus.ACTIVE
    can_extend = active and (
        is_officer if enrolment.program == EnrolmentProgram.EMPLOYMENT_PREPARATION else can_edit
    )
    return render(
        request,
        "programs/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "warnings": selectors.enrolment_warnings(enrolment, today=today),
            "reports": enrolment.progress_reports.select_related("author"),
            "progress_form": bound.get("progress") or ProgressReportForm(initial={"reported_on": today}),
            "extend_form": bound.get("extend") or EnrolmentExtendForm(),
            "end_form": bound.get("end") or EnrolmentEndForm(initial={"ended_on": today}),
            "can_edit": can_edit and active,
            "can_extend": can_extend,
        },
    )


def enrolment_detail(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = selectors.enrolment_get_for_user(user=request.user, enrolment_id=enrolment_id)
    return _enrolment_page(request, enrolment, {})


def enrolment_action(request: HttpRequest, enrolment_id: int, action: str) -> HttpResponse:
    if action not in ENROLMENT_ACTIONS or request.method != "POST":
        raise Http404
    enrolment = selectors.enrolment_get_for_user(user=request.user, enrolment_id=enrolment_id, audit=False)
    form = ENROLMENT_ACTIONS[action](request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "progress":
                services.progress_report_add(
                    actor=_actor(request),
                    enrolment=enrolment,
                    values=d,
                    idempotency_key=d.get("idempotency_key") or None,
                )
                message = "経過報告を記録しました。"
            elif action == "extend":
                services.enrolment_extend(
                    actor=_actor(request), enrolment=enrolment, end_on=d["end_on"], reason=d["reason"]
                )
                message = "利用期間を延長しました。"
            else:
                services.enrolment_end_with_handback(
                    actor=_actor(request),
                    enrolment=enrolment,
                    ended_on=d["ended_on"],
                    hand_back_kind=d["hand_back_kind"],
                    hand_back_on=d.get("hand_back_on"),
                    note=d.get("note", ""),
                )
                message = "利用を終了し、つなぎ先を記録しました。"
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect("programs:enrolment_detail", enrolment_id=enrolment.pk)
    return _enrolment_page(request, enrolment, {action: form})


def provider_list(request: HttpRequest) -> HttpResponse:
    """認定就労訓練事業所の一覧; 自治体担当者 register new ones."""
    guards.require_any(request.user, Permission.PERSON_VIEW, Permission.DECISION_RECORD, path=request.path)
    is_officer = request.user.can(Permission.DECISION_RECORD)  # type: ignore[union-attr]
    form = CertifiedProviderForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not is_officer:
            guards.require_any(request.user, Permission.DECISION_RECORD, path=request.path)
        if form.is_valid():
            try:
                services.certified_provider_add(actor=_actor(request), values=form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "認定就労訓練事業所を登録しました。")
                return redirect("programs:provider_list")
    return render(
        request,
        "programs/provider_list.html",
        {
            "providers": CertifiedTrainingProvider.objects.order_by("name", "-valid_from"),
            "today": timezone.localdate(),
            "form": form,
            "is_officer": is_officer,
        },
    )


def training_decision(request: HttpRequest, case_id: int) -> HttpResponse:
    """雇用型／非雇用型の決定 by the 自治体担当者 of the case's municipality."""
    guards.require_any(request.user, Permission.DECISION_RECORD, path=request.path)
    case = case_get_for_decision(user=request.user, case_id=case_id)
    form = TrainingTypeDecisionForm(
        request.POST if request.method == "POST" else None, initial={"decided_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.training_type_decide(
                actor=_actor(request),
                case=case,
                provider=d["provider"],
                training_type=d["training_type"],
                decided_on=d["decided_on"],
                note=d.get("note", ""),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "就労訓練の類型（雇用型／非雇用型）の決定を記録しました。")
            return redirect("programs:enrolment_list")
    return render(request, "programs/training_decision_form.html", {"form": form, "case": case})


# =====================================================================================================
# 家計改善支援: /programs/budget/<case_id>/
# =====================================================================================================

BUDGET_FORMS: dict[str, type[forms.Form]] = {
    "sheet": BudgetSheetForm,
    "debt": DebtForm,
    "debt_status": DebtStatusForm,
    "plan": BudgetPlanForm,
    "loan": LoanLinkForm,
}


def household_budget(request: HttpRequest, case_id: int) -> HttpResponse:
    """家計表・債務・家計計画・貸付. The assigned worker sees it only with consent (else a notice, 404)."""
    guards.require_any(request.user, Permission.PERSON_VIEW, path=request.path)
    case = case_get_for_user(user=request.user, case_id=case_id, audit=False)
    try:
        budget = selectors.household_budget_for_user(user=request.user, case_id=case.pk)
    except Http404:
        return render(
            request,
            "programs/budget_hidden.html",
            {"case": case, "notice": selectors.BUDGET_HIDDEN_NOTICE},
            status=404,
        )
    can_edit = request.user.can(Permission.BUDGET_SUPPORT)  # type: ignore[union-attr]
    found = figures.figures_for(user=request.user, case=case)
    recorded = {(d.kind, d.creditor, d.amount) for d in budget.debts}
    offered = [
        d
        for d in found.debts
        if (d.kind, (d.creditor or "").strip() or d.kind_label, d.amount) not in recorded
    ]
    bound: dict[str, forms.Form] = {}
    which = request.POST.get("form", "") if request.method == "POST" else ""
    if which:
        if which not in BUDGET_FORMS and which != "assessment_debts":
            raise Http404
        guards.require_any(request.user, Permission.BUDGET_SUPPORT, path=request.path)
        form = (
            AssessmentDebtsForm(request.POST, offered=offered)
            if which == "assessment_debts"
            else BUDGET_FORMS[which](request.POST)
        )
        bound[which] = form
        if form.is_valid():
            d = form.cleaned_data
            try:
                if isinstance(form, AssessmentDebtsForm):
                    services.debts_add_from_assessment(
                        actor=_actor(request), case=case, debts=form.chosen(), status=d["status"]
                    )
                elif isinstance(form, BudgetSheetForm):
                    services.budget_sheet_save(actor=_actor(request), case=case, **form.values())
                elif which == "debt_status":
                    services.debt_status_update(actor=_actor(request), case=case, **d)
                elif which == "debt":
                    services.debt_add(
                        actor=_actor(request),
                        case=case,
                        values=d,
                        idempotency_key=d.get("idempotency_key") or None,
                    )
                elif which == "plan":
                    services.budget_plan_add(
                        actor=_actor(request),
                        case=case,
                        values=d,
                        idempotency_key=d.get("idempotency_key") or None,
                    )
                else:
                    services.loan_link_add(
                        actor=_actor(request),
                        case=case,
                        values=d,
                        idempotency_key=d.get("idempotency_key") or None,
                    )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "家計改善支援の記録を保存しました。")
                return redirect("programs:household_budget", case_id=case.pk)
    today = timezone.localdate()
    latest = budget.latest
    differences = (
        figures.sheet_differences(user=request.user, figures=found, sheet=latest)
        if latest is not None
        else None
    )
    # A new 家計表 starts from the assessment (income by category, the rent as 住居費); 作り直す keeps
    # the latest sheet's other expense lines.
    rebuild = request.GET.get("from") == "assessment" and latest is not None
    sheet_initial: dict[str, Any] = {"as_of": today}
    sheet_notes: dict[str, str] = {}
    if latest is None or rebuild:
        if rebuild and latest is not None:
            sheet_initial.update(
                {
                    f"expense_{x.category}": x.amount
                    for x in latest.lines.all()
                    if x.kind == BudgetLineKind.EXPENSE and x.category != figures.HOUSING_EXPENSE
                }
            )
        sheet_initial.update(figures.budget_initial(found))
        sheet_notes = figures.budget_sources(found)
    sheet_form = bound.get("sheet") or BudgetSheetForm(initial=sheet_initial)
    for name, note in sheet_notes.items():
        sheet_form.fields[name].help_text = note
    return render(
        request,
        "programs/household_budget.html",
        {
            "case": case,
            "budget": budget,
            "sheets": [(s, selectors.sheet_totals(s)) for s in budget.sheets],
            "can_edit": can_edit,
            "debt_statuses": DebtStatus.choices,
            "figures": found,
            "differences": differences,
            "rebuild": rebuild,
            "starts_from_assessment": bool(sheet_notes) and "sheet" not in bound,
            "assessment_debts_form": (bound.get("assessment_debts") or AssessmentDebtsForm(offered=offered))
            if offered
            else None,
            "sheet_form": sheet_form,
            "debt_form": bound.get("debt") or DebtForm(),
            "plan_form": bound.get("plan") or BudgetPlanForm(initial={"made_on": today}),
            "loan_form": bound.get("loan") or LoanLinkForm(initial={"applied_on": today}),
        },
    )
