"""住居確保給付金 screens: 簡易判定, applications (list, new, detail, lifecycle actions), rule tables.

Thin views: scoped selector → bound form → service → template. What was typed is kept on errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tsunagu.core.dates import add_months
from tsunagu.core.drafts import form_data
from tsunagu.core.forms import apply_service_errors
from tsunagu.organizations.models import Municipality
from tsunagu.organizations.roles import Permission

from . import housing_rules as hr
from . import selectors, services
from .forms import (
    ApplicationForm,
    AssessForm,
    DecisionForm,
    EndForm,
    ExtensionApplyForm,
    ExtensionDecideForm,
    JobSearchReportForm,
    JobSearchRuleForm,
    PaymentForm,
    RuleForm,
    StopForm,
)
from .models import ApplicationState, HousingBenefitApplication, HousingBenefitDecision, HousingBenefitStop


def _require_any(request: HttpRequest, *permissions: Permission) -> None:
    if not any(request.user.can(p) for p in permissions):  # type: ignore[union-attr]
        raise PermissionDenied


# --- 簡易判定 ------------------------------------------------------------------------------------------


def housing_assess(request: HttpRequest) -> HttpResponse:
    """簡易判定: the same validation and calculation as ``POST /api/v1/housing-benefit/assess``."""
    _require_any(request, Permission.DASHBOARD_VIEW)
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
    _require_any(request, Permission.PERSON_VIEW, Permission.DECISION_RECORD)
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
    _require_any(request, Permission.CASE_EDIT)
    cases = selectors.cases_for_application(request.user)
    initial: dict[str, Any] = {"application_date": timezone.localdate(), "type": "rent", "cause": "job_loss"}
    if request.GET.get("case", "").isdigit():
        initial["case"] = cases.filter(pk=request.GET["case"]).first()
    form = ApplicationForm(form_data(request), case_queryset=cases, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        case = values.pop("case")
        token = values.pop("submission_token") or None
        try:
            application = services.housing_application_create(
                actor=request.user, case=case, values=values, submission_token=token
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "住居確保給付金の申請を受け付けました。自治体担当者の決定を待ちます。")
            return redirect("programs:housing_application_detail", application_id=application.pk)
    return render(request, "programs/housing_application_form.html", {"form": form})


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
            "reminders": [
                r for r in selectors.reminders_for(request.user, today=today) if r.application.pk == app.pk
            ],
            "max_months": hr.MAX_PERIOD_MONTHS,
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
        if not (request.user.can(Permission.DECISION_RECORD) or request.user.can(Permission.CASE_EDIT)):  # type: ignore[union-attr]
            raise PermissionDenied
        messages.warning(request, f"この申請では現在「{spec.title}」を行えません。")
        return redirect("programs:housing_application_detail", application_id=app.pk)
    today = timezone.localdate()
    form = spec.form(form_data(request), initial=spec.initial(app, today))
    if request.method == "POST" and form.is_valid():
        try:
            spec.service(actor=request.user, application=app, **form.cleaned_data)
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


def extension_decide(request: HttpRequest, application_id: int, extension_id: int) -> HttpResponse:
    app = selectors.housing_application_get_for_user(
        user=request.user, application_id=application_id, audit=False
    )
    ext = app.extensions.filter(pk=extension_id).first()
    if ext is None:
        raise Http404
    if "extension_decide" not in selectors.housing_actions_for(request.user, app) or ext.state != "pending":
        if not request.user.can(Permission.DECISION_RECORD):  # type: ignore[union-attr]
            raise PermissionDenied
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
            services.housing_extension_decide(actor=request.user, extension=ext, **form.values())
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
    _require_any(request, Permission.DASHBOARD_VIEW)
    today = timezone.localdate()
    tables = [
        {
            "municipality": m,
            "current": selectors.rules_current_for(municipality=m, on=today),
            "history": selectors.rule_rows_for(municipality=m),
            "job_search": selectors.job_search_rows_for(municipality=m),
            "can_edit": request.user.can(Permission.RULES_EDIT)  # type: ignore[union-attr]
            and request.user.municipality_id == m.pk,  # type: ignore[union-attr]
        }
        for m in selectors.municipalities_for_user(request.user)
    ]
    return render(request, "programs/housing_rules.html", {"tables": tables, "today": today})


def rule_new(request: HttpRequest) -> HttpResponse:
    _require_any(request, Permission.RULES_EDIT)
    municipality = request.user.municipality  # type: ignore[union-attr]
    if municipality is None:
        raise PermissionDenied
    kind = request.GET.get("kind") or request.POST.get("kind") or "amounts"
    form_class: type[forms.Form] = JobSearchRuleForm if kind == "job_search" else RuleForm
    form = form_class(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            if kind == "job_search":
                services.job_search_requirement_add(
                    actor=request.user, municipality=municipality, **form.cleaned_data
                )
            else:
                services.housing_rule_add(actor=request.user, municipality=municipality, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "新しい版を登録しました（以前の版はそのまま残ります）。")
            return redirect("programs:housing_rules")
    return render(
        request, "programs/housing_rule_form.html", {"form": form, "kind": kind, "municipality": municipality}
    )
