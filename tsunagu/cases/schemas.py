"""Typed API schemas per operation (never model-derived for input)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class PersonCreateIn(Schema):
    name: str = Field(..., description="漢字氏名")
    kana: str = Field(..., description="フリガナ（カタカナ、ひらがな可）")
    birth_date: date | None = None
    gender: str = ""
    postal_code: str = ""
    address: str = ""
    phone: str = ""
    phone_alt: str = ""
    email: str = ""
    contact_method: str = ""
    contact_times: str = ""
    nationality: str = ""
    housing_status: str = ""
    workplace: str = ""
    is_restricted: bool = False
    restriction_reason: str = ""


class PersonPatchIn(Schema):
    version: int = Field(..., description="取得時の版（楽観的ロック）")
    name: str | None = None
    kana: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    postal_code: str | None = None
    address: str | None = None
    phone: str | None = None
    phone_alt: str | None = None
    email: str | None = None
    contact_method: str | None = None
    contact_times: str | None = None
    nationality: str | None = None
    housing_status: str | None = None
    workplace: str | None = None
    is_restricted: bool | None = None
    restriction_reason: str | None = None


class PersonOut(Schema):
    id: int
    version: int
    name: str
    kana: str
    birth_date: date | None
    gender: str
    postal_code: str
    address: str
    phone: str
    phone_alt: str
    email: str
    workplace: str
    contact_method: str
    contact_times: str
    nationality: str
    housing_status: str
    is_restricted: bool
    restricted_fields_hidden: bool


class DuplicateQueryIn(Schema):
    name: str = ""
    kana: str = ""
    birth_date: date | None = None
    phone: str = ""
    address: str = ""


class DuplicateCandidateOut(Schema):
    person_id: int
    name: str
    kana: str
    birth_date: date | None
    score: float
    reasons: list[str]


class ConsentIn(Schema):
    purposes: list[str]
    recipient_types: list[str] = []
    named_recipient_ids: list[int] = []
    data_categories: list[str] = []
    given_on: date
    method: str
    expires_on: date | None = None


class ConsentWithdrawIn(Schema):
    withdrawn_on: date
    note: str = ""


class ConsentOut(Schema):
    id: int
    person_id: int
    notice_version: int
    purposes: list[str]
    recipient_types: list[str]
    named_recipient_ids: list[int]
    data_categories: list[str]
    given_on: date
    method: str
    expires_on: date | None
    withdrawn_on: date | None
    in_force: bool


class IntakeIn(Schema):
    person_id: int
    received_at: datetime
    method: str
    consulter_type: str = "self"
    consulter_name: str = ""
    consulter_relationship: str = ""
    route: str
    referring_partner_id: int | None = None
    topics: list[str] = []
    main_topic: str = ""
    chief_complaint: str = ""
    urgency_flags: list[str] = []
    screening_outcome: str = ""
    screening_referral_to: str = ""
    screening_note: str = ""
    applied_on: date | None = None
    submission_token: str | None = Field(None, description="二重送信防止用の任意の一意な文字列")


class CaseOut(Schema):
    id: int
    case_number: str
    person_id: int
    person_name: str
    person_kana: str
    state: str
    state_ja: str
    assigned_worker: str
    opened_on: date
    is_emergency: bool
    version: int


class CaseListOut(Schema):
    items: list[CaseOut]
    next_cursor: str
