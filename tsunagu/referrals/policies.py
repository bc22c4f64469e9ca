"""The rules of つなぎ and of 第三者提供 — the one place that decides them (UI and API alike).

``disclosure_basis_check`` is THE decision whether personal data may leave the centre: every
disclosure goes through ``services.disclosure_record``, which calls it and refuses when it says no.
The other functions are the referral rules (destination, programme, age, plan, status path).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q

from tsunagu.cases.models import Case, CaseState, PlanStatus, SupportPlan
from tsunagu.core.dates import age_on, wareki
from tsunagu.meetings.models import SupportCouncil, SupportCouncilMember
from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.organizations.roles import Permission
from tsunagu.persons.models import Person
from tsunagu.privacy.models import Consent, DataCategory, Purpose
from tsunagu.privacy.policies import category_labels, consent_covering, partner_label

from .models import (
    OPEN_REFERRAL_STATUSES,
    DisclosureBasisKind,
    ExceptionStatus,
    Referral,
    ReferralOutcome,
    ReferralProgram,
    StatutoryExceptionRequest,
)

# --- 第三者提供: the basis ---------------------------------------------------------------------

NO_BASIS_SUFFIX = (
    "本人の同意の範囲を確認する（必要なら新たに同意を得る）か、個人情報保護法第27条第1項の例外"
    "（個人情報管理責任者の承認）または支援会議によらない限り、提供できません。"
)

Recipient = PartnerAgency | SupportCouncil


@dataclass(frozen=True)
class BasisResult:
    """The answer of ``disclosure_basis_check``: allowed or not, on which basis, and why (Japanese)."""

    allowed: bool
    kind: str  # DisclosureBasisKind value, or "" when refused
    reason_ja: str
    consent: Consent | None = None
    exception: StatutoryExceptionRequest | None = None
    council: SupportCouncil | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _refused(reason: str, **details: Any) -> BasisResult:
    return BasisResult(allowed=False, kind="", reason_ja=reason, details=details)


def recipient_label(recipient: Recipient) -> str:
    if isinstance(recipient, SupportCouncil):
        return f"支援会議「{recipient.name}」"
    return partner_label(recipient)


def _consent_basis(*, person: Person, recipient: Recipient, cats: set[str], on: date) -> BasisResult:
    if isinstance(recipient, SupportCouncil):
        return _refused(
            "支援会議への会議資料は、支援会議（法第9条）を根拠として記録してください。" + NO_BASIS_SUFFIX
        )
    consent, why = consent_covering(
        person, on=on, purposes=[Purpose.SUPPORT], recipients=[recipient], categories=cats
    )
    if consent is not None:
        return BasisResult(
            allowed=True,
            kind=DisclosureBasisKind.CONSENT,
            reason_ja=f"本人の同意（{wareki(consent.given_on)}、提供先・個人情報の種類が同意の範囲内）",
            consent=consent,
        )
    if not Consent.objects.filter(person=person, given_on__lte=on).exists():
        return _refused("本人の同意（個人情報の第三者提供）が記録されていません。" + NO_BASIS_SUFFIX)
    return _refused(why + NO_BASIS_SUFFIX)


def _exception_basis(
    *,
    person: Person,
    recipient: Recipient,
    cats: set[str],
    on: date,
    exception: StatutoryExceptionRequest,
) -> BasisResult:
    from django.utils import timezone

    if isinstance(recipient, SupportCouncil):
        return _refused("第27条第1項の例外は関係機関ごとに承認します。提供先の関係機関を選んでください。")
    if exception.person_id != person.pk or exception.recipient_id != recipient.pk:
        return _refused("この承認は、別の相談者または別の提供先についてのものです。")
    if exception.status == ExceptionStatus.PENDING:
        return _refused("第27条第1項による提供は、個人情報管理責任者の承認を得てから行えます（承認待ち）。")
    if exception.status == ExceptionStatus.REJECTED:
        return _refused("この第27条第1項による提供の申請は、個人情報管理責任者が承認していません（不承認）。")
    missing = cats - set(exception.data_categories or [])
    if missing:
        return _refused(f"承認された範囲に含まれない個人情報の種類があります：{category_labels(missing)}。")
    approved_on = timezone.localtime(exception.approved_at).date() if exception.approved_at else None
    if approved_on is None or on < approved_on:
        return _refused("承認の日より前の提供には、この承認を使えません。")
    if exception.valid_until is not None and on > exception.valid_until:
        return _refused(
            f"承認の期限（{wareki(exception.valid_until)}）が過ぎています。改めて申請してください。"
        )
    if not exception.covers(person_id=person.pk, recipient_id=recipient.pk, categories=cats, on=on):
        return _refused("承認の内容と一致しません。")
    return BasisResult(
        allowed=True,
        kind=DisclosureBasisKind.STATUTORY,
        reason_ja=(
            f"個人情報保護法第27条第1項{exception.get_clause_display().split(' ')[0]}"
            f"（{wareki(approved_on)} 個人情報管理責任者 {exception.approved_by} 承認）"
        ),
        exception=exception,
    )


def council_member_row(
    council: SupportCouncil, partner: PartnerAgency, on: date
) -> SupportCouncilMember | None:
    """The partner's membership of ``council`` in force on ``on`` (joined, not left), if any."""
    return (
        SupportCouncilMember.objects.filter(council=council, partner=partner, joined_on__lte=on)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
        .order_by("-joined_on")
        .first()
    )


def _pledged(member: SupportCouncilMember, on: date) -> bool:
    return member.pledge_signed_on is not None and member.pledge_signed_on <= on


def _council_basis(*, person: Person, recipient: Recipient, on: date, council: SupportCouncil) -> BasisResult:
    if council.agency_id != person.agency_id:
        return _refused("この支援会議は、相談者を担当する機関の支援会議ではありません。")
    if isinstance(recipient, SupportCouncil):
        if recipient.pk != council.pk:
            return _refused("会議資料の提供先と根拠の支援会議が一致しません。")
        members = list(
            SupportCouncilMember.objects.filter(council=council, joined_on__lte=on)
            .filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
            .select_related("partner", "staff")
        )
        if not members:
            return _refused(f"支援会議「{council.name}」に{wareki(on)}時点の構成員がいません。")
        unpledged = [str(m) for m in members if not _pledged(m, on)]
        if unpledged:
            return _refused(
                "守秘義務（法第9条）の誓約が記録されていない構成員がいるため提供できません："
                + "、".join(unpledged)
                + "。"
            )
        return BasisResult(
            allowed=True,
            kind=DisclosureBasisKind.COUNCIL,
            reason_ja=f"支援会議「{council.name}」の構成員（守秘義務の誓約あり）への会議資料（法第9条）",
            council=council,
        )
    member = council_member_row(council, recipient, on)
    if member is None:
        return _refused(
            f"{recipient_label(recipient)}は、{wareki(on)}時点で支援会議「{council.name}」の構成員ではありません。"
            + NO_BASIS_SUFFIX
        )
    if not _pledged(member, on):
        return _refused(
            f"{recipient_label(recipient)}の守秘義務（法第9条）の誓約が記録されていないため、"
            "支援会議を根拠に提供できません。"
        )
    return BasisResult(
        allowed=True,
        kind=DisclosureBasisKind.COUNCIL,
        reason_ja=(
            f"支援会議「{council.name}」の構成員（{wareki(member.pledge_signed_on)} 守秘義務を誓約）"
            "への提供（法第9条）"
        ),
        council=council,
    )


def disclosure_basis_check(
    *,
    person: Person,
    recipient: Recipient | None,
    categories: Any,
    on_date: date,
    council: SupportCouncil | None = None,
    exception: StatutoryExceptionRequest | None = None,
) -> BasisResult:
    """May ``categories`` of ``person``'s data go to ``recipient`` on ``on_date``, and on which basis?

    The basis is, in this order of explicit choice:
    - ``council`` given → (c) 支援会議: the recipient partner is a current member (joined on or before
      the date, not left) who signed the confidentiality pledge; or the recipient is that council;
    - ``exception`` given → (b) 第27条第1項第1–4号 approved by the 個人情報管理責任者 for this person,
      this recipient and these categories;
    - otherwise (a) consent: one consent in force on the date, with purpose 本人の支援, whose recipient
      types include the recipient's type or whose named recipients include it, and whose categories
      include every category shared.
    Withdrawn (on or before the date) and expired consents give no basis; nothing is combined across
    consents. Refusals explain themselves in Japanese (``reason_ja``).
    """
    cats = {str(c) for c in (categories or [])}
    if not cats:
        return _refused("提供する個人情報の種類を1つ以上選んでください。")
    unknown = cats - set(DataCategory.values)
    if unknown:
        return _refused("個人情報の種類の値が正しくありません：" + "、".join(sorted(unknown)))
    if recipient is None:
        return _refused("提供先を選んでください。")
    if isinstance(recipient, PartnerAgency):
        if not person.agency.serves(recipient.municipality_id):
            return _refused(
                f"{recipient_label(recipient)}は、この機関の担当地域の関係機関ではありません。"
                "他の自治体の関係機関へは提供できません。"
            )
        if not recipient.is_active:
            return _refused(f"{recipient_label(recipient)}は登録が無効になっています。")
    elif recipient.agency_id != person.agency_id:
        return _refused("この支援会議は、相談者を担当する機関の支援会議ではありません。")
    if council is not None and exception is not None:
        return _refused("根拠は一つだけ選んでください（支援会議、または第27条第1項の承認）。")
    if council is not None:
        return _council_basis(person=person, recipient=recipient, on=on_date, council=council)
    if exception is not None:
        return _exception_basis(
            person=person, recipient=recipient, cats=cats, on=on_date, exception=exception
        )
    return _consent_basis(person=person, recipient=recipient, cats=cats, on=on_date)


# --- つなぎ: destinations, programmes, age, plan ----------------------------------------------

# Programmes that go to a particular kind of partner agency.
PROGRAM_PARTNER_TYPE: dict[str, str] = {
    ReferralProgram.PUBLIC_ASSISTANCE: PartnerAgencyType.WELFARE_OFFICE,
    ReferralProgram.HW_PUBLIC_ASSISTANCE_EMPLOYMENT: PartnerAgencyType.HELLO_WORK,
    ReferralProgram.HW_GENERAL: PartnerAgencyType.HELLO_WORK,
    ReferralProgram.YOUTH_SUPPORT: PartnerAgencyType.YOUTH_SUPPORT_STATION,
}

YOUTH_AGE_MIN, YOUTH_AGE_MAX = 15, 39

# What the attached plan (PDF) contains: the person's name and case number, their wishes and the
# issues — so a referral attaching it must say it shares at least these.
PLAN_PDF_CATEGORIES = (DataCategory.BASIC, DataCategory.HISTORY)

PLAN_STATUSES_FOR_HW = (PlanStatus.APPROVED, PlanStatus.DECIDED)


def referral_destination_errors(*, case: Case, partner: PartnerAgency | None, program: str) -> dict[str, str]:
    """Where a referral may go: a partner of the case's own municipality; a programme's kind of partner."""
    errors: dict[str, str] = {}
    if partner is None and not program:
        errors["partner"] = "つなぎ先の関係機関または事業を選んでください。"
        return errors
    if program and program not in ReferralProgram.values:
        errors["program"] = "事業の値が正しくありません。"
        return errors
    if partner is not None:
        if partner.municipality_id != case.municipality_id:
            errors["partner"] = (
                f"「{partner.name}」は{partner.municipality.name}の関係機関です。"
                f"このケースの実施主体（{case.municipality.name}）の関係機関を選んでください。"
            )
        elif not partner.is_active:
            errors["partner"] = f"「{partner.name}」は登録が無効になっています。"
    needed = PROGRAM_PARTNER_TYPE.get(program)
    if needed is not None:
        label = PartnerAgencyType(needed).label
        if partner is None:
            errors["partner"] = (
                f"「{ReferralProgram(program).label}」へのつなぎでは、つなぎ先の{label}を選んでください。"
            )
        elif partner.agency_type != needed and "partner" not in errors:
            errors["partner"] = (
                f"「{ReferralProgram(program).label}」のつなぎ先は{label}です"
                f"（「{partner.name}」は{PartnerAgencyType(partner.agency_type).label}）。"
            )
    return errors


def is_youth_support(partner: PartnerAgency | None, program: str) -> bool:
    return program == ReferralProgram.YOUTH_SUPPORT or (
        partner is not None and partner.agency_type == PartnerAgencyType.YOUTH_SUPPORT_STATION
    )


def referral_age_warning(
    *, person: Person, partner: PartnerAgency | None, program: str, on: date
) -> str | None:
    """地域若者サポートステーション serves ages 15–39: outside that (or unknown), a warning to confirm."""
    if not is_youth_support(partner, program):
        return None
    if person.birth_date is None:
        return (
            "生年月日が登録されていないため、地域若者サポートステーションの対象年齢"
            f"（{YOUTH_AGE_MIN}〜{YOUTH_AGE_MAX}歳）か確認できません。確認のうえ、つなぐ場合はチェックしてください。"
        )
    age = age_on(person.birth_date, on)
    if YOUTH_AGE_MIN <= age <= YOUTH_AGE_MAX:
        return None
    return (
        f"つなぐ日の年齢は{age}歳です。地域若者サポートステーションの対象は{YOUTH_AGE_MIN}〜{YOUTH_AGE_MAX}歳です。"
        "対象外の方をつなぐ場合は、理由を記入し、確認のチェックをしてください。"
    )


def plan_current(case: Case) -> SupportPlan | None:
    """The case's plan in force (the cases app's definition when it has one)."""
    from tsunagu.cases import workflow

    fn = getattr(workflow, "plan_current", None)
    if fn is not None:
        return fn(case)  # type: ignore[no-any-return]
    return (
        SupportPlan.objects.filter(case=case)
        .exclude(status__in=[PlanStatus.SUPERSEDED, PlanStatus.ENDED, PlanStatus.RETURNED])
        .order_by("-number")
        .first()
    )


def hw_plan_requirement(case: Case) -> tuple[SupportPlan | None, str | None]:
    """生活保護受給者等就労自立促進事業: the request carries the plan approved at the 支援調整会議."""
    plan = plan_current(case)
    if plan is None:
        return None, (
            "生活保護受給者等就労自立促進事業の支援要請には、支援調整会議で了承されたプランを添付します。"
            "このケースにはプランがありません。"
        )
    if plan.status not in PLAN_STATUSES_FOR_HW:
        return plan, (
            "生活保護受給者等就労自立促進事業の支援要請には、支援調整会議で了承されたプランを添付します"
            f"（現在のプラン第{plan.number}版の状態：{PlanStatus(plan.status).label}）。"
            "会議で承認された後につないでください。一般相談窓口へ誘導する場合は「ハローワーク一般相談窓口」を選んでください。"
        )
    return plan, None


def open_referral_exists(*, case: Case, partner: PartnerAgency | None, program: str) -> bool:
    qs = Referral.objects.filter(case=case, status__in=OPEN_REFERRAL_STATUSES)
    if partner is not None:
        return qs.filter(partner=partner).exists()
    return qs.filter(partner__isnull=True, program=program).exists()


# --- つなぎ: the status path ------------------------------------------------------------------


def outcome_code_errors(referral: Referral, outcome_code: str) -> dict[str, str]:
    protection = (ReferralOutcome.PROTECTION_STARTED, ReferralOutcome.PROTECTION_NOT_STARTED)
    if outcome_code in protection and referral.program != ReferralProgram.PUBLIC_ASSISTANCE:
        return {"outcome_code": "「保護開始」「保護に至らず」は生活保護（福祉事務所）へのつなぎの結果です。"}
    return {}


def public_assistance_closure_offered(referral: Referral) -> bool:
    """「生活保護適用で終結」 is offered when a 生活保護 referral's outcome is 保護開始 and the case is open."""
    return (
        referral.program == ReferralProgram.PUBLIC_ASSISTANCE
        and referral.outcome_code == ReferralOutcome.PROTECTION_STARTED
        and referral.case.state not in (CaseState.CLOSED, CaseState.ENDED_AT_SCREENING)
    )


# --- who may do what ----------------------------------------------------------------------------


def may_edit_partners(user: Any) -> bool:
    """The registry is kept by centre staff who record cases, and by the 自治体担当者."""
    return bool(user.can(Permission.CASE_EDIT) or user.can(Permission.RULES_EDIT))


def may_see_all_of_agency(user: Any) -> bool:
    """Privacy officer, centre director (and 主任, auditor) see the agency's register; others their cases'."""
    return bool(user.can(Permission.CASE_VIEW_ALL) or user.can(Permission.DISCLOSURE_APPROVE))
