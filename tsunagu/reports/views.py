"""Screens of the 支援ケース一覧 (様式【4】): the list of a period's cases, its files, and the layout
(the columns) of a municipality."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from tsunagu.cases.models import Case, CaseState
from tsunagu.core.dates import fiscal_year, fiscal_year_label
from tsunagu.core.history import history_of
from tsunagu.core.locking import StaleVersionError
from tsunagu.organizations.guards import permission_required
from tsunagu.organizations.roles import Permission

from . import selectors, services
from .case_list import COLUMNS, FISCAL_MONTHS
from .exports import FORMATS, export_file, rows_of, title_of
from .forms import layout_from_post, move_column

if TYPE_CHECKING:
    from tsunagu.organizations.models import User

PAGE_SIZE = 50

report_required = permission_required(Permission.REPORT_CASE_LIST)


def _user(request: HttpRequest) -> User:
    return cast("User", request.user)


def _seireki(request: HttpRequest) -> bool:
    """西暦 when asked (``?era=seireki``) or chosen for the session; 和暦 otherwise."""
    era = request.GET.get("era", "")
    if era:
        return era == "seireki"
    return request.session.get("date_style") == "seireki"


def _choices(user: User) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "years": [(fy, fiscal_year_label(fy)) for fy in range(fiscal_year(today), 2014, -1)],
        "months": list(FISCAL_MONTHS),
        "municipalities": list(selectors.municipalities_for(user)),
        "states": [(s.value, s.label) for s in CaseState if s != CaseState.CANCELLED],
    }


@report_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The period's cases in the account's scope, one page at a time (each page audited)."""
    user = _user(request)
    ctx: dict[str, Any] = {"choices": _choices(user), "params": request.GET}
    try:
        sel = selectors.selection_from(user, request.GET, timezone.localdate())
    except ValidationError as exc:
        ctx["errors"] = [m for msgs in exc.message_dict.values() for m in msgs]
        return render(request, "reports/case_list.html", ctx, status=400)
    seireki = _seireki(request)
    layout_muni = selectors.layout_municipality(user, sel)
    columns = selectors.layout_columns(layout_muni)
    qs: models.QuerySet[Case] = selectors.case_list_queryset(user, sel)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page", 1))
    cases = list(page.object_list)
    selectors.list_viewed(user=user, cases=cases, via="case_list_report")
    query = request.GET.copy()
    query.pop("page", None)
    ctx.update(
        sel=sel,
        title=title_of(user, sel, seireki),
        period_label=sel.period.label(seireki=seireki),
        headers=[c.header for c in columns],
        rows=rows_of(cases, columns, page.start_index(), seireki),
        page=page,
        query=query.urlencode(),
        layout_municipality=layout_muni,
    )
    return render(request, "reports/case_list.html", ctx)


@report_required
def case_list_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole selection as xlsx or CSV (UTF-8 with BOM): one audit row per file."""
    user = _user(request)
    try:
        sel = selectors.selection_from(user, request.GET, timezone.localdate())
    except ValidationError as exc:
        return _refused(request, [m for msgs in exc.message_dict.values() for m in msgs])
    qs = selectors.case_list_queryset(user, sel)
    count = qs.count()
    if count > selectors.EXPORT_LIMIT:
        return _refused(request, [selectors.TOO_MANY.format(count=count, limit=selectors.EXPORT_LIMIT)])
    return export_file(user, sel, qs, fmt if fmt in FORMATS else "xlsx", _seireki(request), via="screen")


def _refused(request: HttpRequest, messages: list[str]) -> HttpResponse:
    return render(
        request,
        "reports/export_refused.html",
        {"messages_": messages, "back": reverse("reports:case_list")},
        status=400,
    )


@report_required
def layout_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Choose the columns of a municipality's list and their order (stale edits refused)."""
    user = _user(request)
    municipality = selectors.municipality_for_user_or_404(user, code)
    layout = selectors.layout_of(municipality)
    keys = selectors.layout_keys(layout)
    version: Any = layout.version if layout is not None else 0
    ctx: dict[str, Any] = {"municipality": municipality, "layout": layout}
    if request.method == "POST" and request.POST.get("move"):
        # ↑↓: move one chosen column and show the form again (saved only with 保存する)
        keys = move_column(layout_from_post(request.POST), request.POST["move"])
        version = request.POST.get("version", version)
        ctx["moved"] = True
    elif request.method == "POST":
        chosen = layout_from_post(request.POST)
        try:
            services.layout_save(
                actor=user, municipality=municipality, columns=chosen, version=request.POST.get("version")
            )
        except StaleVersionError as exc:
            current = exc.current
            theirs = selectors.layout_keys(current)
            ctx["stale"] = current
            ctx["stale_rows"] = [
                (
                    "列（並び順）",
                    services.shown_columns("columns", theirs),
                    services.shown_columns("columns", chosen),
                )
            ]
            keys, version = chosen, current.version if current is not None else 0
        except ValidationError as exc:
            ctx["errors"] = [m for msgs in exc.message_dict.values() for m in msgs]
            keys, version = chosen, request.POST.get("version", version)
        else:
            return redirect(f"{reverse('reports:layout_edit', args=[municipality.code])}?saved=1")
    position = {k: i + 1 for i, k in enumerate(keys)}
    ctx.update(
        version=version,
        saved=request.GET.get("saved") == "1",
        rows=[
            {"key": c.key, "header": c.header, "use": c.key in position, "order": position.get(c.key, "")}
            for c in sorted(COLUMNS, key=lambda c: position.get(c.key, 1000 + COLUMNS.index(c)))
        ],
        history=history_of(layout) if layout is not None else [],
    )
    return render(request, "reports/layout_edit.html", ctx)


# --- 帳票 (printed forms) -------------------------------------------------------------------------------


def print_form(request: HttpRequest, case_id: int, name: str) -> HttpResponse:
    """One form of a case as an A4 PDF (``printing.print_form``: scoped, 404, audited as PRINT)."""
    from .printing import pdf_response
    from .printing import print_form as build

    pdf, filename = build(user=_user(request), case_id=case_id, name=name, params=request.GET)
    return pdf_response(pdf, filename)
