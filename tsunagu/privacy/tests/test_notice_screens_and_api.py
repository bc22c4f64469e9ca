"""規程の版 on the screens (/privacy/notices/) and the API (/api/v1/privacy-notices): write, review
(diff, widened purposes, renewal count), publish; own agency only (404 otherwise); query budgets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from tsunagu.cases.tests.helpers import consent_values, open_case
from tsunagu.core.dates import wareki
from tsunagu.privacy.models import NoticeStatus, PrivacyNotice, Purpose
from tsunagu.privacy.services import current_notice, notice_draft_create, privacy_notice_publish

pytestmark = pytest.mark.django_db
API = "/api/v1"
TODAY = timezone.localdate
NARROW = [p for p in Purpose.values if p != Purpose.RESEARCH]


def _form(notice: PrivacyNotice, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": notice.title,
        "body": notice.body,
        "section_handling": notice.section_handling,
        "section_confidentiality": notice.section_confidentiality,
        "purposes": list(notice.purposes),
        "purposes_note": notice.purposes_note,
        "section_third_party": notice.section_third_party,
        "section_contact": notice.section_contact,
        "version": notice.lock_version,
    }
    return data | overrides


def test_write_review_and_publish_on_the_screens(login: Any, staff: Any) -> None:
    officer = staff("shinjuku-privacy")
    worker = staff("shinjuku-soudan")
    privacy_notice_publish(
        actor=None, agency=officer.agency, body="前文", purposes=NARROW, effective_from=TODAY()
    )
    case = open_case(worker, consent=consent_values())
    client = login("shinjuku-privacy")
    page = client.get("/privacy/notices/")
    assert page.status_code == 200 and "第2版" in page.content.decode() and "令和" in page.content.decode()
    form = client.get("/privacy/notices/new/")
    assert form.status_code == 200 and "第5条第3項" in form.content.decode()
    # A validation error shows what was typed.
    v2 = current_notice(officer.agency)
    assert v2 is not None
    bad = client.post("/privacy/notices/new/", _form(v2, title="改訂案", purposes=[]))  # type: ignore[arg-type]
    assert (
        bad.status_code == 200
        and "改訂案" in bad.content.decode()
        and "利用目的を1つ以上" in bad.content.decode()
    )
    created = client.post(
        "/privacy/notices/new/",
        _form(v2, purposes=list(Purpose.values), section_contact="新しい窓口"),
    )
    draft = PrivacyNotice.objects.get(agency=officer.agency, status=NoticeStatus.DRAFT)
    assert created.status_code == 302 and created["Location"] == f"/privacy/notices/{draft.pk}/"
    review = client.get(f"/privacy/notices/{draft.pk}/").content.decode()
    assert "第2版との違い" in review and "新しい窓口" in review and "変更あり" in review
    assert Purpose.RESEARCH.label in review and "同意の再取得が必要になる方：<strong>1人</strong>" in review
    refused = client.post(
        f"/privacy/notices/{draft.pk}/publish/",
        {"effective_from": "令和2年4月1日", "version": draft.lock_version},
    )
    assert refused.status_code == 422 and "今日以降" in refused.content.decode()
    done = client.post(
        f"/privacy/notices/{draft.pk}/publish/",
        {"effective_from": wareki(TODAY()), "version": draft.lock_version},
    )
    assert done.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (NoticeStatus.PUBLISHED, 3)
    detail = client.get(f"/privacy/notices/{draft.pk}/").content.decode()
    assert "同意の再取得が必要な方" in detail and case.person.name in detail
    assert "この版をもとに新しい版を作成" in detail
    assert client.get(f"/privacy/notices/{draft.pk}/edit/").status_code == 302  # published: not editable
    assert client.get(f"/privacy/notices/{draft.pk}/print/").status_code == 200
    # The caseworker sees it on the case page and the person page.
    caseworker = login("shinjuku-soudan")
    assert "同意の再取得が必要" in caseworker.get(f"/cases/{case.pk}/").content.decode()
    assert "同意の再取得が必要" in caseworker.get(f"/persons/{case.person_id}/").content.decode()
    consent_form = caseworker.get(f"/persons/{case.person_id}/consents/new/").content.decode()
    assert "第3版" in consent_form


def test_stale_draft_edit_shows_both_versions(login: Any, staff: Any) -> None:
    officer = staff("shinjuku-privacy")
    draft = notice_draft_create(actor=officer)
    client = login("shinjuku-center")
    first = client.post(f"/privacy/notices/{draft.pk}/edit/", _form(draft, title="センター長の案"))
    assert first.status_code == 302
    second = login("shinjuku-privacy").post(
        f"/privacy/notices/{draft.pk}/edit/", _form(draft, title="責任者の案")
    )
    body = second.content.decode()
    assert second.status_code == 200 and "センター長の案" in body and "責任者の案" in body
    assert PrivacyNotice.objects.get(pk=draft.pk).title == "センター長の案"


def test_other_roles_and_agencies(login: Any, staff: Any) -> None:
    draft = notice_draft_create(actor=staff("shinjuku-privacy"))
    published = current_notice(staff("shinjuku-privacy").agency)
    assert login("shinjuku-soudan").get("/privacy/notices/new/").status_code == 403
    assert login("shinjuku-center").post(f"/privacy/notices/{draft.pk}/publish/", {}).status_code == 403
    assert (
        login("shinjuku-soudan").get(f"/privacy/notices/{draft.pk}/").status_code == 404
    )  # drafts: editors only
    assert login("shinjuku-soudan").get(f"/privacy/notices/{published.pk}/").status_code == 200  # type: ignore[union-attr]
    assert login("hasuda-privacy").get(f"/privacy/notices/{draft.pk}/").status_code == 404
    assert login("hasuda-privacy").get(f"/privacy/notices/{published.pk}/print/").status_code == 404  # type: ignore[union-attr]
    assert login("shinjuku-jichitai").get("/privacy/notices/").status_code == 403


def test_query_budgets(login: Any, staff: Any, django_assert_max_num_queries: Any) -> None:
    officer = staff("shinjuku-privacy")
    for _ in range(3):
        notice_draft_create(actor=officer)
    client = login("shinjuku-privacy")
    published = current_notice(officer.agency)
    draft = PrivacyNotice.objects.filter(status=NoticeStatus.DRAFT).first()
    with django_assert_max_num_queries(15):
        assert client.get("/privacy/notices/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(f"/privacy/notices/{published.pk}/").status_code == 200  # type: ignore[union-attr]
    with django_assert_max_num_queries(20):
        assert client.get(f"/privacy/notices/{draft.pk}/").status_code == 200  # type: ignore[union-attr]


def test_api_drafts_patch_and_publish(api_as: Any, staff: Any) -> None:
    client = api_as("shinjuku-privacy")
    listed = client.get(f"{API}/privacy-notices")
    assert listed.status_code == 200 and listed.json()[0]["number"] == 1
    created = client.post(
        f"{API}/privacy-notices", json.dumps({"title": "改訂案"}), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["number"] is None and body["title"] == "改訂案"
    url = f"{API}/privacy-notices/{body['id']}"
    missing = client.patch(url, json.dumps({"title": "x"}), content_type="application/json")
    assert missing.status_code == 422
    ok = client.patch(
        url, json.dumps({"title": "改訂案2", "version": body["version"]}), content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["version"] == body["version"] + 1
    stale = client.patch(
        url, json.dumps({"title": "古い", "version": body["version"]}), content_type="application/json"
    )
    assert stale.status_code == 422 and "他の職員" in json.dumps(stale.json(), ensure_ascii=False)
    v = ok.json()["version"]
    past = client.post(
        f"{url}/publish",
        json.dumps({"effective_from": "2020-04-01", "version": v}),
        content_type="application/json",
    )
    assert past.status_code == 422
    done = client.post(
        f"{url}/publish",
        json.dumps({"effective_from": TODAY().isoformat(), "version": v}),
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["number"] == 2 and done.json()["status"] == "published"
    again = client.patch(
        url, json.dumps({"title": "x", "version": done.json()["version"]}), content_type="application/json"
    )
    assert again.status_code == 422
    assert api_as("hasuda-privacy").get(url).status_code == 404
    assert (
        api_as("shinjuku-soudan")
        .post(f"{API}/privacy-notices", "{}", content_type="application/json")
        .status_code
        == 403
    )
    center = api_as("shinjuku-center").post(f"{API}/privacy-notices", "{}", content_type="application/json")
    assert center.status_code == 201
    refused = api_as("shinjuku-center").post(
        f"{API}/privacy-notices/{center.json()['id']}/publish",
        json.dumps({"effective_from": TODAY().isoformat(), "version": 1}),
        content_type="application/json",
    )
    assert refused.status_code == 403
