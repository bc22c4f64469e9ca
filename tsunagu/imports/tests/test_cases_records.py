"""Imports of open cases (ケース（継続中の相談）) and past support records (支援経過記録（過去分）):
persons matched in the actor's agency only, rows written by the screens' services, errors
beside their rows, all-or-nothing per file, audit rows naming the job and the file."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tsunagu.cases.models import Case, CaseState, RecordMethod, SupportRecord
from tsunagu.cases.tests.helpers import consent_values, new_person, open_case
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.core.tabular import read_table
from tsunagu.imports.models import ImportJob, ImportStatus
from tsunagu.imports.services import import_job_create, import_job_execute
from tsunagu.privacy.services import consent_give

pytestmark = pytest.mark.django_db

CASES_HEAD = "フリガナ,氏名,生年月日,相談受付日,相談経路,相談したいこと,相談概要,担当者,利用申込日\n"


def _run(capture: Any, **kwargs: Any) -> ImportJob:
    with capture(execute=True):
        job = import_job_create(**kwargs)
    job.refresh_from_db()
    return job


def _errors(job: ImportJob) -> dict[int, list[str]]:
    return {e["row"]: e["errors"] for e in job.report}


def test_cases_file_opens_cases_for_registered_persons(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    actor = staff("shinjuku-center")
    worker = staff("shinjuku-soudan")
    p1 = new_person(actor, name="取込 一郎", kana="トリコミ イチロウ", birth_date=date(1975, 1, 2))
    p2 = new_person(actor, name="髙橋 花子", kana="タカハシ ハナコ", birth_date=date(1990, 3, 4))
    consent_give(actor=actor, person=p2, values=consent_values(given_on=date(2025, 4, 1)))
    data = (
        CASES_HEAD
        # by フリガナ (hiragana, half-width spacing) + 和暦; codes by their labels; worker by login name
        + "とりこみ いちろう,,昭和50年1月2日,令和7年4月1日,本人自ら,"
        + "収入・生活費のこと／病気や健康、障害のこと,失業して家賃が払えない,shinjuku-soudan,\n"
        # by 氏名 (異体字 髙/高, no space) + 西暦; a code as such; no worker; 利用申込日
        + ",高橋花子,1990-03-04,2025/4/10 10:30,welfare_office,income,,,R7.4.15\n"
    ).encode("cp932")
    before = Case.objects.count()
    job = _run(
        django_capture_on_commit_callbacks, actor=actor, kind="cases", file_name="ケース.csv", data=data
    )
    assert job.status == ImportStatus.CHECKED, (job.message, job.report)
    assert job.started_at is not None and job.finished_at is not None and job.started_at <= job.finished_at
    assert Case.objects.count() == before  # a dry run writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        import_job_execute(actor=actor, job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, (job.message, job.report)
    assert job.imported_count == 2
    c1 = Case.objects.get(person=p1)
    assert c1.state == CaseState.INTAKE
    assert c1.opened_on == date(2025, 4, 1) and c1.assigned_worker == worker
    assert c1.intake.route == "self" and c1.intake.topics == ["income", "health"]
    assert (c1.intake.method, c1.intake.consulter_type) == ("other", "self")  # the documented defaults
    assert c1.intake.chief_complaint == "失業して家賃が払えない"
    assert c1.intake.applied_on is None
    c2 = Case.objects.get(person=p2)
    assert c2.state == CaseState.APPLIED
    assert c2.assigned_worker == actor  # blank: the importing user, as on the 受付 screen
    assert timezone.localtime(c2.intake.received_at).strftime("%Y-%m-%d %H:%M") == "2025-04-10 10:30"
    assert c2.intake.route == "welfare_office" and c2.intake.applied_on == date(2025, 4, 15)
    rows = AuditEvent.objects.filter(action=AuditAction.CREATE, details__import_job=job.pk)
    assert {(r.object_type, r.object_id) for r in rows} == {("case", str(c1.pk)), ("case", str(c2.pk))}
    assert all(r.details["file"] == "ケース.csv" and r.details["sha256"] == job.file_sha256 for r in rows)
    assert {r.person_id for r in rows} == {p1.pk, p2.pk}
    search = AuditEvent.objects.filter(action=AuditAction.SEARCH, details__via=f"import:{job.pk}")
    assert {r.person_id for r in search} == {p1.pk, p2.pk}
    assert sorted(e["case_id"] for e in job.report) == sorted([c1.pk, c2.pk])  # 「ケースを開く」


def test_cases_file_errors_beside_rows_and_nothing_written(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    actor = staff("shinjuku-center")
    good = new_person(actor, name="正常 太郎", kana="セイジョウ タロウ", birth_date=date(1970, 7, 7))
    twin_a = new_person(actor, name="双子 一", kana="フタゴ ハジメ", birth_date=date(1985, 5, 5))
    twin_b = new_person(actor, name="双子 始", kana="フタゴ ハジメ", birth_date=date(1985, 5, 5))
    busy = new_person(actor, name="継続 次郎", kana="ケイゾク ジロウ", birth_date=date(1960, 6, 6))
    existing = open_case(actor, person=busy)
    other = new_person(
        staff("hasuda-center"), name="蓮田 三郎", kana="ハスダ サブロウ", birth_date=date(1955, 1, 1)
    )
    data = (
        CASES_HEAD
        + "セイジョウ タロウ,,S45.7.7,令和7年5月1日,本人自ら,,,,\n"  # row 2: fine
        + "ミトウロク タロウ,,1980-01-01,令和7年5月1日,本人自ら,,,,\n"  # 3: nobody
        + "フタゴ ハジメ,,1985-05-05,令和7年5月1日,本人自ら,,,,\n"  # 4: two persons
        + "ケイゾク ジロウ,,1960-06-06,令和7年5月1日,本人自ら,,,,\n"  # 5: an open case already
        + "セイジョウ タロウ,,1970-07-07,令和5年2月30日,本人自ら,,,,\n"  # 6: no such date
        + "セイジョウ タロウ,,1970-07-07,令和7年5月1日,宇宙から,宇宙のこと,,だれか,\n"  # 7: codes, staff
        + f"{other.kana},{other.name},1955-01-01,令和7年5月1日,本人自ら,,,,\n"  # 8: another agency's
    ).encode()
    before = (Case.objects.count(), SupportRecord.objects.count())
    job = _run(
        django_capture_on_commit_callbacks,
        actor=actor,
        kind="cases",
        file_name="a.csv",
        data=data,
        dry_run=False,
    )
    assert job.status == ImportStatus.REJECTED
    assert (Case.objects.count(), SupportRecord.objects.count()) == before  # all or nothing
    assert not Case.objects.filter(person=good).exists()
    assert job.imported_count == 0
    err = _errors(job)
    assert err[2] == []
    assert err[3] == ["該当する相談者が登録されていません。先に相談者を取り込んでください。"]
    assert (
        len(err[4]) == 1
        and f"相談者ID：{min(twin_a.pk, twin_b.pk)}、{max(twin_a.pk, twin_b.pk)}" in err[4][0]
    )
    assert "双子" not in err[4][0]  # ids only, never another person's data
    assert err[5] == [f"この相談者には継続中のケースがあります（ケース番号 {existing.case_number}）。"]
    assert err[6] == ["相談受付日：存在しない日付です。"]
    assert err[7] == [
        "相談経路「宇宙から」は区分マスタにありません。名前またはコードで入力してください。",
        "相談したいこと「宇宙のこと」は区分マスタにありません。名前またはコードで入力してください。",
        "担当者「だれか」は自機関の相談支援員等に見つかりません。ログイン名か氏名で入力してください。",
    ]
    assert err[8] == err[3]  # another agency's person looks exactly like nobody
    assert not AuditEvent.objects.filter(action=AuditAction.SEARCH, person_id=other.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CREATE, details__import_job=job.pk).exists()


def test_application_date_needs_a_consent_recorded_on_screen(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    actor = staff("shinjuku-center")
    new_person(actor, name="同意 無", kana="ドウイ ナシ", birth_date=date(1981, 1, 1))
    data = (CASES_HEAD + "ドウイ ナシ,,1981-01-01,令和7年4月1日,本人自ら,,,,令和7年4月2日\n").encode()
    job = _run(django_capture_on_commit_callbacks, actor=actor, kind="cases", file_name="a.csv", data=data)
    assert job.status == ImportStatus.REJECTED
    assert _errors(job)[2] == ["利用申込には個人情報の取扱いへの同意が必要です。先に同意を記録してください。"]
    assert not Case.objects.filter(person__kana="ドウイ ナシ").exists()


RECORDS_HEAD = "ケース番号,フリガナ,氏名,生年月日,日時,所要時間（分）,方法,内容,対応者,モニタリング\n"


def test_records_file_adds_records_to_the_right_cases(
    staff: Callable[[str], Any], login: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    actor = staff("shinjuku-center")
    worker = staff("shinjuku-soudan")
    received = timezone.now() - timedelta(days=60)
    a = open_case(actor, person=new_person(actor, name="記録 一", kana="キロク ハジメ"), received_at=received)
    b = open_case(
        actor,
        person=new_person(actor, name="記録 二", kana="キロク フタバ", birth_date=date(1991, 2, 3)),
        received_at=received,
    )
    day = timezone.localtime(received + timedelta(days=7)).date()
    data = (
        RECORDS_HEAD
        + f"{a.case_number},,,,{day:%Y/%m/%d} 14:00,60,面談,家計の状況を聞き取った,shinjuku-soudan,いいえ\n"
        + f",キロク フタバ,,1991-02-03,{day:%Y-%m-%d},,電話,電話で様子を確認した,,\n"
        + f"{a.case_number.lower()},,,,{day:%Y-%m-%d} 9:05,15,関係機関連絡,福祉事務所と連絡,,\n"
    ).encode()
    before = SupportRecord.objects.count()
    job = _run(
        django_capture_on_commit_callbacks, actor=actor, kind="records", file_name="経過.csv", data=data
    )
    assert job.status == ImportStatus.CHECKED, (job.message, job.report)
    assert SupportRecord.objects.count() == before  # a dry run writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        import_job_execute(actor=actor, job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, (job.message, job.report)
    ra = list(SupportRecord.objects.filter(case=a).order_by("occurred_at"))
    rb = list(SupportRecord.objects.filter(case=b))
    assert [(r.method, r.duration_minutes, r.staff_id) for r in ra] == [
        (RecordMethod.AGENCY_CONTACT, 15, actor.pk),
        (RecordMethod.INTERVIEW, 60, worker.pk),
    ]
    assert timezone.localtime(ra[1].occurred_at).strftime("%H:%M") == "14:00"
    assert [(r.method, r.content, r.staff_id, r.is_monitoring) for r in rb] == [
        (RecordMethod.PHONE, "電話で様子を確認した", actor.pk, False)
    ]
    assert timezone.localtime(rb[0].occurred_at).strftime("%H:%M") == "00:00"  # a date alone
    rows = AuditEvent.objects.filter(action=AuditAction.CREATE, details__import_job=job.pk)
    assert {(r.object_type, int(r.object_id)) for r in rows} == {("supportrecord", r.pk) for r in ra + rb}
    assert {r.details["file"] for r in rows} == {"経過.csv"}
    assert [e["case_id"] for e in job.report] == [a.pk, b.pk, a.pk]
    html = login("shinjuku-center").get(reverse("imports:job_detail", args=[job.pk])).content.decode()
    assert html.count(f'href="/cases/{a.pk}/"') == 2 and "ケースを開く" in html


def test_records_file_refuses_rows_whose_case_is_not_found(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    actor = staff("shinjuku-center")
    received = timezone.now() - timedelta(days=30)
    a = open_case(actor, person=new_person(actor, name="記録 三", kana="キロク ミツ"), received_at=received)
    no_case = new_person(actor, name="記録 無", kana="キロク ナシ", birth_date=date(1977, 7, 7))
    hasuda = staff("hasuda-center")
    long_ago = timezone.make_aware(datetime(2019, 6, 3, 10, 0))  # 令和元年度: a number of its own
    theirs = open_case(
        hasuda, person=new_person(hasuda, name="他 機関", kana="ホカ キカン"), received_at=long_ago
    )
    assert not Case.objects.filter(agency=actor.agency, case_number=theirs.case_number).exists()
    day = timezone.localtime(received + timedelta(days=1)).date()
    data = (
        RECORDS_HEAD
        + f"{a.case_number},,,,{day:%Y-%m-%d},,面談,内容あり,,\n"  # 2: fine
        + f"R1-9999,,,,{day:%Y-%m-%d},,面談,内容あり,,\n"  # 3: no such case
        + f",{no_case.kana},,1977-07-07,{day:%Y-%m-%d},,面談,内容あり,,\n"  # 4: no open case
        + f"{theirs.case_number},,,,{day:%Y-%m-%d},,面談,内容あり,,\n"  # 5: another agency's number
        + f"{a.case_number},キロク ナシ,,1977-07-07,{day:%Y-%m-%d},,面談,内容あり,,\n"  # 6: mismatch
        + f"{a.case_number},,,,{day:%Y-%m-%d},,手紙,,,\n"  # 7: method, content
        + f"{a.case_number},,,,{timezone.localdate() + timedelta(days=2):%Y-%m-%d},,面談,未来,,\n"  # 8
    ).encode()
    before = SupportRecord.objects.count()
    job = _run(
        django_capture_on_commit_callbacks,
        actor=actor,
        kind="records",
        file_name="a.csv",
        data=data,
        dry_run=False,
    )
    assert job.status == ImportStatus.REJECTED
    assert SupportRecord.objects.count() == before
    err = _errors(job)
    assert err[2] == []
    assert err[3] == ["このケース番号のケースは自機関にありません。"]
    assert err[4] == [
        "この相談者には継続中のケースがありません。先にケースを取り込むか、ケース番号で指定してください。"
    ]
    assert err[5] == err[3]
    assert err[6] == ["ケース番号の相談者と、フリガナ・氏名・生年月日が一致しません。"]
    assert err[7] == [
        "方法「手紙」は選べません。テンプレートの説明の方法から選んでください。",
        "内容が空欄です。",
    ]
    assert err[8] == ["日時：日時が未来になっています。"]


def test_api_accepts_the_new_kinds(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    actor = staff("shinjuku-center")
    new_person(actor, name="API 一", kana="エーピーアイ イチ", birth_date=date(1980, 1, 1))
    out = StringIO()
    call_command("issue_api_token", "shinjuku-center", stdout=out)
    client = Client(headers={"Authorization": f"Bearer {out.getvalue().strip()}"})
    files = {
        "cases": (CASES_HEAD + "エーピーアイ イチ,,1980-01-01,令和7年4月1日,本人自ら,,,,\n").encode(),
        "records": (RECORDS_HEAD + "R1-9999,,,,令和7年4月1日,,面談,内容,,\n").encode(),
    }
    for kind, data in files.items():
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(
                "/api/v1/imports", {"kind": kind, "file": SimpleUploadedFile(f"{kind}.csv", data)}
            )
        assert r.status_code == 202, r.content
        assert r.json()["kind"] == kind
        got = client.get(f"/api/v1/imports/{r.json()['id']}").json()
        assert got["kind_ja"] in ("ケース（継続中の相談）", "支援経過記録（過去分）")
        if kind == "cases":
            assert got["status"] == "checked", got
        else:
            assert got["row_errors"] == [
                {"row": 2, "errors": ["このケース番号のケースは自機関にありません。"]}
            ]
    assert not Case.objects.filter(person__kana="エーピーアイ イチ").exists()


def test_template_downloads_of_the_new_kinds(login: Callable[[str], Any]) -> None:
    client = login("shinjuku-center")
    expected = {
        "cases": ["フリガナ", "氏名", "生年月日", "相談受付日", "相談経路", "相談したいこと"],
        "records": ["ケース番号", "フリガナ", "氏名", "生年月日", "日時", "所要時間（分）", "方法", "内容"],
    }
    for kind, headers in expected.items():
        r = client.get(reverse("imports:template_csv", args=[kind]))
        assert r.status_code == 200
        table = read_table(r.content, "t.csv")
        assert table.headers[: len(headers)] == [unicodedata.normalize("NFKC", h) for h in headers]
        assert table.rows[0].cells[0].startswith("#")
        r = client.get(reverse("imports:template_xlsx", args=[kind]))
        assert r.status_code == 200
        wb = load_workbook(io.BytesIO(r.content))
        assert [c.value for c in wb.worksheets[0][1]][: len(headers)] == headers
        assert wb.worksheets[1].title == "説明"
    r = client.get(reverse("imports:import_list"))
    assert "ケース（継続中の相談）" in r.content.decode() and "支援経過記録（過去分）" in r.content.decode()


def test_screen_upload_of_an_excel_records_file(
    staff: Callable[[str], Any], login: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    """An .xlsx with real date cells (Excel dates and date-times), through the screens."""
    actor = staff("shinjuku-center")
    received = timezone.now() - timedelta(days=20)
    case = open_case(
        actor, person=new_person(actor, name="画面 記録", kana="ガメン キロク"), received_at=received
    )
    when = timezone.localtime(received + timedelta(days=2)).replace(hour=15, minute=45, tzinfo=None)
    wb = Workbook()
    ws = wb.active
    ws.append(["ケースNo", "支援日時", "支援方法", "支援内容", "所要時間"])
    ws.append([case.case_number, when.replace(second=0, microsecond=0), "訪問", "自宅を訪問した", 30])
    ws.append([case.case_number, when.date(), "ケース会議", "", None])
    out = io.BytesIO()
    wb.save(out)
    client = login("shinjuku-center")
    upload = SimpleUploadedFile("経過.xlsx", out.getvalue())
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("imports:import_list"), {"kind": "records", "file": upload})
    assert r.status_code == 302
    job = ImportJob.objects.latest("pk")
    assert job.status == ImportStatus.REJECTED
    assert _errors(job) == {2: [], 3: ["内容が空欄です。"]}
    body = client.get(r["Location"]).content.decode()
    assert (
        "支援経過記録（過去分）の取り込み" in body and "内容が空欄です。" in body and "自宅を訪問した" in body
    )
    assert not SupportRecord.objects.filter(case=case).exists()


def test_cases_file_reads_the_b_sheet_columns_by_label_or_code(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    """申込票 B票 (仕事, 住居, 健康保険, 年金): optional columns, by label or code, written through
    ``intake_register`` like the screen; a value not in the list is refused beside its row."""
    actor = staff("shinjuku-center")
    p1 = new_person(actor, name="票B 一郎", kana="ヒョウビー イチロウ", birth_date=date(1970, 1, 2))
    p2 = new_person(actor, name="票B 二郎", kana="ヒョウビー ジロウ", birth_date=date(1972, 3, 4))
    head = "フリガナ,生年月日,相談受付日,相談経路,仕事,住居,健康保険,年金\n"
    bad = (
        head
        + "ヒョウビー イチロウ,1970-01-02,令和7年4月1日,本人自ら,"
        + "臨時・パート・アルバイト・派遣,借家,国民健康保険,受給中\n"
        + "ヒョウビー ジロウ,1972-03-04,令和7年4月1日,本人自ら,unemployed,城,,\n"
    ).encode()
    refused = _run(
        django_capture_on_commit_callbacks,
        actor=actor,
        kind="cases",
        file_name="b.csv",
        data=bad,
        dry_run=False,
    )
    assert refused.status == ImportStatus.REJECTED
    assert not Case.objects.filter(person__in=[p1, p2]).exists()
    assert _errors(refused)[2] == []
    assert _errors(refused)[3] == ["住居「城」は区分マスタにありません。名前またはコードで入力してください。"]
    good = bad.decode().replace(",城,", ",,").encode()
    job = _run(
        django_capture_on_commit_callbacks,
        actor=actor,
        kind="cases",
        file_name="b.csv",
        data=good,
        dry_run=False,
    )
    assert job.status == ImportStatus.DONE, (job.message, job.report)
    i1 = Case.objects.get(person=p1).intake
    assert (i1.work_status, i1.housing_type, i1.health_insurance, i1.pension_status) == (
        "non_regular",
        "rented",
        "national",
        "receiving",
    )
    i2 = Case.objects.get(person=p2).intake
    assert (i2.work_status, i2.housing_type, i2.health_insurance, i2.pension_status) == (
        "unemployed",
        "",
        "",
        "",
    )
