"""住居確保給付金: the pure calculation (no database).

Dataclasses in, a result with one line per requirement out. The same functions serve the
簡易判定 screen, the API (``POST /api/v1/housing-benefit/assess``), the application service and
the re-explanation of a past decision. Rules and their sources: ``docs/programs-housing-benefit.md``.

Money is integer yen everywhere. Each requirement is ``met`` / ``not_met`` / ``evidence_needed``
(the last: the inputs cannot decide it; the centre confirms it with documents).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from tsunagu.core.dates import add_months, wareki

# --- Constants (生活困窮者自立支援法施行規則; docs/programs-housing-benefit.md) ------------------------------------------------------------

ASSET_LIMIT_CEILING = 1_000_000  # 資産上限は基準額×6、ただし100万円を超えない
ASSET_LIMIT_MULTIPLIER = 6
FORMULA_SINCE = date(2020, 7, 3)  # 家賃上限を差引き後に適用する現行の算定式
WINDOW_MONTHS = 24  # 離職・廃業から2年以内
MAX_WINDOW_MONTHS = 48  # 求職活動ができなかった期間を加えても4年まで
MIN_UNABLE_PERIOD_DAYS = 30  # 30日以上続いた期間だけが延長の対象
REAWARD_WAIT_MONTHS = 12  # 施行規則第16条: 最後の支給月の翌月から起算して1年
INITIAL_PERIOD_MONTHS = 3
EXTENSION_MONTHS = 3
MAX_EXTENSIONS = 2
MAX_PERIOD_MONTHS = INITIAL_PERIOD_MONTHS + EXTENSION_MONTHS * MAX_EXTENSIONS  # 9か月
RELOCATION_CAP_MULTIPLIER = 3  # 転居費用補助の上限 = 家賃上限×3
WEEKS_PER_MONTH = 4  # 「週1回以上」は報告月に4回以上として確認する
PERIOD_END_WARNING_DAYS = 14


class BenefitType(StrEnum):
    RENT = "rent"  # 家賃補助
    RELOCATION = "relocation"  # 転居費用補助


class Cause(StrEnum):
    JOB_LOSS = "job_loss"  # 離職・廃業
    REDUCED_INCOME = "reduced_income"  # 休業等による収入減少


class ReawardCause(StrEnum):
    DISMISSAL = "dismissal"  # 解雇（本人の責めによらない）・事業主都合離職
    BUSINESS_CLOSURE = "business_closure"  # 本人の責めによらない廃業
    REDUCED_INCOME = "reduced_income"  # 休業等
    OTHER = "other"


REAWARD_ALLOWED_CAUSES = frozenset(
    {ReawardCause.DISMISSAL, ReawardCause.BUSINESS_CLOSURE, ReawardCause.REDUCED_INCOME}
)


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    EVIDENCE_NEEDED = "evidence_needed"


REQUIREMENT_LABELS = {
    "timing": "申請の時期",
    "housing_loss": "住居の喪失・おそれ",
    "main_earner": "主たる生計維持者",
    "income": "収入要件",
    "assets": "資産要件",
    "job_search": "求職活動等要件",
    "household_budget_support": "家計改善支援事業による判断",
    "no_overlapping_aid": "類似の給付を受けていない",
    "no_gang_member": "暴力団員でない",
    "reaward": "再支給の制限",
    "amount": "支給額",
    "deadline": "延長申請の期限",
    "count": "延長の回数・通算月数",
}

STATUS_LABELS = {Status.MET: "満たす", Status.NOT_MET: "満たさない", Status.EVIDENCE_NEEDED: "書類で確認"}


def yen(n: int) -> str:
    return f"{n:,}円"


def first_of_month(d: date) -> date:
    return d.replace(day=1)


def last_of_month(d: date) -> date:
    return add_months(first_of_month(d), 1) - timedelta(days=1)


def month_label(d: date) -> str:
    """令和7年4月 (the 和暦 month)."""
    text = wareki(first_of_month(d))
    return text[: text.rindex("月") + 1]


# --- Rules and the amount formula -----------------------------------------------------------------


def asset_limit_for(base_amount: int) -> int:
    """資産上限 = min(基準額 × 6, 1,000,000円)."""
    return min(base_amount * ASSET_LIMIT_MULTIPLIER, ASSET_LIMIT_CEILING)


@dataclass(frozen=True)
class Rules:
    """One row of the municipality's table (基準額・家賃上限・資産上限) in force on a date."""

    base_amount: int
    rent_cap: int
    asset_limit: int
    effective_from: date | None = None

    @property
    def relocation_cap(self) -> int:
        return self.rent_cap * RELOCATION_CAP_MULTIPLIER


def counted_rent(*, rules: Rules, rent: int) -> int:
    """The rent as counted: the actual rent, at most the 住宅扶助基準額 (家賃上限)."""
    return min(rent, rules.rent_cap)


def income_limit(*, rules: Rules, rent: int) -> int:
    """収入基準額 = 基準額 + 家賃額（住宅扶助基準額が上限）."""
    return rules.base_amount + counted_rent(rules=rules, rent=rent)


def monthly_amount(*, income: int, rent: int, rules: Rules, on: date | None = None) -> int:
    """支給額（月額）.

    Since 2020-07-03: the rent when income ≤ 基準額, else 基準額 + rent − income; the 家賃上限 is
    applied to the result. Before that date the rent was capped before the subtraction.
    Never negative.
    """
    if on is not None and on < FORMULA_SINCE:
        counted = counted_rent(rules=rules, rent=rent)
        amount = counted if income <= rules.base_amount else rules.base_amount + counted - income
    else:
        amount = rent if income <= rules.base_amount else rules.base_amount + rent - income
    return max(0, min(amount, rules.rent_cap))


def relocation_amount(*, costs: int, rules: Rules) -> int:
    """転居費用補助 = the covered costs, at most 3 × 家賃上限."""
    return max(0, min(costs, rules.relocation_cap))


# --- Dates -------------------------------------------------------------------------------------


def application_deadline(job_loss_date: date, unable_to_seek_work_days: int = 0) -> date:
    """The last day an application may be made after 離職・廃業.

    2 years from the 離職日 (民法の期間計算: 初日不算入, so the 2-year anniversary itself is still
    within). Periods of 30 or more days when job search was impossible extend it, to 4 years at most.
    """
    extra = unable_to_seek_work_days if unable_to_seek_work_days >= MIN_UNABLE_PERIOD_DAYS else 0
    return min(
        add_months(job_loss_date, WINDOW_MONTHS) + timedelta(days=extra),
        add_months(job_loss_date, MAX_WINDOW_MONTHS),
    )


def relocation_deadline(drop_date: date) -> date:
    """転居費用補助: within 2 years counted from the month of the income drop (that month is the first)."""
    return add_months(first_of_month(drop_date), WINDOW_MONTHS) - timedelta(days=1)


def reaward_earliest(last_payment_date: date) -> date:
    """施行規則第16条: one year counted from the month after the last payment must have passed."""
    return add_months(first_of_month(last_payment_date), REAWARD_WAIT_MONTHS + 1)


def period_end(first_month: date, months: int) -> date:
    """Last day of the support period that starts in ``first_month`` and lasts ``months`` months."""
    return add_months(first_of_month(first_month), months) - timedelta(days=1)


def month_number(first_month: date, month: date) -> int:
    """1 for the first month of the period, 2 for the next, …; ≤ 0 before it."""
    a, b = first_of_month(first_month), first_of_month(month)
    return (b.year - a.year) * 12 + (b.month - a.month) + 1


def period_end_warning(end: date, today: date) -> bool:
    """True from 14 days before the period's last day until that day."""
    return end - timedelta(days=PERIOD_END_WARNING_DAYS) <= today <= end


# --- Assessment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    code: str
    status: Status
    message_ja: str

    @property
    def met(self) -> bool | None:
        return {Status.MET: True, Status.NOT_MET: False}.get(self.status)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def label(self) -> str:
        return REQUIREMENT_LABELS.get(self.code, self.code)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "met": self.met,
            "status": self.status.value,
            "message_ja": self.message_ja,
        }


@dataclass(frozen=True)
class AssessmentInput:
    application_date: date
    type: BenefitType
    cause: Cause
    is_main_earner: bool
    household_size: int
    household_monthly_income: int
    household_financial_assets: int
    monthly_rent: int
    job_loss_date: date | None = None
    income_drop_date: date | None = None
    unable_to_seek_work_days: int = 0
    previous_award_last_payment_date: date | None = None
    reaward_cause: ReawardCause | None = None
    receives_overlapping_housing_aid: bool = False
    household_member_is_gang_member: bool = False
    supported_by_household_budget_program: bool | None = None
    relocation_costs: int | None = None


@dataclass(frozen=True)
class AssessmentResult:
    eligible: bool
    monthly_amount: int
    relocation_amount: int
    base_amount: int
    rent_cap: int
    income_limit: int
    asset_limit: int
    period_months: int
    requirements: tuple[Requirement, ...] = field(default_factory=tuple)

    @property
    def not_met(self) -> list[Requirement]:
        return [r for r in self.requirements if r.status == Status.NOT_MET]

    @property
    def evidence_needed(self) -> list[Requirement]:
        return [r for r in self.requirements if r.status == Status.EVIDENCE_NEEDED]

    def requirement(self, code: str) -> Requirement:
        return next(r for r in self.requirements if r.code == code)

    def as_dict(self) -> dict[str, object]:
        return {
            "eligible": self.eligible,
            "monthly_amount": self.monthly_amount,
            "relocation_amount": self.relocation_amount,
            "base_amount": self.base_amount,
            "rent_cap": self.rent_cap,
            "income_limit": self.income_limit,
            "asset_limit": self.asset_limit,
            "period_months": self.period_months,
            "requirements": [r.as_dict() for r in self.requirements],
        }


def _req(code: str, ok: bool | None, message: str) -> Requirement:
    status = Status.EVIDENCE_NEEDED if ok is None else (Status.MET if ok else Status.NOT_MET)
    return Requirement(code, status, message)


def _timing(inp: AssessmentInput) -> Requirement:
    if inp.type == BenefitType.RELOCATION:
        drop = inp.job_loss_date if inp.cause == Cause.JOB_LOSS else inp.income_drop_date
        assert drop is not None
        deadline = relocation_deadline(drop)
        ok = drop <= inp.application_date <= deadline
        what = f"収入が減少した月（{month_label(drop)}）から2年以内（{wareki(deadline)}まで）"
        return _req(
            "timing",
            ok,
            f"{what}の申請です。" if ok else f"申請日が{what}ではありません。",
        )
    if inp.cause == Cause.REDUCED_INCOME:
        return _req(
            "timing",
            None,
            "休業等により収入を得る機会が減少し、離職・廃業と同程度の状況に現にあることを書類で確認してください。",
        )
    assert inp.job_loss_date is not None
    days = inp.unable_to_seek_work_days
    deadline = application_deadline(inp.job_loss_date, days)
    plain = application_deadline(inp.job_loss_date, 0)
    if days >= MIN_UNABLE_PERIOD_DAYS:
        capped = (
            " （上限の4年に達しています）"
            if deadline == add_months(inp.job_loss_date, MAX_WINDOW_MONTHS)
            else ""
        )
        extra = f"求職活動ができなかった期間{days}日を加えて{wareki(deadline)}まで{capped}"
    elif days > 0:
        extra = f"{wareki(deadline)}まで（求職活動ができなかった期間が30日未満のため延長されません）"
    else:
        extra = f"{wareki(plain)}まで"
    ok = inp.application_date <= deadline
    if ok:
        return _req(
            "timing", True, f"離職・廃業の日（{wareki(inp.job_loss_date)}）から2年以内の申請です（{extra}）。"
        )
    return _req(
        "timing",
        False,
        f"離職・廃業の日（{wareki(inp.job_loss_date)}）から2年を過ぎています（{extra}）。",
    )


def _main_earner(inp: AssessmentInput) -> Requirement:
    when = (
        "離職・廃業の時点で" if inp.type == BenefitType.RENT and inp.cause == Cause.JOB_LOSS else "申請月に"
    )
    if inp.is_main_earner:
        return _req("main_earner", True, f"{when}世帯の主たる生計維持者です。")
    return _req("main_earner", False, f"{when}世帯の主たる生計維持者であることが必要です。")


def _reaward(inp: AssessmentInput) -> Requirement:
    last = inp.previous_award_last_payment_date
    if last is None:
        return _req("reaward", True, "過去に住居確保給付金を受給していません（再支給の制限なし）。")
    earliest = reaward_earliest(last)
    problems = []
    if inp.application_date < earliest:
        problems.append(
            f"前回の最後の支給月（{month_label(last)}）の翌月から起算して1年を経過していません"
            f"（{wareki(earliest)}から申請できます）"
        )
    if inp.reaward_cause not in REAWARD_ALLOWED_CAUSES:
        problems.append(
            "再支給は、解雇その他の事業主都合による離職、本人の責めによらない廃業、"
            "または休業等による収入減少の場合に限られます"
        )
    if problems:
        return _req("reaward", False, "再支給の制限（施行規則第16条）: " + "。".join(problems) + "。")
    return _req(
        "reaward",
        True,
        f"再支給の要件（施行規則第16条）を満たします: 前回の最後の支給月（{month_label(last)}）の翌月から1年を経過し、"
        "対象となる理由による困窮です。",
    )


def assess(inp: AssessmentInput, rules: Rules) -> AssessmentResult:
    """The 簡易判定: every requirement explained, the amount, the limits.

    ``eligible`` is true when no requirement is ``not_met``; items marked ``evidence_needed`` are
    confirmed with documents before the decision.
    """
    rent_type = inp.type == BenefitType.RENT
    limit = income_limit(rules=rules, rent=inp.monthly_rent)
    reqs: list[Requirement] = [_timing(inp)]
    reqs.append(
        _req(
            "housing_loss",
            None,
            "住居を喪失している、または喪失するおそれがあることを確認してください（賃貸借契約書、家賃の支払状況等）。",
        )
    )
    reqs.append(_main_earner(inp))
    income = inp.household_monthly_income
    rent_counted = counted_rent(rules=rules, rent=inp.monthly_rent)
    breakdown = f"基準額{yen(rules.base_amount)}＋家賃{yen(rent_counted)}"
    if rent_counted < inp.monthly_rent:
        breakdown += f"（家賃上限{yen(rules.rent_cap)}まで）"
    if income <= limit:
        reqs.append(
            _req("income", True, f"世帯の月収{yen(income)}は収入基準額{yen(limit)}（{breakdown}）以下です。")
        )
    else:
        reqs.append(
            _req(
                "income",
                False,
                f"世帯の月収{yen(income)}が収入基準額{yen(limit)}（{breakdown}）を超えています。",
            )
        )
    assets = inp.household_financial_assets
    if assets <= rules.asset_limit:
        reqs.append(
            _req("assets", True, f"世帯の金融資産{yen(assets)}は資産上限{yen(rules.asset_limit)}以下です。")
        )
    else:
        reqs.append(
            _req(
                "assets",
                False,
                f"世帯の金融資産{yen(assets)}が資産上限{yen(rules.asset_limit)}を超えています。",
            )
        )
    if rent_type:
        if inp.cause == Cause.JOB_LOSS:
            msg = "申請時にハローワークへ求職の申込みをしていることを確認してください（求職受付票等）。受給中は毎月の求職活動状況報告が必要です。"
        else:
            msg = "申請時に経営相談先へ相談の申込みをしていることを確認してください。受給中は毎月の活動状況報告が必要です。"
        reqs.append(_req("job_search", None, msg))
    else:
        if inp.supported_by_household_budget_program:
            reqs.append(
                _req(
                    "household_budget_support",
                    True,
                    "家計改善支援事業の支援を受けており、転居が必要で転居費用を自ら賄えないと判断されています。",
                )
            )
        else:
            reqs.append(
                _req(
                    "household_budget_support",
                    False,
                    "転居費用補助には、家計改善支援事業で転居の必要性と費用を賄えないことの判断を受けていることが必要です。",
                )
            )
    aid = "住居確保のための類似の給付" if rent_type else "転居のための類似の給付"
    if inp.receives_overlapping_housing_aid:
        reqs.append(
            _req("no_overlapping_aid", False, f"{aid}を受けている（または受ける予定の）場合は対象外です。")
        )
    else:
        reqs.append(
            _req("no_overlapping_aid", True, f"{aid}を受けていません（職業訓練受講給付金との併給は可）。")
        )
    if inp.household_member_is_gang_member:
        reqs.append(_req("no_gang_member", False, "申請者または世帯員が暴力団員の場合は対象外です。"))
    else:
        reqs.append(_req("no_gang_member", True, "申請者・世帯員に暴力団員はいません。"))
    reqs.append(_reaward(inp))

    monthly = 0
    relocation = 0
    if rent_type:
        monthly = monthly_amount(income=income, rent=inp.monthly_rent, rules=rules, on=inp.application_date)
        if monthly > 0:
            reqs.append(_req("amount", True, _amount_message(inp, rules, monthly)))
        else:
            reqs.append(_req("amount", False, "算定した支給額が0円のため、支給の対象になりません。"))
    else:
        relocation = relocation_amount(costs=inp.relocation_costs or 0, rules=rules)
        if relocation > 0:
            capped = "（上限）" if relocation < (inp.relocation_costs or 0) else ""
            reqs.append(
                _req(
                    "amount",
                    True,
                    f"転居費用補助額は{yen(relocation)}{capped}です（上限は家賃上限{yen(rules.rent_cap)}の3倍、{yen(rules.relocation_cap)}。敷金・前家賃・家具等は対象外）。",
                )
            )
        else:
            reqs.append(_req("amount", False, "対象となる転居費用が0円です。"))

    eligible = not any(r.status == Status.NOT_MET for r in reqs)
    return AssessmentResult(
        eligible=eligible,
        monthly_amount=monthly if eligible else 0,
        relocation_amount=relocation if eligible else 0,
        base_amount=rules.base_amount,
        rent_cap=rules.rent_cap,
        income_limit=limit,
        asset_limit=rules.asset_limit,
        period_months=INITIAL_PERIOD_MONTHS if rent_type else 0,
        requirements=tuple(reqs),
    )


def _amount_message(inp: AssessmentInput, rules: Rules, amount: int) -> str:
    income, rent = inp.household_monthly_income, inp.monthly_rent
    if inp.application_date < FORMULA_SINCE:
        formula = "（令和2年7月3日より前の算定式: 家賃を上限額に抑えてから差し引き）"
    else:
        formula = ""
    if income <= rules.base_amount:
        how = f"世帯の月収が基準額{yen(rules.base_amount)}以下のため家賃額{yen(rent)}"
    else:
        how = f"基準額{yen(rules.base_amount)}＋家賃額{yen(rent)}−世帯の月収{yen(income)}"
    cap = f"、家賃上限{yen(rules.rent_cap)}を適用" if amount == rules.rent_cap else ""
    return f"支給額（月額）は{yen(amount)}です（{how}{cap}）{formula}。支給期間は3か月（延長2回まで、最長9か月）。"


# --- 求職活動等要件 (monthly report) and extensions -------------------------------------------------


def job_search_cause_for_month(cause: str, month_number: int | None) -> str:
    """Whose thresholds a month's report is checked against: 休業等 recipients take the job-search
    (離職・廃業) thresholds once the first period and its extension are over (months 7–9; the reading
    of the rule is in docs/programs-housing-benefit.md)."""
    if cause == Cause.REDUCED_INCOME and (month_number or 0) > INITIAL_PERIOD_MONTHS + EXTENSION_MONTHS:
        return Cause.JOB_LOSS
    return cause


@dataclass(frozen=True)
class JobSearchThresholds:
    centre_consultations_min: int  # 自立相談支援機関との面談（月）
    counselling_min: int  # ハローワークの職業相談（離職）／経営相談（休業等）（月）
    applications_min: int  # 応募（離職）／収入増加の取組（休業等）
    applications_per_week: bool  # True: 週あたり（報告月に×4回）, False: 月あたり

    @property
    def applications_required(self) -> int:
        return self.applications_min * (WEEKS_PER_MONTH if self.applications_per_week else 1)


@dataclass(frozen=True)
class JobSearchCounts:
    centre_consultations: int
    counselling: int
    applications: int


def check_job_search(
    counts: JobSearchCounts, thresholds: JobSearchThresholds, *, cause: Cause
) -> tuple[bool, list[str]]:
    """The monthly 求職活動状況報告 against the thresholds in force: (met, shortfalls in Japanese)."""
    job = cause == Cause.JOB_LOSS
    counselling = "ハローワークでの職業相談" if job else "経営相談"
    applications = "求人への応募" if job else "収入増加のための取組"
    per = f"（週{thresholds.applications_min}回以上）" if thresholds.applications_per_week else ""
    short: list[str] = []
    checks: Iterable[tuple[str, int, int, str]] = (
        ("自立相談支援機関での面談", counts.centre_consultations, thresholds.centre_consultations_min, ""),
        (counselling, counts.counselling, thresholds.counselling_min, ""),
        (applications, counts.applications, thresholds.applications_required, per),
    )
    for label, got, need, note in checks:
        if got < need:
            short.append(f"{label}が{got}回です（月{need}回以上{note}が必要）。")
    return not short, short


def extension_requirements(
    *,
    applied_on: date,
    first_month: date,
    months_awarded: int,
    extensions_so_far: int,
    income: int,
    assets: int,
    rent: int,
    rules: Rules,
    missing_report_months: list[date],
    unmet_report_months: list[date],
) -> tuple[Requirement, ...]:
    """延長の要件: applied in time, at most twice and 9 months in all, income and assets within the
    rules in force, and every monthly report submitted and meeting the thresholds."""
    end = period_end(first_month, months_awarded)
    reqs = [
        _req(
            "deadline",
            first_of_month(first_month) <= applied_on <= end,
            f"延長の申請は現在の支給期間の最終月の末日（{wareki(end)}）までに行います"
            f"（申請日 {wareki(applied_on)}）。",
        ),
        _req(
            "count",
            extensions_so_far < MAX_EXTENSIONS and months_awarded + EXTENSION_MONTHS <= MAX_PERIOD_MONTHS,
            f"延長は2回まで（3か月ずつ、通算9か月まで）です（これまで{extensions_so_far}回、{months_awarded}か月）。",
        ),
    ]
    limit = income_limit(rules=rules, rent=rent)
    reqs.append(
        _req(
            "income",
            income <= limit,
            f"延長申請時の世帯の月収{yen(income)}（収入基準額{yen(limit)}）。",
        )
    )
    reqs.append(
        _req(
            "assets",
            assets <= rules.asset_limit,
            f"延長申請時の世帯の金融資産{yen(assets)}（資産上限{yen(rules.asset_limit)}）。",
        )
    )
    if missing_report_months or unmet_report_months:
        parts = []
        if missing_report_months:
            parts.append("未提出: " + "、".join(month_label(m) for m in missing_report_months))
        if unmet_report_months:
            parts.append("要件を満たさない月: " + "、".join(month_label(m) for m in unmet_report_months))
        reqs.append(_req("job_search", False, "求職活動状況報告 — " + "／".join(parts) + "。"))
    else:
        reqs.append(
            _req("job_search", True, "これまでの求職活動状況報告はすべて提出され、要件を満たしています。")
        )
    amount = monthly_amount(income=income, rent=rent, rules=rules, on=applied_on)
    reqs.append(
        _req(
            "amount",
            amount > 0,
            f"延長後の支給額（月額）は{yen(amount)}です。"
            if amount > 0
            else "延長後の支給額が0円になります。",
        )
    )
    return tuple(reqs)
