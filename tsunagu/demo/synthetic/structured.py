"""Synthetic 申込票 B票 codes and structured アセスメント items (手帳, 通院・服薬, 就労・職歴, 資格,
月収, 預貯金, 家賃, 債務, 公的給付), plausible for the person's age, housing and topics.

Drawn from their own ``random.Random`` (the generator's second stream), so adding them left every
other synthetic row as it was. The codes are the default lists (``core/default_codes.py``); the
categories are the 家計表's (``cases.models.IncomeCategory``, ``DebtKind``, ``PublicBenefitKind``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tsunagu.cases.intake_sheet import HOUSING_TYPE_FROM_STATUS  # 住まいの状況 → B票 住居
from tsunagu.cases.models import CERTIFICATE_GRADES

RENTED = ("rented", "public_housing", "company_housing")
WORKING = ("regular", "non_regular", "self_employed")


@dataclass(frozen=True)
class BSheet:
    work_status: str
    housing_type: str
    health_insurance: str
    pension_status: str

    def values(self) -> dict[str, str]:
        return {
            "work_status": self.work_status,
            "housing_type": self.housing_type,
            "health_insurance": self.health_insurance,
            "pension_status": self.pension_status,
        }


def _pick(rng: random.Random, weighted: dict[str, int]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def b_sheet(rng: random.Random, *, age: int, housing_status: str, topics: list[str]) -> BSheet:
    """仕事・住居・健康保険・年金 at 受付."""
    if age >= 65:
        work = _pick(rng, {"pension_life": 60, "non_regular": 18, "unemployed": 15, "other": 7})
    elif age < 23:
        work = _pick(rng, {"student": 30, "non_regular": 30, "unemployed": 35, "other": 5})
    else:
        job_search = "job_search" in topics or "job_search_difficulty" in topics
        work = _pick(
            rng,
            {
                "unemployed": 60 if job_search else 38,
                "non_regular": 25,
                "regular": 7,
                "self_employed": 6,
                "other": 8,
            },
        )
    if age >= 75:
        insurance = _pick(rng, {"late_elderly": 92, "medical_assistance": 3, "unknown": 5})
    elif work == "regular":
        insurance = "employee"
    elif work == "non_regular":
        insurance = _pick(rng, {"employee": 40, "national": 55, "uninsured": 5})
    else:
        insurance = _pick(rng, {"national": 80, "employee": 4, "uninsured": 9, "unknown": 7})
    if age >= 65:
        pension = _pick(rng, {"receiving": 88, "not_enrolled": 4, "unknown": 8})
    elif age < 20:
        pension = "not_enrolled"
    else:
        pension = _pick(rng, {"enrolled": 68, "not_enrolled": 14, "unknown": 12, "receiving": 6})
    housing = HOUSING_TYPE_FROM_STATUS.get(housing_status, "other" if housing_status else "")
    return BSheet(work, housing, insurance, pension)


WORKS = (
    "食品工場のライン作業",
    "コンビニエンスストアの店員",
    "倉庫内の仕分け・ピッキング",
    "建設現場の作業員",
    "介護施設の介護職員",
    "飲食店の調理補助",
    "事務職（データ入力）",
    "警備員",
    "清掃作業",
    "配送ドライバー",
)
REASONS_LEFT = (
    "契約期間満了",
    "体調不良",
    "会社都合（事業所の閉鎖）",
    "人間関係",
    "家族の介護",
    "給与の未払い",
    "",
)
QUALIFICATIONS = (
    "普通自動車第一種運転免許",
    "フォークリフト運転技能講習",
    "介護職員初任者研修",
    "日商簿記3級",
    "調理師",
    "危険物取扱者乙種第4類",
)
CREDITORS = {
    "tax": ("住民税", "国民健康保険税", "軽自動車税"),
    "rent": ("家主（家賃の滞納）", "管理会社（家賃の滞納）"),
    "utility": ("電気料金", "ガス料金", "水道料金", "携帯電話料金"),
    "loan": ("消費者金融", "クレジットカード会社", "銀行カードローン", "知人からの借入"),
    "other": ("奨学金", "医療費の未払い"),
}


@dataclass
class Profile:
    """One アセスメント's structured items; ``rows`` hold jobs, incomes, debts and benefits."""

    scalars: dict[str, Any]
    jobs: list[dict[str, Any]] = field(default_factory=list)
    incomes: list[dict[str, Any]] = field(default_factory=list)
    debts: list[dict[str, Any]] = field(default_factory=list)
    benefits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def monthly_income(self) -> int:
        return sum(int(i["amount"]) for i in self.incomes)


def _yen(rng: random.Random, low: int, high: int, step: int = 1000) -> int:
    return rng.randrange(low, high, step)


def assessment_profile(
    rng: random.Random,
    *,
    age: int,
    b: BSheet,
    certificate: str,
    topics: list[str],
    assessed_on: date,
    previous: Profile | None = None,
) -> Profile:
    """The structured items of one sheet. A re-assessment (``previous``: the case's former sheet)
    keeps the 手帳, 資格, 職歴 and 家賃 and draws the rest again."""
    s: dict[str, Any] = {"work_status": b.work_status}
    rent = previous.scalars["monthly_rent"] if previous else None
    if certificate == "yes" and previous and previous.scalars["certificate_kind"]:
        s["certificate_kind"] = previous.scalars["certificate_kind"]
        s["certificate_grade"] = previous.scalars["certificate_grade"]
    elif certificate == "yes":
        kind = _pick(rng, {"physical": 40, "intellectual": 20, "mental": 40})
        s["certificate_kind"] = kind
        s["certificate_grade"] = rng.choice(CERTIFICATE_GRADES[kind])[0]
    else:
        s["certificate_kind"], s["certificate_grade"] = "", ""
    r = rng.random()
    s["outpatient"] = True if r < 0.35 or certificate == "yes" else False if r < 0.8 else None
    s["outpatient_note"] = (
        rng.choice(("内科に月1回", "精神科クリニックに2週に1回", "整形外科に週1回", "歯科に通院中"))
        if s["outpatient"]
        else ""
    )
    s["medication"] = (
        (rng.random() < 0.75) if s["outpatient"] else (None if s["outpatient"] is None else False)
    )
    s["medication_note"] = (
        rng.choice(("降圧剤", "睡眠導入剤", "抗うつ薬", "鎮痛剤")) if s["medication"] else ""
    )
    s["qualifications"] = (
        "、".join(sorted(set(rng.choices(QUALIFICATIONS, k=rng.randint(1, 2)))))
        if (rng.random() < 0.55)
        else ""
    )
    p = Profile(s)
    if previous is not None:
        s["qualifications"] = previous.scalars["qualifications"]
        p.jobs = previous.jobs
    elif b.work_status != "student":
        year = assessed_on.year
        for order in range(rng.choices((0, 1, 2, 3), weights=(15, 40, 30, 15))[0]):
            start = year - rng.randint(1, 6)
            current = order == 0 and b.work_status in WORKING
            if current:
                period = f"{start}年{rng.randint(1, 12)}月〜現在"
            elif order == 0:
                period = f"{start}年{rng.randint(1, 12)}月〜{year}年{rng.randint(1, 12)}月"
            else:
                period = f"{start - rng.randint(1, 5)}年頃〜{start}年頃"
            p.jobs.append(
                {
                    "order": order,
                    "period": period,
                    "employment_type": b.work_status
                    if current
                    else _pick(rng, {"non_regular": 60, "regular": 30, "self_employed": 10}),
                    "work": rng.choice(WORKS),
                    "reason_left": "" if current else rng.choice(REASONS_LEFT),
                }
            )
            year = start
    # 月収 and 公的給付: the benefits' monthly amounts are the incomes of those categories.
    incomes: dict[str, int] = {}
    if b.work_status == "regular":
        incomes["salary"] = _yen(rng, 150_000, 280_000)
    elif b.work_status in ("non_regular", "self_employed"):
        incomes["salary"] = _yen(rng, 40_000, 160_000)
    elif b.work_status == "student" and rng.random() < 0.5:
        incomes["salary"] = _yen(rng, 20_000, 80_000)
    if b.pension_status == "receiving":
        old_age = age >= 65
        amount = _yen(rng, 40_000, 160_000) if old_age else _yen(rng, 65_000, 85_000)
        incomes["pension"] = amount
        p.benefits.append(
            {
                "kind": "pension",
                "name": "老齢基礎年金" if old_age else "障害基礎年金",
                "monthly_amount": amount,
                "ends_on": None,
            }
        )
    if b.work_status == "unemployed" and age < 65 and rng.random() < 0.3:
        amount = _yen(rng, 90_000, 180_000)
        incomes["other_benefit"] = amount
        p.benefits.append(
            {
                "kind": "unemployment",
                "name": "雇用保険（基本手当）",
                "monthly_amount": amount,
                "ends_on": assessed_on + timedelta(days=rng.randint(20, 150)),
            }
        )
    if "childcare" in topics or (20 <= age < 50 and rng.random() < 0.12):
        amount = _yen(rng, 10_000, 50_000)
        incomes["allowance"] = amount
        p.benefits.append(
            {
                "kind": "allowance",
                "name": rng.choice(("児童手当", "児童扶養手当")),
                "monthly_amount": amount,
                "ends_on": None,
            }
        )
    if rng.random() < 0.1:
        incomes["support"] = _yen(rng, 10_000, 50_000)
    p.incomes = [{"category": c, "amount": a} for c, a in incomes.items()]
    if rent is None and b.housing_type in RENTED:
        low, high = {"rented": (35_000, 90_000), "public_housing": (15_000, 45_000)}.get(
            b.housing_type, (10_000, 40_000)
        )
        rent = rng.randrange(low, high, 500)
    s["monthly_rent"] = rent if b.housing_type in RENTED else None
    savings = rng.choices((0, _yen(rng, 1_000, 100_000), _yen(rng, 100_000, 600_000)), weights=(35, 45, 20))[
        0
    ]
    s["savings"] = None if rng.random() < 0.1 else savings
    indebted = "debt" in topics or "rent_loan" in topics
    n_debts = rng.choices((0, 1, 2, 3), weights=(20, 40, 25, 15) if indebted else (60, 28, 9, 3))[0]
    kinds = ["tax", "utility", "loan", "other"] + (["rent"] if s["monthly_rent"] else [])
    for kind in sorted(set(rng.choices(kinds, k=n_debts))):
        if kind == "rent":
            amount = int(s["monthly_rent"]) * rng.randint(1, 4)
        elif kind == "loan":
            amount = _yen(rng, 100_000, 2_000_000, 10_000)
        elif kind == "tax":
            amount = _yen(rng, 20_000, 400_000)
        else:
            amount = _yen(rng, 5_000, 150_000)
        p.debts.append(
            {
                "kind": kind,
                "creditor": rng.choice(CREDITORS[kind]),
                "amount": amount,
                "monthly_repayment": _yen(rng, 3_000, 30_000) if rng.random() < 0.4 else None,
            }
        )
    return p
