"""Rules as data with a clock: the seeded tables, versions by effective date, edits by the officer only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tsunagu.core.models import AuditEvent
from tsunagu.organizations.models import Municipality
from tsunagu.programs import selectors, services
from tsunagu.programs.models import HousingBenefitRuleTable, JobSearchRequirement
from tsunagu.programs.seed import RULE_ROWS, SEED_EFFECTIVE_FROM, seed_housing_benefit_demo

pytestmark = pytest.mark.django_db


def _muni(code: str) -> Municipality:
    return Municipality.objects.get(code=code)


def _row(code: str, size: int, on: date = date(2025, 4, 1)) -> HousingBenefitRuleTable:
    row = selectors.rule_in_force(municipality=_muni(code), household_size=size, on=on)
    assert row is not None
    return row


def test_seeded_shinjuku_and_hasuda_figures(hb: Any) -> None:
    expected = {
        ("131041", 1): (84_000, 53_700, 504_000),
        ("131041", 2): (130_000, 64_000, 780_000),
        ("131041", 3): (172_000, 69_800, 1_000_000),
        ("112381", 1): (78_000, 37_000, 468_000),
        ("112381", 2): (115_000, 44_000, 690_000),
        ("112381", 3): (140_000, 48_000, 840_000),
        ("112381", 4): (175_000, 48_000, 1_000_000),
    }
    for (code, size), (base, cap, assets) in expected.items():
        row = _row(code, size)
        assert (row.base_amount, row.rent_cap, row.asset_limit) == (base, cap, assets)
        assert row.effective_from == SEED_EFFECTIVE_FROM
        assert row.source
    assert sum(len(v) for v in RULE_ROWS.values()) == len(expected)


def test_seed_is_idempotent(hb: Any) -> None:
    before = HousingBenefitRuleTable.objects.count(), JobSearchRequirement.objects.count()
    assert seed_housing_benefit_demo() == {"rules": 0, "job_search": 0}
    assert (HousingBenefitRuleTable.objects.count(), JobSearchRequirement.objects.count()) == before


def test_job_search_thresholds_by_effective_date(hb: Any) -> None:
    shinjuku = _muni("131041")
    relaxed = selectors.job_search_requirement_in_force(
        municipality=shinjuku, cause="job_loss", on=date(2022, 12, 1)
    )
    normal = selectors.job_search_requirement_in_force(
        municipality=shinjuku, cause="job_loss", on=date(2023, 4, 1)
    )
    assert relaxed is not None and normal is not None
    assert (relaxed.counselling_min, relaxed.applications_min, relaxed.applications_per) == (1, 1, "month")
    assert (normal.centre_consultations_min, normal.counselling_min, normal.applications_per) == (
        4,
        2,
        "week",
    )
    assert (
        selectors.job_search_requirement_in_force(
            municipality=shinjuku, cause="job_loss", on=date(2022, 1, 1)
        )
        is None
    )


def test_no_row_in_force_before_the_first_effective_date(hb: Any) -> None:
    assert (
        selectors.rule_in_force(municipality=_muni("131041"), household_size=1, on=date(2023, 3, 31)) is None
    )
    with pytest.raises(ValidationError) as exc:
        selectors.rule_for_assessment(municipality=_muni("131041"), household_size=1, on=date(2023, 3, 31))
    assert "application_date" in exc.value.message_dict


def test_missing_household_size_names_the_field(hb: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        selectors.rule_for_assessment(municipality=_muni("131041"), household_size=5, on=date(2025, 4, 1))
    assert "5人世帯" in exc.value.message_dict["household_size"][0]


def test_officer_adds_a_new_version_and_the_old_one_is_kept(hb: Any, staff: Callable[[str], Any]) -> None:
    officer = staff("shinjuku-jichitai")
    shinjuku = _muni("131041")
    old = _row("131041", 1)
    new = services.housing_rule_add(
        actor=officer,
        municipality=shinjuku,
        household_size=1,
        effective_from=date(2026, 4, 1),
        base_amount=92_000,
        rent_cap=53_700,
        source="令和8年度 基準額改定（試験）",
        note="給与所得控除の見直しに伴う改定",
    )
    assert new.asset_limit == 552_000  # min(92,000 × 6, 1,000,000)
    assert _row("131041", 1, date(2026, 3, 31)).pk == old.pk
    assert _row("131041", 1, date(2026, 4, 1)).pk == new.pk
    assert HousingBenefitRuleTable.objects.filter(pk=old.pk, base_amount=84_000).exists()
    assert AuditEvent.objects.filter(object_type="housingbenefitruletable", object_id=str(new.pk)).exists()

    # A correction on the same date is a new revision; as known before it, the old row answers.
    moment = timezone.now()
    fixed = services.housing_rule_add(
        actor=officer,
        municipality=shinjuku,
        household_size=1,
        effective_from=date(2026, 4, 1),
        base_amount=91_000,
        rent_cap=53_700,
        source="同上（訂正）",
        note="入力誤りの訂正",
    )
    assert fixed.revision == 2
    assert _row("131041", 1, date(2026, 5, 1)).pk == fixed.pk
    as_known = selectors.rule_in_force(
        municipality=shinjuku, household_size=1, on=date(2026, 5, 1), known_at=moment
    )
    assert as_known is not None and as_known.pk == new.pk


def test_rows_cannot_be_changed_in_place(hb: Any) -> None:
    row = _row("131041", 1)
    row.base_amount = 1
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        HousingBenefitRuleTable.objects.filter(pk=row.pk).update(base_amount=1)
    with pytest.raises(PermissionError):
        row.delete()


def test_database_refuses_update_of_a_rule_row(hb: Any) -> None:
    from django.db import connection

    row = _row("131041", 1)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE programs_housingbenefitruletable SET base_amount = 1 WHERE id = %s", [row.pk])


def test_rule_edit_needs_rules_edit_and_own_municipality(hb: Any, staff: Callable[[str], Any]) -> None:
    values: dict[str, Any] = {
        "household_size": 1,
        "effective_from": date(2026, 4, 1),
        "base_amount": 92_000,
        "rent_cap": 53_700,
        "source": "x",
        "note": "y",
    }
    with pytest.raises(PermissionDenied):
        services.housing_rule_add(actor=staff("shinjuku-center"), municipality=_muni("131041"), **values)
    with pytest.raises(PermissionDenied):
        services.housing_rule_add(actor=staff("hasuda-jichitai"), municipality=_muni("131041"), **values)
    assert AuditEvent.objects.filter(action="access_denied", actor=staff("hasuda-jichitai")).exists()


def test_rule_edit_mistypes_get_japanese_messages(hb: Any, staff: Callable[[str], Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        services.housing_rule_add(
            actor=staff("shinjuku-jichitai"),
            municipality=_muni("131041"),
            household_size=1,
            effective_from=date(2026, 4, 1),
            base_amount=-5,
            rent_cap=0,
            asset_limit=None,
            source="",
        )
    errors = exc.value.message_dict
    assert set(errors) >= {"base_amount", "rent_cap", "source"}
    with pytest.raises(ValidationError) as exc:
        services.housing_rule_add(
            actor=staff("shinjuku-jichitai"),
            municipality=_muni("131041"),
            household_size=1,
            effective_from=date(2026, 4, 1),
            base_amount=84_000,
            rent_cap=53_700,
            asset_limit=600_000,
            source="x",
            note="y",
        )
    assert "504,000円" in exc.value.message_dict["asset_limit"][0]
    with pytest.raises(ValidationError) as exc:
        services.housing_rule_add(
            actor=staff("shinjuku-jichitai"),
            municipality=_muni("131041"),
            household_size=1,
            effective_from=date(2026, 4, 1),
            base_amount=84_000,
            rent_cap=53_700,
            source="x",
        )
    assert "note" in exc.value.message_dict


def test_asset_limit_constraint_in_the_database(hb: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        HousingBenefitRuleTable.objects.create(
            municipality=_muni("131041"),
            household_size=9,
            effective_from=date(2025, 1, 1),
            base_amount=100_000,
            rent_cap=50_000,
            asset_limit=1_000_001,
            source="x",
        )


def test_municipal_job_search_rule_overrides_national_from_its_date(
    hb: Any, staff: Callable[[str], Any]
) -> None:
    own = services.job_search_requirement_add(
        actor=staff("shinjuku-jichitai"),
        municipality=_muni("131041"),
        cause="job_loss",
        effective_from=date(2024, 1, 1),
        centre_consultations_min=4,
        counselling_min=1,
        applications_min=1,
        applications_per="month",
        source="新宿区独自の運用（試験）",
    )
    found = selectors.job_search_requirement_in_force(
        municipality=_muni("131041"), cause="job_loss", on=date(2024, 6, 1)
    )
    assert found is not None and found.pk == own.pk
    other = selectors.job_search_requirement_in_force(
        municipality=_muni("112381"), cause="job_loss", on=date(2024, 6, 1)
    )
    assert other is not None and other.municipality_id is None
