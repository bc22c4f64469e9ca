"""Synthetic data (issue 8): deterministic, consistent, and its near-duplicates are found."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F

from tsunagu.cases.models import (
    Assessment,
    AssessmentBenefit,
    AssessmentDebt,
    AssessmentIncome,
    AssessmentJob,
    Case,
    CaseState,
    GoalResult,
    Intake,
    SupportPlan,
    SupportRecord,
)
from tsunagu.core.models import AuditEvent
from tsunagu.demo.data import load_demo_data
from tsunagu.demo.synthetic import Generator, plan_population, sizes_for
from tsunagu.demo.synthetic import names as N
from tsunagu.meetings.models import Decision
from tsunagu.organizations.models import Municipality, User
from tsunagu.organizations.validators import validate_municipality_code
from tsunagu.persons import normalize
from tsunagu.persons.models import Person, PersonKanaTrigram
from tsunagu.persons.selectors import person_duplicate_candidates
from tsunagu.programs.models import HousingBenefitDecision, HousingBenefitPayment

TINY = sizes_for(persons=200)


def test_sizes_of_tiers_and_overrides() -> None:
    s = sizes_for("S")
    assert (s.persons, s.cases, s.records) == (40_000, 50_000, 600_000)
    m = sizes_for("M")
    assert (m.persons, m.cases, m.records) == (300_000, 400_000, 5_000_000)
    tiny = sizes_for(persons=1000)
    assert (tiny.persons, tiny.cases, tiny.records) == (1000, 1250, 15_000)


def test_plan_is_deterministic() -> None:
    weights = [5.0, 3.0, 1.0]
    workers = [[1.0, 0.5], [1.0], [1.0, 0.5, 0.3]]
    a = plan_population(TINY, weights, workers, seed=7)
    b = plan_population(TINY, weights, workers, seed=7)
    c = plan_population(TINY, weights, workers, seed=8)
    assert [(p.name, p.kana, p.birth) for p in a.persons] == [(p.name, p.kana, p.birth) for p in b.persons]
    assert [(k.received_at, k.records) for k in a.cases] == [(k.received_at, k.records) for k in b.cases]
    assert [p.kana for p in a.persons] != [p.kana for p in c.persons]
    assert len(a.cases) == TINY.cases
    assert sum(k.records for k in a.cases) == TINY.records


@pytest.mark.parametrize("kind", ["typo", "dakuten", "small_kana", "long_vowel"])
def test_kana_variants_are_one_slip(kind: str) -> None:
    import random

    rng = random.Random(1)
    samples = {"typo": "サトウ ユウコ", "dakuten": "ヤマサキ ケンタ", "small_kana": "タナカ キョウコ"}
    kana = samples.get(kind, "オオノ ショウタ")
    variant = N.kana_variant(kind, kana, rng)
    assert variant and variant != kana
    assert normalize.is_valid_kana(variant)
    if kind in ("dakuten", "small_kana", "long_vowel"):
        # these slips are exactly what the search key folds away
        assert normalize.kana_key(variant) == normalize.kana_key(kana)


def _snapshot() -> dict[str, Any]:
    return {
        "names": list(Person.objects.order_by("id").values_list("name", "kana", "birth_date")),
        "counts": {
            m.__name__: m._default_manager.count()
            for m in (Person, PersonKanaTrigram, Case, SupportRecord, SupportPlan, Decision, AuditEvent)
        },
        "b_sheets": list(
            Intake.objects.order_by("id").values_list(
                "work_status", "housing_type", "health_insurance", "pension_status"
            )
        ),
        "structured": [
            list(m._default_manager.order_by("id").values_list(*fields))
            for m, fields in (
                (AssessmentIncome, ("assessment_id", "category", "amount")),
                (AssessmentDebt, ("assessment_id", "kind", "amount", "monthly_repayment")),
                (AssessmentBenefit, ("assessment_id", "kind", "monthly_amount", "ends_on")),
                (AssessmentJob, ("assessment_id", "order", "work")),
                (GoalResult, ("evaluation_id", "goal_id", "achievement")),
            )
        ],
        "sheets": list(
            Assessment.objects.order_by("id").values_list("work_status", "savings", "monthly_rent")
        ),
    }


@pytest.mark.django_db(transaction=False)
def test_two_runs_give_the_same_rows() -> None:
    load_demo_data()
    with transaction.atomic():
        first_counts = Generator(TINY).run()
        first = _snapshot()
        transaction.set_rollback(True)
    load_demo_data()
    second_counts = Generator(TINY).run()
    assert second_counts == first_counts
    assert _snapshot() == first


@pytest.mark.django_db
def test_generated_rows_are_consistent_and_near_duplicates_are_found() -> None:
    load_demo_data()
    persons_before, cases_before = Person.objects.count(), Case.objects.count()
    gen = Generator(TINY)
    counts = gen.run()

    # counts per table: what the generator reports is what the database holds
    assert Person.objects.count() - persons_before == TINY.persons == counts["persons_person"]
    assert Case.objects.count() - cases_before == TINY.cases == counts["cases_case"]
    assert SupportRecord.objects.count() == TINY.records == counts["cases_supportrecord"]
    assert counts["core_auditevent"] > TINY.records + TINY.cases
    assert counts["persons_personkanatrigram"] > TINY.persons * 4
    for key in ("cases_intake", "cases_casetransition", "cases_assessment", "meetings_decision"):
        assert counts[key] > 0, key

    # 20 synthetic municipalities of 埼玉県 with valid codes, each centre with 2–15 caseworkers
    synthetic = Municipality.objects.filter(slug__startswith="syn-")
    assert synthetic.count() == 20
    for muni in synthetic:
        validate_municipality_code(muni.code)
        workers = User.objects.filter(
            agency__municipality=muni, roles__role__in=["consultant", "chief_consultant"]
        )
        assert 2 <= workers.count() <= 15

    # derived search keys as the persons service would write them
    for p in Person.objects.filter(created_by__username__startswith="syn-")[:50]:
        assert p.kana_key == normalize.kana_key(p.kana)
        assert p.name_key == normalize.name_key(p.name)
        grams = set(PersonKanaTrigram.objects.filter(person=p).values_list("trigram", flat=True))
        assert grams == normalize.trigrams(p.kana_key)

    # process consistency: closed cases have a date; one plan in force per case; awarded benefits paid
    assert not Case.objects.filter(state=CaseState.CLOSED, closed_on__isnull=True).exists()
    assert not Case.objects.filter(closed_on__lt=F("opened_on")).exists()
    assert (
        HousingBenefitPayment.objects.filter(decision__outcome="award").count()
        == HousingBenefitPayment.objects.count()
    )
    assert HousingBenefitDecision.objects.count() <= counts["programs_housingbenefitapplication"]

    # near-duplicates (same person re-typed) are found by the real person search selector
    pop = gen.population
    duplicates = [(i, d) for i, d in enumerate(pop.persons) if d.duplicate_of is not None]
    assert duplicates, "the tiny tier must contain near-duplicates"
    found = 0
    for i, d in duplicates:
        assert d.duplicate_of is not None
        original_id = gen.person_ids[d.duplicate_of]
        user = User.objects.get(pk=gen.centres[d.centre].workers[0][0])
        candidates = person_duplicate_candidates(
            user=user, kana=d.kana, name=d.name, exclude_id=gen.person_ids[i]
        )
        found += any(c.person.pk == original_id for c in candidates)
    assert found == len(duplicates)


@pytest.mark.django_db
def test_command_prints_progress_and_refuses_a_second_load() -> None:
    out = StringIO()
    call_command("generate_synthetic", persons=50, stdout=out)
    text = out.getvalue()
    assert "合成データを投入しました" in text
    assert "cases_supportrecord" in text
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="既に投入"):
        call_command("generate_synthetic", persons=50, stdout=StringIO())
    # make demo runs it on every start: the second time it does nothing and succeeds.
    again = StringIO()
    call_command("generate_synthetic", persons=50, skip_if_loaded=True, stdout=again)
    assert "投入済み" in again.getvalue()


@pytest.mark.django_db
def test_b_sheets_structured_assessments_and_goal_results_are_written() -> None:
    """申込票 B票 codes, the structured アセスメント rows and 目標ごとの達成状況, in the default lists
    and categories, consistent with each other and with the 住居確保給付金 applications."""
    from tsunagu.cases.models import (
        CERTIFICATE_GRADES,
        DebtKind,
        Evaluation,
        IncomeCategory,
        PlanGoal,
        PublicBenefitKind,
    )
    from tsunagu.core.default_codes import DEFAULT_CODES
    from tsunagu.demo.synthetic.structured import HOUSING_TYPE_FROM_STATUS, RENTED
    from tsunagu.programs.models import HousingBenefitApplication

    load_demo_data()
    demo_cases = list(Case.objects.values_list("id", flat=True))
    counts = Generator(TINY).run()
    for key in (
        "cases_assessmentjob",
        "cases_assessmentincome",
        "cases_assessmentdebt",
        "cases_assessmentbenefit",
        "cases_goalresult",
    ):
        assert counts[key] > 0, key
    codes = {
        k: {c for c, _ in DEFAULT_CODES[k]}
        for k in ("work_status", "housing_type", "health_insurance", "pension_status")
    }
    synthetic = Intake.objects.exclude(case_id__in=demo_cases)
    intakes = list(
        synthetic.values_list(
            "case_id",
            "case__person__housing_status",
            "work_status",
            "housing_type",
            "health_insurance",
            "pension_status",
        )
    )
    assert len(intakes) == TINY.cases
    housing_of: dict[int, str] = {}
    for case_id, status, work, housing, insurance, pension in intakes:
        assert work in codes["work_status"] and housing in codes["housing_type"]
        assert insurance in codes["health_insurance"] and pension in codes["pension_status"]
        assert housing == HOUSING_TYPE_FROM_STATUS.get(status, "other")
        housing_of[case_id] = housing
    assert len({i[2] for i in intakes}) >= 4 and len({i[4] for i in intakes}) >= 3  # varied

    sheets = list(
        Assessment.objects.filter(case_id__in=housing_of).values(
            "id",
            "case_id",
            "work_status",
            "disability_certificate",
            "certificate_kind",
            "certificate_grade",
            "outpatient",
            "medication",
            "monthly_rent",
            "savings",
        )
    )
    assert sheets
    for a in sheets:
        assert a["work_status"] in codes["work_status"]
        assert bool(a["certificate_kind"]) == (a["disability_certificate"] == "yes")
        if a["certificate_kind"]:
            assert a["certificate_grade"] in dict(CERTIFICATE_GRADES[a["certificate_kind"]])
        assert (a["monthly_rent"] is not None) == (housing_of[a["case_id"]] in RENTED)
        assert a["medication"] is not True or a["outpatient"] is True
    assert any(a["savings"] is not None for a in sheets) and any(a["outpatient"] is None for a in sheets)
    assert set(AssessmentIncome.objects.values_list("category", flat=True)) <= set(IncomeCategory.values)
    assert set(AssessmentDebt.objects.values_list("kind", flat=True)) <= set(DebtKind.values)
    assert set(AssessmentBenefit.objects.values_list("kind", flat=True)) <= set(PublicBenefitKind.values)
    assert set(AssessmentJob.objects.values_list("employment_type", flat=True)) <= codes["work_status"]
    assert not AssessmentDebt.objects.filter(amount=0).exists()
    # a benefit's monthly amount is the income of its category on the same sheet
    income = {
        (sheet, c): n
        for sheet, c, n in AssessmentIncome.objects.values_list("assessment_id", "category", "amount")
    }
    category = {"pension": "pension", "unemployment": "other_benefit", "allowance": "allowance"}
    for sheet, kind, amount in AssessmentBenefit.objects.values_list(
        "assessment_id", "kind", "monthly_amount"
    ):
        assert income[(sheet, category[kind])] == amount

    # 住居確保給付金: the rent the case's latest アセスメント recorded
    latest_rent = {
        case_id: rent
        for case_id, rent in Assessment.objects.filter(case_id__in=housing_of)
        .order_by("case_id", "number")
        .values_list("case_id", "monthly_rent")
    }
    applications = list(HousingBenefitApplication.objects.values_list("case_id", "monthly_rent"))
    assert applications
    for case_id, rent in applications:
        if latest_rent.get(case_id):
            assert rent == latest_rent[case_id]

    # 評価: 本人の変化 and one result per goal of the plan evaluated
    goals: dict[int, set[int]] = {}
    for plan_id, goal_id in PlanGoal.objects.values_list("plan_id", "id"):
        goals.setdefault(plan_id, set()).add(goal_id)
    results: dict[int, set[int]] = {}
    for evaluation_id, goal_id in GoalResult.objects.values_list("evaluation_id", "goal_id"):
        results.setdefault(evaluation_id, set()).add(goal_id)
    evaluations = list(
        Evaluation.objects.filter(case_id__in=housing_of).values_list("id", "plan_id", "changes")
    )
    assert evaluations
    for evaluation_id, plan_id, changes in evaluations:
        assert changes
        assert results[evaluation_id] == goals[plan_id]
