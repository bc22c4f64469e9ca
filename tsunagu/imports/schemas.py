"""API schemas of the imports (names unique across the whole API: Import…)."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Schema

from tsunagu.core.bounds import PageNo

ImportJobId = Annotated[int, Field(ge=1, le=9_223_372_036_854_775_807)]
__all__ = ["ImportCountsOut", "ImportJobId", "ImportJobOut", "ImportRowErrorOut", "PageNo"]


class ImportCountsOut(Schema):
    total: int = Field(description="データ行の数（見出し・空の行・「#」の行を除く）")
    processed: int = Field(
        description="進み具合：いまの段階（status が running＝確認中、writing＝書き込み中）で処理した行数。"
        "書き込み中は 0 から数え直します"
    )
    ok: int = Field(description="正しい行")
    error: int = Field(description="誤りのある行")
    imported: int = Field(description="取り込んだ行（確認のみ、または誤りがあれば 0）")


class ImportRowErrorOut(Schema):
    row: int = Field(description="ファイルの行番号（1行目が見出し）")
    errors: list[str] = Field(description="誤り（日本語）")


class ImportJobOut(Schema):
    id: int
    kind: str = Field(description="persons / partners / housing_rules / cases / records")
    kind_ja: str
    status: str = Field(description="queued / running / writing / checked / done / rejected / failed")
    status_ja: str
    dry_run: bool
    file_name: str
    file_size: int
    file_sha256: str
    message: str
    notes: list[str]
    mapping: dict[str, str] = Field(description="列の番号（0から）→ 取り込み先の項目")
    counts: ImportCountsOut
    row_errors: list[ImportRowErrorOut] = Field(description="誤りのある行（ページごと）")
    row_errors_page: int
    row_errors_pages: int
