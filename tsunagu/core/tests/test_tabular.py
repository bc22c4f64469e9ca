"""core.tabular: encodings, merged cells, blank rows, cell normalisation."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from tsunagu.core.tabular import MAX_BYTES, TableError, normalize_cell, read_table

CSV = "氏名,フリガナ,生年月日\r\n山田 太郎,ヤマダ タロウ,昭和55年4月1日\r\n\r\n佐藤 花子,ｻﾄｳ ﾊﾅｺ,１９８０－０５－０１\r\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CSV.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + CSV.encode("utf-8"), "utf-8-sig"),
        (CSV.encode("cp932"), "cp932"),
    ],
)
def test_csv_encodings(data: bytes, encoding: str) -> None:
    table = read_table(data, "a.csv")
    assert table.encoding == encoding
    assert table.headers == ["氏名", "フリガナ", "生年月日"]
    assert [r.number for r in table.rows] == [2, 4]
    assert table.blank_rows == [3]
    assert table.rows[0].cells == ["山田 太郎", "ヤマダ タロウ", "昭和55年4月1日"]
    # 全角 digits/hyphen → 半角; half-width kana is left to the persons app.
    assert table.rows[1].cells[2] == "1980-05-01"


def test_mixed_encodings_line_by_line() -> None:
    data = (
        "氏名,住所\n".encode() + "山田,新宿\n".encode("cp932") + "佐藤,蓮田\n".encode() + b"\xff\xfe\xfa,x\n"
    )
    table = read_table(data, "a.csv")
    assert table.encoding == "mixed"
    assert table.rows[0].cells == ["山田", "新宿"]
    assert table.rows[1].cells == ["佐藤", "蓮田"]
    assert table.rows[2].error  # neither UTF-8 nor Shift_JIS: a row error, not 文字化け imported


def test_xlsx_merged_cells_filled_from_top_left_and_blank_rows() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["氏名", "日付", "内容"])
    ws.append(["山田 太郎", date(2025, 4, 1), "初回"])
    ws.append([None, "R7.4.8", "2回目"])
    ws.append([None, None, None])
    ws.append(["佐藤", 12.0, "x"])
    ws.merge_cells("A2:A3")
    out = io.BytesIO()
    wb.save(out)
    table = read_table(out.getvalue(), "a.xlsx")
    assert table.encoding == "xlsx"
    assert table.merged == ["A2:A3"]
    assert [r.number for r in table.rows] == [2, 3, 5]
    assert table.rows[1].cells == ["山田 太郎", "R7.4.8", "2回目"]
    assert table.rows[0].cells[1] == "2025-04-01"
    assert table.rows[2].cells[1] == "12"
    assert table.blank_rows == [4]


def test_limits_and_broken_files() -> None:
    with pytest.raises(TableError, match="大きすぎます"):
        read_table(b"x" * (MAX_BYTES + 1), "a.csv")
    with pytest.raises(TableError):
        read_table(b"", "a.csv")
    with pytest.raises(TableError, match="Excel"):
        read_table(b"PK\x03\x04broken", "a.xlsx")
    big = ("氏名,住所\n" + "山田 太郎,東京都新宿区西新宿2-8-1\n" * 500_000).encode()
    assert len(big) > 20 * 1024 * 1024
    assert len(read_table(big, "big.csv").rows) == 500_000


def test_normalize_cell() -> None:
    assert normalize_cell("　ＡＢＣ１２３　") == "ABC123"
    assert normalize_cell(None) == ""
    assert normalize_cell(3.5) == "3.5"
    assert normalize_cell("ヤマダ　タロウ") == "ヤマダ タロウ"
