"""基準額表の確定: a whole table prepared for a date, reviewed beside the table in force, confirmed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tsunagu.organizations.models import Municipality
from tsunagu.programs import housing_rules as hr
from tsunagu.programs import services
from tsunagu.programs.lookups import rule_for_assessment
from tsunagu.programs.models import HousingBenefitRuleTable, HousingRuleDraft, HousingRuleDraftStatus

pytestmark = pytest.mark.django_db

NEXT = date(2027, 4, 1)


def _rows(base: int = 90_000) -> list[dict[str, Any]]:
    return [
        {
            "household_size": 1,
            "base_amount": base,
            "rent_cap": 55_000,
            "asset_limit": None,
            "grade_area": "1-1",
        },
        {
            "household_size": 2,
            "base_amount": 135_000,
            "rent_cap": 66_000,
            "asset_limit": 800_000,
            "grade_area": "1-1",
        },
        {
            "household_size": 3,
            "base_amount": 175_000,
            "rent_cap": 71_000,
            "asset_limit": 1_000_000,
            "grade_area": "1-1",
            "applies_to_larger": True,
        },
    ]


def _propose(officer: Any, **kw: Any) -> HousingRuleDraft:
    args: dict[str, Any] = {
        "actor": officer,
        "municipality": Municipality.objects.get(code="131041"),
        "effective_from": NEXT,
        "rows": _rows(),
        "source": "新宿区住居確保給付金支給要綱 別表（令和9年改正）",
        "note": "年度の改定",
    }
    args.update(kw)
    return services.housing_rule_table_propose(**args)


def test_draft_review_approve_and_calculation_by_date(hb: Any, staff: Any) -> None:
    officer = staff("shinjuku-jichitai")
    before = HousingBenefitRuleTable.objects.count()
    draft = _propose(officer)
    assert draft.status == HousingRuleDraftStatus.DRAFT
    assert HousingBenefitRuleTable.objects.count() == before  # nothing in force before 確定
    assert draft.rows[0]["asset_limit"] == 540_000  # 基準額×6
    diffs = services.housing_rule_table_review(draft)
    assert diffs[0].current is not None and diffs[0].current.base_amount == 84_000
    assert "base_amount" in diffs[0].changed
    written = services.housing_rule_table_approve(actor=officer, draft=draft, version=draft.version)
    assert len(written) == 3 and HousingBenefitRuleTable.objects.count() == before + 3
    draft.refresh_from_db()
    assert draft.status == HousingRuleDraftStatus.APPROVED and draft.decided_by == officer
    shinjuku = draft.municipality
    old = rule_for_assessment(municipality=shinjuku, household_size=1, on=date(2027, 3, 31))
    new = rule_for_assessment(municipality=shinjuku, household_size=1, on=NEXT)
    assert (old.base_amount, new.base_amount) == (84_000, 90_000)
    assert new.grade_area == "1-1"
    # The amount (家賃 − (収入 − 基準額), at most the 家賃上限) follows the row of its date.
    assert hr.monthly_amount(income=100_000, rent=60_000, rules=new.as_rules(), on=NEXT) == 50_000
    assert (
        hr.monthly_amount(income=100_000, rent=60_000, rules=old.as_rules(), on=date(2027, 3, 31)) == 44_000
    )
    # 3人以上 covers 5 persons from the date.
    assert rule_for_assessment(municipality=shinjuku, household_size=5, on=NEXT).base_amount == 175_000
    with pytest.raises(ValidationError, match="既に確定"):
        services.housing_rule_table_approve(actor=officer, draft=draft)


def test_checks_of_the_rows(hb: Any, staff: Any) -> None:
    officer = staff("shinjuku-jichitai")
    bad = _rows()
    bad[1]["asset_limit"] = 900_000  # > 6 × 135,000? no (810,000) → refused
    with pytest.raises(ValidationError) as exc:
        _propose(officer, rows=bad)
    assert "row_2_asset_limit" in exc.value.message_dict
    gap = [r for r in _rows() if r["household_size"] != 2]
    with pytest.raises(ValidationError) as exc:
        _propose(officer, rows=gap)
    assert "rows" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _propose(officer, source="")
    assert "source" in exc.value.message_dict
    assert not HousingRuleDraft.objects.exists()


def test_only_the_officer_of_the_municipality(hb: Any, staff: Any) -> None:
    with pytest.raises(PermissionDenied):
        _propose(staff("hasuda-jichitai"))
    with pytest.raises(PermissionDenied):
        _propose(staff("shinjuku-center"))
    draft = _propose(staff("shinjuku-jichitai"))
    with pytest.raises(PermissionDenied):
        services.housing_rule_table_approve(actor=staff("hasuda-jichitai"), draft=draft)


def test_screens_prepare_review_approve(hb: Any, login: Any) -> None:
    client = login("shinjuku-jichitai")
    data = {
        "effective_from": "令和9年4月1日",
        "grade_area": "1-1",
        "last_applies_to_larger": "on",
        "source": "新宿区住居確保給付金支給要綱 別表",
        "note": "",
        "row_1_base_amount": "90,000",
        "row_1_rent_cap": "55000",
        "row_2_base_amount": "135000",
        "row_2_rent_cap": "66000",
    }
    response = client.post("/programs/housing-benefit/rules/table/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = HousingRuleDraft.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "変更" in page and "84,000円" in page and "90,000円" in page
    listing = client.get("/programs/housing-benefit/rules/").content.decode()
    assert "確定を待っている基準額表" in listing
    response = client.post(
        f"/programs/housing-benefit/rules/table/{draft.pk}/", {"action": "approve", "version": draft.version}
    )
    assert response.status_code == 302
    listing = client.get("/programs/housing-benefit/rules/").content.decode()
    assert "適用予定（令和9年4月1日から）" in listing and "適用中" in listing
    # Another municipality's officer gets 404 for the draft.
    other = login("hasuda-jichitai")
    assert other.get(f"/programs/housing-benefit/rules/table/{draft.pk}/").status_code == 404


def test_invalid_screen_input_is_shown_again(hb: Any, login: Any) -> None:
    client = login("shinjuku-jichitai")
    response = client.post(
        "/programs/housing-benefit/rules/table/new/",
        {
            "effective_from": "令和9年4月1日",
            "source": "要綱",
            "row_1_base_amount": "90000",
            "row_2_rent_cap": "1",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="90000"' in page
    assert "1行目の家賃上限を入力してください" in page
    assert not HousingRuleDraft.objects.exists()
