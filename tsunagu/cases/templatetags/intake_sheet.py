"""申込票 B票 on the case page (``cases/case_detail.html``): the four items' labels and the
person's 世帯構成, read from the 世帯 records (``cases.intake_sheet``). The case was read through
``case_get_for_user`` by the view; this adds one query (the household) and no code query (the
区分マスタ are read once per request, ``core.codes``)."""

from __future__ import annotations

from typing import Any

from django import template

from tsunagu.cases.intake_sheet import b_sheet_rows, household_rows

register = template.Library()


@register.simple_tag
def intake_b_sheet(intake: Any) -> dict[str, Any]:
    """``{% intake_b_sheet intake as b %}``: ``b.rows`` (項目名, label) and ``b.household``."""
    case = intake.case
    return {
        "rows": b_sheet_rows(intake, case.municipality_id),
        "household": household_rows(case.person),
    }
