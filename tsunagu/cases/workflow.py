"""The case state machine (ケースの状態遷移): named transitions with guards.

The same table serves the UI and the API (services.case_transition). A guard returns a
Japanese explanation when the transition is not allowed, or None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tsunagu.privacy.selectors import consent_in_force

from .models import Case, CaseState

S = CaseState
Guard = Callable[[Case, dict[str, Any]], str | None]


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


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[CaseState]
    target: CaseState
    guards: tuple[Guard, ...] = ()
    requires_reason: bool = False


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
    )
}


def check_transition(case: Case, name: str, params: dict[str, Any] | None = None) -> str | None:
    """None if allowed, else the Japanese reason it is refused."""
    params = params or {}
    t = TRANSITIONS.get(name)
    if t is None:
        return "その操作はありません。"
    if case.state not in t.sources:
        allowed = "、".join(CaseState(s).label for s in sorted(t.sources))
        return f"「{t.label}」は、状態が「{allowed}」のケースでのみ行えます（現在の状態：{CaseState(case.state).label}）。"
    for guard in t.guards:
        if (msg := guard(case, params)) is not None:
            return msg
    return None


def available_transitions(case: Case) -> list[tuple[Transition, str | None]]:
    """Transitions from the current state, each with the reason it is blocked (or None)."""
    return [(t, check_transition(case, t.name)) for t in TRANSITIONS.values() if case.state in t.sources]
