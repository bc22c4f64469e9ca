"""Writes on organisations and staff accounts. Each runs in one transaction with its audit row."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction

from . import guards
from .auth import locked_out_keys, lockout_key
from .models import Agency, Municipality, StaffRole, StaffSession, User
from .roles import AGENCY_ROLE_VALUES, MUNICIPAL_ROLES, SITE_ROLES, Permission, Role

# When the session's login happened (epoch seconds): the absolute timeout counts from it.
AUTH_AT_KEY = "tsunagu_auth_at"
SELF_DISABLE = "自分自身のアカウントは利用停止できません。"


def _require_manager_of(actor: User | None, user: User) -> None:
    """センター長 of the account's own agency (or municipality), or the システム管理者 (any account).
    ``actor=None``: set-up commands."""
    if actor is None or guards.allowed(actor, Permission.SITE_MANAGE):
        return
    guards.require(actor, Permission.STAFF_MANAGE)
    if actor.agency_id:
        guards.require_agency_of(actor, user, target=user.username)
    else:
        guards.require_municipality_of(actor, user, target=user.username)


_MUNICIPAL_VALUES = frozenset(r.value for r in MUNICIPAL_ROLES)
_SITE_VALUES = frozenset(r.value for r in SITE_ROLES)


def check_role_placement(
    role_values: Iterable[str], *, agency: Agency | None, municipality: Municipality | None
) -> None:
    """The agency-xor-municipality rule for a set of roles (Japanese message on the field at fault):
    a 自治体担当者 belongs to a municipality, the システム管理者 to neither, every other role to an
    agency (監査 may also stand outside one)."""
    roles = set(role_values)
    if not roles:
        raise ValidationError({"roles": "ロールを1つ以上選んでください。"})
    if roles & _SITE_VALUES:
        if roles - _SITE_VALUES:
            raise ValidationError({"roles": "システム管理者は他のロールと組み合わせられません。"})
        if agency is not None or municipality is not None:
            raise ValidationError(
                {"agency": "システム管理者は機関にも自治体にも所属しません。所属を空欄にしてください。"}
            )
        return
    municipal = roles & _MUNICIPAL_VALUES
    if municipal and roles - _MUNICIPAL_VALUES:
        raise ValidationError({"roles": "自治体担当者と機関のロールは同じアカウントに付けられません。"})
    if municipal and (agency is not None or municipality is None):
        raise ValidationError(
            {"municipality": "自治体担当者は自治体に所属させてください（機関ではありません）。"}
        )
    if not municipal and municipality is not None:
        raise ValidationError({"municipality": "機関の職員は自治体ではなく機関に所属させてください。"})
    if not municipal and Role.AUDITOR.value not in roles and agency is None:
        raise ValidationError({"agency": "所属機関を選んでください。"})


def _require_may_place(
    actor: User, role_values: Iterable[str], *, agency: Agency | None, municipality: Municipality | None
) -> None:
    """The システム管理者 may create any account; a センター長 only agency roles in its own agency."""
    if guards.allowed(actor, Permission.SITE_MANAGE):
        return
    guards.require(actor, Permission.STAFF_MANAGE)
    if municipality is not None or set(role_values) - AGENCY_ROLE_VALUES:
        guards.deny(
            actor,
            permission=Permission.STAFF_MANAGE,
            reason="role_not_allowed",
            message="自治体担当者・システム管理者のアカウントはシステム管理者が登録します。",
        )
    guards.require_agency_of(
        actor, agency.pk if agency is not None else 0, message="他機関の職員は登録できません。"
    )


def temporary_password() -> str:
    """A random temporary password (14 characters, no look-alike letters), shown once."""
    from django.utils.crypto import get_random_string

    return get_random_string(14, "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")


def staff_create(
    *,
    actor: User | None,
    username: str,
    display_name: str,
    roles: Iterable[Role | str],
    agency: Agency | None = None,
    municipality: Municipality | None = None,
    password: str | None = None,
    display_name_kana: str = "",
    email: str = "",
    is_demo: bool = False,
    must_change_password: bool = False,
) -> User:
    """Create a staff account with its roles. ``actor=None`` only for set-up commands.
    ``must_change_password``: the password is a temporary one, replaced at the first login."""
    role_values = sorted({Role(r).value for r in roles})
    check_role_placement(role_values, agency=agency, municipality=municipality)
    if actor is not None:
        _require_may_place(actor, role_values, agency=agency, municipality=municipality)
    if User.objects.filter(username__iexact=username).exists():
        # Login matches usernames case-insensitively: "Sato" beside "sato" would lock both out.
        raise ValidationError({"username": "このユーザー名は既に使われています。"})
    with transaction.atomic():
        user = User(
            username=username,
            display_name=display_name,
            display_name_kana=display_name_kana,
            email=email,
            agency=agency,
            municipality=municipality,
            is_demo=is_demo,
            must_change_password=must_change_password,
        )
        if password:
            from django.contrib.auth.password_validation import validate_password

            if not is_demo:
                validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean()
        try:
            user.save()
        except IntegrityError as exc:
            raise ValidationError({"username": "このユーザー名は既に使われています。"}) from exc
        StaffRole.objects.bulk_create([StaffRole(user=user, role=r) for r in role_values])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=user,
            details={
                "username": username,
                "roles": role_values,
                "agency": agency.pk if agency else None,
                "municipality": municipality.pk if municipality else None,
            },
        )
    return user


def staff_register(
    *,
    actor: User,
    username: str,
    display_name: str,
    roles: Iterable[Role | str],
    agency: Agency | None = None,
    municipality: Municipality | None = None,
    display_name_kana: str = "",
    email: str = "",
) -> tuple[User, str]:
    """職員の登録 (screen and API): a new account with a temporary password, returned once and
    never stored in clear. At its first login the account enrols TOTP and then replaces the
    password (``must_change_password``, ``middleware.MfaRequiredMiddleware``)."""
    temporary = temporary_password()
    user = staff_create(
        actor=actor,
        username=username.strip(),
        display_name=display_name,
        display_name_kana=display_name_kana,
        email=email,
        agency=agency,
        municipality=municipality,
        roles=roles,
        password=temporary,
        must_change_password=True,
    )
    return user, temporary


def staff_update_roles(
    *, actor: User, user: User, roles: Iterable[Role | str], expected: Iterable[Role | str]
) -> User:
    """ロールの変更: replace the account's roles (its agency/municipality stays), audited from → to.

    ``expected`` is the set of roles the editor saw (the screen's hidden field, the API's
    ``expected_roles``): the account row is locked and, when someone changed the roles in the
    meantime, nothing is written and the current roles are named — a concurrent change is never
    silently overwritten (the account has no version number; its roles are what is edited)."""
    role_values = sorted({Role(r).value for r in roles})
    seen = sorted({Role(r).value for r in expected})
    _require_manager_of(actor, user)
    if actor.pk == user.pk:
        guards.deny(
            actor,
            permission=Permission.STAFF_MANAGE,
            reason="self",
            message="自分自身のロールはこの画面から変更できません。",
            obj=user,
        )
    check_role_placement(role_values, agency=user.agency, municipality=user.municipality)
    _require_may_place(actor, role_values, agency=user.agency, municipality=user.municipality)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        before = sorted(StaffRole.objects.filter(user=user).values_list("role", flat=True))
        if before != seen:
            current = "、".join(str(Role(r).label) for r in before) or "なし"
            raise ValidationError(
                {
                    "roles": "この画面を開いた後に、ほかの職員がこのアカウントのロールを変更しました"
                    f"（現在のロール：{current}）。内容を確かめてから、もう一度保存してください。"
                }
            )
        if before == role_values:
            return user
        StaffRole.objects.filter(user=user).exclude(role__in=role_values).delete()
        StaffRole.objects.bulk_create([StaffRole(user=user, role=r) for r in role_values if r not in before])
        user.__dict__.pop("_role_cache", None)
        if hasattr(user, "_prefetched_objects_cache"):
            user._prefetched_objects_cache.pop("roles", None)
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=user, details={"roles": [before, role_values]}
        )
    return user


def _end_sessions(user: User) -> int:
    keys = list(StaffSession.objects.filter(user=user).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    StaffSession.objects.filter(user=user).delete()
    return len(keys)


def staff_disable(*, actor: User | None, user: User, reason: str = "") -> User:
    """利用停止: the account can no longer log in and all its sessions end at once. Never oneself
    (the last システム管理者 would lock the installation out)."""
    _require_manager_of(actor, user)
    if actor is not None and actor.pk == user.pk:
        raise ValidationError({"is_active": SELF_DISABLE})
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        ended = _end_sessions(user)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=user,
            details={"change": "disabled", "reason": reason, "sessions_ended": ended},
        )
    return user


def staff_set_active(*, actor: User, user: User, active: bool, reason: str = "") -> User:
    """利用停止・再開 as one switch (the API's ``is_active``): nothing happens when it is already so."""
    if user.is_active == active:
        _require_manager_of(actor, user)
        return user
    if active:
        return staff_enable(actor=actor, user=user)
    return staff_disable(actor=actor, user=user, reason=reason)


def staff_enable(*, actor: User | None, user: User) -> User:
    _require_manager_of(actor, user)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=user, details={"change": "enabled"})
    return user


def staff_unlock(*, actor: User | None, user: User) -> int:
    """ロック解除 after repeated login failures."""
    _require_manager_of(actor, user)
    with transaction.atomic():
        count = AccessAttempt.objects.filter(username=lockout_key(user.username)).count()
        AxesProxyHandler.reset_attempts(username=lockout_key(user.username))
        audit_record(actor=actor, action=AuditAction.UNLOCK, obj=user, details={"attempts_cleared": count})
    return count


def staff_reset_credentials(*, actor: User | None, user: User) -> str:
    """パスワードと多要素認証のリセット (lost password or authenticator device).

    Sets a temporary password (returned once, never stored in clear), removes the account's TOTP
    and recovery codes so it must enrol again at its next login, clears a lockout and ends every
    session of the account. Only the センター長 of the same agency/municipality; never oneself.
    """
    from allauth.mfa.models import Authenticator

    _require_manager_of(actor, user)
    if actor is not None and actor.pk == user.pk:
        guards.deny(
            actor,
            permission=Permission.STAFF_MANAGE,
            reason="self",
            message="自分自身の認証情報はこの画面からリセットできません。",
            obj=user,
        )
    temporary = temporary_password()
    with transaction.atomic():
        user.set_password(temporary)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        removed = Authenticator.objects.filter(user=user).delete()[0]
        AxesProxyHandler.reset_attempts(username=lockout_key(user.username))
        ended = _end_sessions(user)
        audit_record(
            actor=actor,
            action=AuditAction.MFA_CHANGE,
            obj=user,
            details={
                "change": "credentials_reset",
                "authenticators_removed": removed,
                "sessions_ended": ended,
            },
        )
    return temporary


def staff_password_changed(*, user: User) -> None:
    """The account replaced its temporary password (allauth's ``password_changed`` signal)."""
    if user.must_change_password:
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        user.must_change_password = False


def staff_is_locked(user: User) -> bool:
    return bool(locked_out_keys([user.username]))


def session_start(*, request: HttpRequest, user: User) -> None:
    """Called on login: remember the session server-side and when it began."""
    request.session[AUTH_AT_KEY] = time.time()
    if request.session.session_key is None:
        request.session.save()
    with transaction.atomic():
        StaffSession.objects.update_or_create(
            session_key=request.session.session_key,
            defaults={
                "user": user,
                "ip": request.META.get("REMOTE_ADDR"),
                "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            },
        )
        audit_record(actor=user, action=AuditAction.LOGIN_SUCCESS, obj=user)


def session_end(*, request: HttpRequest, user: User | None) -> None:
    """Called on logout: the session row goes with it (Django flushes the session itself)."""
    with transaction.atomic():
        if request.session.session_key:
            StaffSession.objects.filter(session_key=request.session.session_key).delete()
        if user is not None and getattr(user, "is_authenticated", False):
            audit_record(actor=user, action=AuditAction.LOGOUT, obj=user)


def session_end_by_policy(*, request: HttpRequest, reason: str) -> None:
    user: Any = request.user
    with transaction.atomic():
        if request.session.session_key:
            StaffSession.objects.filter(session_key=request.session.session_key).delete()
        audit_record(actor=user, action=AuditAction.SESSION_ENDED, obj=user, details={"reason": reason})


def staff_locked_usernames(usernames: list[str]) -> set[str]:
    """The subset of ``usernames`` whose accounts are locked out (as spelled in ``usernames``)."""
    locked = locked_out_keys(usernames)
    return {u for u in usernames if lockout_key(u) in locked}


def staff_with_mfa(user_ids: list[int]) -> set[int]:
    """The subset of ``user_ids`` with an authenticator enrolled, in one query (what allauth's
    ``is_mfa_enabled`` asks one account at a time)."""
    from allauth.mfa.models import Authenticator

    return set(Authenticator.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True))


# --- 導入と移行: 初期設定 (都道府県・自治体・機関) ------------------------------------------------
# Only the システム管理者 (``site.manage``). Municipality and Agency are VersionedModels: an edit
# carries the version it opened (``core.locking``) and each change is kept in the history
# (``core.history.record_change``) and in the audit row (from → to).

MUNICIPALITY_FIELDS = ("code", "name", "prefecture", "population", "population_as_of", "slug")
AGENCY_FIELDS = (
    "name",
    "operation_type",
    "operator_name",
    "municipality",
    "served_municipalities",
    "is_active",
)


def _labels(model: type[Any], fields: Iterable[str]) -> dict[str, str]:
    from tsunagu.core.locking import field_labels

    return field_labels(model, fields)


def shown_value(name: str, value: Any) -> str:
    """A value of a municipality or agency as display text (history, stale page)."""
    from tsunagu.core.dates import wareki

    from .models import OperationType

    if value is None or value == "":
        return "（なし）"
    if isinstance(value, bool):
        return "有効" if value else "無効"
    if name == "operation_type":
        return str(OperationType(value).label) if value in OperationType.values else str(value)
    if name == "population" and isinstance(value, int):
        return f"{value:,}人"
    if hasattr(value, "year") and hasattr(value, "day"):
        return wareki(value)
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(sorted(str(v) for v in value)) or "（なし）"
    return str(value)


def municipality_values(municipality: Municipality) -> dict[str, Any]:
    return {f: getattr(municipality, f) for f in MUNICIPALITY_FIELDS}


def agency_values(agency: Agency) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(agency, f) for f in AGENCY_FIELDS if f != "served_municipalities"}
    values["served_municipalities"] = agency.joint_municipalities()
    return values


def prefectures_set_in_use(*, actor: User, codes: Iterable[str]) -> list[str]:
    """Mark which prefectures this installation serves; returns the codes now in use."""
    from .models import Prefecture

    guards.require(actor, Permission.SITE_MANAGE)
    wanted = sorted(set(codes))
    with transaction.atomic():
        before = sorted(Prefecture.objects.filter(in_use=True).values_list("code", flat=True))
        Prefecture.objects.exclude(code__in=wanted).filter(in_use=True).update(in_use=False)
        Prefecture.objects.filter(code__in=wanted, in_use=False).update(in_use=True)
        after = sorted(Prefecture.objects.filter(in_use=True).values_list("code", flat=True))
        if before != after:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                object_type="prefecture",
                details={"in_use": [before, after]},
            )
    return after


def prefecture_set_in_use(*, actor: User, code: str, in_use: bool) -> list[str]:
    """One prefecture marked in use or not (the API's PATCH); the same audit row as the screen's
    list. The 47 rows are locked first, so two such changes at once cannot lose one."""
    from .models import Prefecture

    guards.require(actor, Permission.SITE_MANAGE)
    with transaction.atomic():
        rows = list(Prefecture.objects.select_for_update().order_by("code"))
        current = {p.code for p in rows if p.in_use}
        wanted = current | {code} if in_use else current - {code}
        return prefectures_set_in_use(actor=actor, codes=wanted)


def _check_municipality_prefecture(values: dict[str, Any], municipality: Municipality | None) -> None:
    """The 団体コード's first two digits are the prefecture's code, and a new municipality (or a
    change of prefecture) names a prefecture this installation serves."""
    code, pref = values.get("code") or "", values.get("prefecture")
    if pref is None:
        return
    if code[:2].isdigit() and len(code) >= 2 and code[:2] != pref.code:
        raise ValidationError(
            {"code": f"団体コードの先頭2桁（{code[:2]}）が都道府県コード（{pref.code}）と一致しません。"}
        )
    unchanged = municipality is not None and municipality.prefecture_id == pref.pk
    if not pref.in_use and not unchanged:
        raise ValidationError(
            {"prefecture": "この環境で使う都道府県ではありません。先に都道府県の画面で印を付けてください。"}
        )


def _save_checked(instance: Any, *, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError:
        raise
    try:
        instance.save()
    except IntegrityError as exc:
        raise ValidationError("同じ内容の登録が既にあります。入力を確認してください。") from exc


def municipality_save(
    *,
    actor: User,
    values: dict[str, Any],
    municipality: Municipality | None = None,
    expected_version: Any = None,
) -> Municipality:
    """自治体の登録・更新. ``municipality=None`` creates one; an update needs ``expected_version``."""
    from tsunagu.core.history import record_change
    from tsunagu.core.locking import bump, changes, check_version, lock

    from .validators import normalize_municipality_code

    guards.require(actor, Permission.SITE_MANAGE)
    values = {**values, "code": normalize_municipality_code(values.get("code", ""))}
    _check_municipality_prefecture(values, municipality)
    with transaction.atomic():
        if municipality is None:
            obj = Municipality(**{f: values.get(f) for f in MUNICIPALITY_FIELDS})
            _save_checked(obj)
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=obj,
                details={"code": obj.code, "name": obj.name},
            )
            return obj
        obj = lock(municipality)
        check_version(obj, expected_version)
        before = municipality_values(obj)
        for f in MUNICIPALITY_FIELDS:
            setattr(obj, f, values.get(f))
        bump(obj)
        _save_checked(obj)
        after = municipality_values(obj)
        record_change(
            actor=actor,
            obj=obj,
            before=before,
            after=after,
            labels=_labels(Municipality, MUNICIPALITY_FIELDS),
            shown=shown_value,
        )
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=obj, details={"changes": changes(before, after)}
        )
        return obj


def _refuse_deactivation_with_open_work(agency: Agency) -> None:
    from .hub import open_work_of

    open_work = open_work_of(agency.pk)
    if open_work:
        listed = "、".join(f"{label}{count}件" for label, count in open_work)
        raise ValidationError(
            {
                "is_active": (
                    f"この機関には{listed}があるため、無効にできません。"
                    "委託先の変更などで引き継いでから無効にしてください。"
                )
            }
        )


def agency_save(
    *,
    actor: User,
    values: dict[str, Any],
    agency: Agency | None = None,
    expected_version: Any = None,
) -> Agency:
    """機関の登録・更新 (直営/委託, 受託法人名, 主たる実施主体, 共同実施の自治体, 有効)."""
    from tsunagu.core.history import record_change
    from tsunagu.core.locking import bump, changes, check_version, lock

    from .models import OperationType

    guards.require(actor, Permission.SITE_MANAGE)
    main = values.get("municipality")
    served = sorted(
        {m for m in values.get("served_municipalities") or [] if main is None or m.pk != main.pk},
        key=lambda m: m.code,
    )
    plain = {f: values.get(f) for f in AGENCY_FIELDS if f != "served_municipalities"}
    plain["operator_name"] = (plain.get("operator_name") or "").strip()
    if plain.get("operation_type") == OperationType.CONTRACTED and not plain["operator_name"]:
        raise ValidationError({"operator_name": "委託の場合は受託法人名を入力してください。"})
    if plain.get("operation_type") == OperationType.DIRECT:
        plain["operator_name"] = ""
    with transaction.atomic():
        if agency is None:
            obj = Agency(**plain)
            _save_checked(obj)
            obj.served_municipalities.set(served)
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=obj,
                details={
                    "name": obj.name,
                    "operation_type": obj.operation_type,
                    "municipality": obj.municipality_id,
                    "served_municipalities": [m.pk for m in served],
                },
            )
            return obj
        obj = lock(agency)
        check_version(obj, expected_version)
        before = agency_values(obj)
        if obj.is_active and plain.get("is_active") is False:
            _refuse_deactivation_with_open_work(obj)
        for f, v in plain.items():
            setattr(obj, f, v)
        bump(obj)
        _save_checked(obj)
        obj.served_municipalities.set(served)
        after = {**plain, "served_municipalities": served}
        record_change(
            actor=actor,
            obj=obj,
            before=before,
            after=after,
            labels=_labels(Agency, AGENCY_FIELDS),
            shown=shown_value,
        )
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=obj, details={"changes": changes(before, after)}
        )
        return obj
