"""The rule tables refuse UPDATE and DELETE in the database itself, on both engines (raw SQL)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from tsunagu.programs.models import HousingBenefitRuleTable, JobSearchRequirement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [HousingBenefitRuleTable, JobSearchRequirement])
def test_raw_update_and_delete_of_rule_rows_are_refused(demo: Any, model: Any) -> None:
    table = model._meta.db_table
    assert model.objects.exists(), "the demo municipalities have rule rows"
    for sql in (
        f"UPDATE {table} SET note = 'x'",  # noqa: S608
        f"DELETE FROM {table}",  # noqa: S608
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert model.objects.exists()
