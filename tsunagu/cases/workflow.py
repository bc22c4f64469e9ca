"""The case state machine (ケースの状態遷移): named transitions with guards.

The same table serves the UI and the API (services.case_transition). A guard returns a
Japanese explanation when the transition is not allowed, or None. Who may run a transition is
part of the table too (``Transition.permission``): centre staff of the case's agency for almost
all of them, the 自治体担当者 of the case's municipality for 支援決定 (``decide``).

docs/process.md shows the table as a diagram and lists the guards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef

from tsunagu.core.dates import wareki
from tsunagu.organizations.guards import allowed
from tsunagu.organizations.roles import Permission
from tsunagu.privacy.policies import consent_in_force

from . import hub
from .models import (
    UNFINISHED_STATES,
    Assessment,
    Case,
    CaseState,
    Direction,
    EmploymentOutcome,
    Evaluation,
    PlanStatus,
    SupportPlan,
    SupportRecord,
)

S = CaseState
Guard = Callable[[Case, dict[str, Any]], str | None]


def plan_current(case: Case) -> SupportPlan | None:
    """The plan in force: the newest one not superseded, ended or returned (at most one)."""
    return (
        SupportPlan.objects.filter(case=case)
        .exclude(status__in=INACTIVE_PLAN_STATUSES)
        .order_by("-number")
        .first()
    )


INACTIVE_PLAN_STATUSES = (PlanStatus.SUPERSEDED, PlanStatus.ENDED, PlanStatus.RETURNED)
# A plan is edited while it is a 案 or sent back for 修正.
EDITABLE_PLAN_STATUSES = (PlanStatus.DRAFT, PlanStatus.REVISION)
# The states in which a new version of the インテーク・アセスメントシート may be written.
ASSESSMENT_STATES = frozenset(
    {
        CaseState.ASSESSMENT,
        CaseState.PLANNING,
        CaseState.COORDINATION_MEETING,
        CaseState.DECIDED,
        CaseState.IN_SUPPORT,
        CaseState.EVALUATION,
    }
)


def evaluation_latest(case: Case) -> Evaluation | None:
    """The evaluation recorded last (by entry order, not by its date) for the plan in force."""
    plan = plan_current(case)
    if plan is None:
        return None
    return Evaluation.objects.filter(case=case, plan=plan).order_by("-created_at", "-id").first()


# --- guards ------------------------------------------------------------------------------------


def _needs_application_and_consent(case: Case, params: dict[str, Any]) -> str | None:
    intake = getattr(case, "intake", None)
    if intake is None or intake.applied_on is None:
        return "利用申込（申込票への署名）が記録されていないため、アセスメントに進めません。"
    if consent_in_force(case.person) is None:
        return "個人情報の取扱いへの同意（有効なもの）がないため、アセスメントに進めません。緊急の場合は「緊急的な支援としてアセスメントを開始」を使い、理由を記録してください。"
    return None


def _needs_application(case: Case, params: dict[str, Any]) -> str | None:
    intake = getattr(case, "intake", None)
    if intake is None or intake.applied_on is None:
        return "利用申込日を記録してください。"
    if consent_in_force(case.person) is None:
        return "利用申込には個人情報の取扱いへの同意が必要です。先に同意を記録してください。"
    return None


def _emergency_with_reason(case: Case, params: dict[str, Any]) -> str | None:
    if not case.is_emergency:
        return "緊急性の記録がないケースは、この手続きでアセスメントに進めません。"
    if not str(params.get("reason") or "").strip():
        return "同意・申込の前にアセスメントを始める理由を入力してください。"
    return None


def _screening_ends(case: Case, params: dict[str, Any]) -> str | None:
    intake = getattr(case, "intake", None)
    if intake is None or intake.screening_outcome not in ("info_only", "referred"):
        return (
            "スクリーニング結果が「情報提供・助言のみ」または「他制度・他機関へつなぐ」の場合に終了できます。"
        )
    return None


def _has_assessment(case: Case, params: dict[str, Any]) -> str | None:
    if not case.assessments.exists():
        return "インテーク・アセスメントシートを作成してから、プラン策定に進んでください。"
    return None


def _plan_ready_for_meeting(case: Case, params: dict[str, Any]) -> str | None:
    plan = plan_current(case)
    if plan is None:
        return "プラン（案）がありません。プランを作成してから支援調整会議に提出してください。"
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.REVISION):
        return f"プラン（第{plan.number}版）は「{PlanStatus(plan.status).label}」のため提出できません。"
    if not plan.goals.exists():
        return "プランに目標と支援内容を1つ以上入力してから提出してください。"
    if plan.agreed_on is None:
        return "本人の同意日（プランへの合意）を記録してから提出してください。"
    return None


def _meeting_sent_back(case: Case, params: dict[str, Any]) -> str | None:
    plan = plan_current(case)
    if plan is not None and plan.status != PlanStatus.REVISION:
        return "支援調整会議の結果（修正・差戻し）を記録すると、プラン策定に戻ります。"
    if plan is None and not case.plans.filter(status=PlanStatus.RETURNED).exists():
        return "支援調整会議の結果（修正・差戻し）を記録すると、プラン策定に戻ります。"
    return None


def _plan_approved(case: Case, params: dict[str, Any]) -> str | None:
    plan = plan_current(case)
    if plan is None or plan.status != PlanStatus.APPROVED:
        return "支援調整会議でプランが承認されていないため、支援決定できません。"
    return None


def _plan_decided(case: Case, params: dict[str, Any]) -> str | None:
    plan = plan_current(case)
    if plan is None or plan.status != PlanStatus.DECIDED:
        return "支援決定・確認済みのプランがないため、支援を開始できません。"
    return None


def _direction(direction: Direction) -> Guard:
    def guard(case: Case, params: dict[str, Any]) -> str | None:
        ev = evaluation_latest(case)
        if ev is None:
            return (
                f"評価シートがありません。今後の方向性を「{direction.label}」とした評価を記録してください。"
            )
        if ev.direction != direction:
            return (
                f"最新の評価（{wareki(ev.evaluated_on)}）の今後の方向性は「{Direction(ev.direction).label}」です。"
                f"「{direction.label}」とする評価を記録してください。"
            )
        if direction == Direction.CLOSE and not ev.closure_reason:
            return "評価シートに終結理由を記録してください。"
        return None

    guard.__name__ = f"_direction_{direction.value}"
    return guard


def _suspension_confirmed(case: Case, params: dict[str, Any]) -> str | None:
    # The agenda items belong to the meetings app (a higher layer): read them by the reverse
    # relation only, never by importing it.
    items = getattr(case, "agenda_items", None)
    if items is None or not items.filter(purpose="suspension", outcome="approved").exists():
        return "中断は支援調整会議での確認が必要です。会議で「中断の確認」が承認されてから行ってください。"
    return None


def carry_over_reasons(params: dict[str, Any]) -> dict[str, str]:
    """The reasons given to carry an open item over past 終結: ``params["carry_over"]`` =
    {item key: reason}, blanks dropped."""
    given = params.get("carry_over") or {}
    if not isinstance(given, dict):
        return {}
    return {str(k): str(v).strip() for k, v in given.items() if str(v or "").strip()}


def _nothing_left_open(case: Case, params: dict[str, Any]) -> str | None:
    """終結 leaves nothing running: every benefit 支給中, enrolment in use and referral 依頼中
    (``hub.open_items``) is ended first, or carried over with a reason (``params["carry_over"]``)."""
    reasons = carry_over_reasons(params)
    left = [item for item in hub.open_items(case) if item.key not in reasons]
    if not left:
        return None
    listed = "、".join(f"「{item.label}」" for item in left)
    return (
        f"終了していないものがあるため終結できません：{listed}。"
        "それぞれを終了するか、終結後も続ける（引き継ぐ）理由を入力してください。"
    )


# Plans in these states went through 支援決定・確認: a case holding one cannot be 取消.
DECIDED_PLAN_STATUSES = (PlanStatus.DECIDED, PlanStatus.SUPERSEDED, PlanStatus.ENDED)


def cancel_refusals(case: Case) -> list[str]:
    """What is recorded on the case that a 取消 (opened by mistake) would hide: the cases app's own
    facts (アセスメント, a decided plan, 評価, 就労・増収, 支援経過記録; one query) and those of the
    apps above it, asked through the hub registry (payments, 支援決定, つなぎ…). Empty when the case
    may be cancelled."""
    own = {
        "インテーク・アセスメントシート": Assessment.objects.filter(case=OuterRef("pk")),
        "支援決定・確認されたプラン": SupportPlan.objects.filter(
            case=OuterRef("pk"), status__in=DECIDED_PLAN_STATUSES
        ),
        "評価シート": Evaluation.objects.filter(case=OuterRef("pk")),
        "就労・増収の実績": EmploymentOutcome.objects.filter(case=OuterRef("pk")),
        "支援経過記録": SupportRecord.objects.filter(case=OuterRef("pk")),
    }
    names = {f"has_{i}": label for i, label in enumerate(own)}
    row = (
        Case.all_cases.filter(pk=case.pk)
        .annotate(**{key: Exists(own[label]) for key, label in names.items()})
        .values(*names)
        .first()
        or {}
    )
    found = [label for key, label in names.items() if row.get(key)]
    found.extend(hub.recorded_items(case))
    return found


def _nothing_recorded(case: Case, params: dict[str, Any]) -> str | None:
    found = cancel_refusals(case)
    if found:
        return (
            "このケースには次の記録があるため取消できません："
            + "、".join(found)
            + "。誤って開いたケースだけを取消できます。支援を終える場合は終結・中断の手続きを行ってください。"
        )
    return None


# --- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[CaseState]
    target: CaseState
    guards: tuple[Guard, ...] = ()
    requires_reason: bool = False
    # Who may run it: CASE_EDIT → staff of the case's agency; DECISION_RECORD → the 自治体担当者
    # of the case's municipality.
    permission: Permission = Permission.CASE_EDIT
    # Run by another screen (the meeting outcome, the municipal decision), not a button of its own.
    via: str = ""

    @property
    def by_municipality(self) -> bool:
        return self.permission == Permission.DECISION_RECORD


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("apply", "利用申込を受け付ける", frozenset({S.INTAKE}), S.APPLIED, (_needs_application,)),
        Transition(
            "start_assessment",
            "アセスメントを開始する",
            frozenset({S.APPLIED}),
            S.ASSESSMENT,
            (_needs_application_and_consent,),
        ),
        Transition(
            "start_emergency_assessment",
            "緊急的な支援としてアセスメントを開始する（同意・申込の前）",
            frozenset({S.INTAKE}),
            S.ASSESSMENT,
            (_emergency_with_reason,),
            requires_reason=True,
        ),
        Transition(
            "end_at_screening",
            "スクリーニングで終了する",
            frozenset({S.INTAKE}),
            S.ENDED_AT_SCREENING,
            (_screening_ends,),
        ),
        Transition(
            "start_planning",
            "プラン策定に進む",
            frozenset({S.ASSESSMENT}),
            S.PLANNING,
            (_has_assessment,),
        ),
        Transition(
            "submit_to_meeting",
            "プラン（案）を支援調整会議に提出する",
            frozenset({S.PLANNING}),
            S.COORDINATION_MEETING,
            (_plan_ready_for_meeting,),
        ),
        Transition(
            "return_to_planning",
            "プラン策定に戻す（会議で修正・差戻し）",
            frozenset({S.COORDINATION_MEETING}),
            S.PLANNING,
            (_meeting_sent_back,),
            via="meeting",
        ),
        Transition(
            "decide",
            "支援決定・確認（自治体）",
            frozenset({S.COORDINATION_MEETING}),
            S.DECIDED,
            (_plan_approved,),
            permission=Permission.DECISION_RECORD,
            via="decision",
        ),
        Transition(
            "start_support",
            "支援を開始する（モニタリング）",
            frozenset({S.DECIDED}),
            S.IN_SUPPORT,
            (_plan_decided,),
        ),
        Transition("start_evaluation", "プラン評価を始める", frozenset({S.IN_SUPPORT}), S.EVALUATION),
        Transition(
            "close",
            "終結する",
            frozenset({S.EVALUATION}),
            S.CLOSED,
            (_direction(Direction.CLOSE), _nothing_left_open),
        ),
        Transition(
            "replan",
            "再プランする（再アセスメントへ）",
            frozenset({S.EVALUATION}),
            S.ASSESSMENT,
            (_direction(Direction.REPLAN),),
        ),
        Transition(
            "suspend",
            "中断する",
            frozenset({S.IN_SUPPORT, S.EVALUATION}),
            S.SUSPENDED,
            (_direction(Direction.SUSPEND), _suspension_confirmed),
            requires_reason=True,
        ),
        Transition("start_follow_up", "フォローアップを始める", frozenset({S.CLOSED}), S.FOLLOW_UP),
        Transition("end_follow_up", "フォローアップを終える", frozenset({S.FOLLOW_UP}), S.CLOSED),
        # 取消: a case opened by mistake leaves every list and statistic (Case.objects); only
        # 主任相談支援員・センター長, with a reason, and only while nothing is recorded on it. A case
        # that ended at screening counts as a 新規相談 too, so it may be cancelled as well.
        Transition(
            "cancel",
            "ケースを取消す（誤って開いたケース）",
            frozenset(UNFINISHED_STATES | {S.ENDED_AT_SCREENING}),
            S.CANCELLED,
            (_nothing_recorded,),
            requires_reason=True,
            permission=Permission.CASE_CANCEL,
        ),
    )
}


def actor_refusal(t: Transition, actor: Any, case: Case) -> str | None:
    """None if ``actor`` may run ``t`` on ``case``, else the Japanese reason."""
    if actor is None:
        return None
    if t.by_municipality:
        if not allowed(actor, Permission.DECISION_RECORD) or actor.municipality_id != case.municipality_id:
            return f"「{t.label}」は、このケースの実施主体（自治体）の担当者だけが行えます。"
        return None
    if not allowed(actor, t.permission) or actor.agency_id != case.agency_id:
        if t.permission == Permission.CASE_CANCEL:
            return f"「{t.label}」は、このケースの機関の主任相談支援員・センター長だけが行えます。"
        return f"「{t.label}」は、このケースの機関の相談支援員等だけが行えます。"
    return None


def check_transition(
    case: Case, name: str, params: dict[str, Any] | None = None, *, actor: Any = None
) -> str | None:
    """None if allowed, else the Japanese reason it is refused (state, then actor, then guards)."""
    params = params or {}
    t = TRANSITIONS.get(name)
    if t is None:
        return "その操作はありません。"
    if case.state not in t.sources:
        allowed = "、".join(CaseState(s).label for s in sorted(t.sources))
        return f"「{t.label}」は、状態が「{allowed}」のケースでのみ行えます（現在の状態：{CaseState(case.state).label}）。"
    if (msg := actor_refusal(t, actor, case)) is not None:
        return msg
    for guard in t.guards:
        if (msg := guard(case, params)) is not None:
            return msg
    if t.requires_reason and not str(params.get("reason") or "").strip():
        return f"「{t.label}」の理由を入力してください。"
    return None


def available_transitions(case: Case, actor: Any = None) -> list[tuple[Transition, str | None]]:
    """Transitions from the current state, each with the reason it is blocked (or None).

    The reason of a transition that needs one is asked by its form, so it is not a block here.
    """
    out = []
    for t in TRANSITIONS.values():
        # A button is offered only to an account whose role may run it (the 個人情報管理責任者 or
        # 監査 sees none; 取消 only the 主任・センター長); one run by another screen (``via``) is
        # still listed, as information on who does it and where.
        if not t.via and actor is not None and not allowed(actor, t.permission):
            continue
        if case.state in t.sources:
            params = {"reason": "（画面で入力）"} if t.requires_reason else {}
            out.append((t, check_transition(case, t.name, params, actor=actor)))
    return out


# --- the case page's other actions ---------------------------------------------------------------
#
# Besides the transitions, the case page offers the writes of the support process. Like the
# transitions they are a table (action, permission, when), read by the case page; the services
# check the same conditions again when the write arrives.

PlanWhen = Callable[[Case, SupportPlan | None], bool]


@dataclass(frozen=True)
class CaseAction:
    name: str
    label: str
    when: PlanWhen
    permission: Permission = Permission.CASE_EDIT


CASE_ACTIONS: dict[str, CaseAction] = {
    a.name: a
    for a in (
        CaseAction(
            "assess", "アセスメントシートを作成する", lambda case, plan: case.state in ASSESSMENT_STATES
        ),
        CaseAction(
            "new_plan",
            "プラン（案）を作成する",
            lambda case, plan: case.state == CaseState.PLANNING and plan is None,
        ),
        CaseAction(
            "edit_plan",
            "プランを編集する",
            lambda case, plan: plan is not None and plan.status in EDITABLE_PLAN_STATUSES,
        ),
        CaseAction(
            "evaluate",
            "評価シートを記録する",
            lambda case, plan: (
                plan is not None
                and plan.status == PlanStatus.DECIDED
                and case.state in (CaseState.IN_SUPPORT, CaseState.EVALUATION)
            ),
        ),
        CaseAction("assign", "担当者を変更する", lambda case, plan: True, permission=Permission.CASE_ASSIGN),
    )
}


def available_actions(case: Case, actor: Any, plan: SupportPlan | None = None) -> dict[str, bool]:
    """{action name: offered} for the case page: the actor's role allows it and the case is ready."""
    return {
        a.name: allowed(actor, a.permission) and actor.agency_id == case.agency_id and a.when(case, plan)
        for a in CASE_ACTIONS.values()
    }
