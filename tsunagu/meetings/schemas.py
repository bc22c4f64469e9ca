"""Typed API schemas per operation for meetings and decisions (never model-derived for input)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from ninja import Field, Schema

# A record id as the database stores it (a 64-bit integer): larger values are refused with 422.
RecordId = Annotated[int, Field(ge=1, le=9_223_372_036_854_775_807)]
IDEMPOTENCY_HELP = "二重送信防止キー（任意）：同じキーでの再送は、最初に作成した記録を返します"


class AttendeeIn(Schema):
    staff_id: RecordId | None = Field(None, description="職員・自治体担当者のID")
    partner_id: RecordId | None = Field(None, description="関係機関のID")
    name: str = Field("", max_length=60, description="氏名（関係機関の出席者名、または本人・家族など）")


class AttendeeOut(Schema):
    staff_id: int | None
    partner_id: int | None
    name: str
    label: str


class MeetingCreateIn(Schema):
    kind: Literal["coordination", "council"] = Field(
        "coordination", description="coordination: 支援調整会議 / council: 支援会議（法第9条）"
    )
    council_id: RecordId | None = Field(None, description="支援会議の場合、その支援会議のID（構成員のみ）")
    held_on: date = Field(..., description="開催日")
    municipality_id: RecordId | None = Field(
        None, description="自治体（実施主体）。省略時は機関の主たる実施主体"
    )
    place: str = Field("", max_length=100)
    chair_id: RecordId | None = None
    minutes: str = ""
    attendees: list[AttendeeIn] = []
    idempotency_key: str | None = Field(None, description=IDEMPOTENCY_HELP)


class MeetingPatchIn(Schema):
    version: int = Field(..., ge=0, le=2_147_483_647, description="取得時の版（楽観的ロック）")
    held_on: date | None = None
    place: str | None = Field(None, max_length=100)
    chair_id: RecordId | None = None
    minutes: str | None = None
    attendees: list[AttendeeIn] | None = None


class AgendaItemIn(Schema):
    case_id: RecordId
    purpose: Literal["plan", "evaluation", "closure", "suspension", "consultation"] = Field(
        ...,
        description="plan: プラン（案）の検討 / evaluation: 評価 / closure: 終結の報告 / suspension: 中断の確認 / consultation: 支援方針の相談（支援会議）",
    )
    emergency_basis: Literal["life", ""] = Field(
        "",
        description="同意によらない検討の根拠（緊急的な支援の対象で、同意が会議の目的・出席する関係機関を"
        "含まない場合）。life: 人の生命・身体・財産の保護に必要で、本人の同意を得ることが困難なとき"
        "（個人情報保護法第27条第1項第2号）。省略時は life",
    )
    emergency_note: str = Field("", max_length=400, description="緊急の事情")
    idempotency_key: str | None = Field(None, description=IDEMPOTENCY_HELP)


class AgendaOutcomeIn(Schema):
    outcome: Literal["approved", "revise", "returned", ""] = Field(
        ..., description="approved: 承認 / revise: 修正 / returned: 差戻し（支援会議の相談は空でも可）"
    )
    minutes: str = ""


class AgendaItemOut(Schema):
    consent_id: int | None
    emergency_basis: str
    emergency_basis_ja: str
    id: int
    meeting_id: int
    case_id: int
    case_number: str
    person_name: str
    purpose: str
    purpose_ja: str
    plan_id: int | None
    plan_status: str | None
    evaluation_id: int | None
    outcome: str
    outcome_ja: str
    minutes: str


class MeetingOut(Schema):
    id: int
    kind: str
    kind_ja: str
    council_id: int | None
    council_name: str | None
    agency_id: int
    municipality_id: int
    held_on: date
    place: str
    chair_id: int | None
    chair_name: str | None
    minutes: str
    version: int
    attendees: list[AttendeeOut]
    agenda: list[AgendaItemOut]


class MeetingSummaryOut(Schema):
    id: int
    kind: str
    kind_ja: str
    council_id: int | None
    held_on: date
    place: str
    agenda_count: int
    version: int


class MeetingListOut(Schema):
    items: list[MeetingSummaryOut]
    count: int
    page: int
    pages: int


class SupportDecisionIn(Schema):
    case_id: RecordId
    kind: Literal["decision", "confirmation"] = Field(
        ..., description="decision: 支援決定（プランが法定事業を含む） / confirmation: 確認（含まない）"
    )
    decided_on: date
    programs: list[str] | None = Field(None, description="決定する事業（省略時はプランのすべての事業）")
    note: str = ""
    idempotency_key: str | None = Field(None, description=IDEMPOTENCY_HELP)


class SupportDecisionOut(Schema):
    id: int
    case_id: int
    case_number: str
    plan_id: int
    agenda_item_id: int | None
    municipality_id: int
    kind: str
    kind_ja: str
    decided_on: date
    programs: list[str]
    note: str
    decided_by: str


class PendingDecisionOut(Schema):
    case_id: int
    case_number: str
    person_name: str
    agency_name: str
    plan_id: int
    expected_kind: str
    programs: list[str]
