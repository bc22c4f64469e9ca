"""Screens of 保存期間 (rules, monthly reviews) and 本人開示請求 (requests, PDF and JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tsunagu.core.drafts import form_data
from tsunagu.core.history import history_of
from tsunagu.organizations.guards import permission_required
from tsunagu.organizations.roles import Permission

from . import retention, selectors, subject_access, workflow
from .forms import ExclusionForm, RetentionRuleForm, SubjectAccessRequestForm
from .models import RecordType

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


def _user(request: HttpRequest) -> User:
    return cast("User", request.user)


rules_required = permission_required(Permission.RETENTION_RULES)
approve_required = permission_required(Permission.RETENTION_APPROVE)
sar_required = permission_required(Permission.SUBJECT_ACCESS_MANAGE)


@permission_required(
    Permission.RETENTION_RULES, Permission.RETENTION_APPROVE, Permission.SUBJECT_ACCESS_MANAGE
)
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "personal_data/home.html",
        {
            "can_rules": user.can(Permission.RETENTION_RULES),
            "can_approve": user.can(Permission.RETENTION_APPROVE),
            "can_sar": user.can(Permission.SUBJECT_ACCESS_MANAGE),
        },
    )


# --- rules ---------------------------------------------------------------------------------------


@rules_required
def rule_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rules = {r.record_type: r for r in selectors.rules_for(user)}
    rows = [(rt, rules.get(rt.value)) for rt in RecordType]
    histories = {rt.value: history_of(r) for rt, r in rows if r is not None}
    form = RetentionRuleForm(form_data(request) if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        existing = rules.get(data["record_type"])
        try:
            retention.save_rule(
                user,
                user.municipality,  # type: ignore[arg-type]
                record_type=data["record_type"],
                years=data["years"],
                basis=data["basis"],
                effective_from=data["effective_from"],
                version=data["version"] if existing else None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "保存期間を保存しました。")
            return redirect("personal_data:rule_list")
    edit_type = request.GET.get("edit", "")
    if request.method != "POST" and edit_type in RecordType.values:
        r = rules.get(edit_type)
        form = RetentionRuleForm(
            initial={"record_type": edit_type}
            | (
                {"years": r.years, "basis": r.basis, "effective_from": r.effective_from, "version": r.version}
                if r
                else {}
            )
        )
    return render(
        request,
        "personal_data/rule_list.html",
        {"rows": rows, "form": form, "histories": histories},
    )


# --- reviews -------------------------------------------------------------------------------------


@approve_required
def review_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "personal_data/review_list.html",
        {"page": selectors.reviews_page(_user(request), request.GET.get("page"))},
    )


@approve_required
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    user = _user(request)
    review = selectors.review_for(user, review_id)
    page, names = selectors.review_items(user, review, request.GET.get("page"))
    rows = [(item, names.get((item.record_type, item.object_id), "")) for item in page]
    return render(
        request,
        "personal_data/review_detail.html",
        {
            "review": review,
            "page": page,
            "rows": rows,
            "editable": review.status in workflow.EDITABLE,
            "can_approve": workflow.allowed("approve", review.status),
            "approve_label": workflow.TRANSITIONS["approve"].label,
            "exclusion_form": ExclusionForm(),
        },
    )


@approve_required
@require_POST
def review_exclude(request: HttpRequest, review_id: int, item_id: int) -> HttpResponse:
    user = _user(request)
    review = selectors.review_for(user, review_id)
    include = request.POST.get("include") == "1"
    form = ExclusionForm(request.POST)
    if include or form.is_valid():
        retention.set_exclusion(
            user, review, item_id, excluded=not include, reason="" if include else form.cleaned_data["reason"]
        )
        messages.success(request, "対象に戻しました。" if include else "除外しました。")
    else:
        messages.error(request, "除外の理由を入力してください。")
    return redirect("personal_data:review_detail", review.pk)


@approve_required
@require_POST
def review_approve(request: HttpRequest, review_id: int) -> HttpResponse:
    user = _user(request)
    review = selectors.review_for(user, review_id)
    retention.approve(user, review)
    messages.success(request, "承認しました。廃棄・匿名化を実行しています。")
    return redirect("personal_data:review_detail", review.pk)


@approve_required
@require_POST
def review_run(request: HttpRequest) -> HttpResponse:
    """Create (or refresh) this month's reviews of the officer's agency now."""
    user = _user(request)
    agency = user.agency
    if agency is not None:
        from django.utils import timezone

        from tsunagu.organizations.models import Municipality

        for muni in Municipality.objects.area_of(agency).order_by("code"):
            if retention.rules_in_force(muni.pk, timezone.localdate()):
                retention.create_review(agency, muni, timezone.localdate())
    messages.success(request, "今月の保存期間の確認を作成しました。")
    return redirect("personal_data:review_list")


# --- 本人開示 ------------------------------------------------------------------------------------


@sar_required
def request_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "personal_data/request_list.html",
        {"page": selectors.requests_page(_user(request), request.GET.get("page"))},
    )


@sar_required
def request_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    person_id = request.POST.get("person") or request.GET.get("person")
    person = selectors.person_for(user, person_id) if person_id else None
    q = request.GET.get("q", "")
    found = selectors.persons_matching(user, q) if person is None else []
    form = SubjectAccessRequestForm(form_data(request) if request.method == "POST" else None)
    if request.method == "POST" and person is not None and form.is_valid():
        req = subject_access.record_request(user, person, **form.cleaned_data)
        messages.success(request, "本人開示請求を受け付けました。")
        return redirect("personal_data:request_detail", req.pk)
    return render(
        request,
        "personal_data/request_new.html",
        {"person": person, "form": form, "q": q, "found": found},
    )


@sar_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    req = selectors.request_for(_user(request), request_id)
    return render(request, "personal_data/request_detail.html", {"req": req})


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@sar_required
@require_POST
def request_pdf(request: HttpRequest, request_id: int) -> HttpResponse:
    req = selectors.request_for(_user(request), request_id)
    pdf = subject_access.produce_pdf(_user(request), req)
    return _download(pdf, "application/pdf", f"kaiji-{req.pk}.pdf")


@sar_required
@require_POST
def request_json(request: HttpRequest, request_id: int) -> HttpResponse:
    req = selectors.request_for(_user(request), request_id)
    data = subject_access.produce_json(_user(request), req)
    return _download(data, "application/json; charset=utf-8", f"kaiji-{req.pk}.json")
