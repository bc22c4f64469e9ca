from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class CaseListQuery(Schema):
    fiscal_year: str = Field("", description="西暦の年度（例：2025 は令和7年度）。省略すると今年度。")
    from_: str = Field(
        "", alias="from", description="始めの月（1〜12、年度の中の順：4月〜翌3月）。省略すると4。"
    )
    to: str = Field("", description="終わりの月（1〜12）。省略すると3（年度末）。")
    municipality: str = Field("", description="全国地方公共団体コード（6桁）。省略すると閲覧できるすべて。")
    state: str = Field("", description="ケースの状態（intake, in_support, closed など）。")
    format: str = Field("json", description="json | xlsx | csv")
    era: str = Field("", description="seireki で日付を西暦に（既定は和暦）。")
    page: int = Field(1, ge=1, le=1_000_000, description="json のページ（1ページ100件）。")


class ColumnOut(Schema):
    key: str
    header: str


class CaseListReportOut(Schema):
    period: str = Field(description="期間の表示（例：令和7年度 4月〜9月）")
    period_start: str
    period_end: str
    municipality: str = Field(description="自治体コード（指定したとき）")
    count: int = Field(description="期間の対象ケースの件数（全ページ）")
    page: int
    pages: int
    columns: list[ColumnOut]
    rows: list[list[Any]] = Field(description="列の順の値（日付は和暦の文字列、空欄は空文字）")
