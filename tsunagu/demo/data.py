"""The one deterministic demo data set, shared by `make demo`, browser tests and screenshots.

Idempotent: running it twice leaves the same rows. Refused under production settings.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, hotp_value
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from tsunagu.organizations.models import Agency, Municipality, OperationType, Prefecture, StaffRole, User
from tsunagu.organizations.roles import Role

DEMO_PASSWORD = "tsunagu-demo-2026"  # noqa: S105 — the public demo password, refused in production


@dataclass(frozen=True)
class DemoStaff:
    suffix: str
    role: Role
    names: dict[str, tuple[str, str]]  # municipality slug → (氏名, フリガナ)


DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff(
        "shunin",
        Role.CHIEF_CONSULTANT,
        {"shinjuku": ("髙橋 真由美", "タカハシ マユミ"), "hasuda": ("齋藤 健一", "サイトウ ケンイチ")},
    ),
    DemoStaff(
        "soudan",
        Role.CONSULTANT,
        {"shinjuku": ("佐藤 由紀", "サトウ ユキ"), "hasuda": ("渡邉 亮", "ワタナベ リョウ")},
    ),
    DemoStaff(
        "shuro",
        Role.EMPLOYMENT_SUPPORTER,
        {"shinjuku": ("鈴木 大輔", "スズキ ダイスケ"), "hasuda": ("小林 美咲", "コバヤシ ミサキ")},
    ),
    DemoStaff(
        "kakei",
        Role.HOUSEHOLD_BUDGET_SUPPORTER,
        {"shinjuku": ("田中 恵子", "タナカ ケイコ"), "hasuda": ("加藤 誠", "カトウ マコト")},
    ),
    DemoStaff(
        "jimu",
        Role.CLERK,
        {"shinjuku": ("伊藤 さくら", "イトウ サクラ"), "hasuda": ("山本 翔太", "ヤマモト ショウタ")},
    ),
    DemoStaff(
        "center",
        Role.CENTER_DIRECTOR,
        {"shinjuku": ("中村 浩二", "ナカムラ コウジ"), "hasuda": ("吉田 久美子", "ヨシダ クミコ")},
    ),
    DemoStaff(
        "privacy",
        Role.PRIVACY_OFFICER,
        {"shinjuku": ("山田 修", "ヤマダ オサム"), "hasuda": ("松本 直子", "マツモト ナオコ")},
    ),
    DemoStaff(
        "jichitai",
        Role.MUNICIPAL_OFFICER,
        {"shinjuku": ("井上 拓也", "イノウエ タクヤ"), "hasuda": ("木村 彩", "キムラ アヤ")},
    ),
    DemoStaff(
        "kansa",
        Role.AUDITOR,
        {"shinjuku": ("林 宏", "ハヤシ ヒロシ"), "hasuda": ("清水 紀子", "シミズ ノリコ")},
    ),
)

# The システム管理者 (初期設定, /setup/): one for the whole installation, in no agency and no
# municipality, so it is not one of the per-centre ``DEMO_STAFF``. Like every demo account it has the
# demo password and a fixed TOTP secret, and no forced password change.
DEMO_SITE_ADMIN = DemoStaff("kanri", Role.SYSTEM_ADMIN, {"site": ("森 和也", "モリ カズヤ")})
DEMO_SITE_ADMIN_USERNAME = "site-kanri"

# Populations: 住民基本台帳人口 (2025-01-01), 新宿区 and 蓮田市 public figures.
PREFECTURES = {"13": "東京都", "11": "埼玉県"}
MUNICIPALITIES: tuple[dict[str, Any], ...] = (
    {"code": "131041", "name": "新宿区", "pref": "13", "population": 351_183, "slug": "shinjuku"},
    {"code": "112381", "name": "蓮田市", "pref": "11", "population": 60_781, "slug": "hasuda"},
)
# 共同実施: 蓮田市くらし相談センター also serves 白岡市 in the demo, so that an agency whose area
# (Agency.area) is larger than its own municipality is exercised by every test. 白岡市 has no demo
# staff; its population is a rounded demo figure, not an official one.
JOINT_MUNICIPALITIES: tuple[dict[str, Any], ...] = (
    {
        "code": "112461",
        "name": "白岡市",
        "pref": "11",
        "population": 52_000,
        "slug": "shiraoka",
        "served_by": "hasuda",
    },
)
AGENCIES = {
    "shinjuku": {
        "name": "新宿区生活支援相談窓口",
        "operation_type": OperationType.CONTRACTED,
        "operator_name": "社会福祉法人 新宿区社会福祉協議会",
    },
    "hasuda": {
        "name": "蓮田市くらし相談センター",
        "operation_type": OperationType.DIRECT,
        "operator_name": "",
    },
}


def demo_totp_secret(username: str) -> str:
    """A fixed TOTP secret per demo account, so the demo and the browser tests can log in."""
    digest = hashlib.sha256(f"tsunagu-demo-totp:{username}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


def demo_totp_code(username: str, at: float | None = None) -> str:
    import time

    from allauth.mfa import app_settings

    counter = int(at if at is not None else time.time()) // app_settings.TOTP_PERIOD
    return f"{hotp_value(demo_totp_secret(username), counter):0{app_settings.TOTP_DIGITS}}"


def demo_usernames() -> list[str]:
    """Every demo login: the staff of each centre, then the システム管理者."""
    return [f"{m['slug']}-{s.suffix}" for m in MUNICIPALITIES for s in DEMO_STAFF] + [
        DEMO_SITE_ADMIN_USERNAME
    ]


def _refuse_in_production() -> None:
    if not settings.TSUNAGU_ALLOW_DEMO_ACCOUNTS:
        raise ImproperlyConfigured("本番設定ではデモデータを投入できません。")


def _demo_account(
    username: str,
    role: Role,
    name: str,
    kana: str,
    *,
    agency: Agency | None,
    municipality: Municipality | None,
) -> User:
    """One demo login: the demo password, one role, a fixed TOTP secret (enrolled once)."""
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "display_name": name,
            "display_name_kana": kana,
            "agency": agency,
            "municipality": municipality,
            "is_demo": True,
            "is_active": True,
        },
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    StaffRole.objects.filter(user=user).exclude(role=role).delete()
    StaffRole.objects.get_or_create(user=user, role=role)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, demo_totp_secret(username))
        RecoveryCodes.activate(user)
    return user


@transaction.atomic
def load_demo_data() -> dict[str, int]:
    _refuse_in_production()
    from tsunagu.core.codes import ensure_default_codes

    ensure_default_codes()
    counts = {"municipalities": 0, "staff": 0}
    prefs = {
        # The demo's prefectures are the ones this installation serves (初期設定 → 都道府県).
        code: Prefecture.objects.update_or_create(code=code, defaults={"name": name, "in_use": True})[0]
        for code, name in PREFECTURES.items()
    }
    for m in MUNICIPALITIES:
        muni, _ = Municipality.objects.update_or_create(
            code=m["code"],
            defaults={
                "name": m["name"],
                "prefecture": prefs[m["pref"]],
                "population": m["population"],
                "slug": m["slug"],
            },
        )
        counts["municipalities"] += 1
        a = AGENCIES[m["slug"]]
        agency, _ = Agency.objects.update_or_create(name=a["name"], defaults={**a, "municipality": muni})
        agency.served_municipalities.set([muni])
        for staff in DEMO_STAFF:
            username = f"{m['slug']}-{staff.suffix}"
            name, kana = staff.names[m["slug"]]
            municipal = staff.role == Role.MUNICIPAL_OFFICER
            _demo_account(
                username,
                staff.role,
                name,
                kana,
                agency=None if municipal else agency,
                municipality=muni if municipal else None,
            )
            counts["staff"] += 1
    name, kana = DEMO_SITE_ADMIN.names["site"]
    _demo_account(DEMO_SITE_ADMIN_USERNAME, DEMO_SITE_ADMIN.role, name, kana, agency=None, municipality=None)
    counts["staff"] += 1
    for j in JOINT_MUNICIPALITIES:
        joint, _ = Municipality.objects.update_or_create(
            code=j["code"],
            defaults={
                "name": j["name"],
                "prefecture": prefs[j["pref"]],
                "population": j["population"],
                "slug": j["slug"],
            },
        )
        Agency.objects.get(name=AGENCIES[j["served_by"]]["name"]).served_municipalities.add(joint)
    from .extra import load_domain_demo_data

    counts.update(load_domain_demo_data())
    return counts
