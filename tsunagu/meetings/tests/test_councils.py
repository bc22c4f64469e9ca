"""支援会議 (法第9条): roster with pledges, members-only records, people without consent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tsunagu.meetings import selectors, services
from tsunagu.meetings.models import AgendaItem, Meeting, SupportCouncil, SupportCouncilMember
from tsunagu.network.models import PartnerAgency
from tsunagu.privacy.selectors import consent_in_force

from .helpers import applied_case

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _council(staff: Any, *members: str) -> SupportCouncil:
    shunin = staff("shinjuku-shunin")
    council = services.council_create(
        actor=shunin, values={"name": "新宿区支援会議", "established_on": TODAY() - timedelta(days=30)}
    )
    for username in members:
        services.council_member_add(
            actor=shunin, council=council, staff=staff(username), pledge_signed_on=TODAY() - timedelta(days=1)
        )
    return council


def _council_meeting(staff: Any, council: SupportCouncil, actor: str = "shinjuku-shunin") -> Meeting:
    return services.meeting_create(
        actor=staff(actor), kind="council", council=council, values={"held_on": TODAY(), "place": "会議室"}
    )


def test_pledge_is_required_for_every_member(staff: Any) -> None:
    council = _council(staff)
    with pytest.raises(ValidationError) as exc:
        services.council_member_add(
            actor=staff("shinjuku-shunin"),
            council=council,
            staff=staff("shinjuku-soudan"),
            pledge_signed_on=None,
        )
    assert "守秘義務の誓約日を入力してください" in exc.value.message_dict["pledge_signed_on"][0]
    with pytest.raises(ValidationError) as exc:
        services.council_member_add(
            actor=staff("shinjuku-shunin"),
            council=council,
            staff=staff("shinjuku-soudan"),
            pledge_signed_on=TODAY(),
            joined_on=TODAY() - timedelta(days=3),
        )
    assert "構成員となった日以前" in exc.value.message_dict["joined_on"][0]
    partner = PartnerAgency.objects.get(name="新宿区社会福祉協議会")
    with pytest.raises(ValidationError) as exc:
        services.council_member_add(
            actor=staff("shinjuku-shunin"), council=council, partner=partner, pledge_signed_on=TODAY()
        )
    assert "代表者・担当者名" in exc.value.message_dict["representative"][0]
    assert not SupportCouncilMember.objects.exists()


def test_members_from_other_agencies_or_municipalities_are_refused(staff: Any) -> None:
    council = _council(staff)
    for username in ("hasuda-soudan", "hasuda-jichitai"):
        with pytest.raises(ValidationError):
            services.council_member_add(
                actor=staff("shinjuku-shunin"),
                council=council,
                staff=staff(username),
                pledge_signed_on=TODAY(),
            )
    with pytest.raises(PermissionDenied):
        services.council_member_add(
            actor=staff("shinjuku-soudan"),
            council=council,
            staff=staff("shinjuku-soudan"),
            pledge_signed_on=TODAY(),
        )


def test_council_meeting_visible_only_to_members(staff: Any, login: Any) -> None:
    council = _council(staff, "shinjuku-shunin", "shinjuku-jichitai")
    m = _council_meeting(staff, council)
    url = f"/meetings/{m.pk}/"
    # members: the 主任 and the municipal officer
    assert login("shinjuku-shunin").get(url).status_code == 200
    assert login("shinjuku-jichitai").get(url).status_code == 200
    # non-members of the same agency, the centre director included: it does not exist for them
    for username in ("shinjuku-center", "shinjuku-soudan", "shinjuku-privacy", "hasuda-shunin"):
        assert login(username).get(url).status_code == 404, username
        assert not selectors.meetings_visible_to(staff(username)).filter(pk=m.pk).exists()
    # and it is not listed
    assert url not in login("shinjuku-center").get("/meetings/").content.decode()
    assert url in login("shinjuku-shunin").get("/meetings/").content.decode()


def test_former_members_lose_access(staff: Any, login: Any) -> None:
    council = _council(staff, "shinjuku-shunin", "shinjuku-soudan")
    m = _council_meeting(staff, council)
    assert login("shinjuku-soudan").get(f"/meetings/{m.pk}/").status_code == 200
    member = SupportCouncilMember.objects.get(council=council, staff=staff("shinjuku-soudan"))
    services.council_member_leave(actor=staff("shinjuku-shunin"), member=member, left_on=TODAY())
    assert login("shinjuku-soudan").get(f"/meetings/{m.pk}/").status_code == 404


def test_only_members_hold_council_meetings_and_attend_them(staff: Any) -> None:
    council = _council(staff, "shinjuku-shunin")
    with pytest.raises(PermissionDenied) as exc:
        _council_meeting(staff, council, actor="shinjuku-center")  # may manage meetings, not a member
    assert "構成員のみ" in str(exc.value)
    with pytest.raises(ValidationError) as exc2:
        services.meeting_create(
            actor=staff("shinjuku-shunin"),
            kind="council",
            council=council,
            values={"held_on": TODAY()},
            attendees=[{"staff": staff("shinjuku-soudan")}, {"name": "近所の方"}],
        )
    message = exc2.value.message_dict["attendees"][0]
    assert "構成員（守秘義務の誓約済み）のみ" in message and "氏名だけの出席者は登録できません" in message
    assert not Meeting.objects.exists()


def test_council_may_discuss_a_person_without_consent(staff: Any) -> None:
    council = _council(staff, "shinjuku-shunin")
    case = applied_case(staff("shinjuku-soudan"), consent=False)
    assert consent_in_force(case.person) is None
    m = _council_meeting(staff, council)
    item = services.agenda_item_add(
        actor=staff("shinjuku-shunin"), meeting=m, case=case, purpose="consultation"
    )
    item = services.agenda_outcome_record(
        actor=staff("shinjuku-shunin"), item=item, outcome="", minutes="民生委員が見守る"
    )
    assert item.minutes == "民生委員が見守る"
    with pytest.raises(ValidationError):
        services.agenda_item_add(actor=staff("shinjuku-shunin"), meeting=m, case=case, purpose="plan")
    # the case page's list of meetings hides council items from non-members
    assert selectors.agenda_items_for_case(user=staff("shinjuku-shunin"), case=case).count() == 1
    assert selectors.agenda_items_for_case(user=staff("shinjuku-soudan"), case=case).count() == 0
    assert AgendaItem.objects.filter(case=case).count() == 1


def test_council_roster_screens(staff: Any, login: Any) -> None:
    client = login("shinjuku-shunin")
    response = client.post(
        "/meetings/councils/",
        {
            "name": "新宿区支援会議",
            "municipality": staff("shinjuku-shunin").agency.municipality_id,
            "established_on": "令和8年4月1日",
        },
    )
    council = SupportCouncil.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/councils/{council.pk}/"
    # a member without a pledge date: refused beside the field, what was typed is kept
    response = client.post(
        f"/meetings/councils/{council.pk}/",
        {"staff": staff("shinjuku-soudan").pk, "representative": "", "pledge_signed_on": ""},
    )
    assert response.status_code == 422
    assert (
        "守秘義務の誓約日を入力してください。誓約のない方は構成員にできません。" in response.content.decode()
    )
    assert not SupportCouncilMember.objects.exists()
    response = client.post(
        f"/meetings/councils/{council.pk}/",
        {"staff": staff("shinjuku-soudan").pk, "pledge_signed_on": "令和8年4月1日"},
    )
    assert response.status_code == 302
    member = SupportCouncilMember.objects.get()
    page = client.get(f"/meetings/councils/{council.pk}/").content.decode()
    assert "佐藤 由紀" in page and "誓約" in page
    # the roster is kept by the 主任/センター長; other staff see only councils they belong to
    assert login("shinjuku-soudan").get(f"/meetings/councils/{council.pk}/").status_code == 200
    assert login("shinjuku-kakei").get(f"/meetings/councils/{council.pk}/").status_code == 404
    assert login("hasuda-shunin").get(f"/meetings/councils/{council.pk}/").status_code == 404
    response = client.post(
        f"/meetings/councils/{council.pk}/members/{member.pk}/leave/", {"left_on": "令和8年4月2日"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.left_on is not None
