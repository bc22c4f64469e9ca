"""センター長 resets a staff member's password and MFA (lost password or authenticator device)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied
from django.test import Client

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.organizations import services
from tsunagu.organizations.models import User


def test_center_director_resets_password_and_mfa(
    login: Callable[[str], Client], staff: Callable[[str], Any]
) -> None:
    target = staff("shinjuku-soudan")
    victim_client = login("shinjuku-soudan")  # an open session of the target
    assert Authenticator.objects.filter(user=target).exists()
    director = login("shinjuku-center")
    response = director.post(f"/staff/{target.pk}/reset-credentials/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    temporary = response.context["temporary_password"]
    assert len(temporary) == 14
    assert temporary in response.content.decode()
    target.refresh_from_db()
    assert target.check_password(temporary)
    assert not Authenticator.objects.filter(user=target).exists()
    # The target's open session has ended.
    assert victim_client.get("/").status_code == 302
    assert AuditEvent.objects.filter(
        action=AuditAction.MFA_CHANGE, object_id=str(target.pk), details__change="credentials_reset"
    ).exists()
    # Logging in with the temporary password leads to the mandatory TOTP set-up.
    fresh = Client()
    fresh.post("/accounts/login/", {"login": target.username, "password": temporary})
    assert fresh.get("/", follow=False)["Location"].startswith("/accounts/2fa/totp/activate/")
    # Once TOTP is set up again, the temporary password must be replaced first (middleware).
    assert User.objects.get(pk=target.pk).must_change_password


def test_reset_is_refused_for_other_agencies_others_roles_and_oneself(
    login: Callable[[str], Client], staff: Callable[[str], Any]
) -> None:
    target = staff("shinjuku-soudan")
    before = target.password
    # Another agency's センター長: 404, exactly like a missing account.
    assert login("hasuda-center").post(f"/staff/{target.pk}/reset-credentials/").status_code == 404
    # A caseworker of the same agency: no permission.
    assert login("shinjuku-shunin").post(f"/staff/{target.pk}/reset-credentials/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.staff_reset_credentials(actor=staff("shinjuku-center"), user=staff("shinjuku-center"))
    target.refresh_from_db()
    assert target.password == before
    assert Authenticator.objects.filter(user=target).exists()
