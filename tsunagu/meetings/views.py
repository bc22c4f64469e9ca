"""Screens: meetings (支援調整会議 / 支援会議) with agenda, outcomes and minutes; the municipal
officer's pending decisions; 支援会議 rosters with pledges.

Thin views: scoped selector → bound form → service → template. What was typed is kept on errors.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tsunagu.cases import selectors as case_selectors
from tsunagu.cases.models import StatutoryProgram
from tsunagu.core.drafts import form_data
from tsunagu.core.forms import apply_service_errors
from tsunagu.core.locking import StaleVersionError, diff_rows, field_labels, model_values
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from . import selectors, services
from .forms import (
    AgendaAddForm,
    AgendaOutcomeForm,
    CouncilForm,
    CouncilMemberForm,
    CouncilMemberLeaveForm,
    DecisionForm,
    MeetingForm,
)
from .models import AgendaPurpose, DecisionKind, Meeting, MeetingKind, SupportCouncil

PAST_PAGE_SIZE = 25


# Who may open the meeting pages: the centre's staff and the municipality's officers.
MEETING_READERS = (Permission.PERSON_VIEW, Permission.DECISION_RECORD)


# --- Meetings -------------------------------------------------------------------------------------


def meeting_list(request: HttpRequest) -> HttpResponse:
    """会議の一覧: upcoming first (soonest first), then past meetings, newest first, by pages."""
    guards.require_any(request.user, *MEETING_READERS, path=request.path)
    user: Any = request.user
    upcoming = list(selectors.meetings_upcoming(user)[:50])
    past = Paginator(selectors.meetings_past(user), PAST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "upcoming": upcoming,
            "past": past,
            "can_manage": user.can(Permission.MEETING_MANAGE),
            "can_decide": user.can(Permission.DECISION_RECORD),
        },
    )


def _meeting_form(
    request: HttpRequest,
    data: Any,
    *,
    kind: str,
    council: SupportCouncil | None,
    meeting: Meeting | None = None,
) -> MeetingForm:
    user: Any = request.user
    staff_qs = selectors.meeting_staff_candidates(user, council)
    chair_qs = staff_qs.filter(agency_id=user.agency_id)
    initial: dict[str, Any] = {}
    if meeting is not None:
        attendees = selectors.meeting_attendees(meeting)
        initial = {
            "held_on": meeting.held_on,
            "municipality": meeting.municipality,
            "place": meeting.place,
            "chair": meeting.chair,
            "minutes": meeting.minutes,
            "version": meeting.version,
            "staff_attendees": [a.staff for a in attendees if a.staff_id],
            "partner_attendees": [a.partner for a in attendees if a.partner_id],
            "other_attendees": "\n".join(a.name for a in attendees if not a.staff_id and not a.partner_id),
        }
    else:
        initial = {"municipality": user.agency.municipality, "chair": user}
    return MeetingForm(
        data,
        initial=initial,
        kind=kind,
        municipality_queryset=selectors.served_municipalities(user),
        staff_queryset=staff_qs,
        partner_queryset=selectors.meeting_partner_candidates(user, council),
        chair_queryset=chair_qs,
    )


def meeting_new(request: HttpRequest) -> HttpResponse:
    """会議を登録する. ``?council=<id>`` registers a meeting of that 支援会議 (members only)."""
    guards.require(request.user, Permission.MEETING_MANAGE, path=request.path)
    user: Any = request.user
    council = None
    council_id = request.GET.get("council")
    if council_id:
        council = selectors.council_get_for_user(user=user, council_id=council_id)
        if not selectors.is_council_member(user, council):
            guards.deny(
                user,
                permission=Permission.MEETING_MANAGE,
                reason="not_council_member",
                message=services.COUNCIL_MEMBERS_ONLY_MESSAGE,
                council=council.pk,
            )
    kind = MeetingKind.COUNCIL if council is not None else MeetingKind.COORDINATION
    form = _meeting_form(request, form_data(request), kind=kind, council=council)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(
                actor=user, kind=kind, council=council, values=form.values(), attendees=form.attendees()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{meeting.get_kind_display()}を登録しました。")
            return redirect("meetings:meeting_detail", meeting_id=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "kind": kind, "council": council, "meeting": None},
    )


def meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    guards.require(request.user, Permission.MEETING_MANAGE, path=request.path)
    user: Any = request.user
    meeting = selectors.meeting_get_for_user(user=user, meeting_id=meeting_id, audit=False)
    if meeting.agency_id != user.agency_id:
        raise Http404
    form = _meeting_form(
        request, form_data(request), kind=meeting.kind, council=meeting.council, meeting=meeting
    )
    stale, stale_rows = None, []
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_update(
                actor=user,
                meeting=meeting,
                values=form.values(),
                attendees=form.attendees(),
                expected_version=form.cleaned_data.get("version"),
            )
        except StaleVersionError as exc:
            stale = exc.current
            shown = ("held_on", "place", "chair", "minutes")
            stale_rows = [
                tuple(row)
                for row in diff_rows(
                    model_values(stale, shown),
                    form.values(),
                    field_labels(Meeting, shown),
                    lambda _name, value: "" if value is None else str(value),
                )
            ]
            form.add_error(None, exc.messages[0])
            data = form.data.copy()  # type: ignore[attr-defined]
            data["version"] = str(stale.version)  # seen: saving again overrides their version
            form.data = data
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "会議の内容を更新しました。")
            return redirect("meetings:meeting_detail", meeting_id=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {
            "form": form,
            "kind": meeting.kind,
            "council": meeting.council,
            "meeting": meeting,
            "stale": stale,
            "stale_rows": stale_rows,
        },
    )


def _detail(
    request: HttpRequest,
    meeting: Meeting,
    *,
    add_form: AgendaAddForm | None = None,
    outcome_forms: dict[int, AgendaOutcomeForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    agenda = selectors.meeting_agenda(meeting)
    can_manage = user.can(Permission.MEETING_MANAGE) and user.agency_id == meeting.agency_id
    outcome_forms = outcome_forms or {}
    rows = []
    for item in agenda:
        form = outcome_forms.get(item.pk) or AgendaOutcomeForm(
            prefix=f"item-{item.pk}", initial={"minutes": item.minutes}, recorded_outcome=item.outcome
        )
        rows.append({"item": item, "form": form})
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "attendees": selectors.meeting_attendees(meeting),
            "rows": rows,
            "can_manage": can_manage,
            "add_form": add_form or AgendaAddForm(kind=meeting.kind),
            "awaiting": selectors.cases_awaiting_meeting(user=user, meeting=meeting) if can_manage else [],
            "plan_purpose": AgendaPurpose.PLAN.value,
            "is_council": meeting.kind == MeetingKind.COUNCIL,
            "can_view_cases": user.can(Permission.PERSON_VIEW),
        },
        status=status,
    )


def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    guards.require_any(request.user, *MEETING_READERS, path=request.path)
    meeting = selectors.meeting_get_for_user(user=request.user, meeting_id=meeting_id)
    return _detail(request, meeting)


@require_POST
def agenda_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Put a case on the agenda: by the quick button of a waiting case, or by case number."""
    guards.require(request.user, Permission.MEETING_MANAGE, path=request.path)
    user: Any = request.user
    meeting = selectors.meeting_get_for_user(user=user, meeting_id=meeting_id, audit=False)
    form = AgendaAddForm(request.POST, kind=meeting.kind)
    if form.is_valid():
        case = selectors.case_for_agenda(
            user=user, meeting=meeting, case_number=form.cleaned_data["case_number"]
        )
        if case is None:
            form.add_error("case_number", "このケース番号のケースは見つかりませんでした。")
        else:
            try:
                item = services.agenda_item_add(
                    actor=user,
                    meeting=meeting,
                    case=case,
                    purpose=form.cleaned_data["purpose"],
                    emergency_basis=form.cleaned_data.get("emergency_basis") or "",
                    emergency_note=form.cleaned_data.get("emergency_note") or "",
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "case" in exc.message_dict:
                    for m in exc.message_dict.pop("case"):
                        form.add_error("case_number", m)
                    if exc.message_dict:
                        apply_service_errors(form, ValidationError(exc.message_dict))
                else:
                    apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"ケース {case.case_number} を議題（{item.get_purpose_display()}）に追加しました。",
                )
                return redirect("meetings:meeting_detail", meeting_id=meeting.pk)
    return _detail(request, meeting, add_form=form, status=422)


@require_POST
def agenda_outcome(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    guards.require(request.user, Permission.MEETING_MANAGE, path=request.path)
    user: Any = request.user
    meeting = selectors.meeting_get_for_user(user=user, meeting_id=meeting_id, audit=False)
    item = selectors.agenda_item_get(meeting=meeting, item_id=item_id)
    form = AgendaOutcomeForm(request.POST, prefix=f"item-{item.pk}", recorded_outcome=item.outcome)
    if form.is_valid():
        try:
            item = services.agenda_outcome_record(
                actor=user,
                item=item,
                outcome=form.chosen_outcome(),
                minutes=form.cleaned_data["minutes"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            result = f"「{item.get_outcome_display()}」" if item.outcome else ""
            messages.success(
                request, f"ケース {item.case.case_number} の結果{result}と議事録を記録しました。"
            )
            return redirect(
                reverse("meetings:meeting_detail", kwargs={"meeting_id": meeting.pk}) + f"#item-{item.pk}"
            )
    return _detail(request, meeting, outcome_forms={item.pk: form}, status=422)


# --- 支援決定・確認 -------------------------------------------------------------------------------------


def decisions_pending(request: HttpRequest) -> HttpResponse:
    """The 自治体担当者's queue: approved plans of their municipality awaiting 支援決定・確認."""
    user: Any = request.user
    guards.require(user, Permission.DECISION_RECORD, message=selectors.DECISION_ONLY_MESSAGE)
    labels = dict(StatutoryProgram.choices)
    rows = []
    for case in selectors.decisions_pending_for(user)[:100]:
        plan = case.approved_plans[0]  # type: ignore[attr-defined]
        rows.append(
            {
                "case": case,
                "plan": plan,
                "expected": services.decision_kind_for(plan),
                "programs": [labels.get(p, p) for p in plan.programs],
            }
        )
    recent = list(selectors.decisions_visible_to(user)[:20])
    return render(request, "meetings/decision_pending.html", {"rows": rows, "recent": recent})


def decision_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """支援決定・確認 of one case's approved plan (the 自治体担当者 of the case's municipality)."""
    user: Any = request.user
    case = selectors.case_for_decision(user=user, case_id=case_id)
    plan = case_selectors.plan_current(case)
    if plan is None:
        raise Http404
    approving = selectors.approving_agenda_item(plan)
    expected = services.decision_kind_for(plan)
    data = form_data(request)
    form = DecisionForm(
        data,
        plan_programs=list(plan.programs),
        initial={"kind": expected.value, "programs": list(plan.programs)},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            decision = services.decision_record(
                actor=user,
                case=case,
                kind=d["kind"],
                decided_on=d["decided_on"],
                programs=d.get("programs") if "programs" in form.fields else [],
                note=d["note"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"ケース {case.case_number} の{decision.get_kind_display().split('（')[0]}を記録しました。",
            )
            return redirect("meetings:decisions_pending")
    labels = dict(StatutoryProgram.choices)
    return render(
        request,
        "meetings/decision_form.html",
        {
            "case": case,
            "plan": plan,
            "goals": list(
                plan.goals.select_related("provider_staff", "provider_partner").order_by("order", "id")
            ),
            "program_labels": [labels.get(p, p) for p in plan.programs],
            "approving": approving,
            "expected": expected,
            "is_decision": expected == DecisionKind.DECISION,
            "form": form,
        },
    )


# --- 支援会議 (法第9条) ------------------------------------------------------------------------------


def council_list(request: HttpRequest) -> HttpResponse:
    guards.require_any(request.user, *MEETING_READERS, path=request.path)
    user: Any = request.user
    can_manage = user.can(Permission.MEETING_MANAGE) and bool(user.agency_id)
    form = None
    if can_manage:
        form = CouncilForm(
            form_data(request),
            municipality_queryset=selectors.served_municipalities(user),
            initial={"municipality": user.agency.municipality},
        )
        if request.method == "POST" and form.is_valid():
            try:
                council = services.council_create(actor=user, values=form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, f"支援会議「{council.name}」を設置しました。構成員を登録してください。"
                )
                return redirect("meetings:council_detail", council_id=council.pk)
    elif request.method == "POST":
        guards.deny(user, permission=Permission.MEETING_MANAGE, path=request.path)
    councils = list(selectors.council_rows(user))
    return render(
        request, "meetings/council_list.html", {"councils": councils, "form": form, "can_manage": can_manage}
    )


def council_detail(request: HttpRequest, council_id: int) -> HttpResponse:
    """Roster with pledges; the council's meetings for members only."""
    guards.require_any(request.user, *MEETING_READERS, path=request.path)
    user: Any = request.user
    council = selectors.council_get_for_user(user=user, council_id=council_id)
    can_manage = user.can(Permission.MEETING_MANAGE) and user.agency_id == council.agency_id
    is_member = selectors.is_council_member(user, council)
    form = None
    if can_manage:
        form = CouncilMemberForm(
            form_data(request),
            staff_queryset=selectors.council_staff_candidates(council),
            partner_queryset=selectors.meeting_partner_candidates(user).filter(
                municipality=council.municipality
            ),
        )
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                member = services.council_member_add(
                    actor=user,
                    council=council,
                    staff=d["staff"],
                    partner=d["partner"],
                    representative=d["representative"],
                    pledge_signed_on=d["pledge_signed_on"],
                    joined_on=d["joined_on"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"{member}を構成員に登録しました（守秘義務の誓約済み）。")
                return redirect("meetings:council_detail", council_id=council.pk)
    elif request.method == "POST":
        guards.deny(user, permission=Permission.MEETING_MANAGE, path=request.path)
    meetings = (
        list(selectors.meeting_rows(user).filter(council=council).order_by("-held_on", "-id")[:50])
        if is_member
        else []
    )
    return render(
        request,
        "meetings/council_detail.html",
        {
            "council": council,
            "members": list(selectors.council_members(council)),
            "form": form,
            "leave_form": CouncilMemberLeaveForm(),
            "can_manage": can_manage,
            "is_member": is_member,
            "meetings": meetings,
        },
        status=422 if form is not None and form.is_bound and form.errors else 200,
    )


@require_POST
def council_member_leave(request: HttpRequest, council_id: int, member_id: int) -> HttpResponse:
    guards.require(request.user, Permission.MEETING_MANAGE, path=request.path)
    user: Any = request.user
    council = selectors.council_get_for_user(user=user, council_id=council_id)
    member = council.members.filter(pk=member_id).first()
    if member is None:
        raise Http404
    form = CouncilMemberLeaveForm(request.POST)
    if form.is_valid():
        try:
            services.council_member_leave(actor=user, member=member, left_on=form.cleaned_data["left_on"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{member}の構成員としての登録を終了しました。")
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("meetings:council_detail", council_id=council.pk)
