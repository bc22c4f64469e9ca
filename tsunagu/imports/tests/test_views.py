"""Screens of the imports: templates, upload → report → execute, scoping, query budget."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from tsunagu.core.tabular import read_table
from tsunagu.imports.models import ImportJob, ImportStatus
from tsunagu.persons.models import Person

pytestmark = pytest.mark.django_db


def test_templates_have_japanese_headers_and_import_as_they_are(login: Callable[[str], Any]) -> None:
    client = login("shinjuku-center")
    r = client.get(reverse("imports:template_csv", args=["persons"]))
    assert r.status_code == 200
    assert r.content.startswith(b"\xef\xbb\xbf")
    table = read_table(r.content, "t.csv")
    assert table.headers[:5] == ["氏名", "フリガナ", "生年月日", "電話番号", "住所"]
    assert table.rows[0].cells[0].startswith("#")  # the example row is commented out
    r = client.get(reverse("imports:template_xlsx", args=["persons"]))
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["取り込み", "説明"]
    assert [c.value for c in wb["取り込み"][1]][:5] == ["氏名", "フリガナ", "生年月日", "電話番号", "住所"]
    # 基準額表 is the municipal officer's; a centre gets 404 for it.
    assert client.get(reverse("imports:template_csv", args=["housing_rules"])).status_code == 404
    assert (
        login("shinjuku-jichitai").get(reverse("imports:template_csv", args=["housing_rules"])).status_code
        == 200
    )


def test_upload_report_execute(
    login: Callable[[str], Any], django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    client = login("shinjuku-center")
    data = "氏名,フリガナ,生年月日,電話番号,住所\n画面 太郎,ガメン タロウ,令和5年2月30日,,\n画面 花子,ガメン ハナコ,S50.1.1,,\n"
    upload = SimpleUploadedFile("名簿.csv", data.encode("cp932"), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("imports:import_list"), {"kind": "persons", "file": upload})
    assert r.status_code == 302
    job = ImportJob.objects.latest("pk")
    assert job.status == ImportStatus.REJECTED
    with django_assert_max_num_queries(20):
        page = client.get(r["Location"])
    body = page.content.decode()
    assert "生年月日：存在しない日付です。" in body
    assert "画面 太郎" in body
    assert "取り込む</button>" not in body
    csv_body = client.get(reverse("imports:job_report_csv", args=[job.pk])).content.decode("utf-8-sig")
    assert "2,誤り,生年月日：存在しない日付です。" in csv_body
    progress = client.get(reverse("imports:job_progress", args=[job.pk])).json()
    assert progress["running"] is False and progress["percent"] == 100

    fixed = data.replace("令和5年2月30日", "令和5年2月28日")
    upload = SimpleUploadedFile("名簿.csv", fixed.encode("cp932"), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("imports:import_list"), {"kind": "persons", "file": upload})
    job = ImportJob.objects.latest("pk")
    assert job.status == ImportStatus.CHECKED
    assert "2件を取り込む" in client.get(r["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job_execute", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Person.objects.filter(name__startswith="画面 ").count() == 2
    with django_assert_max_num_queries(15):
        assert client.get(reverse("imports:import_list")).status_code == 200


def test_other_agency_and_roles(login: Callable[[str], Any], django_capture_on_commit_callbacks: Any) -> None:
    client = login("shinjuku-center")
    upload = SimpleUploadedFile(
        "a.csv", "氏名,フリガナ,生年月日,電話番号,住所\n".encode(), content_type="text/csv"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:import_list"), {"kind": "persons", "file": upload})
    job = ImportJob.objects.latest("pk")
    assert login("hasuda-center").get(reverse("imports:job_detail", args=[job.pk])).status_code == 404
    assert login("hasuda-center").get(reverse("imports:job_progress", args=[job.pk])).status_code == 404
    assert login("shinjuku-jichitai").get(reverse("imports:job_detail", args=[job.pk])).status_code == 404
    assert login("shinjuku-soudan").get(reverse("imports:import_list")).status_code == 403
    assert login("shinjuku-shunin").get(reverse("imports:job_detail", args=[job.pk])).status_code == 200
