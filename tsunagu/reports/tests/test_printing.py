"""The printing mechanism itself (reports/printing.py): an unknown form and a case out of scope are
404, the API lists only a case the account may see, and a missing value prints as a blank line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.template import Context, Template

from tsunagu.cases.models import CaseState
from tsunagu.cases.tests.process import case_at
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.reports.printing import FORMS, form_url

pytestmark = pytest.mark.django_db


def test_an_unknown_form_or_a_case_out_of_scope_is_404_and_prints_nothing(
    login: Callable[[str], Any], api_as: Callable[[str], Any]
) -> None:
    case = case_at(CaseState.ASSESSMENT)  # 新宿区
    name = next(iter(FORMS))
    assert login("shinjuku-soudan").get(form_url(case, "no-such-form")).status_code == 404
    assert login("hasuda-soudan").get(form_url(case, name)).status_code == 404  # another agency
    assert api_as("hasuda-soudan").get(f"/api/v1/cases/{case.pk}/forms").status_code == 404
    assert api_as("hasuda-soudan").get(f"/api/v1/cases/{case.pk}/forms/{name}").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.PRINT).exists()
    listed = api_as("shinjuku-soudan").get(f"/api/v1/cases/{case.pk}/forms")
    assert listed.status_code == 200
    for row in listed.json():
        assert row["name"] in FORMS and row["url"] == form_url(case, row["name"])
        assert row["api_url"] == f"/api/v1/cases/{case.pk}/forms/{row['name']}"


def test_a_missing_value_is_a_blank_line_never_none() -> None:
    html = Template(
        "{% load reports_print %}[{{ v|blank }}][{{ w|blank }}][{{ n|yen|blank }}][{{ m|mark }}]"
    ).render(Context({"v": None, "w": "記入あり", "n": None, "m": None}))
    assert "None" not in html
    assert html.count('class="blank"') == 2 and "[記入あり]" in html and "[]" in html
