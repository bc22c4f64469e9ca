"""Domain demo data: partner agencies, a privacy notice per centre, persons and cases.

Deterministic (fixed names, dates relative to a fixed reference day) and idempotent.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from tsunagu.core.codes import code_labels
from tsunagu.core.models import CodeList
from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.organizations.models import Agency, Municipality, User
from tsunagu.privacy.models import PrivacyNotice, Purpose

PARTNERS = {
    "shinjuku": [
        ("新宿区福祉事務所（生活福祉課）", PartnerAgencyType.WELFARE_OFFICE, "新宿区全域"),
        ("ハローワーク新宿", PartnerAgencyType.HELLO_WORK, "新宿区・渋谷区ほか"),
        ("しんじゅく若者サポートステーション", PartnerAgencyType.YOUTH_SUPPORT_STATION, "新宿区"),
        ("新宿区社会福祉協議会", PartnerAgencyType.SOCIAL_WELFARE_COUNCIL, "新宿区全域"),
        ("西新宿地域包括支援センター", PartnerAgencyType.COMMUNITY_CARE_CENTER, "西新宿"),
        ("法テラス東京", PartnerAgencyType.LEGAL, "東京都"),
    ],
    "hasuda": [
        ("蓮田市福祉課（生活保護担当）", PartnerAgencyType.WELFARE_OFFICE, "蓮田市全域"),
        ("ハローワーク大宮", PartnerAgencyType.HELLO_WORK, "さいたま市・蓮田市ほか"),
        ("蓮田市社会福祉協議会", PartnerAgencyType.SOCIAL_WELFARE_COUNCIL, "蓮田市全域"),
        ("蓮田市地域包括支援センター", PartnerAgencyType.COMMUNITY_CARE_CENTER, "蓮田市"),
        ("さいたま若者サポートステーション", PartnerAgencyType.YOUTH_SUPPORT_STATION, "さいたま市・近隣"),
    ],
}

# (slug, worker suffix, name, kana, birth, phone, address, restricted, topics, urgency, applied+consent)
PERSONS = [
    (
        "shinjuku",
        "soudan",
        "髙橋 一郎",
        "タカハシ イチロウ",
        date(1975, 6, 12),
        "090-1234-5678",
        "東京都新宿区西新宿二丁目8番1号",
        False,
        ["job_search", "income"],
        [],
        True,
    ),
    (
        "shinjuku",
        "soudan",
        "山﨑 花子",
        "ヤマザキ ハナコ",
        date(1988, 2, 29),
        "080-2345-6789",
        "東京都新宿区歌舞伎町一丁目4番1号",
        True,
        ["dv_abuse", "housing"],
        ["dv_abuse", "housing_loss"],
        False,
    ),
    (
        "shinjuku",
        "shunin",
        "渡邉 健",
        "ワタナベ ケン",
        date(1962, 11, 3),
        "03-3209-1111",
        "東京都新宿区高田馬場一丁目1番1号",
        False,
        ["debt", "rent_loan"],
        ["no_money"],
        True,
    ),
    (
        "hasuda",
        "soudan",
        "齋藤 美和",
        "サイトウ ミワ",
        date(1991, 7, 7),
        "048-768-3111",
        "埼玉県蓮田市大字黒浜2799番地1",
        False,
        ["childcare", "income"],
        [],
        True,
    ),
]

# 申込票 B票 (仕事, 住居, 健康保険, 年金; the default lists of core/default_codes.py), one per PERSONS row:
# 髙橋 (51) lost his job and looks for work; 山﨑 (38) works part-time and left home because of DV;
# 渡邉 (63) is out of work, past the 国民年金 age of 60 and not yet receiving a pension (born after
# 1961-04-02, so no 特別支給の老齢厚生年金), with rent arrears; 齋藤 (35) brings up her child alone on
# a part-time wage.
B_SHEETS: tuple[dict[str, str], ...] = (
    {
        "work_status": "unemployed",
        "housing_type": "rented",
        "health_insurance": "national",
        "pension_status": "enrolled",
    },
    {
        "work_status": "non_regular",
        "housing_type": "rented",
        "health_insurance": "employee",
        "pension_status": "enrolled",
    },
    {
        "work_status": "unemployed",
        "housing_type": "rented",
        "health_insurance": "national",
        "pension_status": "not_enrolled",
    },
    {
        "work_status": "non_regular",
        "housing_type": "rented",
        "health_insurance": "national",
        "pension_status": "enrolled",
    },
)

REFERENCE_DAY = date(2026, 10, 1)


def load_domain_demo_data() -> dict[str, int]:
    from tsunagu.cases.models import Case
    from tsunagu.cases.services import intake_register
    from tsunagu.persons.models import Person
    from tsunagu.privacy.models import ConsentMethod, DataCategory, NoticeStatus
    from tsunagu.privacy.services import default_notice_sections
    from tsunagu.programs.seed import seed_housing_benefit_demo

    counts = {"partner_agencies": 0, "persons": 0, "cases": 0}
    seed_housing_benefit_demo()
    for slug, rows in PARTNERS.items():
        muni = Municipality.objects.get(slug=slug)
        for name, kind, area in rows:
            PartnerAgency.objects.update_or_create(
                municipality=muni, name=name, defaults={"agency_type": kind, "area": area}
            )
            counts["partner_agencies"] += 1
    for agency in Agency.objects.filter(municipality__slug__in=PARTNERS):
        PrivacyNotice.objects.get_or_create(
            agency=agency,
            version=1,
            # 第1版, published, in the sections of the 規程 (privacy.services.default_notice_sections).
            defaults={
                **default_notice_sections(),
                "status": NoticeStatus.PUBLISHED,
                "purposes": list(Purpose.values),
                "effective_from": date(2025, 4, 1),
            },
        )
    tz = ZoneInfo("Asia/Tokyo")
    topic_labels = code_labels(CodeList.CONSULTATION_TOPIC)
    for i, (
        slug,
        worker,
        name,
        kana,
        birth,
        phone,
        address,
        restricted,
        topics,
        urgency,
        applied,
    ) in enumerate(PERSONS):
        b_sheet = B_SHEETS[i]
        actor = User.objects.get(username=f"{slug}-{worker}")
        if Person.objects.filter(agency=actor.agency, name=name, birth_date=birth).exists():
            counts["persons"] += 1
            counts["cases"] += Case.objects.filter(person__name=name, agency=actor.agency).count()
            continue
        received = datetime.combine(REFERENCE_DAY.replace(day=1 + i), time(10, 0), tzinfo=tz)
        consent = (
            {
                "purposes": [Purpose.SUPPORT, Purpose.STATISTICS],
                "recipient_types": [PartnerAgencyType.WELFARE_OFFICE, PartnerAgencyType.HELLO_WORK],
                "data_categories": [DataCategory.BASIC, DataCategory.WORK_SCHOOL, DataCategory.FINANCES],
                "given_on": received.date(),
                "method": ConsentMethod.SIGNATURE,
            }
            if applied
            else None
        )
        intake_register(
            actor=actor,
            person=None,
            person_values={
                "name": name,
                "kana": kana,
                "birth_date": birth,
                "phone": phone,
                "address": address,
                "is_restricted": restricted,
                "restriction_reason": "DV被害のため加害者からの所在秘匿" if restricted else "",
                "housing_status": "rented_private",
            },
            values={
                "received_at": received,
                "method": "visit_center",
                "consulter_type": "self",
                "route": "self",
                "topics": topics,
                "main_topic": topics[0],
                "chief_complaint": "（デモ）"
                + "、".join(topic_labels.get(t, t) for t in topics)
                + "について相談したい。",
                "urgency_flags": urgency,
                "screening_outcome": "continuing",
                "applied_on": received.date() if applied else None,
                **b_sheet,
            },
            consent_values=consent,
            submission_token=f"demo-{slug}-{i}",
        )
        counts["persons"] += 1
        counts["cases"] += 1
    return counts
