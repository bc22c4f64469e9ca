"""Reading spreadsheets (CSV, xlsx) into rows of text, for imports (取り込み).

One function, :func:`read_table`, turns the bytes of an uploaded file into a :class:`Table`:

* **Encoding (CSV).** UTF-8 with a BOM, UTF-8 without one, then cp932 (Shift_JIS as Windows
  writes it, a superset of JIS X 0208 Shift_JIS: ①, ㈱, 髙 …). The whole file is tried first;
  when it is neither (a file pasted together from two sources), each line is decoded on its own
  and a line that is neither gets a row error instead of 文字化け.
* **xlsx.** openpyxl in read-only mode (a 20 MB sheet is streamed, not loaded as objects); the
  first sheet is read. Merged cells are **filled from their top-left cell**: centres merge a
  column over the rows of one person (氏名 written once for three records), so what the user
  sees in every row of the range is that value; each merged range is also reported
  (``Table.merged``) so that the report can say so. Read-only worksheets do not expose merged
  ranges, so they are read from the sheet's XML (``<mergeCell ref="A2:A4"/>``).
* **Rows.** The header row is the first row that is not blank; blank rows are skipped but every
  row keeps the row number of the file (``Row.number``: 1 = the first line/row), so the report
  points at the line the user sees in Excel. ``Table.blank_rows`` lists the skipped ones.
* **Cells** (:func:`normalize_cell`): text stripped, 全角 digits/ASCII → 半角 (jaconv; kana and
  kanji untouched — フリガナ is normalised by the persons app, ``persons/normalize.py``), Excel
  dates → ISO dates, integral floats → integers (12.0 → "12"). Dates typed as text (和暦 or
  西暦) are parsed by the caller with :func:`tsunagu.core.dates.parse_date`.

Nothing here knows what a column means; the imports app maps headers to fields.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import jaconv

__all__ = [
    "MAX_BYTES",
    "Row",
    "Table",
    "TableError",
    "normalize_cell",
    "read_table",
]

#: Largest file accepted (bytes). A 20 MB file of rows is accepted.
MAX_BYTES = 30 * 1024 * 1024
UNDECODABLE = "この行の文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）。"


class TableError(ValueError):
    """The file cannot be read at all (a Japanese message for the user)."""


@dataclass
class Row:
    number: int  # row number in the file (1-based, the header row included)
    cells: list[str]
    error: str = ""  # a problem of the row itself (an undecodable line)


@dataclass
class Table:
    headers: list[str]
    header_row: int
    rows: list[Row]
    blank_rows: list[int] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # merged ranges, e.g. "A2:A4"
    encoding: str = ""  # "utf-8-sig", "utf-8", "cp932", "mixed" or "xlsx"


def normalize_cell(value: Any) -> str:
    """A cell as text: stripped, 全角英数字 → 半角, dates as ISO, 12.0 → "12"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).replace("\u3000", " ").strip()
    text = str(jaconv.z2h(text, kana=False, ascii=True, digit=True))
    return re.sub(r"[ \t]+", " ", text).strip()


def _decode(data: bytes) -> tuple[list[str], str, list[int]]:
    """Text lines, the encoding, and the (0-based) lines no encoding could read."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8").splitlines(), "utf-8-sig", []
        except UnicodeDecodeError:
            data = data[3:]
    for enc in ("utf-8", "cp932"):
        try:
            return data.decode(enc).splitlines(), enc, []
        except UnicodeDecodeError:
            continue
    lines: list[str] = []
    bad: list[int] = []
    for i, raw in enumerate(data.splitlines()):
        for enc in ("utf-8", "cp932"):
            try:
                lines.append(raw.decode(enc))
                break
            except UnicodeDecodeError:
                continue
        else:
            lines.append(raw.decode("utf-8", errors="replace"))
            bad.append(i)
    return lines, "mixed", bad


def _csv_rows(data: bytes) -> tuple[list[tuple[int, list[Any], str]], str, list[str]]:
    lines, encoding, bad = _decode(data)
    bad_set = set(bad)
    sample = "\n".join(lines[:20])
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    out: list[tuple[int, list[Any], str]] = []
    # Lines are parsed one logical record at a time, keeping the number of the line it starts on
    # (a quoted cell may span lines).
    reader = csv.reader(lines, delimiter=delimiter)
    start = 1
    for cells in reader:
        number = start
        start = reader.line_num + 1
        error = UNDECODABLE if (number - 1) in bad_set else ""
        out.append((number, cells, error))
    return out, encoding, []


def _merged_ranges(data: bytes) -> list[str]:
    """The merged ranges of the first sheet, read from the xlsx XML."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            workbook = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            m = re.search(r"<(?:\w+:)?sheet\b[^>]*\br:id=\"([^\"]+)\"", workbook)
            target = "worksheets/sheet1.xml"
            if m:
                rel = re.search(r"<Relationship\b[^>]*Id=\"" + re.escape(m.group(1)) + r"\"[^>]*>", rels)
                t = re.search(r"Target=\"([^\"]+)\"", rel.group()) if rel else None
                if t:
                    target = t.group(1)
            path = target.lstrip("/") if target.startswith("/") else "xl/" + target
            sheet = z.read(path).decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile):
        return []
    return re.findall(r"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"", sheet)


def _xlsx_rows(data: bytes) -> tuple[list[tuple[int, list[Any], str]], list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.cell import range_boundaries

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise TableError("Excelファイルを読み込めませんでした（.xlsx 形式で保存してください）。") from exc
    ws = wb.worksheets[0]
    rows: list[tuple[int, list[Any], str]] = []
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        rows.append((number, list(values), ""))
    wb.close()
    merged = _merged_ranges(data)
    by_number = {n: cells for n, cells, _ in rows}
    for ref in merged:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        top = by_number.get(min_row)
        if top is None or min_col is None or max_col is None or min_row is None or max_row is None:
            continue
        value = top[min_col - 1] if len(top) >= min_col else None
        for r in range(min_row, max_row + 1):
            cells = by_number.get(r)
            if cells is None:
                continue
            while len(cells) < max_col:
                cells.append(None)
            for c in range(min_col, max_col + 1):
                cells[c - 1] = value
    return rows, merged


def read_table(data: bytes, filename: str = "") -> Table:
    """The rows of a CSV or xlsx file (see the module docstring). Raises :class:`TableError`."""
    if len(data) > MAX_BYTES:
        raise TableError(
            f"ファイルが大きすぎます（上限{MAX_BYTES // (1024 * 1024)}MB）。分割して取り込んでください。"
        )
    if not data:
        raise TableError("ファイルが空です。")
    is_xlsx = data[:2] == b"PK" or filename.lower().endswith((".xlsx", ".xlsm"))
    merged: list[str] = []
    if is_xlsx:
        raw, merged = _xlsx_rows(data)
        encoding = "xlsx"
    else:
        raw, encoding, _ = _csv_rows(data)
    header: list[str] | None = None
    header_row = 0
    rows: list[Row] = []
    blank: list[int] = []
    for number, values, error in raw:
        cells = [normalize_cell(v) for v in values]
        if not any(cells) and not error:
            if header is not None:
                blank.append(number)
            continue
        if header is None:
            header = cells
            header_row = number
            continue
        if len(cells) < len(header):
            cells += [""] * (len(header) - len(cells))
        rows.append(Row(number=number, cells=cells, error=error))
    if header is None:
        raise TableError("見出し行が見つかりません（1行目に列名を書いてください）。")
    while header and not header[-1]:
        header.pop()
    return Table(
        headers=header,
        header_row=header_row,
        rows=rows,
        blank_rows=blank,
        merged=merged,
        encoding=encoding,
    )
