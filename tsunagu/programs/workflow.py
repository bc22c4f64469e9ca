"""The 住居確保給付金 lifecycle as a table (支給の手続きの状態遷移), like ``cases/workflow.py``.

One row per action: its name, the Japanese label of its button, the states it may start from, the
state it leads to, the permission it needs, whose record it is (the 自治体担当者 of the
application's municipality, or the staff of the centre that took the application), a guard that
explains in Japanese why it is not possible now, and the message a service gives when the
application is not in one of the states. The services check the table under the row lock
(``check_state``); the detail page's buttons and ``selectors.housing_actions_for`` come from
``available_actions``; the API calls the same services. docs/programs-housing-benefit.md shows the
table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from . import housing_rules as hr
from .models import ApplicationState, BenefitType, ExtensionState, HousingBenefitApplication

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

S = ApplicationState
Guard = Callable[[HousingBenefitApplication], str | None]

MUNICIPALITY = "municipality"  # 実施主体の自治体担当者
CENTRE = "centre"  # 申請を受け付けた自立相談支援機関


def _months_left_to_pay(app: HousingBenefitApplication) -> str | None:
    if app.payments.count() >= app.months_awarded:
        return "支給決定した月の支給はすべて記録済みです。"
    return None


def _pending_extension(app: HousingBenefitApplication) -> str | None:
    if not app.extensions.filter(state=ExtensionState.PENDING).exists():
        return "決定待ちの延長申請がありません。"
    return None


def _rent(app: HousingBenefitApplication) -> str | None:
    if app.benefit_type != BenefitType.RENT or app.first_month is None:
        return "家賃補助の支給期間についてだけ記録できます。"
    return None


def _extension_possible(app: HousingBenefitApplication) -> str | None:
    why = _rent(app)
    if why:
        return why
    if app.extensions.filter(state=ExtensionState.PENDING).exists():
        return "決定待ちの延長申請があります。"
    approved = app.extensions.filter(state=ExtensionState.APPROVED).count()
    if approved >= hr.MAX_EXTENSIONS or app.months_awarded + hr.EXTENSION_MONTHS > hr.MAX_PERIOD_MONTHS:
        return "延長は2回まで（3か月ずつ、通算9か月まで）です。これ以上延長できません。"
    return None


@dataclass(frozen=True)
class HousingAction:
    name: str
    label: str
    sources: frozenset[ApplicationState]
    target: str  # the state it leads to ("" when the state stays)
    permission: Permission
    side: str  # MUNICIPALITY or CENTRE
    refused: str  # the service's message when the application is not in ``sources``
    guard: Guard | None = None
    style: str = "button"


ACTIONS: tuple[HousingAction, ...] = (
    HousingAction(
        "decision",
        "支給決定・不支給を記録する",
        frozenset({S.APPLIED}),
        f"{S.AWARDED} / {S.REJECTED}",
        Permission.DECISION_RECORD,
        MUNICIPALITY,
        "この申請は既に決定済みです。",
    ),
    HousingAction(
        "payment",
        "支給（代理納付）を記録する",
        frozenset({S.AWARDED, S.STOPPED, S.ENDED}),
        "",
        Permission.DECISION_RECORD,
        MUNICIPALITY,
        "支給中の申請ではありません。",
        _months_left_to_pay,
    ),
    HousingAction(
        "report",
        "求職活動状況報告を記録する",
        frozenset({S.AWARDED, S.STOPPED, S.ENDED}),
        "",
        Permission.CASE_EDIT,
        CENTRE,
        "支給中の家賃補助についてのみ報告を記録できます。",
        _rent,
    ),
    HousingAction(
        "extension_apply",
        "延長を申請する",
        frozenset({S.AWARDED}),
        "",
        Permission.CASE_EDIT,
        CENTRE,
        "支給中の家賃補助だけが延長できます。",
        _extension_possible,
        "button button--secondary",
    ),
    HousingAction(
        "extension_decide",
        "延長を決定する",
        frozenset({S.AWARDED}),
        "",
        Permission.DECISION_RECORD,
        MUNICIPALITY,
        "支給中の申請ではありません。",
        _pending_extension,
    ),
    HousingAction(
        "end",
        "支給を終了する",
        frozenset({S.AWARDED}),
        S.ENDED,
        Permission.DECISION_RECORD,
        MUNICIPALITY,
        "支給中の申請だけを終了できます。",
        None,
        "button button--secondary",
    ),
    HousingAction(
        "stop",
        "支給を中止する",
        frozenset({S.AWARDED}),
        S.STOPPED,
        Permission.DECISION_RECORD,
        MUNICIPALITY,
        "支給中の申請だけを中止できます。",
        None,
        "button button--danger",
    ),
)
ACTION: dict[str, HousingAction] = {a.name: a for a in ACTIONS}


def actor_may(action: HousingAction, actor: User | None, app: HousingBenefitApplication) -> bool:
    """The permission, and the record is the actor's (their municipality, or their centre)."""
    if actor is None or not guards.allowed(actor, action.permission):
        return False
    if action.side == MUNICIPALITY:
        return bool(actor.municipality_id) and actor.municipality_id == app.municipality_id
    return bool(actor.agency_id) and actor.agency_id == app.agency_id


def available_actions(actor: User | None, app: HousingBenefitApplication) -> list[HousingAction]:
    """The actions this actor may start on this application now, in the table's order."""
    return [
        a
        for a in ACTIONS
        if app.state in a.sources and actor_may(a, actor, app) and (a.guard is None or a.guard(app) is None)
    ]


def check_state(name: str, app: HousingBenefitApplication) -> None:
    """Refuse (``ValidationError``) unless the table allows ``name`` from the application's state.
    Services call it on the locked row."""
    action = ACTION[name]
    if app.state not in action.sources:
        raise ValidationError(action.refused, code="transition_not_allowed")
