"""The printed forms of the support process: 相談受付・申込票, インテーク・アセスメントシート,
プラン兼事業等利用申込書, 評価シート, 支援経過記録 (``printing.register``).

The items and their order follow the 自立相談支援機関使用標準様式 (様式(案)(一括掲載)); each form
reads its record inside the case ``print_form`` scoped (404 for a record of another case) and
shows the labels the screens show (``core.codes.code_labels`` of the case's municipality).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from django.http import Http404
from django.utils import timezone

from tsunagu.cases import selectors
from tsunagu.cases.intake_sheet import b_sheet_rows, household_rows
from tsunagu.cases.models import (
    Case,
    StatutoryProgram,
    SupportRecord,
)
from tsunagu.core.codes import code_labels
from tsunagu.core.dates import age_on, wareki
from tsunagu.core.models import CodeList
from tsunagu.privacy.policies import consent_in_force

from .printing import FormDocument, PrintedForm, contact_shown, register


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _person_context(user: Any, case: Case, form: str) -> dict[str, Any]:
    person = case.person
    birth = person.birth_date
    return {
        "contact_shown": contact_shown(user, person, form=form),
        "birth_label": f"{wareki(birth)}（{age_on(birth, timezone.localdate())}歳）" if birth else "",
    }


# --- 1. 相談受付・申込票 ----------------------------------------------------------------------------


def build_intake(user: Any, case: Case, params: Mapping[str, str]) -> FormDocument:
    intake = getattr(case, "intake", None)
    if intake is None:
        raise Http404
    muni = case.municipality_id
    labels = {
        "method": code_labels(CodeList.CONSULTATION_METHOD, muni),
        "consulter": code_labels(CodeList.CONSULTER_TYPE, muni),
        "route": code_labels(CodeList.REFERRAL_ROUTE, muni),
        "topic": code_labels(CodeList.CONSULTATION_TOPIC, muni),
        "urgency": code_labels(CodeList.URGENCY_FLAG, muni),
    }
    consent = consent_in_force(case.person)
    return FormDocument(
        template="reports/pdf/intake.html",
        context={
            "intake": intake,
            "method": labels["method"].get(intake.method, intake.method),
            "consulter": labels["consulter"].get(intake.consulter_type, intake.consulter_type),
            "route": labels["route"].get(intake.route, intake.route),
            "topics": [
                ("◎" if t == intake.main_topic else "", labels["topic"].get(t, t)) for t in intake.topics
            ],
            "urgency": [labels["urgency"].get(f, f) for f in intake.urgency_flags],
            "b_rows": b_sheet_rows(intake, muni),
            "household": household_rows(case.person),
            "consent": consent,
            "consent_purposes": consent.notice.purpose_labels() if consent else [],
            **_person_context(user, case, "intake"),
        },
        record=intake,
    )


# --- 2. インテーク・アセスメントシート ------------------------------------------------------------


def build_assessment(user: Any, case: Case, params: Mapping[str, str]) -> FormDocument:
    visible = selectors.assessments_of_case(user=user, case=case).prefetch_related(
        *selectors.ASSESSMENT_ROW_PREFETCH
    )
    number = params.get("number")
    if number:
        n = _int(number)
        assessment = visible.filter(number=n).first() if n is not None else None
    else:
        assessment = visible.first()
    if assessment is None:
        raise Http404
    muni = case.municipality_id
    incomes = selectors.assessment_income_rows(assessment)
    issue_labels = code_labels(CodeList.ASSESSMENT_ISSUE, muni)
    return FormDocument(
        template="reports/pdf/assessment.html",
        context={
            "assessment": assessment,
            "sheet": selectors.assessment_sheet(assessment),
            "work_labels": code_labels(CodeList.WORK_STATUS, muni),
            "incomes": incomes,
            "income_total": sum(a for _, a in incomes),
            "issues": [issue_labels.get(i, i) for i in assessment.issues],
        },
        record=assessment,
        file_part=f"v{assessment.number}",
        details={"number": assessment.number},
    )


# --- 3. プラン兼事業等利用申込書 --------------------------------------------------------------------


def build_plan(user: Any, case: Case, params: Mapping[str, str]) -> FormDocument:
    plans = selectors.plans_of_case(case)
    plan_id = params.get("plan")
    plan = plans.filter(pk=_int(plan_id) or 0).first() if plan_id else plans.first()
    if plan is None:
        raise Http404
    from tsunagu.meetings.models import AgendaItem, Decision

    item = (
        AgendaItem.objects.filter(case=case, plan=plan)
        .select_related("meeting")
        .order_by("-meeting__held_on", "-id")
        .first()
    )
    decision = Decision.objects.filter(case=case, plan=plan).order_by("-decided_on", "-id").first()
    program_labels = dict(StatutoryProgram.choices)
    return FormDocument(
        template="reports/pdf/plan.html",
        context={
            "plan": plan,
            "goals": selectors.plan_goals(plan),
            "programs": [(label, value in plan.programs) for value, label in StatutoryProgram.choices],
            "agenda_item": item,
            "decision": decision,
            "decision_programs": [program_labels.get(p, p) for p in (decision.programs if decision else [])],
        },
        record=plan,
        file_part=f"v{plan.number}",
        details={"number": plan.number},
    )


# --- 4. 評価シート ----------------------------------------------------------------------------------


def build_evaluation(user: Any, case: Case, params: Mapping[str, str]) -> FormDocument:
    evaluations = selectors.evaluations_of_case(case)
    evaluation_id = params.get("evaluation")
    if evaluation_id:
        evaluation = evaluations.filter(pk=_int(evaluation_id) or 0).first()
    else:
        evaluation = evaluations.first()
    if evaluation is None:
        raise Http404
    muni = case.municipality_id
    change_labels = code_labels(CodeList.CHANGE_ITEM, muni)
    closure_labels = code_labels(CodeList.CLOSURE_REASON, muni)
    changes = [(label, code in evaluation.changes) for code, label in change_labels.items()]
    changes += [(c, True) for c in evaluation.changes if c not in change_labels]
    return FormDocument(
        template="reports/pdf/evaluation.html",
        context={
            "evaluation": evaluation,
            "results": evaluation.goal_results.select_related("goal").order_by("goal__order", "goal_id"),
            "changes": changes,
            "closure_reason": closure_labels.get(evaluation.closure_reason, evaluation.closure_reason),
        },
        record=evaluation,
        file_part=evaluation.evaluated_on.isoformat(),
    )


# --- 5. 支援経過記録 --------------------------------------------------------------------------------


def _date_param(params: Mapping[str, str], key: str) -> date | None:
    raw = params.get(key)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Http404 from None


def build_records(user: Any, case: Case, params: Mapping[str, str]) -> FormDocument:
    start, end = _date_param(params, "from"), _date_param(params, "to")
    tz = timezone.get_current_timezone()
    qs = SupportRecord.objects.filter(case=case).select_related("staff")
    if start:
        qs = qs.filter(occurred_at__gte=datetime.combine(start, time.min, tzinfo=tz))
    if end:
        qs = qs.filter(occurred_at__lte=datetime.combine(end, time.max, tzinfo=tz))
    records = list(qs.order_by("occurred_at", "id"))
    return FormDocument(
        template="reports/pdf/records.html",
        context={
            "records": records,
            "period_from": start or case.opened_on,
            "period_to": end or case.closed_on,
        },
        file_part="_".join(d.isoformat() for d in (start, end) if d),
        details={"from": start.isoformat() if start else "", "to": end.isoformat() if end else ""},
    )


register(PrintedForm("intake", "相談受付・申込票", build_intake, lambda c: hasattr(c, "intake"), order=10))
register(
    PrintedForm(
        "assessment",
        "インテーク・アセスメントシート",
        build_assessment,
        lambda c: c.assessments.exists(),
        order=20,
    )
)
register(PrintedForm("plan", "プラン兼事業等利用申込書", build_plan, lambda c: c.plans.exists(), order=30))
register(
    PrintedForm("evaluation", "評価シート", build_evaluation, lambda c: c.evaluations.exists(), order=40)
)
register(PrintedForm("records", "支援経過記録", build_records, order=50))
