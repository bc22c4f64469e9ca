"""Optimistic locking and change history (楽観的ロック・変更履歴): the one kit for every editable record.

An editable record is a ``VersionedModel`` (``core.models``): its ``version`` goes up by one on
every save through a service. An edit works like this, the same in every app:

1. the form or the API body carries the version the user opened (``version``); a form without it
   is refused (``VersionMissingError``), never treated as "the current version";
2. the service locks the row (``lock``), compares (``check_version``) and refuses a stale save with
   ``StaleVersionError``, which carries the record as saved in the meantime — nothing is written;
3. the screen shows that version beside what the user typed (``diff_rows`` → the template
   ``includes/stale.html``); saving again from that page means "I have seen their version";
4. the API answers 422 with the stale message under the version field (as every refused input), so
   the client reads the current record again before it retries.

``changes`` builds the {field: [before, after]} map that the audit row of an update keeps, so that
earlier values stay readable in the history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

STALE_MESSAGE = (
    "この情報は、あなたが画面を開いた後に他の職員によって更新されました。"
    "最新の内容を確認してから、もう一度保存してください。"
)
VERSION_MISSING_MESSAGE = "画面の版情報がありません。画面を開き直してから、もう一度保存してください。"


class StaleVersionError(ValidationError):
    """Someone else saved the record after it was opened. ``current`` is their version."""

    def __init__(self, current: Any, message: str = STALE_MESSAGE) -> None:
        super().__init__(message, code="stale")
        self.current = current


class VersionMissingError(ValidationError):
    """An edit arrived without the version it was based on (a form without its version field)."""

    def __init__(self, field: str = "version") -> None:
        super().__init__({field: VERSION_MISSING_MESSAGE}, code="version_missing")


def lock[M: models.Model](instance_or_queryset: M | models.QuerySet[M], pk: Any = None) -> M:
    """The row, locked for the rest of the transaction (``SELECT … FOR UPDATE`` on PostgreSQL;
    SQLite's immediate transactions lock the database)."""
    if isinstance(instance_or_queryset, models.QuerySet):
        return instance_or_queryset.select_for_update().get(pk=pk)
    inst = instance_or_queryset
    return type(inst)._default_manager.select_for_update().get(pk=inst.pk)


def parse_version(value: Any, field: str = "version") -> int:
    """The version a form or body carried, as an int; missing or malformed → ``VersionMissingError``."""
    if value is None or value == "":
        raise VersionMissingError(field)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise VersionMissingError(field) from None
    if number < 0:
        raise VersionMissingError(field)
    return number


def check_version(locked: Any, expected: Any, *, field: str = "version", attr: str = "version") -> None:
    """Refuse unless ``expected`` (what the user opened) is the locked row's current version."""
    if parse_version(expected, field) != getattr(locked, attr):
        raise StaleVersionError(locked)


def bump(instance: Any) -> None:
    """The next version; call just before ``save()`` in the service that checked it."""
    instance.version = (instance.version or 0) + 1


@dataclass(frozen=True)
class DiffRow:
    """One differing field: its label, the saved value and the typed value, as display text."""

    label: str
    theirs: str
    mine: str

    def __iter__(self) -> Any:
        return iter((self.label, self.theirs, self.mine))

    def __len__(self) -> int:  # templates unpack rows: {% for label, theirs, mine in rows %}
        return 3

    def __getitem__(self, index: int) -> str:
        return (self.label, self.theirs, self.mine)[index]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple | set) or isinstance(b, list | tuple | set):
        return sorted(map(str, a or [])) == sorted(map(str, b or []))
    if isinstance(a, str) or isinstance(b, str):
        return str(a or "").strip() == str(b or "").strip()
    return (a if a not in ("", None) else None) == (b if b not in ("", None) else None)


def diff_rows(
    theirs: Mapping[str, Any],
    mine: Mapping[str, Any],
    labels: Mapping[str, str],
    shown: Callable[[str, Any], str],
) -> list[DiffRow]:
    """(項目, 他の職員が保存した内容, あなたの入力) for every field in ``labels`` where the two differ.

    ``theirs``/``mine`` map field names to values; ``shown(field, value)`` turns a value into text
    (和暦 dates, category labels…).
    """
    return [
        DiffRow(str(label), shown(name, theirs.get(name)), shown(name, mine.get(name)))
        for name, label in labels.items()
        if not _same(theirs.get(name), mine.get(name))
    ]


def model_values(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` (foreign keys as their objects)."""
    return {f: getattr(instance, f) for f in fields}


def field_labels(model: type[models.Model], fields: Iterable[str]) -> dict[str, str]:
    """Each field's verbose name, in order."""
    return {f: str(getattr(model._meta.get_field(f), "verbose_name", f)) for f in fields}


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str | dict):
        return value
    return str(value)


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields that changed, JSON-ready, for the audit row."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in after
        if not _same(before.get(name), after.get(name))
    }
