"""Nothing typed is lost (``core.drafts``): the server drafts of the long forms, and plans with many
goals at once.

Drafts: saved through the endpoint with the key the page signed, restored on the page with a
notice, deleted when the record is saved; another account's key, a key from an agency the account
left, and a case the account can no longer see never give a draft back; every save, restore and
deletion is audited; a draft has a size limit and is purged after the retention period.
Goals: ten goals saved in one submit keep their order (並び順), a row is added server-side
without saving, a row is removed with 削除.
"""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tsunagu.cases.models import Case, CaseState, PlanGoal, SupportPlan, SupportRecord
from tsunagu.cases.tests.process import case_at, page, user
from tsunagu.core import drafts
from tsunagu.core.models import AuditAction, AuditEvent, FormDraft
from tsunagu.organizations.models import Agency

S = CaseState
pytestmark = pytest.mark.django_db

NOTICE = "保存されていない下書きを復元しました"


@pytest.fixture
def soudan(login: Any) -> Client:
    return login("shinjuku-soudan")


def _key(response: Any) -> str:
    m = re.search(r'data-draft-key="([^"]+)"', response.content.decode())
    assert m, "the page renders no draft key"
    return html.unescape(m.group(1))


def _record_fields(client: Client, case: Case, **values: str) -> dict[str, str]:
    staff = user("shinjuku-soudan")
    return {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "method": "phone",
        "content": "",
        "staff": str(staff.pk),
        **values,
    }


def _draft_audit(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="formdraft", action=action).order_by("id"))


# --- save, restore, delete -------------------------------------------------------------------------


def test_a_record_draft_is_saved_restored_with_a_notice_and_deleted_when_the_record_is_saved(
    soudan: Client,
) -> None:
    case = case_at(S.IN_SUPPORT)
    url = f"/cases/{case.pk}/records/new/"
    first = soudan.get(url)
    assert NOTICE not in first.content.decode()
    key = _key(first)

    typed = _record_fields(soudan, case, content="電話で家賃の相談。来週、同行予定。")
    saved = soudan.post("/drafts/", {"draft_key": key, **typed})
    assert saved.status_code == 200 and "saved_at" in saved.json()
    draft = FormDraft.objects.get(path=url)
    assert draft.data["content"] == ["電話で家賃の相談。来週、同行予定。"]
    assert (draft.case_id, draft.person_id, draft.agency_id) == (case.pk, case.person_id, case.agency_id)
    assert "draft_key" not in draft.data and "csrfmiddlewaretoken" not in draft.data

    # Typing on: the same row is overwritten (one draft per account and page).
    soudan.post("/drafts/", {"draft_key": key, **typed, "content": "電話で家賃の相談。来週、同行する。"})
    assert FormDraft.objects.filter(path=url).count() == 1

    back = soudan.get(url)
    body = back.content.decode()
    assert NOTICE in body and "破棄する" in body
    assert page(back).textareas["content"].strip() == "電話で家賃の相談。来週、同行する。"
    assert not page(back).errors  # a restored draft shows no errors before it is sent
    [created] = _draft_audit(AuditAction.CREATE)
    [updated] = _draft_audit(AuditAction.UPDATE)
    [restored] = _draft_audit(AuditAction.VIEW)
    for row in (created, updated, restored):
        assert row.person_id == case.person_id and row.details["case_id"] == case.pk
        assert row.actor_label == "shinjuku-soudan"

    # Saving the record deletes the draft (audited) and the page opens empty again.
    posted = soudan.post(
        url, {**typed, "content": "電話で家賃の相談。来週、同行する。", "idempotency_key": "key-0001"}
    )
    assert posted.status_code == 302, re.findall(
        r"notice--error[^>]*>(.*?)</div>", posted.content.decode(), re.S
    )
    assert SupportRecord.objects.filter(case=case, content="電話で家賃の相談。来週、同行する。").exists()
    assert not FormDraft.objects.filter(path=url).exists()
    [deleted] = _draft_audit(AuditAction.DELETE)
    assert deleted.details["reason"] == "record_saved" and deleted.person_id == case.person_id
    assert NOTICE not in soudan.get(url).content.decode()


def test_the_discard_button_deletes_the_draft(soudan: Client) -> None:
    case = case_at(S.ASSESSMENT)
    url = f"/cases/{case.pk}/assessments/new/"
    key = _key(soudan.get(url))
    assert soudan.post("/drafts/", {"draft_key": key, "wishes": "仕事を探したい"}).status_code == 200
    assert "仕事を探したい" in soudan.get(url).content.decode()
    response = soudan.post("/drafts/discard/", {"draft_key": key})
    assert response.status_code == 302 and response["Location"] == url
    assert not FormDraft.objects.exists()
    again = soudan.get(url).content.decode()
    assert NOTICE not in again and "仕事を探したい" not in again


def test_a_draft_can_be_sent_as_json(soudan: Client) -> None:
    case = case_at(S.IN_SUPPORT)
    url = f"/cases/{case.pk}/records/new/"
    key = _key(soudan.get(url))
    body = json.dumps({"draft_key": key, "data": {"content": ["面談の予定を調整"], "method": "visit"}})
    assert soudan.post("/drafts/", body, content_type="application/json").status_code == 200
    assert FormDraft.objects.get(path=url).data == {"content": ["面談の予定を調整"], "method": ["visit"]}


def test_an_edit_draft_notes_that_the_record_changed_since(soudan: Client, login: Any) -> None:
    case = case_at(S.IN_SUPPORT)
    record = SupportRecord.objects.filter(case=case).first()
    if record is None:
        soudan.post(
            f"/cases/{case.pk}/records/new/",
            {**_record_fields(soudan, case, content="初回"), "idempotency_key": "key-0000"},
        )
        record = SupportRecord.objects.get(case=case)
    url = f"/cases/{case.pk}/records/{record.pk}/edit/"
    key = _key(soudan.get(url))
    soudan.post("/drafts/", {"draft_key": key, **_record_fields(soudan, case, content="下書き")})
    SupportRecord.objects.filter(pk=record.pk).update(version=record.version + 1)  # someone saved
    body = soudan.get(url).content.decode()
    assert NOTICE in body and "他の職員が記録を更新しています" in body


# --- refused: another account, lost access, forged keys ---------------------------------------------


def test_a_key_signed_for_another_account_is_refused_and_audited(soudan: Client, login: Any) -> None:
    case = case_at(S.IN_SUPPORT)
    url = f"/cases/{case.pk}/records/new/"
    key = _key(soudan.get(url))
    other = login("shinjuku-shunin")
    response = other.post("/drafts/", {"draft_key": key, "content": "なりすまし"})
    assert response.status_code == 403
    assert not FormDraft.objects.exists()
    denied = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, details__reason="draft_other_user")
    assert denied.count() == 1
    # A forged key too.
    assert soudan.post("/drafts/", {"draft_key": key[:-3] + "xyz", "content": "x"}).status_code == 403
    assert soudan.post("/drafts/", {"content": "鍵なし"}).status_code == 403
    assert not FormDraft.objects.exists()


def test_an_account_that_moved_to_another_agency_never_gets_the_draft(soudan: Client) -> None:
    case = case_at(S.IN_SUPPORT)
    url = f"/cases/{case.pk}/records/new/"
    key = _key(soudan.get(url))
    soudan.post("/drafts/", {"draft_key": key, **_record_fields(soudan, case, content="異動前の入力")})
    me = user("shinjuku-soudan")
    other_agency = Agency.objects.exclude(pk=case.agency_id).first()
    assert other_agency is not None
    me.agency = other_agency
    me.save()
    # The page is out of scope now (404) and the old key no longer saves.
    assert soudan.get(url).status_code == 404
    assert soudan.post("/drafts/", {"draft_key": key, "content": "異動後"}).status_code == 403
    assert FormDraft.objects.get(path=url).data["content"] == ["異動前の入力"]
    # Even if the case followed the account to its new agency, the draft of the old scope is
    # never shown: it is deleted.
    Case.objects.filter(pk=case.pk).update(agency=other_agency)
    body = soudan.get(url).content.decode()
    assert NOTICE not in body and "異動前の入力" not in body
    assert not FormDraft.objects.exists()
    assert _draft_audit(AuditAction.DELETE)[0].details["reason"] == "out_of_scope"


def test_a_case_moved_to_another_agency_gives_no_draft_back(soudan: Client) -> None:
    case = case_at(S.IN_SUPPORT)
    url = f"/cases/{case.pk}/records/new/"
    key = _key(soudan.get(url))
    soudan.post("/drafts/", {"draft_key": key, **_record_fields(soudan, case, content="移管前の入力")})
    other_agency = Agency.objects.exclude(pk=case.agency_id).first()
    Case.objects.filter(pk=case.pk).update(agency=other_agency)
    assert soudan.get(url).status_code == 404  # the page (and so the draft) is out of reach
    # The endpoint scopes the case again: saving with the old key is refused as well.
    assert soudan.post("/drafts/", {"draft_key": key, "content": "移管後"}).status_code == 404
    assert FormDraft.objects.get(path=url).data["content"] == ["移管前の入力"]
    assert not _draft_audit(AuditAction.VIEW)


def test_a_draft_larger_than_the_limit_is_refused(soudan: Client) -> None:
    case = case_at(S.IN_SUPPORT)
    url = f"/cases/{case.pk}/records/new/"
    key = _key(soudan.get(url))
    big = "あ" * (drafts.DRAFT_MAX_BYTES // 3 + 10)
    response = soudan.post("/drafts/", {"draft_key": key, "content": big})
    assert response.status_code == 413
    assert "下書きを保存できません" in response.json()["detail"]
    assert not FormDraft.objects.exists()


def test_old_drafts_are_not_restored_and_are_purged(soudan: Client) -> None:
    case = case_at(S.IN_SUPPORT)
    url = f"/cases/{case.pk}/records/new/"
    key = _key(soudan.get(url))
    soudan.post("/drafts/", {"draft_key": key, "content": "古い下書き"})
    old = timezone.now() - timedelta(days=drafts.DRAFT_RETENTION_DAYS + 1)
    FormDraft.objects.update(updated_at=old)
    other = FormDraft.objects.create(user=user("shinjuku-shunin"), path="/cases/1/plans/new/", data={})
    call_command("purge_form_drafts")
    assert list(FormDraft.objects.values_list("pk", flat=True)) == [other.pk]


# --- plans with many goals at once ------------------------------------------------------------------


def _plan_base() -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "wishes": "働きたい",
        "issues": "求職活動",
        "long_term_goal": "就労",
        "short_term_goal": "応募",
        "notes": "",
        "programs": ["employment_preparation"],
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=90)).isoformat(),
        "agreed_on": today.isoformat(),
        "monitoring_interval_days": "30",
        "long_period_reason": "",
    }


def _goals(rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "goals-TOTAL_FORMS": str(len(rows)),
        "goals-INITIAL_FORMS": str(initial),
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(rows):
        data.update({f"goals-{i}-{k}": v for k, v in row.items()})
    return data


def _goal(n: int, order: int | str = "") -> dict[str, Any]:
    return {
        "term": "short",
        "issue": f"課題{n}",
        "goal": f"目標{n}",
        "support": f"支援{n}",
        "provider_kind": "resource",
        "provider_resource": "地域の社会資源",
        "ORDER": str(order),
    }


def test_ten_goals_are_saved_in_one_submit_in_their_order(soudan: Client) -> None:
    case = case_at(S.PLANNING)
    url = f"/cases/{case.pk}/plans/new/"
    # Rows 1..10 on screen; the user moved 目標10 to the top (並び順 1) and removed 目標5.
    rows = [_goal(n, order=n + 1) for n in range(1, 10)] + [_goal(10, order=1)]
    rows[4]["DELETE"] = "on"
    response = soudan.post(url, _plan_base() | _goals(rows))
    assert response.status_code == 302, page(response).errors
    plan = SupportPlan.objects.get(case=case)
    goals = list(PlanGoal.objects.filter(plan=plan).order_by("order").values_list("goal", "order"))
    expected = ["目標10", "目標1", "目標2", "目標3", "目標4", "目標6", "目標7", "目標8", "目標9"]
    assert [g for g, _ in goals] == expected
    assert [o for _, o in goals] == list(range(1, 10))
    shown = soudan.get(f"/cases/{case.pk}/plans/{plan.pk}/").content.decode()
    positions = [shown.index(g) for g in expected]
    assert positions == sorted(positions)

    # Editing: reorder by 並び順 again (the last saved goal to the top).
    edit = f"/cases/{case.pk}/plans/{plan.pk}/edit/"
    saved = list(PlanGoal.objects.filter(plan=plan).order_by("order"))
    edit_rows = [
        {
            **_goal(0),
            "goal": g.goal,
            "issue": g.issue,
            "support": g.support,
            "id": str(g.pk),
            "ORDER": str(i + 2),
        }
        for i, g in enumerate(saved)
    ]
    edit_rows[-1]["ORDER"] = "1"
    response = soudan.post(edit, _plan_base() | _goals(edit_rows, initial=len(saved)) | {"version": "1"})
    assert response.status_code == 302
    after = list(PlanGoal.objects.filter(plan=plan).order_by("order").values_list("goal", flat=True))
    assert after == ["目標9", *expected[:-1]]
    assert {g.pk for g in saved} == set(PlanGoal.objects.filter(plan=plan).values_list("pk", flat=True))


def test_without_javascript_the_add_button_adds_a_row_and_saves_nothing(soudan: Client) -> None:
    case = case_at(S.PLANNING)
    url = f"/cases/{case.pk}/plans/new/"
    form = soudan.get(url).content.decode()
    assert "目標を追加" in form and 'name="goals-0-ORDER"' in form and "並び順" in form
    assert "goals-__prefix__-goal" in form  # the empty row for the script (inside <template>)
    response = soudan.post(url, _plan_base() | _goals([_goal(1)]) | {"add_goal": "1"})
    assert response.status_code == 200
    p = page(response)
    assert p.textareas["goals-0-goal"].strip() == "目標1"
    assert "goals-1-goal" in p.textareas  # one more (empty) row
    assert 'name="goals-TOTAL_FORMS" value="2"' in response.content.decode()
    assert not p.errors
    assert not SupportPlan.objects.filter(case=case).exists()


def test_a_plan_draft_keeps_the_added_rows(soudan: Client) -> None:
    case = case_at(S.PLANNING)
    url = f"/cases/{case.pk}/plans/new/"
    key = _key(soudan.get(url))
    rows = [_goal(n, order=n) for n in range(1, 4)]
    assert soudan.post("/drafts/", {"draft_key": key, **_plan_base(), **_goals(rows)}).status_code == 200
    back = page(soudan.get(url))
    assert [back.textareas[f"goals-{i}-goal"].strip() for i in range(3)] == ["目標1", "目標2", "目標3"]
    assert NOTICE in back.html


def test_every_long_form_of_the_process_renders_a_draft_key_and_restores(soudan: Client) -> None:
    case = case_at(S.EVALUATION)
    plan = SupportPlan.objects.filter(case=case).order_by("-number").first()
    assert plan is not None
    url = f"/cases/{case.pk}/evaluations/new/"
    key = _key(soudan.get(url))
    assert soudan.post("/drafts/", {"draft_key": key, "summary": "表情が明るくなった"}).status_code == 200
    back = soudan.get(url)
    assert NOTICE in back.content.decode() and "表情が明るくなった" in back.content.decode()
    # A key of one page saves the draft of that page only (the path is signed).
    other = _key(soudan.get(f"/cases/{case.pk}/records/new/"))
    soudan.post("/drafts/", {"draft_key": other, "content": "別の画面"})
    assert set(FormDraft.objects.values_list("path", flat=True)) == {url, f"/cases/{case.pk}/records/new/"}


def test_a_page_without_a_case_keeps_a_draft_scoped_to_the_agency(rf: Any, demo: Any) -> None:
    """The 相談受付 page has no case yet: its draft is the account's and its agency's."""
    me = user("shinjuku-soudan")
    request = rf.get("/intake/new/")
    request.user = me
    first = drafts.page_draft(request)
    assert first.restored is None and first.scope.case_id is None
    drafts.save_draft(user=me, scope=drafts.read_key(first.key, me), data={"name": ["山田 花子"]})
    request = rf.get("/intake/new/")
    request.user = me
    page_again = drafts.page_draft(request)
    assert page_again.restored is not None
    assert drafts.form_data(request, page_again)["name"] == "山田 花子"
    # Another account of the same agency never reads it, and cannot save with the key.
    other = user("shinjuku-shunin")
    request = rf.get("/intake/new/")
    request.user = other
    assert drafts.page_draft(request).restored is None
    with pytest.raises(drafts.DraftKeyError):
        drafts.read_key(first.key, other)


def test_the_intake_form_keeps_a_draft_per_person(
    soudan: Client,
) -> None:
    """相談受付・申込票: the draft belongs to the person chosen (one URL serves every person), so a
    draft typed for one person is never restored on another person's intake, and is not lost."""
    from tsunagu.persons.models import Person

    me = user("shinjuku-soudan")
    first, second = Person.objects.filter(agency=me.agency).order_by("pk")[:2]
    url = f"/intake/new/?person={first.pk}"
    key = _key(soudan.get(url))
    typed = {"intake-chief_complaint": "家賃を2か月滞納している。仕事を探したい。"}
    assert soudan.post("/drafts/", {"draft_key": key, **typed}).status_code == 200
    assert FormDraft.objects.get(user=me).path == url

    back = soudan.get(url)
    assert NOTICE in back.content.decode()
    assert "家賃を2か月滞納している。仕事を探したい。" in back.content.decode()
    other = soudan.get(f"/intake/new/?person={second.pk}")
    assert NOTICE not in other.content.decode()
    assert "家賃を2か月滞納している" not in other.content.decode()
    # The first person's draft is still there for when the worker comes back to it.
    assert FormDraft.objects.filter(user=me, path=url).exists()
