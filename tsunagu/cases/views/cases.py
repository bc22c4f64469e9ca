"""ケース一覧・ケース詳細: the case list, the case page with its actions, transitions and 利用申込."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.core.codes import code_labels
from tsunagu.core.locking import parse_version
from tsunagu.core.models import CodeList
from tsunagu.organizations.guards import allowed, permission_required, require
from tsunagu.organizations.models import User
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.selectors import staff_visible_to
from tsunagu.persons import selectors as person_selectors
from tsunagu.persons.policies import masked_value, restricted_visible_person_ids
from tsunagu.privacy.policies import consent_in_force
from tsunagu.privacy.selectors import consent_missing_purposes

from .. import hub, selectors, services
from ..forms import (
    ApplicationForm,
    AssignForm,
    CaseFilterForm,
    RecordForm,
    TransitionForm,
)
from ..models import CaseState
from ..policies import may_correct_intake
from ..workflow import CASE_ACTIONS, available_actions, available_transitions
from .common import actor, idempotency_key
from .process import _PLAN_LABELS


@permission_required(Permission.PERSON_VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    """ケース一覧: opens on the user's own cases and a search box, never on all persons."""
    user = actor(request)
    form = CaseFilterForm(request.GET or None, worker_queryset=staff_visible_to(user))
    if not allowed(user, Permission.CASE_VIEW_ALL):
        del form.fields["scope"], form.fields["worker"], form.fields["unassigned"]
    query = selectors.CaseQuery()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        query = selectors.CaseQuery(
            q=d["q"],
            scope=d.get("scope") or "mine",
            state=d["state"],
            worker_id=d["worker"].pk if d.get("worker") else None,
            unassigned=bool(d.get("unassigned")),
            topic=d["topic"],
            after=d["after"],
        )
    page = selectors.case_list(user=user, query=query)
    selectors.cases_listed(user=user, cases=page.cases, via="case_list")
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
            "can_view_all": allowed(user, Permission.CASE_VIEW_ALL),
            "base_query": params.urlencode(),
            "topic_labels": code_labels(CodeList.CONSULTATION_TOPIC),
        },
    )


CARRY_OVER_PREFIX = "carry_over-"
CARRY_OVER_MAX = 1000


def _timeline_offset(value: str | None) -> int:
    try:
        return max(0, min(int(value or 0), 100_000))
    except ValueError:
        return 0


def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page, the hub of the day: state and next step, the plan, every programme and
    referral, the meetings, the consent, and the timeline of everything (``cases.hub``)."""
    user = actor(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id, include_cancelled=True)
    intake = getattr(case, "intake", None)
    plan = selectors.plan_current(case)
    actions = available_actions(case, user, plan)
    can_edit = allowed(user, Permission.CASE_EDIT) and user.agency_id == case.agency_id
    if case.state == CaseState.CANCELLED:  # 取消: read-only (every write answers 404)
        actions, can_edit = dict.fromkeys(actions, False), False
    evaluations = list(selectors.evaluations_of_case(case)[:10])
    transitions = available_transitions(case, user)
    open_items = hub.open_items(case) if any(t.name == "close" for t, _ in transitions) else []
    kind = request.GET.get("kind", "")
    timeline = selectors.case_timeline(
        user=user, case=case, kind=kind, offset=_timeline_offset(request.GET.get("offset"))
    )
    if kind not in timeline.kinds:
        kind = ""
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "intake": intake,
            "transitions": transitions,
            "next_step": next((t for t, blocked in transitions if blocked is None and not t.via), None),
            "open_items": open_items,
            "carry_over_prefix": CARRY_OVER_PREFIX,
            "can_edit": can_edit,
            "can_correct_intake": intake is not None and may_correct_intake(user, case),
            "actions": actions,
            "action_labels": {name: a.label for name, a in CASE_ACTIONS.items()},
            "assign_form": AssignForm(
                staff_queryset=User.objects.case_staff_of(case.agency_id),
                initial={"worker": case.assigned_worker_id, "version": case.version},
            )
            if actions["assign"]
            else None,
            "idempotency_key": idempotency_key(),
            "assessment": selectors.assessments_of_case(user=user, case=case).first(),
            "assessment_count": case.assessments.count(),
            "plan": plan,
            "goals": selectors.plan_goals(plan) if plan is not None else [],
            "plan_count": case.plans.count(),
            "records": selectors.records_of_case(case),
            "record_form": RecordForm(
                case=case, staff_queryset=User.objects.case_staff_of(case.agency_id), actor=user
            )
            if can_edit
            else None,
            "evaluations": evaluations,
            "closing": next((e for e in evaluations if e.direction == "close"), None),
            "program_labels": _PLAN_LABELS["programs"],
            "issue_labels": code_labels(CodeList.ASSESSMENT_ISSUE, case.municipality_id),
            "closure_labels": code_labels(CodeList.CLOSURE_REASON, case.municipality_id),
            "history": case.transitions.select_related("actor"),
            "emergencies": case.emergency_supports.all(),
            "consent": (consent := consent_in_force(case.person)),
            # 同意の再取得: the purposes of the version in force the consent's version lacked.
            "consent_renewal": consent_missing_purposes(consent),
            "labels": {
                "method": code_labels(CodeList.CONSULTATION_METHOD, case.municipality_id),
                "consulter": code_labels(CodeList.CONSULTER_TYPE, case.municipality_id),
                "route": code_labels(CodeList.REFERRAL_ROUTE, case.municipality_id),
                "topic": code_labels(CodeList.CONSULTATION_TOPIC, case.municipality_id),
                "urgency": code_labels(CodeList.URGENCY_FLAG, case.municipality_id),
                "referral": code_labels(CodeList.SCREENING_REFERRAL, case.municipality_id),
            },
            "application_form": ApplicationForm(),
            "outcomes": selectors.employment_outcomes_of_case(case),
            "hub_panels": [
                (section, render_to_string(section.template, section.context, request=request))
                for section in hub.sections(case, user)
            ],
            "timeline": timeline,
            "timeline_kind": kind,
        },
    )


def _carry_over(post: QueryDict) -> dict[str, str]:
    """{open item key: reason} from the 終結 form's ``carry_over-<key>`` fields."""
    out: dict[str, str] = {}
    for key in post:
        value = str(post.get(key) or "").strip()
        if key.startswith(CARRY_OVER_PREFIX) and value:
            out[key.removeprefix(CARRY_OVER_PREFIX)] = value[:CARRY_OVER_MAX]
    return out


@require_POST
def case_transition(request: HttpRequest, case_id: int) -> HttpResponse:
    user = actor(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id, audit=False)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.case_transition(
                actor=user,
                case=case,
                name=form.cleaned_data["name"],
                reason=form.cleaned_data["reason"],
                expected_version=parse_version(request.POST.get("version")),
                params={"carry_over": _carry_over(request.POST)},
            )
            messages.success(request, "状態を変更しました。")
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
    return redirect("cases:case_detail", case_id=case.pk)


@require_POST
def case_record_application(request: HttpRequest, case_id: int) -> HttpResponse:
    user = actor(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id, audit=False)
    form = ApplicationForm(request.POST)
    if form.is_valid():
        try:
            services.intake_record_application(
                actor=user, case=case, applied_on=form.cleaned_data["applied_on"]
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


@permission_required(Permission.PERSON_VIEW)
def monitoring_overdue(request: HttpRequest) -> HttpResponse:
    """モニタリング期限切れ: cases in support whose next monitoring date has passed."""
    user = actor(request)
    scope = request.GET.get("scope", "mine")
    can_all = allowed(user, Permission.CASE_VIEW_ALL)
    qs = selectors.cases_monitoring_overdue(user)
    if scope != "agency" or not can_all:
        scope = "mine"
        qs = qs.filter(assigned_worker_id=user.pk)
    today = timezone.localdate()
    cases = list(qs[:200])
    selectors.cases_listed(user=user, cases=cases, via="monitoring_overdue")
    rows = [{"case": c, "days": (today - c.next_monitoring_on).days} for c in cases]  # type: ignore[attr-defined]
    return render(
        request,
        "cases/monitoring_overdue.html",
        {"rows": rows, "scope": scope, "can_view_all": can_all, "today": today},
    )


@require_POST
def case_assign(request: HttpRequest, case_id: int) -> HttpResponse:
    """担当者の変更 (``case.assign``: 主任相談支援員・センター長)."""
    user = actor(request)
    require(user, Permission.CASE_ASSIGN, path=request.path)
    case = selectors.case_get_for_user(user=user, case_id=case_id, audit=False)
    form = AssignForm(request.POST, staff_queryset=User.objects.case_staff_of(case.agency_id))
    if form.is_valid():
        try:
            services.case_assign(
                actor=user,
                case=case,
                worker=form.cleaned_data["worker"],
                expected_version=parse_version(request.POST.get("version")),
            )
            messages.success(request, f"担当者を{form.cleaned_data['worker']}に変更しました。")
        except ValidationError as exc:
            for m in exc.messages:
                messages.error(request, m)
    else:
        messages.error(request, "担当者を、同じ機関の相談支援員等から選んでください。")
    return redirect("cases:case_detail", case_id=case.pk)
