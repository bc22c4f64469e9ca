"""Bulk insertion of plain rows: COPY on PostgreSQL, batched executemany on SQLite.

Rows are tuples in the order of ``Table.columns`` (every concrete column of the model), with ids
chosen by the generator. On PostgreSQL the foreign keys and the secondary indexes of the tables
being loaded are dropped first and re-created at the end: the database then validates every
foreign key and every (partial) unique index in one pass each, instead of row by row, which is
what makes tier M load in minutes. CHECK constraints and triggers stay in force during COPY.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction

SQLITE_BATCH = 5000


class Table:
    """One model's columns, defaults and buffered rows."""

    def __init__(self, model: type[models.Model], defaults: dict[str, Any] | None = None) -> None:
        self.model = model
        self.name = model._meta.db_table
        fields = model._meta.concrete_fields
        self.columns = [str(f.column) for f in fields]
        self.json_columns = {f.column for f in fields if isinstance(f, models.JSONField)}
        self.datetime_columns = {f.column for f in fields if isinstance(f, models.DateTimeField)}
        self.date_columns = {
            f.column
            for f in fields
            if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField)
        }
        self.defaults: dict[str, Any] = {}
        for f in fields:
            column = str(f.column)
            if f.has_default() and not callable(f.default):
                self.defaults[column] = f.default
            elif f.null:
                self.defaults[column] = None
            elif isinstance(f, models.CharField | models.TextField) and f.blank:
                self.defaults[column] = ""
        for key, value in (defaults or {}).items():
            self.defaults[key] = value
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0
        self._json_positions = [i for i, c in enumerate(self.columns) if c in self.json_columns]

    def add(self, values: dict[str, Any]) -> None:
        try:
            row = [values[c] if c in values else self.defaults[c] for c in self.columns]
        except KeyError as exc:  # a required column the generator forgot: fail loudly
            raise KeyError(f"{self.name}.{exc.args[0]} has no value") from exc
        for i in self._json_positions:
            row[i] = json.dumps(row[i], ensure_ascii=False, separators=(",", ":"))
        self.rows.append(tuple(row))


class BulkWriter:
    """Writes ``Table`` buffers to the database in dependency order."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self._restore: list[str] = []
        self._prepared: set[str] = set()

    # --- PostgreSQL: drop FKs and secondary indexes while loading -----------------------------

    def prepare(self, tables: Iterable[Table]) -> None:
        if self.vendor != "postgresql":
            return
        with connection.cursor() as cur:
            # Rows written earlier in this transaction (the demo organisations, or a test's data) may
            # have deferred foreign-key checks pending; PostgreSQL refuses ALTER TABLE on such a
            # table until they have run, so run them now.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                if table.name in self._prepared:
                    continue
                self._prepared.add(table.name)
                cur.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f'",
                    [table.name],
                )
                for name, definition in cur.fetchall():
                    self._restore.append(f'ALTER TABLE "{table.name}" ADD CONSTRAINT "{name}" {definition}')
                    cur.execute(f'ALTER TABLE "{table.name}" DROP CONSTRAINT "{name}"')
                cur.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                    [table.name],
                )
                for name, definition in cur.fetchall():
                    self._restore.insert(0, definition)  # indexes before the FKs that use them
                    cur.execute(f"DROP INDEX {name}")

    def restore(self, progress: Any = None) -> None:
        """Re-create the indexes, then re-add (and so validate) the foreign keys."""
        if self.vendor != "postgresql" or not self._restore:
            return
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
            for i, statement in enumerate(self._restore, 1):
                if progress is not None and (i == 1 or i % 20 == 0 or i == len(self._restore)):
                    progress(f"  索引・外部キーを再作成 {i}/{len(self._restore)}")
                cur.execute(statement)
            cur.execute("RESET maintenance_work_mem")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
        self._restore = []

    # --- Writing --------------------------------------------------------------------------------

    def flush(self, tables: Iterable[Table]) -> None:
        # One transaction for all tables: foreign keys are checked at commit (plans and
        # evaluations refer to each other on re-planning).
        with transaction.atomic():
            self._flush(tables)

    def _flush(self, tables: Iterable[Table]) -> None:
        for table in tables:
            if not table.rows:
                continue
            try:
                if self.vendor == "postgresql":
                    self._copy(table)
                else:
                    self._insert(table)
            except Exception as exc:
                exc.add_note(f"while writing {len(table.rows):,} rows to {table.name}")
                raise
            table.count += len(table.rows)
            table.rows = []

    def _copy(self, table: Table) -> None:
        cols = ", ".join(f'"{c}"' for c in table.columns)
        with connection.cursor() as cur:
            raw = cur.connection.cursor()
            with raw.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:  # type: ignore[arg-type]
                for row in table.rows:
                    copy.write_row(row)

    def _insert(self, table: Table) -> None:
        ops = connection.ops
        conv: list[Any] = []
        for c in table.columns:
            if c in table.datetime_columns:
                conv.append(ops.adapt_datetimefield_value)
            elif c in table.date_columns:
                conv.append(ops.adapt_datefield_value)
            else:
                conv.append(None)
        converting = [(i, f) for i, f in enumerate(conv) if f is not None]
        cols = ", ".join(f'"{c}"' for c in table.columns)
        marks = ", ".join(["%s"] * len(table.columns))
        sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})'  # noqa: S608 — names from model meta
        with connection.cursor() as cur:
            for start in range(0, len(table.rows), SQLITE_BATCH):
                batch = []
                for row in table.rows[start : start + SQLITE_BATCH]:
                    values = list(row)
                    for i, f in converting:
                        if values[i] is not None:
                            values[i] = f(values[i])
                    batch.append(values)
                cur.executemany(sql, batch)

    def reset_sequences(self, tables: Iterable[Table]) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables])
        with connection.cursor() as cur:
            for statement in statements:
                cur.execute(statement)

    def analyze(self, tables: Iterable[Table]) -> None:
        with connection.cursor() as cur:
            if self.vendor == "postgresql" and not connection.in_atomic_block:
                for table in tables:
                    cur.execute(f'VACUUM (ANALYZE) "{table.name}"')
            elif self.vendor == "postgresql":  # inside a test's transaction: VACUUM is not allowed
                for table in tables:
                    cur.execute(f'ANALYZE "{table.name}"')
            else:
                cur.execute("ANALYZE")


def next_id(model: type[models.Model]) -> int:
    """The first free id of ``model`` (ids are assigned by the generator, then sequences reset)."""
    last = model._base_manager.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0) + 1


def as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value
