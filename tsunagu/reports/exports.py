"""The files of the 支援ケース一覧: xlsx (title row with the period and the centre, header row bold
and frozen) and CSV (UTF-8 with BOM, CRLF), every cell through ``core.spreadsheet`` (数式インジェクション
対策). The file name is Japanese, sent as RFC 5987/6266 ``filename*`` with an ASCII fallback."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.db import models
from django.http import HttpResponse

from tsunagu.cases.models import Case
from tsunagu.core.spreadsheet import csv_writer, safe_cell, safe_row

from . import selectors
from .case_list import Column, RowContext, row_values

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")


def to_csv(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow([title])
    w.writerow(headers)
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=False)
    ws = wb.active
    assert ws is not None
    ws.title = "支援ケース一覧"
    ws.append([safe_cell(title)])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append(safe_row(headers))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r in rows:
        ws.append(safe_row(r))
    ws.freeze_panes = "A3"
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = max(8, min(30, len(h) * 2 + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def file_response(
    fmt: str,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    filename: str,
    ascii_name: str,
) -> HttpResponse:
    """``filename``: the Japanese name without extension; ``ascii_name`` the fallback for old clients."""
    if fmt == "csv":
        content, content_type = to_csv(title, headers, rows), CSV_CONTENT_TYPE
    else:
        content, content_type = to_xlsx(title, headers, rows), XLSX_CONTENT_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}.{fmt}\"; filename*=UTF-8''{quote(f'{filename}.{fmt}')}"
    )
    return response


def title_of(user: User, sel: selectors.Selection, seireki: bool) -> str:
    where = sel.municipality.name if sel.municipality is not None else ""
    centre = user.agency.name if user.agency is not None else str(user.municipality or "")
    parts = ["支援ケース一覧", sel.period.label(seireki=seireki), centre]
    if where and where != centre:
        parts.append(where)
    return "　".join(p for p in parts if p)


def rows_of(cases: list[Case], columns: list[Column], start: int, seireki: bool) -> list[list[Any]]:
    ctx = RowContext(seireki=seireki)
    return [row_values(c, start + i, columns, ctx) for i, c in enumerate(cases)]


def export_file(
    user: User, sel: selectors.Selection, qs: models.QuerySet[Case], fmt: str, seireki: bool, *, via: str
) -> HttpResponse:
    """The file of ``qs`` (bounded by the caller), audited; shared with the API."""
    columns = selectors.layout_columns(selectors.layout_municipality(user, sel))
    cases = list(qs)
    selectors.list_exported(user=user, sel=sel, cases=cases, fmt=fmt, via=via)
    name = f"支援ケース一覧_{sel.period.label()}"
    if sel.municipality is not None:
        name += f"_{sel.municipality.name}"
    ascii_name = f"case_list_{sel.period.key}" + (f"_{sel.municipality.code}" if sel.municipality else "")
    return file_response(
        fmt,
        title_of(user, sel, seireki),
        [c.header for c in columns],
        rows_of(cases, columns, 1, seireki),
        name,
        ascii_name,
    )
