"""Error answers of the API, in Japanese and in one shape: ``{"detail": "…", "errors": {field: [...]}}``.

``install_error_handlers(api)`` registers them on a ``NinjaAPI``; ``validation_errors_ja`` turns
ninja's (pydantic's) error list into ``{field: [Japanese message, ...]}`` and is the helper later
endpoints reuse when they validate something themselves.

Field names: the request part (``body`` / ``query`` / ``path`` / ``form`` …) is dropped, nested
fields are joined with dots (``address.postal_code``, ``tags.0``). For the body, the operation's
parameter name (``payload``) is dropped too, because the client's JSON does not contain it — house
style is one typed ``XxxIn`` schema per operation, so the body is exactly that schema.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from tsunagu.organizations.guards import FORBIDDEN as FORBIDDEN  # the one message (re-exported)

if TYPE_CHECKING:
    from ninja import NinjaAPI

INVALID_INPUT = "入力内容に誤りがあります。"
NOT_FOUND = "お探しの情報は見つかりませんでした。"
UNAUTHENTICATED = "認証が必要です（ログイン、またはAPIトークン）。"
CSRF_FAILED = "CSRFトークンが正しくありません。画面を再読み込みしてから操作してください（APIトークンの利用時は不要です）。"
BAD_BODY = "リクエスト本文を読み取れません。JSONの形式を確認してください。"
THROTTLED = "リクエストが多すぎます。しばらく待ってから再度お試しください。"
OUT_OF_RANGE = "数値が大きすぎるか小さすぎます（扱える範囲を超えています）。"
FALLBACK = "入力内容が正しくありません。"
TYPE_ERROR = "形式が正しくありません。"
REQUIRED_MISSING = "必須項目が入力されていません（空欄にできない項目に値がありません）。"

logger = logging.getLogger(__name__)

# A NOT NULL violation: SQLite's message, PostgreSQL's SQLSTATE (not_null_violation).
_SQLITE_NOT_NULL = "NOT NULL constraint failed"
_PG_NOT_NULL = "23502"


def is_not_null_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    return (
        str(exc).startswith(_SQLITE_NOT_NULL)
        or getattr(cause, "sqlstate", getattr(cause, "pgcode", None)) == _PG_NOT_NULL
    )


_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})

# pydantic error type → message; ``{name}`` is filled from the error's ``ctx``.
_MESSAGES: dict[str, str] = {
    "missing": "必須項目です。",
    "missing_argument": "必須項目です。",
    "extra_forbidden": "この項目は指定できません。",
    "json_invalid": "JSONの形式が正しくありません。",
    "string_too_short": "{min_length}文字以上で入力してください。",
    "string_too_long": "{max_length}文字以内で入力してください。",
    "too_short": "{min_length}件以上指定してください。",
    "too_long": "{max_length}件以内で指定してください。",
    "greater_than": "{gt}より大きい値を入力してください。",
    "greater_than_equal": "{ge}以上の値を入力してください。",
    "less_than": "{lt}より小さい値を入力してください。",
    "less_than_equal": "{le}以下の値を入力してください。",
    "multiple_of": "{multiple_of}の倍数を入力してください。",
    "string_pattern_mismatch": TYPE_ERROR,
    "enum": "選択肢にない値です。",
    "literal_error": "選択肢にない値です。",
    "date_past": "過去の日付を入力してください。",
    "date_future": "未来の日付を入力してください。",
}
# Type errors by the kind of value expected (``int_parsing``, ``date_from_datetime_parsing`` …).
_TYPE_MESSAGES: dict[str, str] = {
    "int": "整数で入力してください。",
    "float": "数値で入力してください。",
    "decimal": "数値で入力してください。",
    "bool": "true または false で指定してください。",
    "date": "日付の形式が正しくありません（例：2025-04-01）。",
    "datetime": "日時の形式が正しくありません（例：2025-04-01T09:00:00+09:00）。",
    "time": "時刻の形式が正しくありません（例：09:30）。",
}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


def _field_name(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        source, parts = parts[0], parts[1:]
        if source == "body" and len(parts) > 1:
            parts = parts[1:]  # the operation's body parameter name (e.g. "payload")
    return ".".join(parts) or NON_FIELD_ERRORS


def error_message_ja(error: Mapping[str, Any]) -> str:
    """One pydantic/ninja error → a Japanese sentence for the person who typed the value."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        # Our own validators raise ValueError with a Japanese message: show it; anything else
        # (a library's English text) gets the generic sentence.
        own = str(ctx.get("error", ""))
        return own if _JAPANESE.search(own) else TYPE_ERROR
    if kind in _MESSAGES:
        try:
            return _MESSAGES[kind].format(**ctx)
        except (KeyError, IndexError, ValueError):
            return FALLBACK
    if kind.endswith(("_type", "_parsing")) or "_from_" in kind:
        base = kind.split("_", 1)[0]
        return _TYPE_MESSAGES.get(base, TYPE_ERROR)
    return FALLBACK


def validation_errors_ja(errors: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """ninja's ``ValidationError.errors`` → ``{"field": ["…", …]}`` in Japanese, first-seen order."""
    result: dict[str, list[str]] = {}
    for error in errors:
        messages = result.setdefault(_field_name(error.get("loc", ())), [])
        message = error_message_ja(error)
        if message not in messages:
            messages.append(message)
    return result


def invalid_input_body(errors: dict[str, list[str]]) -> dict[str, Any]:
    """The body of every 422 answer."""
    return {"detail": INVALID_INPUT, "errors": errors}


# Messages that ninja itself raises in English, by their beginning.
_NINJA_HTTP_MESSAGES = {
    "Cannot parse request body": BAD_BODY,
    "CSRF check Failed": CSRF_FAILED,
}


def install_error_handlers(api: NinjaAPI) -> None:
    """Register the Japanese error answers (401/403/404/422/429, and ninja's own 400s); a number
    beyond what the database holds, or a null for a NOT NULL column, is 422, not 500."""

    def respond(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, {"detail": NOT_FOUND}, 404)

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        message = str(exc) if isinstance(exc, PermissionDenied) and str(exc) else FORBIDDEN
        return respond(request, {"detail": message}, 403)

    def unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, {"detail": UNAUTHENTICATED}, 401)

    def throttled(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, {"detail": THROTTLED}, 429)

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        message = str(exc)
        for english, japanese in _NINJA_HTTP_MESSAGES.items():
            if message.startswith(english):
                message = japanese
                break
        return respond(request, {"detail": message}, exc.status_code)

    def invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return respond(request, invalid_input_body(validation_errors_ja(exc.errors)), 422)

    def invalid_domain(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # A service refused the data (full_clean, a constraint): its messages are already Japanese.
        errors: dict[str, list[str]] = (
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
        return respond(request, invalid_input_body(errors), 422)

    def out_of_range(request: HttpRequest, exc: Any) -> HttpResponse:
        # The safety net for a number the database cannot hold (an id or a count beyond 64 bits):
        # SQLite raises OverflowError, PostgreSQL a DataError (numeric value out of range). The
        # request is refused as invalid input, never answered with 500.
        return respond(request, invalid_input_body({NON_FIELD_ERRORS: [OUT_OF_RANGE]}), 422)

    def null_in_required(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
        # The safety net for a null that reached a NOT NULL column (a schema that should have refused
        # it): logged as the defect it is, answered as invalid input. Any other integrity error stays
        # a server error.
        if not is_not_null_violation(exc):
            raise exc
        logger.error("NOT NULL violation reached the database: %s", exc)
        return respond(request, invalid_input_body({NON_FIELD_ERRORS: [REQUIRED_MISSING]}), 422)

    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(IntegrityError, null_in_required)  # type: ignore[arg-type]
    api.add_exception_handler(OverflowError, out_of_range)
    api.add_exception_handler(DataError, out_of_range)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(AuthorizationError, forbidden)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(Throttled, throttled)
    api.add_exception_handler(HttpError, http_error)  # type: ignore[arg-type]
    api.add_exception_handler(NinjaValidationError, invalid_request)  # type: ignore[arg-type]
    api.add_exception_handler(DjangoValidationError, invalid_domain)  # type: ignore[arg-type]
