"""The structured インテーク・アセスメントシート: the items beside the narratives (手帳の種類と等級,
通院・服薬, 就労の現状, 職歴, 資格, 家賃, 月収の種類ごと, 預貯金, 債務, 公的給付), through the service,
the screen (without JavaScript: 「行を追加」 answered by the server), the API, the diff between
versions, the 旧記録 carried from version to version, values offered by another screen, and the
server draft of the sheet with its rows."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from tsunagu.cases import selectors, services
from tsunagu.cases.models import Assessment, AssessmentDebt, CaseState
from tsunagu.cases.tests.process import assessment_values, case_at, page, user
from tsunagu.core.dates import wareki
from tsunagu.core.offers import offer_token

S = CaseState
API = "/api/v1"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


@pytest.fixture
def soudan(login: Any) -> Client:
    return login("shinjuku-soudan")


def structured(**overrides: Any) -> dict[str, Any]:
    """A whole sheet with every structured item and a row of each kind."""
    return (
        assessment_values(
            disability_certificate="yes",
            certificate_kind="mental",
            certificate_grade="2",
            outpatient=True,
            outpatient_note="○○クリニック 月2回",
            medication=False,
            medication_note="",
            work_status="unemployed",
            qualifications="調理師免許",
            savings=30_000,
            monthly_rent=65_000,
            jobs=[
                {
                    "period": "平成28年4月〜令和7年3月",
                    "employment_type": "non_regular",
                    "work": "飲食店 調理",
                    "reason_left": "解雇",
                }
            ],
            incomes=[{"category": "salary", "amount": 0}, {"category": "support", "amount": 20_000}],
            debts=[{"kind": "loan", "creditor": "○○カード", "amount": 300_000, "monthly_repayment": 10_000}],
            benefits=[
                {
                    "kind": "unemployment",
                    "name": "基本手当",
                    "monthly_amount": 120_000,
                    "ends_on": date(2027, 3, 31),
                }
            ],
        )
        | overrides
    )


def _errors(case: Any, **overrides: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        services.assessment_create(
            actor=user("shinjuku-soudan"), case=case, values=structured(**overrides), based_on_number=None
        )
    return exc.value.message_dict


# --- service ---------------------------------------------------------------------------------------


def test_the_structured_sheet_is_saved_with_its_rows_and_read_back_prefetched(
    django_assert_max_num_queries: Any,
) -> None:
    case = case_at(S.ASSESSMENT)
    a = services.assessment_create(actor=user("shinjuku-soudan"), case=case, values=structured())
    assert (a.certificate_kind, a.certificate_grade_label, a.outpatient, a.medication) == (
        "mental",
        "2級",
        True,
        False,
    )
    assert (a.savings, a.monthly_rent, a.work_status) == (30_000, 65_000, "unemployed")
    reader = user("shinjuku-soudan")
    # the sheet and its four kinds of rows, plus the reader's roles for the sheets' visibility rule
    with django_assert_max_num_queries(7):
        latest = selectors.latest_assessment(user=reader, case=case)
        assert latest is not None
        incomes = {i.category: i.amount for i in latest.incomes.all()}
        debts = [(d.kind, d.creditor, d.amount, d.monthly_repayment) for d in latest.debts.all()]
        jobs = [j.work for j in latest.jobs.all()]
        benefits = [(b.kind, b.ends_on) for b in latest.benefits.all()]
    assert incomes == {"salary": 0, "support": 20_000}  # 0円 is kept as an amount
    assert debts == [("loan", "○○カード", 300_000, 10_000)]
    assert jobs == ["飲食店 調理"] and benefits == [("unemployment", date(2027, 3, 31))]
    assert selectors.latest_assessment(user=user("shinjuku-soudan"), case=case_at(S.ASSESSMENT)) is None


def test_a_grade_outside_its_kinds_range_or_without_a_kind_is_refused() -> None:
    case = case_at(S.ASSESSMENT)
    assert "1級・2級・3級" in _errors(case, certificate_grade="5")["certificate_grade"][0]
    assert (
        "手帳の種類を選んで"
        in _errors(case, certificate_kind="", certificate_grade="2")["certificate_grade"][0]
    )
    assert "「有」または「申請中」" in _errors(case, disability_certificate="no")["certificate_kind"][0]
    assert _errors(case, certificate_kind="intellectual", certificate_grade="3")["certificate_grade"]
    assert not Assessment.objects.filter(case=case).exists()


def test_rows_and_amounts_are_checked_with_messages_keyed_by_row() -> None:
    case = case_at(S.ASSESSMENT)
    errors = _errors(
        case,
        debts=[
            {"kind": "loan", "creditor": "A", "amount": 1, "monthly_repayment": None},
            {"kind": "", "creditor": "B", "amount": None, "monthly_repayment": -1},
        ],
        incomes=[{"category": "salary", "amount": -5}, {"category": "pension", "amount": None}],
        jobs=[{"period": "令和6年", "employment_type": "", "work": " ", "reason_left": ""}],
        benefits=[{"kind": "", "name": "x", "monthly_amount": None, "ends_on": None}],
        savings=-1,
        monthly_rent="6万",
    )
    assert errors["debts.1.kind"] == ["債権者の種類を選んでください。"]
    assert errors["debts.1.amount"] == ["残額を入力してください。"]
    assert errors["debts.1.monthly_repayment"] == ["負の金額は入力できません。"]
    assert "debts.0.kind" not in errors
    assert errors["incomes.salary"] == ["負の金額は入力できません。"]
    assert errors["incomes.pension"] == ["金額を入力してください。"]
    assert errors["jobs.0.work"] == ["勤務先・仕事の内容を入力してください。"]
    assert errors["benefits.0.kind"] == ["給付の種類を選んでください。"]
    assert errors["savings"] == ["負の金額は入力できません。"]
    assert "円単位の整数" in errors["monthly_rent"][0]
    assert (
        "同じ収入の種類"
        in _errors(case, incomes=[{"category": "salary", "amount": 1}, {"category": "salary", "amount": 2}])[
            "incomes.salary"
        ][0]
    )
    assert not AssessmentDebt.objects.exists()


def test_only_structured_items_are_content_enough() -> None:
    case = case_at(S.ASSESSMENT)
    empty = {"sections": {}, "issues": [], "strengths": "", "wishes": "", "urgency": ""}
    with pytest.raises(ValidationError) as exc:
        services.assessment_create(
            actor=user("shinjuku-soudan"), case=case, values=assessment_values(**empty)
        )
    assert "__all__" in exc.value.message_dict
    a = services.assessment_create(
        actor=user("shinjuku-soudan"), case=case, values=assessment_values(**empty, savings=0)
    )
    assert a.savings == 0


def test_legacy_is_never_taken_from_input_and_every_version_carries_the_previous_one() -> None:
    case = case_at(S.ASSESSMENT)
    worker = user("shinjuku-soudan")
    a1 = services.assessment_create(actor=worker, case=case, values=structured(legacy={"health": "入力"}))
    assert a1.legacy == {}
    old = {"health": "うつ病で通院中（構造化前）", "finances": "借金あり"}
    Assessment.objects.filter(pk=a1.pk).update(legacy=old)  # as migration 0011 leaves it
    a2 = services.assessment_create(
        actor=worker, case=case, values=structured(legacy={}, wishes="次の版"), based_on_number=1
    )
    a3 = services.assessment_create(actor=worker, case=case, values=structured(), based_on_number=2)
    assert a2.legacy == old and a3.legacy == old


def test_the_diff_shows_structured_changes_in_japanese() -> None:
    case = case_at(S.ASSESSMENT)
    worker = user("shinjuku-soudan")
    a1 = services.assessment_create(actor=worker, case=case, values=structured())
    a2 = services.assessment_create(
        actor=worker,
        case=case,
        values=structured(
            certificate_grade="3",
            outpatient=None,
            savings=12_000,
            work_status="non_regular",
            debts=[
                {"kind": "loan", "creditor": "○○カード", "amount": 250_000, "monthly_repayment": 10_000},
                {"kind": "tax", "creditor": "住民税", "amount": 40_000, "monthly_repayment": None},
            ],
            incomes=[{"category": "salary", "amount": 84_000}],
            jobs=[],
            benefits=[
                {
                    "kind": "unemployment",
                    "name": "基本手当",
                    "monthly_amount": 120_000,
                    "ends_on": date(2027, 1, 31),
                }
            ],
        ),
        based_on_number=1,
    )
    rows = {label: (old, new) for label, old, new in selectors.assessment_diff(a1, a2)}
    assert rows["債務：借入（○○カード）"] == ("残額 300,000円", "残額 250,000円")
    assert rows["債務：税（住民税）（追加）"] == ("（なし）", "残額 40,000円")
    assert rows["月収：給与"] == ("月額 0円", "月額 84,000円")
    assert rows["月収：仕送り（削除）"] == ("月額 20,000円", "（なし）")
    assert rows["職歴：飲食店 調理（削除）"][1] == "（なし）"
    assert rows["公的給付：雇用保険（基本手当）"] == (
        f"終了日（予定） {wareki(date(2027, 3, 31))}",
        f"終了日（予定） {wareki(date(2027, 1, 31))}",
    )
    assert rows["手帳の等級・程度"] == ("2級", "3級")
    assert rows["通院"] == ("有", "未確認")
    assert rows["預貯金・現金（円）"] == ("30,000円", "12,000円")
    assert rows["就労の現状"] == ("失業・休職中", "臨時・パート・アルバイト・派遣")
    assert "家賃月額（円）" not in rows  # unchanged


def test_the_same_issues_ticked_in_another_order_are_no_change() -> None:
    case = case_at(S.ASSESSMENT)
    worker = user("shinjuku-soudan")
    a1 = services.assessment_create(
        actor=worker, case=case, values=structured(issues=["debt", "economic_hardship"])
    )
    a2 = services.assessment_create(
        actor=worker, case=case, values=structured(issues=["economic_hardship", "debt"]), based_on_number=1
    )
    assert "抱える課題" not in {label for label, _, _ in selectors.assessment_diff(a1, a2)}
    a3 = services.assessment_create(
        actor=worker, case=case, values=structured(issues=["economic_hardship"]), based_on_number=2
    )
    rows = {label: (old, new) for label, old, new in selectors.assessment_diff(a2, a3)}
    assert rows["抱える課題"] == ("経済的困窮、（多重・過重）債務", "経済的困窮")


# --- screen ------------------------------------------------------------------------------------------


def _rows(prefix: str, rows: list[dict[str, str]], initial: int = 0) -> dict[str, str]:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def _post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "assessed_on": timezone.localdate().isoformat(),
        "section_work": "調理師。3月に解雇。",
        "issues": ["economic_hardship"],
        "wishes": "働きたい",
        "urgency": "medium",
        "disability_certificate": "yes",
        "certificate_kind": "physical",
        "certificate_grade": "4",
        "outpatient": "yes",
        "outpatient_note": "整形外科 週1回",
        "medication": "",
        "work_status": "unemployed",
        "qualifications": "調理師免許",
        "monthly_rent": "６５，０００円",
        "savings": "3万円",
        "income_salary": "0",
        "income_pension": "",
        "based_on_number": "0",
    }
    data |= _rows(
        "jobs",
        [
            {
                "period": "令和元年〜令和7年",
                "employment_type": "regular",
                "work": "食堂",
                "reason_left": "閉店",
            }
        ],
    )
    data |= _rows(
        "debts", [{"kind": "rent", "creditor": "大家", "amount": "13万円", "monthly_repayment": ""}]
    )
    data |= _rows(
        "benefits", [{"kind": "", "name": "", "monthly_amount": "", "ends_on": ""}]
    )  # blank: ignored
    return data | overrides


def test_the_sheet_is_saved_from_the_screen_and_the_next_version_starts_from_it(soudan: Client) -> None:
    case = case_at(S.ASSESSMENT)
    url = f"/cases/{case.pk}/assessments/new/"
    form = soudan.get(url).content.decode()
    for label in (
        "手帳の種類",
        "等級・程度",
        "通院先・頻度",
        "就労の現状",
        "月収：給与（円）",
        "預貯金・現金",
        "家賃月額",
    ):
        assert label in form
    assert "職歴の行を追加" in form and "債務の行を追加" in form and "公的給付の行を追加" in form
    assert form.index("家賃月額") < form.index("手帳の種類") < form.index("就労の現状") < form.index("預貯金")
    response = soudan.post(url, _post())
    assert response.status_code == 302, page(response).errors
    a = Assessment.objects.get(case=case)
    assert (a.monthly_rent, a.savings, a.certificate_grade, a.outpatient, a.medication) == (
        65_000,
        30_000,
        "4",
        True,
        None,
    )
    assert [(i.category, i.amount) for i in a.incomes.all()] == [("salary", 0)]
    assert [(d.kind, d.amount) for d in a.debts.all()] == [("rent", 130_000)]
    assert [j.work for j in a.jobs.all()] == ["食堂"] and not a.benefits.exists()
    detail = soudan.get(f"/cases/{case.pk}/assessments/{a.pk}/").content.decode()
    assert "身体障害者手帳 4級" in detail and "家賃（大家） 残額 130,000円" in detail and "65,000円" in detail
    response = soudan.get(url)
    again = response.content.decode()
    p = page(response)
    assert p.value("monthly_rent") == "65,000" and p.value("savings") == "30,000"
    assert p.value("income_salary") == "0" and p.value("based_on_number") == "1"
    assert p.value("jobs-0-work") == "食堂" and p.value("debts-0-amount") == "130,000"
    assert '<option value="rent" selected>' in again
    assert 'name="jobs-TOTAL_FORMS" value="2"' in again  # the saved row and one empty


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"savings": "たくさん"}, "savings", "円単位の整数"),
        ({"income_salary": "-1000"}, "income_salary", "負の金額は入力できません"),
        ({"certificate_grade": "9"}, "certificate_grade", "候補にありません"),
        ({"certificate_kind": "physical", "certificate_grade": "A"}, "certificate_grade", "1級・2級"),
        ({"certificate_kind": "", "certificate_grade": "2"}, "certificate_grade", "手帳の種類を選んで"),
        ({"debts-0-kind": ""}, "debts-0-kind", "債権者の種類を選んで"),
        ({"debts-0-amount": "十万"}, "debts-0-amount", "円単位の整数"),
        ({"jobs-0-work": ""}, "jobs-0-work", "勤務先・仕事の内容を入力"),
    ],
)
def test_bad_input_is_shown_beside_the_field_and_the_rest_is_kept(
    soudan: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    case = case_at(S.ASSESSMENT)
    response = soudan.post(f"/cases/{case.pk}/assessments/new/", _post(**overrides))
    assert response.status_code == 200
    p = page(response)
    assert message in p.errors.get(field, ""), p.errors
    assert p.textareas["section_work"].strip() == "調理師。3月に解雇。"
    assert p.value("outpatient_note") == "整形外科 週1回"
    assert p.value("debts-0-creditor") == "大家"
    assert not Assessment.objects.filter(case=case).exists()


def test_without_javascript_the_add_row_button_adds_a_row_and_saves_nothing(soudan: Client) -> None:
    case = case_at(S.ASSESSMENT)
    url = f"/cases/{case.pk}/assessments/new/"
    assert "debts-__prefix__-kind" in soudan.get(url).content.decode()  # the row for rows.js
    response = soudan.post(url, _post(add_row="debts"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="debts-TOTAL_FORMS" value="2"' in body and 'name="debts-1-creditor"' in body
    assert page(response).value("debts-0-creditor") == "大家"
    assert not page(response).errors
    assert not Assessment.objects.filter(case=case).exists()


def test_a_post_without_the_rows_is_a_sheet_without_rows(soudan: Client) -> None:
    case = case_at(S.ASSESSMENT)
    data = {k: v for k, v in _post().items() if not k.startswith(("jobs-", "debts-", "benefits-"))}
    assert soudan.post(f"/cases/{case.pk}/assessments/new/", data).status_code == 302
    assert not Assessment.objects.get(case=case).debts.exists()


def _offer_url(
    case: Any, username: str, values: dict[str, int], label: str = "家計表（令和8年12月1日）"
) -> str:
    path = f"/cases/{case.pk}/assessments/new/"
    token = offer_token(user=user(username), path=path, label=label, values=values)
    return f"{path}?{urlencode({'offer': token})}"


def test_values_offered_by_another_screen_are_shown_marked_and_not_saved(soudan: Client) -> None:
    case = case_at(S.ASSESSMENT)
    services.assessment_create(actor=user("shinjuku-soudan"), case=case, values=structured())
    url = _offer_url(
        case,
        "shinjuku-soudan",
        {"savings": 80_000, "income_salary": 84_000, "household_size": 3, "qualifications": 1, "wishes": 2},
    )
    response = soudan.get(url)
    body = response.content.decode()
    assert "家計表（令和8年12月1日）の値を反映しています。確認して保存してください。" in body
    p = page(response)
    assert p.value("savings") == "80,000" and p.value("income_salary") == "84,000"
    assert p.value("monthly_rent") == "65,000"  # not offered: the previous version's value stays
    assert 'data-offered="savings"' in body and 'data-offered="income_salary"' in body
    assert 'data-offered="monthly_rent"' not in body and "世帯人数：3人" in body
    assert p.value("income_support") == "20,000"  # the copy of the previous version
    assert 'data-offered="qualifications"' not in body  # keys other than the offered ones are ignored
    assert Assessment.objects.filter(case=case).count() == 1


def test_only_an_offer_signed_for_this_account_and_form_puts_values_on_the_screen(soudan: Client) -> None:
    """A link made up outside the application, or made for a colleague or another case, offers nothing."""
    case = case_at(S.ASSESSMENT)
    services.assessment_create(actor=user("shinjuku-soudan"), case=case, values=structured())
    other = case_at(S.ASSESSMENT)
    made_up = f"/cases/{case.pk}/assessments/new/?offer=至急：口座番号を記入&savings=1"
    for url in (
        made_up,
        _offer_url(case, "shinjuku-shunin", {"savings": 1}),  # a colleague's link
        _offer_url(other, "shinjuku-soudan", {"savings": 1}).replace(
            f"/cases/{other.pk}/", f"/cases/{case.pk}/"
        ),
        f"/cases/{case.pk}/assessments/new/?offer="
        + _offer_url(case, "shinjuku-soudan", {"savings": 1})[-12:],
    ):
        body = soudan.get(url).content.decode()
        assert "反映しています" not in body and "口座番号" not in body
        assert page(soudan.get(url)).value("savings") == "30,000"


def test_legacy_text_is_shown_read_only_beside_its_section(soudan: Client) -> None:
    case = case_at(S.ASSESSMENT)
    a = services.assessment_create(actor=user("shinjuku-soudan"), case=case, values=structured())
    Assessment.objects.filter(pk=a.pk).update(legacy={"finances": "消費者金融から借入あり（旧）"})
    for url in (f"/cases/{case.pk}/assessments/{a.pk}/", f"/cases/{case.pk}/assessments/new/"):
        body = soudan.get(url).content.decode()
        assert "旧記録（構造化前の記述）" in body and "消費者金融から借入あり（旧）" in body
        assert 'name="legacy"' not in body
        finances = body.index("収入・資産・債務")
        assert finances < body.index("消費者金融から借入あり（旧）") < body.index("公的給付（年金")


def test_a_draft_of_the_sheet_restores_its_rows(soudan: Client) -> None:
    case = case_at(S.ASSESSMENT)
    url = f"/cases/{case.pk}/assessments/new/"
    m = re.search(r'data-draft-key="([^"]+)"', soudan.get(url).content.decode())
    assert m
    data = _post() | _rows(
        "debts",
        [
            {"kind": "rent", "creditor": "大家", "amount": "13万円", "monthly_repayment": ""},
            {"kind": "tax", "creditor": "市役所", "amount": "4万", "monthly_repayment": "5000"},
        ],
    )
    assert soudan.post("/drafts/", {"draft_key": html.unescape(m.group(1)), **data}).status_code == 200
    back = soudan.get(url)
    p = page(back)
    assert "保存されていない下書きを復元しました" in back.content.decode()
    assert p.value("debts-1-creditor") == "市役所" and p.value("debts-1-amount") == "4万"
    assert p.value("jobs-0-work") == "食堂" and p.value("monthly_rent") == "６５，０００円"
    assert not p.errors


# --- API ---------------------------------------------------------------------------------------------


def _api_post(client: Client, case: Any, body: dict[str, Any]) -> Any:
    return client.post(
        f"{API}/cases/{case.pk}/assessments", json.dumps(body, default=str), content_type="application/json"
    )


def _api_body(**overrides: Any) -> dict[str, Any]:
    body = structured(**overrides)
    body.pop("joint_with")
    return {"based_on_number": 0, **body}


def test_the_api_takes_and_gives_every_structured_item_and_row(api_as: Any) -> None:
    case = case_at(S.ASSESSMENT)
    client = api_as("shinjuku-soudan")
    r = _api_post(client, case, _api_body(legacy={"health": "書き込めない"}))
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["legacy"] == {}
    assert (
        out["certificate_kind"] == "mental" and out["certificate_grade"] == "2" and out["medication"] is False
    )
    assert out["incomes"] == [{"category": "salary", "amount": 0}, {"category": "support", "amount": 20000}]
    assert out["debts"] == [
        {"kind": "loan", "creditor": "○○カード", "amount": 300000, "monthly_repayment": 10000}
    ]
    assert out["benefits"][0]["ends_on"] == "2027-03-31" and out["jobs"][0]["work"] == "飲食店 調理"
    Assessment.objects.filter(pk=out["id"]).update(legacy={"work": "旧の就労"})
    got = client.get(f"{API}/cases/{case.pk}/assessments/{out['id']}").json()
    assert got["legacy"] == {"work": "旧の就労"} and got["savings"] == 30000
    schema = json.dumps(client.get(f"{API}/openapi.json").json(), ensure_ascii=False)
    assert "AssessmentDebtIn" in schema and "債権者の種類" in schema


def test_the_api_refuses_bad_items_with_the_screens_messages(api_as: Any) -> None:
    case = case_at(S.ASSESSMENT)
    r = _api_post(
        api_as("shinjuku-soudan"),
        case,
        _api_body(
            certificate_grade="7",
            incomes=[{"category": "salary", "amount": -1}],
            debts=[{"creditor": "B", "amount": 5}],
            savings=-3,
        ),
    )
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert "1級・2級・3級" in errors["certificate_grade"][0]
    assert errors["incomes.salary"] == ["負の金額は入力できません。"]
    assert errors["debts.0.kind"] == ["債権者の種類を選んでください。"]
    assert errors["savings"] == ["負の金額は入力できません。"]
    r = _api_post(api_as("shinjuku-soudan"), case, _api_body(certificate_kind="", certificate_grade="2"))
    assert r.status_code == 422 and "手帳の種類を選んで" in r.json()["errors"]["certificate_grade"][0]
    assert not Assessment.objects.filter(case=case).exists()


def test_a_stale_screen_save_shows_the_structured_diff(login: Any) -> None:
    case = case_at(S.ASSESSMENT)
    a, b = login("shinjuku-soudan"), login("shinjuku-shunin")
    url = f"/cases/{case.pk}/assessments/new/"
    assert a.post(url, _post()).status_code == 302
    conflict = b.post(url, _post(savings="5万円"))
    assert conflict.status_code == 200
    body = conflict.content.decode()
    assert "他の職員が保存した最新の内容" in body and "30,000円" in body and "50,000円" in body
    assert page(conflict).value("savings") == "5万円"
    assert Assessment.objects.filter(case=case).count() == 1


def _many_rows(n: int) -> dict[str, Any]:
    return {
        "jobs": [
            {"period": "", "employment_type": "regular", "work": f"勤務先{i}", "reason_left": ""}
            for i in range(n)
        ],
        "debts": [
            {"kind": "loan", "creditor": f"債権者{i}", "amount": 1000 * i, "monthly_repayment": None}
            for i in range(n)
        ],
        "benefits": [
            {"kind": "pension", "name": f"年金{i}", "monthly_amount": None, "ends_on": None} for i in range(n)
        ],
    }


@pytest.mark.parametrize("n", [1, 8])
def test_the_sheet_pages_and_the_api_list_do_not_grow_with_the_rows(
    soudan: Client, api_as: Any, django_assert_max_num_queries: Any, n: int
) -> None:
    case = case_at(S.ASSESSMENT)
    worker = user("shinjuku-soudan")
    for number in range(3):
        a = services.assessment_create(
            actor=worker, case=case, values=structured(**_many_rows(n)), based_on_number=number
        )
    client = api_as("shinjuku-soudan")
    client.get(f"{API}/cases/{case.pk}/assessments")  # the token's first use
    with django_assert_max_num_queries(25):
        assert soudan.get(f"/cases/{case.pk}/assessments/{a.pk}/").status_code == 200
    with django_assert_max_num_queries(20):
        assert soudan.get(f"/cases/{case.pk}/assessments/new/").status_code == 200
    with django_assert_max_num_queries(12):
        r = client.get(f"{API}/cases/{case.pk}/assessments")
    assert r.status_code == 200 and len(r.json()) == 3 and len(r.json()[0]["debts"]) == n


def test_an_unreadable_amount_and_a_wrong_grade_are_both_shown_at_once(soudan: Client) -> None:
    case = case_at(S.ASSESSMENT)
    response = soudan.post(
        f"/cases/{case.pk}/assessments/new/",
        _post(savings="三万", certificate_kind="mental", certificate_grade="5"),
    )
    errors = page(response).errors
    assert "円単位の整数" in errors["savings"] and "1級・2級・3級" in errors["certificate_grade"]
    assert page(response).value("savings") == "三万"
