"""The lifecycle: application → decision → payments → monthly reports → extension → stop or end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from tsunagu.core.models import AuditEvent
from tsunagu.organizations.models import Municipality
from tsunagu.programs import selectors, services
from tsunagu.programs.models import (
    ApplicationState,
    HousingBenefitApplication,
    HousingBenefitDecision,
    HousingBenefitPayment,
)

from .conftest import application_values

pytestmark = pytest.mark.django_db

OFFICER = "shinjuku-jichitai"


def pay(staff: Callable[[str], Any], app: Any, month: date, **kw: Any) -> HousingBenefitPayment:
    return services.housing_payment_record(
        actor=staff(OFFICER), application=app, month=month, paid_on=kw.pop("paid_on", date(2025, 4, 25)), **kw
    )


def report(
    staff: Callable[[str], Any], app: Any, month: date, counts: tuple[int, int, int] = (4, 2, 4)
) -> Any:
    return services.job_search_report_record(
        actor=staff("shinjuku-soudan"),
        application=app,
        month=month,
        centre_consultations=counts[0],
        counselling=counts[1],
        applications=counts[2],
        reported_on=date(2025, 4, 1).replace(year=month.year, month=month.month, day=28),
    )


def extend(staff: Callable[[str], Any], app: Any, applied_on: date, approve: bool = True) -> Any:
    ext = services.housing_extension_apply(
        actor=staff("shinjuku-soudan"),
        application=app,
        applied_on=applied_on,
        household_monthly_income=60_000,
        household_financial_assets=150_000,
    )
    return services.housing_extension_decide(
        actor=staff(OFFICER),
        extension=ext,
        approve=approve,
        decided_on=applied_on,
        reason="" if approve else "要件不足",
    )


# --- Application -----------------------------------------------------------------------------------


def test_application_is_linked_to_the_case_and_audited(
    make_application: Callable[..., Any], shinjuku_case: Any
) -> None:
    app = make_application()
    assert app.case_id == shinjuku_case.pk
    assert app.agency_id == shinjuku_case.agency_id
    assert app.municipality_id == shinjuku_case.municipality_id
    assert app.person_id == shinjuku_case.person_id
    assert app.state == ApplicationState.APPLIED
    assert app.explained_stop_conditions and app.explained_extension and app.explained_extension_requirements
    event = AuditEvent.objects.get(
        object_type="housingbenefitapplication", object_id=str(app.pk), action="create"
    )
    assert event.person_id == shinjuku_case.person_id
    assert event.details["monthly_amount"] == 53_700


def test_application_needs_the_explanations_recorded(make_application: Callable[..., Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        make_application(explained_stop_conditions=False, explained_extension_requirements=False)
    assert set(exc.value.message_dict) >= {"explained_stop_conditions", "explained_extension_requirements"}
    assert HousingBenefitApplication.objects.count() == 0


def test_explanations_are_a_database_constraint(make_application: Callable[..., Any]) -> None:
    app = make_application()
    with pytest.raises(IntegrityError), transaction.atomic():
        HousingBenefitApplication.objects.filter(pk=app.pk).update(explained_extension=False)


def test_application_mistypes_are_collected_per_field_and_nothing_is_saved(
    make_application: Callable[..., Any],
) -> None:
    with pytest.raises(ValidationError) as exc:
        make_application(
            household_monthly_income=-1,
            monthly_rent=1.5,
            job_loss_date=None,
            household_size=0,
        )
    errors = exc.value.message_dict
    assert set(errors) >= {"household_monthly_income", "monthly_rent", "job_loss_date", "household_size"}
    assert all(any(ord(ch) > 0x3000 for ch in m) for msgs in errors.values() for m in msgs)
    assert HousingBenefitApplication.objects.count() == 0


def test_application_only_by_the_cases_own_agency(
    make_application: Callable[..., Any], hasuda_case: Any
) -> None:
    with pytest.raises(PermissionDenied):
        make_application(case=hasuda_case)
    with pytest.raises(PermissionDenied):
        make_application(actor="shinjuku-jichitai")


def test_one_open_application_per_person(make_application: Callable[..., Any]) -> None:
    make_application()
    with pytest.raises(ValidationError) as exc:
        make_application()
    assert "支給中" in exc.value.messages[0]


def test_double_submit_returns_the_same_application(staff: Callable[[str], Any], shinjuku_case: Any) -> None:
    a = services.housing_application_create(
        actor=staff("shinjuku-soudan"),
        case=shinjuku_case,
        values=application_values(),
        submission_token="tok-1",
    )
    b = services.housing_application_create(
        actor=staff("shinjuku-soudan"),
        case=shinjuku_case,
        values=application_values(),
        submission_token="tok-1",
    )
    assert a.pk == b.pk


# --- Decision ---------------------------------------------------------------------------------------


def test_award_by_the_municipal_officer_keeps_the_rule_rows(awarded: Any) -> None:
    decision = HousingBenefitDecision.objects.get(application=awarded)
    assert decision.outcome == "award"
    assert decision.monthly_amount == 53_700
    assert (decision.base_amount, decision.rent_cap, decision.income_limit, decision.asset_limit) == (
        84_000,
        53_700,
        137_700,
        504_000,
    )
    assert decision.rule.household_size == 1
    assert decision.job_search_rule is not None and decision.job_search_rule.applications_per == "week"
    assert decision.requirements[0]["code"] == "timing"
    assert awarded.state == ApplicationState.AWARDED
    assert awarded.first_month == date(2025, 4, 1)
    assert awarded.months_awarded == 3
    assert awarded.period_end == date(2025, 6, 30)
    assert AuditEvent.objects.filter(action="transition", details__transition="decide").exists()


def test_decision_only_by_an_officer_of_the_same_municipality(
    make_application: Callable[..., Any], staff: Callable[[str], Any]
) -> None:
    app = make_application()
    for username in ("shinjuku-center", "shinjuku-soudan", "hasuda-jichitai", "shinjuku-kansa"):
        with pytest.raises(PermissionDenied):
            services.housing_decision_record(
                actor=staff(username), application=app, outcome="award", decided_on=date(2025, 4, 20)
            )
    assert not HousingBenefitDecision.objects.exists()


def test_award_refused_when_a_requirement_is_not_met(
    make_application: Callable[..., Any], staff: Callable[[str], Any]
) -> None:
    app = make_application(household_financial_assets=600_000)
    with pytest.raises(ValidationError) as exc:
        services.housing_decision_record(
            actor=staff(OFFICER), application=app, outcome="award", decided_on=date(2025, 4, 20)
        )
    assert "資産上限" in exc.value.message_dict["outcome"][0]
    decision = services.housing_decision_record(
        actor=staff(OFFICER),
        application=app,
        outcome="reject",
        decided_on=date(2025, 4, 20),
        reason="資産要件を満たさない",
    )
    assert decision.outcome == "reject" and decision.monthly_amount == 0
    app.refresh_from_db()
    assert app.state == ApplicationState.REJECTED


def test_reject_needs_a_reason_and_a_decision_is_made_once(
    make_application: Callable[..., Any], staff: Callable[[str], Any]
) -> None:
    app = make_application()
    with pytest.raises(ValidationError) as exc:
        services.housing_decision_record(
            actor=staff(OFFICER), application=app, outcome="reject", decided_on=date(2025, 4, 20)
        )
    assert "reason" in exc.value.message_dict
    services.housing_decision_record(
        actor=staff(OFFICER), application=app, outcome="award", decided_on=date(2025, 4, 20)
    )
    with pytest.raises(ValidationError):
        services.housing_decision_record(
            actor=staff(OFFICER), application=app, outcome="award", decided_on=date(2025, 4, 21)
        )


def test_decision_date_not_before_the_application_nor_in_the_future(
    make_application: Callable[..., Any], staff: Callable[[str], Any]
) -> None:
    app = make_application()
    with pytest.raises(ValidationError) as exc:
        services.housing_decision_record(
            actor=staff(OFFICER), application=app, outcome="award", decided_on=date(2025, 4, 1)
        )
    assert "decided_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.housing_decision_record(
            actor=staff(OFFICER), application=app, outcome="award", decided_on=date(2099, 1, 1)
        )


def test_past_decision_is_re_explained_with_its_own_table_after_an_edit(
    awarded: Any, staff: Callable[[str], Any]
) -> None:
    # The officer later back-dates a new version that would change the amount.
    services.housing_rule_add(
        actor=staff(OFFICER),
        municipality=Municipality.objects.get(code="131041"),
        household_size=1,
        effective_from=date(2024, 4, 1),
        base_amount=84_000,
        rent_cap=40_000,
        source="訂正（試験）",
        note="遡及訂正",
    )
    decision = HousingBenefitDecision.objects.get(application=awarded)
    explained = selectors.decision_explain(decision)
    assert explained.monthly_amount == decision.monthly_amount == 53_700
    assert explained.rent_cap == 53_700
    # The table as it stands now gives a different answer for the same application.
    assert selectors.assessment_for_application(awarded).result.monthly_amount == 40_000


# --- Payments ------------------------------------------------------------------------------------------


def test_monthly_payment_to_the_landlord(awarded: Any, staff: Callable[[str], Any]) -> None:
    p = pay(staff, awarded, date(2025, 4, 1))
    assert (p.month_number, p.amount, p.payee_name) == (1, 53_700, "株式会社西新宿不動産")
    assert p.payee_account_holder
    assert AuditEvent.objects.filter(object_type="housingbenefitpayment", object_id=str(p.pk)).exists()


def test_no_payment_without_a_decision(
    make_application: Callable[..., Any], staff: Callable[[str], Any]
) -> None:
    app = make_application()
    with pytest.raises(ValidationError) as exc:
        pay(staff, app, date(2025, 4, 1))
    assert "支給決定" in exc.value.messages[0]
    assert not HousingBenefitPayment.objects.exists()


def test_payment_only_by_the_officer(awarded: Any, staff: Callable[[str], Any]) -> None:
    with pytest.raises(PermissionDenied):
        services.housing_payment_record(
            actor=staff("shinjuku-soudan"),
            application=awarded,
            month=date(2025, 4, 1),
            paid_on=date(2025, 4, 25),
        )


def test_payment_mistypes(awarded: Any, staff: Callable[[str], Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        pay(staff, awarded, date(2025, 4, 1), amount=60_000)
    assert "53,700円" in exc.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as exc:
        pay(staff, awarded, date(2025, 4, 1), amount=0)
    assert "amount" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        pay(staff, awarded, date(2025, 3, 1))
    assert "month" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        pay(staff, awarded, date(2025, 7, 1))
    assert "延長" in exc.value.message_dict["month"][0]
    with pytest.raises(ValidationError) as exc:
        pay(staff, awarded, date(2025, 4, 1), paid_on=date(2025, 4, 19))
    assert "paid_on" in exc.value.message_dict
    pay(staff, awarded, date(2025, 4, 1))
    with pytest.raises(ValidationError) as exc:
        pay(staff, awarded, date(2025, 4, 15))
    assert "既に記録" in exc.value.message_dict["month"][0]
    assert HousingBenefitPayment.objects.count() == 1


def test_database_refuses_a_payment_past_the_months_awarded(
    awarded: Any, staff: Callable[[str], Any]
) -> None:
    decision = HousingBenefitDecision.objects.get(application=awarded)
    common = {
        "agency_id": awarded.agency_id,
        "municipality_id": awarded.municipality_id,
        "person_id": awarded.person_id,
        "amount": 1_000,
        "payee_name": "貸主",
        "payee_account_holder": "カシヌシ",
        "paid_on": date(2025, 4, 25),
        "recorded_by": staff(OFFICER),
    }
    # Month 4 while 3 months are awarded: the trigger refuses.
    with pytest.raises(IntegrityError), transaction.atomic():
        HousingBenefitPayment.objects.create(
            application=awarded, decision=decision, month_number=4, month=date(2025, 7, 1), **common
        )
    # Month 10: the check constraint refuses, whatever was awarded.
    with pytest.raises(IntegrityError), transaction.atomic():
        HousingBenefitPayment.objects.create(
            application=awarded, decision=decision, month_number=10, month=date(2026, 1, 1), **common
        )
    # Amount 0.
    with pytest.raises(IntegrityError), transaction.atomic():
        HousingBenefitPayment.objects.create(
            application=awarded,
            decision=decision,
            month_number=1,
            month=date(2025, 4, 1),
            **(common | {"amount": 0}),
        )
    # Within the months awarded, with a 支給決定: accepted.
    HousingBenefitPayment.objects.create(
        application=awarded, decision=decision, month_number=1, month=date(2025, 4, 1), **common
    )
    assert HousingBenefitPayment.objects.count() == 1


def test_database_refuses_a_payment_on_a_reject_decision(
    make_application: Callable[..., Any], staff: Callable[[str], Any]
) -> None:
    app = make_application(household_financial_assets=600_000)
    decision = services.housing_decision_record(
        actor=staff(OFFICER),
        application=app,
        outcome="reject",
        decided_on=date(2025, 4, 20),
        reason="資産超過",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        HousingBenefitPayment.objects.create(
            application=app,
            decision=decision,
            agency_id=app.agency_id,
            municipality_id=app.municipality_id,
            person_id=app.person_id,
            month_number=1,
            month=date(2025, 4, 1),
            amount=1_000,
            payee_name="貸主",
            payee_account_holder="カシヌシ",
            paid_on=date(2025, 4, 25),
            recorded_by=staff(OFFICER),
        )


# --- Reports, extensions and the 9-month cap --------------------------------------------------------------


def test_monthly_report_checked_against_thresholds_in_force(
    awarded: Any, staff: Callable[[str], Any]
) -> None:
    ok = report(staff, awarded, date(2025, 4, 1))
    assert ok.met and ok.requirement.applications_per == "week"
    short = report(staff, awarded, date(2025, 5, 1), counts=(4, 1, 2))
    assert not short.met
    assert len(short.shortfalls) == 2
    with pytest.raises(ValidationError) as exc:
        report(staff, awarded, date(2025, 5, 1))
    assert "既に記録" in exc.value.message_dict["month"][0]
    with pytest.raises(ValidationError):
        report(staff, awarded, date(2025, 7, 1))
    with pytest.raises(PermissionDenied):
        services.job_search_report_record(
            actor=staff("hasuda-soudan"),
            application=awarded,
            month=date(2025, 6, 1),
            centre_consultations=4,
            counselling=2,
            applications=4,
            reported_on=date(2025, 6, 28),
        )


def test_reminders_for_missing_reports_and_period_end(awarded: Any, staff: Callable[[str], Any]) -> None:
    reminders = selectors.reminders_for(staff("shinjuku-soudan"), today=date(2025, 6, 20))
    kinds = {r.kind for r in reminders}
    assert kinds == {"period_end", "report_missing"}
    text = " ".join(r.message_ja for r in reminders)
    assert "10日後" in text
    assert "令和7年4月" in text and "令和7年5月" in text
    report(staff, awarded, date(2025, 4, 1))
    report(staff, awarded, date(2025, 5, 1))
    assert {r.kind for r in selectors.reminders_for(staff(OFFICER), today=date(2025, 6, 15))} == set()
    assert {r.kind for r in selectors.reminders_for(staff(OFFICER), today=date(2025, 6, 16))} == {
        "period_end"
    }
    assert selectors.reminders_for(staff("hasuda-jichitai"), today=date(2025, 6, 20)) == []


def test_extension_twice_up_to_nine_months_and_never_a_tenth_payment(
    awarded: Any, staff: Callable[[str], Any]
) -> None:
    for m in (4, 5):
        report(staff, awarded, date(2025, m, 1))
    ext1 = extend(staff, awarded, date(2025, 6, 30))  # the last day of the period: still in time
    assert ext1.state == "approved" and ext1.sequence == 1 and ext1.monthly_amount == 53_700
    awarded.refresh_from_db()
    assert awarded.months_awarded == 6 and awarded.period_end == date(2025, 9, 30)
    for m in (6, 7, 8):
        report(staff, awarded, date(2025, m, 1))
    ext2 = extend(staff, awarded, date(2025, 9, 10))
    assert ext2.sequence == 2
    awarded.refresh_from_db()
    assert awarded.months_awarded == 9 and awarded.period_end == date(2025, 12, 31)
    with pytest.raises(ValidationError) as exc:
        services.housing_extension_apply(
            actor=staff("shinjuku-soudan"),
            application=awarded,
            applied_on=date(2025, 12, 1),
            household_monthly_income=60_000,
            household_financial_assets=100_000,
        )
    assert "2回まで" in exc.value.messages[0]
    for i in range(9):
        month = date(2025 + (3 + i) // 12, (3 + i) % 12 + 1, 1)
        pay(
            staff,
            awarded,
            month,
            paid_on=date(2025, 9, 15) if month.month <= 9 and month.year == 2025 else date(2025, 12, 20),
        )
    assert HousingBenefitPayment.objects.filter(application=awarded).count() == 9
    with pytest.raises(ValidationError) as exc:
        pay(staff, awarded, date(2026, 1, 1), paid_on=date(2026, 1, 20))
    assert "9か月" in exc.value.message_dict["month"][0]
    assert HousingBenefitPayment.objects.filter(application=awarded).count() == 9


def test_extension_application_after_the_deadline_is_refused(
    awarded: Any, staff: Callable[[str], Any]
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.housing_extension_apply(
            actor=staff("shinjuku-soudan"),
            application=awarded,
            applied_on=date(2025, 7, 1),
            household_monthly_income=60_000,
            household_financial_assets=100_000,
        )
    assert "令和7年6月30日" in exc.value.message_dict["applied_on"][0]


def test_extension_refused_without_reports(awarded: Any, staff: Callable[[str], Any]) -> None:
    ext = services.housing_extension_apply(
        actor=staff("shinjuku-soudan"),
        application=awarded,
        applied_on=date(2025, 6, 20),
        household_monthly_income=60_000,
        household_financial_assets=100_000,
    )
    with pytest.raises(ValidationError) as exc:
        services.housing_extension_decide(
            actor=staff(OFFICER), extension=ext, approve=True, decided_on=date(2025, 6, 25)
        )
    assert "未提出" in exc.value.message_dict["approve"][0]
    rejected = services.housing_extension_decide(
        actor=staff(OFFICER),
        extension=ext,
        approve=False,
        decided_on=date(2025, 6, 25),
        reason="報告が未提出",
    )
    assert rejected.state == "rejected"
    awarded.refresh_from_db()
    assert awarded.months_awarded == 3


def test_stop_with_a_reason_and_no_payment_after_it(awarded: Any, staff: Callable[[str], Any]) -> None:
    pay(staff, awarded, date(2025, 4, 1))
    with pytest.raises(ValidationError) as exc:
        services.housing_benefit_stop(
            actor=staff(OFFICER),
            application=awarded,
            reason="other",
            effective_month=date(2025, 5, 1),
            decided_on=date(2025, 5, 2),
        )
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.housing_benefit_stop(
            actor=staff(OFFICER),
            application=awarded,
            reason="employment_or_income",
            effective_month=date(2025, 4, 1),
            decided_on=date(2025, 5, 2),
        )
    stop = services.housing_benefit_stop(
        actor=staff(OFFICER),
        application=awarded,
        reason="employment_or_income",
        effective_month=date(2025, 5, 10),
        decided_on=date(2025, 5, 2),
    )
    assert stop.effective_month == date(2025, 5, 1)
    awarded.refresh_from_db()
    assert awarded.state == ApplicationState.STOPPED
    with pytest.raises(ValidationError) as exc:
        pay(staff, awarded, date(2025, 5, 1))
    assert "中止" in exc.value.message_dict["month"][0]


def test_end_only_after_the_period(awarded: Any, staff: Callable[[str], Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        services.housing_benefit_end(actor=staff(OFFICER), application=awarded, ended_on=date(2025, 6, 29))
    assert "中止" in exc.value.message_dict["ended_on"][0]
    app = services.housing_benefit_end(actor=staff(OFFICER), application=awarded, ended_on=date(2025, 6, 30))
    assert app.state == ApplicationState.ENDED


def test_relocation_is_one_payment_capped_at_three_rent_caps(
    make_application: Callable[..., Any], staff: Callable[[str], Any]
) -> None:
    app = make_application(
        type="relocation",
        cause="reduced_income",
        job_loss_date=None,
        income_drop_date=date(2025, 1, 20),
        supported_by_household_budget_program=True,
        relocation_costs=250_000,
    )
    decision = services.housing_decision_record(
        actor=staff(OFFICER), application=app, outcome="award", decided_on=date(2025, 4, 20)
    )
    assert decision.relocation_amount == 161_100 and decision.monthly_amount == 0
    app.refresh_from_db()
    assert app.months_awarded == 1
    p = pay(staff, app, date(2025, 4, 1))
    assert p.amount == 161_100
    with pytest.raises(ValidationError):
        pay(staff, app, date(2025, 5, 1))


def test_lists_are_scoped(awarded: Any, staff: Callable[[str], Any]) -> None:
    assert list(selectors.housing_applications_visible_to(staff("shinjuku-soudan"))) == [awarded]
    assert list(selectors.housing_applications_visible_to(staff(OFFICER))) == [awarded]
    assert not selectors.housing_applications_visible_to(staff("hasuda-soudan")).exists()
    assert not selectors.housing_applications_visible_to(staff("hasuda-jichitai")).exists()
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.housing_application_get_for_user(user=staff("hasuda-jichitai"), application_id=awarded.pk)
