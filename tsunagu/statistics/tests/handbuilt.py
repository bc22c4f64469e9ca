"""A small hand-built data set for the statistics, on top of the demo organisations.

Rows are written directly with past dates (the services stamp "today"); what is tested is the
counting, against the hand counts written beside each test. The story (新宿区 = S, 蓮田市 = H):

- C1 (S, person 髙橋): 受付 2025-03-31 (FY2024), 3 topics, route hello_work. Plan v1 decided
  2025-04-10, 就労支援対象 with a staff goal. Shelter from 2025-04-12. 住居確保給付金 applied
  2025-04-05, awarded 2025-04-20, extended 2025-07-10, stopped 2025-09-01. Referral cancelled
  2025-04-20. Loan rejected. Employed 2025-05-20. Closed 2025-06-30 (就労・増収による自立).
  Assessment 2025-04-05: economic_hardship, debt.
- C2 (S, person 山﨑): 受付 2025-04-01, 1 topic, route self. Plan v1 decided 2025-04-30 (not a target,
  家計改善支援). 就労準備 from 2025-05-01. Loan approved (applied 2025-06-01). Re-plan v2 decided
  2025-07-15 as a target. Income up 2025-08-01. Assessment 2025-04-10: debt.
- C3 (S, person 渡邉): 受付 2025-04-15, 6 topics, ended at screening. Loan approved 2025-06-02 (no plan).
- C4 (S, person 髙橋 again — he came back): 受付 2025-09-01, 2 topics. Plan v1 decided 2025-09-20 as
  a target. Employed 2025-09-25 and again 2025-10-05.
- C5 (H, person 齋藤): 受付 2025-10-01. 住居確保給付金 applied 2025-10-02, awarded 2025-10-10 (before
  her plan). Plan v1 decided 2025-10-20. Referred to the ハローワーク 生活保護受給者等就労自立促進事業
  2025-10-25.
- C6 (S, person 山﨑): 受付 2024-05-01, plan decided 2024-05-20, closed 2024-12-10 (目標達成) and now
  in フォローアップ.
- C7 (S, person 渡邉): 受付 2024-06-01, plan decided 2024-06-20, suspended 2025-01-15.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from tsunagu.cases.models import (
    Assessment,
    Case,
    CaseState,
    EmploymentOutcome,
    Intake,
    PlanGoal,
    PlanStatus,
    SupportPlan,
)
from tsunagu.core.dates import fiscal_year
from tsunagu.meetings.models import Decision
from tsunagu.organizations.models import Agency, Municipality, User
from tsunagu.persons.models import Person
from tsunagu.programs.models import (
    HousingBenefitApplication,
    HousingBenefitDecision,
    HousingBenefitExtension,
    HousingBenefitRuleTable,
    HousingBenefitStop,
    LoanLink,
    ProgramEnrolment,
)
from tsunagu.referrals.models import Referral

TOKYO = ZoneInfo("Asia/Tokyo")
TOPICS = ["health", "housing", "income", "rent_loan", "debt", "job_search", "family"]


@dataclass
class World:
    shinjuku: Municipality
    hasuda: Municipality
    agency_s: Agency
    agency_h: Agency
    cases: dict[str, Case]


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _worker_of(case: Case) -> User:
    assert case.assigned_worker is not None  # every hand-built case has its worker
    return case.assigned_worker


class Builder:
    def __init__(self) -> None:
        self.shinjuku = Municipality.objects.get(slug="shinjuku")
        self.hasuda = Municipality.objects.get(slug="hasuda")
        self.worker_s = _user("shinjuku-soudan")
        self.worker_h = _user("hasuda-soudan")
        self.officer_s = _user("shinjuku-jichitai")
        self.officer_h = _user("hasuda-jichitai")
        self.agency_s = Agency.objects.get(staff=self.worker_s)
        self.agency_h = Agency.objects.get(staff=self.worker_h)
        self.seq = 900

    def _side(self, muni: Municipality) -> tuple[Agency, User, User]:
        if muni == self.shinjuku:
            return self.agency_s, self.worker_s, self.officer_s
        return self.agency_h, self.worker_h, self.officer_h

    def case(
        self,
        person: Person,
        muni: Municipality,
        opened: date,
        *,
        topics: int = 1,
        route: str = "self",
        state: str = CaseState.IN_SUPPORT,
        closed: date | None = None,
        reason: str = "",
    ) -> Case:
        agency, worker, _ = self._side(muni)
        self.seq += 1
        fy = fiscal_year(opened)
        case = Case.objects.create(
            agency=agency,
            municipality=muni,
            person=person,
            fiscal_year=fy,
            number_in_year=self.seq,
            case_number=f"T{fy}-{self.seq}",
            state=state,
            assigned_worker=worker,
            opened_on=opened,
            closed_on=closed,
            closure_reason=reason,
            topics=TOPICS[:topics],
        )
        Intake.objects.create(
            case=case,
            received_at=datetime.combine(opened, time(10), tzinfo=TOKYO),
            received_by=worker,
            method="visit_center",
            consulter_type="self",
            route=route,
            topics=TOPICS[:topics],
            main_topic=TOPICS[0],
        )
        return case

    def plan(
        self,
        case: Case,
        decided: date,
        *,
        number: int = 1,
        target: bool = False,
        programs: list[str] | None = None,
        staff_goal: bool = False,
    ) -> SupportPlan:
        _agency, worker, officer = self._side(case.municipality)
        SupportPlan.objects.filter(case=case).exclude(status=PlanStatus.SUPERSEDED).update(
            status=PlanStatus.SUPERSEDED
        )
        plan = SupportPlan.objects.create(
            case=case,
            agency=case.agency,
            municipality=case.municipality,
            author=worker,
            number=number,
            status=PlanStatus.DECIDED,
            wishes="仕事を見つけたい",
            issues="収入が少ない",
            long_term_goal="生活の安定",
            programs=programs or [],
            employment_support_target=target,
            start_date=decided,
            end_date=date(decided.year + 1, 1, 1),
        )
        PlanGoal.objects.create(
            plan=plan,
            issue="就労",
            goal="就職する",
            support="求人の紹介、面接の同行",
            provider_kind="staff" if staff_goal else "resource",
            provider_staff=worker if staff_goal else None,
            provider_resource="" if staff_goal else "地域の居場所",
        )
        Decision.objects.create(
            case=case,
            plan=plan,
            municipality=case.municipality,
            agency=case.agency,
            kind="decision" if programs else "confirmation",
            decided_on=decided,
            programs=programs or [],
            decided_by=officer,
        )
        return plan

    def outcome(self, case: Case, kind: str, on: date) -> None:
        EmploymentOutcome.objects.create(
            case=case,
            agency=case.agency,
            municipality=case.municipality,
            author=_worker_of(case),
            kind=kind,
            occurred_on=on,
        )

    def assessment(self, case: Case, on: date, issues: list[str]) -> None:
        Assessment.objects.create(
            case=case,
            agency=case.agency,
            municipality=case.municipality,
            author=_worker_of(case),
            number=Assessment.objects.filter(case=case).count() + 1,
            assessed_on=on,
            issues=issues,
        )

    def loan(self, case: Case, applied: date, status: str) -> None:
        LoanLink.objects.create(
            agency=case.agency,
            municipality=case.municipality,
            case=case,
            created_by=_worker_of(case),
            kind="general_support",
            applied_on=applied,
            status=status,
        )

    def referral(self, case: Case, on: date, *, program: str, status: str = "requested") -> Referral:
        return Referral.objects.create(
            agency=case.agency,
            municipality=case.municipality,
            case=case,
            person=case.person,
            program=program,
            referred_on=on,
            reason="就労の支援のため",
            status=status,
            created_by=_worker_of(case),
        )

    def enrolment(self, case: Case, program: str, start: date) -> None:
        plan = SupportPlan.objects.filter(case=case).order_by("-number").first()
        assert plan is not None
        limit = date(start.year, start.month + 2, 28) if start.month <= 10 else date(start.year + 1, 1, 28)
        ProgramEnrolment.objects.create(
            agency=case.agency,
            municipality=case.municipality,
            person=case.person,
            case=case,
            plan=plan,
            program=program,
            start_on=start,
            end_on=limit,
            standard_limit_on=limit,
            maximum_limit_on=limit,
            created_by=_worker_of(case),
        )

    def housing_benefit(
        self,
        case: Case,
        applied: date,
        awarded: date,
        *,
        extended: date | None = None,
        stopped: date | None = None,
    ) -> HousingBenefitApplication:
        _agency, worker, officer = self._side(case.municipality)
        common: dict[str, Any] = {
            "agency": case.agency,
            "municipality": case.municipality,
            "person": case.person,
        }
        app = HousingBenefitApplication.objects.create(
            **common,
            case=case,
            benefit_type="rent",
            cause="job_loss",
            application_date=applied,
            job_loss_date=date(applied.year - 1, 12, 31),
            is_main_earner=True,
            household_size=1,
            household_monthly_income=80_000,
            household_financial_assets=100_000,
            monthly_rent=50_000,
            receives_overlapping_housing_aid=False,
            household_member_is_gang_member=False,
            explained_stop_conditions=True,
            explained_extension=True,
            explained_extension_requirements=True,
            state="awarded",
            first_month=date(awarded.year, awarded.month, 1),
            months_awarded=3,
            created_by=worker,
        )
        rule = HousingBenefitRuleTable.objects.filter(
            municipality=case.municipality, household_size=1
        ).first()
        assert rule is not None
        HousingBenefitDecision.objects.create(
            **common,
            application=app,
            outcome="award",
            decided_on=awarded,
            decided_by=officer,
            rule=rule,
            monthly_amount=min(50_000, rule.rent_cap),
            base_amount=rule.base_amount,
            rent_cap=rule.rent_cap,
            income_limit=rule.base_amount + rule.rent_cap,
            asset_limit=rule.asset_limit,
            first_month=date(awarded.year, awarded.month, 1),
        )
        if extended:
            HousingBenefitExtension.objects.create(
                **common,
                application=app,
                sequence=1,
                applied_on=extended,
                household_monthly_income=80_000,
                household_financial_assets=100_000,
                requested_by=worker,
                state="approved",
                months_after=6,
                monthly_amount=min(50_000, rule.rent_cap),
                decided_by=officer,
                decided_on=extended,
            )
        if stopped:
            HousingBenefitStop.objects.create(
                **common,
                application=app,
                reason="not_seeking_work",
                effective_month=date(stopped.year, stopped.month, 1),
                decided_on=stopped,
                decided_by=officer,
            )
        return app


def build() -> World:
    b = Builder()
    p = {pp.name: pp for pp in Person.objects.all()}
    takahashi, yamazaki, watanabe, saito = p["髙橋 一郎"], p["山﨑 花子"], p["渡邉 健"], p["齋藤 美和"]
    S, H = b.shinjuku, b.hasuda

    c1 = b.case(
        takahashi,
        S,
        date(2025, 3, 31),
        topics=3,
        route="hello_work",
        state=CaseState.CLOSED,
        closed=date(2025, 6, 30),
        reason="employment_income",
    )
    b.assessment(c1, date(2025, 4, 5), ["economic_hardship", "debt"])
    b.plan(c1, date(2025, 4, 10), target=True, staff_goal=True)
    b.enrolment(c1, "temporary_living", date(2025, 4, 12))
    b.housing_benefit(
        c1, date(2025, 4, 5), date(2025, 4, 20), extended=date(2025, 7, 10), stopped=date(2025, 9, 1)
    )
    b.referral(c1, date(2025, 4, 20), program="household_budget", status="cancelled")
    b.loan(c1, date(2025, 5, 1), "rejected")
    b.outcome(c1, "employed", date(2025, 5, 20))

    c2 = b.case(yamazaki, S, date(2025, 4, 1), topics=1, route="self")
    b.assessment(c2, date(2025, 4, 10), ["debt"])
    b.plan(c2, date(2025, 4, 30), programs=["household_budget"])
    b.enrolment(c2, "employment_preparation", date(2025, 5, 1))
    b.loan(c2, date(2025, 6, 1), "approved")
    b.plan(c2, date(2025, 7, 15), number=2, target=True)
    b.outcome(c2, "income_increased", date(2025, 8, 1))

    c3 = b.case(watanabe, S, date(2025, 4, 15), topics=6, route="family", state=CaseState.ENDED_AT_SCREENING)
    b.loan(c3, date(2025, 6, 2), "approved")

    c4 = b.case(takahashi, S, date(2025, 9, 1), topics=2, route="self")
    b.plan(c4, date(2025, 9, 20), target=True)
    b.outcome(c4, "employed", date(2025, 9, 25))
    b.outcome(c4, "employed", date(2025, 10, 5))

    c5 = b.case(saito, H, date(2025, 10, 1), topics=2, route="welfare_office")
    b.housing_benefit(c5, date(2025, 10, 2), date(2025, 10, 10))
    b.plan(c5, date(2025, 10, 20))
    b.referral(c5, date(2025, 10, 25), program="hw_public_assistance_employment")

    c6 = b.case(
        yamazaki,
        S,
        date(2024, 5, 1),
        state=CaseState.FOLLOW_UP,
        closed=date(2024, 12, 10),
        reason="goal_achieved",
    )
    b.plan(c6, date(2024, 5, 20))

    c7 = b.case(watanabe, S, date(2024, 6, 1), state=CaseState.SUSPENDED, closed=date(2025, 1, 15))
    b.plan(c7, date(2024, 6, 20))

    return World(
        S,
        H,
        b.agency_s,
        b.agency_h,
        {"C1": c1, "C2": c2, "C3": c3, "C4": c4, "C5": c5, "C6": c6, "C7": c7},
    )
