"""相談受付 (intake_register) and the case state machine (case_transition)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tsunagu.cases.models import Case, CaseState, CaseTransition, EmergencySupport, Intake
from tsunagu.cases.services import (
    OpenCaseExists,
    case_transition,
    intake_record_application,
    intake_register,
)
from tsunagu.cases.tests.helpers import consent_values, intake_values, new_person, open_case, person_values
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.network.models import PartnerAgency
from tsunagu.persons.models import Person
from tsunagu.privacy.models import Consent
from tsunagu.privacy.services import consent_give, consent_withdraw


@pytest.fixture
def worker(staff: Any) -> Any:
    return staff("shinjuku-soudan")


def _counts() -> tuple[int, int, int, int, int]:
    return (
        Person.objects.count(),
        Case.objects.count(),
        Intake.objects.count(),
        Consent.objects.count(),
        EmergencySupport.objects.count(),
    )


# --- The 申込票 ------------------------------------------------------------------------------------


def test_intake_opens_a_case_with_every_item_of_the_sheet(worker: Any) -> None:
    partner = PartnerAgency.objects.get(name="新宿区社会福祉協議会")
    received = timezone.now() - timedelta(hours=2)
    case = open_case(
        worker,
        received_at=received,
        method="phone",
        consulter_type="family",
        consulter_name="佐々木 花",
        consulter_relationship="妻",
        route="social_welfare_council",
        referring_partner=partner,
        topics=["debt", "rent_loan", "income"],
        main_topic="debt",
        chief_complaint="借金の返済で家賃が払えない",
    )
    intake = Intake.objects.get(case=case)
    assert (intake.method, intake.consulter_type, intake.consulter_name, intake.consulter_relationship) == (
        "phone",
        "family",
        "佐々木 花",
        "妻",
    )
    assert (intake.route, intake.referring_partner_id) == ("social_welfare_council", partner.pk)
    assert intake.topics == ["debt", "rent_loan", "income"]
    assert intake.main_topic == "debt"
    assert intake.chief_complaint == "借金の返済で家賃が払えない"
    assert intake.received_by_id == worker.pk
    case.refresh_from_db()
    assert case.state == CaseState.INTAKE
    assert case.assigned_worker_id == worker.pk
    assert case.opened_on == timezone.localtime(received).date()
    assert case.topics == ["debt", "rent_loan", "income"]
    assert not case.is_emergency
    assert case.agency_id == worker.agency_id
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="case", object_id=str(case.pk)
    ).exists()


def test_urgency_flags_create_emergency_support_and_mark_the_case(worker: Any) -> None:
    case = open_case(worker, urgency_flags=["no_food", "housing_loss"])
    assert Case.objects.get(pk=case.pk).is_emergency
    supports = EmergencySupport.objects.filter(case=case).order_by("flag")
    assert [s.flag for s in supports] == ["housing_loss", "no_food"]
    assert all(s.started_on == case.opened_on and s.agency_id == worker.agency_id for s in supports)
    assert all("プラン策定前" in s.description for s in supports)


@pytest.mark.parametrize("outcome", ["info_only", "referred"])
def test_info_only_and_referred_end_the_case_at_screening(worker: Any, outcome: str) -> None:
    extra: dict[str, Any] = {"screening_referral_to": "public_assistance"} if outcome == "referred" else {}
    case = open_case(worker, screening_outcome=outcome, **extra)
    case.refresh_from_db()
    assert case.state == CaseState.ENDED_AT_SCREENING
    assert not case.is_open
    t = CaseTransition.objects.get(case=case)
    assert (t.name, t.from_state, t.to_state) == ("end_at_screening", "intake", "ended_at_screening")
    if outcome == "referred":
        assert Intake.objects.get(case=case).screening_referral_to == "public_assistance"


def test_continuing_stays_at_intake(worker: Any) -> None:
    case = open_case(worker, screening_outcome="continuing")
    assert Case.objects.get(pk=case.pk).state == CaseState.INTAKE
    assert not CaseTransition.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"screening_outcome": "referred", "screening_referral_to": ""}, "screening_referral_to"),
        ({"main_topic": "debt", "topics": ["income"]}, "main_topic"),
        ({"consulter_type": "family", "consulter_name": ""}, "consulter_name"),
        ({"method": "carrier_pigeon"}, "method"),
        ({"route": ""}, "route"),
        ({"topics": ["income", "nonsense"]}, "topics"),
        ({"urgency_flags": ["bored"]}, "urgency_flags"),
        ({"received_at": timezone.now() + timedelta(days=1)}, "received_at"),
        ({"applied_on": timezone.localdate() + timedelta(days=1)}, "applied_on"),
        ({"applied_on": timezone.localdate() - timedelta(days=3)}, "applied_on"),  # before the intake
    ],
)
def test_invalid_intake_saves_nothing_not_even_the_person(
    worker: Any, overrides: dict[str, Any], field: str
) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        open_case(worker, consent=consent_values(), **overrides)
    assert field in exc.value.message_dict
    assert _counts() == before


def test_the_referring_partner_must_belong_to_a_served_municipality(worker: Any, staff: Any) -> None:
    hasuda_partner = PartnerAgency.objects.get(name="蓮田市社会福祉協議会")
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        open_case(worker, route="social_welfare_council", referring_partner=hasuda_partner)
    assert "担当地域" in exc.value.message_dict["referring_partner"][0]
    assert _counts() == before
    # The same partner is fine for the 蓮田市 centre.
    case = open_case(staff("hasuda-soudan"), route="social_welfare_council", referring_partner=hasuda_partner)
    assert case.intake.referring_partner_id == hasuda_partner.pk


def test_application_without_consent_is_refused_and_rolls_everything_back(worker: Any) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        open_case(worker, applied_on=timezone.localdate())
    assert "同意" in exc.value.message_dict["applied_on"][0]
    assert _counts() == before


def test_application_with_consent_moves_the_case_to_applied(worker: Any) -> None:
    case = open_case(worker, applied_on=timezone.localdate(), consent=consent_values())
    case.refresh_from_db()
    assert case.state == CaseState.APPLIED
    assert Consent.objects.filter(person=case.person).count() == 1
    assert list(CaseTransition.objects.filter(case=case).values_list("name", flat=True)) == ["apply"]


def test_an_invalid_consent_saves_nothing(worker: Any) -> None:
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        open_case(worker, consent=consent_values(purposes=[]))
    assert "purposes" in exc.value.message_dict
    assert _counts() == before


def test_invalid_person_values_save_nothing(worker: Any) -> None:
    before = _counts()
    with pytest.raises(ValidationError):
        open_case(worker, person_kw={"kana": "佐々木"})
    assert _counts() == before


def test_an_existing_person_of_another_agency_is_refused(staff: Any) -> None:
    with pytest.raises(PermissionDenied):
        open_case(staff("hasuda-soudan"), person=Person.objects.get(name="髙橋 一郎"))


def test_roles_without_case_edit_cannot_open_a_case(staff: Any) -> None:
    with pytest.raises(PermissionDenied):
        open_case(staff("shinjuku-jimu"))


# --- Double submission ------------------------------------------------------------------------------


def test_the_same_submission_token_creates_one_case(worker: Any) -> None:
    first = open_case(worker, token="tok-1")
    before = _counts()
    again = open_case(worker, token="tok-1")
    assert again.pk == first.pk
    assert _counts() == before


def test_a_submission_token_of_another_agency_neither_leaks_nor_blocks(staff: Any) -> None:
    """API clients choose their own tokens: the same string in two centres is two submissions."""
    shinjuku_case = open_case(staff("shinjuku-soudan"), token="client-123")
    hasuda_case = open_case(staff("hasuda-soudan"), token="client-123")
    assert hasuda_case.pk != shinjuku_case.pk
    assert hasuda_case.agency_id == staff("hasuda-soudan").agency_id


def test_a_long_submission_token_is_accepted(worker: Any) -> None:
    token = "x" * 200
    first = open_case(worker, token=token)
    assert open_case(worker, token=token).pk == first.pk


# --- Transitions and their guards -------------------------------------------------------------------


def test_assessment_needs_application_and_consent(worker: Any) -> None:
    case = open_case(worker)
    with pytest.raises(ValidationError) as exc:
        case_transition(actor=worker, case=case, name="start_assessment")
    assert "申込" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        intake_record_application(actor=worker, case=case, applied_on=timezone.localdate())
    assert "同意" in exc.value.messages[0]
    assert Case.objects.get(pk=case.pk).state == CaseState.INTAKE

    consent_give(actor=worker, person=case.person, values=consent_values())
    intake_record_application(actor=worker, case=case, applied_on=timezone.localdate())
    case.refresh_from_db()
    assert case.state == CaseState.APPLIED
    case_transition(actor=worker, case=case, name="start_assessment")
    case.refresh_from_db()
    assert case.state == CaseState.ASSESSMENT
    assert list(CaseTransition.objects.filter(case=case).values_list("name", flat=True)) == [
        "apply",
        "start_assessment",
    ]
    assert AuditEvent.objects.filter(
        action=AuditAction.TRANSITION, object_id=str(case.pk), details__transition="start_assessment"
    ).exists()


def test_a_withdrawn_consent_blocks_the_assessment(worker: Any) -> None:
    case = open_case(worker, applied_on=timezone.localdate(), consent=consent_values())
    consent = Consent.objects.get(person=case.person)
    consent_withdraw(actor=worker, consent=consent, withdrawn_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        case_transition(actor=worker, case=case, name="start_assessment")
    assert "同意" in exc.value.messages[0]
    assert Case.objects.get(pk=case.pk).state == CaseState.APPLIED


def test_an_expired_consent_blocks_the_application(worker: Any) -> None:
    today = timezone.localdate()
    case = open_case(
        worker,
        received_at=timezone.now() - timedelta(days=20),
        consent=consent_values(given_on=today - timedelta(days=20), expires_on=today - timedelta(days=1)),
    )
    with pytest.raises(ValidationError) as exc:
        intake_record_application(actor=worker, case=case, applied_on=today)
    assert "同意" in exc.value.messages[0]
    assert Case.objects.get(pk=case.pk).state == CaseState.INTAKE
    assert Intake.objects.get(case=case).applied_on is None


def test_emergency_assessment_needs_an_urgency_flag_and_a_reason(worker: Any) -> None:
    plain = open_case(worker)
    with pytest.raises(ValidationError) as exc:
        case_transition(actor=worker, case=plain, name="start_emergency_assessment", reason="急ぐため")
    assert "緊急性" in exc.value.messages[0]

    urgent = open_case(worker, urgency_flags=["no_money"])
    with pytest.raises(ValidationError) as exc:
        case_transition(actor=worker, case=urgent, name="start_emergency_assessment", reason="   ")
    assert "理由" in exc.value.messages[0]
    case_transition(
        actor=worker, case=urgent, name="start_emergency_assessment", reason=" 所持金がなく本日の食事もない "
    )
    urgent.refresh_from_db()
    assert urgent.state == CaseState.ASSESSMENT
    t = CaseTransition.objects.get(case=urgent)
    assert (t.name, t.reason, t.actor_id) == (
        "start_emergency_assessment",
        "所持金がなく本日の食事もない",
        worker.pk,
    )


def test_transitions_only_from_their_source_states(worker: Any) -> None:
    case = open_case(worker, screening_outcome="info_only")
    for name in ("apply", "start_assessment", "start_emergency_assessment", "end_at_screening"):
        with pytest.raises(ValidationError) as exc:
            case_transition(actor=worker, case=case, name=name, reason="x")
        assert "状態" in exc.value.messages[0] or "スクリーニング" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        case_transition(actor=worker, case=case, name="no_such_transition")


def test_end_at_screening_needs_the_outcome(worker: Any) -> None:
    case = open_case(worker)
    with pytest.raises(ValidationError):
        case_transition(actor=worker, case=case, name="end_at_screening")


def test_a_stale_transition_is_refused(worker: Any) -> None:
    case = open_case(worker, urgency_flags=["no_food"])
    opened_version = Case.objects.get(pk=case.pk).version
    consent_give(actor=worker, person=case.person, values=consent_values())
    intake_record_application(actor=worker, case=case, applied_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        case_transition(actor=worker, case=case, name="start_assessment", expected_version=opened_version)
    assert "更新されました" in exc.value.messages[0]
    assert Case.objects.get(pk=case.pk).state == CaseState.APPLIED


def test_another_agency_cannot_move_the_case(worker: Any, staff: Any) -> None:
    case = open_case(worker, urgency_flags=["no_food"])
    with pytest.raises(PermissionDenied):
        case_transition(
            actor=staff("hasuda-center"), case=case, name="start_emergency_assessment", reason="x"
        )
    assert Case.objects.get(pk=case.pk).state == CaseState.INTAKE


def test_record_application_refuses_future_and_too_early_dates(worker: Any) -> None:
    case = open_case(worker, consent=consent_values())
    for day in (timezone.localdate() + timedelta(days=1), case.opened_on - timedelta(days=1)):
        with pytest.raises(ValidationError):
            intake_record_application(actor=worker, case=case, applied_on=day)
    assert Intake.objects.get(case=case).applied_on is None


def test_person_values_are_taken_as_given(worker: Any) -> None:
    case = open_case(worker, person_kw=person_values(kana="ささき たろう"))
    assert case.person.kana == "ササキ タロウ"
    assert intake_values()["method"] == Intake.objects.get(case=case).method


def test_an_existing_person_gets_a_second_case_only_with_a_reason(worker: Any) -> None:
    person = new_person(worker)
    first = open_case(worker, person=person)
    with pytest.raises(OpenCaseExists) as refused:
        open_case(worker, person=person)
    assert refused.value.case == first
    assert Case.objects.filter(person=person).count() == 1
    second = open_case(worker, person=person, second_case_reason="別の世帯員の相談として受け付ける")
    assert first.person_id == second.person_id == person.pk
    assert first.case_number != second.case_number
    assert second.intake.second_case_reason == "別の世帯員の相談として受け付ける"
    row = AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="case", object_id=str(second.pk)
    ).get()
    assert row.details["open_case_id"] == first.pk
    assert row.details["second_case_reason"] == "別の世帯員の相談として受け付ける"


def test_intake_register_rejects_nothing_valid(worker: Any) -> None:
    """A complete valid intake (with consent and 利用申込) goes through in one call."""
    case = intake_register(
        actor=worker,
        person=None,
        person_values=person_values(),
        values=intake_values(applied_on=timezone.localdate(), urgency_flags=["medical_need"]),
        consent_values=consent_values(),
    )
    case.refresh_from_db()
    assert (case.state, case.is_emergency) == (CaseState.APPLIED, True)
