"""Case numbers: unique per agency and 年度 (R8-0001 for 2026年度), also under concurrent intakes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

from tsunagu.cases.models import Case, CaseNumberSequence
from tsunagu.cases.services import case_number_allocate
from tsunagu.cases.tests.helpers import ensure_default_codes, new_agency_with_worker, open_case

TOKYO = ZoneInfo("Asia/Tokyo")


def test_first_case_of_2026_is_r8_0001(staff: Any) -> None:
    worker = new_agency_with_worker()
    case = open_case(worker, received_at=datetime(2026, 4, 1, 9, 0, tzinfo=TOKYO))
    assert (case.case_number, case.fiscal_year, case.number_in_year) == ("R8-0001", 2026, 1)
    second = open_case(worker, received_at=datetime(2026, 11, 2, 9, 0, tzinfo=TOKYO))
    assert second.case_number == "R8-0002"


def test_the_fiscal_year_starts_in_april(staff: Any) -> None:
    worker = new_agency_with_worker()
    march = open_case(worker, received_at=datetime(2026, 3, 31, 23, 30, tzinfo=TOKYO))
    april = open_case(worker, received_at=datetime(2026, 4, 1, 0, 10, tzinfo=TOKYO))
    assert (march.case_number, march.fiscal_year) == ("R7-0001", 2025)
    assert (april.case_number, april.fiscal_year) == ("R8-0001", 2026)
    # Japan time decides the day: 2026-03-31 15:30 UTC is already 1 April in Tokyo.
    utc_late = open_case(worker, received_at=datetime(2026, 3, 31, 15, 30, tzinfo=ZoneInfo("UTC")))
    assert utc_late.case_number == "R8-0002"


def test_each_agency_counts_on_its_own(staff: Any) -> None:
    # The demo data opened three 新宿区 cases and one 蓮田市 case in 2026年度.
    shinjuku = open_case(staff("shinjuku-soudan"))
    hasuda = open_case(staff("hasuda-soudan"))
    assert shinjuku.case_number == "R8-0004"
    assert hasuda.case_number == "R8-0002"
    assert (
        CaseNumberSequence.objects.get(agency=staff("shinjuku-soudan").agency, fiscal_year=2026).last_number
        == 4
    )


def test_allocate_continues_after_the_last_number(staff: Any) -> None:
    agency = staff("hasuda-soudan").agency
    assert case_number_allocate(agency=agency, fiscal_year_=2027) == (1, "R9-0001")
    assert case_number_allocate(agency=agency, fiscal_year_=2027) == (2, "R9-0002")
    assert case_number_allocate(agency=agency, fiscal_year_=2019) == (1, "R1-0001")  # 令和元年度


N_CONCURRENT = 8


def _in_threads(target: Callable[[int], Any], n: int) -> tuple[list[Any], list[BaseException]]:
    """Run ``target(i)`` in ``n`` threads released together; each thread has its own connection."""
    barrier = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(target(i))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    return results, errors


@contextmanager
def _database_shared_by_threads(tmp_path: Path) -> Iterator[None]:
    """Threads must reach the same database through their own connections.

    PostgreSQL: they do already. SQLite: the test database is in memory with a shared cache,
    whose table locks fail at once ("database table is locked") instead of waiting like the
    file database Tsunagu runs on. So the database is copied to a file for the duration, and
    new connections (the threads') open that file — WAL, busy timeout and IMMEDIATE
    transactions as configured in settings.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():  # type: ignore[attr-defined]
        yield
        return
    path = tmp_path / "concurrency.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    settings_dict = connections.settings[DEFAULT_DB_ALIAS]
    memory_name = settings_dict["NAME"]
    settings_dict["NAME"] = str(path)
    try:
        yield
    finally:
        settings_dict["NAME"] = memory_name


def _numbers(agency_id: int) -> tuple[list[int], set[str], int]:
    cases = Case.objects.filter(agency_id=agency_id, fiscal_year=2026)
    return (
        sorted(cases.values_list("number_in_year", flat=True)),
        set(cases.values_list("case_number", flat=True)),
        CaseNumberSequence.objects.get(agency_id=agency_id, fiscal_year=2026).last_number,
    )


@pytest.mark.parametrize(
    "first_of_year", [True, False], ids=["counter-row-created-concurrently", "counter-exists"]
)
def test_concurrent_intakes_get_distinct_consecutive_numbers(
    transactional_db: Any, tmp_path: Path, first_of_year: bool
) -> None:
    """8 workers save an intake at the same moment: 8 numbers, no gap, no duplicate.

    On PostgreSQL the counter row's UPDATE locks it until commit; on SQLite the IMMEDIATE
    transactions serialise the writers. When the counter row does not exist yet, the
    concurrent INSERTs race on its unique constraint and the losers retry.
    """
    from tsunagu.demo.data import load_demo_data
    from tsunagu.organizations.models import User

    ensure_default_codes()
    load_demo_data()
    worker = new_agency_with_worker()
    assert worker.agency is not None
    agency_id = worker.agency.pk
    if not first_of_year:
        open_case(worker, received_at=datetime(2026, 4, 1, 9, 0, tzinfo=TOKYO))
    before = Case.objects.filter(agency_id=agency_id).count()

    def intake(i: int) -> str:
        actor = User.objects.get(pk=worker.pk)
        case = open_case(
            actor,
            received_at=datetime(2026, 11, 2, 9, i, tzinfo=TOKYO),
            person_kw={"name": f"同時 太郎{i}", "kana": "ドウジ タロウ", "phone": f"090-0000-{i:04d}"},
        )
        return case.case_number

    with _database_shared_by_threads(tmp_path):
        returned, errors = _in_threads(intake, N_CONCURRENT)
        assert not errors, f"{connection.vendor}: {errors!r}"
        [(numbers, texts, last)], read_errors = _in_threads(lambda i: _numbers(agency_id), 1)
        assert not read_errors

    expected = list(range(1, before + N_CONCURRENT + 1))
    assert numbers == expected
    assert texts == {f"R8-{n:04d}" for n in expected}
    assert sorted(returned) == [f"R8-{n:04d}" for n in expected[before:]]
    assert last == expected[-1]
