"""The shared kit in core: spreadsheet-safe cells, idempotent creates, optimistic locking."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from tsunagu.core import idempotency, locking
from tsunagu.core.models import CodeItem, CodeList, IdempotencyKey
from tsunagu.core.spreadsheet import csv_writer, safe_cell, safe_row

# --- spreadsheet ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["=1+2", "+81-90", "-SUM(A1)", "@cmd", "\t=1", "\r=1", '=HYPERLINK("http://x")'],
)
def test_text_a_spreadsheet_would_evaluate_is_neutralised(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [0, -5, 12, -3.5, Decimal("-120.50"), date(2025, 4, 1), None, "", "山田 太郎", "A=1", "1-2", "a@b"],
)
def test_numbers_dates_and_ordinary_text_are_untouched(value: Any) -> None:
    assert safe_cell(value) == value
    assert type(safe_cell(value)) is type(value)


def test_csv_writer_neutralises_every_cell() -> None:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["氏名", "=cmd|' /C calc'!A0", -3])
    writer.writerows([["@SUM(1)", 4], ["普通", "+1"]])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["氏名", "'=cmd|' /C calc'!A0", "-3"], ["'@SUM(1)", "4"], ["普通", "'+1"]]
    assert out.getvalue().endswith("\r\n")
    assert safe_row(["-1", -1]) == ["'-1", -1]


# --- idempotency ------------------------------------------------------------------------


def _creator(code: str) -> Any:
    return lambda: CodeItem.objects.create(list_key=CodeList.CHANGE_ITEM, code=code, label=code)


def test_the_same_key_from_the_same_account_returns_the_first_record(staff: Any) -> None:
    user = staff("shinjuku-soudan")
    first, created = idempotency.create_once(
        actor=user, scope="test", key="key-0001", model=CodeItem, create=_creator("k1")
    )
    assert created
    again, created_again = idempotency.create_once(
        actor=user, scope="test", key="key-0001", model=CodeItem, create=_creator("k2")
    )
    assert (again, created_again) == (first, False)
    assert not CodeItem.objects.filter(code="k2").exists()
    row = IdempotencyKey.objects.get(key="key-0001")
    assert (row.user_id, row.agency_id, row.object_id) == (user.pk, user.agency_id, str(first.pk))
    assert idempotency.created_before(actor=user, scope="test", key="key-0001", model=CodeItem) == first
    assert idempotency.created_before(actor=user, scope="other", key="key-0001", model=CodeItem) is None


def test_the_same_key_from_another_account_or_agency_creates_a_new_record(staff: Any) -> None:
    mine, _ = idempotency.create_once(
        actor=staff("shinjuku-soudan"), scope="test", key="shared-key", model=CodeItem, create=_creator("a")
    )
    colleague, created = idempotency.create_once(
        actor=staff("shinjuku-shuro"), scope="test", key="shared-key", model=CodeItem, create=_creator("b")
    )
    assert created and colleague != mine
    other_agency, created = idempotency.create_once(
        actor=staff("hasuda-soudan"), scope="test", key="shared-key", model=CodeItem, create=_creator("c")
    )
    assert created and other_agency not in (mine, colleague)


def test_no_key_always_creates(staff: Any) -> None:
    user = staff("shinjuku-soudan")
    keys_before = IdempotencyKey.objects.count()
    for code, key in (("n1", None), ("n2", ""), ("n3", None)):
        _, created = idempotency.create_once(
            actor=user, scope="test", key=key, model=CodeItem, create=_creator(code)
        )
        assert created
    assert CodeItem.objects.filter(code__in=["n1", "n2", "n3"]).count() == 3
    assert IdempotencyKey.objects.count() == keys_before


@pytest.mark.parametrize("key", ["short", "x" * 65, "has space!", "日本語のキーです", 12345678, ["a" * 8]])
def test_a_malformed_key_is_a_validation_error(staff: Any, key: Any) -> None:
    with pytest.raises(ValidationError) as excinfo:
        idempotency.create_once(
            actor=staff("shinjuku-soudan"), scope="test", key=key, model=CodeItem, create=_creator("bad")
        )
    assert excinfo.value.message_dict["idempotency_key"] == [idempotency.KEY_MESSAGE]
    assert not CodeItem.objects.filter(code="bad").exists()


def test_a_failed_create_leaves_no_key(staff: Any) -> None:
    user = staff("shinjuku-soudan")

    def fail() -> CodeItem:
        CodeItem.objects.create(list_key=CodeList.CHANGE_ITEM, code="half", label="half")
        raise ValidationError("保存できません。")

    with pytest.raises(ValidationError), transaction.atomic():
        idempotency.create_once(actor=user, scope="test", key="retry-me-1", model=CodeItem, create=fail)
    assert not IdempotencyKey.objects.filter(key="retry-me-1").exists()
    record, created = idempotency.create_once(
        actor=user, scope="test", key="retry-me-1", model=CodeItem, create=_creator("second-try")
    )
    assert created and record.code == "second-try"


# --- locking ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "abc", "-1", [1]])
def test_a_missing_or_malformed_version_is_refused(value: Any) -> None:
    with pytest.raises(locking.VersionMissingError) as excinfo:
        locking.parse_version(value)
    assert excinfo.value.message_dict["version"] == [locking.VERSION_MISSING_MESSAGE]


def test_a_stale_version_is_refused_with_the_saved_record(db: Any) -> None:
    item = CodeItem.objects.create(list_key=CodeList.CHANGE_ITEM, code="v", label="旧", sort_order=3)
    with transaction.atomic():
        locked = locking.lock(item)
        locking.check_version(locked, "3", attr="sort_order")
        with pytest.raises(locking.StaleVersionError) as excinfo:
            locking.check_version(locked, 2, attr="sort_order")
    assert excinfo.value.current == item
    assert excinfo.value.messages == [locking.STALE_MESSAGE]
    with pytest.raises(locking.VersionMissingError):
        locking.check_version(item, None, attr="sort_order")
    assert locking.lock(CodeItem.objects.all(), item.pk) == item


def test_bump_diff_rows_and_changes() -> None:
    class Versioned:
        version = 4

    record = Versioned()
    locking.bump(record)
    assert record.version == 5
    labels = {"name": "氏名", "tags": "課題", "phone": "電話"}
    rows = locking.diff_rows(
        {"name": "山田", "tags": ["a", "b"], "phone": ""},
        {"name": "山田 ", "tags": ["b", "a"], "phone": "090"},
        labels,
        lambda field, value: "" if value is None else str(value),
    )
    assert [tuple(r) for r in rows] == [("電話", "", "090")]
    assert locking.changes(
        {"name": "旧", "on": date(2025, 4, 1)}, {"name": "新", "on": date(2025, 4, 1)}
    ) == {"name": ["旧", "新"]}
