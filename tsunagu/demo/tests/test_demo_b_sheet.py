"""The demo data set: every 申込票 carries its B票 (仕事, 住居, 健康保険, 年金) from the default lists."""

from __future__ import annotations

import pytest

from tsunagu.cases.models import Intake
from tsunagu.core.default_codes import DEFAULT_CODES
from tsunagu.demo.extra import B_SHEETS, PERSONS

B_FIELDS = ("work_status", "housing_type", "health_insurance", "pension_status")


def test_one_b_sheet_per_demo_person_in_the_default_lists() -> None:
    assert len(B_SHEETS) == len(PERSONS)
    for b in B_SHEETS:
        assert set(b) == set(B_FIELDS)
        for key, code in b.items():
            assert code in {c for c, _ in DEFAULT_CODES[key]}, (key, code)
    # varied: not every person the same story
    assert len({tuple(sorted(b.items())) for b in B_SHEETS}) > 1


@pytest.mark.django_db
def test_every_demo_intake_has_its_b_sheet(demo: dict[str, int]) -> None:
    rows = {name: values for name, *values in Intake.objects.values_list("case__person__name", *B_FIELDS)}
    assert len(rows) == len(PERSONS)
    for person, b in zip(PERSONS, B_SHEETS, strict=True):
        assert rows[person[2]] == [b[k] for k in B_FIELDS], person[2]
