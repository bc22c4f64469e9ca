from __future__ import annotations

from ninja import Schema


class OrganizationOut(Schema):
    id: int
    name: str


class MunicipalityOut(Schema):
    id: int
    code: str
    name: str


class RoleOut(Schema):
    code: str
    name_ja: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    agency: OrganizationOut | None
    municipality: MunicipalityOut | None
    roles: list[RoleOut]


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    """422: ``detail`` plus Japanese messages per field (``__all__`` for the whole request)."""

    detail: str
    errors: dict[str, list[str]]
