"""SQLite for the test suite only: the test runner's flush keeps the append-only triggers.

Transactional tests (the live-server browser tests, ``transactional_db``) end with Django's
``flush``, which on SQLite empties each table with ``DELETE FROM``. The append-only triggers
(``core_auditevent`` and the other 追記のみ tables) refuse exactly that. This backend's flush drops
the triggers of the tables it empties, deletes, and re-creates them from their own stored SQL, in
the same transaction. Nothing else changes: a DELETE or UPDATE outside the flush is refused as
in production. Production settings never name this backend (``config/settings/test.py`` does).
See ``docs/audit.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Iterable[str], *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        tables = list(tables)
        statements: list[str] = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not statements:
            return statements
        placeholders = ", ".join(["%s"] * len(tables))
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "  # noqa: S608 - placeholders only
                f"AND tbl_name IN ({placeholders}) ORDER BY name",
                tables,
            )
            triggers = cursor.fetchall()
        drops = [f"DROP TRIGGER {self.quote_name(name)}" for name, _ in triggers]
        creates = [sql for _, sql in triggers]
        return [*drops, *statements, *creates]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
