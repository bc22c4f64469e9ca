"""Synthetic data at national scale (issue 8): persons, cases and their whole support process.

Deterministic: one seeded ``random.Random`` drives everything, in a fixed order (persons in
order of their first consultation, cases in order of reception), so two runs on an empty
database give the same rows. The shape follows the 支援状況調査 and the 手引き's process:

* cases over 10 年度 (FY2017–FY2026, until ``END``), slowly growing, few on weekends;
* screening: about a third end at the first consultation (情報提供・他機関へのつなぎ);
* the others apply (consent), are assessed, get a plan, go to the monthly 支援調整会議, get a
  支援決定・確認 from the municipality, are supported (records, monitoring), are evaluated and
  closed, re-planned or suspended — or are still open where ``END`` cuts them;
* 3 % of persons are the same person registered again with a realistic slip (names.py);
* caseloads per worker are skewed (Zipf-like weights per centre);
* 就労・増収 outcomes for employment-support plans, つなぎ, 住居確保給付金 (decisions, extensions,
  stops, monthly payments), programme enrolments, and the audit rows all of that would have
  written (one per write, plus views).
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from tsunagu.cases.models import (
    Assessment,
    AssessmentBenefit,
    AssessmentDebt,
    AssessmentIncome,
    AssessmentJob,
    Case,
    CaseNumberSequence,
    CaseTransition,
    EmergencySupport,
    EmploymentOutcome,
    Evaluation,
    GoalResult,
    Intake,
    PlanGoal,
    SupportPlan,
    SupportRecord,
)
from tsunagu.core.dates import add_months, fiscal_year, fiscal_year_short
from tsunagu.core.default_codes import DEFAULT_CODES
from tsunagu.core.models import AuditEvent
from tsunagu.meetings.models import AgendaItem, Decision, Meeting
from tsunagu.persons import normalize
from tsunagu.persons.models import Person, PersonKanaTrigram
from tsunagu.privacy.models import Consent
from tsunagu.programs.models import (
    HousingBenefitApplication,
    HousingBenefitDecision,
    HousingBenefitExtension,
    HousingBenefitPayment,
    HousingBenefitStop,
    ProgramEnrolment,
)
from tsunagu.programs.services import enrolment_limits
from tsunagu.referrals.models import Referral

from . import names as N
from . import structured
from .organizations import SLUG_PREFIX, TOWNS, Centre, ensure_organizations
from .writer import BulkWriter, Table, next_id

SEED = 20260401
FIRST_FY = 2017
END = date(2026, 11, 20)
TZ = ZoneInfo("Asia/Tokyo")
DUPLICATE_SHARE = 0.03
CHUNK_CASES = 20_000

TIERS: dict[str, tuple[int, int, int]] = {
    "S": (40_000, 50_000, 600_000),
    "M": (300_000, 400_000, 5_000_000),
    "L": (1_000_000, 2_000_000, 20_000_000),
}


@dataclass(frozen=True)
class Sizes:
    persons: int
    cases: int
    records: int


def sizes_for(
    tier: str | None = None, persons: int | None = None, cases: int | None = None, records: int | None = None
) -> Sizes:
    """A tier's sizes, or ``persons`` with tier S's ratios (1.25 cases per person, 12 records per case)."""
    if persons is None:
        p, c, r = TIERS[tier or "S"]
    else:
        p = persons
        c = round(persons * 1.25)
        r = c * 12
    return Sizes(p, cases if cases is not None else c, records if records is not None else r)


def _codes(key: str) -> list[str]:
    return [c for c, _ in DEFAULT_CODES[key]]


ROUTES = _codes("referral_route")
ROUTE_WEIGHTS = [30, 12, 10, 8, 6, 6, 3, 4, 4, 1, 3, 2, 1, 1, 1, 3, 2, 3]
TOPICS = _codes("consultation_topic")
TOPIC_LABELS = dict(DEFAULT_CODES["consultation_topic"])
TOPIC_WEIGHTS = [14, 10, 22, 9, 8, 8, 16, 5, 2, 6, 4, 3, 3, 2, 3, 4]
METHODS = _codes("consultation_method")
METHOD_WEIGHTS = [50, 30, 8, 3, 4, 3, 2]
ISSUES = _codes("assessment_issue")
ISSUE_WEIGHTS = [
    8, 2, 3, 4, 1, 10, 8, 1, 25, 9, 10, 12, 5, 5, 6, 6, 1, 1, 2, 3, 3, 4, 2, 2, 1, 1, 5, 2, 3,
]  # fmt: skip
CHANGES = _codes("change_item")
ACHIEVEMENTS = ["achieved", "partly", "not_achieved"]
CLOSURE = _codes("closure_reason")
CLOSURE_WEIGHTS = [30, 25, 10, 10, 5, 7, 8, 1, 4]
HOUSING = _codes("housing_status")
HOUSING_WEIGHTS = [15, 55, 10, 3, 3, 6, 3, 2, 3]
SCREENING_REFERRALS = _codes("screening_referral")
URGENCY = _codes("urgency_flag")
RECORD_METHODS = ["interview", "phone", "visit", "accompany", "email", "case_conference", "agency_contact"]
RECORD_METHOD_WEIGHTS = [35, 30, 8, 6, 4, 3, 14]
RECORD_TEXTS = (
    "来所面談。生活状況と求職活動の進捗を確認した。",
    "電話で体調と家計の状況を聞き取った。次回面談の日程を調整。",
    "自宅を訪問。住まいの状況を確認し、必要な手続きを説明した。",
    "ハローワークに同行し、職業相談を受けた。",
    "メールで書類の提出状況を確認した。",
    "ケース会議で支援方針を共有した。",
    "関係機関（社会福祉協議会）と今後の支援について連絡調整した。",
    "家計表を一緒に作成し、支出の見直しを検討した。",
    "就労準備支援事業の利用について本人の意向を確認した。",
    "住居確保給付金の求職活動状況報告を受けた。",
)
CONTACT_METHODS = frozenset({"interview", "phone", "visit", "accompany", "email"})
PROGRAMS = [
    "housing_benefit",
    "employment_preparation",
    "household_budget",
    "temporary_living",
    "child_learning",
]
PROGRAM_SHARE = [0.08, 0.12, 0.15, 0.03, 0.04]
ENROLLABLE = {"employment_preparation", "temporary_living", "child_learning"}
REFERRAL_PROGRAMS = [
    "public_assistance",
    "hw_general",
    "youth_support",
    "household_budget",
    "employment_preparation",
]
REFERRAL_OUTCOMES = ["service_started", "protection_started", "employed", "handed_over", "not_used", "other"]
STOP_REASONS = ["employment_or_income", "not_seeking_work", "public_assistance", "left_dwelling"]
AGE_BANDS = [(18, 29, 18), (30, 39, 17), (40, 49, 20), (50, 59, 20), (60, 69, 13), (70, 89, 12)]

Progress = Callable[[str], None]


def _aware(d: date, hour: int, minute: int) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=TZ)


def _day_weights() -> tuple[list[date], list[float]]:
    """Every day of the 10 年度 up to END, weighted: +8 % a year, weekends and 年末年始 quiet."""
    days, weights = [], []
    d = date(FIRST_FY, 4, 1)
    while d <= END:
        w = 1.0 + 0.08 * (fiscal_year(d) - FIRST_FY)
        if d.weekday() >= 5 or (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3):
            w *= 0.08
        days.append(d)
        weights.append(w)
        d += timedelta(days=1)
    return days, weights


# =====================================================================================================
# Planning: who, where, when (pure; no database)
# =====================================================================================================


@dataclass
class PersonPlan:
    centre: int
    gender: str
    name: str
    kana: str
    birth: date
    duplicate_of: int | None = None  # index of the person this one re-registers
    variant: str = ""


@dataclass
class CasePlan:
    person: int  # index into persons (persons are ordered by their first consultation)
    centre: int
    worker: int  # index into the centre's workers
    received_at: datetime
    limit: date  # the case's life ends before the person's next case (or at END)
    screening: str
    records: int = 0


@dataclass
class Population:
    persons: list[PersonPlan]
    cases: list[CasePlan]


def plan_population(
    sizes: Sizes, centre_weights: list[float], worker_weights: list[list[float]], seed: int
) -> Population:
    """Persons and cases, deterministic for (sizes, weights, seed)."""
    rng = random.Random(seed)  # noqa: S311 — synthetic data, deterministic on purpose
    n_p, n_c = sizes.persons, max(sizes.cases, sizes.persons)
    days, weights = _day_weights()
    opened = sorted(rng.choices(days, weights=weights, k=n_c))
    owners = list(range(n_p)) + rng.choices(range(n_p), k=n_c - n_p)
    rng.shuffle(owners)
    # Persons are numbered in the order they first came.
    order: dict[int, int] = {}
    case_person = []
    for owner in owners:
        case_person.append(order.setdefault(owner, len(order)))
    centre_of = rng.choices(range(len(centre_weights)), weights=centre_weights, k=n_p)

    first_day: list[date | None] = [None] * n_p
    for k, p in enumerate(case_person):
        if first_day[p] is None:
            first_day[p] = opened[k]
    persons: list[PersonPlan] = []
    seen_in_centre: dict[int, list[int]] = {}
    bands = [(lo, hi) for lo, hi, _ in AGE_BANDS]
    band_w = [w for _, _, w in AGE_BANDS]
    for p in range(n_p):
        centre = centre_of[p]
        earlier = seen_in_centre.setdefault(centre, [])
        if earlier and rng.random() < DUPLICATE_SHARE:
            o = rng.choice(earlier)
            orig = persons[o]
            name, kana, kind = N.near_duplicate(orig.name, orig.kana, rng)
            birth = (
                orig.birth
                if rng.random() < 0.85
                else orig.birth.replace(day=min(28, orig.birth.day % 28 + 1))
            )
            persons.append(PersonPlan(centre, orig.gender, name, kana, birth, duplicate_of=o, variant=kind))
        else:
            gender = "female" if rng.random() < 0.42 else "male"
            fam_k, fam_kana, _ = rng.choices(N.FAMILY_NAMES, weights=N.FAMILY_WEIGHTS)[0]
            giv_k, giv_kana = rng.choice(N.FEMALE_GIVEN if gender == "female" else N.MALE_GIVEN)
            lo, hi = rng.choices(bands, weights=band_w)[0]
            age = rng.randint(lo, hi)
            first = first_day[p] or END
            birth = date(first.year - age - 1, 1, 1) + timedelta(days=rng.randrange(365))
            persons.append(PersonPlan(centre, gender, f"{fam_k} {giv_k}", f"{fam_kana} {giv_kana}", birth))
        earlier.append(p)

    next_opened: dict[int, date] = {}
    limits: list[date] = [END] * n_c
    for k in range(n_c - 1, -1, -1):
        p = case_person[k]
        nxt = next_opened.get(p)
        limits[k] = min(END, nxt - timedelta(days=1)) if nxt else END
        next_opened[p] = opened[k]
    cases: list[CasePlan] = []
    for k in range(n_c):
        p = case_person[k]
        centre = persons[p].centre
        worker = rng.choices(range(len(worker_weights[centre])), weights=worker_weights[centre])[0]
        minute = rng.randrange(9 * 60, 17 * 60)
        r = rng.random()
        screening = "info_only" if r < 0.22 else "referred" if r < 0.32 else "continuing"
        cases.append(
            CasePlan(
                p,
                centre,
                worker,
                _aware(opened[k], minute // 60, minute % 60),
                max(limits[k], opened[k]),
                screening,
            )
        )
    _allocate_records(cases, sizes.records, rng)
    return Population(persons, cases)


def _allocate_records(cases: list[CasePlan], total: int, rng: random.Random) -> None:
    """Exactly ``total`` records, by a weight that grows with how long the case can run."""
    weights = []
    for c in cases:
        if c.screening != "continuing":
            weights.append(0.15)
        else:
            span = (c.limit - c.received_at.date()).days
            weights.append(min(span, 540) / 30.0 * rng.lognormvariate(0, 0.5) + 0.3)
    scale = total / sum(weights)
    fractions = []
    assigned = 0
    for i, (c, w) in enumerate(zip(cases, weights, strict=True)):
        exact = w * scale
        c.records = int(exact)
        assigned += c.records
        fractions.append((exact - c.records, i))
    fractions.sort(reverse=True)
    for _, i in fractions[: total - assigned]:
        cases[i].records += 1


# =====================================================================================================
# Writing
# =====================================================================================================


class Tables:
    def __init__(self) -> None:
        now = timezone.now()
        self.person = Table(Person)
        self.trigram = Table(PersonKanaTrigram)
        self.case = Table(Case)
        self.seq = Table(CaseNumberSequence)
        self.intake = Table(Intake)
        self.emergency = Table(EmergencySupport)
        self.transition = Table(CaseTransition)
        self.consent = Table(Consent, {"recorded_at": now})
        self.assessment = Table(Assessment)
        self.assessment_job = Table(AssessmentJob)
        self.assessment_income = Table(AssessmentIncome)
        self.assessment_debt = Table(AssessmentDebt)
        self.assessment_benefit = Table(AssessmentBenefit)
        self.plan = Table(SupportPlan)
        self.goal = Table(PlanGoal)
        self.meeting = Table(Meeting)
        self.agenda = Table(AgendaItem)
        self.decision = Table(Decision)
        self.record = Table(SupportRecord)
        self.evaluation = Table(Evaluation)
        self.goal_result = Table(GoalResult)
        self.outcome = Table(EmploymentOutcome)
        self.referral = Table(Referral)
        self.hb_app = Table(HousingBenefitApplication)
        self.hb_decision = Table(HousingBenefitDecision)
        self.hb_extension = Table(HousingBenefitExtension)
        self.hb_stop = Table(HousingBenefitStop)
        self.hb_payment = Table(HousingBenefitPayment)
        self.enrolment = Table(ProgramEnrolment)
        self.audit = Table(AuditEvent, {"ip": None})

    def in_order(self) -> list[Table]:
        return [
            self.person,
            self.trigram,
            self.case,
            self.seq,
            self.intake,
            self.emergency,
            self.transition,
            self.consent,
            self.assessment,
            self.assessment_job,
            self.assessment_income,
            self.assessment_debt,
            self.assessment_benefit,
            self.meeting,
            self.plan,
            self.goal,
            self.agenda,
            self.decision,
            self.record,
            self.evaluation,
            self.goal_result,
            self.outcome,
            self.referral,
            self.hb_app,
            self.hb_decision,
            self.hb_extension,
            self.hb_stop,
            self.hb_payment,
            self.enrolment,
            self.audit,
        ]


class Ids:
    """The next id per table (ids are chosen here, sequences are reset afterwards)."""

    def __init__(self, tables: Tables) -> None:
        self._next = {t.name: next_id(t.model) for t in tables.in_order()}

    def take(self, table: Table) -> int:
        n = self._next[table.name]
        self._next[table.name] = n + 1
        return n


class Generator:
    def __init__(self, sizes: Sizes, *, seed: int = SEED, progress: Progress | None = None) -> None:
        self.sizes = sizes
        self.seed = seed
        self.progress = progress or (lambda message: None)
        self.t = Tables()
        self.ids = Ids(self.t)
        self.writer = BulkWriter()
        self.started = clock.monotonic()

    def say(self, message: str) -> None:
        self.progress(f"[{clock.monotonic() - self.started:7.1f}s] {message}")

    # --- entry point -----------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        if Person.objects.filter(created_by__username__startswith=SLUG_PREFIX).exists():
            raise RuntimeError("合成データは既に投入されています。空のデータベースで実行してください。")
        self.say("組織（埼玉県の20自治体・機関・職員）を準備しています")
        self.centres = ensure_organizations()
        self.say(f"機関 {len(self.centres)}、担当者 {sum(len(c.workers) for c in self.centres)} 人")
        pop = plan_population(
            self.sizes,
            [c.population for c in self.centres],
            [c.worker_weights for c in self.centres],
            self.seed,
        )
        self.population = pop
        self.say(f"計画: 相談者 {len(pop.persons):,}、ケース {len(pop.cases):,}、記録 {self.sizes.records:,}")
        self.rng = random.Random(self.seed + 1)  # noqa: S311 — deterministic on purpose
        # B票 and the structured アセスメント items: their own stream, so the rows drawn from
        # ``rng`` stay what they were before those items existed (structured.py).
        self.srng = random.Random(self.seed + 2)  # noqa: S311 — deterministic on purpose
        tables = self.t.in_order()
        self.writer.prepare(tables)
        try:
            self._meetings()
            self._persons(pop)
            self._cases(pop)
            self._sequences(pop)
            self.writer.flush(tables)
        finally:
            self.say("索引と外部キーを再作成しています（データベースが全件を検証します）")
            self.writer.restore(self.say)
        self.writer.reset_sequences(tables)
        self.say("統計情報を更新しています（VACUUM ANALYZE）")
        self.writer.analyze(tables)
        counts = {t.name: t.count for t in tables}
        self.say("完了")
        return counts

    # --- meetings: one 支援調整会議 per centre and month, on the 15th (or the next weekday) -------

    def _meetings(self) -> None:
        self.meeting_of: dict[tuple[int, int, int], tuple[int, date]] = {}
        for ci, c in enumerate(self.centres):
            d = date(FIRST_FY, 4, 1)
            while d <= END + timedelta(days=62):
                held = d.replace(day=15)
                while held.weekday() >= 5:
                    held += timedelta(days=1)
                mid = self.ids.take(self.t.meeting)
                self.t.meeting.add(
                    {
                        "id": mid,
                        "agency_id": c.agency_id,
                        "municipality_id": c.municipality_id,
                        "kind": "coordination",
                        "held_on": held,
                        "place": "相談室",
                        "chair_id": c.chief[0],
                        "created_by_id": c.chief[0],
                        "minutes": "",
                    }
                )
                self.meeting_of[(ci, held.year, held.month)] = (mid, held)
                d = add_months(d, 1)

    def _meeting_after(self, centre: int, day: date) -> tuple[int, date]:
        d = day
        for _ in range(3):
            mid, held = self.meeting_of[(centre, d.year, d.month)]
            if held >= day:
                return mid, held
            d = add_months(d.replace(day=1), 1)
        raise AssertionError("no meeting")

    # --- persons ---------------------------------------------------------------------------------

    def _persons(self, pop: Population) -> None:
        rng = self.rng
        first_case: dict[int, CasePlan] = {}
        for c in pop.cases:
            first_case.setdefault(c.person, c)
        self.person_ids: list[int] = []
        self.person_housing: list[str] = []
        t = self.t
        for i, p in enumerate(pop.persons):
            pid = self.ids.take(t.person)
            self.person_ids.append(pid)
            case = first_case[i]
            centre = self.centres[p.centre]
            worker_id, username = centre.workers[case.worker]
            at = case.received_at
            mobile = rng.random() < 0.7
            phone = (
                f"0{rng.choice('789')}0-{rng.randrange(1000, 10000)}-{rng.randrange(1000, 10000)}"
                if mobile
                else f"048-{rng.randrange(200, 1000)}-{rng.randrange(1000, 10000)}"
            )
            address = (
                f"{centre.prefecture_name}{centre.municipality_name}{rng.choice(TOWNS)}"
                f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
            )
            kana_key = normalize.kana_key(p.kana)
            restricted = rng.random() < 0.01
            postal_code = f"3{rng.randrange(10, 70)}-{rng.randrange(0, 10000):04d}"
            housing = rng.choices(HOUSING, weights=HOUSING_WEIGHTS)[0]
            self.person_housing.append(housing)
            t.person.add(
                {
                    "id": pid,
                    "version": 1,
                    "created_at": at,
                    "updated_at": at,
                    "agency_id": centre.agency_id,
                    "municipality_id": centre.municipality_id,
                    "name": p.name,
                    "kana": p.kana,
                    "birth_date": p.birth,
                    "gender": p.gender,
                    "postal_code": postal_code,
                    "address": address,
                    "phone": phone,
                    "housing_status": housing,
                    "is_restricted": restricted,
                    "restriction_reason": "DV被害のため所在秘匿" if restricted else "",
                    "name_key": normalize.name_key(p.name),
                    "kana_key": kana_key,
                    "kana_family_key": normalize.kana_key_parts(p.kana)[0],
                    "phone_key": normalize.phone_key(phone),
                    "phone_alt_key": "",
                    "address_key": normalize.address_key(address),
                    "merged_into_id": None,
                    "created_by_id": worker_id,
                }
            )
            for gram in sorted(normalize.trigrams(kana_key)):
                t.trigram.add(
                    {
                        "id": self.ids.take(t.trigram),
                        "person_id": pid,
                        "agency_id": centre.agency_id,
                        "trigram": gram,
                    }
                )
            self._audit(at, worker_id, username, "create", "person", pid, pid, centre, {})
            if (i + 1) % 50_000 == 0:
                self.writer.flush([t.person, t.trigram, t.audit])
                self.say(f"相談者 {i + 1:,}/{len(pop.persons):,}")
        self.writer.flush([t.meeting, t.person, t.trigram, t.audit])
        self.say(f"相談者 {len(pop.persons):,} 件を書き込みました")

    # --- audit -----------------------------------------------------------------------------------

    def _audit(
        self,
        at: datetime,
        actor_id: int,
        username: str,
        action: str,
        object_type: str,
        object_id: int,
        person_id: int,
        centre: Centre,
        details: dict[str, Any],
    ) -> None:
        self.t.audit.add(
            {
                "id": self.ids.take(self.t.audit),
                "occurred_at": at,
                "actor_id": actor_id,
                "actor_label": username,
                "action": action,
                "object_type": object_type,
                "object_id": str(object_id),
                "person_id": person_id,
                "agency_id": centre.agency_id,
                "municipality_id": centre.municipality_id,
                "details": details,
            }
        )

    # --- cases -------------------------------------------------------------------------------------

    def _cases(self, pop: Population) -> None:
        self.numbers: dict[tuple[int, int], int] = {}
        tables = self.t.in_order()
        total = len(pop.cases)
        for k, plan in enumerate(pop.cases):
            _CaseLife(self, plan).run()
            if (k + 1) % CHUNK_CASES == 0 or k + 1 == total:
                self.writer.flush(tables)
                self.say(
                    f"ケース {k + 1:,}/{total:,}（記録 {self.t.record.count:,}、監査 {self.t.audit.count:,}）"
                )

    def _sequences(self, pop: Population) -> None:
        existing = {
            (a, fy): n
            for a, fy, n in CaseNumberSequence.objects.values_list("agency_id", "fiscal_year", "last_number")
        }
        for (agency_id, fy), n in sorted(self.numbers.items()):
            if (agency_id, fy) in existing:
                CaseNumberSequence.objects.filter(agency_id=agency_id, fiscal_year=fy).update(last_number=n)
            else:
                self.t.seq.add(
                    {
                        "id": self.ids.take(self.t.seq),
                        "agency_id": agency_id,
                        "fiscal_year": fy,
                        "last_number": n,
                    }
                )

    def number_for(self, agency_id: int, fy: int) -> int:
        n = self.numbers.get((agency_id, fy))
        if n is None:
            n = (
                CaseNumberSequence.objects.filter(agency_id=agency_id, fiscal_year=fy)
                .values_list("last_number", flat=True)
                .first()
                or 0
            )
        self.numbers[(agency_id, fy)] = n + 1
        return n + 1


class _CaseLife:
    """One case from reception to wherever END (or the person's next case) leaves it."""

    def __init__(self, g: Generator, plan: CasePlan) -> None:
        self.g = g
        self.t = g.t
        self.rng = g.rng
        self.plan = plan
        self.centre = g.centres[plan.centre]
        self.worker_id, self.worker_name = self.centre.workers[plan.worker]
        self.person_id = g.person_ids[plan.person]
        self.stop = plan.limit
        self.state = "intake"
        self.current_plan: dict[str, Any] | None = None
        self.decided_on: date | None = None
        self.support_windows: list[tuple[date, date]] = []
        self.referred: set[Any] = set()
        self.goal_ids: list[int] = []
        # the latest アセスメント's 家賃・月収・預貯金, which a 住居確保給付金 application repeats
        self.finance: structured.Profile | None = None

    # --- helpers ---------------------------------------------------------------------------

    def at(self, d: date) -> datetime:
        minute = self.rng.randrange(9 * 60, 18 * 60)
        return _aware(d, minute // 60, minute % 60)

    def audit(
        self,
        d: date | datetime,
        action: str,
        object_type: str,
        object_id: int,
        details: dict[str, Any],
        actor: tuple[int, str] | None = None,
    ) -> None:
        at = d if isinstance(d, datetime) else self.at(d)
        actor_id, name = actor or (self.worker_id, self.worker_name)
        self.g._audit(
            at, actor_id, name, action, object_type, object_id, self.person_id, self.centre, details
        )

    def transition(
        self, d: date, name: str, to_state: str, actor: tuple[int, str] | None = None, reason: str = ""
    ) -> None:
        at = self.at(d)
        self.t.transition.add(
            {
                "id": self.g.ids.take(self.t.transition),
                "case_id": self.case_id,
                "name": name,
                "from_state": self.state,
                "to_state": to_state,
                "reason": reason,
                "actor_id": (actor or (self.worker_id,))[0],
                "occurred_at": at,
            }
        )
        self.audit(
            at,
            "transition",
            "case",
            self.case_id,
            {"transition": name, "from": self.state, "to": to_state},
            actor,
        )
        self.state = to_state

    def process_row(self, table: Table, d: date, **values: Any) -> int:
        oid = self.g.ids.take(table)
        at = self.at(d)
        table.add(
            {
                "id": oid,
                "version": 1,
                "created_at": at,
                "updated_at": at,
                "case_id": self.case_id,
                "agency_id": self.centre.agency_id,
                "municipality_id": self.centre.municipality_id,
                "author_id": self.worker_id,
                **values,
            }
        )
        self.audit(at, "create", table.model._meta.model_name or "", oid, {"case_id": self.case_id})
        return oid

    # --- the life ----------------------------------------------------------------------------

    def run(self) -> None:
        rng, plan, t = self.rng, self.plan, self.t
        received = plan.received_at
        opened = received.date()
        fy = fiscal_year(opened)
        number = self.g.number_for(self.centre.agency_id, fy)
        self.case_id = self.g.ids.take(t.case)
        topics = sorted(set(rng.choices(TOPICS, weights=TOPIC_WEIGHTS, k=rng.randint(1, 3))))
        urgency = sorted(set(rng.choices(URGENCY, k=1))) if rng.random() < 0.06 else []
        self.audit(
            received, "create", "case", self.case_id, {"case_number": f"{fiscal_year_short(fy)}-{number:04d}"}
        )
        screening = plan.screening
        birth = self.g.population.persons[plan.person].birth
        self.age = opened.year - birth.year - ((opened.month, opened.day) < (birth.month, birth.day))
        self.b_sheet = structured.b_sheet(
            self.g.srng,
            age=self.age,
            housing_status=self.g.person_housing[plan.person],
            topics=topics,
        )
        intake = {
            "id": self.g.ids.take(t.intake),
            "version": 1,
            "created_at": received,
            "updated_at": received,
            "case_id": self.case_id,
            "received_at": received,
            "received_by_id": self.worker_id,
            "method": rng.choices(METHODS, weights=METHOD_WEIGHTS)[0],
            "consulter_type": "self"
            if rng.random() < 0.8
            else rng.choice(["family", "acquaintance", "agency"]),
            "route": rng.choices(ROUTES, weights=ROUTE_WEIGHTS)[0],
            "referring_partner_id": None,
            "topics": topics,
            "main_topic": topics[0],
            "chief_complaint": "、".join(TOPIC_LABELS[t] for t in topics) + "について相談したい。",
            "urgency_flags": urgency,
            "screening_outcome": screening,
            "screening_referral_to": rng.choice(SCREENING_REFERRALS) if screening == "referred" else "",
            "applied_on": None,
            "submission_token": None,
            **self.b_sheet.values(),
        }
        for flag in urgency:
            t.emergency.add(
                {
                    "id": self.g.ids.take(t.emergency),
                    "case_id": self.case_id,
                    "agency_id": self.centre.agency_id,
                    "municipality_id": self.centre.municipality_id,
                    "flag": flag,
                    "description": "受付時に緊急性あり（プラン策定前の支援）",
                    "started_on": opened,
                    "recorded_by_id": self.worker_id,
                }
            )
        self.closed_on: date | None = None
        self.closure_reason = ""
        self.last_contact = opened
        if screening != "continuing":
            self.transition(opened, "end_at_screening", "ended_at_screening")
        else:
            self._process(opened, intake, topics)
        end = self.closed_on or self.stop
        self._records(opened, end)
        t.intake.add(intake)
        t.case.add(
            {
                "id": self.case_id,
                "version": 1 + rng.randint(0, 3),
                "created_at": received,
                "updated_at": self.at(end),
                "agency_id": self.centre.agency_id,
                "municipality_id": self.centre.municipality_id,
                "person_id": self.person_id,
                "fiscal_year": fy,
                "number_in_year": number,
                "case_number": f"{fiscal_year_short(fy)}-{number:04d}",
                "state": self.state,
                "assigned_worker_id": self.worker_id,
                "opened_on": opened,
                "closed_on": self.closed_on,
                "closure_reason": self.closure_reason,
                "is_emergency": bool(urgency),
                "topics": topics,
                "last_contact_on": self.last_contact,
            }
        )
        if self.current_plan is not None:
            self.t.plan.add(self.current_plan)
        # Now and then someone opens the case again (a view, audited).
        for _ in range(rng.randint(0, 3)):
            span = max(0, (end - opened).days)
            self.audit(opened + timedelta(days=rng.randint(0, span)), "view", "case", self.case_id, {})

    def _process(self, opened: date, intake: dict[str, Any], topics: list[str]) -> None:
        rng, t = self.rng, self.t
        applied = opened + timedelta(days=0 if rng.random() < 0.7 else rng.randint(1, 10))
        if applied > self.stop:
            return
        intake["applied_on"] = applied
        consent_id = self.g.ids.take(t.consent)
        t.consent.add(
            {
                "id": consent_id,
                "recorded_at": self.at(applied),
                "person_id": self.person_id,
                "agency_id": self.centre.agency_id,
                "municipality_id": self.centre.municipality_id,
                "notice_id": self.centre.notice_id,
                "purposes": ["support", "statistics"],
                "recipient_types": ["welfare_office", "hello_work"],
                "data_categories": ["basic", "work_school", "finances"],
                "given_on": applied,
                "method": "signature",
                "recorded_by_id": self.worker_id,
            }
        )
        self.audit(applied, "create", "consent", consent_id, {"given_on": applied.isoformat()})
        self.transition(applied, "apply", "applied")
        day = applied
        for version in (1, 2):
            day = day + timedelta(days=rng.randint(3, 20))
            if day > self.stop:
                return
            if version == 1:
                self.transition(day, "start_assessment", "assessment")
            issues = sorted(set(rng.choices(ISSUES, weights=ISSUE_WEIGHTS, k=rng.randint(1, 5))))
            certificate = rng.choices(["no", "yes", "applying", ""], weights=[70, 8, 2, 20])[0]
            profile = structured.assessment_profile(
                self.g.srng,
                age=self.age,
                b=self.b_sheet,
                certificate=certificate,
                topics=topics,
                assessed_on=day,
                previous=self.finance,
            )
            self.finance = profile
            assessment_id = self.process_row(
                t.assessment,
                day,
                number=version,
                assessed_on=day,
                sections={"policy": "課題を整理し、プランを作成する。"},
                legacy={},
                disability_certificate=certificate,
                **profile.scalars,
                issues=issues,
                strengths="まじめに相談に来ている。",
                wishes="安定した生活を送りたい。",
                urgency=rng.choices(["low", "medium", "high"], weights=[60, 30, 10])[0],
                joint_with_id=None,
                shared_with_budget_support=False,
                shared_with_id=None,
                shared_at=None,
            )
            self._structured_rows(assessment_id, profile)
            self.transition(day, "start_planning", "planning")
            day = day + timedelta(days=rng.randint(5, 20))
            if day > self.stop:
                return
            if not self._plan(version, day, assessment_id, issues, topics):
                return
            if self._support_and_evaluate(version) != "replan":
                return
            day = self._last_eval_day

    def _structured_rows(self, assessment_id: int, profile: structured.Profile) -> None:
        t, ids = self.t, self.g.ids
        for table, rows in (
            (t.assessment_job, profile.jobs),
            (t.assessment_income, profile.incomes),
            (t.assessment_debt, profile.debts),
            (t.assessment_benefit, profile.benefits),
        ):
            for row in rows:
                table.add({"id": ids.take(table), "assessment_id": assessment_id, **row})

    def _plan(
        self, version: int, drafted: date, assessment_id: int, issues: list[str], topics: list[str]
    ) -> bool:
        rng, t = self.rng, self.t
        programs = [p for p, share in zip(PROGRAMS, PROGRAM_SHARE, strict=True) if rng.random() < share]
        employment = "job_search" in topics or "job_search_difficulty" in issues or rng.random() < 0.25
        plan_id = self.g.ids.take(t.plan)
        at = self.at(drafted)
        if self.current_plan is not None:  # the previous version, superseded by re-planning
            self.current_plan["status"] = "superseded"
            self.current_plan["next_monitoring_on"] = None
            t.plan.add(self.current_plan)
        self.current_plan = {
            "id": plan_id,
            "version": 1,
            "created_at": at,
            "updated_at": at,
            "case_id": self.case_id,
            "agency_id": self.centre.agency_id,
            "municipality_id": self.centre.municipality_id,
            "author_id": self.worker_id,
            "number": version,
            "status": "draft",
            "based_on_assessment_id": assessment_id,
            "replan_of_evaluation_id": self._last_evaluation if version > 1 else None,
            "wishes": "仕事を見つけて生活を立て直したい。",
            "issues": "、".join(issues),
            "long_term_goal": "経済的に自立した生活を送る。",
            "short_term_goal": "生活のリズムを整え、求職活動を始める。",
            "notes": "",
            "programs": programs,
            "employment_support_target": employment,
            "start_date": drafted,
            "end_date": add_months(drafted, 6) - timedelta(days=1),
            "agreed_on": drafted,
            "long_period_reason": "",
            "monitoring_interval_days": 30,
            "next_monitoring_on": None,
        }
        self.audit(at, "create", "supportplan", plan_id, {"case_id": self.case_id, "number": version})
        self.goal_ids = []
        for order in range(rng.randint(1, 3)):
            goal_id = self.g.ids.take(t.goal)
            self.goal_ids.append(goal_id)
            t.goal.add(
                {
                    "id": goal_id,
                    "plan_id": plan_id,
                    "order": order,
                    "term": "short",
                    "issue": rng.choice(issues) if issues else "生活の安定",
                    "goal": ("週3回の求職活動を行う。", "家計を見直し、滞納を解消する。", "通院を続ける。")[
                        order
                    ],
                    "target_date": add_months(drafted, 3),
                    "support": "面談による助言と同行支援",
                    "provider_kind": "staff",
                    "provider_staff_id": self.worker_id,
                    "provider_program": "",
                    "provider_partner_id": None,
                    "provider_resource": "",
                    "frequency": "月2回",
                    "unmet_need": False,
                    "unmet_need_note": "",
                }
            )
        self.transition(drafted, "submit_to_meeting", "coordination_meeting")
        self.current_plan["status"] = "submitted"
        meeting_id, held = self.g._meeting_after(self.plan.centre, drafted + timedelta(days=1))
        if held > self.stop:
            return False
        agenda_id = self.g.ids.take(t.agenda)
        t.agenda.add(
            {
                "id": agenda_id,
                "meeting_id": meeting_id,
                "case_id": self.case_id,
                "purpose": "plan",
                "plan_id": plan_id,
                "evaluation_id": None,
                "outcome": "approved",
                "minutes": "プラン（案）を承認。",
            }
        )
        self.current_plan["status"] = "approved"
        decided = held + timedelta(days=rng.randint(0, 5))
        if decided > self.stop:
            return False
        officer = self.centre.officer
        decision_id = self.g.ids.take(t.decision)
        t.decision.add(
            {
                "id": decision_id,
                "case_id": self.case_id,
                "plan_id": plan_id,
                "agenda_item_id": agenda_id,
                "municipality_id": self.centre.municipality_id,
                "agency_id": self.centre.agency_id,
                "kind": "decision" if programs else "confirmation",
                "decided_on": decided,
                "programs": programs,
                "note": "",
                "decided_by_id": officer[0],
                "created_at": self.at(decided),
            }
        )
        self.audit(decided, "create", "decision", decision_id, {"case_id": self.case_id}, officer)
        self.transition(decided, "decide", "decided", officer)
        self.current_plan["status"] = "decided"
        start = decided + timedelta(days=rng.randint(0, 3))
        if start > self.stop:
            return True
        self.current_plan["start_date"] = start
        self.current_plan["end_date"] = add_months(start, 6) - timedelta(days=1)
        self.current_plan["next_monitoring_on"] = start + timedelta(days=30)
        self.decided_on = start
        self.transition(start, "start_support", "in_support")
        self._programmes(start, programs)
        return True

    def _support_and_evaluate(self, version: int) -> str:
        rng, t = self.rng, self.t
        plan = self.current_plan
        if self.state != "in_support" or plan is None:
            return ""
        start, end = plan["start_date"], plan["end_date"]
        self.support_windows.append((start, end))
        if plan["employment_support_target"]:
            r = rng.random()
            kind = "employed" if r < 0.4 else "income_increased" if r < 0.55 else ""
            when = start + timedelta(days=rng.randint(30, 170))
            if kind and when <= self.stop:
                self.process_row(
                    t.outcome,
                    when,
                    kind=kind,
                    occurred_on=when,
                    employment_type=rng.choice(["正社員", "パート・アルバイト", "契約社員", "派遣"]),
                    employer="市内の事業所",
                    monthly_income_increase=rng.randrange(20_000, 150_000, 1000)
                    if kind == "income_increased"
                    else None,
                    note="",
                )
        if rng.random() < 0.3:
            self._referral(start + timedelta(days=rng.randint(0, 60)))
        evaluated = end + timedelta(days=rng.randint(0, 14))
        if evaluated > self.stop:
            return ""
        self.transition(evaluated, "start_evaluation", "evaluation")
        r = rng.random()
        direction = "close" if r < 0.7 or version == 2 else "replan" if r < 0.9 else "suspend"
        if direction == "replan" and evaluated + timedelta(days=60) > self.stop:
            direction = "close"
        reason = rng.choices(CLOSURE, weights=CLOSURE_WEIGHTS)[0] if direction == "close" else ""
        evaluation_id = self.process_row(
            t.evaluation,
            evaluated,
            plan_id=plan["id"],
            evaluated_on=evaluated,
            changes=sorted(set(rng.choices(CHANGES, k=rng.randint(1, 3)))),
            summary="目標の一部を達成した。",
            direction=direction,
            closure_reason=reason,
            follow_up_on=evaluated + timedelta(days=90)
            if direction == "close" and rng.random() < 0.3
            else None,
        )
        self._last_evaluation = evaluation_id
        # 目標ごとの達成状況: better where the case closes, worse where it is suspended.
        weights = {"close": (50, 35, 15), "replan": (15, 50, 35), "suspend": (5, 30, 65)}[direction]
        for goal_id in self.goal_ids:
            t.goal_result.add(
                {
                    "id": self.g.ids.take(t.goal_result),
                    "evaluation_id": evaluation_id,
                    "goal_id": goal_id,
                    "achievement": self.g.srng.choices(ACHIEVEMENTS, weights=weights)[0],
                    "comment": "",
                }
            )
        self._last_eval_day = evaluated
        if direction == "replan":
            self.transition(evaluated, "replan", "assessment")
            return "replan"
        if direction == "suspend":
            self.transition(evaluated, "suspend", "suspended", reason="本人と連絡が取れないため")
        else:
            self.transition(evaluated, "close", "closed")
            self.closure_reason = reason
        self.closed_on = evaluated
        plan["status"] = "ended"
        plan["next_monitoring_on"] = None
        return direction

    def _referral(self, day: date) -> None:
        rng, t = self.rng, self.t
        if day > self.stop:
            return
        partner = rng.choice(self.centre.partners) if self.centre.partners and rng.random() < 0.6 else None
        program = "" if partner else rng.choice(REFERRAL_PROGRAMS)
        destination = partner or program
        if destination in self.referred:
            return
        self.referred.add(destination)
        old = (END - day).days > 120
        status = (
            rng.choice(["completed", "completed", "declined", "cancelled"])
            if old
            else rng.choice(["requested", "accepted", "in_support"])
        )
        rid = self.g.ids.take(t.referral)
        at = self.at(day)
        t.referral.add(
            {
                "id": rid,
                "version": 1,
                "created_at": at,
                "updated_at": at,
                "agency_id": self.centre.agency_id,
                "municipality_id": self.centre.municipality_id,
                "case_id": self.case_id,
                "person_id": self.person_id,
                "partner_id": partner[0] if partner else None,
                "program": program,
                "referred_on": day,
                "reason": "本人の希望により専門機関につなぐ。",
                "data_categories": [],
                "accompanied": rng.random() < 0.3,
                "status": status,
                "outcome_code": rng.choice(REFERRAL_OUTCOMES) if status == "completed" else "",
                "outcome": "",
                "follow_up_on": day + timedelta(days=30),
                "disclosure_id": None,
                "age_warning": "",
                "created_by_id": self.worker_id,
            }
        )
        self.audit(at, "create", "referral", rid, {"case_id": self.case_id})

    def _programmes(self, start: date, programs: list[str]) -> None:
        rng, t = self.rng, self.t
        plan = self.current_plan
        assert plan is not None
        if "housing_benefit" in programs:
            self._housing_benefit(start)
        for program in programs:
            if program not in ENROLLABLE:
                continue
            begin = start + timedelta(days=rng.randint(3, 20))
            if begin > self.stop:
                continue
            standard, maximum = enrolment_limits(program, begin)
            end_on = min(standard, begin + timedelta(days=rng.randint(60, 330)))
            ended = end_on < END and end_on <= self.stop
            eid = self.g.ids.take(t.enrolment)
            at = self.at(begin)
            t.enrolment.add(
                {
                    "id": eid,
                    "version": 1,
                    "created_at": at,
                    "updated_at": at,
                    "agency_id": self.centre.agency_id,
                    "municipality_id": self.centre.municipality_id,
                    "person_id": self.person_id,
                    "case_id": self.case_id,
                    "plan_id": plan["id"],
                    "program": program,
                    "start_on": begin,
                    "end_on": end_on,
                    "standard_limit_on": standard,
                    "maximum_limit_on": maximum,
                    "provider_name": f"{self.centre.municipality_name}の実施事業者",
                    "certified_provider_id": None,
                    "training_decision_id": None,
                    "municipality_extension_decided_by_id": None,
                    "extension_recorded_on": None,
                    "extension_reason": "",
                    "status": "ended" if ended else "active",
                    "ended_on": end_on if ended else None,
                    "hand_back_kind": "",
                    "hand_back_on": None,
                    "hand_back_note": "",
                    "created_by_id": self.worker_id,
                }
            )
            self.audit(at, "create", "programenrolment", eid, {"case_id": self.case_id})

    def _housing_benefit(self, start: date) -> None:
        rng, t = self.rng, self.t
        applied = start + timedelta(days=rng.randint(0, 10))
        if applied > self.stop or not self.centre.rules:
            return
        size = rng.choices([1, 2, 3, 4], weights=[55, 25, 12, 8])[0]
        rule = self.centre.rules.get(size) or self.centre.rules[max(self.centre.rules)]
        rent = rng.randrange(30_000, 90_000, 500)
        finance = self.finance
        if finance is not None and finance.scalars["monthly_rent"]:
            rent = finance.scalars["monthly_rent"]  # the rent the アセスメント recorded
        award = rng.random() < 0.85
        decided = applied + timedelta(days=rng.randint(5, 14))
        first_month = add_months(decided.replace(day=1), 1)
        monthly = min(rent, rule["rent_cap"])
        extensions = 0
        if award:
            r = rng.random()
            extensions = 2 if r < 0.12 else 1 if r < 0.35 else 0
        months = 3 + 3 * extensions if award else 0
        stop_month = None
        if award and rng.random() < 0.1:
            stop_month = add_months(first_month, rng.randint(1, months - 1))
        last_month = add_months(first_month, months - 1) if award else None
        if stop_month is not None:
            state, ended_on = "stopped", stop_month - timedelta(days=1)
        elif not award:
            state, ended_on = "rejected", None
        elif last_month is not None and add_months(last_month, 1) <= END:
            state, ended_on = "ended", add_months(last_month, 1) - timedelta(days=1)
        else:
            state, ended_on = "awarded", None
        if decided > self.stop:
            state, months, award, ended_on = "applied", 0, False, None
        app_id = self.g.ids.take(t.hb_app)
        at = self.at(applied)
        job_loss = applied - timedelta(days=rng.randint(10, 300))
        income = rng.randrange(0, rule["base_amount"], 1000)
        assets = rng.randrange(0, rule["asset_limit"], 1000)
        # The アセスメント's 月収 and 預貯金 where they are within the limits (above them, the income
        # has fallen since the sheet: the drawn figures stand for that).
        if finance is not None and finance.monthly_income < rule["base_amount"]:
            income = finance.monthly_income
        savings = finance.scalars["savings"] if finance is not None else None
        if savings is not None and savings < rule["asset_limit"]:
            assets = savings
        t.hb_app.add(
            {
                "id": app_id,
                "version": 1,
                "created_at": at,
                "updated_at": at,
                "agency_id": self.centre.agency_id,
                "municipality_id": self.centre.municipality_id,
                "person_id": self.person_id,
                "case_id": self.case_id,
                "benefit_type": "rent",
                "cause": "job_loss",
                "application_date": applied,
                "job_loss_date": job_loss,
                "income_drop_date": None,
                "is_main_earner": True,
                "household_size": size,
                "household_monthly_income": income,
                "household_financial_assets": assets,
                "monthly_rent": rent,
                "unable_to_seek_work_days": 0,
                "previous_award_last_payment_date": None,
                "reaward_cause": "",
                "receives_overlapping_housing_aid": False,
                "household_member_is_gang_member": False,
                "supported_by_household_budget_program": None,
                "relocation_costs": None,
                "payee_name": "株式会社 合成不動産",
                "payee_account_holder": "ゴウセイフドウサン",
                "explained_stop_conditions": True,
                "explained_extension": True,
                "explained_extension_requirements": True,
                "state": state,
                "first_month": first_month if state != "applied" and award else None,
                "months_awarded": months,
                "ended_on": ended_on,
                "created_by_id": self.worker_id,
                "submission_token": None,
            }
        )
        self.audit(at, "create", "housingbenefitapplication", app_id, {"case_id": self.case_id})
        if state == "applied":
            return
        officer = self.centre.officer
        decision_id = self.g.ids.take(t.hb_decision)
        tenant = {
            "agency_id": self.centre.agency_id,
            "municipality_id": self.centre.municipality_id,
            "person_id": self.person_id,
        }
        t.hb_decision.add(
            {
                "id": decision_id,
                **tenant,
                "created_at": self.at(decided),
                "application_id": app_id,
                "outcome": "award" if award else "reject",
                "decided_on": decided,
                "decided_by_id": officer[0],
                "reason": "" if award else "収入が収入基準額を超えるため",
                "rule_id": rule["id"],
                "job_search_rule_id": None,
                "monthly_amount": monthly if award else 0,
                "relocation_amount": 0,
                "base_amount": rule["base_amount"],
                "rent_cap": rule["rent_cap"],
                "income_limit": rule["base_amount"] + rule["rent_cap"],
                "asset_limit": rule["asset_limit"],
                "first_month": first_month if award else None,
                "requirements": [],
            }
        )
        self.audit(decided, "create", "housingbenefitdecision", decision_id, {}, officer)
        if not award:
            return
        for seq in range(1, extensions + 1):
            ext_applied = add_months(first_month, 3 * seq) - timedelta(days=20)
            t.hb_extension.add(
                {
                    "id": self.g.ids.take(t.hb_extension),
                    **tenant,
                    "created_at": self.at(ext_applied),
                    "application_id": app_id,
                    "sequence": seq,
                    "applied_on": ext_applied,
                    "household_monthly_income": rng.randrange(0, rule["base_amount"], 1000),
                    "household_financial_assets": rng.randrange(0, rule["asset_limit"], 1000),
                    "requested_by_id": self.worker_id,
                    "state": "approved",
                    "months_after": 3 + 3 * seq,
                    "monthly_amount": monthly,
                    "rule_id": rule["id"],
                    "decided_by_id": officer[0],
                    "decided_on": ext_applied + timedelta(days=7),
                    "reason": "",
                    "requirements": [],
                }
            )
        if stop_month is not None:
            t.hb_stop.add(
                {
                    "id": self.g.ids.take(t.hb_stop),
                    **tenant,
                    "created_at": self.at(stop_month),
                    "application_id": app_id,
                    "reason": rng.choice(STOP_REASONS),
                    "note": "",
                    "effective_month": stop_month,
                    "decided_on": stop_month - timedelta(days=5),
                    "decided_by_id": officer[0],
                }
            )
        for n in range(1, months + 1):
            month = add_months(first_month, n - 1)
            if (stop_month is not None and month >= stop_month) or month > END:
                break
            t.hb_payment.add(
                {
                    "id": self.g.ids.take(t.hb_payment),
                    **tenant,
                    "created_at": self.at(month),
                    "application_id": app_id,
                    "decision_id": decision_id,
                    "month_number": n,
                    "month": month,
                    "amount": monthly,
                    "payee_name": "株式会社 合成不動産",
                    "payee_account_holder": "ゴウセイフドウサン",
                    "paid_on": month - timedelta(days=3),
                    "recorded_by_id": self.worker_id,
                }
            )

    def _records(self, opened: date, end: date) -> None:
        rng, t = self.rng, self.t
        n = self.plan.records
        if n <= 0:
            return
        span = max(0, (end - opened).days)
        days = sorted(opened + timedelta(days=rng.randint(0, span)) for _ in range(n))
        windows = self.support_windows
        due = windows[0][0] + timedelta(days=30) if windows else None
        last_monitoring: date | None = None
        agency_id, municipality_id = self.centre.agency_id, self.centre.municipality_id
        record_table, audit_table = t.record, t.audit
        take = self.g.ids.take
        for d in days:
            # About one entry a month during support is the monitoring (モニタリング).
            is_monitoring = False
            if due is not None and d >= due and any(a <= d <= b for a, b in windows):
                is_monitoring = True
                last_monitoring = d
                due = d + timedelta(days=30)
            method = (
                "interview"
                if is_monitoring
                else rng.choices(RECORD_METHODS, weights=RECORD_METHOD_WEIGHTS)[0]
            )
            minute = rng.randrange(9 * 60, 18 * 60)
            at = _aware(d, minute // 60, minute % 60)
            rid = take(record_table)
            record_table.add(
                {
                    "id": rid,
                    "version": 1,
                    "created_at": at,
                    "updated_at": at,
                    "case_id": self.case_id,
                    "agency_id": agency_id,
                    "municipality_id": municipality_id,
                    "author_id": self.worker_id,
                    "occurred_at": at,
                    "duration_minutes": rng.choice((10, 15, 30, 45, 60, 90)),
                    "method": method,
                    "content": rng.choice(RECORD_TEXTS),
                    "staff_id": self.worker_id,
                    "is_monitoring": is_monitoring,
                }
            )
            audit_table.add(
                {
                    "id": take(audit_table),
                    "occurred_at": at + timedelta(minutes=5),
                    "actor_id": self.worker_id,
                    "actor_label": self.worker_name,
                    "action": "create",
                    "object_type": "supportrecord",
                    "object_id": str(rid),
                    "person_id": self.person_id,
                    "agency_id": agency_id,
                    "municipality_id": municipality_id,
                    "details": {"case_id": self.case_id, "method": method, "is_monitoring": is_monitoring},
                }
            )
            if method in CONTACT_METHODS and d > self.last_contact:
                self.last_contact = d
        plan = self.current_plan
        if plan is not None and plan["status"] == "decided" and last_monitoring is not None:
            plan["next_monitoring_on"] = last_monitoring + timedelta(days=plan["monitoring_interval_days"])
