"""The REST API root (/api/v1/). Each app contributes a router; all call the same services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Router, Schema, Swagger
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema

from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission, Role

from .auth import api_auth, api_user
from .errors import BAD_BODY, INVALID_INPUT, NOT_FOUND, UNAUTHENTICATED, install_error_handlers
from .schemas import ErrorOut, MeOut, ValidationErrorOut

DOCS_URL_NAME = "openapi-view"


def require(request: HttpRequest, permission: Permission) -> None:
    """Deny by default, exactly as the UI does: ``guards.require`` (one audited refusal)."""
    guards.require(request.user, permission, via="api")


def docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The schema and the docs page need an API user, like every operation.

    ``/openapi.json``: a bearer token or an MFA-complete session, else 401 (JSON).
    ``/docs``: the same; a browser without a session is sent to the login page and comes back.
    The endpoints are not secret, but nothing under /api/ answers anonymous callers.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = api_user(request)
        if user is None:
            match = request.resolver_match
            if match is not None and match.url_name == DOCS_URL_NAME:
                return redirect_to_login(request.get_full_path())
            return JsonResponse({"detail": UNAUTHENTICATED}, status=401)
        try:
            guards.require(user, Permission.API_USE, via="api_docs")
        except guards.AccessDenied as exc:
            return JsonResponse({"detail": exc.message}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


# Swagger UI from ninja's bundled static files (templates/ninja/swagger.html adds the CSP nonce):
# no CDN, no online validator badge (it would send the schema to validator.swagger.io), and an
# entered bearer token is not kept in the browser's localStorage.
docs = Swagger(settings={"validatorUrl": None, "persistAuthorization": False})

# The error answers every operation can give, all produced by ``api.errors`` in one shape: 401 and
# 403 everywhere (every operation needs an API user and a permission), 422 everywhere (a parameter
# or body refused, or a number beyond what the database holds), 404 wherever the request names a
# record (a path, query or body value), 400 wherever there is a request body (one that is not JSON).
# An operation that declares one of them with an app's own copy of the shape is documented with
# these too, so the OpenAPI has one error schema and one validation-error schema.
STANDARD_ERRORS: dict[int, tuple[str, type[Schema]]] = {
    400: (BAD_BODY, ErrorOut),
    401: (UNAUTHENTICATED, ErrorOut),
    403: (guards.FORBIDDEN, ErrorOut),
    404: (NOT_FOUND, ErrorOut),
    # 導入と移行: only where an operation declares it (an upload over its size limit).
    413: ("ファイルが大きすぎます。", ErrorOut),
    422: (INVALID_INPUT, ValidationErrorOut),
}


def _refs(node: Any) -> set[str]:
    """The component names a part of the schema refers to."""
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def document_standard_errors(schema: dict[str, Any]) -> None:
    """Document the standard error answers on every operation of ``schema`` (in place), then drop
    the components nothing refers to any more (the apps' copies of the error shapes)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for shape in (ErrorOut, ValidationErrorOut):
        components.setdefault(shape.__name__, shape.model_json_schema(ref_template=REF_TEMPLATE))
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = {int(status): answer for status, answer in operation.get("responses", {}).items()}
            has_body = "requestBody" in operation
            names_a_record = has_body or bool(operation.get("parameters"))
            for status, (description, model) in STANDARD_ERRORS.items():
                declared = status in responses
                if not declared and (
                    (status == 400 and not has_body)
                    or (status == 404 and not names_a_record)
                    or status == 413
                ):
                    continue
                ref = {"$ref": REF_TEMPLATE.format(model=model.__name__)}
                responses[status] = {
                    "description": description,
                    "content": {"application/json": {"schema": ref}},
                }
            operation["responses"] = dict(sorted(responses.items()))
    used = _refs(schema.get("paths", {}))
    while True:  # components referred to by used components are used too
        more = _refs([components[name] for name in used if name in components]) - used
        if not more:
            break
        used |= more
    for name in set(components) - used:
        del components[name]


class TsunaguAPI(NinjaAPI):
    """ninja's API whose OpenAPI documents every status code an operation answers with."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_standard_errors(schema)
        return schema


api = TsunaguAPI(
    title="Tsunagu API",
    version="1",
    description="つなぐ（自立相談支援機関のケース管理）API。画面と同じサービス・同じ権限範囲で動作し、操作は監査ログに記録されます。",
    auth=api_auth(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs=docs,
    docs_url="/docs",
    docs_decorator=docs_access,
)
install_error_handlers(api)


core_router = Router(tags=["アカウント"])


@core_router.get("/me", response={200: MeOut, 401: ErrorOut, 403: ErrorOut}, summary="ログイン中の職員")
def me(request: HttpRequest) -> dict:
    user = request.user
    require(request, Permission.API_USE)
    return {
        "id": user.pk,
        "username": user.username,  # type: ignore[union-attr]
        "display_name": user.display_name,  # type: ignore[union-attr]
        "agency": {"id": user.agency.pk, "name": user.agency.name} if user.agency else None,  # type: ignore[union-attr]
        "municipality": (
            {"id": user.municipality.pk, "code": user.municipality.code, "name": user.municipality.name}  # type: ignore[union-attr]
            if user.municipality  # type: ignore[union-attr]
            else None
        ),
        "roles": [{"code": r, "name_ja": Role(r).label} for r in Role.values if r in user.role_set],  # type: ignore[union-attr]
    }


api.add_router("/", core_router)

# Routers of the domain apps: the same services and scoping as the screens.
from tsunagu.cases.api import router as cases_router  # noqa: E402

api.add_router("/", cases_router)

from tsunagu.programs.api import router as programs_router  # noqa: E402

api.add_router("/", programs_router)

from tsunagu.meetings.api import router as meetings_router  # noqa: E402

api.add_router("/", meetings_router)

from tsunagu.referrals.api import router as referrals_router  # noqa: E402

api.add_router("/", referrals_router)

from tsunagu.statistics.api import router as statistics_router  # noqa: E402

api.add_router("/", statistics_router)

# 帳票: 支援ケース一覧（様式【4】）
from tsunagu.reports.api import router as reports_router  # noqa: E402

api.add_router("/", reports_router)

# 導入と移行: スプレッドシートからの取り込み
from tsunagu.imports.api import router as imports_router  # noqa: E402

api.add_router("/", imports_router)

# The dashboard's 今日やること (GET /me/todo): the same list as the dashboard panel.
from tsunagu.dashboard.api import router as dashboard_router  # noqa: E402

api.add_router("/", dashboard_router)

# 導入と移行: 規程の版 (/privacy-notices, with the publish action).
from tsunagu.privacy.api import router as privacy_router  # noqa: E402

api.add_router("/", privacy_router)
# 委託先の変更（引継ぎ）: the municipality's hand-over service.
from tsunagu.handovers.api import router as handovers_router  # noqa: E402

api.add_router("/", handovers_router)

# 導入と移行: 初期設定（都道府県・自治体・機関・職員アカウント、システム管理者）.
from tsunagu.organizations.api import router as setup_router  # noqa: E402

api.add_router("/", setup_router)
