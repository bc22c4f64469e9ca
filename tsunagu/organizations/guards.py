"""Guards: the one mechanism that decides whether an account may *do* something (権限の確認).

``scoping.py`` decides which records an account may see; this module decides which actions it
may take, on which records. Every refusal — from a view, an API operation or a service — goes
through ``deny``: it writes exactly one ``ACCESS_DENIED`` audit row and raises ``AccessDenied``,
which the screens answer with the Japanese 403 page (``core.views.permission_denied``) and the
API with ``{"detail": "…"}`` and status 403 (``api.errors``). No app writes its own check.

- ``require(actor, permission)``: the role table (``roles.PERMISSIONS``) grants it;
- ``require_any(actor, *permissions)``: one of them is granted (pages shared by several roles);
- ``require_agency_of(actor, obj)``: the record belongs to the actor's own agency (a write on
  another centre's record is refused even where the record could be seen through 共同実施);
- ``require_municipality_of(actor, obj)``: the actor is a staff member of the record's
  municipality (実施主体) — decisions, rule tables;
- ``permission_required(*permissions)``: the view decorator (any one of them).

Which records a read may return is *not* decided here: selectors use ``scope_for_user`` and
``get_for_user_or_404`` (404 for absent and not-yours alike).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction

from .roles import Permission

if TYPE_CHECKING:
    from .models import User

FORBIDDEN = "この操作を行う権限がありません。"


class AccessDenied(PermissionDenied):
    """The one refusal. Raised only by ``deny``, so that every refusal is audited once."""

    def __init__(self, message: str = FORBIDDEN, *, reason: str = "no_permission") -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


def deny(
    actor: User | Any,
    *,
    permission: Permission | None = None,
    reason: str = "no_permission",
    message: str = FORBIDDEN,
    obj: models.Model | None = None,
    person_id: int | None = None,
    **details: Any,
) -> NoReturn:
    """Audit one refusal and raise ``AccessDenied``. ``details`` are kept in the audit row;
    ``person_id`` names the person concerned when ``obj`` does not (a refused disclosure)."""
    row: dict[str, Any] = {"reason": reason}
    if permission is not None:
        row["permission"] = Permission(permission).value
    row.update({k: v for k, v in details.items() if v is not None})
    audit_record(
        actor=actor,
        action=AuditAction.ACCESS_DENIED,
        obj=obj,
        person_id=person_id,
        details=row,
    )
    raise AccessDenied(message, reason=reason)


def allowed(actor: User | Any, permission: Permission) -> bool:
    """True when ``actor`` holds ``permission`` (no audit: for showing or hiding a button)."""
    can = getattr(actor, "can", None)
    return bool(can and can(permission))


def require(actor: User | Any, permission: Permission, **details: Any) -> None:
    """Refuse (audited) unless the role table grants ``permission`` to ``actor``."""
    if not allowed(actor, permission):
        deny(actor, permission=permission, **details)


def require_any(actor: User | Any, *permissions: Permission, **details: Any) -> None:
    """Refuse (audited) unless ``actor`` holds at least one of ``permissions``."""
    if not any(allowed(actor, p) for p in permissions):
        deny(
            actor,
            permission=permissions[0] if permissions else None,
            any_of=[p.value for p in permissions],
            **details,
        )


def _agency_id(obj: Any) -> Any:
    return obj if isinstance(obj, int) else getattr(obj, "agency_id", None)


def _municipality_id(obj: Any) -> Any:
    return obj if isinstance(obj, int) else getattr(obj, "municipality_id", None)


def require_agency_of(
    actor: User | Any,
    obj: models.Model | int,
    permission: Permission | None = None,
    *,
    message: str = FORBIDDEN,
    **details: Any,
) -> None:
    """Refuse (audited) unless ``obj`` (a record, or an agency id) belongs to the actor's agency;
    with ``permission``, that permission is required first."""
    if permission is not None:
        require(actor, permission, **details)
    agency_id = _agency_id(obj)
    if not getattr(actor, "agency_id", None) or agency_id != actor.agency_id:
        deny(
            actor,
            permission=permission,
            reason="other_agency",
            message=message,
            obj=obj if isinstance(obj, models.Model) else None,
            **details,
        )


def require_municipality_of(
    actor: User | Any,
    obj: models.Model | int,
    permission: Permission | None = None,
    *,
    message: str = FORBIDDEN,
    **details: Any,
) -> None:
    """Refuse (audited) unless the actor belongs to the municipality of ``obj`` (a record with a
    ``municipality_id``, or a municipality id); with ``permission``, that permission first."""
    if permission is not None:
        require(actor, permission, **details)
    municipality_id = _municipality_id(obj)
    if not getattr(actor, "municipality_id", None) or municipality_id != actor.municipality_id:
        deny(
            actor,
            permission=permission,
            reason="other_municipality",
            message=message,
            obj=obj if isinstance(obj, models.Model) else None,
            **details,
        )


def permission_required(
    *permissions: Permission,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """View decorator: the request's user must hold one of ``permissions`` (refusal audited, 403)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require_any(request.user, *permissions, path=request.path)
            return view(request, *args, **kwargs)

        wrapped.required_permissions = permissions  # type: ignore[attr-defined]
        return wrapped

    return decorator
