"""Migration cases/0011 (記録の構造化): the free text of 健康・障害, 就労, 収入・資産・債務 and 公的給付 moves
to 「旧記録」 (``Assessment.legacy``) and back, nothing lost; the 申込票 B票 住居 is filled from the
person's 住まいの状況 where the category is the same one (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("cases", "0010_case_worker_may_be_unassigned")
AFTER = ("cases", "0011_structured_records")

SECTIONS = {
    "basic": "世帯主。本人と母の2人世帯。",
    "health": "腰痛で整形外科に月1回通院。",
    "work": "製造業で派遣就労、3か月前に雇止め。\nフォークリフト免許あり。",
    "finances": "預金約5万円。家賃2か月滞納。",
    "public_benefits": "雇用保険（基本手当）受給中、残り30日。",
}
MOVED = ("health", "work", "finances", "public_benefits")


def _apps(executor: MigrationExecutor, target: tuple[str, str]) -> Any:
    executor.loader.build_graph()
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.fixture
def executor() -> Iterator[MigrationExecutor]:
    """An executor whose test leaves every app at its latest migration again, whatever failed."""
    ex = MigrationExecutor(connection)
    try:
        yield ex
    finally:
        ex.loader.build_graph()
        ex.migrate(ex.loader.graph.leaf_nodes())


# Schema changes on SQLite cannot run inside the test's transaction: a transactional test, as the
# other tests that need real commits (core/tests/test_audit_flush.py).
@pytest.mark.django_db(transaction=True)
def test_sections_move_to_legacy_and_back_and_the_b_sheet_housing_is_filled(
    executor: MigrationExecutor,
) -> None:
    from tsunagu.demo.data import load_demo_data

    load_demo_data()  # organisations, staff, persons and their cases at the current schema
    old = _apps(executor, BEFORE)
    Case = old.get_model("cases", "Case")
    Person = old.get_model("persons", "Person")
    Assessment = old.get_model("cases", "Assessment")
    cases = list(Case.objects.select_related("person").order_by("id")[:3])
    assert len(cases) == 3
    for case, status in zip(cases, ("owned", "rented_private", "internet_cafe"), strict=True):
        Person.objects.filter(pk=case.person_id).update(housing_status=status)
    first = cases[0]

    def sheet(case: Any, number: int, sections: dict[str, str]) -> Any:
        return Assessment.objects.create(
            case_id=case.pk,
            agency_id=case.agency_id,
            municipality_id=case.municipality_id,
            author_id=case.assigned_worker_id,
            number=number,
            assessed_on=date(2026, 10, 20),
            sections=sections,
        )

    full = sheet(first, 1, SECTIONS)
    basic_only = sheet(first, 2, {"basic": "変更なし"})
    blank_moved = sheet(cases[1], 1, {"basic": "単身", "health": "  ", "policy": "就労支援"})

    new = _apps(executor, AFTER)
    Assessment = new.get_model("cases", "Assessment")
    Intake = new.get_model("cases", "Intake")
    a = Assessment.objects.get(pk=full.pk)
    assert a.legacy == {k: SECTIONS[k] for k in MOVED}
    assert a.sections == {"basic": SECTIONS["basic"]}
    assert Assessment.objects.get(pk=basic_only.pk).legacy == {}
    assert Assessment.objects.get(pk=basic_only.pk).sections == {"basic": "変更なし"}
    # a blank text is not 旧記録: it stays where it was
    b = Assessment.objects.get(pk=blank_moved.pk)
    assert (b.legacy, b.sections) == ({}, {"basic": "単身", "health": "  ", "policy": "就労支援"})
    housing = dict(
        Intake.objects.filter(case_id__in=[c.pk for c in cases]).values_list("case_id", "housing_type")
    )
    assert housing == {cases[0].pk: "owned", cases[1].pk: "rented", cases[2].pk: ""}

    old = _apps(executor, BEFORE)
    Assessment = old.get_model("cases", "Assessment")
    assert Assessment.objects.get(pk=full.pk).sections == SECTIONS
    assert Assessment.objects.get(pk=basic_only.pk).sections == {"basic": "変更なし"}
    assert Assessment.objects.get(pk=blank_moved.pk).sections == {
        "basic": "単身",
        "health": "  ",
        "policy": "就労支援",
    }
