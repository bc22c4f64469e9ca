"""The support process: インテーク・アセスメントシート, プラン, 支援経過記録, 評価シート, 就労・増収."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.core import drafts
from tsunagu.core.codes import code_labels
from tsunagu.core.drafts import form_data, page_draft
from tsunagu.core.forms import apply_service_errors
from tsunagu.core.locking import DiffRow, StaleVersionError, VersionMissingError
from tsunagu.core.models import CodeList
from tsunagu.core.offers import read_offer
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.guards import allowed, deny, require
from tsunagu.organizations.models import User
from tsunagu.organizations.roles import Permission

from .. import selectors, services
from ..forms import (
    ASSESSMENT_ROW_FORMSETS,
    AssessmentForm,
    EmploymentOutcomeForm,
    EvaluationForm,
    GoalFormSet,
    PlanForm,
    RecordForm,
    ShareAssessmentForm,
    apply_assessment_errors,
)
from ..models import (
    ASSESSMENT_SECTIONS,
    Assessment,
    IncomeCategory,
    PlanStatus,
    RecordMethod,
    StatutoryProgram,
    SupportPlan,
    SupportRecord,
)
from ..validation import plan_period_limit
from .common import actor, case_for_writing, idempotency_key, posted_version, seen_version, stale_rows

# --- 下書き (core.drafts): the save endpoint of the long forms and the 「破棄する」 button ------------


def _draft_request(request: HttpRequest) -> tuple[drafts.DraftScope, QueryDict]:
    """The scope named by the posted draft key and the posted values (form-encoded, or JSON
    ``{"draft_key": …, "data": {field: [values]}}``). A key that is forged, expired, another
    account's or from an agency the account left is refused (audited); the case it names is
    scoped again (404 when the account may no longer see it)."""
    user = actor(request)
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
            key = str(body.get("draft_key", ""))
            data = QueryDict(mutable=True)
            for k, vs in dict(body.get("data") or {}).items():
                data.setlist(str(k), [str(v) for v in (vs if isinstance(vs, list) else [vs])])
        except (ValueError, AttributeError, TypeError):
            key, data = "", QueryDict(mutable=True)
    else:
        key, data = request.POST.get("draft_key", ""), request.POST
    try:
        scope = drafts.read_key(key, user)
    except drafts.DraftKeyError as exc:
        deny(user, permission=Permission.CASE_EDIT, reason=f"draft_{exc}", path=request.path)
    require(user, Permission.CASE_EDIT, path=scope.path)
    if scope.case_id is not None:
        case_for_writing(request, scope.case_id)
    return scope, data


@require_POST
def draft_save(request: HttpRequest) -> HttpResponse:
    """Autosave of a long form (``static/js/drafts.js``): 200 with the time saved, 413 too large."""
    scope, data = _draft_request(request)
    try:
        saved = drafts.save_draft(user=actor(request), scope=scope, data=drafts.posted_values(data))
    except drafts.DraftTooLargeError:
        return JsonResponse({"detail": "入力内容が多すぎるため、下書きを保存できません。"}, status=413)
    at = timezone.localtime(saved.updated_at)
    return JsonResponse({"saved_at": at.isoformat(), "label": f"{at:%H:%M}"})


@require_POST
def draft_discard(request: HttpRequest) -> HttpResponse:
    """「破棄する」: delete the draft and open the page again without it."""
    scope, _ = _draft_request(request)
    drafts.discard_draft(user=actor(request), path=scope.path)
    messages.info(request, "下書きを破棄しました。")
    return HttpResponseRedirect(scope.path)


def assessment_list(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=actor(request), case_id=case_id)
    versions = list(selectors.assessments_of_case(user=actor(request), case=case))
    return render(
        request,
        "cases/assessment_list.html",
        {"case": case, "versions": versions, "can_edit": allowed(actor(request), Permission.CASE_EDIT)},
    )


def assessment_detail(request: HttpRequest, case_id: int, assessment_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=actor(request), case_id=case_id, audit=False)
    assessment = selectors.assessment_get_for_user(
        user=actor(request), case=case, assessment_id=assessment_id
    )
    visible = selectors.assessments_of_case(user=actor(request), case=case)
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
            "sheet": selectors.assessment_sheet(assessment),
            "work_labels": code_labels(CodeList.WORK_STATUS, case.municipality_id),
            "income_rows": selectors.assessment_income_rows(assessment),
            "issue_labels": code_labels(CodeList.ASSESSMENT_ISSUE, case.municipality_id),
            "share_form": ShareAssessmentForm(recipient_queryset=recipients) if recipients.exists() else None,
            "can_edit": allowed(actor(request), Permission.CASE_EDIT),
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
    case = case_for_writing(request, case_id)
    assessment = selectors.assessment_get_for_user(
        user=actor(request), case=case, assessment_id=assessment_id
    )
    form = ShareAssessmentForm(request.POST, recipient_queryset=_budget_supporters(case))
    if form.is_valid():
        try:
            services.assessment_share_with_budget_supporter(
                actor=actor(request), assessment=assessment, recipient=form.cleaned_data["recipient"]
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


ADD_ROW = "add_row"  # the submit buttons 「行を追加」 (value: jobs, debts, benefits; nothing saved)

# The values a screen may offer as the new version's (家計表, 住居確保給付金; ``core.offers``): the sheet
# shows them over the latest version's, marked, and nothing is saved until the user submits.
_OFFERED_FIELDS = ("savings", "monthly_rent", *(f"income_{c}" for c in IncomeCategory.values))


def _adding_row(request: HttpRequest) -> str:
    if request.method != "POST":
        return ""
    which = request.POST.get(ADD_ROW, "")
    return which if which in ASSESSMENT_ROW_FORMSETS else ""


def _with_one_more_row(posted: QueryDict, prefix: str) -> QueryDict:
    data = posted.copy()
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    if 0 <= total < ASSESSMENT_ROW_FORMSETS[prefix][2].max_num:
        data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    return data


def _with_management_forms(data: Any) -> Any:
    """A post without the rows' management forms (a client that sends only the sheet's fields)
    is read as a sheet without rows."""
    if data is None or all(f"{p}-TOTAL_FORMS" in data for p in ASSESSMENT_ROW_FORMSETS):
        return data
    data = data.copy()
    for prefix in ASSESSMENT_ROW_FORMSETS:
        if f"{prefix}-TOTAL_FORMS" not in data:
            data[f"{prefix}-TOTAL_FORMS"] = "0"
            data[f"{prefix}-INITIAL_FORMS"] = "0"
    return data


def _offered_initial(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    """``?offer=<token>`` (``core.offers``, signed by the screen that offers: 家計表, 住居確保給付金):
    the banner text and the values offered — only the keys of ``_OFFERED_FIELDS`` and
    ``household_size`` (shown in the banner). A token that is not valid for this account and this
    form offers nothing."""
    if request.method != "GET" or "offer" not in request.GET:
        return "", {}
    offer = read_offer(request.GET.get("offer", ""), user=request.user, path=request.path)
    if offer is None:
        return "", {}
    label, offered = offer
    values: dict[str, Any] = {k: v for k, v in offered.items() if k in _OFFERED_FIELDS}
    if 0 < offered.get("household_size", 0) < 100:
        values["household_size"] = offered["household_size"]
    return (label if values else ""), values


def assessment_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """A new version of the sheet, starting from the latest one (its items and rows)."""
    case = case_for_writing(request, case_id)
    user = actor(request)
    latest = (
        selectors.assessments_of_case(user=user, case=case)
        .prefetch_related(*selectors.ASSESSMENT_ROW_PREFETCH)
        .first()
    )
    newest_number = case.assessments.order_by("-number").values_list("number", flat=True).first()
    if newest_number is not None and (latest is None or latest.number != newest_number):
        deny(
            user,
            permission=Permission.CASE_EDIT,
            reason="assessment_not_visible",
            message="最新のアセスメントを閲覧できないため、新しい版を作成できません。",
            obj=case,
        )
    staff_qs = User.objects.case_staff_of(case.agency_id).exclude(pk=user.pk)
    draft = page_draft(request, case=case, version=newest_number or 0)
    data = _with_management_forms(form_data(request, draft))
    adding = _adding_row(request)
    if adding:
        data = _with_one_more_row(data, adding)
    initial = AssessmentForm.initial_from(latest)
    offer, offered = ("", {}) if draft.restored else _offered_initial(request)
    household_size = offered.pop("household_size", None)
    initial.update(offered)
    form = AssessmentForm(data, case=case, staff_queryset=staff_qs, initial=initial)
    form.offered = set(offered)
    rows_initial = AssessmentForm.rows_initial(latest)
    keep = [latest.work_status, *(j["employment_type"] for j in rows_initial["jobs"])] if latest else []
    formsets = {
        prefix: formset(
            data, prefix=prefix, initial=rows_initial[prefix], municipality=case.municipality_id, keep=keep
        )
        for prefix, (_section, _heading, formset) in ASSESSMENT_ROW_FORMSETS.items()
    }
    draft.quiet(form, *formsets.values())
    if adding:
        drafts.quiet(form)
        for fs in formsets.values():
            drafts.quiet(fs)
    stale = None
    rows: list[Any] = []
    if (
        request.method == "POST"
        and not adding
        and form.is_valid()
        and all(fs.is_valid() for fs in formsets.values())
    ):
        kept = {prefix: fs.kept_forms() for prefix, fs in formsets.items()}
        values = form.values() | {prefix: [f.values() for f in forms_] for prefix, forms_ in kept.items()}
        try:
            assessment = services.assessment_create(
                actor=user,
                case=case,
                values=values,
                based_on_number=posted_version(form, "based_on_number"),
            )
        except VersionMissingError as exc:
            form.add_error(None, exc.messages[0])
        except StaleVersionError as exc:
            stale = exc.current
            form.add_error(None, exc.messages[0])
            seen_version(form, "based_on_number", stale.number if stale else 0)
            if stale is not None:
                rows = selectors.assessment_diff(stale, _unsaved_assessment(case, values))
        except ValidationError as exc:
            apply_assessment_errors(form, kept, exc)
        else:
            draft.discard()
            messages.success(
                request, f"インテーク・アセスメントシート（第{assessment.number}版）を保存しました。"
            )
            return redirect("cases:assessment_detail", case_id=case.pk, assessment_id=assessment.pk)
    return render(
        request,
        "cases/assessment_form.html",
        {
            "case": case,
            "form": form,
            "sheet": _assessment_sheet(form, formsets, latest.legacy if latest else {}),
            "formsets": formsets,
            "latest": latest,
            "stale": stale,
            "stale_rows": rows,
            "draft": draft,
            "offer": offer,
            "offered_labels": [form.fields[k].label for k in form.fields if k in form.offered],
            "household_size": household_size,
        },
    )


def _unsaved_assessment(case: Any, values: dict[str, Any]) -> Assessment:
    """The sheet a refused (stale) save carried, for the diff against the version saved meanwhile."""
    fields = {k: values[k] for k in services.ASSESSMENT_FIELDS if k in values}
    sheet = Assessment(case=case, municipality_id=case.municipality_id, **fields)
    sheet.pending_rows = {k: values.get(k) or [] for k in services.ASSESSMENT_ROW_FIELDS}  # type: ignore[attr-defined]
    return sheet


def _assessment_sheet(form: Any, formsets: dict[str, Any], legacy: dict[str, str]) -> list[dict[str, Any]]:
    """The sheet's sections in order: the narrative, its structured items, its rows and the 旧記録
    (構造化前の記述) of the section, if any."""
    by_section = {
        section: (prefix, heading) for prefix, (section, heading, _f) in ASSESSMENT_ROW_FORMSETS.items()
    }
    out = []
    for key, label in ASSESSMENT_SECTIONS:
        prefix, heading = by_section.get(key, ("", ""))
        out.append(
            {
                "key": key,
                "label": label,
                "narrative": form[f"section_{key}"],
                "items": form.section_items(key),
                "rows": formsets.get(prefix) if prefix else None,
                "rows_prefix": prefix,
                "rows_heading": heading,
                "legacy": (legacy or {}).get(key, ""),
            }
        )
    return out


_PLAN_LABELS = {"programs": dict(StatutoryProgram.choices)}


def _goal_initial(plan: Any, *, with_ids: bool) -> list[dict[str, Any]]:
    rows = []
    for g in selectors.plan_goals(plan):
        row = {k: getattr(g, k) for k in services.GOAL_FIELDS}
        if with_ids:
            row["id"] = g.pk
        rows.append(row)
    return rows


ADD_GOAL = "add_goal"  # the submit button 「目標を追加」 (without JavaScript: one more row, nothing saved)


def _adding_goal(request: HttpRequest) -> bool:
    return request.method == "POST" and ADD_GOAL in request.POST


def _plan_forms(
    request: HttpRequest,
    case: Any,
    *,
    initial: dict[str, Any],
    goals: list[dict[str, Any]],
    draft: drafts.PageDraft,
) -> Any:
    data = form_data(request, draft)
    if _adding_goal(request):
        data = _with_one_more_goal(request.POST)
    form = PlanForm(data, case=case, initial=initial)
    formset = GoalFormSet(  # type: ignore[call-arg]
        data,
        prefix="goals",
        initial=goals,
        staff_queryset=User.objects.case_staff_of(case.agency_id),
        partner_queryset=PartnerAgency.objects.in_area_of(case.agency),
    )
    draft.quiet(form, formset)
    if _adding_goal(request):
        drafts.quiet(form)
        drafts.quiet(formset)
    return form, formset


def _with_one_more_goal(posted: QueryDict) -> QueryDict:
    """The posted plan with one more (empty) goal row, up to the formset's maximum."""
    data = posted.copy()
    try:
        total = int(data.get("goals-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    if 0 <= total < GoalFormSet.max_num:
        data["goals-TOTAL_FORMS"] = str(total + 1)
        data[f"goals-{total}-term"] = "short"  # the default of a new row, as on a fresh form
    return data


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
    case = case_for_writing(request, case_id)
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
    draft = page_draft(request, case=case)
    form, formset = _plan_forms(request, case, initial=initial, goals=goals, draft=draft)
    if request.method == "POST" and not _adding_goal(request) and form.is_valid() and formset.is_valid():
        kept = formset.kept_forms()
        try:
            plan = services.plan_create(
                actor=actor(request),
                case=case,
                values=form.values(),
                goals=[{k: v for k, v in f.values().items() if k != "id"} for f in kept],
            )
        except ValidationError as exc:
            _apply_plan_errors(form, kept, exc)
        else:
            draft.discard()
            messages.success(request, f"プラン（第{plan.number}版・案）を保存しました。")
            return redirect("cases:plan_detail", case_id=case.pk, plan_id=plan.pk)
    return render(
        request,
        "cases/plan_form.html",
        {
            "case": case,
            "form": form,
            "formset": formset,
            "plan": None,
            "previous": last,
            "draft": draft,
        },
    )


def _plan_of_case(case: Any, plan_id: int) -> Any:
    from django.http import Http404

    plan = selectors.plans_of_case(case).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


def plan_edit(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    case = case_for_writing(request, case_id)
    plan = _plan_of_case(case, plan_id)
    if plan.status not in services.EDITABLE_PLAN_STATUSES:
        messages.error(
            request, f"プラン（第{plan.number}版）は「{plan.get_status_display()}」のため編集できません。"
        )
        return redirect("cases:plan_detail", case_id=case.pk, plan_id=plan.pk)
    initial = {k: getattr(plan, k) for k in services.PLAN_FIELDS} | {"version": plan.version}
    draft = page_draft(request, case=case, obj=plan, version=plan.version)
    form, formset = _plan_forms(
        request, case, initial=initial, goals=_goal_initial(plan, with_ids=True), draft=draft
    )
    stale = None
    rows: list[DiffRow] = []
    stale_goals: list[Any] = []
    if request.method == "POST" and not _adding_goal(request) and form.is_valid() and formset.is_valid():
        kept = formset.kept_forms()
        values = form.values()
        try:
            services.plan_update(
                actor=actor(request),
                plan=plan,
                values=values,
                goals=[f.values() for f in kept],
                expected_version=posted_version(form),
            )
        except VersionMissingError as exc:
            form.add_error(None, exc.messages[0])
        except StaleVersionError as exc:
            stale = exc.current
            form.add_error(None, exc.messages[0])
            seen_version(form, "version", stale.version)
            rows = stale_rows(SupportPlan, stale, values, services.PLAN_FIELDS, _PLAN_LABELS)
            stale_goals = list(selectors.plan_goals(stale))
        except ValidationError as exc:
            _apply_plan_errors(form, kept, exc)
        else:
            draft.discard()
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
            "stale_rows": rows,
            "stale_goals": stale_goals,
            "draft": draft,
        },
    )


def plan_detail(request: HttpRequest, case_id: int, plan_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=actor(request), case_id=case_id, audit=False)
    plan = selectors.plan_get_for_user(user=actor(request), plan_id=plan_id)
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
            and allowed(actor(request), Permission.CASE_EDIT),
            "long_period": plan.end_date > plan_period_limit(plan.start_date),
        },
    )


_RECORD_LABELS = {"method": dict(RecordMethod.choices)}


def record_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """Quick entry (the form also sits on the case page). What was typed survives an expired
    session (form_data) and a validation error (the page re-renders with it)."""
    case = case_for_writing(request, case_id)
    draft = page_draft(request, case=case)
    form = RecordForm(
        form_data(request, draft),
        case=case,
        staff_queryset=User.objects.case_staff_of(case.agency_id),
        actor=actor(request),
        # 今日やること opens this page with ?monitoring=1 for a モニタリング due.
        initial={"is_monitoring": request.GET.get("monitoring") == "1"},
    )
    draft.quiet(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_create(
                actor=actor(request),
                case=case,
                values=form.values(),
                idempotency_key=form.data.get("idempotency_key"),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            draft.discard()
            messages.success(request, "支援経過記録を保存しました。")
            return redirect(reverse("cases:case_detail", args=[case.pk]) + "#records")
    return render(
        request,
        "cases/record_form.html",
        {
            "case": case,
            "form": form,
            "record": None,
            "records": selectors.records_of_case(case, limit=10),
            "idempotency_key": idempotency_key(form),
            "draft": draft,
        },
    )


def record_edit(request: HttpRequest, case_id: int, record_id: int) -> HttpResponse:
    case = case_for_writing(request, case_id)
    record = selectors.record_get_for_user(user=actor(request), case=case, record_id=record_id)
    initial = {k: getattr(record, k) for k in services.RECORD_FIELDS} | {
        "version": record.version,
        "staff": record.staff_id,
        "occurred_at": timezone.localtime(record.occurred_at),
    }
    draft = page_draft(request, case=case, obj=record, version=record.version)
    form = RecordForm(
        form_data(request, draft),
        case=case,
        staff_queryset=User.objects.case_staff_of(case.agency_id),
        initial=initial,
    )
    draft.quiet(form)
    stale = None
    rows: list[DiffRow] = []
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            services.record_update(
                actor=actor(request), record=record, values=values, expected_version=posted_version(form)
            )
        except VersionMissingError as exc:
            form.add_error(None, exc.messages[0])
        except StaleVersionError as exc:
            stale = exc.current
            form.add_error(None, exc.messages[0])
            seen_version(form, "version", stale.version)
            rows = stale_rows(SupportRecord, stale, values, services.RECORD_FIELDS, _RECORD_LABELS)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            draft.discard()
            messages.success(request, "支援経過記録を更新しました。")
            return redirect(reverse("cases:case_detail", args=[case.pk]) + "#records")
    return render(
        request,
        "cases/record_form.html",
        {
            "case": case,
            "form": form,
            "record": record,
            "stale": stale,
            "stale_rows": rows,
            "draft": draft,
        },
    )


def evaluation_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_for_writing(request, case_id)
    plan = selectors.plan_current(case)
    if plan is None or plan.status != PlanStatus.DECIDED:
        messages.error(
            request, "評価するプランがありません。評価シートは、支援決定されたプランについて記録します。"
        )
        return redirect("cases:case_detail", case_id=case.pk)
    goals = list(selectors.plan_goals(plan))
    draft = page_draft(request, case=case, obj=plan, version=plan.version)
    form = EvaluationForm(form_data(request, draft), case=case, plan=plan, goals=goals)
    draft.quiet(form)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_create(
                actor=actor(request),
                case=case,
                values=form.values(),
                idempotency_key=form.data.get("idempotency_key"),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            draft.discard()
            messages.success(
                request, "評価シートを保存しました。今後の方向性に沿って、次の手続きに進んでください。"
            )
            return redirect("cases:evaluation_detail", case_id=case.pk, evaluation_id=evaluation.pk)
    return render(
        request,
        "cases/evaluation_form.html",
        {
            "case": case,
            "plan": plan,
            "goals": goals,
            "form": form,
            "idempotency_key": idempotency_key(form),
            "draft": draft,
        },
    )


def evaluation_detail(request: HttpRequest, case_id: int, evaluation_id: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=actor(request), case_id=case_id)
    evaluation = selectors.evaluation_get_for_user(
        user=actor(request), case=case, evaluation_id=evaluation_id
    )
    return render(
        request,
        "cases/evaluation_detail.html",
        {
            "case": case,
            "evaluation": evaluation,
            "change_labels": code_labels(CodeList.CHANGE_ITEM, case.municipality_id),
            "closure_labels": code_labels(CodeList.CLOSURE_REASON, case.municipality_id),
        },
    )


def employment_outcome_new(request: HttpRequest, case_id: int) -> HttpResponse:
    """就労・増収の実績を記録する (a line of the monthly 支援状況調査)."""
    case = case_for_writing(request, case_id)
    form = EmploymentOutcomeForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.employment_outcome_record(
                actor=actor(request),
                case=case,
                values=form.cleaned_data,
                idempotency_key=form.data.get("idempotency_key"),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "就労・増収の実績を記録しました。")
            # A benefit 支給中 (住居確保給付金): the income is re-checked now, 中止 or 継続 (hub).
            from .. import hub

            recheck = hub.income_recheck_url(case)
            if recheck:
                messages.warning(
                    request,
                    "住居確保給付金が支給中です。収入を再確認し、中止するか継続するかを判断してください。",
                )
                return redirect(recheck)
            return redirect(reverse("cases:case_detail", args=[case.pk]) + "#outcomes")
    return render(
        request,
        "cases/employment_outcome_form.html",
        {
            "case": case,
            "form": form,
            "outcomes": selectors.employment_outcomes_of_case(case),
            "idempotency_key": idempotency_key(form),
        },
    )
