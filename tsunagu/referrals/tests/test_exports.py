"""De-identified exports: nothing identifying leaves, age bands, <5 suppression, consent to the purpose, audit."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tsunagu.core.models import AuditAction, AuditEvent
from tsunagu.persons.models import Person
from tsunagu.referrals.exports import age_band, deidentified_export, suppress

from .conftest import consent_scope

pytestmark = pytest.mark.django_db


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("birth", "band"),
    [
        (date(2010, 5, 1), "19歳以下"),
        (date(2006, 4, 1), "20代"),
        (date(2006, 4, 2), "19歳以下"),
        (date(1985, 12, 1), "40代"),
        (date(1940, 1, 1), "80歳以上"),
        (None, "不明"),
    ],
)
def test_age_band(birth: date | None, band: str) -> None:
    assert age_band(birth, date(2026, 4, 1)) == band


def test_suppress() -> None:
    assert [suppress(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]


def _identifiers(persons: list[Person]) -> list[str]:
    out = []
    for p in persons:
        out += [p.name, p.kana, p.phone, p.address, p.birth_date.isoformat() if p.birth_date else "xx"]
        out += [p.name.split(" ")[0], p.phone.replace("-", "")]
    return [s for s in out if s]


def test_case_rows_remove_identifiers_and_free_text_unless_reviewed(
    make_case: Callable[..., Any], staff: Callable[[str], Any]
) -> None:
    research = consent_scope(purposes=["support", "research"])
    cases = [
        make_case(consent=research, birth_date=date(1990, 1, 15), chief_complaint="家賃を3か月滞納している"),
        make_case(consent=research, birth_date=date(1960, 7, 1)),
        make_case(consent=consent_scope(purposes=["support"])),  # no consent to research: left out
    ]
    director = staff("shinjuku-center")
    export = deidentified_export(user=director, purpose="research", kind="case_rows")
    rows = parse(export.csv_bytes())
    header, body = rows[0], rows[1:]
    assert "主訴（自由記述・確認済み）" not in header
    text = export.csv_bytes().decode("utf-8-sig")
    for ident in _identifiers([c.person for c in cases]) + [c.case_number for c in cases]:
        assert ident not in text, ident
    assert "家賃を3か月滞納" not in text
    assert len(body) == 2
    assert {r[header.index("年代（受付時）")] for r in body} == {"30代", "60代"}
    assert {r[header.index("実施主体")] for r in body} == {"新宿区"}
    assert [r[0] for r in body] == ["1", "2"]  # numbered within the file, not database ids

    reviewed = deidentified_export(
        user=director, purpose="research", kind="case_rows", free_text_reviewed=True
    )
    assert "家賃を3か月滞納している" in reviewed.csv_bytes().decode("utf-8-sig")
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("id")
    assert [e.details["free_text"] for e in events] == [False, True]
    assert events[0].details["rows"] == 2 and events[0].details["purpose"] == "research"


def test_aggregates_suppress_cells_below_five(
    make_case: Callable[..., Any], staff: Callable[[str], Any]
) -> None:
    for _ in range(5):
        make_case(birth_date=date(1995, 6, 1), gender="female")
    for _ in range(2):
        make_case(birth_date=date(1970, 6, 1), gender="male")
    export = deidentified_export(
        user=staff("shinjuku-privacy"), purpose="statistics", kind="cases_by_age_gender"
    )
    rows = parse(export.csv_bytes())
    assert rows[0] == ["受付年度", "実施主体", "年代（受付時）", "性別", "件数"]
    cells = {(r[2], r[3]): r[4] for r in rows[1:]}
    assert cells[("30代", "女性")] == "5"
    assert cells[("50代", "男性")] == "<5"
    assert all(v == "<5" or int(v) >= 5 for v in cells.values())
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).details["suppression_threshold"] == 5


def test_referral_aggregate(
    make_case: Callable[..., Any], partners: dict[str, Any], worker: Any, staff: Callable[[str], Any]
) -> None:
    from tsunagu.referrals import services

    for _ in range(6):
        case = make_case(consent=consent_scope())
        services.referral_create(
            actor=worker,
            case=case,
            values={"partner": partners["hello_work"], "reason": "就労支援", "data_categories": ["basic"]},
        )
    export = deidentified_export(
        user=staff("shinjuku-center"), purpose="statistics", kind="referrals_by_type"
    )
    rows = parse(export.csv_bytes())
    assert ["ハローワーク", "", "依頼中", "6"] in rows


def test_statistics_purpose_gives_aggregates_only(demo: Any, staff: Callable[[str], Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        deidentified_export(user=staff("shinjuku-center"), purpose="statistics", kind="case_rows")
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError):
        deidentified_export(user=staff("shinjuku-center"), purpose="marketing", kind="case_rows")


def test_export_needs_the_permission_and_is_scoped(
    make_case: Callable[..., Any], staff: Callable[[str], Any]
) -> None:
    make_case(birth_date=date(1995, 6, 1))
    with pytest.raises(PermissionDenied):
        deidentified_export(user=staff("shinjuku-soudan"), purpose="statistics", kind="cases_by_age_gender")
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).exists()
    hasuda = deidentified_export(
        user=staff("hasuda-center"), purpose="statistics", kind="cases_by_age_gender"
    )
    assert all(r[1] == "蓮田市" for r in hasuda.rows)
    municipal = deidentified_export(
        user=staff("shinjuku-jichitai"), purpose="statistics", kind="cases_by_age_gender"
    )
    assert municipal.rows and all(r[1] == "新宿区" for r in municipal.rows)
