"""Screens and API of 委託先の変更: the 自治体担当者 plans, previews and executes; the old staff lose
the moved case (404), the new staff see it with its records, plans, consents and programme data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.handovers.models import Handover, HandoverStatus

from .helpers import new_agency, new_staff, old_agency, plan

pytestmark = pytest.mark.django_db


def test_list_new_detail_execute(
    demo: Any, login: Any, staff: Any, django_assert_max_num_queries: Any
) -> None:
    to = new_agency()
    client = login("shinjuku-jichitai")
    page = client.get("/handovers/new/")
    assert page.status_code == 200 and to.name in page.content.decode()
    answer = client.post(
        "/handovers/new/",
        {
            "from_agency": old_agency().pk,
            "to_agency": to.pk,
            "handover_date": "令和8年4月1日",
            "reason": "委託契約の期間満了",
        },
    )
    h = Handover.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/handovers/{h.pk}/"
    with django_assert_max_num_queries(55):
        detail = client.get(f"/handovers/{h.pk}/")
    text = detail.content.decode()
    assert "ケース" in text and "令和8年4月1日" in text and "引継ぎを実施する" in text
    with django_assert_max_num_queries(15):
        listing = client.get("/handovers/")
    assert to.name in listing.content.decode()
    # not confirmed → nothing moves
    client.post(f"/handovers/{h.pk}/execute/", {"version": h.version})
    assert Handover.objects.get().status == HandoverStatus.PLANNED
    client.post(f"/handovers/{h.pk}/execute/", {"version": h.version, "confirm": "yes"})
    h.refresh_from_db()
    assert h.status == HandoverStatus.EXECUTED
    assert "実施時" in client.get(f"/handovers/{h.pk}/").content.decode()


def test_validation_error_keeps_what_was_typed(demo: Any, login: Any) -> None:
    client = login("shinjuku-jichitai")
    answer = client.post(
        "/handovers/new/",
        {
            "from_agency": old_agency().pk,
            "to_agency": old_agency().pk,
            "handover_date": "令和8年4月1日",
            "reason": "理由あり",
        },
    )
    text = answer.content.decode()
    assert answer.status_code == 200 and "同じ機関" in text and "理由あり" in text


def test_old_staff_lose_the_case_new_staff_see_it(demo: Any, login: Any, staff: Any) -> None:
    from tsunagu.cases.models import SupportPlan
    from tsunagu.organizations.models import Municipality
    from tsunagu.privacy.models import Consent
    from tsunagu.programs.models import ProgramEnrolment

    old = old_agency()
    old.served_municipalities.add(Municipality.objects.get(slug="shiraoka"))  # it keeps another area
    to = new_agency()
    successor = new_staff(to)
    plan_row = SupportPlan.objects.filter(agency=old).order_by("pk").first()
    case = plan_row.case if plan_row else Case.objects.filter(agency=old).order_by("pk").first()
    assert case is not None
    old_client = login("shinjuku-center")
    assert old_client.get(f"/cases/{case.pk}/").status_code == 200
    h = plan(staff, to=to, on=timezone.localdate())
    login("shinjuku-jichitai").post(f"/handovers/{h.pk}/execute/", {"version": h.version, "confirm": "yes"})
    assert old_client.get(f"/cases/{case.pk}/").status_code == 404  # still active, not theirs any more
    new_client = login(successor.username)
    page = new_client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200 and case.case_number in page.content.decode()
    if plan_row is not None:
        assert new_client.get(f"/cases/{case.pk}/plans/{plan_row.pk}/").status_code == 200
        assert old_client.get(f"/cases/{case.pk}/plans/{plan_row.pk}/").status_code == 404
    consent = Consent.objects.filter(person=case.person).first()
    if consent is not None:
        assert consent.agency_id == to.pk
    enrolment = ProgramEnrolment.objects.filter(agency=to).first()
    if enrolment is not None:
        assert new_client.get(f"/programs/enrolments/{enrolment.pk}/").status_code == 200
        assert old_client.get(f"/programs/enrolments/{enrolment.pk}/").status_code == 404


def test_other_roles_and_municipalities(demo: Any, login: Any, staff: Any) -> None:
    h = plan(staff)
    assert login("shinjuku-center").get("/handovers/").status_code == 403
    assert login("hasuda-jichitai").get(f"/handovers/{h.pk}/").status_code == 404
    assert (
        login("hasuda-jichitai")
        .post(f"/handovers/{h.pk}/execute/", {"version": 1, "confirm": "yes"})
        .status_code
        == 404
    )


def test_api(demo: Any, login: Any, staff: Any) -> None:
    to = new_agency()
    client = login("shinjuku-jichitai")
    body = {
        "from_agency_id": old_agency().pk,
        "to_agency_id": to.pk,
        "handover_date": timezone.localdate().isoformat(),
        "reason": "委託契約の期間満了",
    }
    created = client.post("/api/v1/handovers", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["preview_counts"]["ケース"] > 0 and out["status_ja"] == "予定"
    assert client.get("/api/v1/handovers").json()["count"] == 1
    assert client.get(f"/api/v1/handovers/{out['id']}").status_code == 200
    again = client.post("/api/v1/handovers", json.dumps(body), content_type="application/json")
    assert again.status_code == 422
    done = client.post(
        f"/api/v1/handovers/{out['id']}/execute",
        json.dumps({"version": out["version"]}),
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "executed"
    assert done.json()["executed_counts"]["ケース"] == out["preview_counts"]["ケース"]
    # refusals
    outsider = new_agency(serving=False)
    bad = client.post(
        "/api/v1/handovers",
        json.dumps({**body, "to_agency_id": outsider.pk}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "担当していません" in json.dumps(bad.json(), ensure_ascii=False)
    assert login("hasuda-jichitai").get(f"/api/v1/handovers/{out['id']}").status_code == 404
    assert login("hasuda-center").get("/api/v1/handovers").status_code == 403
