"""The case as the hub (``cases.hub``): what the programmes, meetings and referrals contribute, the
終結 check (nothing left open unless carried over with a reason), the income re-check after a
就労・増収 while 住居確保給付金 is 支給中, the timeline (page and API) and the case page's query budget.

The tests sit in the referrals app, the highest of the apps they use (cases < programs|meetings <
referrals), and build everything through the real services.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tsunagu.cases import hub
from tsunagu.cases import services as case_services
from tsunagu.cases.models import Case, CaseState, CaseTransition, EmploymentOutcome
from tsunagu.cases.selectors import plan_current
from tsunagu.cases.tests.process import case_at, evaluation_values, record_values, user
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.programs import services as program_services
from tsunagu.programs.models import ApplicationState, HousingBenefitApplication
from tsunagu.programs.tests.conftest import application_values
from tsunagu.referrals import services as referral_services
from tsunagu.referrals.models import Referral, ReferralStatus

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
# The case page: the case, its parts, every contributor's fixed queries, the session and the audit
# row. It must not grow with the number of records, payments or referrals.
CASE_PAGE_BUDGET = 75


@pytest.fixture
def rules(demo: Any) -> None:
    from tsunagu.programs.seed import seed_housing_benefit_demo

    seed_housing_benefit_demo()


def closing_case(**person: Any) -> Case:
    """A 新宿区 case in 評価 whose latest evaluation says 終結 (the only guard left is ours)."""
    case = case_at(CaseState.EVALUATION, received_on=TODAY() - timedelta(days=40), **person)
    plan = plan_current(case)
    assert plan is not None
    case_services.evaluation_create(actor=user("shinjuku-soudan"), case=case, values=evaluation_values(plan))
    case.refresh_from_db()
    return case


def awarded(case: Case) -> HousingBenefitApplication:
    """An awarded 家賃補助 applied for 20 days ago, after a job loss two months ago."""
    applied = TODAY() - timedelta(days=20)
    app = program_services.housing_application_create(
        actor=user("shinjuku-soudan"),
        case=case,
        values=application_values(application_date=applied, job_loss_date=applied - timedelta(days=45)),
    )
    program_services.housing_decision_record(
        actor=user("shinjuku-jichitai"),
        application=app,
        outcome="award",
        decided_on=TODAY() - timedelta(days=10),
    )
    app.refresh_from_db()
    assert app.state == ApplicationState.AWARDED
    return app


def pay(app: HousingBenefitApplication, month_index: int = 0) -> None:
    from tsunagu.core.dates import add_months

    assert app.first_month is not None
    program_services.housing_payment_record(
        actor=user("shinjuku-jichitai"),
        application=app,
        month=add_months(app.first_month, month_index),
        paid_on=TODAY() - timedelta(days=5),
    )


def refer(case: Case, program: str = "household_budget") -> Referral:
    return referral_services.referral_create(
        actor=user("shinjuku-soudan"),
        case=case,
        values={
            "partner": None,
            "program": program,
            "reason": "家計の見直しが必要なため",
            "data_categories": [],
            "accompanied": False,
            "follow_up_on": TODAY() + timedelta(days=14),
        },
    )


# --- the contributors ---------------------------------------------------------------------------


def test_open_items_are_the_benefit_paid_and_the_referral_requested(rules: None) -> None:
    case = closing_case()
    assert hub.open_items(case) == []
    app = awarded(case)
    referral = refer(case)
    keys = {i.key: i for i in hub.open_items(case)}
    assert set(keys) == {f"housing_benefit:{app.pk}", f"referral:{referral.pk}"}
    assert "支給中" in keys[f"housing_benefit:{app.pk}"].label
    assert keys[f"housing_benefit:{app.pk}"].url == f"/programs/housing-benefit/{app.pk}/"
    assert "依頼中" in keys[f"referral:{referral.pk}"].label

    # Accepted by the partner, the referral is no longer 依頼中; stopped, the benefit is not 支給中.
    referral_services.referral_status_change(
        actor=user("shinjuku-soudan"), referral=referral, to_status=ReferralStatus.ACCEPTED
    )
    program_services.housing_benefit_stop(
        actor=user("shinjuku-jichitai"),
        application=app,
        reason="employment_or_income",
        effective_month=TODAY().replace(day=1),
        decided_on=TODAY(),
    )
    assert hub.open_items(case) == []


def test_recorded_items_name_the_payments_decisions_and_referrals(rules: None) -> None:
    case = closing_case()
    assert hub.recorded_items(case) == []
    app = awarded(case)
    pay(app)
    refer(case)
    recorded = hub.recorded_items(case)
    assert "住居確保給付金の支給（1件）" in recorded
    assert "住居確保給付金の支給決定・不支給決定（1件）" in recorded
    assert "関係機関へのつなぎ（1件）" in recorded


def test_an_enrolment_in_use_is_open_until_ended(rules: None) -> None:
    from tsunagu.programs.models import EnrolmentStatus, ProgramEnrolment

    case = closing_case()
    plan = plan_current(case)
    assert plan is not None
    start = TODAY() - timedelta(days=10)
    enrolment = ProgramEnrolment.objects.create(
        agency_id=case.agency_id,
        municipality_id=case.municipality_id,
        person=case.person,
        case=case,
        plan=plan,
        program="employment_preparation",
        start_on=start,
        end_on=start + timedelta(days=200),
        standard_limit_on=start + timedelta(days=364),
        provider_name="つなぐ就労準備センター",
        created_by=user("shinjuku-soudan"),
    )
    assert [i.key for i in hub.open_items(case)] == [f"enrolment:{enrolment.pk}"]
    assert "法定事業の利用登録（1件）" in hub.recorded_items(case)
    ProgramEnrolment.objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.ENDED, ended_on=TODAY())
    assert hub.open_items(case) == []


# --- 終結 -------------------------------------------------------------------------------------------


def test_closing_is_refused_listing_what_is_open(rules: None) -> None:
    case = closing_case()
    awarded(case)
    refer(case)
    with pytest.raises(ValidationError) as exc:
        case_services.case_transition(actor=user("shinjuku-soudan"), case=case, name="close")
    msg = " ".join(exc.value.messages)
    assert "住居確保給付金（家賃補助）が支給中" in msg and "家計改善支援事業へのつなぎが依頼中" in msg
    case.refresh_from_db()
    assert case.state == CaseState.EVALUATION
    assert not CaseTransition.objects.filter(case=case, name="close").exists()


def test_closing_with_one_item_carried_over_is_still_refused_for_the_other(rules: None) -> None:
    case = closing_case()
    app = awarded(case)
    refer(case)
    with pytest.raises(ValidationError) as exc:
        case_services.case_transition(
            actor=user("shinjuku-soudan"),
            case=case,
            name="close",
            params={"carry_over": {f"housing_benefit:{app.pk}": "支給期間の残りは自治体が管理"}},
        )
    msg = " ".join(exc.value.messages)
    assert "つなぎが依頼中" in msg and "住居確保給付金" not in msg


def test_closing_with_every_open_item_carried_over_records_the_reasons(rules: None) -> None:
    case = closing_case()
    app = awarded(case)
    referral = refer(case)
    carry = {
        f"housing_benefit:{app.pk}": "支給期間の残りは自治体担当者が管理する",
        f"referral:{referral.pk}": "家計改善支援事業の担当者に引き継ぎ済み",
        "referral:999999": "存在しない項目は記録されない",
    }
    case_services.case_transition(
        actor=user("shinjuku-soudan"), case=case, name="close", params={"carry_over": carry}
    )
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    t = CaseTransition.objects.get(case=case, name="close")
    assert "支給期間の残りは自治体担当者が管理する" in t.reason
    assert "家計改善支援事業の担当者に引き継ぎ済み" in t.reason
    assert "存在しない項目" not in t.reason
    event = AuditEvent.objects.filter(
        object_id=str(case.pk), action=AuditAction.TRANSITION, details__transition="close"
    ).get()
    assert set(event.details["carry_over"]) == {f"housing_benefit:{app.pk}", f"referral:{referral.pk}"}


def test_closing_from_the_case_page_with_reasons_per_item(rules: None, login: Any) -> None:
    case = closing_case()
    app = awarded(case)
    referral = refer(case)
    client = login("shinjuku-soudan")
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert f'name="carry_over-housing_benefit:{app.pk}"' in page
    assert f'name="carry_over-referral:{referral.pk}"' in page
    assert f'href="/referrals/{referral.pk}/"' in page

    url = reverse("cases:case_transition", args=[case.pk])
    refused = client.post(url, {"name": "close", "version": case.version}, follow=True).content.decode()
    assert "終結できません" in refused and "つなぎが依頼中" in refused
    case.refresh_from_db()
    assert case.state == CaseState.EVALUATION

    client.post(
        url,
        {
            "name": "close",
            "version": case.version,
            f"carry_over-housing_benefit:{app.pk}": "支給は自治体が継続管理",
            f"carry_over-referral:{referral.pk}": "先方の回答待ち。フォローアップで確認",
        },
    )
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert "先方の回答待ち" in CaseTransition.objects.get(case=case, name="close").reason


def test_closing_through_the_api_takes_carry_over(rules: None, login: Any) -> None:
    case = closing_case()
    referral = refer(case)
    client = login("shinjuku-soudan")
    url = f"/api/v1/cases/{case.pk}/transitions"
    refused = client.post(url, {"name": "close", "version": case.version}, content_type="application/json")
    assert refused.status_code == 422
    items = client.get(f"/api/v1/cases/{case.pk}/open-items").json()
    assert [i["key"] for i in items] == [f"referral:{referral.pk}"]
    done = client.post(
        url,
        {"name": "close", "version": case.version, "carry_over": {items[0]["key"]: "先方に引継ぎ済み"}},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "closed"


# --- 就労・増収 while a benefit is 支給中 ------------------------------------------------------------


def _outcome_form(case: Case) -> dict[str, str]:
    return {
        "kind": "employed",
        "occurred_on": TODAY().isoformat(),
        "employment_type": "正社員",
        "employer": "株式会社つなぐ",
    }


def test_an_outcome_without_a_benefit_goes_back_to_the_case(rules: None, login: Any) -> None:
    case = closing_case()
    client = login("shinjuku-soudan")
    r = client.post(reverse("cases:employment_outcome_new", args=[case.pk]), _outcome_form(case))
    assert r.status_code == 302 and r.url == reverse("cases:case_detail", args=[case.pk]) + "#outcomes"


def test_an_outcome_while_paid_prompts_the_income_recheck(rules: None, login: Any) -> None:
    case = closing_case()
    app = awarded(case)
    client = login("shinjuku-soudan")
    r = client.post(reverse("cases:employment_outcome_new", args=[case.pk]), _outcome_form(case))
    assert EmploymentOutcome.objects.filter(case=case).count() == 1
    recheck = reverse("programs:housing_income_recheck", args=[app.pk])
    assert r.status_code == 302 and r.url == recheck

    page = client.get(recheck).content.decode()
    # 新宿区 1人世帯: 基準額 84,000円 + 家賃 65,000円 (上限 53,700円) → the limit of the table in force.
    from tsunagu.programs import housing_rules as hr
    from tsunagu.programs.lookups import rule_in_force

    rule = rule_in_force(municipality=app.municipality, household_size=1, on=TODAY())
    assert rule is not None
    limit = hr.income_limit(rules=rule.as_rules(), rent=app.monthly_rent)
    assert f"{limit:,}円" in page
    assert "施行規則第17条" in page
    assert "中止は実施主体" in page  # the centre cannot stop; the 自治体担当者 decides
    assert f"/programs/housing-benefit/{app.pk}/report/" in page  # 継続: the monthly report

    above = client.get(recheck, {"household_monthly_income": str(limit + 1)}).content.decode()
    assert "を超えています" in above
    within = client.get(recheck, {"household_monthly_income": str(limit)}).content.decode()
    assert "支給を継続できます" in within

    # The 自治体担当者 is offered 中止 with the reason already chosen.
    officer = login("shinjuku-jichitai").get(recheck, {"household_monthly_income": str(limit + 1)})
    stop_url = f"/programs/housing-benefit/{app.pk}/stop/?reason=employment_or_income"
    assert stop_url in officer.content.decode()
    form = login("shinjuku-jichitai").get(stop_url).content.decode()
    assert 'value="employment_or_income" selected' in form


def test_the_api_answers_an_outcome_while_paid_with_the_income_recheck(rules: None, login: Any) -> None:
    case = closing_case()
    app = awarded(case)
    r = login("shinjuku-soudan").post(
        f"/api/v1/cases/{case.pk}/employment-outcomes",
        json.dumps({"kind": "employed", "occurred_on": TODAY().isoformat()}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["income_recheck_url"] == reverse("programs:housing_income_recheck", args=[app.pk])


# --- the timeline ---------------------------------------------------------------------------------


def test_the_timeline_api_lists_everything_filters_and_is_scoped(rules: None, login: Any) -> None:
    case = closing_case()
    app = awarded(case)
    pay(app)
    refer(case)
    url = f"/api/v1/cases/{case.pk}/timeline"
    client = login("shinjuku-soudan")
    r = client.get(url)
    assert r.status_code == 200, r.content
    body = r.json()
    kinds = {i["kind"] for i in body["items"]}
    assert {
        "assessment",
        "plan",
        "evaluation",
        "transition",
        "consent",
        "decision",
        "payment",
        "referral",
    } <= kinds
    assert body["kinds"]["payment"] == "住居確保給付金"
    # Newest first, compared as 日本時間 days: an entry with a time comes as an aware datetime (UTC
    # from the database), an entry with a date only as that date; near midnight the two differ.
    from datetime import datetime

    from django.utils import timezone as tz

    def local_day(at: str) -> str:
        return at[:10] if len(at) == 10 else tz.localtime(datetime.fromisoformat(at)).date().isoformat()

    dates = [local_day(i["at"]) for i in body["items"]]
    assert dates == sorted(dates, reverse=True)
    assert any(i["url"] == f"/programs/housing-benefit/{app.pk}/" for i in body["items"])

    only = client.get(url, {"kind": "referral"}).json()
    assert only["total"] == 1 and [i["kind"] for i in only["items"]] == ["referral"]
    assert client.get(url, {"kind": "nope"}).status_code == 422

    assert login("hasuda-soudan").get(url).status_code == 404
    assert AuditEvent.objects.filter(object_id=str(case.pk), action=AuditAction.VIEW).exists()


def test_the_timeline_is_paged(rules: None, login: Any) -> None:
    case = closing_case()
    worker = user("shinjuku-soudan")
    for i in range(30):
        case_services.record_create(
            actor=worker,
            case=case,
            values=record_values(worker, occurred_at=timezone.now() - timedelta(hours=i + 1)),
        )
    url = f"/api/v1/cases/{case.pk}/timeline"
    client = login("shinjuku-soudan")
    first = client.get(url, {"kind": "record"}).json()
    assert first["total"] == 30 and len(first["items"]) == 25 and first["next_cursor"] == "25"
    rest = client.get(url, {"kind": "record", "after": "25"}).json()
    assert len(rest["items"]) == 5 and rest["next_cursor"] == ""


def test_the_case_page_is_the_hub(rules: None, login: Any) -> None:
    case = closing_case()
    app = awarded(case)
    pay(app)
    referral = refer(case)
    client = login("shinjuku-soudan")
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "利用している制度・事業" in page and "関係機関へのつなぎ" in page and "会議と支援決定" in page
    assert "1か月／3か月" in page  # months paid of months awarded
    assert "次の求職活動状況報告" in page
    assert "達成時期" in page
    follow_up = TODAY() + timedelta(days=14)
    from tsunagu.core.dates import wareki

    assert wareki(follow_up) in page  # the follow-up date, in 和暦
    assert f'href="/referrals/{referral.pk}/"' in page
    assert 'id="timeline"' in page

    filtered = client.get(reverse("cases:case_detail", args=[case.pk]), {"kind": "payment"}).content.decode()
    timeline = filtered[filtered.index('id="timeline"') :]
    assert 'data-kind="payment"' in timeline and 'data-kind="referral"' not in timeline

    # Each programme page links back to the case.
    back = f'href="/cases/{case.pk}/"'
    assert back in client.get(f"/programs/housing-benefit/{app.pk}/").content.decode()
    assert back in client.get(f"/referrals/{referral.pk}/").content.decode()


def test_a_long_text_is_collapsed_with_show_all(rules: None, login: Any) -> None:
    case = closing_case()
    worker = user("shinjuku-soudan")
    long = "本人と面談し、求職活動の状況と家計の状況を確認した。" * 10
    case_services.record_create(actor=worker, case=case, values=record_values(worker, content=long))
    page = login("shinjuku-soudan").get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "全文を表示" in page and '<details class="longtext">' in page and long in page


def _case_page_queries(client: Any, case: Case) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_the_case_page_query_budget_does_not_grow_with_the_case(
    rules: None, login: Any, django_assert_max_num_queries: Any
) -> None:
    worker = user("shinjuku-soudan")
    small = closing_case(name="小野 一人", kana="オノ カズト")
    big = closing_case(name="大野 多恵", kana="オオノ タエ")
    for case, n_records, n_payments, programs in (
        (small, 1, 1, ["household_budget"]),
        (big, 40, 3, ["household_budget", "employment_preparation", "hw_general", "child_learning"]),
    ):
        for i in range(n_records):
            case_services.record_create(
                actor=worker,
                case=case,
                values=record_values(worker, occurred_at=timezone.now() - timedelta(hours=i + 1)),
            )
        app = awarded(case)
        for m in range(n_payments):
            pay(app, m)
        for p in programs:
            try:
                refer(case, p)
            except ValidationError:
                refer_with_partner(case, p)
    client = login("shinjuku-soudan")
    _case_page_queries(client, small)  # warm the session and the code caches
    assert Referral.objects.filter(case=big).count() == 4
    few, many = _case_page_queries(client, small), _case_page_queries(client, big)
    assert few == many, f"the case page costs {few} queries for a small case and {many} for a big one"
    with django_assert_max_num_queries(CASE_PAGE_BUDGET):
        client.get(reverse("cases:case_detail", args=[big.pk]))


def refer_with_partner(case: Case, program: str) -> Referral:
    from tsunagu.network.models import PartnerAgency
    from tsunagu.referrals.policies import PROGRAM_PARTNER_TYPE

    partner = PartnerAgency.objects.filter(
        municipality_id=case.municipality_id, agency_type=PROGRAM_PARTNER_TYPE[program]
    ).first()
    return referral_services.referral_create(
        actor=user("shinjuku-soudan"),
        case=case,
        values={
            "partner": partner,
            "program": program,
            "reason": "就労の相談のため",
            "data_categories": [],
            "accompanied": False,
            "follow_up_on": None,
        },
    )


def test_another_agencys_case_page_and_timeline_answer_404(rules: None, login: Any) -> None:
    case = closing_case()
    other = login("hasuda-soudan")
    assert other.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    api = login("hasuda-soudan").get(f"/api/v1/cases/{case.pk}/timeline")
    assert api.status_code == 404


def test_the_meetings_contributor_answers_with_the_meeting_and_the_decision(demo: Any, login: Any) -> None:
    from tsunagu.meetings import services as meeting_services
    from tsunagu.meetings.tests.helpers import approved_case

    case, item = approved_case(user("shinjuku-shunin"), user("shinjuku-soudan"))
    assert "会議での検討結果（1件）" in hub.recorded_items(case)
    assert not any(i.startswith("支援決定・確認") for i in hub.recorded_items(case))
    meeting_services.decision_record(
        actor=user("shinjuku-jichitai"), case=case, kind="confirmation", decided_on=TODAY(), note="確認済み"
    )
    case.refresh_from_db()
    assert "支援決定・確認（1件）" in hub.recorded_items(case)
    entries = [e for e in hub.timeline(case, user("shinjuku-soudan")) if e.kind in ("meeting", "decision")]
    assert {e.kind for e in entries} == {"meeting", "decision"}
    meeting_entry = next(e for e in entries if e.kind == "meeting")
    assert "承認" in meeting_entry.title and meeting_entry.url == f"/meetings/{item.meeting_id}/"
    page = login("shinjuku-soudan").get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    panel = page[page.index('id="hub-meetings"') :]
    assert f'href="/meetings/{item.meeting_id}/"' in panel and "確認（法定事業を含まない）" in panel


def test_a_support_council_item_is_shown_only_to_its_members(demo: Any, login: Any) -> None:
    from tsunagu.meetings import services as meeting_services

    shunin = user("shinjuku-shunin")
    council = meeting_services.council_create(
        actor=shunin, values={"name": "新宿区支援会議", "established_on": TODAY() - timedelta(days=30)}
    )
    meeting_services.council_member_add(
        actor=shunin, council=council, staff=shunin, pledge_signed_on=TODAY() - timedelta(days=1)
    )
    case = closing_case()
    meeting = meeting_services.meeting_create(
        actor=shunin, kind="council", council=council, values={"held_on": TODAY(), "place": "会議室"}
    )
    item = meeting_services.agenda_item_add(actor=shunin, meeting=meeting, case=case, purpose="consultation")
    meeting_services.agenda_outcome_record(
        actor=shunin, item=item, outcome="approved", minutes="家族の事情について構成員で共有した"
    )

    def meeting_entries(username: str) -> list[Any]:
        return [e for e in hub.timeline(case, user(username)) if e.kind == "meeting"]

    assert len(meeting_entries("shinjuku-shunin")) == 1
    assert meeting_entries("shinjuku-soudan") == []  # not a member: the 支援会議 does not exist for them
    page = login("shinjuku-soudan").get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "家族の事情について" not in page and f"/meetings/{meeting.pk}/" not in page
    member_page = login("shinjuku-shunin").get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "家族の事情について" in member_page and f"/meetings/{meeting.pk}/" in member_page
