"""API: the 支援ケース一覧 (様式【4】) of a period, as json (columns and rows, paged) or as the same
xlsx / CSV files as the screen. The same scoping, audit and bound as the screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission

from . import selectors
from .exports import FORMATS, export_file, rows_of
from .schemas import CaseListQuery, CaseListReportOut

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

router = Router(tags=["帳票"])
API_PAGE_SIZE = 100


def _user(request: HttpRequest) -> User:
    return cast("User", request.user)


@router.get(
    "/case-list-reports",
    response={200: CaseListReportOut},
    summary="支援ケース一覧（様式【4】）",
    description=(
        "期間（年度と月の範囲）に開いていたケース（受付日が期間の末日以前で、終結・中断日が空か期間の初日以降。"
        "取消は含みません）の一覧。列は自治体ごとの設定（未設定なら標準の列）。format=json は列と行"
        f"（1ページ{API_PAGE_SIZE}件）、xlsx と csv（UTF-8 BOM付き）は添付ファイル（日本語のファイル名を"
        f"RFC 5987 の filename* で）。ファイルは{selectors.EXPORT_LIMIT}件まで（超えると 422）。"
        "閲覧できない自治体は 404。閲覧と出力は監査ログに記録されます。"
    ),
)
def case_list_report(request: HttpRequest, q: Query[CaseListQuery]) -> Any:
    user = _user(request)
    guards.require(user, Permission.API_USE, via="api")
    guards.require(user, Permission.REPORT_CASE_LIST, via="api")
    fmt = (q.format or "json").strip()
    if fmt not in (*FORMATS, "json"):
        raise ValidationError({"format": "format は json、xlsx、csv のいずれかを指定してください。"})
    params = {
        "fiscal_year": q.fiscal_year,
        "from": q.from_,
        "to": q.to,
        "municipality": q.municipality,
        "state": q.state,
    }
    sel = selectors.selection_from(user, params, timezone.localdate())
    seireki = q.era == "seireki"
    qs = selectors.case_list_queryset(user, sel)
    if fmt in FORMATS:
        count = qs.count()
        if count > selectors.EXPORT_LIMIT:
            raise ValidationError(
                {"format": selectors.TOO_MANY.format(count=count, limit=selectors.EXPORT_LIMIT)}
            )
        response: HttpResponse = export_file(user, sel, qs, fmt, seireki, via="api")
        return response
    columns = selectors.layout_columns(selectors.layout_municipality(user, sel))
    paginator = Paginator(qs, API_PAGE_SIZE)
    page = paginator.get_page(q.page)
    cases = list(page.object_list)
    selectors.list_viewed(user=user, cases=cases, via="api_case_list_report")
    return {
        "period": sel.period.label(seireki=seireki),
        "period_start": sel.period.start.isoformat(),
        "period_end": sel.period.end.isoformat(),
        "municipality": sel.municipality.code if sel.municipality is not None else "",
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "columns": [{"key": c.key, "header": c.header} for c in columns],
        "rows": rows_of(cases, columns, page.start_index(), seireki),
    }


# --- 帳票 (printed forms) -------------------------------------------------------------------------------


class CaseFormOut(Schema):
    name: str = Field(description="帳票の名前（URL の一部）")
    title: str = Field(description="帳票の表題（例：相談受付・申込票）")
    url: str = Field(description="PDF の URL（画面のログインで開く）")
    api_url: str = Field(description="PDF の URL（API トークンで開く）")


@router.get(
    "/cases/{case_id}/forms",
    response={200: list[CaseFormOut]},
    summary="ケースの帳票の一覧",
    description="このケースで出力できる帳票（A4 PDF）。閲覧できないケースは 404。",
)
def case_forms(request: HttpRequest, case_id: int) -> Any:
    from tsunagu.cases.selectors import case_get_for_user

    from .printing import forms_of_case

    user = _user(request)
    guards.require(user, Permission.API_USE, via="api")
    case = case_get_for_user(user=user, case_id=case_id)
    return [{**f, "api_url": f"/api/v1/cases/{case.pk}/forms/{f['name']}"} for f in forms_of_case(case)]


@router.get(
    "/cases/{case_id}/forms/{name}",
    response={200: None},
    openapi_extra={
        "responses": {
            "200": {
                "description": "帳票の A4 PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    summary="ケースの帳票（PDF）",
    description="帳票を A4 PDF で返します（版・期間などは各帳票の問い合わせパラメータ）。出力は監査ログに記録されます。",
)
def case_form_pdf(request: HttpRequest, case_id: int, name: str) -> HttpResponse:
    from .printing import pdf_response, print_form

    user = _user(request)
    guards.require(user, Permission.API_USE, via="api")
    pdf, filename = print_form(user=user, case_id=case_id, name=name, params=request.GET)
    return pdf_response(pdf, filename)
