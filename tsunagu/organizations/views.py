from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tsunagu.core.history import history_of
from tsunagu.core.locking import DiffRow, StaleVersionError, diff_rows, field_labels

from . import guards, selectors, services
from .forms import (
    AgencyForm,
    MunicipalityForm,
    PrefectureInUseForm,
    StaffCreateForm,
    StaffRolesForm,
    StaffSearchForm,
)
from .models import Agency, Municipality, Prefecture
from .roles import AGENCY_ROLE_VALUES, Permission, Role

if TYPE_CHECKING:
    from .models import User


def _actor(request: HttpRequest) -> User:
    """The logged-in staff account (every page needs a login: StaffLoginRequiredMiddleware)."""
    return cast("User", request.user)


def _back_to_staff_list(request: HttpRequest) -> HttpResponse:
    """The システム管理者 manages every account from the 初期設定 list; a センター長 from its own."""
    if guards.allowed(_actor(request), Permission.SITE_MANAGE):
        return redirect("setup:staff_list")
    return redirect("organizations:staff_list")


@guards.permission_required(Permission.STAFF_VIEW)
def staff_list(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    staff = list(selectors.staff_visible_to(user))
    locked = services.staff_locked_usernames([s.username for s in staff])
    return render(
        request,
        "organizations/staff_list.html",
        {"staff": staff, "locked": locked, "can_manage": guards.allowed(user, Permission.STAFF_MANAGE)},
    )


@require_POST
@guards.permission_required(Permission.STAFF_MANAGE, Permission.SITE_MANAGE)
def staff_unlock(request: HttpRequest, staff_id: int) -> HttpResponse:
    target = selectors.staff_manageable_get(user=_actor(request), staff_id=staff_id)
    services.staff_unlock(actor=_actor(request), user=target)
    messages.success(request, f"{target} のロックを解除しました。")
    return _back_to_staff_list(request)


@require_POST
@guards.permission_required(Permission.STAFF_MANAGE, Permission.SITE_MANAGE)
def staff_disable(request: HttpRequest, staff_id: int) -> HttpResponse:
    target = selectors.staff_manageable_get(user=_actor(request), staff_id=staff_id)
    try:
        services.staff_disable(
            actor=_actor(request), user=target, reason=request.POST.get("reason", "")[:200]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{target} を利用停止にし、ログイン中のセッションを終了しました。")
    return _back_to_staff_list(request)


@require_POST
@guards.permission_required(Permission.STAFF_MANAGE, Permission.SITE_MANAGE)
def staff_enable(request: HttpRequest, staff_id: int) -> HttpResponse:
    target = selectors.staff_manageable_get(user=_actor(request), staff_id=staff_id)
    services.staff_enable(actor=_actor(request), user=target)
    messages.success(request, f"{target} の利用を再開しました。")
    return _back_to_staff_list(request)


@require_POST
@guards.permission_required(Permission.STAFF_MANAGE, Permission.SITE_MANAGE)
def staff_reset_credentials(request: HttpRequest, staff_id: int) -> HttpResponse:
    """Show the temporary password once; the account must set up TOTP again at its next login."""
    target = selectors.staff_manageable_get(user=_actor(request), staff_id=staff_id)
    temporary = services.staff_reset_credentials(actor=_actor(request), user=target)
    response = render(
        request,
        "organizations/credentials_reset.html",
        {"target": target, "temporary_password": temporary, "back_url": _staff_list_url(request)},
    )
    response["Cache-Control"] = "no-store"
    return response


def _staff_list_url(request: HttpRequest) -> str:
    return reverse(
        "setup:staff_list"
        if guards.allowed(_actor(request), Permission.SITE_MANAGE)
        else "organizations:staff_list"
    )


# --- 導入と移行: 初期設定の画面 (/setup/) ---------------------------------------------------------

PAGE_SIZE = 50
site_manage_required = guards.permission_required(Permission.SITE_MANAGE)


def _page(request: HttpRequest, queryset: Any) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page", 1))


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@site_manage_required
def setup_home(request: HttpRequest) -> HttpResponse:
    """初期設定: the steps in order, with what is already registered."""
    user = _actor(request)
    counts = {
        "prefectures": Prefecture.objects.filter(in_use=True).count(),
        "municipalities": selectors.municipalities_for_setup(user).count(),
        "agencies": selectors.agencies_for_setup(user).count(),
        "staff": selectors.staff_manageable_by(user).count(),
    }
    return render(request, "organizations/setup/home.html", {"counts": counts})


@site_manage_required
def prefecture_list(request: HttpRequest) -> HttpResponse:
    prefectures = list(selectors.prefectures_all())
    initial = {"codes": [p.code for p in prefectures if p.in_use]}
    form = PrefectureInUseForm(request.POST or None, initial=initial, prefectures=prefectures)
    if request.method == "POST" and form.is_valid():
        codes = services.prefectures_set_in_use(actor=_actor(request), codes=form.cleaned_data["codes"])
        messages.success(request, f"この環境で使う都道府県を{len(codes)}件にしました。")
        return redirect("setup:prefecture_list")
    return render(request, "organizations/setup/prefecture_list.html", {"form": form})


@site_manage_required
def municipality_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.municipalities_for_setup(_actor(request)))
    return render(request, "organizations/setup/municipality_list.html", {"page": page})


@site_manage_required
def municipality_new(request: HttpRequest) -> HttpResponse:
    form = MunicipalityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            muni = services.municipality_save(actor=_actor(request), values=form.values())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{muni}を登録しました。")
            return redirect("setup:municipality_list")
    has_prefectures = Prefecture.objects.filter(in_use=True).exists()
    return render(
        request,
        "organizations/setup/municipality_form.html",
        {"form": form, "municipality": None, "has_prefectures": has_prefectures},
    )


def _show_stale(
    form: Any, exc: StaleVersionError, saved: dict[str, Any], labels: dict[str, str]
) -> list[DiffRow]:
    """A stale save of a set-up form: the message, the saved version's number in the form (what was
    typed stays), and the rows that differ (``includes/stale.html``)."""
    form.add_error(None, exc.messages[0])
    data = cast(QueryDict, form.data).copy()
    data["version"] = str(exc.current.version)
    form.data = data
    return diff_rows(saved, form.values(), labels, services.shown_value)


@site_manage_required
def municipality_edit(request: HttpRequest, municipality_id: int) -> HttpResponse:
    user = _actor(request)
    muni = selectors.municipality_for_setup_or_404(user, municipality_id)
    form = MunicipalityForm(request.POST or None, initial=MunicipalityForm.initial_for(muni))
    stale: Municipality | None = None
    stale_rows: list[DiffRow] = []
    if request.method == "POST" and form.is_valid():
        try:
            muni = services.municipality_save(
                actor=user,
                values=form.values(),
                municipality=muni,
                expected_version=form.cleaned_data.get("version"),
            )
        except StaleVersionError as exc:
            stale = exc.current
            stale_rows = _show_stale(
                form,
                exc,
                services.municipality_values(stale),
                field_labels(Municipality, services.MUNICIPALITY_FIELDS),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{muni}を更新しました。")
            return redirect("setup:municipality_list")
    return render(
        request,
        "organizations/setup/municipality_form.html",
        {
            "form": form,
            "municipality": muni,
            "has_prefectures": True,
            "stale": stale,
            "stale_rows": stale_rows,
            "history": history_of(muni),
        },
    )


@site_manage_required
def agency_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.agencies_for_setup(_actor(request)))
    return render(request, "organizations/setup/agency_list.html", {"page": page})


@site_manage_required
def agency_new(request: HttpRequest) -> HttpResponse:
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_save(actor=_actor(request), values=form.values())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{agency}を登録しました。")
            return redirect("setup:agency_list")
    return render(request, "organizations/setup/agency_form.html", {"form": form, "agency": None})


@site_manage_required
def agency_edit(request: HttpRequest, agency_id: int) -> HttpResponse:
    user = _actor(request)
    agency = selectors.agency_for_setup_or_404(user, agency_id)
    form = AgencyForm(request.POST or None, initial=AgencyForm.initial_for(agency))
    stale: Agency | None = None
    stale_rows: list[DiffRow] = []
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_save(
                actor=user,
                values=form.values(),
                agency=agency,
                expected_version=form.cleaned_data.get("version"),
            )
        except StaleVersionError as exc:
            stale = exc.current
            stale_rows = _show_stale(
                form, exc, services.agency_values(stale), field_labels(Agency, services.AGENCY_FIELDS)
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{agency}を更新しました。")
            return redirect("setup:agency_list")
    return render(
        request,
        "organizations/setup/agency_form.html",
        {
            "form": form,
            "agency": agency,
            "stale": stale,
            "stale_rows": stale_rows,
            "history": history_of(agency),
        },
    )


@site_manage_required
def setup_staff_list(request: HttpRequest) -> HttpResponse:
    """Every staff account (not personal data of a 相談者): to create the first センター長 and the
    自治体担当者, deactivate and re-enable accounts."""
    user = _actor(request)
    form = StaffSearchForm(request.GET or None)
    search = form.cleaned_data if form.is_valid() else {}
    accounts = selectors.staff_search(
        selectors.staff_manageable_by(user), q=search.get("q", ""), status=search.get("status", "")
    )
    page = _page(request, accounts)
    locked = services.staff_locked_usernames([s.username for s in page.object_list])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "organizations/setup/staff_list.html",
        {
            "page": page,
            "locked": locked,
            "form": form,
            "searched": bool(search.get("q") or search.get("status")),
            "query": query.urlencode(),
        },
    )


@guards.permission_required(Permission.STAFF_MANAGE, Permission.SITE_MANAGE)
def staff_new(request: HttpRequest) -> HttpResponse:
    """職員アカウントの登録: the temporary password is shown once, on a page never cached."""
    user = _actor(request)
    site_admin = guards.allowed(user, Permission.SITE_MANAGE)
    form = StaffCreateForm(request.POST or None, site_admin=site_admin, agency=user.agency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created, temporary = services.staff_register(
                actor=user,
                username=data["username"],
                display_name=data["display_name"],
                display_name_kana=data.get("display_name_kana") or "",
                email=data.get("email") or "",
                agency=data.get("agency"),
                municipality=data.get("municipality"),
                roles=data["roles"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return _no_store(
                render(
                    request,
                    "organizations/staff_created.html",
                    {
                        "target": created,
                        "temporary_password": temporary,
                        "back_url": _staff_list_url(request),
                    },
                )
            )
    return _no_store(
        render(
            request,
            "organizations/staff_form.html",
            {"form": form, "site_admin": site_admin, "back_url": _staff_list_url(request)},
        )
    )


@guards.permission_required(Permission.STAFF_MANAGE, Permission.SITE_MANAGE)
def staff_roles(request: HttpRequest, staff_id: int) -> HttpResponse:
    """ロールの変更 (the account's agency or municipality stays)."""
    user = _actor(request)
    target = selectors.staff_manageable_get(user=user, staff_id=staff_id)
    choices = Role.values if guards.allowed(user, Permission.SITE_MANAGE) else AGENCY_ROLE_VALUES
    current = sorted(target.role_set)
    form = StaffRolesForm(
        request.POST or None,
        initial={"roles": current, "roles_seen": ",".join(current)},
        choices=choices,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_update_roles(
                actor=user,
                user=target,
                roles=form.cleaned_data["roles"],
                expected=form.cleaned_data["roles_seen"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
            # What was typed stays; the next save is compared with the roles now held (named in
            # the message), so a second 保存 after reading them goes through.
            now = selectors.staff_manageable_get(user=user, staff_id=staff_id)
            data = request.POST.copy()
            data["roles_seen"] = ",".join(sorted(now.role_set))
            form.data = data
        else:
            messages.success(request, f"{target} のロールを更新しました。")
            return _back_to_staff_list(request)
    return render(
        request,
        "organizations/staff_roles.html",
        {"form": form, "target": target, "back_url": _staff_list_url(request)},
    )
