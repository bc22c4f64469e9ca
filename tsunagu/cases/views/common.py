"""What the case screens share: the signed-in account, the case fetched for a write, and the
stale-save helpers (``core.locking``: a stale save shows the other version beside the typed one)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from django.db import models
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from tsunagu.core.dates import wareki
from tsunagu.core.locking import DiffRow, diff_rows, field_labels, model_values, parse_version
from tsunagu.organizations.guards import require
from tsunagu.organizations.roles import Permission

from .. import selectors
from ..models import Case

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


def actor(request: HttpRequest) -> User:
    """The signed-in staff account (every page needs a login: StaffLoginRequiredMiddleware)."""
    return cast("User", request.user)


def case_for_writing(request: HttpRequest, case_id: int) -> Case:
    """The case, for a page that writes on it: CASE_EDIT (refusal audited), then the scope (404)."""
    user = actor(request)
    require(user, Permission.CASE_EDIT, path=request.path)
    return selectors.case_get_for_user(user=user, case_id=case_id, audit=False)


def shown_with(labels: Mapping[str, Mapping[str, str]] | None = None) -> Callable[[str, Any], str]:
    """``shown(field, value)`` for ``core.locking.diff_rows``: 和暦 dates, code labels per field."""
    labels = labels or {}

    def shown(field: str, value: Any) -> str:
        names = labels.get(field)
        if value in (None, "", [], {}):
            return "（空欄）"
        if isinstance(value, bool):
            return "あり" if value else "なし"
        if isinstance(value, datetime):
            return f"{wareki(timezone.localtime(value).date())} {timezone.localtime(value):%H:%M}"
        if isinstance(value, date):
            return wareki(value)
        if isinstance(value, list):
            return "、".join((names or {}).get(str(v), str(v)) for v in value)
        if names is not None:
            return names.get(str(value), str(value))
        return str(value)

    return shown


def stale_rows(
    model: type[models.Model],
    current: models.Model,
    typed: Mapping[str, Any],
    fields: Iterable[str],
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> list[DiffRow]:
    """(項目, 他の職員が保存した内容, あなたの入力) for every field of ``fields`` where they differ."""
    fields = list(fields)
    return diff_rows(model_values(current, fields), typed, field_labels(model, fields), shown_with(labels))


def posted_version(form: Any, field: str = "version") -> int:
    """The version the bound form carried; a form without it is refused (``VersionMissingError``)."""
    return parse_version(form.data.get(form.add_prefix(field)), field)


def seen_version(form: Any, field: str, value: Any) -> None:
    """After a stale save, the form carries the other version's number: saving again overwrites knowingly."""
    data = cast(QueryDict, form.data).copy()
    data[form.add_prefix(field)] = str(value)
    form.data = data


def idempotency_key(form: Any = None) -> str:
    """The hidden key of a create form (二重送信の防止, ``core.idempotency``): the one the form was
    sent with after a validation error, else a new one."""
    sent = form.data.get("idempotency_key") if form is not None and form.is_bound else None
    return str(sent) if sent else uuid.uuid4().hex
