"""Screens of the 区分マスタ（自治体ごと）: the lists → one list of one municipality → one code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tsunagu.core.audit import audit_record
from tsunagu.core.forms import apply_service_errors
from tsunagu.core.history import history_of
from tsunagu.core.models import AuditAction, CodeItem, CodeList
from tsunagu.organizations.guards import permission_required
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import not_found

from . import selectors, services
from .forms import CodeAddForm, CodeEditForm


def _errors_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@permission_required(Permission.CODES_EDIT)
def code_lists(request: HttpRequest) -> HttpResponse:
    municipalities = list(selectors.municipalities_editable(request.user))
    return render(
        request,
        "masters/code_lists.html",
        {"municipalities": municipalities, "lists": CodeList.choices},
    )


def _list_context(
    request: HttpRequest, municipality: Any, list_key: CodeList, form: CodeAddForm
) -> dict[str, Any]:
    return {
        "municipality": municipality,
        "list_key": list_key,
        "list_label": list_key.label,
        "rows": selectors.code_rows(list_key, municipality),
        "counted": selectors.is_counted(list_key),
        "standard_labels": dict(selectors.standard_choices(list_key)),
        "form": form,
    }


def _add_form(list_key: CodeList, data: Any = None) -> CodeAddForm:
    return CodeAddForm(
        data, standard=selectors.standard_choices(list_key), counted=selectors.is_counted(list_key)
    )


@permission_required(Permission.CODES_EDIT)
def code_list(request: HttpRequest, municipality_id: int, list_key: str) -> HttpResponse:
    municipality = selectors.municipality_for_user_or_404(request.user, municipality_id)
    key = selectors.list_key_or_404(request.user, list_key)
    form = _add_form(key, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.code_add(
                actor=request.user,
                municipality=municipality,
                list_key=key,
                label=form.cleaned_data["label"],
                sort_order=form.cleaned_data["sort_order"],
                counted_as=form.cleaned_data["counted_as"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"「{row.label}」を追加しました。")
            return redirect("masters:code_list", municipality_id=municipality.pk, list_key=key.value)
    audit_record(
        actor=request.user,
        action=AuditAction.VIEW,
        object_type="codeitem",
        municipality_id=municipality.pk,
        details={"list_key": str(key.label)},
    )
    return render(request, "masters/code_list.html", _list_context(request, municipality, key, form))


def _own_or_effective(request: HttpRequest, municipality: Any, key: CodeList, code: str) -> Any:
    for row in selectors.code_rows(key, municipality):
        if row.code.code == code:
            return row
    raise not_found(request.user, CodeItem, code)


@permission_required(Permission.CODES_EDIT)
def code_edit(request: HttpRequest, municipality_id: int, list_key: str, code: str) -> HttpResponse:
    municipality = selectors.municipality_for_user_or_404(request.user, municipality_id)
    key = selectors.list_key_or_404(request.user, list_key)
    row = _own_or_effective(request, municipality, key, code)
    version = row.row.version if row.row is not None else 0
    initial = {"version": version, "label": row.code.label, "sort_order": row.code.sort_order}
    form = CodeEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.code_edit(
                actor=request.user,
                municipality=municipality,
                list_key=key,
                code=code,
                version=form.cleaned_data["version"],
                label=form.cleaned_data["label"],
                sort_order=form.cleaned_data["sort_order"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "変更を保存しました。")
            return redirect("masters:code_list", municipality_id=municipality.pk, list_key=key.value)
    return render(
        request,
        "masters/code_edit.html",
        {
            "municipality": municipality,
            "list_key": key,
            "list_label": key.label,
            "row": row,
            "form": form,
            "history": history_of(row.row) if row.row is not None else [],
        },
    )


@require_POST
@permission_required(Permission.CODES_EDIT)
def code_action(
    request: HttpRequest, municipality_id: int, list_key: str, code: str, action: str
) -> HttpResponse:
    municipality = selectors.municipality_for_user_or_404(request.user, municipality_id)
    key = selectors.list_key_or_404(request.user, list_key)
    row = _own_or_effective(request, municipality, key, code)
    version = request.POST.get("version")
    try:
        if action == "retire":
            services.code_set_active(
                actor=request.user,
                municipality=municipality,
                list_key=key,
                code=code,
                version=version,
                active=False,
            )
            messages.success(
                request, f"「{row.code.label}」を使用中止にしました。これまでの記録の表示は変わりません。"
            )
        elif action == "restore":
            services.code_set_active(
                actor=request.user,
                municipality=municipality,
                list_key=key,
                code=code,
                version=version,
                active=True,
            )
            messages.success(request, f"「{row.code.label}」を再び使えるようにしました。")
        elif action == "delete":
            services.code_delete(
                actor=request.user, municipality=municipality, list_key=key, code=code, version=version
            )
            messages.success(request, f"「{row.code.label}」を削除しました。")
        else:
            raise not_found(request.user, CodeItem, code)
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    return redirect("masters:code_list", municipality_id=municipality.pk, list_key=key.value)
