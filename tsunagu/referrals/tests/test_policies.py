"""disclosure_basis_check: the consent matrix, 第27条第1項, 支援会議, and the bad inputs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tsunagu.network.models import PartnerAgency, PartnerAgencyType
from tsunagu.referrals.models import DisclosureBasisKind
from tsunagu.referrals.policies import disclosure_basis_check, referral_age_warning

from .conftest import consent_scope

pytestmark = pytest.mark.django_db

T = PartnerAgencyType
IN_SCOPE_CATEGORIES = {"basic", "work_school", "finances"}

# 5 consent states × 4 recipients × 3 category sets: each allowed only when the consent is in force,
# covers the recipient (by type, or by name for the サポステ) and every category.
CONSENT_STATES = ("none", "in_force", "out_of_scope", "expired", "withdrawn")
RECIPIENT_TYPES = (T.WELFARE_OFFICE, T.HELLO_WORK, T.YOUTH_SUPPORT_STATION, T.LEGAL)
CATEGORY_SETS = (("basic",), ("basic", "finances", "work_school"), ("basic", "health"))


def _make_person_in_state(state: str, make_case: Callable[..., Any], partners: dict[str, Any]) -> Any:
    today = timezone.localdate()
    named = [partners[T.YOUTH_SUPPORT_STATION]]  # the サポステ is covered by name, not by type
    if state == "none":
        return make_case(consent=None).person
    if state == "in_force":
        return make_case(consent=consent_scope(), named=named).person
    if state == "out_of_scope":
        scope = consent_scope(recipient_types=[T.SOCIAL_WELFARE_COUNCIL], data_categories=["history"])
        return make_case(consent=scope).person
    if state == "expired":
        return make_case(consent=consent_scope(expires_on=today - timedelta(days=20)), named=named).person
    if state == "withdrawn":
        return make_case(consent=consent_scope(), named=named, withdrawn_on=today - timedelta(days=30)).person
    raise AssertionError(state)


@pytest.mark.parametrize("categories", CATEGORY_SETS, ids=lambda c: "+".join(c))
@pytest.mark.parametrize("recipient_type", RECIPIENT_TYPES)
@pytest.mark.parametrize("state", CONSENT_STATES)
def test_consent_matrix(
    state: str,
    recipient_type: str,
    categories: tuple[str, ...],
    make_case: Callable[..., Any],
    partners: dict[str, Any],
) -> None:
    person = _make_person_in_state(state, make_case, partners)
    on = timezone.localdate() - timedelta(days=10)
    result = disclosure_basis_check(
        person=person, recipient=partners[recipient_type], categories=categories, on_date=on
    )
    expected = state == "in_force" and recipient_type != T.LEGAL and set(categories) <= IN_SCOPE_CATEGORIES
    assert result.allowed is expected, result.reason_ja
    if expected:
        assert result.kind == DisclosureBasisKind.CONSENT and result.consent is not None
    else:
        assert result.kind == "" and result.reason_ja
        assert any("\u3040" <= ch <= "\u9fff" for ch in result.reason_ja)  # Japanese


def test_refusal_reasons_say_what_is_wrong(make_case: Callable[..., Any], partners: dict[str, Any]) -> None:
    today = timezone.localdate()
    on = today - timedelta(days=10)
    welfare = partners[T.WELFARE_OFFICE]

    def reason(person: Any, recipient: Any = welfare, cats: tuple[str, ...] = ("basic",)) -> str:
        return disclosure_basis_check(
            person=person, recipient=recipient, categories=cats, on_date=on
        ).reason_ja

    assert "同意" in reason(make_case(consent=None).person) and "記録されていません" in reason(
        make_case(consent=None).person
    )
    withdrawn = make_case(consent=consent_scope(), withdrawn_on=today - timedelta(days=30)).person
    assert "撤回" in reason(withdrawn)
    expired = make_case(consent=consent_scope(expires_on=today - timedelta(days=20))).person
    assert "有効期限" in reason(expired)
    in_force = make_case(consent=consent_scope()).person
    assert "健康" in reason(in_force, cats=("health",))
    assert partners[T.LEGAL].name in reason(in_force, recipient=partners[T.LEGAL])
    no_support = make_case(consent=consent_scope(purposes=["statistics"])).person
    assert "本人の支援" in reason(no_support)


def test_withdrawal_takes_effect_on_its_date(make_case: Callable[..., Any], partners: dict[str, Any]) -> None:
    today = timezone.localdate()
    withdrawn_on = today - timedelta(days=30)
    person = make_case(consent=consent_scope(), withdrawn_on=withdrawn_on).person
    welfare = partners[T.WELFARE_OFFICE]
    before = disclosure_basis_check(
        person=person, recipient=welfare, categories=["basic"], on_date=withdrawn_on - timedelta(days=1)
    )
    on_the_day = disclosure_basis_check(
        person=person, recipient=welfare, categories=["basic"], on_date=withdrawn_on
    )
    assert before.allowed and not on_the_day.allowed


def test_an_older_consent_in_force_still_counts(
    make_case: Callable[..., Any], partners: dict[str, Any]
) -> None:
    """Each consent is judged alone; a narrower later consent does not hide a wider one still in force."""
    from tsunagu.privacy.services import consent_give

    case = make_case(consent=consent_scope())
    consent_give(
        actor=case.assigned_worker,
        person=case.person,
        values=consent_scope(
            recipient_types=[T.LEGAL], data_categories=["basic"], given_on=timezone.localdate()
        ),
    )
    result = disclosure_basis_check(
        person=case.person,
        recipient=partners[T.HELLO_WORK],
        categories=["finances"],
        on_date=timezone.localdate(),
    )
    assert result.allowed


def test_categories_are_not_combined_across_consents(
    make_case: Callable[..., Any], partners: dict[str, Any]
) -> None:
    from tsunagu.privacy.services import consent_give

    case = make_case(consent=consent_scope(data_categories=["basic"]))
    consent_give(
        actor=case.assigned_worker,
        person=case.person,
        values=consent_scope(data_categories=["health"], given_on=timezone.localdate()),
    )
    result = disclosure_basis_check(
        person=case.person,
        recipient=partners[T.WELFARE_OFFICE],
        categories=["basic", "health"],
        on_date=timezone.localdate(),
    )
    assert not result.allowed


def test_another_municipalitys_agency_is_refused_even_with_consent(
    make_case: Callable[..., Any], partners: dict[str, Any]
) -> None:
    person = make_case(consent=consent_scope()).person
    result = disclosure_basis_check(
        person=person,
        recipient=partners["hasuda_welfare"],
        categories=["basic"],
        on_date=timezone.localdate(),
    )
    assert not result.allowed and "他の自治体" in result.reason_ja


@pytest.mark.parametrize("categories", [[], ["nonsense"]])
def test_bad_categories_are_refused(
    categories: list[str], make_case: Callable[..., Any], partners: dict[str, Any]
) -> None:
    person = make_case(consent=consent_scope()).person
    result = disclosure_basis_check(
        person=person,
        recipient=partners[T.WELFARE_OFFICE],
        categories=categories,
        on_date=timezone.localdate(),
    )
    assert not result.allowed and result.reason_ja


def test_inactive_recipient_is_refused(make_case: Callable[..., Any], partners: dict[str, Any]) -> None:
    person = make_case(consent=consent_scope()).person
    PartnerAgency.objects.filter(pk=partners[T.WELFARE_OFFICE].pk).update(is_active=False)
    welfare = PartnerAgency.objects.get(pk=partners[T.WELFARE_OFFICE].pk)
    result = disclosure_basis_check(
        person=person, recipient=welfare, categories=["basic"], on_date=timezone.localdate()
    )
    assert not result.allowed and "無効" in result.reason_ja


# --- 支援会議 --------------------------------------------------------------------------------------


def test_council_member_with_pledge_is_a_basis_without_consent(
    make_case: Callable[..., Any], partners: dict[str, Any], council: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    person = make_case(consent=None).person
    legal = partners[T.LEGAL]
    c = council([(legal, today - timedelta(days=60), today - timedelta(days=60), None)])
    result = disclosure_basis_check(
        person=person, recipient=legal, categories=["basic", "health"], on_date=today, council=c
    )
    assert result.allowed and result.kind == DisclosureBasisKind.COUNCIL and result.council == c


def test_council_non_member_and_former_member_are_refused(
    make_case: Callable[..., Any], partners: dict[str, Any], council: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    person = make_case(consent=None).person
    c = council(
        [
            (
                partners[T.LEGAL],
                today - timedelta(days=90),
                today - timedelta(days=90),
                today - timedelta(days=5),
            ),
            (partners[T.WELFARE_OFFICE], today - timedelta(days=90), today - timedelta(days=90), None),
        ]
    )
    not_member = disclosure_basis_check(
        person=person, recipient=partners[T.HELLO_WORK], categories=["basic"], on_date=today, council=c
    )
    former = disclosure_basis_check(
        person=person, recipient=partners[T.LEGAL], categories=["basic"], on_date=today, council=c
    )
    while_member = disclosure_basis_check(
        person=person,
        recipient=partners[T.LEGAL],
        categories=["basic"],
        on_date=today - timedelta(days=10),
        council=c,
    )
    assert not not_member.allowed and "構成員ではありません" in not_member.reason_ja
    assert not former.allowed
    assert while_member.allowed


def test_council_member_without_pledge_is_refused(
    make_case: Callable[..., Any], partners: dict[str, Any], council: Callable[..., Any]
) -> None:
    """No pledge on the date, no basis. (Where the meetings app makes the pledge a precondition of
    joining in the database, a member without one cannot even be recorded: that is checked too.)"""
    from tsunagu.meetings.models import SupportCouncilMember

    today = timezone.localdate()
    person = make_case(consent=None).person
    c = council([])
    legal = partners[T.LEGAL]
    try:
        with transaction.atomic():
            SupportCouncilMember.objects.create(
                council=c, partner=legal, pledge_signed_on=today, joined_on=today - timedelta(days=30)
            )
    except IntegrityError:
        # The roster refuses a member who joined before pledging; a pledge dated after the
        # disclosure date is then the only way to be "without a pledge" on that date.
        SupportCouncilMember.objects.create(council=c, partner=legal, pledge_signed_on=today, joined_on=today)
        result = disclosure_basis_check(
            person=person, recipient=legal, categories=["basic"], on_date=today - timedelta(days=1), council=c
        )
        assert not result.allowed
        return
    result = disclosure_basis_check(
        person=person, recipient=legal, categories=["basic"], on_date=today - timedelta(days=10), council=c
    )
    assert not result.allowed and "誓約" in result.reason_ja


def test_meeting_papers_to_the_council_itself(
    make_case: Callable[..., Any], partners: dict[str, Any], council: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    person = make_case(consent=None).person
    c = council([(partners[T.LEGAL], today - timedelta(days=30), today - timedelta(days=30), None)])
    ok = disclosure_basis_check(person=person, recipient=c, categories=["basic"], on_date=today, council=c)
    without_council = disclosure_basis_check(person=person, recipient=c, categories=["basic"], on_date=today)
    assert ok.allowed and ok.kind == DisclosureBasisKind.COUNCIL
    assert not without_council.allowed


def test_another_agencys_council_is_refused(
    make_case: Callable[..., Any], partners: dict[str, Any], staff: Callable[[str], Any]
) -> None:
    from tsunagu.meetings.models import SupportCouncil, SupportCouncilMember

    today = timezone.localdate()
    person = make_case(consent=None).person
    hasuda = staff("hasuda-soudan").agency
    other = SupportCouncil.objects.create(
        agency=hasuda, municipality=hasuda.municipality, name="蓮田市支援会議", established_on=today
    )
    SupportCouncilMember.objects.create(
        council=other, partner=partners[T.LEGAL], pledge_signed_on=today, joined_on=today
    )
    result = disclosure_basis_check(
        person=person, recipient=partners[T.LEGAL], categories=["basic"], on_date=today, council=other
    )
    assert not result.allowed


# --- 地域若者サポートステーション: ages 15–39 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "warned"), [(14, True), (15, False), (25, False), (39, False), (40, True), (None, True)]
)
def test_youth_station_age_range(
    age: int | None, warned: bool, make_case: Callable[..., Any], partners: dict[str, Any]
) -> None:
    today = timezone.localdate()
    birth = None if age is None else today.replace(year=today.year - age) - timedelta(days=1)
    if birth is not None and birth.month == 2 and birth.day == 29:
        birth = birth - timedelta(days=1)
    person = make_case(birth_date=birth).person
    warning = referral_age_warning(
        person=person, partner=partners[T.YOUTH_SUPPORT_STATION], program="", on=today
    )
    assert (warning is not None) is warned
    if warned and age is not None:
        assert f"{age}歳" in warning  # type: ignore[operator]
    assert referral_age_warning(person=person, partner=partners[T.HELLO_WORK], program="", on=today) is None
