"""API: 規程の版 (privacy notices): list, write a draft, edit it, publish it.

``version`` in a body is the edit version of the draft (optimistic locking, as everywhere in the
API); the notice's 版 number, given at publish, is ``number``. A published version is immutable
(PATCH answers 422). The same services, permissions and scoping as the screens.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from tsunagu.core.bounds import MAX_DB_ID
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from . import selectors, services
from .models import PrivacyNotice

router = Router(tags=["個人情報の取扱い（規程）"])

NoticeId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]


class PrivacyNoticeErrorOut(Schema):
    detail: str


class PrivacyNoticeInvalidOut(Schema):
    detail: str
    errors: dict[str, list[str]]


ERRORS: dict[int, Any] = {
    401: PrivacyNoticeErrorOut,
    403: PrivacyNoticeErrorOut,
    404: PrivacyNoticeErrorOut,
    422: PrivacyNoticeInvalidOut,
}


class PrivacyNoticeOut(Schema):
    id: int
    status: str
    status_name: str
    number: int | None = Field(None, description="版番号（公開時に付番。下書きは null）")
    version: int = Field(description="編集の版（下書きを PATCH・公開するときに送る値）")
    title: str
    body: str
    section_handling: str
    section_confidentiality: str
    purposes: list[str]
    purposes_note: str
    section_third_party: str
    section_contact: str
    effective_from: date | None
    published_at: datetime | None
    widened_purposes: list[str] = Field(
        description="公開中の最新の版にない利用目的（同意の再取得が必要になる）"
    )


class PrivacyNoticeIn(Schema):
    """A new draft. Fields left out are copied from the last published version (or the defaults)."""

    title: str = Field("", min_length=1, max_length=120)
    body: str = Field("", max_length=20000)
    section_handling: str = Field("", max_length=20000)
    section_confidentiality: str = Field("", max_length=20000)
    purposes: list[str] = Field(default_factory=list, max_length=20)
    purposes_note: str = Field("", max_length=20000)
    section_third_party: str = Field("", max_length=20000)
    section_contact: str = Field("", max_length=20000)


class PrivacyNoticePatch(PrivacyNoticeIn):
    version: int = Field(ge=0, le=MAX_DB_ID, description="編集の版（取得した値）")


class PrivacyNoticePublishIn(Schema):
    effective_from: date = Field(description="適用開始日（今日以降）")
    version: int = Field(ge=0, le=MAX_DB_ID, description="編集の版（審査した値）")


def _api_user(request: HttpRequest) -> Any:
    guards.require(request.user, Permission.API_USE, via="api")
    return request.user


def notice_out(notice: PrivacyNotice) -> dict[str, Any]:
    base = services.current_notice_any(notice.agency_id)
    widened = [] if notice.is_published else selectors.widened_purposes(list(notice.purposes), base)
    return {
        "id": notice.pk,
        "status": notice.status,
        "status_name": notice.get_status_display(),
        "number": notice.version,
        "version": notice.lock_version,
        "title": notice.title,
        "body": notice.body,
        "section_handling": notice.section_handling,
        "section_confidentiality": notice.section_confidentiality,
        "purposes": list(notice.purposes),
        "purposes_note": notice.purposes_note,
        "section_third_party": notice.section_third_party,
        "section_contact": notice.section_contact,
        "effective_from": notice.effective_from,
        "published_at": notice.published_at,
        "widened_purposes": widened,
    }


def _values(payload: Schema) -> dict[str, Any]:
    """The fields the body named (a field left out keeps its value)."""
    return {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version"}


@router.get("/privacy-notices", response={200: list[PrivacyNoticeOut], **ERRORS}, summary="規程の版の一覧")
def privacy_notice_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = _api_user(request)
    return [notice_out(n) for n in selectors.notice_list_for(user)[:200]]


@router.post("/privacy-notices", response={201: PrivacyNoticeOut, **ERRORS}, summary="規程の下書きを作成")
def privacy_notice_create(request: HttpRequest, payload: PrivacyNoticeIn) -> Status:
    user = _api_user(request)
    guards.require(user, Permission.NOTICE_EDIT, via="api")
    values = {**services.notice_values_from(services.current_notice_any(user.agency_id)), **_values(payload)}
    return Status(201, notice_out(services.notice_draft_create(actor=user, values=values)))


@router.get("/privacy-notices/{notice_id}", response={200: PrivacyNoticeOut, **ERRORS}, summary="規程の版")
def privacy_notice_get(request: HttpRequest, notice_id: NoticeId) -> dict[str, Any]:
    user = _api_user(request)
    return notice_out(selectors.notice_get_for_user(user=user, notice_id=notice_id))


@router.patch(
    "/privacy-notices/{notice_id}", response={200: PrivacyNoticeOut, **ERRORS}, summary="規程の下書きを編集"
)
def privacy_notice_update(
    request: HttpRequest, notice_id: NoticeId, payload: PrivacyNoticePatch
) -> dict[str, Any]:
    user = _api_user(request)
    guards.require(user, Permission.NOTICE_EDIT, via="api")
    notice = selectors.notice_get_for_user(user=user, notice_id=notice_id)
    updated = services.notice_draft_update(
        actor=user, notice=notice, values=_values(payload), expected_version=payload.version
    )
    return notice_out(updated)


@router.post(
    "/privacy-notices/{notice_id}/publish",
    response={200: PrivacyNoticeOut, **ERRORS},
    summary="規程の下書きを審査して公開",
)
def privacy_notice_publish(
    request: HttpRequest, notice_id: NoticeId, payload: PrivacyNoticePublishIn
) -> dict[str, Any]:
    user = _api_user(request)
    guards.require(user, Permission.NOTICE_PUBLISH, via="api")
    notice = selectors.notice_get_for_user(user=user, notice_id=notice_id)
    published = services.notice_publish(
        actor=user, notice=notice, effective_from=payload.effective_from, expected_version=payload.version
    )
    return notice_out(published)
