"""API: 初期設定 (/api/v1/setup/…) — 都道府県・自治体・機関・職員アカウント, for the システム管理者.

Every operation requires ``site.manage`` (``guards.require``: a refusal is one audited 403, as on
the screens) and calls the services the 初期設定 screens call (``services.py``): the same rules
(団体コードの検査数字, 都道府県との一致, 委託の受託法人名, 未終結のケースがある機関は無効にできない,
the agency-xor-municipality rule of ``check_role_placement``), the same audit rows and history.
An absent record is 404. A PATCH of a municipality or an agency carries the ``version`` it read;
a stale one is 422 with the message under ``version`` (``core.locking``) and nothing is written.
The staff answers never contain a password hash or a TOTP secret; ``POST /setup/staff`` returns the
temporary password once. Mounted under /api/v1/ by ``tsunagu/api/api.py``, which documents the
401/403/404/422 answers of every operation with the API's one error shape.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, cast

from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from tsunagu.core.bounds import MAX_DB_ID, Id, PageNo
from tsunagu.core.locking import StaleVersionError

from . import guards, selectors, services
from .models import Agency, Municipality, OperationType, Prefecture, User
from .roles import Permission, Role

router = Router(tags=["初期設定"])
PAGE_SIZE = 50
PrefectureCode = Annotated[str, Field(pattern=r"^[0-9]{2}$", description="都道府県コード（01〜47）")]
Version = Annotated[int, Field(ge=0, le=MAX_DB_ID, description="取得した版（楽観的ロック）")]
NULL_MESSAGE = "null は指定できません。"


def _admin(request: HttpRequest) -> User:
    """The システム管理者 of the request; anyone else is refused (audited 403)."""
    guards.require(request.user, Permission.SITE_MANAGE, via="api")
    return cast(User, request.user)


def _stale(exc: StaleVersionError) -> ValidationError:
    """A stale save as the API answers it: the message under ``version`` with the current one."""
    return ValidationError({"version": f"{exc.messages[0]}（現在の版：{exc.current.version}）"})


def _refuse_nulls(values: dict[str, Any], nullable: frozenset[str] = frozenset()) -> None:
    errors = {k: NULL_MESSAGE for k, v in values.items() if v is None and k not in nullable}
    if errors:
        raise ValidationError(errors)


def _page(queryset: Any, page: int) -> dict[str, Any]:
    p = Paginator(queryset, PAGE_SIZE).get_page(page)
    return {"count": p.paginator.count, "page": p.number, "num_pages": p.paginator.num_pages, "p": p}


# --- 都道府県 -------------------------------------------------------------------------------------


class SetupPrefectureOut(Schema):
    code: str
    name: str
    in_use: bool = Field(description="この環境で使う（自治体を登録できる）")


class SetupPrefecturePatch(Schema):
    in_use: bool


def prefecture_out(p: Prefecture) -> dict[str, Any]:
    return {"code": p.code, "name": p.name, "in_use": p.in_use}


@router.get("/setup/prefectures", response={200: list[SetupPrefectureOut]}, summary="都道府県（47件）")
def setup_prefecture_list(request: HttpRequest) -> list[dict[str, Any]]:
    _admin(request)
    return [prefecture_out(p) for p in selectors.prefectures_all()]


@router.patch(
    "/setup/prefectures/{code}",
    response={200: SetupPrefectureOut},
    summary="都道府県を「この環境で使う」にする・外す",
)
def setup_prefecture_patch(
    request: HttpRequest, code: PrefectureCode, payload: SetupPrefecturePatch
) -> dict[str, Any]:
    user = _admin(request)
    prefecture = selectors.prefectures_all().filter(code=code).first()
    if prefecture is None:
        raise Http404
    services.prefecture_set_in_use(actor=user, code=prefecture.code, in_use=payload.in_use)
    prefecture.refresh_from_db()
    return prefecture_out(prefecture)


# --- 自治体 ---------------------------------------------------------------------------------------


class SetupMunicipalityOut(Schema):
    id: int
    code: str = Field(description="全国地方公共団体コード（6桁、検査数字つき）")
    name: str
    prefecture_code: str
    prefecture_name: str
    population: int
    population_as_of: date | None = Field(description="人口の基準日")
    slug: str
    version: int


class SetupMunicipalityListOut(Schema):
    count: int
    page: int
    num_pages: int
    items: list[SetupMunicipalityOut]


class SetupMunicipalityIn(Schema):
    code: str = Field(min_length=1, max_length=8, description="全国地方公共団体コード（例：131041）")
    name: str = Field(min_length=1, max_length=40, description="都道府県名を除いた自治体名")
    prefecture_code: PrefectureCode
    population: int = Field(ge=0, le=2_147_483_647)
    population_as_of: date | None = None
    slug: str = Field(min_length=1, max_length=40, description="略称（半角英小文字・数字・ハイフン）")


class SetupMunicipalityPatch(Schema):
    """The fields sent are changed; the others keep their values. ``version`` is required."""

    version: Version
    code: str | None = Field(None, min_length=1, max_length=8)
    name: str | None = Field(None, min_length=1, max_length=40)
    prefecture_code: PrefectureCode | None = None
    population: int | None = Field(None, ge=0, le=2_147_483_647)
    population_as_of: date | None = None
    slug: str | None = Field(None, min_length=1, max_length=40)


def municipality_out(m: Municipality) -> dict[str, Any]:
    return {
        "id": m.pk,
        "code": m.code,
        "name": m.name,
        "prefecture_code": m.prefecture.code,
        "prefecture_name": m.prefecture.name,
        "population": m.population,
        "population_as_of": m.population_as_of,
        "slug": m.slug,
        "version": m.version,
    }


def _prefecture(code: str) -> Prefecture:
    prefecture = Prefecture.objects.filter(code=code).first()
    if prefecture is None:
        raise ValidationError({"prefecture_code": "都道府県コードが見つかりません（01〜47）。"})
    return prefecture


def _municipality_values(sent: dict[str, Any]) -> dict[str, Any]:
    """The body's fields as the service's values (``prefecture_code`` → ``prefecture``)."""
    values = {k: v for k, v in sent.items() if k not in ("version", "prefecture_code")}
    if "prefecture_code" in sent:
        values["prefecture"] = _prefecture(sent["prefecture_code"])
    return values


def _field_errors_as_sent(exc: ValidationError, renames: dict[str, str]) -> ValidationError:
    """A service's field errors under the names the body uses (``prefecture`` → ``prefecture_code``)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({renames.get(k, k): v for k, v in exc.message_dict.items()})


_MUNICIPALITY_RENAMES = {"prefecture": "prefecture_code"}


@router.get(
    "/setup/municipalities", response={200: SetupMunicipalityListOut}, summary="自治体（実施主体）の一覧"
)
def setup_municipality_list(request: HttpRequest, page: PageNo = 1) -> dict[str, Any]:
    user = _admin(request)
    result = _page(selectors.municipalities_for_setup(user), page)
    result["items"] = [municipality_out(m) for m in result.pop("p").object_list]
    return result


@router.post(
    "/setup/municipalities",
    response={201: SetupMunicipalityOut},
    summary="自治体（実施主体）を登録",
    description="団体コードの検査数字の誤り、都道府県コードとの不一致、この環境で使わない都道府県は 422（項目ごとの日本語）。",
)
def setup_municipality_create(request: HttpRequest, payload: SetupMunicipalityIn) -> Status[dict[str, Any]]:
    user = _admin(request)
    values = _municipality_values(payload.dict())
    try:
        muni = services.municipality_save(actor=user, values=values)
    except ValidationError as exc:
        raise _field_errors_as_sent(exc, _MUNICIPALITY_RENAMES) from exc
    return Status(201, municipality_out(selectors.municipality_for_setup_or_404(user, muni.pk)))


@router.get(
    "/setup/municipalities/{municipality_id}",
    response={200: SetupMunicipalityOut},
    summary="自治体（実施主体）",
)
def setup_municipality_get(request: HttpRequest, municipality_id: Id) -> dict[str, Any]:
    user = _admin(request)
    return municipality_out(selectors.municipality_for_setup_or_404(user, municipality_id))


@router.patch(
    "/setup/municipalities/{municipality_id}",
    response={200: SetupMunicipalityOut},
    summary="自治体（実施主体）を更新（version 必須）",
    description="古い版は 422（`errors.version`）で、何も書き込みません。変更前の値は変更履歴に残ります。",
)
def setup_municipality_patch(
    request: HttpRequest, municipality_id: Id, payload: SetupMunicipalityPatch
) -> dict[str, Any]:
    user = _admin(request)
    muni = selectors.municipality_for_setup_or_404(user, municipality_id)
    sent = payload.dict(exclude_unset=True)
    _refuse_nulls({k: v for k, v in sent.items() if k != "version"}, frozenset({"population_as_of"}))
    values = {**services.municipality_values(muni), **_municipality_values(sent)}
    try:
        muni = services.municipality_save(
            actor=user, values=values, municipality=muni, expected_version=payload.version
        )
    except StaleVersionError as exc:
        raise _stale(exc) from exc
    except ValidationError as exc:
        raise _field_errors_as_sent(exc, _MUNICIPALITY_RENAMES) from exc
    return municipality_out(selectors.municipality_for_setup_or_404(user, muni.pk))


# --- 機関 -----------------------------------------------------------------------------------------


class SetupMunicipalityRef(Schema):
    id: int
    code: str
    name: str


class SetupAgencyOut(Schema):
    id: int
    name: str
    operation_type: str = Field(description="direct（直営）または contracted（委託）")
    operation_type_ja: str
    operator_name: str = Field(description="受託法人名（委託のとき）")
    municipality: SetupMunicipalityRef = Field(description="主たる実施主体")
    served_municipalities: list[SetupMunicipalityRef] = Field(description="共同実施の自治体")
    is_active: bool
    version: int


class SetupAgencyListOut(Schema):
    count: int
    page: int
    num_pages: int
    items: list[SetupAgencyOut]


OperationTypeValue = Annotated[
    str, Field(pattern=r"^(direct|contracted)$", description="direct / contracted")
]


class SetupAgencyIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    operation_type: OperationTypeValue
    operator_name: str = Field("", max_length=100, description="委託の場合は必須")
    municipality_id: Id = Field(description="主たる実施主体")
    served_municipality_ids: list[Id] = Field(
        default_factory=list, max_length=200, description="共同実施の自治体（主たる実施主体のほか）"
    )
    is_active: bool = True


class SetupAgencyPatch(Schema):
    """The fields sent are changed; the others keep their values. ``version`` is required."""

    version: Version
    name: str | None = Field(None, min_length=1, max_length=100)
    operation_type: OperationTypeValue | None = None
    operator_name: str | None = Field(None, max_length=100)
    municipality_id: Id | None = None
    served_municipality_ids: list[Id] | None = Field(None, max_length=200)
    is_active: bool | None = Field(None, description="false にできるのは未終結の業務がない機関だけ")


def _ref(m: Municipality) -> dict[str, Any]:
    return {"id": m.pk, "code": m.code, "name": str(m)}


def agency_out(a: Agency) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "operation_type": a.operation_type,
        "operation_type_ja": OperationType(a.operation_type).label,
        "operator_name": a.operator_name,
        "municipality": _ref(a.municipality),
        "served_municipalities": [_ref(m) for m in a.joint_municipalities()],
        "is_active": a.is_active,
        "version": a.version,
    }


def _municipalities(user: User, ids: list[int], field: str) -> list[Municipality]:
    found = {m.pk: m for m in selectors.municipalities_for_setup(user).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({field: f"登録されていない自治体です（ID：{'、'.join(map(str, missing))}）。"})
    return [found[i] for i in dict.fromkeys(ids)]


def _agency_values(user: User, sent: dict[str, Any]) -> dict[str, Any]:
    values = {
        k: v for k, v in sent.items() if k not in ("version", "municipality_id", "served_municipality_ids")
    }
    if "municipality_id" in sent:
        values["municipality"] = _municipalities(user, [sent["municipality_id"]], "municipality_id")[0]
    if "served_municipality_ids" in sent:
        values["served_municipalities"] = _municipalities(
            user, sent["served_municipality_ids"], "served_municipality_ids"
        )
    return values


_AGENCY_RENAMES = {"municipality": "municipality_id", "served_municipalities": "served_municipality_ids"}


@router.get("/setup/agencies", response={200: SetupAgencyListOut}, summary="自立相談支援機関の一覧")
def setup_agency_list(request: HttpRequest, page: PageNo = 1) -> dict[str, Any]:
    user = _admin(request)
    result = _page(selectors.agencies_for_setup(user), page)
    result["items"] = [agency_out(a) for a in result.pop("p").object_list]
    return result


@router.post(
    "/setup/agencies",
    response={201: SetupAgencyOut},
    summary="自立相談支援機関を登録（直営・委託、共同実施）",
    description="委託で受託法人名がない、登録されていない自治体を指す場合は 422。",
)
def setup_agency_create(request: HttpRequest, payload: SetupAgencyIn) -> Status[dict[str, Any]]:
    user = _admin(request)
    values = _agency_values(user, payload.dict())
    try:
        agency = services.agency_save(actor=user, values=values)
    except ValidationError as exc:
        raise _field_errors_as_sent(exc, _AGENCY_RENAMES) from exc
    return Status(201, agency_out(selectors.agency_for_setup_or_404(user, agency.pk)))


@router.get("/setup/agencies/{agency_id}", response={200: SetupAgencyOut}, summary="自立相談支援機関")
def setup_agency_get(request: HttpRequest, agency_id: Id) -> dict[str, Any]:
    user = _admin(request)
    return agency_out(selectors.agency_for_setup_or_404(user, agency_id))


@router.patch(
    "/setup/agencies/{agency_id}",
    response={200: SetupAgencyOut},
    summary="自立相談支援機関を更新（version 必須）",
    description=(
        "古い版は 422（`errors.version`）。終結していないケースなど未終結の業務がある機関を無効にすると 422"
        "（`errors.is_active`）。どちらの場合も何も書き込みません。"
    ),
)
def setup_agency_patch(request: HttpRequest, agency_id: Id, payload: SetupAgencyPatch) -> dict[str, Any]:
    user = _admin(request)
    agency = selectors.agency_for_setup_or_404(user, agency_id)
    sent = payload.dict(exclude_unset=True)
    _refuse_nulls({k: v for k, v in sent.items() if k != "version"})
    values = {**services.agency_values(agency), **_agency_values(user, sent)}
    try:
        agency = services.agency_save(
            actor=user, values=values, agency=agency, expected_version=payload.version
        )
    except StaleVersionError as exc:
        raise _stale(exc) from exc
    except ValidationError as exc:
        raise _field_errors_as_sent(exc, _AGENCY_RENAMES) from exc
    return agency_out(selectors.agency_for_setup_or_404(user, agency.pk))


# --- 職員アカウント -------------------------------------------------------------------------------


class SetupAgencyRef(Schema):
    id: int
    name: str


class SetupRoleOut(Schema):
    code: str
    name_ja: str


class SetupStaffOut(Schema):
    id: int
    username: str
    display_name: str
    display_name_kana: str
    email: str
    agency: SetupAgencyRef | None = Field(description="所属機関")
    municipality: SetupMunicipalityRef | None = Field(description="所属自治体（自治体担当者）")
    roles: list[SetupRoleOut]
    is_active: bool = Field(description="false は利用停止中")
    is_locked: bool = Field(description="ログインの失敗が続いてロックされている")
    mfa_enabled: bool = Field(description="多要素認証（TOTP）を登録済み")
    must_change_password: bool = Field(description="次回ログイン時にパスワードの変更が必要")


class SetupStaffListOut(Schema):
    count: int
    page: int
    num_pages: int
    items: list[SetupStaffOut]


class SetupStaffCreatedOut(SetupStaffOut):
    temporary_password: str = Field(
        description="仮パスワード（この応答で一度だけ返します。初回ログインで多要素認証の登録と変更が必要）"
    )


RoleValue = Annotated[str, Field(pattern=r"^[a-z_]{1,32}$")]


class SetupStaffIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    display_name: str = Field(min_length=1, max_length=60)
    display_name_kana: str = Field("", max_length=60)
    email: str = Field("", max_length=254)
    roles: list[RoleValue] = Field(min_length=1, max_length=len(Role), description="ロールのコード")
    agency_id: Id | None = Field(None, description="所属機関（機関の職員）")
    municipality_id: Id | None = Field(None, description="所属自治体（自治体担当者）")


class SetupStaffPatch(Schema):
    roles: list[RoleValue] | None = Field(
        None, min_length=1, max_length=len(Role), description="ロールのコード"
    )
    expected_roles: list[RoleValue] | None = Field(
        None,
        max_length=len(Role),
        description="roles を送るときは必須：変更前のロール（GET で読んだもの）。その後にほかの職員が"
        "ロールを変えていれば 422 で、何も変わりません",
    )
    is_active: bool | None = Field(
        None, description="false で利用停止（ログイン中のセッションも終了）、true で再開"
    )
    reason: str = Field("", max_length=200, description="利用停止の理由（監査ログに残ります）")


def staff_out(u: User, locked: bool, mfa: bool) -> dict[str, Any]:
    return {
        "id": u.pk,
        "username": u.username,
        "display_name": u.display_name,
        "display_name_kana": u.display_name_kana,
        "email": u.email,
        "agency": {"id": u.agency.pk, "name": u.agency.name} if u.agency else None,
        "municipality": _ref(u.municipality) if u.municipality else None,
        "roles": [{"code": r, "name_ja": Role(r).label} for r in Role.values if r in u.role_set],
        "is_active": u.is_active,
        "is_locked": locked,
        "mfa_enabled": mfa,
        "must_change_password": u.must_change_password,
    }


def _roles(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in Role.values]
    if unknown:
        raise ValidationError({"roles": f"存在しないロールです：{'、'.join(unknown)}"})
    return values


def _one_staff(user: User, staff_id: int) -> dict[str, Any]:
    target = selectors.staff_manageable_get(user=user, staff_id=staff_id)
    return staff_out(target, services.staff_is_locked(target), is_mfa_enabled(target))


class StaffFilter(Schema):
    page: PageNo = 1
    q: str = Field(
        "", max_length=100, description="ユーザー名・氏名（カナ）・所属の語（空白区切り、すべてを含む）"
    )
    status: Literal["", "active", "disabled"] = Field(
        "", description="active（有効）・disabled（利用停止中）"
    )


_STAFF_RENAMES = {"agency": "agency_id", "municipality": "municipality_id"}


@router.get(
    "/setup/staff", response={200: SetupStaffListOut}, summary="職員アカウントの一覧（全機関・全自治体）"
)
def setup_staff_list(request: HttpRequest, filters: Query[StaffFilter]) -> dict[str, Any]:
    user = _admin(request)
    found = selectors.staff_search(selectors.staff_manageable_by(user), q=filters.q, status=filters.status)
    result = _page(found, filters.page)
    accounts = list(result.pop("p").object_list)
    locked = services.staff_locked_usernames([a.username for a in accounts])
    mfa = services.staff_with_mfa([a.pk for a in accounts])
    result["items"] = [staff_out(a, a.username in locked, a.pk in mfa) for a in accounts]
    return result


@router.post(
    "/setup/staff",
    response={201: SetupStaffCreatedOut},
    summary="職員アカウントを登録（仮パスワードを一度だけ返す）",
    description=(
        "機関の職員は agency_id、自治体担当者は municipality_id、システム管理者はどちらも指定しません"
        "（組合せの誤りは 422）。初回ログインで多要素認証（TOTP）の登録と仮パスワードの変更が必要です。"
    ),
)
def setup_staff_create(request: HttpRequest, payload: SetupStaffIn) -> Status[dict[str, Any]]:
    user = _admin(request)
    agency = None
    if payload.agency_id is not None:
        agency = selectors.agencies_for_setup(user).filter(pk=payload.agency_id).first()
        if agency is None:
            raise ValidationError({"agency_id": "登録されていない機関です。"})
    municipality = None
    if payload.municipality_id is not None:
        municipality = _municipalities(user, [payload.municipality_id], "municipality_id")[0]
    try:
        created, temporary = services.staff_register(
            actor=user,
            username=payload.username,
            display_name=payload.display_name,
            display_name_kana=payload.display_name_kana,
            email=payload.email,
            roles=_roles(payload.roles),
            agency=agency,
            municipality=municipality,
        )
    except ValidationError as exc:
        raise _field_errors_as_sent(exc, _STAFF_RENAMES) from exc
    return Status(201, {**_one_staff(user, created.pk), "temporary_password": temporary})


@router.get("/setup/staff/{staff_id}", response={200: SetupStaffOut}, summary="職員アカウント")
def setup_staff_get(request: HttpRequest, staff_id: Id) -> dict[str, Any]:
    return _one_staff(_admin(request), staff_id)


@router.patch(
    "/setup/staff/{staff_id}",
    response={200: SetupStaffOut},
    summary="職員アカウントのロールの変更・利用停止・再開",
    description=(
        "ロールは所属（機関・自治体）に合うものだけ（誤りは 422）。自分自身のロールの変更と利用停止はできません"
        "（ロールは 403、利用停止は 422）。利用停止するとログイン中のセッションはすべて終了します。"
    ),
)
def setup_staff_patch(request: HttpRequest, staff_id: Id, payload: SetupStaffPatch) -> dict[str, Any]:
    user = _admin(request)
    target = selectors.staff_manageable_get(user=user, staff_id=staff_id)
    sent = payload.dict(exclude_unset=True)
    _refuse_nulls({k: v for k, v in sent.items() if k != "reason"})
    with transaction.atomic():  # both changes, or neither
        if "roles" in sent:
            if sent.get("expected_roles") is None:
                raise ValidationError(
                    {
                        "expected_roles": "ロールを変えるときは、変更前のロール（expected_roles）も送ってください。"
                    }
                )
            services.staff_update_roles(
                actor=user,
                user=target,
                roles=_roles(sent["roles"]),
                expected=_roles(sent["expected_roles"]),
            )
        if "is_active" in sent:
            services.staff_set_active(
                actor=user, user=target, active=sent["is_active"], reason=payload.reason
            )
    return _one_staff(user, staff_id)
