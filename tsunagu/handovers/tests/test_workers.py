"""The moved cases' workers: the 引継ぎ先の担当者 named before execution receive the cases of the
old worker they were named for; the others' cases become 担当者未定, which the new agency finds in
the case list (担当者未定のケースだけ) and assigns on the case page."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.cases.models import OPEN_STATES, Case
from tsunagu.core.locking import StaleVersionError
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.handovers import services
from tsunagu.handovers.models import Handover, HandoverStatus
from tsunagu.organizations.models import User

from .helpers import new_agency, new_staff, officer, old_agency, plan

pytestmark = pytest.mark.django_db


def _split(staff: Any) -> tuple[User, User, list[int], list[int]]:
    """Worker B (主任) holds one open case of the old agency, worker A (相談支援員) all the others."""
    a, b = staff("shinjuku-soudan"), staff("shinjuku-shunin")
    cases = Case.all_cases.filter(agency=old_agency())
    b_ids = [cases.filter(state__in=OPEN_STATES).order_by("pk").values_list("pk", flat=True)[0]]
    a_ids = list(cases.exclude(pk__in=b_ids).order_by("pk").values_list("pk", flat=True))
    assert a_ids
    Case.all_cases.filter(pk__in=b_ids).update(assigned_worker=b)
    Case.all_cases.filter(pk__in=a_ids).update(assigned_worker=a)
    return a, b, a_ids, b_ids


def test_named_receiving_worker_gets_the_cases_others_become_unassigned(demo: Any, staff: Any) -> None:
    a, b, a_cases, b_cases = _split(staff)
    to = new_agency()
    x = new_staff(to)
    h = plan(staff, to=to, on=timezone.localdate())
    preview = services.compute_preview(h)
    rows = {w.worker.pk: w for w in preview.workers}
    assert set(rows) == {a.pk, b.pk}
    assert rows[a.pk].cases == len(a_cases) and rows[b.pk].cases == 1
    assert rows[a.pk].open_cases == Case.objects.filter(pk__in=a_cases, state__in=OPEN_STATES).count()
    assert any("担当者未定になるケース：" in n for n in preview.notices)

    h = services.handover_set_workers(
        actor=officer(staff), handover=h, receiving={a.pk: x.pk, b.pk: None}, version=h.version
    )
    assert h.receiving_workers == {str(a.pk): x.pk} and h.version == 2
    preview = services.compute_preview(h)
    assert {w.worker.pk: w.receiving for w in preview.workers} == {a.pk: x, b.pk: None}
    assert f"引継ぎ先の担当者に移すケース：{len(a_cases)}件" in preview.notices
    assert "担当者未定になるケース：1件" in preview.notices[-1]

    done = services.handover_execute(actor=officer(staff), handover=h, version=h.version)
    assert set(Case.all_cases.filter(pk__in=a_cases).values_list("assigned_worker_id", flat=True)) == {x.pk}
    assert set(Case.all_cases.filter(pk__in=b_cases).values_list("assigned_worker_id", flat=True)) == {None}
    expected: list[dict[str, Any]] = [
        {"from_worker_id": a.pk, "to_worker_id": x.pk, "cases": len(a_cases)},
        {"from_worker_id": b.pk, "to_worker_id": None, "cases": 1},
    ]
    assert done.worker_result == {
        "reassigned": len(a_cases),
        "unassigned": 1,
        "workers": sorted(expected, key=lambda r: r["from_worker_id"]),
    }
    row = AuditEvent.objects.get(action=AuditAction.TRANSITION, object_type="handover", object_id=str(h.pk))
    assert row.details["workers"]["reassigned"] == len(a_cases) and row.details["workers"]["unassigned"] == 1
    # one row per case with the worker before and after, like 担当者の割当て
    per_case = AuditEvent.objects.filter(object_type="case", details__handover_id=h.pk)
    assert set(per_case.values_list("object_id", flat=True)) == {str(i) for i in a_cases + b_cases}
    assert per_case.get(object_id=str(b_cases[0])).details["assigned_worker"] == [b.pk, None]


def test_receiving_worker_of_another_agency_is_refused(demo: Any, staff: Any) -> None:
    a, _, _, _ = _split(staff)
    h = plan(staff, on=timezone.localdate())
    for stranger in (staff("hasuda-soudan"), staff("shinjuku-center"), staff("shinjuku-jichitai")):
        with pytest.raises(ValidationError) as exc:
            services.handover_set_workers(
                actor=officer(staff), handover=h, receiving={a.pk: stranger.pk}, version=h.version
            )
        assert "相談支援員等" in str(exc.value.message_dict["receiving_workers"])
    # a worker who holds no moved case cannot be named as an old worker
    with pytest.raises(ValidationError, match="移行元の職員ではありません"):
        services.handover_set_workers(
            actor=officer(staff), handover=h, receiving={staff("shinjuku-kakei").pk: None}, version=h.version
        )
    h.refresh_from_db()
    assert h.receiving_workers == {} and h.version == 1


def test_receiving_worker_disabled_after_naming_blocks_execution(demo: Any, staff: Any) -> None:
    a, _, a_cases, _ = _split(staff)
    to = new_agency()
    x = new_staff(to)
    h = plan(staff, to=to, on=timezone.localdate())
    h = services.handover_set_workers(
        actor=officer(staff), handover=h, receiving={a.pk: x.pk}, version=h.version
    )
    User.objects.filter(pk=x.pk).update(is_active=False)
    with pytest.raises(ValidationError, match="利用中ではありません"):
        services.handover_execute(actor=officer(staff), handover=h, version=h.version)
    h.refresh_from_db()
    assert h.status == HandoverStatus.PLANNED
    assert set(Case.all_cases.filter(pk__in=a_cases).values_list("agency_id", "assigned_worker_id")) == {
        (old_agency().pk, a.pk)
    }


def test_mapping_is_versioned_and_only_for_planned(demo: Any, staff: Any) -> None:
    a, _, _, _ = _split(staff)
    to = new_agency()
    x = new_staff(to)
    h = plan(staff, to=to, on=timezone.localdate())
    with pytest.raises(StaleVersionError):
        services.handover_set_workers(
            actor=officer(staff), handover=h, receiving={a.pk: x.pk}, version=h.version + 1
        )
    services.handover_cancel(actor=officer(staff), handover=h, version=h.version)
    h.refresh_from_db()
    with pytest.raises(ValidationError, match="予定中の引継ぎではありません"):
        services.handover_set_workers(
            actor=officer(staff), handover=h, receiving={a.pk: x.pk}, version=h.version
        )
    with pytest.raises(Exception, match="権限"):
        services.handover_set_workers(
            actor=staff("shinjuku-center"), handover=h, receiving={a.pk: x.pk}, version=h.version
        )


def test_screens_name_the_workers_then_the_new_agency_finds_and_assigns_the_unassigned(
    demo: Any, login: Any, staff: Any
) -> None:
    a, b, a_cases, b_cases = _split(staff)
    to = new_agency()
    director = new_staff(to)  # センター長 of the new operator
    h = plan(staff, to=to, on=timezone.localdate())
    client = login("shinjuku-jichitai")
    text = client.get(f"/handovers/{h.pk}/").content.decode()
    assert "引継ぎ先の担当者" in text and str(a) in text and str(b) in text and str(director) in text
    assert "カナ検索索引" not in text
    answer = client.post(
        f"/handovers/{h.pk}/workers/",
        {"version": h.version, f"worker_{a.pk}": director.pk, f"worker_{b.pk}": ""},
    )
    assert answer.status_code == 302
    h.refresh_from_db()
    assert h.receiving_workers == {str(a.pk): director.pk}
    # a stale page: refused beside what was typed, with the saved version to save again
    stale = client.post(f"/handovers/{h.pk}/workers/", {"version": 1, f"worker_{a.pk}": ""})
    assert stale.status_code == 200 and "他の職員によって更新されました" in stale.content.decode()
    assert f'name="version" value="{h.version}"' in stale.content.decode()
    client.post(f"/handovers/{h.pk}/execute/", {"version": h.version, "confirm": "yes"})
    result = client.get(f"/handovers/{h.pk}/").content.decode()
    assert "担当者の引継ぎ" in result and "担当者未定のケース：1件" in result.replace("\n", "").replace(
        " ", ""
    )
    assert "/cases/?unassigned=on" in result and "カナ検索索引" not in result

    new_client = login(director.username)
    unassigned = Case.all_cases.get(pk=b_cases[0])
    found = new_client.get("/cases/?unassigned=on").content.decode()
    assert "担当者未定のケース" in found
    open_b = [c.case_number for c in Case.objects.filter(pk__in=b_cases)]
    assert all(n in found for n in open_b) and open_b
    assert not any(c.case_number in found for c in Case.all_cases.filter(pk__in=a_cases))
    page = new_client.get(f"/cases/{unassigned.pk}/")
    assert page.status_code == 200
    assert re.search(r"<dt>担当者</dt>\s*<dd>\s*未定", page.content.decode())
    # the dashboard's caseload per worker has a 担当者未定 row linking to the filter
    dashboard = new_client.get("/?scope=agency")
    assert dashboard.status_code == 200
    assert "scope=agency&amp;unassigned=on" in dashboard.content.decode()
    # the existing 担当者の割当て screen assigns it
    new_client.post(f"/cases/{unassigned.pk}/assign/", {"worker": director.pk, "version": unassigned.version})
    unassigned.refresh_from_db()
    assert unassigned.assigned_worker_id == director.pk


def test_api_takes_the_mapping_and_shows_the_result(demo: Any, login: Any, staff: Any) -> None:
    a, b, a_cases, b_cases = _split(staff)
    to = new_agency()
    x = new_staff(to)
    client = login("shinjuku-jichitai")
    body = {
        "from_agency_id": old_agency().pk,
        "to_agency_id": to.pk,
        "handover_date": timezone.localdate().isoformat(),
        "reason": "委託契約の期間満了",
        "receiving_workers": [{"from_worker_id": b.pk, "to_worker_id": x.pk}],
    }
    created = client.post("/api/v1/handovers", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["receiving_workers"] == [{"from_worker_id": b.pk, "to_worker_id": x.pk}]
    assert {w["id"]: w["cases"] for w in out["old_workers"]} == {a.pk: len(a_cases), b.pk: 1}
    assert {c["id"] for c in out["receiving_choices"]} == {x.pk}
    assert "カナ検索索引" not in out["preview_counts"]
    bad = client.patch(
        f"/api/v1/handovers/{out['id']}",
        json.dumps(
            {
                "version": out["version"],
                "receiving_workers": [{"from_worker_id": b.pk, "to_worker_id": staff("hasuda-soudan").pk}],
            }
        ),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "相談支援員等" in json.dumps(bad.json(), ensure_ascii=False)
    patched = client.patch(
        f"/api/v1/handovers/{out['id']}",
        json.dumps(
            {
                "version": out["version"],
                "receiving_workers": [
                    {"from_worker_id": a.pk, "to_worker_id": x.pk},
                    {"from_worker_id": b.pk, "to_worker_id": None},
                ],
            }
        ),
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["version"] == out["version"] + 1
    assert patched.json()["receiving_workers"] == [{"from_worker_id": a.pk, "to_worker_id": x.pk}]
    stale = client.patch(
        f"/api/v1/handovers/{out['id']}",
        json.dumps({"version": out["version"], "receiving_workers": []}),
        content_type="application/json",
    )
    assert stale.status_code == 422
    done = client.post(
        f"/api/v1/handovers/{out['id']}/execute",
        json.dumps({"version": patched.json()["version"]}),
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    result = client.get(f"/api/v1/handovers/{out['id']}").json()["worker_result"]
    assert result["reassigned"] == len(a_cases) and result["unassigned"] == 1
    assert Handover.objects.get().status == HandoverStatus.EXECUTED
    # the case list API filters 担当者未定 too (for the new agency)
    listed = login(x.username).get("/api/v1/cases?unassigned=true")
    assert listed.status_code == 200
    assert {c["id"] for c in listed.json()["items"]} == set(
        Case.objects.filter(pk__in=b_cases).values_list("pk", flat=True)
    )
    assert all(c["assigned_worker"] == "" for c in listed.json()["items"])
