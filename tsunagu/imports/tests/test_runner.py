"""Imports end to end through the services: dry run report, all-or-nothing, audit, scoping."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import Workbook

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.imports.models import ImportJob, ImportStatus
from tsunagu.imports.services import (
    FileTooLarge,
    import_job_create,
    import_job_execute,
    import_job_set_mapping,
    import_jobs_purge_expired,
)
from tsunagu.network.models import PartnerAgency
from tsunagu.organizations.guards import AccessDenied
from tsunagu.persons.models import Person

pytestmark = pytest.mark.django_db

HEAD = "氏名,フリガナ,生年月日,電話番号,住所\r\n"


def _run(capture: Any, **kwargs: Any) -> ImportJob:
    with capture(execute=True):
        job = import_job_create(**kwargs)
    job.refresh_from_db()
    return job


def test_five_columns_in_shift_jis_dry_run_then_execute(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    actor = staff("shinjuku-center")
    before = Person.objects.count()
    data = (
        HEAD
        + "新井 一郎,ｱﾗｲ ｲﾁﾛｳ,昭和50年1月2日,０９０－１１１１－２２２２,東京都新宿区西新宿2-8-1\r\n"
        + "新井 二郎,あらい じろう,H2.3.4,,\r\n"
    ).encode("cp932")
    job = _run(
        django_capture_on_commit_callbacks, actor=actor, kind="persons", file_name="名簿.csv", data=data
    )
    assert job.status == ImportStatus.CHECKED, job.message
    assert (job.total, job.ok_count, job.error_count, job.imported_count) == (2, 2, 0, 0)
    assert Person.objects.count() == before  # a dry run writes nothing
    assert job.report[0]["values"]["氏名"] == "新井 一郎"
    assert "ファイルの形式：Shift_JIS。" in job.notes[0]
    with django_capture_on_commit_callbacks(execute=True):
        import_job_execute(actor=actor, job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.message
    assert job.imported_count == 2
    assert Person.objects.count() == before + 2
    p = Person.objects.get(name="新井 一郎")
    assert (p.kana, p.phone, str(p.birth_date)) == ("アライ イチロウ", "090-1111-2222", "1975-01-02")
    assert Person.objects.get(name="新井 二郎").kana == "アライ ジロウ"
    # The bytes and the typed values are gone; every imported row has an audit row naming the file.
    assert bytes(job.file_data) == b"" and job.values_purged and "values" not in job.report[0]
    rows = AuditEvent.objects.filter(action=AuditAction.CREATE, details__import_job=job.pk)
    assert rows.count() == 2
    assert {r.details["sha256"] for r in rows} == {job.file_sha256}
    assert all(r.details["file"] == "名簿.csv" for r in rows)
    assert "新井" not in str([r.details for r in rows])


def test_bad_rows_reported_beside_the_row(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    actor = staff("shinjuku-center")
    existing = Person.objects.filter(agency=actor.agency).exclude(birth_date=None).first()
    assert existing is not None
    data = (
        "名前,ふりがな,誕生日,TEL,住所,自治体（団体コード）\n"
        "山田 太郎,ヤマダ タロウ,令和5年2月30日,03-1234-5678,新宿区,131041\n"
        "\n"
        "鈴木 次郎,スズキ ジロウ,1980-01-01,03-1234-5678,新宿区,131042\n"
        ",スズキ,1980-01-01,,,\n"
        f"{existing.name},{existing.kana},{existing.birth_date:%Y/%m/%d},,,\n"
        f"{existing.name},{existing.kana},{existing.birth_date:%Y/%m/%d},,,\n"
    ).encode()
    job = _run(django_capture_on_commit_callbacks, actor=actor, kind="persons", file_name="a.csv", data=data)
    assert job.status == ImportStatus.REJECTED
    by_row = {e["row"]: e for e in job.report}
    assert by_row[2]["errors"] == ["生年月日：存在しない日付です。"]
    assert "検査数字" in by_row[4]["errors"][0]
    assert by_row[5]["errors"] == ["氏名が空欄です。"]
    assert by_row[6]["duplicates"][0]["person_id"] == existing.pk
    assert by_row[6]["duplicates"][0]["score"] >= 0.9
    assert by_row[7]["same_as_row"] == 6
    assert "空の行は読み飛ばしました（3行目）。" in job.notes
    assert (job.ok_count, job.error_count) == (2, 3)
    with pytest.raises(Exception, match="誤りがなかった"):
        import_job_execute(actor=actor, job=job)


def test_all_or_nothing_999_good_and_1_bad(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    actor = staff("shinjuku-center")
    before = Person.objects.count()
    lines = [f"取込 太郎{i},トリコミ タロウ,,,\n" for i in range(999)]
    lines.insert(500, "取込 花子,漢字です,,,\n")  # フリガナ not kana: refused by the persons service
    data = (HEAD + "".join(lines)).encode()
    job = _run(
        django_capture_on_commit_callbacks,
        actor=actor,
        kind="persons",
        file_name="a.csv",
        data=data,
        dry_run=False,
    )
    assert job.status == ImportStatus.REJECTED
    assert (job.total, job.ok_count, job.error_count, job.imported_count) == (1000, 999, 1, 0)
    assert job.report[500]["errors"] == ["フリガナ：フリガナはカタカナ（またはひらがな）で入力してください。"]
    assert Person.objects.count() == before
    assert not AuditEvent.objects.filter(details__import_job=job.pk, action=AuditAction.CREATE).exists()


def test_mapping_for_a_file_that_differs(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    actor = staff("shinjuku-shunin")
    data = "本人,よみ,誕生,携帯番号,現住所,メモ\n田中 三郎,タナカ サブロウ,S60.5.5,,,x\n".encode()
    job = _run(django_capture_on_commit_callbacks, actor=actor, kind="persons", file_name="a.csv", data=data)
    assert job.status == ImportStatus.REJECTED
    assert "必須の列が見つかりません：氏名、フリガナ、生年月日、電話番号" in job.message
    assert job.headers == ["本人", "よみ", "誕生", "携帯番号", "現住所", "メモ"]
    with django_capture_on_commit_callbacks(execute=True):
        import_job_set_mapping(
            actor=actor,
            job=job,
            mapping={"0": "name", "1": "kana", "2": "birth_date", "3": "phone", "4": "address", "5": ""},
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, job.message
    assert job.mapping == {"0": "name", "1": "kana", "2": "birth_date", "3": "phone", "4": "address"}


def test_xlsx_partners_with_merged_cells(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    actor = staff("hasuda-center")
    wb = Workbook()
    ws = wb.active
    ws.append(["機関名", "種別", "住所", "電話番号", "自治体（団体コード）"])
    ws.append(["蓮田ハローワーク分室", "ハローワーク", "蓮田市1-1", "048-111-2222", "112381"])
    ws.append(["白岡市社協", "社協", "白岡市1-1", "0480-11-2222", "112461"])
    ws.append([None, None, None, None, None])
    ws.append(["新宿の機関", "NPO", "", "", "131041"])
    out = io.BytesIO()
    wb.save(out)
    job = _run(
        django_capture_on_commit_callbacks,
        actor=actor,
        kind="partners",
        file_name="関係機関.xlsx",
        data=out.getvalue(),
        dry_run=False,
    )
    assert job.status == ImportStatus.REJECTED
    assert job.report[2]["errors"] == [
        "自治体（団体コード）：担当区域の自治体ではない（または登録のない）団体コードです。"
    ]
    assert not PartnerAgency.objects.filter(name="蓮田ハローワーク分室").exists()


def test_permissions_and_limits(staff: Callable[[str], Any]) -> None:
    with pytest.raises(AccessDenied):
        import_job_create(actor=staff("shinjuku-soudan"), kind="persons", file_name="a.csv", data=b"x")
    with pytest.raises(AccessDenied):
        import_job_create(actor=staff("shinjuku-center"), kind="housing_rules", file_name="a.csv", data=b"x")
    with pytest.raises(FileTooLarge):
        import_job_create(
            actor=staff("shinjuku-center"), kind="persons", file_name="a.csv", data=b"x" * (31 * 1024 * 1024)
        )


def test_housing_rules_by_the_municipal_officer(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    from tsunagu.programs.models import HousingBenefitRuleTable, HousingRuleDraft
    from tsunagu.programs.services.housing_rules import housing_rule_table_approve

    actor = staff("hasuda-jichitai")
    before = HousingBenefitRuleTable.objects.filter(municipality=actor.municipality).count()
    data = (
        "世帯人数,基準額,家賃上限,資産上限,級地,適用開始日,出典\n"
        '1,"84,000",53700,,3級地-1,令和8年4月1日,要綱改正\n'
        "2,115000,64000,,3級地-1,令和8年4月1日,要綱改正\n"
    ).encode("cp932")
    job = _run(
        django_capture_on_commit_callbacks,
        actor=actor,
        kind="housing_rules",
        file_name="基準額.csv",
        data=data,
        dry_run=False,
    )
    assert job.status == ImportStatus.DONE, (job.message, job.report)
    # The file becomes one table waiting for review: nothing is in force before 確定.
    draft = HousingRuleDraft.objects.get(pk=job.report[0]["created_id"])
    assert (
        draft.origin == "import" and len(draft.rows) == 2 and draft.effective_from.isoformat() == "2026-04-01"
    )
    assert HousingBenefitRuleTable.objects.filter(municipality=actor.municipality).count() == before
    housing_rule_table_approve(actor=actor, draft=draft)
    assert HousingBenefitRuleTable.objects.filter(municipality=actor.municipality).count() == before + 2


def test_housing_rules_errors_of_the_table_go_beside_their_row(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    from tsunagu.programs.models import HousingRuleDraft

    data = (
        "世帯人数,基準額,家賃上限,資産上限,級地,適用開始日,出典\n"
        "1,84000,53700,,3級地-1,令和8年4月1日,要綱改正\n"
        "2,115000,64000,600000,3級地-1,令和8年4月1日,要綱改正\n"  # within 6 × 基準額 and 100万円
        "3,140000,69000,1200000,3級地-1,令和8年4月1日,要綱改正\n"  # over 100万円
    ).encode("cp932")
    job = _run(
        django_capture_on_commit_callbacks,
        actor=staff("hasuda-jichitai"),
        kind="housing_rules",
        file_name="基準額.csv",
        data=data,
        dry_run=False,
    )
    assert job.status == ImportStatus.REJECTED
    assert not job.report[0]["errors"] and not job.report[1]["errors"]
    assert any("資産上限" in e for e in job.report[2]["errors"]), job.report
    assert not HousingRuleDraft.objects.exists()


def test_purge_after_14_days(staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    job = _run(
        django_capture_on_commit_callbacks,
        actor=staff("shinjuku-center"),
        kind="persons",
        file_name="a.csv",
        data=(HEAD + "山田 一,ヤマダ ハジメ,,,\n").encode(),
    )
    assert job.report[0]["values"]
    assert import_jobs_purge_expired(now=timezone.now() + timedelta(days=15)) == 1
    job.refresh_from_db()
    assert bytes(job.file_data) == b"" and "values" not in job.report[0]


def test_ten_thousand_rows_with_progress(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    """10,000 generated rows go through the persons service in one transaction (a dry run)."""
    import time

    actor = staff("shinjuku-center")
    kana = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
    lines = [
        f"大量 {i:05d},タイリョウ {kana[i % 43]}{kana[i // 43 % 43]}{kana[i // 1849]},,,\n"
        for i in range(10_000)
    ]
    data = (HEAD + "".join(lines)).encode("cp932")
    started = time.monotonic()
    job = _run(
        django_capture_on_commit_callbacks, actor=actor, kind="persons", file_name="大量.csv", data=data
    )
    elapsed = time.monotonic() - started
    assert job.status == ImportStatus.CHECKED, job.report[:3]
    assert (job.total, job.processed, job.ok_count) == (10_000, 10_000, 10_000)
    print(f"10,000 rows: {elapsed:.1f} s")


def _persons_file(n: int, prefix: str = "進捗") -> bytes:
    kana = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
    lines = [f"{prefix} {i:05d},シンチョク {kana[i % 43]}{kana[i // 43 % 43]},,,\n" for i in range(n)]
    return (HEAD + "".join(lines)).encode()


@pytest.mark.django_db(transaction=True)
def test_progress_of_the_write_phase_is_visible_while_the_transaction_is_open(
    staff: Callable[[str], Any], login: Callable[[str], Any]
) -> None:
    """The page and the API see 書き込み中 and the rows written so far, chunk after chunk, while
    the one write transaction is still open (a second connection on PostgreSQL, the progress
    file on SQLite); afterwards nothing is left behind."""
    from django.urls import reverse

    from tsunagu.imports.api import job_out
    from tsunagu.imports.runner import _progress_file, run_job
    from tsunagu.persons.services import CREATE_CHUNK

    actor = staff("shinjuku-center")
    client = login("shinjuku-center")
    n = 2 * CREATE_CHUNK + 200
    job = import_job_create(actor=actor, kind="persons", file_name="進捗.csv", data=_persons_file(n))
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, job.message
    seen: list[tuple[str, str, int, int, int, int]] = []

    def look(_: int) -> None:
        page = client.get(reverse("imports:job_progress", args=[job.pk])).json()
        api = job_out(ImportJob.objects.get(pk=job.pk))
        seen.append(
            (
                page["status"],
                page["status_label"],
                page["processed"],
                page["total"],
                page["percent"],
                api["counts"]["processed"],
            )
        )

    run_job(job.pk, on_write_progress=look)
    assert seen == [
        ("writing", "書き込み中", CREATE_CHUNK, n, round(CREATE_CHUNK * 100 / n), CREATE_CHUNK),
        ("writing", "書き込み中", 2 * CREATE_CHUNK, n, round(2 * CREATE_CHUNK * 100 / n), 2 * CREATE_CHUNK),
        ("writing", "書き込み中", n, n, 100, n),
    ]
    job.refresh_from_db()
    assert (job.status, job.processed) == (ImportStatus.CHECKED, n)
    assert not _progress_file(job.pk).exists()
    assert not Person.objects.filter(name__startswith="進捗 ").exists()  # a dry run


def test_queries_of_a_real_persons_import_do_not_grow_per_row(
    staff: Callable[[str], Any], django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tsunagu.imports.runner import PROGRESS_EVERY, run_job
    from tsunagu.persons.services import CREATE_CHUNK

    actor = staff("shinjuku-center")
    counts = {}
    for n in (10, 500):
        with django_capture_on_commit_callbacks(execute=False):
            job = import_job_create(
                actor=actor, kind="persons", file_name="q.csv", data=_persons_file(n, f"数{n}"), dry_run=False
            )
        with CaptureQueriesContext(connection) as queries:
            run_job(job.pk)
        job.refresh_from_db()
        assert (job.status, job.imported_count) == (ImportStatus.DONE, n), job.message
        counts[n] = len(queries)
    # 490 more rows: a progress save per PROGRESS_EVERY rows, per CREATE_CHUNK rows at most four
    # INSERTs (persons, kana index, two audit rows), and the same constant.
    assert counts[500] <= counts[10] + 500 // PROGRESS_EVERY + 4 * (500 // CREATE_CHUNK + 1), counts
