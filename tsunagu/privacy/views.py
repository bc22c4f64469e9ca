from __future__ import annotations

import difflib
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tsunagu.core.audit import audit_record, audit_record_many
from tsunagu.core.drafts import form_data
from tsunagu.core.forms import apply_service_errors
from tsunagu.core.locking import StaleVersionError, diff_rows, field_labels, model_values
from tsunagu.core.models import AuditAction
from tsunagu.organizations.guards import allowed, permission_required
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import scope_for_user

from . import selectors
from .forms import AuditSearchForm, NoticePublishForm, PrivacyNoticeForm
from .models import NOTICE_SECTIONS, PrivacyNotice, Purpose
from .services import (
    current_notice,
    current_notice_any,
    is_unsectioned,
    notice_draft_create,
    notice_draft_delete,
    notice_draft_update,
    notice_publish,
    notice_values_from,
)


@permission_required(Permission.AUDIT_VIEW)
def audit_search(request: HttpRequest) -> HttpResponse:
    """監査ログ照会: who accessed person/case X in period P; what did account A touch in period P."""
    from tsunagu.organizations.models import User

    user: Any = request.user

    staff = scope_for_user(User.objects.all(), user).order_by("username")
    form = AuditSearchForm(request.GET or None, staff_queryset=staff)
    page = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        events = selectors.audit_events_search(
            user=user,
            person_id=d["person_id"],
            object_type=d["object_type"],
            object_id=d["object_id"],
            actor_id=d["actor"].pk if d["actor"] else None,
            start=d["start"],
            end=d["end"],
            action=d["action"],
        )
        page = Paginator(events, 50).get_page(request.GET.get("page"))
        # Read the rows now: evaluated later, the page would include this very query's audit row
        # (and drop one the count promised).
        page.object_list = list(page.object_list)
        with transaction.atomic():
            audit_record(
                actor=user,
                action=AuditAction.AUDIT_QUERY,
                details={k: str(v) for k, v in d.items() if v not in (None, "")},
            )
    return render(request, "privacy/audit_search.html", {"form": form, "page": page})


# --- 規程の版: write, review, publish --------------------------------------------------------------

RENEWAL_PAGE_SIZE = 25


def _user(request: HttpRequest) -> Any:
    return request.user


def _line_diff(before: str, after: str) -> list[tuple[str, str]]:
    """(kind, line) with kind 'same' / 'removed' / 'added', line by line (difflib)."""
    rows: list[tuple[str, str]] = []
    for line in difflib.ndiff((before or "").splitlines(), (after or "").splitlines()):
        code, text = line[:2], line[2:]
        if code == "  ":
            rows.append(("same", text))
        elif code == "- ":
            rows.append(("removed", text))
        elif code == "+ ":
            rows.append(("added", text))
    return rows


def section_diff(draft: PrivacyNotice, base: PrivacyNotice | None) -> list[dict[str, Any]]:
    """Section by section: the label, whether it changed, and the line diff against ``base``."""
    fields = {"title": "表題", "body": "前文", **NOTICE_SECTIONS}
    rows = []
    for name, label in fields.items():
        before = getattr(base, name) if base else ""
        after = getattr(draft, name)
        rows.append(
            {
                "label": label,
                "changed": (before or "").strip() != (after or "").strip(),
                "lines": _line_diff(before, after),
            }
        )
    before_p = set(base.purposes) if base else set()
    after_p = set(draft.purposes)
    rows.insert(
        4,
        {
            "label": "利用目的（項目）",
            "changed": before_p != after_p,
            "lines": [
                (
                    "same" if (p in before_p) == (p in after_p) else ("added" if p in after_p else "removed"),
                    label,
                )
                for p, label in Purpose.choices
                if p in before_p or p in after_p
            ],
        },
    )
    return rows


@permission_required(Permission.PERSON_VIEW, Permission.NOTICE_EDIT, Permission.NOTICE_PUBLISH)
def notice_list(request: HttpRequest) -> HttpResponse:
    """規程の版の一覧: published versions and drafts of the own agency (和暦 dates)."""
    user = _user(request)
    notices = selectors.notice_list_for(user)
    page = Paginator(notices, 25).get_page(request.GET.get("page"))
    current = current_notice(user.agency) if user.agency_id else None
    return render(
        request,
        "privacy/notice_list.html",
        {
            "page": page,
            "current": current,
            "may_edit": allowed(user, Permission.NOTICE_EDIT),
        },
    )


@permission_required(Permission.NOTICE_EDIT)
def notice_new(request: HttpRequest) -> HttpResponse:
    """新しい版（下書き）: prefilled from the version named (?from=), else the last published one,
    else the default sections."""
    user = _user(request)
    base = None
    if request.GET.get("from"):
        base = selectors.notice_get_for_user(user=user, notice_id=request.GET["from"])
    else:
        base = current_notice_any(user.agency_id)
    form = PrivacyNoticeForm(form_data(request), initial=notice_values_from(base))
    if request.method == "POST" and form.is_valid():
        try:
            notice = notice_draft_create(actor=user, values=form.values())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "下書きを保存しました。内容を確認し、審査に進んでください。")
            return redirect("privacy:notice_detail", notice_id=notice.pk)
    return render(
        request,
        "privacy/notice_form.html",
        {
            "form": form,
            "notice": None,
            "base": base,
            "unsectioned": base is not None and is_unsectioned(base),
        },
    )


@permission_required(Permission.NOTICE_EDIT)
def notice_edit(request: HttpRequest, notice_id: int) -> HttpResponse:
    user = _user(request)
    notice = selectors.notice_get_for_user(user=user, notice_id=notice_id)
    if notice.is_published:
        messages.info(request, "公開済みの版は変更できません。この版をもとに新しい版を作成してください。")
        return redirect("privacy:notice_detail", notice_id=notice.pk)
    initial = {**notice_values_from(notice), "version": notice.lock_version}
    form = PrivacyNoticeForm(form_data(request), initial=initial)
    stale, stale_rows = None, []
    if request.method == "POST" and form.is_valid():
        try:
            notice = notice_draft_update(
                actor=user,
                notice=notice,
                values=form.values(),
                expected_version=form.cleaned_data.get("version"),
            )
        except StaleVersionError as exc:
            stale = exc.current
            shown = PrivacyNoticeForm.VALUE_FIELDS
            stale_rows = [
                tuple(row)
                for row in diff_rows(
                    model_values(stale, shown),
                    form.values(),
                    field_labels(PrivacyNotice, shown),
                    lambda name, value: (
                        "、".join(selectors.purpose_labels(value or []))
                        if name == "purposes"
                        else str(value or "")
                    ),
                )
            ]
            form.add_error(None, exc.messages[0])
            data = form.data.copy()  # type: ignore[attr-defined]
            data["version"] = str(stale.lock_version)  # seen: saving again overrides their version
            form.data = data
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "下書きを保存しました。")
            return redirect("privacy:notice_detail", notice_id=notice.pk)
    return render(
        request,
        "privacy/notice_form.html",
        {"form": form, "notice": notice, "stale": stale, "stale_rows": stale_rows},
    )


def _renewal_context(request: HttpRequest, notice: PrivacyNotice) -> dict[str, Any]:
    """For a published version in force: the persons whose consent needs renewal (count, and the
    paginated list for those who may see persons; every person listed is audited as viewed)."""
    user = _user(request)
    current = current_notice(notice.agency)
    if current is None or current.pk != notice.pk:
        return {"renewal_applies": False}
    consents = selectors.consents_needing_renewal_for(user)
    page = Paginator(consents, RENEWAL_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    page.object_list = rows
    if rows:
        audit_record_many(
            actor=user,
            action=AuditAction.VIEW,
            objects=[c.person for c in rows],
            details={"list": "consent_renewal"},
        )
    return {"renewal_applies": True, "renewal_page": page}


@permission_required(Permission.PERSON_VIEW, Permission.NOTICE_EDIT, Permission.NOTICE_PUBLISH)
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    """A published version as the person reads it (with the renewal list), or a draft's review
    page: the draft as read, the diff against the version in force, the widening purposes and the
    number of persons whose consent will need renewal, and the publish form."""
    user = _user(request)
    notice = selectors.notice_get_for_user(user=user, notice_id=notice_id)
    with transaction.atomic():
        audit_record(actor=user, action=AuditAction.VIEW, obj=notice, agency_id=notice.agency_id)
    context: dict[str, Any] = {"notice": notice, "may_edit": allowed(user, Permission.NOTICE_EDIT)}
    if notice.is_published:
        context.update(_renewal_context(request, notice))
        return render(request, "privacy/notice_detail.html", context)
    base = current_notice_any(notice.agency_id)
    widened = selectors.widened_purposes(list(notice.purposes), base)
    renewal_count = (
        selectors.consents_needing_renewal(notice.agency_id, purposes=list(notice.purposes)).count()
        if widened
        else 0
    )
    form = NoticePublishForm(initial={"version": notice.lock_version, "effective_from": timezone.localdate()})
    context.update(
        {
            "base": base,
            "diff": section_diff(notice, base),
            "widened": selectors.purpose_labels(widened),
            "renewal_count": renewal_count,
            "may_publish": allowed(user, Permission.NOTICE_PUBLISH),
            "publish_form": form,
        }
    )
    return render(request, "privacy/notice_review.html", context)


@require_POST
@permission_required(Permission.NOTICE_PUBLISH)
def notice_publish_view(request: HttpRequest, notice_id: int) -> HttpResponse:
    user = _user(request)
    notice = selectors.notice_get_for_user(user=user, notice_id=notice_id)
    form = NoticePublishForm(request.POST)
    if form.is_valid():
        try:
            notice = notice_publish(
                actor=user,
                notice=notice,
                effective_from=form.cleaned_data["effective_from"],
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"第{notice.version}版として公開しました。公開した版は変更できません。")
            return redirect("privacy:notice_detail", notice_id=notice.pk)
    base = current_notice_any(notice.agency_id)
    widened = selectors.widened_purposes(list(notice.purposes), base)
    return render(
        request,
        "privacy/notice_review.html",
        {
            "notice": notice,
            "may_edit": allowed(user, Permission.NOTICE_EDIT),
            "base": base,
            "diff": section_diff(notice, base),
            "widened": selectors.purpose_labels(widened),
            "renewal_count": (
                selectors.consents_needing_renewal(notice.agency_id, purposes=list(notice.purposes)).count()
                if widened
                else 0
            ),
            "may_publish": True,
            "publish_form": form,
        },
        status=422 if form.errors else 200,
    )


@require_POST
@permission_required(Permission.NOTICE_EDIT)
def notice_delete_view(request: HttpRequest, notice_id: int) -> HttpResponse:
    user = _user(request)
    notice = selectors.notice_get_for_user(user=user, notice_id=notice_id)
    try:
        notice_draft_delete(actor=user, notice=notice)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("privacy:notice_detail", notice_id=notice.pk)
    messages.success(request, "下書きを削除しました。")
    return redirect("privacy:notice_list")


@permission_required(Permission.PERSON_VIEW, Permission.NOTICE_EDIT, Permission.NOTICE_PUBLISH)
def notice_print(request: HttpRequest, notice_id: int) -> HttpResponse:
    """The version as handed to the person (印刷用)."""
    user = _user(request)
    notice = selectors.notice_get_for_user(user=user, notice_id=notice_id)
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.VIEW,
            obj=notice,
            agency_id=notice.agency_id,
            details={"print": True},
        )
    return render(request, "privacy/notice_print.html", {"notice": notice})
