"""Services: つなぎ with its disclosure, the rules, the status path, 第27条第1項, the append-only register."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.network.models import PartnerAgencyType
from tsunagu.referrals import services
from tsunagu.referrals.models import (
    Disclosure,
    DisclosureBasisKind,
    DisclosureChannel,
    ExceptionStatus,
    Referral,
    ReferralAttachment,
    ReferralStatus,
    StatutoryExceptionRequest,
)

from .conftest import consent_scope

pytestmark = pytest.mark.django_db

T = PartnerAgencyType


def values(partner: Any = None, **overrides: Any) -> dict[str, Any]:
    return {
        "partner": partner,
        "program": "",
        "reason": "就労に向けた支援を依頼するため",
        "data_categories": ["basic", "work_school"],
        "accompanied": True,
        "follow_up_on": timezone.localdate() + timedelta(days=14),
    } | overrides


def pdf_font_names(pdf: bytes) -> set[str]:
    """Every /FontName and /BaseFont in the PDF, looking inside compressed object streams too."""
    chunks = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    names: set[str] = set()
    for chunk in chunks:
        names.update(n.decode() for n in re.findall(rb"/(?:FontName|BaseFont)\s*/([A-Za-z0-9+\-_]+)", chunk))
    return names


def assert_noto_cjk_embedded(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF")
    names = pdf_font_names(pdf)
    assert any("NotoSansCJK" in n.replace("-", "") for n in names), names


# --- つなぎ and its disclosure ---------------------------------------------------------------------


def test_referral_with_consent_records_the_disclosure(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(consent=consent_scope())
    hw = partners[T.HELLO_WORK]
    referral = services.referral_create(actor=worker, case=case, values=values(hw, program="hw_general"))
    assert referral.status == ReferralStatus.REQUESTED and referral.accompanied
    d = referral.disclosure
    assert d is not None
    assert (d.recipient_partner_id, d.basis_kind, d.channel) == (
        hw.pk,
        DisclosureBasisKind.CONSENT,
        "referral",
    )
    assert d.data_categories == ["basic", "work_school"] and d.person_id == case.person_id
    assert d.consent is not None and "同意" in d.basis_note
    actions = set(AuditEvent.objects.filter(person_id=case.person_id).values_list("action", flat=True))
    assert {AuditAction.DISCLOSURE, AuditAction.CREATE} <= actions
    assert referral.status_changes.count() == 1


def test_referral_without_basis_is_refused_and_nothing_is_recorded(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(consent=None)
    with pytest.raises(PermissionDenied) as exc:
        services.referral_create(actor=worker, case=case, values=values(partners[T.WELFARE_OFFICE]))
    assert "同意" in str(exc.value)
    assert not Referral.objects.filter(case=case).exists()
    assert not Disclosure.objects.filter(person=case.person).exists()
    refusal = AuditEvent.objects.get(person_id=case.person_id, action=AuditAction.ACCESS_DENIED)
    assert refusal.details["disclosure_refused"] == str(exc.value)


def test_referral_outside_consent_categories_is_refused(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(consent=consent_scope())
    with pytest.raises(PermissionDenied, match="健康"):
        services.referral_create(
            actor=worker,
            case=case,
            values=values(partners[T.WELFARE_OFFICE], data_categories=["basic", "health"]),
        )
    assert not Referral.objects.exists()


def test_referral_sharing_nothing_needs_no_basis_and_records_no_disclosure(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    """The person goes on their own with a leaflet: nothing is recorded as shared."""
    case = make_case(consent=None)
    referral = services.referral_create(
        actor=worker, case=case, values=values(partners[T.LEGAL], data_categories=[])
    )
    assert referral.disclosure is None and not Disclosure.objects.exists()


def test_referral_to_another_municipalitys_agency_is_refused(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(consent=consent_scope())
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=worker, case=case, values=values(partners["hasuda_welfare"]))
    assert "蓮田市" in exc.value.message_dict["partner"][0]
    assert not Referral.objects.exists() and not Disclosure.objects.exists()


def test_second_open_referral_to_the_same_agency_is_refused(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(consent=consent_scope())
    welfare = partners[T.WELFARE_OFFICE]
    first = services.referral_create(actor=worker, case=case, values=values(welfare))
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=worker, case=case, values=values(welfare))
    assert "進行中のつなぎ" in exc.value.message_dict["partner"][0]
    assert Referral.objects.count() == 1 and Disclosure.objects.count() == 1
    # Once the first is finished, a new referral to the same agency is possible.
    services.referral_status_change(actor=worker, referral=first, to_status="declined", outcome="対象外")
    services.referral_create(actor=worker, case=case, values=values(welfare))
    assert Referral.objects.count() == 2


def test_database_refuses_a_second_open_referral(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(consent=consent_scope())
    first = services.referral_create(actor=worker, case=case, values=values(partners[T.WELFARE_OFFICE]))
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            agency_id=first.agency_id,
            municipality_id=first.municipality_id,
            case=case,
            person=case.person,
            partner=first.partner,
            referred_on=first.referred_on,
            reason="重複",
            created_by=worker,
        )


def test_referral_needs_a_destination_and_a_reason(make_case: Callable[..., Any], worker: Any) -> None:
    case = make_case(consent=consent_scope())
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=worker, case=case, values=values(None, reason=" "))
    assert set(exc.value.message_dict) >= {"partner", "reason"}


def test_programme_needs_its_kind_of_agency(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(consent=consent_scope())
    with pytest.raises(ValidationError) as exc:
        services.referral_create(
            actor=worker, case=case, values=values(partners[T.HELLO_WORK], program="public_assistance")
        )
    assert "福祉事務所" in exc.value.message_dict["partner"][0]
    with pytest.raises(ValidationError):
        services.referral_create(actor=worker, case=case, values=values(None, program="public_assistance"))


def test_programme_only_referral_is_internal(make_case: Callable[..., Any], worker: Any) -> None:
    case = make_case(consent=None)
    referral = services.referral_create(
        actor=worker, case=case, values=values(None, program="household_budget", data_categories=["finances"])
    )
    assert referral.disclosure is None and referral.destination_label == "家計改善支援事業"
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=worker, case=case, values=values(None, program="household_budget"))
    assert "program" in exc.value.message_dict


def test_other_agency_cannot_refer_the_case(
    make_case: Callable[..., Any], partners: dict[str, Any], staff: Callable[[str], Any]
) -> None:
    case = make_case(consent=consent_scope())
    with pytest.raises(PermissionDenied):
        services.referral_create(
            actor=staff("hasuda-soudan"), case=case, values=values(partners[T.WELFARE_OFFICE])
        )


# --- 地域若者サポートステーション -----------------------------------------------------------------------


def test_youth_station_outside_15_to_39_needs_confirmation(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    station = partners[T.YOUTH_SUPPORT_STATION]
    case = make_case(
        birth_date=timezone.localdate().replace(year=timezone.localdate().year - 45), consent=None
    )
    v = values(station, data_categories=[], program="youth_support")
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=worker, case=case, values=v)
    assert "15〜39歳" in exc.value.message_dict["confirm_age_warning"][0]
    assert not Referral.objects.exists()
    referral = services.referral_create(actor=worker, case=case, values=v, confirm_age_warning=True)
    assert "45歳" in referral.age_warning


def test_youth_station_within_range_has_no_warning(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(
        birth_date=timezone.localdate().replace(year=timezone.localdate().year - 25), consent=None
    )
    referral = services.referral_create(
        actor=worker, case=case, values=values(partners[T.YOUTH_SUPPORT_STATION], data_categories=[])
    )
    assert referral.age_warning == ""


# --- 生活保護受給者等就労自立促進事業 ---------------------------------------------------------------


def test_hw_programme_needs_an_approved_plan(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, approved_plan: Callable[..., Any]
) -> None:
    case = make_case(consent=consent_scope(data_categories=["basic", "history", "work_school"]))
    v = values(
        partners[T.HELLO_WORK],
        program="hw_public_assistance_employment",
        data_categories=["basic", "history", "work_school"],
    )
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=worker, case=case, values=v)
    assert "プランがありません" in exc.value.message_dict["program"][0]
    approved_plan(case, status="draft")
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=worker, case=case, values=v)
    assert (
        "支援調整会議" in exc.value.message_dict["program"][0]
        and "案" in exc.value.message_dict["program"][0]
    )
    assert not Referral.objects.exists() and not Disclosure.objects.exists()


def test_hw_programme_attaches_the_plan_as_pdf_with_japanese_font(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, approved_plan: Callable[..., Any]
) -> None:
    case = make_case(consent=consent_scope(data_categories=["basic", "history", "work_school"]))
    plan = approved_plan(case, status="approved")
    referral = services.referral_create(
        actor=worker,
        case=case,
        values=values(
            partners[T.HELLO_WORK],
            program="hw_public_assistance_employment",
            data_categories=["basic", "history", "work_school"],
        ),
    )
    attachment = ReferralAttachment.objects.get(referral=referral)
    assert (attachment.plan_id, attachment.plan_number, attachment.plan_status) == (plan.pk, 1, "approved")
    pdf = bytes(attachment.content)
    assert attachment.size == len(pdf) and len(attachment.sha256) == 64
    assert_noto_cjk_embedded(pdf)
    assert referral.disclosure is not None and referral.disclosure.basis_kind == DisclosureBasisKind.CONSENT
    assert AuditEvent.objects.filter(action=AuditAction.PRINT, person_id=case.person_id).exists()


def test_hw_programme_must_declare_what_the_plan_contains(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, approved_plan: Callable[..., Any]
) -> None:
    case = make_case(consent=consent_scope())
    approved_plan(case)
    with pytest.raises(ValidationError) as exc:
        services.referral_create(
            actor=worker,
            case=case,
            values=values(partners[T.HELLO_WORK], program="hw_public_assistance_employment"),
        )
    assert "生活歴" in exc.value.message_dict["data_categories"][0]


# --- status path, 生活保護 ------------------------------------------------------------------------


def test_status_path_and_its_refusals(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(consent=consent_scope())
    r = services.referral_create(actor=worker, case=case, values=values(partners[T.HELLO_WORK]))
    with pytest.raises(ValidationError, match="支援中"):
        services.referral_status_change(actor=worker, referral=r, to_status="in_support")
    with pytest.raises(ValidationError) as exc:
        services.referral_status_change(actor=worker, referral=r, to_status="declined")
    assert "outcome" in exc.value.message_dict
    r = services.referral_status_change(
        actor=worker, referral=r, to_status="accepted", expected_version=r.version
    )
    with pytest.raises(ValidationError, match="更新されました"):
        services.referral_status_change(actor=worker, referral=r, to_status="in_support", expected_version=1)
    r = services.referral_status_change(actor=worker, referral=r, to_status="in_support")
    with pytest.raises(ValidationError) as exc:
        services.referral_status_change(actor=worker, referral=r, to_status="completed")
    assert "outcome_code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.referral_status_change(
            actor=worker, referral=r, to_status="completed", outcome_code="protection_started"
        )
    assert "生活保護" in exc.value.message_dict["outcome_code"][0]
    r = services.referral_status_change(
        actor=worker, referral=r, to_status="completed", outcome_code="employed", outcome="就職した"
    )
    assert r.status == "completed" and r.version == 4
    assert [c.to_status for c in r.status_changes.all()] == [
        "requested",
        "accepted",
        "in_support",
        "completed",
    ]
    with pytest.raises(ValidationError):
        services.referral_status_change(actor=worker, referral=r, to_status="cancelled", note="誤り")


def test_cancelling_needs_a_reason(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(consent=consent_scope())
    r = services.referral_create(actor=worker, case=case, values=values(partners[T.HELLO_WORK]))
    with pytest.raises(ValidationError) as exc:
        services.referral_status_change(actor=worker, referral=r, to_status="cancelled")
    assert "note" in exc.value.message_dict
    r = services.referral_status_change(actor=worker, referral=r, to_status="cancelled", note="本人の希望")
    assert r.status == ReferralStatus.CANCELLED
    assert r.disclosure is not None and Disclosure.objects.filter(pk=r.disclosure.pk).exists()


def _public_assistance_referral(case: Any, partners: dict[str, Any], worker: Any) -> Referral:
    r = services.referral_create(
        actor=worker,
        case=case,
        values=values(
            partners[T.WELFARE_OFFICE], program="public_assistance", data_categories=["basic", "finances"]
        ),
    )
    r = services.referral_status_change(actor=worker, referral=r, to_status="accepted")
    return services.referral_status_change(
        actor=worker,
        referral=r,
        to_status="completed",
        outcome_code="protection_started",
        outcome="保護開始決定",
    )


def test_protection_started_offers_closure_but_the_evaluation_comes_first(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    from tsunagu.referrals.policies import public_assistance_closure_offered

    case = make_case(consent=consent_scope())
    r = _public_assistance_referral(case, partners, worker)
    assert public_assistance_closure_offered(r)
    with pytest.raises(ValidationError) as exc:
        services.referral_close_case_public_assistance(actor=worker, referral=r)
    assert exc.value.messages[0]
    case.refresh_from_db()
    assert case.state == "intake"


def test_public_assistance_closure_closes_the_case_after_the_evaluation(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, approved_plan: Callable[..., Any]
) -> None:
    """With an evaluation 終結・生活保護適用 the case closes through the cases app's ``close`` transition."""
    from tsunagu.cases.models import Case, CaseState, Evaluation

    case = make_case(consent=consent_scope())
    plan = approved_plan(case, status="decided")
    Case.objects.filter(pk=case.pk).update(state=CaseState.EVALUATION)
    Evaluation.objects.create(
        case=case,
        plan=plan,
        agency_id=case.agency_id,
        municipality_id=case.municipality_id,
        author=worker,
        evaluated_on=timezone.localdate(),
        direction="close",
        closure_reason="public_assistance",
    )
    case.refresh_from_db()
    r = _public_assistance_referral(case, partners, worker)
    assert services.public_assistance_closure_check(r, worker) is None
    services.referral_close_case_public_assistance(actor=worker, referral=r)
    case.refresh_from_db()
    assert (case.state, case.closure_reason) == (CaseState.CLOSED, "public_assistance")


# --- 第27条第1項 ---------------------------------------------------------------------------------------


@pytest.fixture
def officer_who_also_handles_cases(demo: Any, staff: Callable[[str], Any]) -> Any:
    from tsunagu.organizations.models import StaffRole
    from tsunagu.organizations.roles import Role

    user = staff("shinjuku-shunin")
    StaffRole.objects.get_or_create(user=user, role=Role.PRIVACY_OFFICER)
    return staff("shinjuku-shunin")


def test_statutory_exception_is_approved_by_someone_else_only(
    make_case: Callable[..., Any],
    partners: dict[str, Any],
    staff: Callable[[str], Any],
    officer_who_also_handles_cases: Any,
) -> None:
    case = make_case(consent=None, actor="shinjuku-shunin")
    requester = officer_who_also_handles_cases
    legal = partners[T.LEGAL]
    req = services.statutory_exception_request(
        actor=requester,
        person=case.person,
        recipient=legal,
        categories=["basic", "finances"],
        clause=2,
        reason="債権者からの差押えが迫り、本人は入院中で意思確認ができないため",
        case=case,
    )
    assert req.status == ExceptionStatus.PENDING
    with pytest.raises(PermissionDenied, match="自分が申請"):
        services.statutory_exception_approve(actor=requester, exception=req)
    with pytest.raises(PermissionDenied, match="個人情報管理責任者"):
        services.statutory_exception_approve(actor=staff("shinjuku-soudan"), exception=req)
    with pytest.raises(PermissionDenied):
        services.statutory_exception_approve(actor=staff("hasuda-privacy"), exception=req)
    # pending: no basis yet
    with pytest.raises(PermissionDenied, match="承認"):
        services.disclosure_record(
            actor=requester,
            person=case.person,
            recipient=legal,
            categories=["basic"],
            purpose="債務整理の相談",
            channel=DisclosureChannel.EXPORT,
            exception=req,
        )
    req = services.statutory_exception_approve(
        actor=staff("shinjuku-privacy"), exception=req, note="第2号に該当"
    )
    assert req.approved_by == staff("shinjuku-privacy") and req.approved_at is not None
    with pytest.raises(ValidationError):
        services.statutory_exception_approve(actor=staff("shinjuku-privacy"), exception=req)
    d = services.disclosure_record(
        actor=requester,
        person=case.person,
        recipient=legal,
        categories=["basic", "finances"],
        purpose="債務整理の相談",
        channel=DisclosureChannel.EXPORT,
        case=case,
        exception=req,
    )
    assert d.basis_kind == DisclosureBasisKind.STATUTORY and "第2号" in d.basis_note
    with pytest.raises(PermissionDenied, match="健康"):
        services.disclosure_record(
            actor=requester,
            person=case.person,
            recipient=legal,
            categories=["health"],
            purpose="債務整理の相談",
            channel=DisclosureChannel.EXPORT,
            exception=req,
        )
    with pytest.raises(PermissionDenied, match="別の"):
        services.disclosure_record(
            actor=requester,
            person=case.person,
            recipient=partners[T.WELFARE_OFFICE],
            categories=["basic"],
            purpose="連絡",
            channel=DisclosureChannel.EXPORT,
            exception=req,
        )


def test_database_refuses_self_approval(
    make_case: Callable[..., Any], partners: dict[str, Any], officer_who_also_handles_cases: Any
) -> None:
    case = make_case(consent=None, actor="shinjuku-shunin")
    req = services.statutory_exception_request(
        actor=officer_who_also_handles_cases,
        person=case.person,
        recipient=partners[T.LEGAL],
        categories=["basic"],
        clause=1,
        legal_basis="児童福祉法第25条",
        reason="要保護児童の通告のため（法令に基づく）",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        StatutoryExceptionRequest.objects.filter(pk=req.pk).update(
            status="approved", approved_by=officer_who_also_handles_cases, approved_at=timezone.now()
        )


def test_statutory_exception_request_validation(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(consent=None)
    with pytest.raises(ValidationError) as exc:
        services.statutory_exception_request(
            actor=worker,
            person=case.person,
            recipient=partners[T.LEGAL],
            categories=[],
            clause=1,
            reason="短い",
        )
    assert set(exc.value.message_dict) >= {"data_categories", "reason", "legal_basis"}
    with pytest.raises(ValidationError) as exc:
        services.statutory_exception_request(
            actor=worker,
            person=case.person,
            recipient=partners["hasuda_welfare"],
            categories=["basic"],
            clause=2,
            reason="本人が意識不明で、生命の保護のため緊急に必要",
        )
    assert "recipient" in exc.value.message_dict


def test_rejection_needs_a_reason_and_gives_no_basis(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, staff: Callable[[str], Any]
) -> None:
    case = make_case(consent=None)
    req = services.statutory_exception_request(
        actor=worker,
        person=case.person,
        recipient=partners[T.LEGAL],
        categories=["basic"],
        clause=4,
        reason="市の税務調査への協力のため、同意を得ると支障がある",
    )
    with pytest.raises(ValidationError):
        services.statutory_exception_reject(actor=staff("shinjuku-privacy"), exception=req, note="")
    req = services.statutory_exception_reject(
        actor=staff("shinjuku-privacy"), exception=req, note="該当しない"
    )
    with pytest.raises(PermissionDenied, match="不承認"):
        services.disclosure_record(
            actor=worker,
            person=case.person,
            recipient=partners[T.LEGAL],
            categories=["basic"],
            purpose="協力",
            channel=DisclosureChannel.EXPORT,
            exception=req,
        )


# --- the register ----------------------------------------------------------------------------------


def test_meeting_papers_to_a_council_member_without_consent(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, council: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    case = make_case(consent=None)
    c = council(
        [(partners[T.COMMUNITY_CARE_CENTER], today - timedelta(days=30), today - timedelta(days=30), None)]
    )
    d = services.disclosure_record(
        actor=worker,
        person=case.person,
        recipient=partners[T.COMMUNITY_CARE_CENTER],
        categories=["basic", "history"],
        purpose="支援会議の資料",
        channel=DisclosureChannel.MEETING_PAPERS,
        case=case,
        council=c,
    )
    assert d.basis_kind == DisclosureBasisKind.COUNCIL and d.council == c
    with pytest.raises(PermissionDenied, match="構成員"):
        services.disclosure_record(
            actor=worker,
            person=case.person,
            recipient=partners[T.LEGAL],
            categories=["basic"],
            purpose="支援会議の資料",
            channel=DisclosureChannel.MEETING_PAPERS,
            council=c,
        )


def test_withdrawal_stops_further_disclosures_and_keeps_past_ones(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    from tsunagu.privacy.models import Consent
    from tsunagu.privacy.services import consent_withdraw

    case = make_case(consent=consent_scope())
    welfare = partners[T.WELFARE_OFFICE]
    first = services.disclosure_record(
        actor=worker,
        person=case.person,
        recipient=welfare,
        categories=["basic"],
        purpose="生活保護の相談",
        channel=DisclosureChannel.EXPORT,
        on_date=timezone.localdate() - timedelta(days=5),
    )
    consent_withdraw(
        actor=worker, consent=Consent.objects.get(person=case.person), withdrawn_on=timezone.localdate()
    )
    with pytest.raises(PermissionDenied, match="撤回"):
        services.disclosure_record(
            actor=worker,
            person=case.person,
            recipient=welfare,
            categories=["basic"],
            purpose="生活保護の相談",
            channel=DisclosureChannel.EXPORT,
        )
    assert list(Disclosure.objects.filter(person=case.person)) == [first]


def test_disclosure_bad_input(make_case: Callable[..., Any], partners: dict[str, Any], worker: Any) -> None:
    case = make_case(consent=consent_scope())
    with pytest.raises(ValidationError) as exc:
        services.disclosure_record(
            actor=worker,
            person=case.person,
            recipient=partners[T.WELFARE_OFFICE],
            categories=["basic"],
            purpose="",
            channel="carrier_pigeon",
            on_date=timezone.localdate() + timedelta(days=1),
        )
    assert set(exc.value.message_dict) == {"purpose", "channel", "disclosed_on"}
    assert not Disclosure.objects.exists()


def test_register_is_append_only(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any
) -> None:
    case = make_case(consent=consent_scope())
    d = services.disclosure_record(
        actor=worker,
        person=case.person,
        recipient=partners[T.WELFARE_OFFICE],
        categories=["basic"],
        purpose="連絡",
        channel=DisclosureChannel.EXPORT,
    )
    d.purpose = "書き換え"
    with pytest.raises(PermissionError):
        d.save()
    with pytest.raises(PermissionError):
        d.delete()
    with pytest.raises(PermissionError):
        Disclosure.objects.filter(pk=d.pk).update(purpose="書き換え")
    with pytest.raises(PermissionError):
        Disclosure.objects.filter(pk=d.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE referrals_disclosure SET purpose = %s WHERE id = %s", ["書き換え", d.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM referrals_disclosure WHERE id = %s", [d.pk])
    assert Disclosure.objects.get(pk=d.pk).purpose == "連絡"


def test_disclosure_requires_case_writer_of_the_agency(
    make_case: Callable[..., Any], partners: dict[str, Any], staff: Callable[[str], Any]
) -> None:
    case = make_case(consent=consent_scope())
    for user in (staff("shinjuku-privacy"), staff("hasuda-soudan"), staff("shinjuku-kansa")):
        with pytest.raises(PermissionDenied):
            services.disclosure_record(
                actor=user,
                person=case.person,
                recipient=partners[T.WELFARE_OFFICE],
                categories=["basic"],
                purpose="連絡",
                channel=DisclosureChannel.EXPORT,
            )
    assert not Disclosure.objects.exists()


# --- the partner registry --------------------------------------------------------------------------


def test_partner_registry_is_per_served_municipality(demo: Any, staff: Callable[[str], Any]) -> None:
    from tsunagu.organizations.models import Municipality

    shinjuku, hasuda = Municipality.objects.get(slug="shinjuku"), Municipality.objects.get(slug="hasuda")
    worker = staff("shinjuku-soudan")
    p = services.partner_agency_create(
        actor=worker,
        municipality=shinjuku,
        values={
            "name": "新宿区障害者福祉センター",
            "agency_type": "disability_consultation",
            "area": "新宿区",
        },
        contacts=[{"name": "相談 一郎", "phone": "03-1234-5678"}],
    )
    assert p.contacts.count() == 1
    with pytest.raises(PermissionDenied):
        services.partner_agency_create(
            actor=worker, municipality=hasuda, values={"name": "X", "agency_type": "npo"}
        )
    with pytest.raises(ValidationError) as exc:
        services.partner_agency_create(
            actor=worker,
            municipality=shinjuku,
            values={"name": "新宿区障害者福祉センター", "agency_type": "xx"},
        )
    assert set(exc.value.message_dict) == {"name", "agency_type"}
    p = services.partner_agency_update(
        actor=worker,
        partner=p,
        values={"notes": "月・水・金", "is_active": False},
        expected_version=p.version,
    )
    assert p.notes == "月・水・金" and not p.is_active
    officer = staff("shinjuku-jichitai")
    p = services.partner_agency_update(
        actor=officer, partner=p, values={"area": "新宿区全域"}, expected_version=p.version
    )
    v = p.version
    with pytest.raises(PermissionDenied):
        services.partner_agency_update(
            actor=staff("hasuda-jichitai"), partner=p, values={"area": "x"}, expected_version=v
        )
    with pytest.raises(PermissionDenied):
        services.partner_agency_update(
            actor=staff("shinjuku-kansa"), partner=p, values={"area": "x"}, expected_version=v
        )
