"""The 自治体別集計表 layout (厚生労働省「生活困窮者自立支援制度 支援状況調査」) and its files: Excel
(xlsx) and CSV (UTF-8 with BOM). Every cell goes through ``core.spreadsheet`` (an area name or a
title is never read as a formula).

One column list serves the screen, the xlsx, the CSV and the 年度 run, so the order is written once:
population, then 18 columns — 新規相談受付件数 and its per-100k, プラン作成件数 and its per-100k,
就労支援対象者数 and its per-100k, the 8 programmes used by plan holders, 就労者数 and its うち,
増収者数 and its うち.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tsunagu.core.spreadsheet import csv_writer, safe_cell, safe_row

from .indicators import INDICATORS, SURVEY_INDICATORS, Figures
from .models import PER_100K_CODES


@dataclass(frozen=True)
class Column:
    code: str
    header: str
    per_100k: bool = False


def survey_columns() -> list[Column]:
    cols: list[Column] = []
    for ind in SURVEY_INDICATORS:
        cols.append(Column(ind.code, ind.name_ja.removeprefix("プラン作成者の利用：")))
        if ind.per_100k:
            cols.append(Column(ind.code, f"{ind.name_ja}（人口10万人あたり・月）", per_100k=True))
    return cols


assert len(survey_columns()) == 18, "the 自治体別集計表 has 18 columns after population"
assert all(c.code in INDICATORS for c in survey_columns())

HEAD = ["自治体名", "全国地方公共団体コード", "人口"]


@dataclass
class SurveyRow:
    name: str
    code: str
    population: int
    values: dict[str, int]
    per_100k: dict[str, Any]

    @classmethod
    def from_figures(cls, figures: Figures) -> SurveyRow:
        area = figures.area
        return cls(
            name=area.name,
            code=area.code,
            population=area.population,
            values={f.code: f.value for f in figures.figures},
            per_100k={f.code: f.per_100k for f in figures.figures if f.code in PER_100K_CODES},
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SurveyRow:
        """A row stored in ``StatisticsRun.result`` (see ``to_json``)."""
        return cls(
            name=data["name"],
            code=data.get("code", ""),
            population=data.get("population", 0),
            values=data.get("values", {}),
            per_100k=data.get("per_100k", {}),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "code": self.code,
            "population": self.population,
            "values": self.values,
            "per_100k": {k: None if v is None else str(v) for k, v in self.per_100k.items()},
        }

    def cells(self) -> list[Any]:
        out: list[Any] = [self.name, self.code, self.population]
        for c in survey_columns():
            if c.per_100k:
                v = self.per_100k.get(c.code)
                out.append(None if v is None else Decimal(str(v)))
            else:
                out.append(self.values.get(c.code, 0))
        return out


def header() -> list[str]:
    return HEAD + [c.header for c in survey_columns()]


def to_csv(title: str, rows: list[SurveyRow]) -> bytes:
    """UTF-8 with BOM (Excel on Windows reads it as UTF-8), CRLF line ends."""
    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow([title])
    w.writerow(header())
    for r in rows:
        w.writerow(["" if c is None else c for c in r.cells()])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def survey_file(fmt: str, title: str, rows: list[SurveyRow], notes: list[str]) -> tuple[bytes, str]:
    """The file's bytes and content type: ``csv`` or ``xlsx`` (notes go under the xlsx table)."""
    if fmt == "csv":
        return to_csv(title, rows), CSV_CONTENT_TYPE
    return to_xlsx(title, rows, notes), XLSX_CONTENT_TYPE


def to_xlsx(title: str, rows: list[SurveyRow], notes: list[str] | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "自治体別集計表"
    ws.append([safe_cell(title)])
    ws["A1"].font = Font(bold=True)
    ws.append(safe_row(header()))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r in rows:
        ws.append(safe_row(r.cells()))
    for row in ws.iter_rows(min_row=3, min_col=4):
        for cell in row:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.0"
    for note in notes or []:
        ws.append([safe_cell(note)])
    ws.column_dimensions["A"].width = 22
    ws.freeze_panes = "D3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- 新規相談者の状況 (profile) files, with small cells suppressed ------------------------------------

SUPPRESSED = "*"
SUPPRESSION_NOTE = "5未満の値は秘匿（*）。0は0のまま表示しています。"
SUPPRESSION_LIMIT = 5  # a count 1 … SUPPRESSION_LIMIT - 1 is never written to a file


def suppress(value: Any) -> Any:
    """A count of 1–4 becomes 「*」 (秘匿: a small cell could identify a person); 0 and 5 or more
    stay as they are, and anything that is not a count (a label) is left alone."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < SUPPRESSION_LIMIT:
        return SUPPRESSED
    return value


@dataclass
class Table:
    """One table of a file: a caption, a header row, rows of (label, counts…), and its definition."""

    caption: str
    header: list[str]
    rows: list[list[Any]]
    note: str = ""

    def suppressed(self) -> Table:
        return Table(self.caption, self.header, [[suppress(v) for v in r] for r in self.rows], self.note)


def profile_tables(area: Any, period: Any) -> list[Table]:
    """The profile of the new consultations of the period (``indicators.PROFILE_CODES``): per
    category for a month; per category × month (April … March) and for the 年度 for a 年度.
    The counts are the real ones; ``profile_file`` suppresses them."""
    from tsunagu.core.dates import fiscal_year

    from .indicators import DISTRIBUTIONS, INDICATORS, PROFILE_CODES, fiscal_year_months

    new = INDICATORS["new_consultations"]
    tables = [
        Table(
            new.name_ja,
            ["指標", "件数"],
            [[new.name_ja, new.count(area, period)]],
            new.definition,
        )
    ]
    yearly = period.months == 12
    fy = fiscal_year(period.start)
    month_headers = [f"{m.start.month}月" for m in fiscal_year_months(fy)]
    for code in PROFILE_CODES:
        d = DISTRIBUTIONS[code]
        if yearly:
            rows = [[r.label, *r.months, r.total] for r in d.monthly_counts(area, fy)]
            tables.append(Table(d.name_ja, ["区分", *month_headers, "年度計"], rows, d.definition))
        else:
            rows = [[label, n] for _k, label, n in d.counts(area, period)]
            tables.append(Table(d.name_ja, ["区分", "ケース数"], rows, d.definition))
    return tables


def profile_file(fmt: str, title: str, tables: list[Table], notes: list[str]) -> tuple[bytes, str]:
    """A file of tables with every count of 1–4 written as 「*」, the note row saying so first."""
    shown = [t.suppressed() for t in tables]
    lines: list[list[Any]] = [[title], [SUPPRESSION_NOTE], *[[n] for n in notes]]
    for t in shown:
        lines += [[], [t.caption], t.header, *t.rows]
        if t.note:
            lines.append([f"定義：{t.note}"])
    if fmt == "csv":
        text = io.StringIO()
        csv_writer(text).writerows(lines)
        return ("\ufeff" + text.getvalue()).encode("utf-8"), CSV_CONTENT_TYPE
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "新規相談者の状況"
    for line in lines:
        ws.append(safe_row(line))
    ws["A1"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 34
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), XLSX_CONTENT_TYPE
