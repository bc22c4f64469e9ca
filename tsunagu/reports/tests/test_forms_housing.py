"""The printed forms of 住居確保給付金 (reports/forms_housing.py): text of each PDF, the embedded font,
scoping (404), the PRINT audit row, the API list and the print links of the application page."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.programs.tests import conftest as programs_fixtures
from tsunagu.reports.printing import form_url

pytestmark = pytest.mark.django_db

# The programs' fixtures (demo data, seeded rule tables, application factories), reused.
hb = programs_fixtures.hb
shinjuku_case = programs_fixtures.shinjuku_case
make_application = programs_fixtures.make_application
awarded = programs_fixtures.awarded


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "poppler-utils (pdftotext) is needed"
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True)  # noqa: S603
    return _flat(out.stdout)


def _flat(text: str) -> str:
    """The text without spaces and line breaks (headings are letter-spaced, cells wrap)."""
    return re.sub(r"\s+", "", text)


def _fonts(pdf: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdffonts")
    assert tool, "poppler-utils (pdffonts) is needed"
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603


def _get(client: Any, case: Any, name: str, **params: Any) -> Any:
    return client.get(form_url(case, name, **params))


def _prints(name: str) -> int:
    return AuditEvent.objects.filter(action=AuditAction.PRINT, details__form=name).count()


@pytest.fixture
def worker(login: Callable[[str], Any]) -> Any:
    return login("shinjuku-soudan")


def test_confirmation_prints_the_application_and_the_explanations(
    worker: Any, make_application: Callable[..., Any], tmp_path: Path
) -> None:
    app = make_application()
    before = _prints("housing_confirmation")
    response = _get(worker, app.case, "housing_confirmation", application=app.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    text = _pdf_text(pdf, tmp_path)
    for expected in (
        "住居確保給付金申請時確認書",
        app.person.name,
        "令和7年4月10日",  # 申請日
        "家賃補助",
        "離職・廃業",
        "令和7年2月28日",
        "1人",
        "60,000円",
        "200,000円",
        "65,000円",
        "中止事項",
        "延長できること",
        "延長の要件",
        "☑",
        "本人署名",
        app.case.agency.name,
        f"ケース番号{app.case.case_number}",
    ):
        assert _flat(expected) in text, expected
    assert "None" not in text
    assert "☐" not in text  # every explanation is recorded as given
    fonts = _fonts(pdf, tmp_path)
    assert "yes" in fonts.split("\n", 2)[2]  # emb column
    assert _prints("housing_confirmation") == before + 1
    row = AuditEvent.objects.filter(action=AuditAction.PRINT).latest("occurred_at", "id")
    assert row.details["application_id"] == app.pk
    assert row.person_id == app.person_id


def test_decision_notice_award_with_rule_and_period(worker: Any, awarded: Any, tmp_path: Path) -> None:
    response = _get(worker, awarded.case, "housing_decision", application=awarded.pk)
    assert response.status_code == 200
    text = _pdf_text(response.content, tmp_path)
    for expected in (
        "住居確保給付金支給決定通知書",
        awarded.municipality.name,
        "印",
        "令和7年4月20日",  # decision date in 和暦
        "53,700円",  # monthly amount
        "3か月",
        "令和7年4月から",
        "令和7年6月まで",
        "基準額",
        "家賃上限",
        "収入基準額",
        "第1版",
        "出典",
        awarded.person.name,
    ):
        assert _flat(expected) in text, expected
    decision = awarded.decision
    assert f"{decision.base_amount:,}円" in text
    assert f"{decision.income_limit:,}円" in text
    assert "不支給" not in text
    assert "None" not in text


def test_reject_notice_gives_the_reason(
    worker: Any, make_application: Callable[..., Any], staff: Callable[[str], Any], tmp_path: Path
) -> None:
    from tsunagu.programs.services import housing_decision_record

    app = make_application(household_monthly_income=400_000)
    housing_decision_record(
        actor=staff("shinjuku-jichitai"),
        application=app,
        outcome="reject",
        decided_on=date(2025, 4, 22),
        reason="世帯の月収が収入基準額を超えています。",
    )
    text = _pdf_text(_get(worker, app.case, "housing_decision", application=app.pk).content, tmp_path)
    assert "住居確保給付金不支給決定通知書" in text
    assert "令和7年4月22日" in text
    assert "世帯の月収が収入基準額を超えています。" in text
    assert "None" not in text


def test_decision_not_yet_made_is_404(worker: Any, make_application: Callable[..., Any]) -> None:
    app = make_application()
    before = _prints("housing_decision")
    assert _get(worker, app.case, "housing_decision", application=app.pk).status_code == 404
    assert _get(worker, app.case, "housing_stop", application=app.pk).status_code == 404
    assert _prints("housing_decision") == before


def test_stop_notice(worker: Any, awarded: Any, staff: Callable[[str], Any], tmp_path: Path) -> None:
    from tsunagu.programs.services import housing_benefit_stop

    housing_benefit_stop(
        actor=staff("shinjuku-jichitai"),
        application=awarded,
        reason="employment_or_income",
        effective_month=date(2025, 6, 1),
        decided_on=date(2025, 5, 25),
        note="5月に常用就職",
    )
    text = _pdf_text(_get(worker, awarded.case, "housing_stop", application=awarded.pk).content, tmp_path)
    for expected in (
        "住居確保給付金支給中止通知書",
        "令和7年5月25日",
        "令和7年6月分から",
        "常用就職・収入増",
        "5月に常用就職",
        "53,700円",
        "収入基準額",
        "印",
    ):
        assert _flat(expected) in text, expected
    assert "None" not in text


def test_job_search_report_with_counts_and_requirements(
    worker: Any, awarded: Any, staff: Callable[[str], Any], tmp_path: Path
) -> None:
    from tsunagu.programs.services import job_search_report_record

    report = job_search_report_record(
        actor=staff("shinjuku-soudan"),
        application=awarded,
        month=date(2025, 4, 1),
        centre_consultations=1,
        counselling=3,
        applications=5,
        reported_on=date(2025, 5, 1),
        note="A社に応募",
    )
    before = _prints("housing_job_search")
    # Without ?month= the latest reported month is printed.
    text = _pdf_text(
        _get(worker, awarded.case, "housing_job_search", application=awarded.pk).content, tmp_path
    )
    req = report.requirement
    for expected in (
        "求職活動状況報告書",
        "令和7年4月",
        "支給1か月目",
        "自立相談支援機関での面談",
        f"月{req.centre_consultations_min}回以上",
        f"月{req.counselling_min}回以上",
        "1回",
        "3回",
        "5回",
        "令和7年5月1日",
        "A社に応募",
        "本人署名",
    ):
        assert _flat(expected) in text, expected
    assert "None" not in text
    assert _prints("housing_job_search") == before + 1


def test_job_search_month_without_report_prints_blank_form(worker: Any, awarded: Any, tmp_path: Path) -> None:
    response = _get(worker, awarded.case, "housing_job_search", application=awarded.pk, month="2025-05")
    assert response.status_code == 200
    text = _pdf_text(response.content, tmp_path)
    assert "令和7年5月" in text
    assert "支給2か月目" in text
    assert "回以上" in text  # the requirements are still beside the blank lines
    assert "None" not in text
    assert (
        _get(worker, awarded.case, "housing_job_search", application=awarded.pk, month="x").status_code == 404
    )


def test_application_of_another_case_or_agency_is_404(
    login: Callable[[str], Any],
    make_application: Callable[..., Any],
    staff: Callable[[str], Any],
    shinjuku_case: Any,
) -> None:
    from tsunagu.cases.models import Case

    app = make_application()
    other_case = Case.objects.filter(agency=shinjuku_case.agency).exclude(pk=shinjuku_case.pk).first()
    assert other_case is not None
    worker = login("shinjuku-soudan")
    before = AuditEvent.objects.filter(action=AuditAction.PRINT).count()
    # the application is not of this case
    assert _get(worker, other_case, "housing_confirmation", application=app.pk).status_code == 404
    assert _get(worker, shinjuku_case, "housing_confirmation", application="abc").status_code == 404
    assert _get(worker, shinjuku_case, "housing_confirmation", application=999999).status_code == 404
    # another agency's worker: neither the case nor the application
    other = login("hasuda-soudan")
    assert _get(other, shinjuku_case, "housing_confirmation", application=app.pk).status_code == 404
    hasuda_case = Case.objects.filter(agency=staff("hasuda-soudan").agency).first()
    assert _get(other, hasuda_case, "housing_confirmation", application=app.pk).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.PRINT).count() == before


def test_api_lists_the_housing_forms(
    api_as: Callable[[str], Any], awarded: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    client = api_as("shinjuku-soudan")
    # the token and the case, then one existence check per kind of record a form prints (申込票,
    # アセスメント, プラン, 評価, 住居確保給付金…): fixed, whatever the case holds
    with django_assert_max_num_queries(16):
        listed = client.get(f"/api/v1/cases/{awarded.case_id}/forms")
    names = [f["name"] for f in listed.json()]
    assert {"housing_confirmation", "housing_decision", "housing_job_search"} <= set(names)
    assert "housing_stop" not in names  # not stopped
    # the API's PDF, defaulting to the case's latest application
    response = client.get(f"/api/v1/cases/{awarded.case_id}/forms/housing_decision")
    assert response.status_code == 200
    assert "53,700円" in _pdf_text(response.content, tmp_path)


def test_application_page_offers_the_print_links(worker: Any, awarded: Any) -> None:
    page = worker.get(reverse("programs:housing_application_detail", args=[awarded.pk])).content.decode()
    assert form_url(awarded.case, "housing_confirmation", application=awarded.pk) in page
    assert form_url(awarded.case, "housing_decision", application=awarded.pk) in page
    assert form_url(awarded.case, "housing_job_search", application=awarded.pk) in page
    assert "housing_stop" not in page
    assert "決定通知書を印刷" in page


def test_restricted_address_is_not_printed_for_a_worker_not_in_charge(
    login: Callable[[str], Any], awarded: Any, staff: Callable[[str], Any], tmp_path: Path
) -> None:
    from tsunagu.cases.models import Case
    from tsunagu.persons.models import Person

    person = awarded.person
    Person.objects.filter(pk=person.pk).update(address="東京都新宿区秘密町1-2-3", is_restricted=True)
    Case.objects.filter(pk=awarded.case_id).update(assigned_worker=staff("shinjuku-shuro"))
    text = _pdf_text(
        _get(login("shinjuku-soudan"), awarded.case, "housing_decision", application=awarded.pk).content,
        tmp_path,
    )
    assert "秘密町" not in text
    assert "住居確保給付金支給決定通知書" in text
    confirmation = _pdf_text(
        _get(login("shinjuku-shuro"), awarded.case, "housing_confirmation", application=awarded.pk).content,
        tmp_path,
    )
    assert "秘密町" in confirmation  # the worker in charge sees it, audited
    assert AuditEvent.objects.filter(
        action=AuditAction.RESTRICTED_VIEW, person_id=person.pk, details__via="print:housing_confirmation"
    ).exists()
