"""The screens: 簡易判定, application, detail with lifecycle actions, rule tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagu.core.models import AuditEvent
from tsunagu.programs.models import HousingBenefitApplication, HousingBenefitPayment, HousingBenefitRuleTable

pytestmark = pytest.mark.django_db

ASSESS = "/programs/housing-benefit/assess/"


def assess_form(**overrides: str) -> dict[str, str]:
    data = {
        "municipality_code": "131041",
        "application_date": "令和7年4月10日",
        "type": "rent",
        "cause": "job_loss",
        "job_loss_date": "R7.2.28",
        "is_main_earner": "yes",
        "household_size": "1",
        "household_monthly_income": "100,000",
        "household_financial_assets": "２０００００円",
        "monthly_rent": "50000",
        "receives_overlapping_housing_aid": "no",
        "household_member_is_gang_member": "no",
    }
    data.update(overrides)
    return data


def test_assess_screen_url_and_result(hb: Any, login: Callable[[str], Client]) -> None:
    assert reverse("programs:housing_assess") == ASSESS
    client = login("shinjuku-soudan")
    page = client.get(ASSESS)
    assert page.status_code == 200
    assert "簡易判定" in page.content.decode()
    r = client.post(ASSESS, assess_form())
    html = r.content.decode()
    assert r.status_code == 200
    assert "34,000円" in html  # 84,000 + 50,000 − 100,000
    assert "満たす" in html and "書類で確認" in html
    assert "収入基準額" in html
    assert "<script>" not in html and "style=" not in html


def test_assess_screen_shows_not_met(hb: Any, login: Callable[[str], Client]) -> None:
    html = (
        login("shinjuku-soudan")
        .post(ASSESS, assess_form(household_financial_assets="600000"))
        .content.decode()
    )
    assert "満たさない" in html
    assert "資産上限504,000円を超えています" in html


def test_assess_screen_keeps_typed_input_and_shows_japanese_errors(
    hb: Any, login: Callable[[str], Client]
) -> None:
    r = login("shinjuku-soudan").post(
        ASSESS,
        assess_form(household_monthly_income="12.5", monthly_rent="-3", job_loss_date="令和7年2月30日"),
    )
    html = r.content.decode()
    assert r.status_code == 200
    assert "円単位の整数で入力してください" in html
    assert "負の金額は入力できません" in html
    assert "存在しない日付です" in html
    assert 'value="12.5"' in html  # what was typed is kept


def test_assess_screen_service_errors_beside_the_field(hb: Any, login: Callable[[str], Client]) -> None:
    html = login("shinjuku-soudan").post(ASSESS, assess_form(job_loss_date="")).content.decode()
    assert "離職・廃業の場合は離職日（廃業日）を入力してください。" in html


def test_application_from_the_screen_then_officer_decision_and_payment(
    hb: Any, login: Callable[[str], Client], shinjuku_case: Any
) -> None:
    centre = login("shinjuku-soudan")
    form = assess_form(household_monthly_income="60000", monthly_rent="65,000")
    del form["municipality_code"]
    form |= {
        "case": str(shinjuku_case.pk),
        "payee_name": "株式会社西新宿不動産",
        "payee_account_holder": "カ）ニシシンジュク",
    }
    new_url = reverse("programs:housing_application_new")
    r = centre.post(new_url, form)
    assert r.status_code == 200
    assert "中止事項を説明し、同意を得たことを確認してください。" in r.content.decode()
    assert not HousingBenefitApplication.objects.exists()
    form |= {
        "explained_stop_conditions": "on",
        "explained_extension": "on",
        "explained_extension_requirements": "on",
    }
    r = centre.post(new_url, form)
    app = HousingBenefitApplication.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse(
        "programs:housing_application_detail", args=[app.pk]
    )

    detail = centre.get(r["Location"]).content.decode()
    assert "申請中（決定待ち）" in detail
    assert "53,700円" in detail
    assert "支給決定・不支給を記録する" not in detail  # centre staff cannot decide

    officer = login("shinjuku-jichitai")
    detail = officer.get(r["Location"]).content.decode()
    assert "支給決定・不支給を記録する" in detail
    decision_url = reverse("programs:housing_application_action", args=[app.pk, "decision"])
    r2 = officer.post(
        decision_url, {"outcome": "award", "decided_on": "令和7年4月20日", "first_month": "令和7年4月"}
    )
    assert r2.status_code == 302
    app.refresh_from_db()
    assert app.state == "awarded" and app.first_month == date(2025, 4, 1)

    payment_url = reverse("programs:housing_application_action", args=[app.pk, "payment"])
    page = officer.get(payment_url).content.decode()
    assert "株式会社西新宿不動産" in page  # the payee is proposed from the application
    r3 = officer.post(
        payment_url,
        {
            "month": "2025-04",
            "paid_on": "令和7年4月25日",
            "payee_name": "株式会社西新宿不動産",
            "payee_account_holder": "カ）ニシシンジュク",
            "amount": "",
        },
    )
    assert r3.status_code == 302
    assert HousingBenefitPayment.objects.get().amount == 53_700
    r4 = officer.post(
        payment_url,
        {
            "month": "2025-07",
            "paid_on": "令和7年4月25日",
            "payee_name": "x",
            "payee_account_holder": "y",
            "amount": "",
        },
    )
    assert r4.status_code == 200
    assert "支給決定した期間" in r4.content.decode()
    r4 = officer.post(
        payment_url,
        {
            "month": "令和8年1月",
            "paid_on": "令和7年4月25日",
            "payee_name": "x",
            "payee_account_holder": "y",
            "amount": "",
        },
    )
    assert "9か月を超える支給は記録できません" in r4.content.decode()
    assert HousingBenefitPayment.objects.count() == 1

    # The centre cannot open the officer's actions.
    r5 = centre.get(decision_url)
    assert r5.status_code == 302
    assert AuditEvent.objects.filter(action="view", object_type="housingbenefitapplication").exists()


def test_other_agency_and_other_municipality_get_404(awarded: Any, login: Callable[[str], Client]) -> None:
    url = reverse("programs:housing_application_detail", args=[awarded.pk])
    assert login("hasuda-soudan").get(url).status_code == 404
    assert login("hasuda-jichitai").get(url).status_code == 404


def test_list_page_reminders_and_query_budget(awarded: Any, login: Callable[[str], Client]) -> None:
    client = login("shinjuku-soudan")
    url = reverse("programs:housing_application_list")
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert "求職活動状況報告が未提出です" in html  # the months since 2025-04 are past
    assert len(ctx.captured_queries) <= 25


def test_rules_page_and_new_version(hb: Any, login: Callable[[str], Client]) -> None:
    officer = login("shinjuku-jichitai")
    html = officer.get(reverse("programs:housing_rules")).content.decode()
    assert "84,000円" in html and "53,700円" in html and "161,100円" in html
    assert "基準額表に版を追加する" in html
    assert (
        "基準額表に版を追加する"
        not in login("shinjuku-soudan").get(reverse("programs:housing_rules")).content.decode()
    )
    new = reverse("programs:housing_rule_new")
    r = officer.post(
        new,
        {
            "household_size": "1",
            "effective_from": "令和8年4月1日",
            "base_amount": "92,000",
            "rent_cap": "53,700",
            "source": "試験",
        },
    )
    assert r.status_code == 200
    assert "変更の理由を入力してください" in r.content.decode()
    r = officer.post(
        new,
        {
            "household_size": "1",
            "effective_from": "令和8年4月1日",
            "base_amount": "92,000",
            "rent_cap": "53,700",
            "source": "試験",
            "note": "改定",
        },
    )
    assert r.status_code == 302
    assert HousingBenefitRuleTable.objects.filter(base_amount=92_000, asset_limit=552_000).exists()
    assert login("shinjuku-soudan").get(new).status_code == 403
