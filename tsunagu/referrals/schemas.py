"""Typed API schemas, one per operation (never model-derived for input)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema

# A record id as the database stores it (64-bit): larger values are refused with 422, never a 500.
RecordId = Annotated[int, Field(ge=1, le=9_223_372_036_854_775_807)]

BasisChoice = Literal["consent", "statutory", "council"]


IDEMPOTENCY_HELP = "二重送信防止キー（任意）：同じキーでの再送は、最初に作成した記録を返します"


class RefusalOut(Schema):
    """403 / 404: ``detail`` in Japanese (for a refused disclosure, the reason there is no basis)."""

    detail: str


class InvalidInputOut(Schema):
    """422: ``detail`` plus Japanese messages per field."""

    detail: str
    errors: dict[str, list[str]]


class PartnerContactOut(Schema):
    id: int
    name: str
    department: str
    phone: str
    email: str


class PartnerAgencyOut(Schema):
    id: int
    municipality_code: str
    municipality_name: str
    name: str
    agency_type: str
    agency_type_ja: str
    area: str
    address: str
    phone: str
    notes: str
    is_active: bool
    version: int
    contacts: list[PartnerContactOut]


class PartnerContactIn(Schema):
    name: str = Field(..., max_length=60)
    department: str = Field("", max_length=100)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)


class PartnerAgencyCreateIn(Schema):
    municipality_code: str = Field(..., description="全国地方公共団体コード（6桁）。自機関の担当地域に限る")
    name: str = Field(..., max_length=120)
    agency_type: str = Field(..., description="welfare_office, hello_work, youth_support_station, …")
    area: str = Field("", max_length=200, description="担当地域")
    address: str = Field("", max_length=200)
    phone: str = Field("", max_length=20)
    notes: str = ""
    is_active: bool = True
    contacts: list[PartnerContactIn] = Field(default_factory=list, description="担当者")
    idempotency_key: str | None = Field(None, description=IDEMPOTENCY_HELP)


class PartnerAgencyPatchIn(Schema):
    version: int = Field(..., ge=0, le=2_147_483_647, description="取得時の版（楽観的ロック）")
    name: str | None = Field(None, max_length=120)
    agency_type: str | None = None
    area: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=20)
    notes: str | None = None
    is_active: bool | None = None


class ReferralCreateIn(Schema):
    case_id: RecordId
    idempotency_key: str | None = Field(None, description=IDEMPOTENCY_HELP)
    partner_id: RecordId | None = Field(None, description="つなぎ先の関係機関（事業だけの場合は省略）")
    program: str = Field(
        "", description="public_assistance, hw_public_assistance_employment, youth_support, …"
    )
    reason: str = Field(..., description="つなぐ理由")
    data_categories: list[str] = Field(default_factory=list, description="共有する個人情報の種類")
    accompanied: bool = Field(False, description="同行する")
    follow_up_on: date | None = None
    basis: BasisChoice = Field(
        "consent", description="提供の根拠：consent（同意）, statutory（第27条第1項）, council（支援会議）"
    )
    exception_id: RecordId | None = Field(None, description="basis=statutory のとき、承認済みの申請")
    council_id: RecordId | None = Field(None, description="basis=council のとき、支援会議")
    confirm_age_warning: bool = Field(
        False, description="地域若者サポートステーションの対象年齢（15〜39歳）外の警告を確認済み"
    )


class ReferralStatusIn(Schema):
    to_status: str = Field(..., description="accepted, declined, in_support, completed, cancelled")
    version: int = Field(..., description="取得時の版（楽観的ロック）")
    note: str = ""
    outcome_code: str = ""
    outcome: str = ""
    follow_up_on: date | None = None


class DisclosureOut(Schema):
    id: int
    person_id: int
    case_id: int | None
    recipient_partner_id: int | None
    recipient_council_id: int | None
    recipient_name: str
    data_categories: list[str]
    purpose: str
    basis_kind: str
    basis_kind_ja: str
    basis_note: str
    consent_id: int | None
    exception_id: int | None
    council_id: int | None
    channel: str
    disclosed_on: date
    disclosed_at: datetime
    disclosed_by: str


class AttachmentOut(Schema):
    id: int
    kind: str
    filename: str
    sha256: str
    size: int
    plan_number: int | None


class ReferralOut(Schema):
    id: int
    version: int
    case_id: int
    person_id: int
    partner_id: int | None
    partner_name: str | None
    program: str
    program_ja: str
    referred_on: date
    reason: str
    data_categories: list[str]
    accompanied: bool
    status: str
    status_ja: str
    outcome_code: str
    outcome: str
    follow_up_on: date | None
    age_warning: str
    disclosure: DisclosureOut | None
    attachments: list[AttachmentOut]
    public_assistance_closure_offered: bool


class ReferralListOut(Schema):
    items: list[ReferralOut]
    count: int
    page: int
    pages: int


class DisclosureCreateIn(Schema):
    person_id: RecordId
    idempotency_key: str | None = Field(None, description=IDEMPOTENCY_HELP)
    case_id: RecordId | None = None
    recipient_partner_id: RecordId | None = Field(None, description="提供先の関係機関")
    recipient_council_id: RecordId | None = Field(
        None, description="会議資料の提供先の支援会議（basis=council）"
    )
    data_categories: list[str]
    purpose: str = Field(..., max_length=200)
    channel: Literal["meeting_papers", "export"] = Field(
        ..., description="会議資料 / 関係機関への提供（出力）"
    )
    basis: BasisChoice = "consent"
    exception_id: RecordId | None = None
    council_id: RecordId | None = None


class DisclosureListOut(Schema):
    items: list[DisclosureOut]
    count: int
    page: int
    pages: int


class ExceptionCreateIn(Schema):
    person_id: RecordId
    case_id: RecordId | None = None
    recipient_partner_id: RecordId
    data_categories: list[str]
    clause: int = Field(..., ge=1, le=4, description="個人情報保護法第27条第1項の号（1〜4）")
    legal_basis: str = Field("", max_length=200)
    reason: str
    valid_until: date | None = None


class ExceptionDecisionIn(Schema):
    note: str = ""


class ExceptionOut(Schema):
    id: int
    person_id: int
    recipient_partner_id: int
    data_categories: list[str]
    clause: int
    clause_ja: str
    legal_basis: str
    reason: str
    status: str
    status_ja: str
    requested_by: str
    approved_by: str | None
    approved_at: datetime | None
    valid_until: date | None


class PersonWithoutConsentOut(Schema):
    person_id: int
    name: str
    open_case_number: str | None
    last_given_on: date | None
    last_withdrawn_on: date | None
    last_expires_on: date | None


class ConsentOpsOut(Schema):
    consent_id: int
    person_id: int
    name: str
    given_on: date
    expires_on: date | None
    withdrawn_on: date | None
    withdrawal_note: str
    disclosures_before: int | None = None


class PersonsWithoutConsentListOut(Schema):
    items: list[PersonWithoutConsentOut]
    count: int
    page: int
    pages: int


class ConsentOpsListOut(Schema):
    items: list[ConsentOpsOut]
    count: int
    page: int
    pages: int
