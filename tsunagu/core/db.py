"""SQL functions the ORM lacks, written once for both engines (SQLite and PostgreSQL).

Lists of codes (相談したいこと, 抱える課題, 決定した事業) are stored as JSON arrays of strings. The
statistics count and group them in the database, so they need "does the array hold this code" and
"how many codes are in it" as SQL expressions; the creaming guard needs days between two dates.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class JSONArrayLength(models.Func):
    """Number of elements of a JSON array column (0 for NULL)."""

    function = "json_array_length"
    template = "COALESCE(%(function)s(%(expressions)s), 0)"
    output_field = models.IntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="jsonb_array_length", **extra)


class JSONArrayContains(models.Func):
    """True when the JSON array column holds the string ``value``."""

    template = "EXISTS (SELECT 1 FROM json_each(%(expressions)s))"
    arg_joiner = ") WHERE json_each.value = ("
    output_field = models.BooleanField()
    conditional = True

    def __init__(self, expression: Any, value: str) -> None:
        super().__init__(expression, models.Value(value))

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="jsonb_exists(%(expressions)s)", arg_joiner=", ", **extra
        )


class DaysBetween(models.Func):
    """Whole days from ``start`` to ``end`` (two date expressions); NULL if either is NULL."""

    template = "CAST(julianday(%(expressions)s) AS INTEGER)"
    arg_joiner = ") - julianday("
    output_field = models.IntegerField()

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="((%(expressions)s)::date)", arg_joiner=")::date - (", **extra
        )
