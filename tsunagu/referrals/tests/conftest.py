"""Fixtures for つなぎ and the disclosure register: demo data, partners by type, persons with consents.

Everything goes through the real services (intake_register, consent_give, consent_withdraw); only
plans and council rosters, which other apps own, are created directly as rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tsunagu.network.models import PartnerAgency, PartnerAgencyType

TODAY = timezone.localdate
_SEQ = iter(range(1, 10_000))

KANA_NAMES = [
    ("青木 太郎", "アオキ タロウ"),
    ("石井 花子", "イシイ ハナコ"),
    ("上田 健一", "ウエダ ケンイチ"),
    ("江藤 美咲", "エトウ ミサキ"),
    ("大野 翔", "オオノ ショウ"),
    ("加藤 陽子", "カトウ ヨウコ"),
    ("木下 誠", "キノシタ マコト"),
    ("久保 綾", "クボ アヤ"),
]


@pytest.fixture
def worker(staff: Callable[[str], Any]) -> Any:
    return staff("shinjuku-soudan")


@pytest.fixture
def partners(demo: Any) -> dict[str, PartnerAgency]:
    """新宿区's demo partners by type (plus a 蓮田市 one under "hasuda_welfare")."""
    out = {p.agency_type: p for p in PartnerAgency.objects.filter(municipality__slug="shinjuku")}
    out["hasuda_welfare"] = PartnerAgency.objects.get(
        municipality__slug="hasuda", agency_type=PartnerAgencyType.WELFARE_OFFICE
    )
    return out


def consent_scope(**overrides: Any) -> dict[str, Any]:
    return {
        "purposes": ["support", "statistics"],
        "recipient_types": [PartnerAgencyType.WELFARE_OFFICE, PartnerAgencyType.HELLO_WORK],
        "data_categories": ["basic", "work_school", "finances"],
        "given_on": TODAY() - timedelta(days=100),
        "method": "signature",
        "expires_on": None,
    } | overrides


@pytest.fixture
def make_case(demo: Any, staff: Callable[[str], Any]) -> Callable[..., Any]:
    """make_case(birth_date=…, consent={…} | None, named=[partner], withdrawn_on=…, actor="shinjuku-soudan")."""
    from tsunagu.cases.services import intake_register
    from tsunagu.privacy.models import Consent
    from tsunagu.privacy.services import consent_give, consent_withdraw

    def make(
        *,
        actor: str = "shinjuku-soudan",
        birth_date: date | None = date(1980, 5, 12),
        consent: dict[str, Any] | None = None,
        named: list[PartnerAgency] | None = None,
        withdrawn_on: date | None = None,
        gender: str = "male",
        chief_complaint: str = "失業して家賃が払えない",
        topics: list[str] | None = None,
    ) -> Any:
        user = staff(actor)
        n = next(_SEQ)
        name, kana = KANA_NAMES[n % len(KANA_NAMES)]
        received = datetime.combine(TODAY() - timedelta(days=120), time(10, 0), tzinfo=ZoneInfo("Asia/Tokyo"))
        case = intake_register(
            actor=user,
            person=None,
            person_values={
                "name": f"{name}{n}",
                "kana": kana,
                "birth_date": birth_date,
                "gender": gender,
                "address": "東京都新宿区西新宿二丁目8番1号",
                "phone": f"090-0000-{n:04d}",
                "housing_status": "rented_private",
            },
            values={
                "received_at": received,
                "method": "visit_center",
                "consulter_type": "self",
                "route": "self",
                "topics": topics or ["income", "job_search"],
                "main_topic": (topics or ["income"])[0],
                "chief_complaint": chief_complaint,
                "urgency_flags": [],
                "screening_outcome": "continuing",
            },
        )
        if consent is not None:
            c = consent_give(actor=user, person=case.person, values=consent, named_recipients=named or [])
            if withdrawn_on is not None:
                consent_withdraw(actor=user, consent=c, withdrawn_on=withdrawn_on, note="本人の申出")
            assert Consent.objects.filter(person=case.person).count() == 1
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def approved_plan() -> Callable[..., Any]:
    """approved_plan(case, status="approved") → a SupportPlan row with one goal (the cases app owns plans)."""
    from tsunagu.cases.models import PlanGoal, SupportPlan

    def make(case: Any, status: str = "approved") -> Any:
        plan = SupportPlan.objects.create(
            case=case,
            agency_id=case.agency_id,
            municipality_id=case.municipality_id,
            author=case.assigned_worker,
            number=SupportPlan.objects.filter(case=case).count() + 1,
            status=status,
            wishes="正社員として働きたい",
            issues="求職活動の進め方がわからない",
            long_term_goal="安定した就労による自立",
            short_term_goal="ハローワークで求人に応募する",
            start_date=TODAY() - timedelta(days=10),
            end_date=TODAY() + timedelta(days=170),
            agreed_on=TODAY() - timedelta(days=12),
        )
        PlanGoal.objects.create(
            plan=plan,
            order=1,
            issue="求職活動",
            goal="3か月以内に就職",
            support="ハローワークのチーム支援",
            provider_kind="partner",
            frequency="週1回",
        )
        return plan

    return make


@pytest.fixture
def council(demo: Any, staff: Callable[[str], Any]) -> Callable[..., Any]:
    """council(members=[(partner, pledge_on, joined_on, left_on)]) → a 支援会議 of 新宿区's centre."""
    from tsunagu.meetings.models import SupportCouncil, SupportCouncilMember

    def make(members: list[tuple[PartnerAgency, date, date, date | None]]) -> Any:
        agency = staff("shinjuku-soudan").agency
        c = SupportCouncil.objects.create(
            agency=agency,
            municipality=agency.municipality,
            name=f"新宿区支援会議{next(_SEQ)}",
            established_on=TODAY() - timedelta(days=400),
        )
        for partner, pledge, joined, left in members:
            SupportCouncilMember.objects.create(
                council=c, partner=partner, pledge_signed_on=pledge, joined_on=joined, left_on=left
            )
        return c

    return make
