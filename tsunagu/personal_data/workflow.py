"""The states of a retention review (保存期間の確認): one transition table, read by the service,
the screen and the task."""

from __future__ import annotations

from dataclasses import dataclass

from tsunagu.organizations.roles import Permission

from .models import ReviewStatus


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    permission: Permission | None
    label: str


S = ReviewStatus
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "approve",
            frozenset({S.PENDING}),
            S.APPROVED,
            Permission.RETENTION_APPROVE,
            "承認して廃棄を実行する",
        ),
        Transition("start", frozenset({S.APPROVED, S.FAILED}), S.RUNNING, None, "実行を開始"),
        Transition("finish", frozenset({S.RUNNING}), S.DONE, None, "実行を完了"),
        Transition("fail", frozenset({S.RUNNING}), S.FAILED, None, "実行に失敗"),
    )
}

# Items may be excluded or put back only while the review waits for approval.
EDITABLE = frozenset({S.PENDING})


def allowed(action: str, status: str) -> bool:
    return status in TRANSITIONS[action].sources
