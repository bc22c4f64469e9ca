"""Reads on cases, always starting from the one scoping mechanism."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import models
from django.db.models import Count, F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tsunagu.core.audit import audit_record, audit_record_many
from tsunagu.core.dates import WarekiParseError, parse_date, wareki
from tsunagu.core.idempotency import created_before
from tsunagu.core.models import AuditAction
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import NOT_FOUND_MESSAGE, get_for_user_or_404, scope_for_user
from tsunagu.persons import normalize
from tsunagu.persons.models import PersonKanaTrigram
from tsunagu.persons.policies import restricted_contact_searchable_q
from tsunagu.privacy.models import Consent

from . import hub
from .models import (
    ASSESSMENT_SECTIONS,
    INTAKE_SCOPE,
    UNFINISHED_STATES,
    Assessment,
    Case,
    CaseState,
    EmploymentOutcome,
    Evaluation,
    Intake,
    PlanGoal,
    PlanStatus,
    SupportPlan,
    SupportRecord,
)
from .policies import assessment_visibility_q
from .workflow import evaluation_latest, plan_current  # noqa: F401 — the reads of the process

PAGE_SIZE = 25
_CASE_NUMBER_RE = re.compile(r"^[RHSrhs]?\d{1,2}-\d{1,5}$")


def cases_visible_to(user: Any) -> models.QuerySet[Case]:
    if not user.can(Permission.PERSON_VIEW):
        return Case.objects.none()
    return scope_for_user(Case.objects.all(), user)


def case_get_for_user(
    *, user: Any, case_id: Any, audit: bool = True, include_cancelled: bool = False
) -> Case:
    """Fetch-and-check one case (404 when absent or not yours); the view is audited.

    A 取消 case is absent (``Case.objects``) except for the read-only case page, which passes
    ``include_cancelled`` so that what happened stays readable.
    """
    if not user.can(Permission.PERSON_VIEW):
        get_for_user_or_404(Case.objects.none(), user, case_id)
    manager = Case.all_cases if include_cancelled else Case.objects
    case = get_for_user_or_404(
        manager.select_related("person", "assigned_worker", "agency", "municipality"), user, case_id
    )
    if audit:
        audit_record(actor=user, action=AuditAction.VIEW, obj=case, person_id=case.person_id)
    return case


def intake_get_for_user(*, user: Any, intake_id: Any, audit: bool = True) -> Intake:
    """Fetch-and-check one 申込票 through its case's scope (404 when absent, not yours or 取消)."""
    qs = Intake.objects.select_related("case", "case__person", "referring_partner").exclude(
        case__state=CaseState.CANCELLED
    )
    if not user.can(Permission.PERSON_VIEW):
        qs = qs.none()
    intake = get_for_user_or_404(
        qs, user, intake_id, agency_field="case__agency", municipality_field="case__municipality"
    )
    if audit:
        audit_record(actor=user, action=AuditAction.VIEW, obj=intake.case, person_id=intake.case.person_id)
    return intake


def open_cases_of_persons(*, user: Any, person_ids: Sequence[int]) -> dict[int, Case]:
    """{person id: their case not yet 終結・中断・取消} among the cases ``user`` may see (one query;
    the newest when there are several): the open case a new 受付 is recorded in."""
    if not person_ids:
        return {}
    found: dict[int, Case] = {}
    rows = (
        cases_visible_to(user)
        .filter(person_id__in=list(person_ids), state__in=UNFINISHED_STATES)
        .select_related("assigned_worker")
        .order_by("-opened_on", "-id")
    )
    for case in rows:
        found.setdefault(case.person_id, case)
    return found


def case_for_submission(*, user: Any, token: str) -> Case | None:
    """The case that the user's submission ``token`` already created (double submit), or None."""
    if not token or not user.agency_id:
        return None
    key = Intake.submission_key(agency_id=user.agency_id, actor_id=user.pk, token=token)
    case = created_before(actor=user, scope=INTAKE_SCOPE, key=key, model=Case)
    return cases_visible_to(user).filter(pk=case.pk).first() if case is not None else None


def cases_listed(*, user: Any, cases: Sequence[Case], via: str) -> None:
    """Audit a list of cases shown to ``user`` (a page or an API list): one VIEW row per case, in
    one INSERT."""
    audit_record_many(
        actor=user, action=AuditAction.VIEW, objects=list(cases), details={"via": via, "list": True}
    )


def rows_listed(*, user: Any, rows: Sequence[models.Model], via: str) -> None:
    """Audit the records of a case listed to ``user`` (records, plans, evaluations…): batched rows."""
    audit_record_many(
        actor=user, action=AuditAction.VIEW, objects=list(rows), details={"via": via, "list": True}
    )


@dataclass
class CaseQuery:
    q: str = ""
    scope: str = "mine"  # mine | agency
    state: str = ""
    worker_id: int | None = None
    unassigned: bool = False  # 担当者未定 only (the agency's cases: nobody's "mine")
    topic: str = ""
    after: str = ""  # keyset cursor "YYYY-MM-DD.id"


@dataclass
class CasePage:
    cases: list[Case]
    next_cursor: str
    searched: bool


def _search_condition(user: Any, q: str) -> Q | None:
    q = normalize.normalize_kana(q).strip() if q else ""
    if not q:
        return None
    if _CASE_NUMBER_RE.match(q):
        return Q(case_number__iexact=q.upper())
    try:
        d: date | None = parse_date(q)
    except WarekiParseError:
        d = None
    if d is not None:
        return Q(person__birth_date=d)
    digits = normalize.phone_key(q)
    if digits and len(digits) >= 4 and len(digits) == len(re.sub(r"[\s\-()（）]", "", q)):
        # A restricted person's number is searchable only by those who may see it.
        return (Q(person__phone_key__contains=digits) | Q(person__phone_alt_key__contains=digits)) & (
            restricted_contact_searchable_q(user, prefix="person__")
        )
    if normalize.is_valid_kana(q):
        key = normalize.kana_key(q)
        grams = normalize.trigrams(key)
        needed = max(1, (len(grams) * 2) // 3)
        ids = (
            PersonKanaTrigram.objects.filter(agency_id=user.agency_id, trigram__in=grams)
            .values("person_id")
            .annotate(shared=Count("id"))
            .filter(shared__gte=needed)
            .values("person_id")
        )
        return Q(person__kana_key__startswith=key) | Q(person_id__in=ids)
    return Q(person__name_key__contains=normalize.name_key(q))


def case_list(*, user: Any, query: CaseQuery) -> CasePage:
    """The case list: my cases (or the agency's, for 主任/センター長), search and filters, keyset pages.

    It opens on "my cases"; the whole agency is listed only for users who may (CASE_VIEW_ALL)
    and only when asked. 担当者未定 (``unassigned``) looks at the whole agency (a case without a
    worker is nobody's own), for those who may assign them.
    """
    qs = cases_visible_to(user).select_related("person", "assigned_worker")
    whole_agency = query.scope == "agency" or query.unassigned
    if not whole_agency or not user.can(Permission.CASE_VIEW_ALL):
        qs = qs.filter(assigned_worker=user)
    if query.unassigned:
        qs = qs.filter(assigned_worker__isnull=True)
    cond = _search_condition(user, query.q)
    if cond is not None:
        qs = qs.filter(cond)
    if query.state:
        qs = qs.filter(state=query.state)
    if query.worker_id:
        qs = qs.filter(assigned_worker_id=query.worker_id)
    if query.topic:
        qs = (
            qs.filter(topics__contains=query.topic)
            if _json_contains_supported()
            else qs.filter(topics__icontains=f'"{query.topic}"')
        )
    if query.after:
        try:
            d_s, id_s = query.after.split(".")
            d, pk = date.fromisoformat(d_s), int(id_s)
            qs = qs.filter(Q(opened_on__lt=d) | Q(opened_on=d, id__lt=pk))
        except ValueError:
            pass
    rows = list(qs.order_by("-opened_on", "-id")[: PAGE_SIZE + 1])
    next_cursor = ""
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        last = rows[-1]
        next_cursor = f"{last.opened_on.isoformat()}.{last.pk}"
    if query.q:
        audit_record(
            actor=user,
            action=AuditAction.SEARCH,
            object_type="case",
            details={"q_length": len(query.q), "results": len(rows)},
        )
    return CasePage(cases=rows, next_cursor=next_cursor, searched=bool(query.q))


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


# --- The support process ------------------------------------------------------------------------
#
# Every read below starts from a case the user already fetched through case_get_for_user (or
# from cases_visible_to), so the agency scope holds; records of another case answer 404.

RECORD_LIST_LIMIT = 50


# The rows of a sheet (職歴, 月収, 債務, 公的給付): prefetch them where a sheet is shown whole.
ASSESSMENT_ROW_PREFETCH = ("jobs", "incomes", "debts", "benefits")


def assessments_of_case(*, user: Any, case: Case) -> models.QuerySet[Assessment]:
    """The sheet's versions the user may see, newest first (policies.assessment_visibility_q)."""
    qs = Assessment.objects.filter(case=case).select_related("author", "joint_with", "shared_with")
    cond = assessment_visibility_q(user, case)
    if cond is not None:
        qs = qs.filter(cond)
    return qs.order_by("-number")


def assessment_get_for_user(*, user: Any, case: Case, assessment_id: Any) -> Assessment:
    assessment = (
        assessments_of_case(user=user, case=case)
        .filter(pk=_int_or_none(assessment_id) or 0)
        .prefetch_related(*ASSESSMENT_ROW_PREFETCH)
        .first()
    )
    if assessment is None:
        raise Http404(NOT_FOUND_MESSAGE)
    audit_record(
        actor=user,
        action=AuditAction.VIEW,
        obj=assessment,
        person_id=case.person_id,
        details={"number": assessment.number},
    )
    return assessment


def latest_assessment(*, user: Any, case: Case) -> Assessment | None:
    """The newest sheet the user may see (``assessments_of_case``: a 家計改善支援員 sees the sheets
    written or shared with them), with its rows (職歴, 月収, 債務, 公的給付) prefetched, or None.

    The one read of "the latest assessment" for prefilling another record from it (住居確保給付金,
    家計表: ``programs/figures.py``), so a figure never shows what the sheet hides. The caller has
    fetched the case through ``case_get_for_user``."""
    return assessments_of_case(user=user, case=case).prefetch_related(*ASSESSMENT_ROW_PREFETCH).first()


def assessment_sheet(assessment: Assessment) -> list[dict[str, str]]:
    """The sheet's sections in order, each with its narrative and its 旧記録: the screen and the
    printed sheet show the same list."""
    return [
        {
            "key": key,
            "label": label,
            "text": (assessment.sections or {}).get(key, ""),
            "legacy": (assessment.legacy or {}).get(key, ""),
        }
        for key, label in ASSESSMENT_SECTIONS
    ]


def assessment_income_rows(assessment: Assessment) -> list[tuple[str, int]]:
    """月収 by source (label, amount), in the 家計表's order of categories."""
    from .models import IncomeCategory

    amounts = {i.category: i.amount for i in assessment.incomes.all()}
    return [(label, amounts[value]) for value, label in IncomeCategory.choices if value in amounts]


def _yen(n: int | None) -> str:
    return "" if n is None else f"{n:,}円"


def _yes_no(value: bool | None) -> str:
    return {True: "有", False: "無"}.get(value, "") if value is not None else ""


def assessment_rows(a: Assessment | None) -> dict[str, list[dict[str, Any]]]:
    """The sheet's rows as dicts (ASSESSMENT_ROW_FIELDS). An unsaved sheet (the one a stale save
    carried) gives the rows it was given as ``pending_rows``."""
    from .validation import ASSESSMENT_ROW_FIELDS

    if a is None:
        return {k: [] for k in ASSESSMENT_ROW_FIELDS}
    pending = getattr(a, "pending_rows", None)
    if pending is not None:
        return {k: list(pending.get(k) or []) for k in ASSESSMENT_ROW_FIELDS}
    if a.pk is None:
        return {k: [] for k in ASSESSMENT_ROW_FIELDS}
    return {
        key: [{f: getattr(r, f) for f in fields} for r in getattr(a, key).all()]
        for key, fields in ASSESSMENT_ROW_FIELDS.items()
    }


def _row_diff(
    what: str,
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    key: Any,
    name: Any,
    items: list[tuple[str, Any]],
) -> list[tuple[str, str, str]]:
    """Rows added / removed / changed, matched by ``key`` (the n-th row of a key with the n-th)."""

    def keyed(rows: list[dict[str, Any]]) -> dict[tuple[Any, int], dict[str, Any]]:
        seen: dict[Any, int] = {}
        out = {}
        for r in rows:
            k = key(r)
            seen[k] = seen.get(k, 0) + 1
            out[(k, seen[k])] = r
        return out

    def shown(r: dict[str, Any], only: list[str] | None = None) -> str:
        parts = []
        for label, fmt in items:
            if only is not None and label not in only:
                continue
            text = fmt(r)
            if text:
                parts.append(f"{label} {text}")
        return "・".join(parts) or "（記入なし）"

    a, b = keyed(old), keyed(new)
    out: list[tuple[str, str, str]] = []
    for k in list(a) + [k for k in b if k not in a]:
        ra, rb = a.get(k), b.get(k)
        if ra is None and rb is not None:
            out.append((f"{what}：{name(rb)}（追加）", "（なし）", shown(rb)))
        elif rb is None and ra is not None:
            out.append((f"{what}：{name(ra)}（削除）", shown(ra), "（なし）"))
        elif ra is not None and rb is not None:
            changed = [label for label, fmt in items if fmt(ra) != fmt(rb)]
            if changed:
                out.append(
                    (
                        f"{what}：{name(rb)}",
                        shown(ra, changed) or "（空欄）",
                        shown(rb, changed) or "（空欄）",
                    )
                )
    return out


def assessment_diff(older: Assessment | None, newer: Assessment) -> list[tuple[str, str, str]]:
    """(項目, 前の版, この版) for every item that changed between two versions: the narratives, the
    structured items (和暦・円 as shown on the sheet) and the rows added, removed or changed."""
    from tsunagu.core.codes import code_labels
    from tsunagu.core.models import CodeList

    from .models import DebtKind, IncomeCategory, PublicBenefitKind

    issue_labels = code_labels(CodeList.ASSESSMENT_ISSUE)
    work_labels = code_labels(CodeList.WORK_STATUS, newer.municipality_id)

    def issues(a: Assessment | None) -> str:
        """The checked 課題 in the list's order: the same set ticked in another order is no change."""
        chosen: set[str] = {str(i) for i in (a.issues or [])} if a else set()
        ordered = [code for code in issue_labels if code in chosen] + sorted(chosen - set(issue_labels))
        return "、".join(str(issue_labels.get(i) or i) for i in ordered) or "（なし）"

    rows: list[tuple[str, str, str]] = []
    for key, label in ASSESSMENT_SECTIONS:
        old = (older.sections or {}).get(key, "") if older else ""
        new = (newer.sections or {}).get(key, "")
        if old != new:
            rows.append((label, old or "（空欄）", new or "（空欄）"))
    if issues(older) != issues(newer):
        rows.append(("抱える課題", issues(older), issues(newer)))
    for field in ("strengths", "wishes"):
        old = getattr(older, field) if older else ""
        new = getattr(newer, field)
        if old != new:
            rows.append((_label(field), old or "（空欄）", new or "（空欄）"))
    for field in ("disability_certificate", "urgency", "certificate_kind"):
        old = getattr(older, f"get_{field}_display")() if older else ""
        new = getattr(newer, f"get_{field}_display")()
        if old != new:
            rows.append((_label(field), old or "（空欄）", new or "（空欄）"))
    shown: tuple[tuple[str, Any], ...] = (
        ("certificate_grade", lambda a: a.certificate_grade_label),
        ("outpatient", lambda a: _yes_no(a.outpatient) or "未確認"),
        ("outpatient_note", lambda a: a.outpatient_note),
        ("medication", lambda a: _yes_no(a.medication) or "未確認"),
        ("medication_note", lambda a: a.medication_note),
        ("work_status", lambda a: work_labels.get(a.work_status, a.work_status)),
        ("qualifications", lambda a: a.qualifications),
        ("monthly_rent", lambda a: _yen(a.monthly_rent)),
        ("savings", lambda a: _yen(a.savings)),
    )
    for field, fmt in shown:
        old = fmt(older) if older else ""
        new = fmt(newer)
        if old != new and (older is not None or new not in ("", "未確認")):
            rows.append((_label(field), old or "（空欄）", new or "（空欄）"))
    before, after = assessment_rows(older), assessment_rows(newer)
    incomes = dict(IncomeCategory.choices)
    debts = dict(DebtKind.choices)
    benefits = dict(PublicBenefitKind.choices)

    def named(kind: str, labels: dict[str, str], extra: str) -> str:
        label = labels.get(kind, kind)
        return f"{label}（{extra}）" if extra else label

    rows += _row_diff(
        "職歴",
        before["jobs"],
        after["jobs"],
        key=lambda r: r["work"],
        name=lambda r: r["work"],
        items=[
            ("期間", lambda r: r["period"]),
            ("雇用形態", lambda r: work_labels.get(r["employment_type"], r["employment_type"])),
            ("離職の理由", lambda r: r["reason_left"]),
        ],
    )
    rows += _row_diff(
        "月収",
        before["incomes"],
        after["incomes"],
        key=lambda r: r["category"],
        name=lambda r: incomes.get(r["category"], r["category"]),
        items=[("月額", lambda r: _yen(r["amount"]))],
    )
    rows += _row_diff(
        "債務",
        before["debts"],
        after["debts"],
        key=lambda r: (r["kind"], r["creditor"]),
        name=lambda r: named(r["kind"], debts, r["creditor"]),
        items=[("残額", lambda r: _yen(r["amount"])), ("月々の返済", lambda r: _yen(r["monthly_repayment"]))],
    )
    rows += _row_diff(
        "公的給付",
        before["benefits"],
        after["benefits"],
        key=lambda r: (r["kind"], r["name"]),
        name=lambda r: named(r["kind"], benefits, r["name"]),
        items=[
            ("月額", lambda r: _yen(r["monthly_amount"])),
            ("終了日（予定）", lambda r: wareki(r["ends_on"]) if r["ends_on"] else ""),
        ],
    )
    return rows


def plans_of_case(case: Case) -> models.QuerySet[SupportPlan]:
    return (
        SupportPlan.objects.filter(case=case)
        .select_related("author", "replan_of_evaluation", "based_on_assessment")
        .order_by("-number")
    )


def plan_get_for_user(*, user: Any, plan_id: Any, audit: bool = True) -> SupportPlan:
    """Fetch-and-check one plan by id (404 when absent or of another agency)."""
    if not user.can(Permission.PERSON_VIEW):
        get_for_user_or_404(SupportPlan.objects.none(), user, plan_id)
    plan = get_for_user_or_404(
        SupportPlan.objects.select_related("case", "case__person", "author", "replan_of_evaluation"),
        user,
        plan_id,
    )
    if audit:
        audit_record(
            actor=user,
            action=AuditAction.VIEW,
            obj=plan,
            person_id=plan.case.person_id,
            details={"number": plan.number},
        )
    return plan


def plan_goals(plan: SupportPlan) -> models.QuerySet[PlanGoal]:
    return plan.goals.select_related("provider_staff", "provider_partner").order_by("order", "id")


def records_of_case(case: Case, *, limit: int = RECORD_LIST_LIMIT) -> list[SupportRecord]:
    return list(
        SupportRecord.objects.filter(case=case)
        .select_related("staff", "author")
        .order_by("-occurred_at", "-id")[:limit]
    )


def employment_outcomes_of_case(case: Case) -> models.QuerySet[EmploymentOutcome]:
    """就労・増収の実績 of a case (the case was already fetched and checked), newest first."""
    return EmploymentOutcome.objects.filter(case=case).order_by("-occurred_on", "-id")


def record_get_for_user(*, user: Any, case: Case, record_id: Any) -> SupportRecord:
    record = (
        SupportRecord.objects.filter(case=case, pk=_int_or_none(record_id) or 0)
        .select_related("staff", "author")
        .first()
    )
    if record is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return record


def evaluations_of_case(case: Case) -> models.QuerySet[Evaluation]:
    return (
        Evaluation.objects.filter(case=case)
        .select_related("plan", "author")
        .prefetch_related("goal_results__goal")
        .order_by("-created_at", "-id")
    )


def evaluation_get_for_user(*, user: Any, case: Case, evaluation_id: Any) -> Evaluation:
    ev = evaluations_of_case(case).filter(pk=_int_or_none(evaluation_id) or 0).first()
    if ev is None:
        raise Http404(NOT_FOUND_MESSAGE)
    _audit_view(user, ev, case.person_id)
    return ev


def cases_monitoring_overdue(user: Any, *, today: date | None = None) -> models.QuerySet[Case]:
    """Cases in support whose plan's next monitoring date has passed (oldest first).

    Each case carries ``next_monitoring_on`` and ``plan_number`` (annotations).
    """
    today = today or timezone.localdate()
    # A join, not a subquery per case: a case has at most one decided plan (the plan in force is
    # unique per case, ``plan_one_active_per_case``), so the join never repeats a case.
    return (
        cases_visible_to(user)
        .filter(
            state__in=[CaseState.IN_SUPPORT, CaseState.EVALUATION],
            plans__status=PlanStatus.DECIDED,
            plans__next_monitoring_on__lt=today,
        )
        .annotate(next_monitoring_on=F("plans__next_monitoring_on"), plan_number=F("plans__number"))
        .select_related("person", "assigned_worker")
        .order_by("next_monitoring_on", "id")
    )


def plans_ending_within(user: Any, days: int, *, today: date | None = None) -> models.QuerySet[SupportPlan]:
    """Plans in force (支援決定済み) whose period ends within ``days`` days from today (inclusive)."""
    today = today or timezone.localdate()
    visible = cases_visible_to(user).filter(state__in=[CaseState.IN_SUPPORT, CaseState.EVALUATION])
    return (
        SupportPlan.objects.filter(
            case__in=visible.values("pk"),
            status=PlanStatus.DECIDED,
            end_date__gte=today,
            end_date__lte=today + timedelta(days=days),
        )
        .select_related("case", "case__person", "case__assigned_worker")
        .order_by("end_date", "id")
    )


def _label(field: str) -> str:
    return str(getattr(Assessment._meta.get_field(field), "verbose_name", field))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _audit_view(user: Any, obj: Any, person_id: Any) -> None:
    audit_record(actor=user, action=AuditAction.VIEW, obj=obj, person_id=person_id)


def record_by_id_for_user(*, user: Any, record_id: Any, audit: bool = False) -> SupportRecord:
    """Fetch-and-check one 支援経過記録 by id (the API's /records/{id}); a read is audited."""
    if not user.can(Permission.PERSON_VIEW):
        get_for_user_or_404(SupportRecord.objects.none(), user, record_id)
    record = get_for_user_or_404(
        SupportRecord.objects.select_related("case", "case__person"), user, record_id
    )
    if audit:
        _audit_view(user, record, record.case.person_id)
    return record


def evaluation_by_id_for_user(*, user: Any, evaluation_id: Any, audit: bool = False) -> Evaluation:
    """Fetch-and-check one 評価シート by id (the API's /evaluations/{id}); a read is audited."""
    if not user.can(Permission.PERSON_VIEW):
        get_for_user_or_404(Evaluation.objects.none(), user, evaluation_id)
    evaluation = get_for_user_or_404(
        Evaluation.objects.select_related("case").prefetch_related("goal_results"), user, evaluation_id
    )
    if audit:
        _audit_view(user, evaluation, evaluation.case.person_id)
    return evaluation


def case_get_for_decision(*, user: Any, case_id: Any) -> Case:
    """The case as the 自治体担当者 of its municipality sees it for 支援決定 (no centre page access)."""
    if not user.can(Permission.DECISION_RECORD):
        get_for_user_or_404(Case.objects.none(), user, case_id)
    return get_for_user_or_404(Case.objects.select_related("person"), user, case_id)


# --- The timeline of the case (ケースの経過) -------------------------------------------------------
#
# The cases app's own entries (records, assessments, plans, evaluations, 就労・増収, state changes,
# consents) and those of the apps above it (``hub.timeline``), newest first. Each source is one
# query whatever the size of the case; the list is cut at ``TIMELINE_LIMIT`` entries.

TIMELINE_LIMIT = 100

TIMELINE_KINDS: dict[str, str] = {
    "record": "支援経過記録",
    "assessment": "アセスメント",
    "plan": "プラン",
    "evaluation": "評価",
    "outcome": "就労・増収",
    "transition": "状態の変更",
    "consent": "同意",
    "decision": "決定",
    "meeting": "会議",
    "payment": "住居確保給付金",
    "program": "事業の利用",
    "referral": "つなぎ",
}


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Any]  # hub.TimelineEntry, newest first
    total: int
    offset: int
    limit: int
    kinds: dict[str, str]  # the kinds present in the whole timeline (filter choices)

    @property
    def last_number(self) -> int:
        """The position (1-based) of the last entry shown."""
        return self.offset + len(self.entries)

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.entries) < self.total


def _own_timeline(case: Case, user: Any) -> list[Any]:
    here = reverse("cases:case_detail", args=[case.pk])
    T = hub.TimelineEntry
    out: list[Any] = []
    for r in SupportRecord.objects.filter(case=case).select_related("staff").order_by("-occurred_at", "-id"):
        out.append(
            T(
                at=r.occurred_at,
                kind="record",
                kind_label=TIMELINE_KINDS["record"],
                title=f"{r.get_method_display()}（{r.staff}）"
                + ("・モニタリング" if r.is_monitoring else ""),
                text=r.content,
                url=f"{here}#record-{r.pk}",
            )
        )
    for a in assessments_of_case(user=user, case=case):
        out.append(
            T(
                at=a.assessed_on,
                kind="assessment",
                kind_label=TIMELINE_KINDS["assessment"],
                title=f"インテーク・アセスメントシート 第{a.number}版",
                text=a.wishes,
                url=reverse("cases:assessment_detail", args=[case.pk, a.pk]),
            )
        )
    for p in SupportPlan.objects.filter(case=case).order_by("-number"):
        out.append(
            T(
                at=p.created_at,
                kind="plan",
                kind_label=TIMELINE_KINDS["plan"],
                title=f"プラン 第{p.number}版（{PlanStatus(p.status).label}）",
                text=p.long_term_goal,
                url=reverse("cases:plan_detail", args=[case.pk, p.pk]),
            )
        )
    for e in Evaluation.objects.filter(case=case).select_related("plan"):
        out.append(
            T(
                at=e.evaluated_on,
                kind="evaluation",
                kind_label=TIMELINE_KINDS["evaluation"],
                title=f"評価シート（プラン第{e.plan.number}版）：{e.get_direction_display()}",
                text=e.summary,
                url=reverse("cases:evaluation_detail", args=[case.pk, e.pk]),
            )
        )
    for o in EmploymentOutcome.objects.filter(case=case):
        out.append(
            T(
                at=o.occurred_on,
                kind="outcome",
                kind_label=TIMELINE_KINDS["outcome"],
                title=o.get_kind_display() + (f"（{o.employer}）" if o.employer else ""),
                text=o.note,
                url=f"{here}#outcomes",
            )
        )
    for t in case.transitions.all():
        out.append(
            T(
                at=t.occurred_at,
                kind="transition",
                kind_label=TIMELINE_KINDS["transition"],
                title=f"{CaseState(t.from_state).label} → {CaseState(t.to_state).label}",
                text=t.reason,
                url=f"{here}#history",
            )
        )
    person_url = reverse("cases:person_detail", args=[case.person_id])
    for c in Consent.objects.filter(person_id=case.person_id):
        out.append(
            T(
                at=c.given_on,
                kind="consent",
                kind_label=TIMELINE_KINDS["consent"],
                title="個人情報の取扱いへの同意"
                + (f"（{wareki(c.expires_on)}まで）" if c.expires_on else ""),
                url=person_url,
            )
        )
        if c.withdrawn_on is not None:
            out.append(
                T(
                    at=c.withdrawn_on,
                    kind="consent",
                    kind_label=TIMELINE_KINDS["consent"],
                    title="同意の撤回",
                    url=person_url,
                )
            )
    return out


def _timeline_key(entry: Any) -> tuple[date, str]:
    at = entry.at
    if hasattr(at, "date") and callable(at.date):
        local = timezone.localtime(at) if timezone.is_aware(at) else at
        return (local.date(), local.strftime("%H:%M:%S"))
    return (at, "")


def case_timeline(
    *, user: Any, case: Case, kind: str = "", offset: int = 0, limit: int = TIMELINE_LIMIT
) -> TimelinePage:
    """Everything of the case in date order (newest first), optionally one ``kind``; a page of it.

    The case was fetched through ``case_get_for_user``; the caller audits the read.
    """
    everything = _own_timeline(case, user) + hub.timeline(case, user)
    present = {e.kind: TIMELINE_KINDS.get(e.kind, e.kind_label) for e in everything}
    kinds = {k: label for k, label in TIMELINE_KINDS.items() if k in present}
    kinds.update({k: v for k, v in present.items() if k not in kinds})
    chosen = [e for e in everything if not kind or e.kind == kind]
    chosen.sort(key=_timeline_key, reverse=True)
    offset = max(0, offset)
    return TimelinePage(
        entries=chosen[offset : offset + limit],
        total=len(chosen),
        offset=offset,
        limit=limit,
        kinds=kinds,
    )
