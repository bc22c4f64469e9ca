from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tsunagu.cases.models import Intake
from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.personal_data.models import SubjectAccessRequest
from tsunagu.persons.models import HouseholdMember, Person

from .helpers import world_with_takahashi_finished


@pytest.fixture
def world(demo: Any) -> Any:
    w = world_with_takahashi_finished()
    Intake.objects.filter(case=w.cases["C1"]).update(
        chief_complaint="家賃を3か月滞納している",
        consulter_type="family",
        consulter_name="髙橋 次郎",
        consulter_relationship="弟",
    )
    return w


def _record(client: Any, person: Person) -> SubjectAccessRequest:
    response = client.post(
        "/personal-data/requests/new/",
        {
            "person": person.pk,
            "requested_on": "令和7年12月1日",
            "requester": "self",
            "identity_check": "運転免許証を窓口で確認",
            "due_on": "",
            "notes": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return SubjectAccessRequest.objects.get(person=person)


def test_pdf_holds_the_persons_records_and_not_third_parties(world: Any, login: Any, tmp_path: Path) -> None:
    client = login("shinjuku-privacy")
    person = world.cases["C1"].person
    req = _record(client, person)
    assert req.due_on == date(2025, 12, 15)  # 請求日 + 14 days (the default setting)
    response = client.post(f"/personal-data/requests/{req.pk}/file.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "kaiji.pdf"
    pdf.write_bytes(response.content)
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (pdftotext) is needed"
    text = subprocess.run(  # noqa: S603 (our own file, a fixed program)
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    compact = text.replace(" ", "")
    assert "髙橋一郎" in compact
    assert "家賃を3か月滞納している" in compact
    assert "令和7年12月1日" in compact
    assert "髙橋花子" not in compact  # household member
    assert "髙橋次郎" not in compact  # the family member who consulted
    assert "第三者の情報のため開示しません" in compact
    # The person reads words, not stored codes or attribute names.
    import re

    flat = re.sub(r"\s+", "", text)  # a long label wraps inside its table cell
    assert "本人の支援のため" in flat and "support" not in flat
    leaked = [w for w in re.findall(r"(?<![A-Za-z0-9_./@-])[a-z]+(?:[_ ][a-z]+)+(?![A-Za-z0-9_])", text)]
    assert not leaked, leaked
    assert AuditEvent.objects.filter(action=AuditAction.PRINT, object_id=str(req.pk)).exists()
    # page 1 as an image, to look at (var/screenshots/, like the browser tests' screenshots)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        out = Path("var/screenshots")
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603 (our own file, a fixed program)
            [pdftoppm, "-png", "-r", "70", "-f", "1", "-l", "2", str(pdf), str(out / "personal_data_kaiji")],
            check=True,
        )


def test_json_structure(world: Any, login: Any) -> None:
    client = login("shinjuku-privacy")
    person = world.cases["C1"].person
    req = _record(client, person)
    response = client.post(f"/personal-data/requests/{req.pk}/file.json")
    assert response.status_code == 200
    data = json.loads(response.content.decode("utf-8"))
    assert data["format"] == "tsunagu-subject-access/1"
    assert data["person"]["name"] == "髙橋 一郎"
    intakes = data["sections"]["cases.intake"]["records"]
    assert len(intakes) >= 2
    first = next(r for r in intakes if r["values"]["chief_complaint"] == "家賃を3か月滞納している")
    assert first["values"]["consulter_name"] is None and "consulter_name" in first["redacted"]
    household = data["sections"]["persons.householdmember"]["records"]
    assert household and household[0]["values"]["name"] is None
    assert data["labels"]["fields"]["cases.intake"]["chief_complaint"]
    assert "髙橋 花子" not in response.content.decode("utf-8")
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, object_id=str(req.pk)).exists()


def test_other_agency_is_404_and_others_are_refused(world: Any, login: Any) -> None:
    takahashi = world.cases["C1"].person
    assert (
        login("hasuda-privacy").get(f"/personal-data/requests/new/?person={takahashi.pk}").status_code == 404
    )
    req = _record(login("shinjuku-privacy"), takahashi)
    assert login("hasuda-privacy").post(f"/personal-data/requests/{req.pk}/file.pdf").status_code == 404
    before = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count()
    assert login("shinjuku-soudan").get("/personal-data/requests/").status_code == 403
    assert login("shinjuku-center").post(f"/personal-data/requests/{req.pk}/file.json").status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == before + 2
    assert not HouseholdMember.objects.filter(name="x").exists()
