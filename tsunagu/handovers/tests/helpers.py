"""Test helpers: a new operator for 新宿区 (the demo's 委託 centre is the old one)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tsunagu.organizations.models import Agency, Municipality, OperationType, StaffRole, User
from tsunagu.organizations.roles import Role


def shinjuku() -> Municipality:
    return Municipality.objects.get(slug="shinjuku")


def old_agency() -> Agency:
    return Agency.objects.get(name="新宿区生活支援相談窓口")


def new_agency(*, serving: bool = True) -> Agency:
    muni = shinjuku()
    other = Municipality.objects.get(slug="hasuda")
    agency = Agency.objects.create(
        name="新宿区くらし相談センター（新受託者）",
        operation_type=OperationType.CONTRACTED,
        operator_name="社会福祉法人 つなぐ会",
        municipality=muni if serving else other,
    )
    return agency


def new_staff(agency: Agency, username: str = "successor-soudan", role: Role = Role.CENTER_DIRECTOR) -> User:
    user = User.objects.create_user(username=username, password="x", agency=agency, display_name="後任 太郎")
    StaffRole.objects.create(user=user, role=role)
    from allauth.mfa.totp.internal.auth import TOTP

    from tsunagu.demo.data import demo_totp_secret

    TOTP.activate(user, demo_totp_secret(username))
    return user


def officer(staff: Any) -> User:
    return staff("shinjuku-jichitai")  # type: ignore[no-any-return]


def plan(staff: Any, to: Agency | None = None, on: date | None = None) -> Any:
    from tsunagu.handovers import services

    return services.handover_create(
        actor=officer(staff),
        municipality=shinjuku(),
        from_agency=old_agency(),
        to_agency=to or new_agency(),
        handover_date=on or date(2026, 4, 1),
        reason="委託契約の期間満了",
    )
