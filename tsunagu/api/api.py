"""The REST API root (/api/v1/). Each app contributes a router; all call the same services."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError

from tsunagu.core.audit import audit_record
from tsunagu.core.models import AuditAction
from tsunagu.organizations.roles import Permission, Role

from .auth import BearerTokenAuth, StaffSessionAuth
from .schemas import ErrorOut, MeOut

api = NinjaAPI(
    title="Tsunagu API",
    version="1",
    description="つなぐ（自立相談支援機関のケース管理）API。画面と同じサービス・同じ権限範囲で動作し、操作は監査ログに記録されます。",
    auth=[StaffSessionAuth(), BearerTokenAuth()],
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "お探しの情報は見つかりませんでした。"}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = str(exc) or "この操作を行う権限がありません。"
    return api.create_response(request, {"detail": message}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "認証が必要です（ログイン、またはAPIトークン）。"}, status=401)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": "入力内容に誤りがあります。", "errors": errors}, status=422)


def require(request: HttpRequest, permission: Permission) -> None:
    """Deny by default, exactly as the UI does; refusals are audited."""
    if not request.user.can(permission):  # type: ignore[union-attr]
        audit_record(actor=request.user, action=AuditAction.ACCESS_DENIED, details={"permission": permission.value, "via": "api"})
        raise PermissionDenied("この操作を行う権限がありません。")


core_router = Router(tags=["アカウント"])


@core_router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="ログイン中の職員")
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
