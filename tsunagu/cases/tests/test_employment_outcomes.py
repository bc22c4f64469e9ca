"""就労・増収の実績: recorded through the service (screen and API), counted by the statistics."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tsunagu.cases import services
from tsunagu.cases.models import CaseState, EmploymentOutcome
from tsunagu.cases.tests.process import case_at, user
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.statistics.indicators import Area, Period, compute

pytestmark = pytest.mark.django_db


def test_record_is_audited_and_counted_in_the_month(demo: Any) -> None:
    case = case_at(CaseState.IN_SUPPORT)
    today = timezone.localdate()
    o = services.employment_outcome_record(
        actor=user("shinjuku-soudan"),
        case=case,
        values={
            "kind": "employed",
            "occurred_on": today,
            "employment_type": "パート",
            "employer": "スーパー",
        },
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="employmentoutcome", object_id=str(o.pk)
    ).exists()
    month = compute(Area.municipality(case.municipality), Period.month(today.year, today.month)).by_code()
    assert month["employed"].value == 1
    # The plan of case_at is not an 就労支援対象 plan: not in the うち.
    assert month["employed_target"].value == 0


def test_dates_outside_the_case_are_refused(demo: Any) -> None:
    case = case_at(CaseState.IN_SUPPORT)
    actor = user("shinjuku-soudan")
    with pytest.raises(ValidationError) as exc:
        services.employment_outcome_record(
            actor=actor,
            case=case,
            values={"kind": "employed", "occurred_on": case.opened_on - timedelta(days=1)},
        )
    assert "受付日以降" in str(exc.value)
    with pytest.raises(ValidationError):
        services.employment_outcome_record(
            actor=actor,
            case=case,
            values={"kind": "employed", "occurred_on": timezone.localdate() + timedelta(days=1)},
        )
    with pytest.raises(ValidationError):
        services.employment_outcome_record(
            actor=actor, case=case, values={"kind": "promoted", "occurred_on": timezone.localdate()}
        )
    with pytest.raises(PermissionDenied):
        services.employment_outcome_record(
            actor=user("hasuda-soudan"),
            case=case,
            values={"kind": "employed", "occurred_on": timezone.localdate()},
        )
    assert not EmploymentOutcome.objects.exists()


def test_screen_keeps_what_was_typed_on_error(demo: Any, login: Any) -> None:
    case = case_at(CaseState.IN_SUPPORT)
    client = login("shinjuku-soudan")
    r = client.post(
        f"/cases/{case.pk}/outcomes/new/",
        {"kind": "employed", "occurred_on": "令和99年1月1日", "employer": "株式会社つなぐ"},
    )
    assert r.status_code == 200
    assert "株式会社つなぐ" in r.content.decode()
    r = client.post(
        f"/cases/{case.pk}/outcomes/new/",
        {
            "kind": "income_increased",
            "occurred_on": timezone.localdate().isoformat(),
            "monthly_income_increase": "20000",
        },
    )
    assert r.status_code == 302
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "増収" in page and "+20000円" in page
    assert login("hasuda-soudan").get(f"/cases/{case.pk}/outcomes/new/").status_code == 404


def test_api(demo: Any, login: Any) -> None:
    case = case_at(CaseState.IN_SUPPORT)
    client = login("shinjuku-soudan")
    url = f"/api/v1/cases/{case.pk}/employment-outcomes"
    r = client.post(
        url,
        json.dumps({"kind": "employed", "occurred_on": str(timezone.localdate())}),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["kind_ja"].startswith("就労")
    assert r.json()["income_recheck_url"] == ""  # no 住居確保給付金 支給中 on this case
    bad = client.post(
        url, json.dumps({"kind": "employed", "occurred_on": "2000-01-01"}), content_type="application/json"
    )
    assert bad.status_code == 422 and "occurred_on" in bad.json()["errors"]
    assert [o["kind"] for o in client.get(url).json()] == ["employed"]
    assert login("hasuda-soudan").get(url).status_code == 404


def test_plan_flag_for_employment_support(demo: Any, login: Any) -> None:
    case = case_at(CaseState.PLANNING)
    from tsunagu.cases.tests.process import plan_values

    plan = services.plan_create(
        actor=user("shinjuku-soudan"), case=case, values=plan_values(employment_support_target=True), goals=[]
    )
    assert plan.employment_support_target is True
    page = login("shinjuku-soudan").get(f"/cases/{case.pk}/plans/{plan.pk}/").content.decode()
    assert "対象（就労支援を行う）" in page
