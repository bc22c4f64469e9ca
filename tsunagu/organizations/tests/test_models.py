"""Organisations and staff accounts: database constraints and the staff services."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.organizations.models import Agency, Municipality, OperationType, StaffRole, User
from tsunagu.organizations.roles import Role
from tsunagu.organizations.services import staff_create

STRONG_PASSWORD = "kasumi-Sakura-7428-hoshi"


@pytest.fixture
def shinjuku(demo: Any) -> Municipality:
    return Municipality.objects.get(code="131041")


@pytest.fixture
def hasuda(demo: Any) -> Municipality:
    return Municipality.objects.get(code="112381")


# --- Municipality and agency --------------------------------------------------------------


def test_demo_municipalities_have_valid_codes(shinjuku: Municipality, hasuda: Municipality) -> None:
    shinjuku.full_clean()
    hasuda.full_clean()
    assert str(shinjuku) == "東京都新宿区"


def test_municipality_with_a_wrong_check_digit_fails_validation(shinjuku: Municipality) -> None:
    m = Municipality(code="131042", name="架空区", prefecture=shinjuku.prefecture, population=1, slug="kakuu")
    with pytest.raises(ValidationError) as excinfo:
        m.full_clean()
    assert "検査数字" in excinfo.value.message_dict["code"][0]


def test_municipality_code_must_be_six_digits_in_the_database(shinjuku: Municipality) -> None:
    m = Municipality(code="13104", name="架空区", prefecture=shinjuku.prefecture, population=1, slug="kakuu")
    with pytest.raises(IntegrityError), transaction.atomic():
        m.save()


def test_contracted_agency_requires_an_operator_in_the_database(shinjuku: Municipality) -> None:
    agency = Agency(
        name="架空センター", operation_type=OperationType.CONTRACTED, operator_name="", municipality=shinjuku
    )
    with pytest.raises(ValidationError) as excinfo:
        agency.full_clean()
    assert "委託の場合は受託法人名を入力してください。" in excinfo.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        agency.save()
    assert not Agency.objects.filter(name="架空センター").exists()


def test_direct_agency_needs_no_operator_and_contracted_with_operator_is_fine(shinjuku: Municipality) -> None:
    Agency.objects.create(name="直営センター", operation_type=OperationType.DIRECT, municipality=shinjuku)
    Agency.objects.create(
        name="委託センター",
        operation_type=OperationType.CONTRACTED,
        operator_name="特定非営利活動法人 つなぐ",
        municipality=shinjuku,
    )
    assert Agency.objects.filter(name__in=["直営センター", "委託センター"]).count() == 2


# --- Staff accounts ----------------------------------------------------------------------


def test_a_user_cannot_belong_to_both_an_agency_and_a_municipality(
    staff: Any, shinjuku: Municipality
) -> None:
    user = User(username="both", agency=staff("shinjuku-soudan").agency, municipality=shinjuku)
    with pytest.raises(ValidationError) as excinfo:
        user.full_clean()
    assert "職員は機関か自治体のどちらか一方に所属します。" in excinfo.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()
    # The same through an UPDATE that skips the model.
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(username="shinjuku-soudan").update(municipality=shinjuku)
    assert User.objects.get(username="shinjuku-soudan").municipality_id is None


def test_staff_create_makes_the_account_its_roles_and_an_audit_row(staff: Any) -> None:
    director = staff("shinjuku-center")
    user = staff_create(
        actor=director,
        username="shinjuku-new",
        display_name="新井 一郎",
        display_name_kana="アライ イチロウ",
        roles=[Role.CONSULTANT, "employment_supporter"],
        agency=director.agency,
        password=STRONG_PASSWORD,
    )
    assert user.role_set == {"consultant", "employment_supporter"}
    assert user.check_password(STRONG_PASSWORD)
    assert user.is_demo is False
    row = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="user", object_id=str(user.pk))
    assert row.actor == director
    assert row.details == {
        "username": "shinjuku-new",
        "roles": ["consultant", "employment_supporter"],
        "agency": director.agency_id,
        "municipality": None,
    }


def test_staff_create_without_password_leaves_an_unusable_one(staff: Any) -> None:
    user = staff_create(
        actor=None,
        username="setup-user",
        display_name="初期 設定",
        roles=[Role.CLERK],
        agency=staff("hasuda-jimu").agency,
    )
    assert not user.has_usable_password()


def _counts() -> tuple[int, int, int]:
    return User.objects.count(), StaffRole.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize("username", ["shinjuku-soudan", "Shinjuku-Soudan", "SHINJUKU-SOUDAN"])
def test_staff_create_refuses_a_duplicate_username_and_saves_nothing(staff: Any, username: str) -> None:
    director = staff("shinjuku-center")
    before = _counts()
    with pytest.raises(ValidationError) as excinfo:
        staff_create(
            actor=director,
            username=username,
            display_name="重複 太郎",
            roles=[Role.CONSULTANT, Role.CLERK],
            agency=director.agency,
            password=STRONG_PASSWORD,
        )
    assert excinfo.value.message_dict["username"] == ["このユーザー名は既に使われています。"]
    assert _counts() == before
    assert staff("shinjuku-soudan").role_set == {"consultant"}


def test_staff_create_refuses_invalid_fields_and_saves_nothing(staff: Any) -> None:
    director = staff("shinjuku-center")
    before = _counts()
    with pytest.raises(ValidationError) as excinfo:
        staff_create(
            actor=director,
            username="shinjuku-long",
            display_name="長" * 61,
            roles=[Role.CONSULTANT],
            agency=director.agency,
            password=STRONG_PASSWORD,
        )
    assert "display_name" in excinfo.value.message_dict
    assert _counts() == before


def test_staff_create_refuses_a_municipal_officer_with_an_agency(staff: Any, shinjuku: Municipality) -> None:
    director = staff("shinjuku-center")
    before = _counts()
    with pytest.raises(ValidationError) as excinfo:
        staff_create(
            actor=director,
            username="shinjuku-officer2",
            display_name="自治 二郎",
            roles=[Role.MUNICIPAL_OFFICER],
            agency=director.agency,
            municipality=shinjuku,
        )
    assert "自治体担当者は自治体に所属させてください" in excinfo.value.message_dict["municipality"][0]
    with pytest.raises(ValidationError):
        staff_create(
            actor=None, username="officer-nowhere", display_name="自治 三郎", roles=[Role.MUNICIPAL_OFFICER]
        )
    assert _counts() == before
    officer = staff_create(
        actor=None,
        username="officer-ok",
        display_name="自治 四郎",
        roles=[Role.MUNICIPAL_OFFICER],
        municipality=shinjuku,
    )
    assert officer.agency_id is None
    assert officer.municipality_id == shinjuku.pk


def test_staff_create_needs_roles_and_an_agency(staff: Any) -> None:
    agency = staff("shinjuku-center").agency
    with pytest.raises(ValidationError) as excinfo:
        staff_create(actor=None, username="noroles", display_name="無 役", roles=[], agency=agency)
    assert excinfo.value.message_dict["roles"] == ["ロールを1つ以上選んでください。"]
    with pytest.raises(ValidationError) as excinfo:
        staff_create(actor=None, username="noagency", display_name="無 所属", roles=[Role.CONSULTANT])
    assert excinfo.value.message_dict["agency"] == ["所属機関を選んでください。"]
    with pytest.raises(ValueError):
        staff_create(actor=None, username="badrole", display_name="謎 役", roles=["superuser"], agency=agency)
    assert not User.objects.filter(username__in=["noroles", "noagency", "badrole"]).exists()


def test_only_a_center_director_creates_staff_and_only_in_their_agency(staff: Any) -> None:
    before = _counts()[:2]
    with pytest.raises(PermissionDenied):
        staff_create(
            actor=staff("shinjuku-shunin"),
            username="by-chief",
            display_name="主任 作",
            roles=[Role.CONSULTANT],
            agency=staff("shinjuku-shunin").agency,
        )
    denied = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert denied.details == {"permission": "staff.manage", "reason": "no_permission"}
    with pytest.raises(PermissionDenied, match="他機関の職員は登録できません。"):
        staff_create(
            actor=staff("shinjuku-center"),
            username="other-agency",
            display_name="他 機関",
            roles=[Role.CONSULTANT],
            agency=staff("hasuda-center").agency,
        )
    other = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).exclude(pk=denied.pk).get()
    assert other.details["reason"] == "other_agency"
    assert _counts()[:2] == before


# --- Roles on the user ------------------------------------------------------------------


def test_user_role_helpers(staff: Any) -> None:
    director = staff("shinjuku-center")
    assert director.has_role(Role.CENTER_DIRECTOR)
    assert not director.has_role(Role.AUDITOR)
    assert director.role_labels == ["センター長"]
    assert staff("shinjuku-kansa").is_read_only
    assert not director.is_read_only
    assert str(director) == "中村 浩二"
