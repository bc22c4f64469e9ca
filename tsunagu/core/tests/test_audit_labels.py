"""The audit search shows object types and details in Japanese, with 和暦 dates."""

from __future__ import annotations

from typing import Any

from tsunagu.core.audit import detail_rows, object_type_choices, object_type_label


def test_object_types_are_named_by_the_models_verbose_name() -> None:
    assert object_type_label("supportrecord") == "支援経過記録"
    assert object_type_label("supportplan") == "プラン兼事業等利用申込書"
    assert object_type_label("deidentified_export") == "匿名化データ出力"
    assert object_type_label("") == ""
    assert ("case", object_type_label("case")) in object_type_choices()
    assert all(label and label != key for key, label in object_type_choices())


def test_details_are_japanese_items_with_wareki_dates(db: Any) -> None:
    rows = dict(
        detail_rows(
            {
                "start": "2019-05-01",
                "list": True,
                "reason": "no_permission",
                "period": "2026-11",
                "birth_date": None,
            }
        )
    )
    assert rows == {
        "期間（開始）": "令和元年5月1日",
        "一覧表示": "はい",
        "理由": "権限がない",
        "期間": "令和8年11月",
        "生年月日": "（なし）",
    }
