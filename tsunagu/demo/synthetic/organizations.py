"""Synthetic municipalities of 埼玉県, their centres, workers, partner agencies and rule tables.

Created through the ORM (a few hundred rows). Populations are rounded 住民基本台帳 figures;
the 団体コード check digit is computed (organizations.validators), never typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password

from tsunagu.demo.data import DEMO_PASSWORD, demo_totp_secret
from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.organizations.models import Agency, Municipality, OperationType, Prefecture, StaffRole, User
from tsunagu.organizations.roles import Role
from tsunagu.organizations.validators import municipality_check_digit
from tsunagu.privacy.models import PrivacyNotice, Purpose
from tsunagu.programs.models import HousingBenefitRuleTable
from tsunagu.programs.seed import RULE_ROWS

from . import names as N

# (first five digits of the 団体コード, name, slug, population)
SAITAMA: tuple[tuple[str, str, str, int], ...] = (
    ("11201", "川越市", "kawagoe", 353_000),
    ("11202", "熊谷市", "kumagaya", 192_000),
    ("11203", "川口市", "kawaguchi", 606_000),
    ("11206", "行田市", "gyoda", 78_000),
    ("11207", "秩父市", "chichibu", 60_000),
    ("11208", "所沢市", "tokorozawa", 342_000),
    ("11209", "飯能市", "hanno", 78_000),
    ("11210", "加須市", "kazo", 112_000),
    ("11211", "本庄市", "honjo", 77_000),
    ("11212", "東松山市", "higashimatsuyama", 90_000),
    ("11214", "春日部市", "kasukabe", 232_000),
    ("11215", "狭山市", "sayama", 149_000),
    ("11217", "鴻巣市", "konosu", 117_000),
    ("11218", "深谷市", "fukaya", 142_000),
    ("11219", "上尾市", "ageo", 229_000),
    ("11221", "草加市", "soka", 250_000),
    ("11222", "越谷市", "koshigaya", 345_000),
    ("11224", "戸田市", "toda", 141_000),
    ("11225", "入間市", "iruma", 145_000),
    ("11230", "新座市", "niiza", 165_000),
)
SLUG_PREFIX = "syn-"
TOWNS = ("本町", "中央", "栄町", "緑町", "東町", "西町", "南町", "北町", "旭町", "宮本町", "新町", "仲町")
PARTNERS = (
    ("福祉事務所（生活福祉課）", PartnerAgencyType.WELFARE_OFFICE),
    ("ハローワーク", PartnerAgencyType.HELLO_WORK),
    ("社会福祉協議会", PartnerAgencyType.SOCIAL_WELFARE_COUNCIL),
    ("地域包括支援センター", PartnerAgencyType.COMMUNITY_CARE_CENTER),
    ("若者サポートステーション", PartnerAgencyType.YOUTH_SUPPORT_STATION),
    ("障害者相談支援事業所", PartnerAgencyType.DISABILITY_CONSULTATION),
)


@dataclass
class Centre:
    """One agency with what the generator needs to know about it (ids only, no model instances)."""

    agency_id: int
    municipality_id: int
    municipality_name: str
    prefecture_name: str
    population: int
    workers: list[tuple[int, str]]  # (user id, username), most loaded first
    worker_weights: list[float]
    chief: tuple[int, str]
    officer: tuple[int, str]  # 自治体担当者 of the municipality
    notice_id: int
    partners: list[tuple[int, str]]  # (id, agency_type)
    rules: dict[int, dict[str, Any]] = field(default_factory=dict)  # household size → rule row


def municipality_code(first_five: str) -> str:
    return f"{first_five}{municipality_check_digit(first_five)}"


def workers_for(population: int) -> int:
    """2–15 caseworkers, growing with the population."""
    return max(2, min(15, round(population / 40_000) + 2))


def _staff_name(i: int) -> tuple[str, str]:
    fam_k, fam_kana, _ = N.FAMILY_NAMES[(i * 7) % len(N.FAMILY_NAMES)]
    pool = N.FEMALE_GIVEN if i % 2 else N.MALE_GIVEN
    giv_k, giv_kana = pool[(i * 11) % len(pool)]
    return f"{fam_k} {giv_k}", f"{fam_kana} {giv_kana}"


def _user(username: str, i: int, password: str, **fields: Any) -> User:
    name, kana = _staff_name(i)
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "display_name": name,
            "display_name_kana": kana,
            "is_demo": True,
            "is_active": True,
            **fields,
        },
    )
    if user.password != password:
        User.objects.filter(pk=user.pk).update(password=password)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, demo_totp_secret(username))
    return user


def _role(user: User, role: Role) -> None:
    StaffRole.objects.get_or_create(user=user, role=role)


def ensure_organizations() -> list[Centre]:
    """The demo centres plus one centre per synthetic 埼玉県 municipality (idempotent)."""
    password = make_password(DEMO_PASSWORD)
    saitama = Prefecture.objects.get(code="11")
    counter = 0
    for first_five, name, slug, population in SAITAMA:
        muni, _ = Municipality.objects.update_or_create(
            code=municipality_code(first_five),
            defaults={
                "name": name,
                "prefecture": saitama,
                "population": population,
                "population_as_of": date(2025, 1, 1),
                "slug": SLUG_PREFIX + slug,
            },
        )
        contracted = int(first_five) % 3 == 0
        agency, _ = Agency.objects.update_or_create(
            name=f"{name}自立相談支援センター",
            defaults={
                "municipality": muni,
                "operation_type": OperationType.CONTRACTED if contracted else OperationType.DIRECT,
                "operator_name": f"社会福祉法人 {name}社会福祉協議会" if contracted else "",
            },
        )
        agency.served_municipalities.set([muni])
        for label, kind in PARTNERS:
            PartnerAgency.objects.get_or_create(
                municipality=muni, name=f"{name}{label}", defaults={"agency_type": kind, "area": name}
            )
        PrivacyNotice.objects.get_or_create(
            agency=agency,
            version=1,
            defaults={
                "body": "個人情報に関する管理・取扱規程（合成データ）",
                "purposes": list(Purpose.values),
                "effective_from": date(2017, 4, 1),
            },
        )
        base = f"{SLUG_PREFIX}{slug}"
        _role(_user(f"{base}-center", counter, password, agency=agency), Role.CENTER_DIRECTOR)
        counter += 1
        _role(_user(f"{base}-shunin", counter, password, agency=agency), Role.CHIEF_CONSULTANT)
        counter += 1
        for k in range(1, workers_for(population)):
            _role(_user(f"{base}-w{k:02d}", counter, password, agency=agency), Role.CONSULTANT)
            counter += 1
        _role(_user(f"{base}-privacy", counter, password, agency=agency), Role.PRIVACY_OFFICER)
        counter += 1
        _role(_user(f"{base}-jichitai", counter, password, municipality=muni), Role.MUNICIPAL_OFFICER)
        counter += 1
        if not HousingBenefitRuleTable.objects.filter(municipality=muni).exists():
            for size, base_amount, rent_cap, asset_limit, _source in RULE_ROWS["112381"]:
                HousingBenefitRuleTable.objects.create(
                    municipality=muni,
                    household_size=size,
                    applies_to_larger=size == 4,
                    base_amount=base_amount,
                    rent_cap=rent_cap,
                    asset_limit=asset_limit,
                    effective_from=date(2017, 4, 1),
                    source="合成データ（蓮田市の表を準用）",
                )
    # Extra caseworkers in the two demo centres, so their caseloads look like a city's.
    for slug in ("shinjuku", "hasuda"):
        muni = Municipality.objects.get(slug=slug)
        demo_agency = Agency.objects.filter(municipality=muni).order_by("id").first()
        if demo_agency is None:
            continue
        for k in range(1, workers_for(muni.population) - 3):
            _role(_user(f"{slug}-w{k:02d}", counter, password, agency=demo_agency), Role.CONSULTANT)
            counter += 1
    return load_centres()


def load_centres() -> list[Centre]:
    centres = []
    for agency in Agency.objects.select_related("municipality__prefecture").order_by(
        "municipality__code", "id"
    ):
        muni = agency.municipality
        staff = list(
            User.objects.filter(agency=agency, is_active=True).prefetch_related("roles").order_by("username")
        )
        caseworkers = [
            u
            for u in staff
            if u.role_set
            & {Role.CONSULTANT.value, Role.CHIEF_CONSULTANT.value, Role.EMPLOYMENT_SUPPORTER.value}
        ]
        # The demo 相談支援員 (…-soudan) carries the heaviest caseload of the demo centres.
        caseworkers.sort(
            key=lambda u: (not u.username.endswith("-soudan"), u.role_set != {"consultant"}, u.username)
        )
        chief = next((u for u in staff if Role.CHIEF_CONSULTANT.value in u.role_set), caseworkers[0])
        officer = (
            User.objects.filter(municipality=muni, roles__role=Role.MUNICIPAL_OFFICER)
            .order_by("username")
            .first()
        )
        notice = PrivacyNotice.objects.filter(agency=agency).order_by("version").first()
        if not caseworkers or officer is None or notice is None:
            continue
        rules = {
            r.household_size: {
                "id": r.pk,
                "base_amount": r.base_amount,
                "rent_cap": r.rent_cap,
                "asset_limit": r.asset_limit,
            }
            for r in HousingBenefitRuleTable.objects.filter(municipality=muni).order_by(
                "effective_from", "revision"
            )
        }
        centres.append(
            Centre(
                agency_id=agency.pk,
                municipality_id=muni.pk,
                municipality_name=muni.name,
                prefecture_name=muni.prefecture.name,
                population=muni.population,
                workers=[(u.pk, u.username) for u in caseworkers],
                # Skewed caseloads: Zipf-like, the first worker carries about twice the second.
                worker_weights=[1.0 / (rank + 1) ** 0.9 for rank in range(len(caseworkers))],
                chief=(chief.pk, chief.username),
                officer=(officer.pk, officer.username),
                notice_id=notice.pk,
                partners=[
                    (p.pk, p.agency_type)
                    for p in PartnerAgency.objects.filter(municipality=muni).order_by("id")
                ],
                rules=rules,
            )
        )
    return centres
