"""事業計画 services: create and update in one transaction with an audit row, refusals, stale saves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.organizations.models import Agency, Municipality
from tsunagu.planning import services
from tsunagu.planning.models import AnnualPlan, AnnualTarget

from .helpers import PLAN_VALUES, TARGETS, make_plan

pytestmark = pytest.mark.django_db


def test_centre_director_creates_the_plan_of_their_agency(staff: Any) -> None:
    director = staff("shinjuku-center")
    plan = make_plan(director)
    assert (plan.agency_id, plan.municipality_id, plan.fiscal_year, plan.version) == (
        director.agency_id,
        director.agency.municipality_id,
        2025,
        1,
    )
    assert plan.structure_lines == [
        "主任相談支援員1名、相談支援員2名、就労支援員1名を配置する",
        "養成研修を全員が修了する",
    ]
    assert plan.employment_income_rate_target == Decimal("75.0")
    rows = {t.indicator: (t.annual_count, t.rate_percent) for t in plan.targets.all()}
    assert rows == {
        "new_consultations": (12, None),
        "plans_created": (6, Decimal("50.0")),
        "employed": (4, None),
    }
    event = AuditEvent.objects.get(object_type="annualplan", object_id=str(plan.pk))
    assert (event.action, event.actor_id, event.agency_id) == (
        AuditAction.CREATE,
        director.pk,
        director.agency_id,
    )
    assert event.details["targets"] == ["employed", "new_consultations", "plans_created"]


def test_one_plan_per_agency_and_year(staff: Any) -> None:
    director = staff("shinjuku-center")
    make_plan(director)
    with pytest.raises(ValidationError) as exc:
        make_plan(director)
    assert "すでにあります" in str(exc.value)
    assert AnnualPlan.objects.count() == 1
    make_plan(director, fiscal_year=2026)  # another 年度 is fine
    assert AnnualPlan.objects.count() == 2


def test_year_before_the_act_is_refused(staff: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        make_plan(staff("shinjuku-center"), fiscal_year=2014)
    assert "平成27年度" in str(exc.value)
    assert not AnnualPlan.objects.exists()


def test_municipal_officer_plans_for_an_agency_serving_the_municipality(staff: Any) -> None:
    officer = staff("shinjuku-jichitai")
    agency = Agency.objects.get(municipality__slug="shinjuku")
    plan = make_plan(officer, agency=agency)
    assert plan.agency_id == agency.pk
    # 共同実施: an agency whose main municipality is another one but which serves 新宿区 too.
    hasuda_agency = Agency.objects.get(municipality__slug="hasuda")
    with pytest.raises(PermissionDenied):
        make_plan(officer, agency=hasuda_agency)
    hasuda_agency.served_municipalities.add(Municipality.objects.get(slug="shinjuku"))
    assert make_plan(officer, agency=hasuda_agency).agency_id == hasuda_agency.pk


@pytest.mark.parametrize(
    "username", ["shinjuku-shunin", "shinjuku-soudan", "shinjuku-kansa", "shinjuku-privacy"]
)
def test_only_directors_and_municipal_officers_edit(staff: Any, username: str) -> None:
    with pytest.raises(PermissionDenied) as exc:
        make_plan(staff(username), agency=staff("shinjuku-center").agency)
    assert "権限" in str(exc.value)
    assert (
        not AnnualPlan.objects.exists() and not AuditEvent.objects.filter(object_type="annualplan").exists()
    )


def test_director_cannot_write_another_agencys_plan(staff: Any) -> None:
    with pytest.raises(PermissionDenied):
        make_plan(staff("shinjuku-center"), agency=staff("hasuda-center").agency)
    plan = make_plan(staff("hasuda-center"))
    with pytest.raises(PermissionDenied):
        services.annual_plan_update(
            actor=staff("shinjuku-center"), plan=plan, values=PLAN_VALUES, targets=[], expected_version=1
        )
    plan.refresh_from_db()
    assert plan.version == 1 and plan.targets.count() == 3


def test_update_replaces_contents_and_targets_and_bumps_the_version(staff: Any) -> None:
    director = staff("shinjuku-center")
    plan = make_plan(director)
    officer = staff("shinjuku-jichitai")
    updated = services.annual_plan_update(
        actor=officer,
        plan=plan,
        values=PLAN_VALUES | {"community_items": "協議会を年3回開く", "employment_income_rate_target": ""},
        targets=[
            {"indicator": "new_consultations", "annual_count": 15, "rate_percent": None},
            {"indicator": "employed", "annual_count": 4, "rate_percent": None},
        ],
        expected_version=1,
    )
    assert (updated.version, updated.updated_by_id, updated.created_by_id) == (2, officer.pk, director.pk)
    assert updated.community_lines == ["協議会を年3回開く"] and updated.employment_income_rate_target is None
    assert dict(AnnualTarget.objects.filter(plan=plan).values_list("indicator", "annual_count")) == {
        "new_consultations": 15,
        "employed": 4,
    }
    event = AuditEvent.objects.get(object_type="annualplan", action=AuditAction.UPDATE)
    assert event.details["fields"] == ["community_items", "employment_income_rate_target"]
    assert event.details["targets"] == ["new_consultations", "plans_created"]
    assert event.details["version"] == 2


def test_stale_update_is_refused_and_writes_nothing(staff: Any) -> None:
    director = staff("shinjuku-center")
    plan = make_plan(director)
    services.annual_plan_update(
        actor=staff("shinjuku-jichitai"),
        plan=plan,
        values=PLAN_VALUES | {"notes": "自治体が先に保存"},
        targets=TARGETS,
        expected_version=1,
    )
    with pytest.raises(services.StaleVersionError) as exc:
        services.annual_plan_update(
            actor=director,
            plan=plan,
            values=PLAN_VALUES | {"notes": "古い版からの保存"},
            targets=[],
            expected_version=1,
        )
    assert exc.value.current.version == 2 and exc.value.current.notes == "自治体が先に保存"
    plan.refresh_from_db()
    assert plan.notes == "自治体が先に保存" and plan.targets.count() == 3
    assert AuditEvent.objects.filter(object_type="annualplan", action=AuditAction.UPDATE).count() == 1


def test_bad_targets_are_keyed_to_their_fields(staff: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.annual_plan_create(
            actor=staff("shinjuku-center"),
            agency=staff("shinjuku-center").agency,
            fiscal_year=2025,
            values=PLAN_VALUES | {"employment_income_rate_target": "120"},
            targets=[
                {"indicator": "new_consultations", "annual_count": -1},
                {"indicator": "hb_stops", "annual_count": 2, "rate_percent": "10"},  # no base for a rate
                {"indicator": "plans_created", "annual_count": 5, "rate_percent": "33.33"},
                {"indicator": "no_such_indicator", "annual_count": 1},
            ],
        )
    errors = exc.value.message_dict
    assert set(errors) == {"employment_income_rate_target"}  # the plan's own fields are checked first
    with pytest.raises(ValidationError) as exc:
        services.annual_plan_create(
            actor=staff("shinjuku-center"),
            agency=staff("shinjuku-center").agency,
            fiscal_year=2025,
            values=PLAN_VALUES,
            targets=[
                {"indicator": "new_consultations", "annual_count": -1},
                {"indicator": "hb_stops", "annual_count": 2, "rate_percent": "10"},
                {"indicator": "plans_created", "annual_count": 5, "rate_percent": "33.33"},
                {"indicator": "no_such_indicator", "annual_count": 1},
                {"indicator": "employed", "annual_count": None, "rate_percent": "20"},
            ],
        )
    errors = exc.value.message_dict
    assert "0以上の整数" in errors["target_new_consultations"][0]
    assert "割合の目標を設定できません" in errors["rate_hb_stops"][0]
    assert "小数点以下1桁" in errors["rate_plans_created"][0]
    assert "no_such_indicator" in errors["__all__"][0]
    assert "年間の目標値も入力" in errors["target_employed"][0]
    assert not AnnualPlan.objects.exists()
