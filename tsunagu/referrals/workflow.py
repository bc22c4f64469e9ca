"""The path of a つなぎ as one table (like ``cases/workflow.py``), read by the service, the screens and
the API.

Each row: the action (named by the state it leads to), the states it starts from, the state it
leads to, the permission it needs, its guard (what must be written for it; Japanese messages per
field) and the button label. 依頼中 → 受理 / 不受理 → 支援中 → 完了, and 取消 from any open state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from .models import Referral, ReferralOutcome, ReferralStatus
from .policies import outcome_code_errors

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

R = ReferralStatus
Guard = Callable[[Referral, dict[str, str]], dict[str, str]]


def _declined_needs_reason(referral: Referral, given: dict[str, str]) -> dict[str, str]:
    if not (given.get("outcome", "").strip() or given.get("note", "").strip()):
        return {"outcome": "不受理の理由（先方の説明）を記入してください。"}
    return {}


def _cancel_needs_reason(referral: Referral, given: dict[str, str]) -> dict[str, str]:
    if not given.get("note", "").strip():
        return {"note": "取り消す理由を記入してください。"}
    return {}


def _completed_needs_outcome(referral: Referral, given: dict[str, str]) -> dict[str, str]:
    if not (given.get("outcome_code") or given.get("outcome", "").strip()):
        return {"outcome_code": "完了時は結果を記録してください。"}
    return {}


@dataclass(frozen=True)
class ReferralTransition:
    action: str
    from_states: tuple[str, ...]
    to_state: str
    permission: Permission
    guard: Guard | None
    label: str
    secondary: bool = False


TRANSITIONS: tuple[ReferralTransition, ...] = (
    ReferralTransition(R.ACCEPTED, (R.REQUESTED,), R.ACCEPTED, Permission.CASE_EDIT, None, "受理された"),
    ReferralTransition(
        R.DECLINED, (R.REQUESTED,), R.DECLINED, Permission.CASE_EDIT, _declined_needs_reason, "不受理だった"
    ),
    ReferralTransition(
        R.IN_SUPPORT, (R.ACCEPTED,), R.IN_SUPPORT, Permission.CASE_EDIT, None, "支援が始まった"
    ),
    ReferralTransition(
        R.COMPLETED,
        (R.ACCEPTED, R.IN_SUPPORT),
        R.COMPLETED,
        Permission.CASE_EDIT,
        _completed_needs_outcome,
        "完了を記録する",
    ),
    ReferralTransition(
        R.CANCELLED,
        (R.REQUESTED, R.ACCEPTED, R.IN_SUPPORT),
        R.CANCELLED,
        Permission.CASE_EDIT,
        _cancel_needs_reason,
        "取り消す",
        secondary=True,
    ),
)


def transitions_from(status: str) -> list[ReferralTransition]:
    return [t for t in TRANSITIONS if status in t.from_states]


def transition_to(status: str, to_status: str) -> ReferralTransition | None:
    return next((t for t in transitions_from(status) if t.to_state == to_status), None)


def available_transitions(referral: Referral, actor: User | Any) -> list[ReferralTransition]:
    """The buttons to show: the actions from the current state whose permission the actor holds
    (and only on the actor's own agency's referral)."""
    if getattr(actor, "agency_id", None) != referral.agency_id:
        return []
    return [t for t in transitions_from(referral.status) if guards.allowed(actor, t.permission)]


def guard_errors(referral: Referral, to_status: str, given: dict[str, str]) -> dict[str, str]:
    """Refusals by the table: not a state, not reachable from here, or the guard's messages."""
    if to_status not in ReferralStatus.values:
        return {"to_status": "状態の値が正しくありません。"}
    t = transition_to(referral.status, to_status)
    if t is None:
        return {
            "to_status": (
                f"「{ReferralStatus(referral.status).label}」から「{ReferralStatus(to_status).label}」には変更できません。"
            )
        }
    return t.guard(referral, given) if t.guard is not None else {}


def referral_status_errors(
    referral: Referral, to_status: str, *, outcome_code: str = "", outcome: str = "", note: str = ""
) -> dict[str, str]:
    """The table's refusals (``guard_errors``) and the outcome's (``policies.outcome_code_errors``)."""
    errors = guard_errors(
        referral, to_status, {"outcome_code": outcome_code, "outcome": outcome, "note": note}
    )
    if "to_status" in errors:
        return errors
    if outcome_code and outcome_code not in ReferralOutcome.values:
        errors["outcome_code"] = "結果の値が正しくありません。"
    errors.update(outcome_code_errors(referral, outcome_code))
    return errors


# Derived views of the table, for the form's choices.
STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    s: tuple(t.to_state for t in transitions_from(s)) for s in ReferralStatus.values
}
STATUS_ACTION_LABELS: dict[str, str] = {t.to_state: t.label for t in TRANSITIONS}
