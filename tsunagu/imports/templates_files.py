"""The downloadable templates (テンプレート): Japanese headers, one example row, explanations."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from tsunagu.core.spreadsheet import csv_writer, safe_row

from .models import ImportKind
from .validation import COLUMNS, KIND_HELP


def template_csv(kind: str) -> bytes:
    """UTF-8 with BOM (Excel opens it in Japanese); the example row is commented out with #."""
    out = io.StringIO()
    w = csv_writer(out)
    cols = COLUMNS[kind]
    w.writerow([c.label for c in cols])
    w.writerow(
        ["# 記入例（この行は取り込まれません。消してから使ってください）：" + cols[0].example]
        + [c.example for c in cols[1:]]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(kind: str) -> bytes:
    """Sheet 1: the headers and an example row; sheet 2 (説明): what each column takes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "取り込み"
    cols = COLUMNS[kind]
    ws.append(safe_row([c.label for c in cols]))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, _ in enumerate(cols, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = 22
    help_ws = wb.create_sheet("説明")
    help_ws.append(safe_row([f"{ImportKind(kind).label}の取り込み", KIND_HELP[kind]]))
    help_ws.append([])
    help_ws.append(safe_row(["列名", "必須", "記入例", "説明"]))
    for c in cols:
        help_ws.append(safe_row([c.label, "必須" if c.required else "", c.example, c.help]))
    help_ws.append([])
    help_ws.append(
        safe_row(
            ["", "", "", "1枚目のシートの2行目から1行に1件ずつ入力してください。空の行は読み飛ばします。"]
        )
    )
    for letter, width in zip("ABCD", (24, 8, 28, 70), strict=True):
        help_ws.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
