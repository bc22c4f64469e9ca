"""API: POST /api/v1/imports (multipart) → 202, GET /api/v1/imports/{id}; 401/403/404/413/422."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tsunagu.imports.models import ImportJob
from tsunagu.persons.models import Person

pytestmark = pytest.mark.django_db


DATA = "氏名,フリガナ,生年月日,電話番号,住所\nAPI 太郎,エーピーアイ タロウ,R2.2.30,,\nAPI 花子,エーピーアイ ハナコ,,,\n"


def _post(client: Client, capture: Any, **fields: Any) -> Any:
    with capture(execute=True):
        return client.post("/api/v1/imports", fields)


def test_create_and_get(api_as: Callable[[str], Client], django_capture_on_commit_callbacks: Any) -> None:
    client = api_as("shinjuku-center")
    before = Person.objects.count()
    r = _post(
        client,
        django_capture_on_commit_callbacks,
        kind="persons",
        dry_run="false",
        file=SimpleUploadedFile("a.csv", DATA.encode("cp932")),
    )
    assert r.status_code == 202, r.content
    job_id = r.json()["id"]
    got = client.get(f"/api/v1/imports/{job_id}").json()
    assert got["status"] == "rejected"
    assert got["counts"] == {"total": 2, "processed": 2, "ok": 1, "error": 1, "imported": 0}
    assert got["row_errors"] == [{"row": 2, "errors": ["生年月日：存在しない日付です。"]}]
    assert Person.objects.count() == before

    r = _post(
        client,
        django_capture_on_commit_callbacks,
        kind="persons",
        dry_run="false",
        file=SimpleUploadedFile("a.csv", DATA.replace("R2.2.30", "R2.2.29").encode()),
        mapping='{"氏名": "name", "1": "kana", "2": "birth_date", "3": "phone", "4": "address"}',
    )
    got = client.get(f"/api/v1/imports/{r.json()['id']}").json()
    assert got["status"] == "done", got
    assert got["counts"]["imported"] == 2
    assert Person.objects.count() == before + 2


def test_errors(api_as: Callable[[str], Client], django_capture_on_commit_callbacks: Any) -> None:
    assert Client().get("/api/v1/imports/1").status_code == 401
    center = api_as("shinjuku-center")
    r = _post(
        center,
        django_capture_on_commit_callbacks,
        kind="persons",
        file=SimpleUploadedFile("a.csv", DATA.encode()),
    )
    job_id = r.json()["id"]
    assert api_as("hasuda-center").get(f"/api/v1/imports/{job_id}").status_code == 404
    assert center.get("/api/v1/imports/999999").status_code == 404
    consultant = api_as("shinjuku-soudan")
    r = _post(
        consultant, django_capture_on_commit_callbacks, kind="persons", file=SimpleUploadedFile("a.csv", b"x")
    )
    assert r.status_code == 403
    r = _post(
        center, django_capture_on_commit_callbacks, kind="nothing", file=SimpleUploadedFile("a.csv", b"x")
    )
    assert r.status_code == 422
    r = _post(
        center, django_capture_on_commit_callbacks, kind="persons", file=SimpleUploadedFile("a.pdf", b"x")
    )
    assert r.status_code == 422
    r = _post(
        center,
        django_capture_on_commit_callbacks,
        kind="persons",
        file=SimpleUploadedFile("a.csv", b"x"),
        mapping="[1",
    )
    assert r.status_code == 422
    big = SimpleUploadedFile("big.csv", b"x" * (30 * 1024 * 1024 + 1))
    r = _post(center, django_capture_on_commit_callbacks, kind="persons", file=big)
    assert r.status_code == 413
    assert "大きすぎます" in r.json()["detail"]
    assert ImportJob.objects.count() == 1
