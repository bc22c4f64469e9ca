"""The printed forms of the support process (reports/forms_case.py): the text of each PDF, the
embedded font, long cases over several pages with the name and case number on each, 404 for
another centre's case and for a record of another case, the PRINT audit row, 閲覧制限, the API."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tsunagu.cases import services
from tsunagu.cases.models import Case, CaseState, SupportPlan
from tsunagu.cases.tests.process import (
    assessment_values,
    case_at,
    evaluation_values,
    record_values,
    user,
)
from tsunagu.core.dates import wareki
from tsunagu.core.models import AuditAction, AuditEvent

S = CaseState
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def url(case: Case | int, name: str, query: str = "") -> str:
    pk = case if isinstance(case, int) else case.pk
    base = reverse("reports:print_form", args=[pk, name])
    return f"{base}?{query}" if query else base


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    exe = shutil.which("pdftotext")
    assert exe, "poppler-utils (pdftotext) is needed"
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([exe, str(path), "-"], capture_output=True, text=True, check=True)  # noqa: S603
    return out.stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pages(text: str) -> list[str]:
    return [p for p in text.split("\f") if p.strip()]


def fetch(client: Client, address: str) -> bytes:
    response = client.get(address)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return bytes(response.content)


@pytest.fixture
def soudan(login: Any) -> Client:
    return login("shinjuku-soudan")


def test_intake_form_has_the_a_and_b_sheets_the_consent_and_blank_signature_lines(
    soudan: Client, tmp_path: Path
) -> None:
    case = case_at(S.APPLIED)
    text = pdf_text(fetch(soudan, url(case, "intake")), tmp_path)
    f = flat(text)
    for label in (
        "相談受付・申込票",
        "A票",
        "B票",
        "受付日時",
        "相談方法",
        "主訴",
        "世帯構成",
        "本人署名",
        "印",
    ):
        assert label in f, label
    assert "◎" in f and "失業して家賃が払えない" in f
    assert "佐々木太郎" in f and "ササキタロウ" in f and "男性" in f
    assert flat(wareki(case.person.birth_date)) in f and "歳）" in f
    assert "東京都新宿区新宿三丁目1番1号" in f and "090-1111-2222" in f
    assert flat(wareki(case.intake.applied_on)) in f  # 利用申込日
    assert "本人の支援のため" in f or "利用目的" in f
    assert "None" not in text
    assert case.case_number in f


def test_restricted_contact_is_hidden_for_a_user_who_may_not_see_it(login: Any, tmp_path: Path) -> None:
    case = case_at(S.APPLIED)
    person = case.person
    person.is_restricted = True
    person.save(update_fields=["is_restricted"])
    hidden = flat(pdf_text(fetch(login("shinjuku-shunin"), url(case, "intake")), tmp_path))
    assert "（閲覧制限）" in hidden and "090-1111-2222" not in hidden and "新宿三丁目" not in hidden
    shown = flat(pdf_text(fetch(login("shinjuku-soudan"), url(case, "intake")), tmp_path))
    assert "090-1111-2222" in shown and "（閲覧制限）" not in shown
    assert AuditEvent.objects.filter(action=AuditAction.RESTRICTED_VIEW, person_id=person.pk).exists()


def test_assessment_form_prints_the_current_version_or_the_number_asked(
    soudan: Client, tmp_path: Path
) -> None:
    case = case_at(S.PLANNING)
    services.assessment_create(
        actor=user("shinjuku-soudan"),
        case=case,
        values=assessment_values(
            wishes="第二版の意向",
            savings=30_000,
            monthly_rent=65_000,
            work_status="unemployed",
            qualifications="調理師免許",
            jobs=[
                {
                    "period": "平成28年4月〜",
                    "employment_type": "",
                    "work": "飲食店 調理",
                    "reason_left": "解雇",
                }
            ],
            incomes=[{"category": "support", "amount": 20_000}],
            debts=[{"kind": "loan", "creditor": "○○カード", "amount": 300_000, "monthly_repayment": None}],
            benefits=[],
        ),
    )
    f = flat(pdf_text(fetch(soudan, url(case, "assessment")), tmp_path))
    for label in (
        "インテーク・アセスメントシート（第2版）",
        "健康・障害",
        "職歴",
        "債務・滞納",
        "公的給付",
        "抱える課題",
    ):
        assert label in f, label
    assert "第二版の意向" in f and "30,000円" in f and "65,000円" in f and "300,000円" in f
    assert "飲食店調理" in f and "調理師免許" in f and "20,000円" in f
    first = flat(pdf_text(fetch(soudan, url(case, "assessment", "number=1")), tmp_path))
    assert "（第1版）" in first and "早く仕事を見つけて家賃を払いたい" in first
    assert soudan.get(url(case, "assessment", "number=9")).status_code == 404
    assert soudan.get(url(case, "assessment", "number=x")).status_code == 404


def test_plan_form_has_goals_programmes_the_meeting_and_the_decision(soudan: Client, tmp_path: Path) -> None:
    case = case_at(S.DECIDED)
    plan = SupportPlan.objects.get(case=case)
    text = pdf_text(fetch(soudan, url(case, "plan")), tmp_path)
    f = flat(text)
    assert "プラン兼事業等利用申込書（第1版）" in f, text
    assert "住居確保給付金" in f and "を申請し、家賃" in f and "週1回" in f and "家賃の滞納" in f
    assert "☑住居確保給付金" in f and "☐就労準備支援事業" in f and "☐子どもの学習・生活支援事業" in f
    assert flat(wareki(plan.start_date)) in f and flat(wareki(plan.end_date)) in f
    assert "支援決定" in f and "本人署名" in f and "同意日" in f
    assert "None" not in text
    other = case_at(S.COORDINATION_MEETING)
    other_plan = SupportPlan.objects.get(case=other)
    assert soudan.get(url(case, "plan", f"plan={other_plan.pk}")).status_code == 404
    assert soudan.get(url(case, "plan", f"plan={plan.pk}")).status_code == 200


def test_evaluation_form_has_the_goal_table_and_the_change_checklist(soudan: Client, tmp_path: Path) -> None:
    case = case_at(S.EVALUATION)
    plan = SupportPlan.objects.get(case=case)
    evaluation = services.evaluation_create(
        actor=user("shinjuku-soudan"), case=case, values=evaluation_values(plan)
    )
    text = pdf_text(fetch(soudan, url(case, "evaluation", f"evaluation={evaluation.pk}")), tmp_path)
    f = flat(text)
    assert "評価シート" in f and "目標ごとの達成状況" in f and "達成" in f
    assert "家賃滞納が解消し、就職が決まった" in f and "終結" in f
    assert "☑" in f and "☐" in f  # every item of the change list, the chosen ones checked
    assert "None" not in text
    assert soudan.get(url(case, "evaluation", "evaluation=999999")).status_code == 404


def test_records_over_many_pages_with_the_name_and_number_on_each_and_a_very_long_row(
    soudan: Client, tmp_path: Path
) -> None:
    case = case_at(S.IN_SUPPORT, received_on=timezone.localdate() - timedelta(days=80))
    worker = user("shinjuku-soudan")
    start = timezone.now() - timedelta(days=70)
    for i in range(60):
        services.record_create(
            actor=worker,
            case=case,
            values=record_values(worker, occurred_at=start + timedelta(days=i), content=f"記録{i:02d} " * 12),
        )
    services.record_create(
        actor=worker, case=case, values=record_values(worker, content="長" * 5000, duration_minutes=None)
    )
    text = pdf_text(fetch(soudan, url(case, "records")), tmp_path)
    sheets = pages(text)
    assert len(sheets) > 2
    for sheet in sheets:
        assert "佐々木" in sheet and case.case_number in sheet
    f = flat(text)
    assert "記録00" in f and "記録59" in f and f.count("長") >= 5000
    assert f"/{len(sheets)}" in f
    day = timezone.localtime(start + timedelta(days=5)).date()
    part = flat(pdf_text(fetch(soudan, url(case, "records", f"from={day}&to={day}")), tmp_path))
    assert "記録05" in part and "記録04" not in part and "記録06" not in part
    assert soudan.get(url(case, "records", "from=2026-13-01")).status_code == 404


def test_the_font_is_embedded(soudan: Client, tmp_path: Path) -> None:
    case = case_at(S.APPLIED)
    path = tmp_path / "intake.pdf"
    path.write_bytes(fetch(soudan, url(case, "intake")))
    exe = shutil.which("pdffonts")
    assert exe
    out = subprocess.run([exe, str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603
    rows = [line for line in out.splitlines() if "Noto" in line and "CJK" in line]  # Noto-Sans-CJK-JP
    assert rows and all(" yes " in line for line in rows)


def test_another_centres_case_is_404_and_each_print_is_one_audit_row(login: Any) -> None:
    case = case_at(S.APPLIED)
    hasuda = login("hasuda-soudan")
    for name in ("intake", "assessment", "plan", "evaluation", "records"):
        assert hasuda.get(url(case, name)).status_code == 404
    soudan = login("shinjuku-soudan")
    before = AuditEvent.objects.filter(action=AuditAction.PRINT).count()
    fetch(soudan, url(case, "records"))
    rows = AuditEvent.objects.filter(action=AuditAction.PRINT).order_by("-id")
    assert rows.count() == before + 1
    row = rows.first()
    assert row is not None and row.person_id == case.person_id
    assert row.details.get("form") == "records"


def test_the_api_lists_the_forms_and_returns_the_pdf(api_as: Any) -> None:
    case = case_at(S.PLANNING)
    client = api_as("shinjuku-soudan")
    listed = client.get(f"/api/v1/cases/{case.pk}/forms")
    assert listed.status_code == 200
    names = {f["name"] for f in listed.json()}
    assert {"intake", "assessment", "records"} <= names  # the forms of the records the case has
    assert "plan" not in names and "evaluation" not in names
    pdf = client.get(f"/api/v1/cases/{case.pk}/forms/assessment")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert api_as("hasuda-soudan").get(f"/api/v1/cases/{case.pk}/forms/assessment").status_code == 404


def test_each_record_page_has_one_print_link_to_its_own_form(soudan: Client) -> None:
    case = case_at(S.EVALUATION)
    plan = SupportPlan.objects.get(case=case)
    evaluation = services.evaluation_create(
        actor=user("shinjuku-soudan"), case=case, values=evaluation_values(plan)
    )
    assessment = case.assessments.get()
    pages_and_links = (
        (reverse("cases:case_detail", args=[case.pk]), url(case, "intake")),
        (reverse("cases:case_detail", args=[case.pk]), url(case, "records")),
        (
            reverse("cases:assessment_detail", args=[case.pk, assessment.pk]),
            url(case, "assessment", f"number={assessment.number}"),
        ),
        (reverse("cases:plan_detail", args=[case.pk, plan.pk]), url(case, "plan", f"plan={plan.pk}")),
        (
            reverse("cases:evaluation_detail", args=[case.pk, evaluation.pk]),
            url(case, "evaluation", f"evaluation={evaluation.pk}"),
        ),
    )
    for page_url, link in pages_and_links:
        body = soudan.get(page_url).content.decode()
        assert body.count(f'href="{link}"') == 1, (page_url, link)
        assert soudan.get(link).status_code == 200


def test_plan_form_shows_the_meeting_and_the_municipalitys_decision_when_recorded(
    soudan: Client, tmp_path: Path
) -> None:
    from tsunagu.meetings.services import decision_record
    from tsunagu.meetings.tests.helpers import approved_case

    case, item = approved_case(user("shinjuku-shunin"), user("shinjuku-soudan"), programs=["housing_benefit"])
    before = flat(pdf_text(fetch(soudan, url(case, "plan")), tmp_path))
    assert f"{flat(wareki(item.meeting.held_on))}（承認）" in before
    assert "支援決定（法定事業を含む）" not in before
    day = timezone.localdate()
    decision_record(
        actor=user("shinjuku-jichitai"),
        case=case,
        kind="decision",
        decided_on=day,
        programs=["housing_benefit"],
    )
    after = flat(pdf_text(fetch(soudan, url(case, "plan")), tmp_path))
    assert f"支援決定（法定事業を含む）（{flat(wareki(day))}）：住居確保給付金" in after


def test_an_assessment_version_the_user_may_not_see_is_404(login: Any) -> None:
    case = case_at(S.PLANNING)  # version 1, not shared with the 家計改善支援員
    kakei = login("shinjuku-kakei")
    assert kakei.get(url(case, "intake")).status_code == 200  # the case itself is in scope
    assert kakei.get(url(case, "assessment")).status_code == 404
    assert kakei.get(url(case, "assessment", "number=1")).status_code == 404
    assert login("shinjuku-soudan").get(url(case, "assessment", "number=1")).status_code == 200


def test_printing_sixty_records_stays_within_a_query_budget(
    soudan: Client, django_assert_max_num_queries: Any
) -> None:
    case = case_at(S.IN_SUPPORT, received_on=timezone.localdate() - timedelta(days=80))
    worker = user("shinjuku-soudan")
    start = timezone.now() - timedelta(days=70)
    for i in range(60):
        services.record_create(
            actor=worker, case=case, values=record_values(worker, occurred_at=start + timedelta(days=i))
        )
    with django_assert_max_num_queries(25):
        fetch(soudan, url(case, "records"))
