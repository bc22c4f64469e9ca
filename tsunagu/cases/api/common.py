"""What the case API operations share: the signed-in account, the case as returned, the case
fetched for an operation, staff ids, the documented error answers and the bad-input checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest

from tsunagu.core.bounds import MAX_DB_ID
from tsunagu.core.locking import StaleVersionError, parse_version
from tsunagu.organizations.models import User

from .. import selectors
from ..models import Case, CaseState
from ..schemas import CaseApiErrorOut, CaseApiInvalidInputOut

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

# Every answer an operation may give besides its success (api.errors): 401 without a login or
# token, 403 refused (audited), 404 absent or not yours, 422 bad input or a stale version.
ERRORS: dict[int, Any] = {
    401: CaseApiErrorOut,
    403: CaseApiErrorOut,
    404: CaseApiErrorOut,
    422: CaseApiInvalidInputOut,
}
# The largest value an integer column holds (core.bounds); larger ids are simply absent.
MAX_ID = MAX_DB_ID
NULL_MESSAGE = "null は指定できません。"


def actor(request: HttpRequest) -> User:
    """The account of the request (every operation needs a token or a session: api.auth)."""
    return cast("User", request.user)


def case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "case_number": case.case_number,
        "person_id": case.person_id,
        "person_name": case.person.name,
        "person_kana": case.person.kana,
        "state": case.state,
        "state_ja": CaseState(case.state).label,
        "assigned_worker": str(case.assigned_worker) if case.assigned_worker_id else "",
        "opened_on": case.opened_on,
        "is_emergency": case.is_emergency,
        "version": case.version,
    }


def _stale(exc: StaleVersionError, field: str = "version") -> ValidationError:
    current = exc.current
    number = (
        getattr(current, "number", None) if field == "based_on_number" else getattr(current, "version", None)
    )
    suffix = f"（現在の版：{number}）" if number is not None else ""
    return ValidationError({field: exc.messages[0] + suffix})


def body_version(value: Any, field: str = "version") -> int:
    """The version a body carried; a body without it is refused (``VersionMissingError``, 422)."""
    return parse_version(value, field)


def refuse_nulls(values: Mapping[str, Any], model: type[models.Model], fields: Iterable[str]) -> None:
    """A PATCH body with ``null`` for a field the record cannot leave empty → 422, never 500."""
    errors = {
        name: NULL_MESSAGE
        for name in fields
        if name in values and values[name] is None and not model._meta.get_field(name).null
    }
    if errors:
        raise ValidationError(errors)


def _case_for_api(request: HttpRequest, case_id: int, *, audit: bool = False) -> Case:
    return selectors.case_get_for_user(user=actor(request), case_id=case_id, audit=audit)


def _staff(request: HttpRequest, case: Case, staff_id: int | None, field: str) -> Any:
    if staff_id is None:
        return None
    staff = (
        User.objects.case_staff_of(case.agency_id).filter(pk=staff_id).first()
        if 0 < staff_id <= MAX_ID
        else None
    )
    if staff is None:
        raise ValidationError({field: "同じ機関の職員を指定してください。"})
    return staff
