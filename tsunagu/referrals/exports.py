"""De-identified exports for statistics, case studies and research (手引き VII-1(2)① 2・3・5).

What leaves: no name, フリガナ, birth date (→ 年代), address (→ 実施主体の自治体名), phone, e-mail,
case number or database id (rows are numbered 1, 2, … within each file). Free text (主訴) only when
the user states it was reviewed for identifying details. Aggregates suppress every cell from 1 to 4
(「<5」). Case studies and research use only persons whose consent in force lists that purpose of
use; aggregates (statistics) count every case in scope. Every export is audited (EXPORT).
CSV is UTF-8 with a BOM, so Excel on Windows opens it correctly.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from tsunagu.cases.models import Case, CaseState
from tsunagu.core.audit import audit_record
from tsunagu.core.codes import code_labels
from tsunagu.core.dates import age_on, fiscal_year_label
from tsunagu.core.models import AuditAction, CodeList
from tsunagu.core.spreadsheet import csv_writer
from tsunagu.network.models import PartnerAgencyType
from tsunagu.organizations import guards
from tsunagu.organizations.roles import Permission
from tsunagu.organizations.scoping import scope_for_user
from tsunagu.persons.models import Gender
from tsunagu.privacy.models import Consent, Purpose

from .models import Referral, ReferralProgram, ReferralStatus

SUPPRESSION_THRESHOLD = 5
SUPPRESSED = "<5"

EXPORT_PURPOSES = (Purpose.STATISTICS, Purpose.CASE_STUDY, Purpose.RESEARCH)


class ExportKind(models.TextChoices):
    CASES_BY_AGE_GENDER = "cases_by_age_gender", "集計：受付年度・自治体・年代・性別ごとのケース数"
    REFERRALS_BY_TYPE = "referrals_by_type", "集計：つなぎ先の種別・状態ごとの件数"
    CASE_ROWS = "case_rows", "個票：ケースごと（匿名化）"


AGGREGATE_KINDS = (ExportKind.CASES_BY_AGE_GENDER, ExportKind.REFERRALS_BY_TYPE)
KINDS_FOR_PURPOSE: dict[str, tuple[str, ...]] = {
    Purpose.STATISTICS: AGGREGATE_KINDS,
    Purpose.CASE_STUDY: (ExportKind.CASE_ROWS, *AGGREGATE_KINDS),
    Purpose.RESEARCH: (ExportKind.CASE_ROWS, *AGGREGATE_KINDS),
}


def age_band(birth: date | None, on: date) -> str:
    """年代: 19歳以下, 20代 … 70代, 80歳以上, 不明."""
    if birth is None:
        return "不明"
    age = age_on(birth, on)
    if age < 20:
        return "19歳以下"
    if age >= 80:
        return "80歳以上"
    return f"{age // 10 * 10}代"


def suppress(n: int) -> str:
    """Cells from 1 to 4 are not shown (秘匿); 0 and 5+ are."""
    return SUPPRESSED if 0 < n < SUPPRESSION_THRESHOLD else str(n)


@dataclass
class Export:
    filename: str
    header: list[str]
    rows: list[list[str]]

    def csv_bytes(self) -> bytes:
        buf = io.StringIO()
        writer = csv_writer(buf)  # every cell through core.spreadsheet.safe_cell
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")


def cases_for_export(user: Any, *, fiscal_year: int | None = None) -> models.QuerySet[Case]:
    if not user.can(Permission.EXPORT_DEIDENTIFIED):
        return Case.objects.none()
    qs = scope_for_user(Case.objects.all(), user)
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs


def _with_purpose_consent(qs: models.QuerySet[Case], purpose: str, on: date) -> models.QuerySet[Case]:
    """Only persons whose consent in force on ``on`` lists ``purpose`` (JSON list: checked in Python,
    the same on SQLite and PostgreSQL)."""
    consents = (
        Consent.objects.filter(person__in=qs.values("person"))
        .in_force_on(on)
        .values_list("person_id", "purposes")
    )
    allowed = {pid for pid, purposes in consents if purpose in (purposes or [])}
    return qs.filter(person_id__in=allowed)


def _cases_by_age_gender(user: Any, fiscal_year: int | None) -> Export:
    genders = dict(Gender.choices)
    rows = (
        cases_for_export(user, fiscal_year=fiscal_year)
        .order_by()
        .values_list("fiscal_year", "municipality__name", "person__birth_date", "opened_on", "person__gender")
    )
    counts: Counter[tuple[int, str, str, str]] = Counter(
        (fy, muni, age_band(birth, opened), genders.get(gender or "", "未回答"))
        for fy, muni, birth, opened, gender in rows
    )
    out = [
        [fiscal_year_label(fy), muni, band, gender, suppress(n)]
        for (fy, muni, band, gender), n in sorted(counts.items())
    ]
    return Export(
        filename="cases_by_age_gender",
        header=["受付年度", "実施主体", "年代（受付時）", "性別", "件数"],
        rows=out,
    )


def _referrals_by_type(user: Any, fiscal_year: int | None) -> Export:
    cases = cases_for_export(user, fiscal_year=fiscal_year)
    counts = (
        Referral.objects.filter(case__in=cases.values("pk"))
        .order_by()
        .values("partner__agency_type", "program", "status")
        .annotate(n=models.Count("id"))
    )
    types = dict(PartnerAgencyType.choices)
    statuses = dict(ReferralStatus.choices)
    programs = dict(ReferralProgram.choices)
    out = sorted(
        [
            [
                types.get(r["partner__agency_type"] or "", "（関係機関なし）"),
                programs.get(r["program"] or "", ""),
                statuses.get(r["status"], r["status"]),
                suppress(r["n"]),
            ]
            for r in counts
        ]
    )
    return Export(filename="referrals_by_type", header=["つなぎ先の種別", "事業", "状態", "件数"], rows=out)


def _case_rows(user: Any, purpose: str, fiscal_year: int | None, include_free_text: bool) -> Export:
    today = timezone.localdate()
    cases = _with_purpose_consent(cases_for_export(user, fiscal_year=fiscal_year), purpose, today)
    data = list(
        cases.order_by("fiscal_year", "opened_on", "id").values_list(
            "pk",
            "fiscal_year",
            "municipality__name",
            "person__birth_date",
            "opened_on",
            "person__gender",
            "person__housing_status",
            "topics",
            "is_emergency",
            "state",
            "closure_reason",
            "intake__chief_complaint",
        )
    )
    referral_types: dict[int, list[str]] = {}
    for case_id, kind in (
        Referral.objects.filter(case_id__in=[r[0] for r in data])
        .order_by("referred_on", "id")
        .values_list("case_id", "partner__agency_type")
    ):
        referral_types.setdefault(case_id, []).append(kind or "")
    genders = dict(Gender.choices)
    types = dict(PartnerAgencyType.choices)
    topics_ja = code_labels(CodeList.CONSULTATION_TOPIC)
    housing_ja = code_labels(CodeList.HOUSING_STATUS)
    closure_ja = code_labels(CodeList.CLOSURE_REASON)
    header = [
        "番号",
        "受付年度",
        "実施主体",
        "年代（受付時）",
        "性別",
        "住まいの状況",
        "相談したいこと",
        "緊急的な支援",
        "状態",
        "終結理由",
        "つなぎ先の種別",
    ]
    if include_free_text:
        header.append("主訴（自由記述・確認済み）")
    out: list[list[str]] = []
    for i, (
        case_id,
        fy,
        muni,
        birth,
        opened,
        gender,
        housing,
        topics,
        emergency,
        state,
        closure,
        complaint,
    ) in enumerate(data, start=1):
        row = [
            str(i),
            fiscal_year_label(fy),
            muni,
            age_band(birth, opened),
            genders.get(gender or "", "未回答"),
            housing_ja.get(housing, housing or ""),
            "、".join(topics_ja.get(t, t) for t in (topics or [])),
            "あり" if emergency else "なし",
            CaseState(state).label,
            closure_ja.get(closure, closure or ""),
            "、".join(types.get(k, "（事業）") for k in referral_types.get(case_id, [])),
        ]
        if include_free_text:
            row.append(complaint or "")
        out.append(row)
    return Export(filename=f"cases_{purpose}", header=header, rows=out)


def deidentified_export(
    *,
    user: Any,
    purpose: str,
    kind: str,
    fiscal_year: int | None = None,
    free_text_reviewed: bool = False,
) -> Export:
    """Build a de-identified export and audit it (EXPORT), or raise ValueError with a Japanese message."""
    from django.core.exceptions import ValidationError

    if not guards.allowed(user, Permission.EXPORT_DEIDENTIFIED):
        guards.deny(
            user,
            permission=Permission.EXPORT_DEIDENTIFIED,
            message="匿名化データを出力する権限がありません。",
        )
    if purpose not in EXPORT_PURPOSES:
        raise ValidationError({"purpose": "出力の目的（統計・事例検討・研究）を選んでください。"})
    if kind not in KINDS_FOR_PURPOSE[purpose]:
        raise ValidationError(
            {
                "kind": "統計の目的では集計表のみ出力できます（個票は事例検討・研究の目的で、同意のある方に限ります）。"
            }
        )
    if kind == ExportKind.CASES_BY_AGE_GENDER:
        export = _cases_by_age_gender(user, fiscal_year)
    elif kind == ExportKind.REFERRALS_BY_TYPE:
        export = _referrals_by_type(user, fiscal_year)
    else:
        export = _case_rows(user, purpose, fiscal_year, include_free_text=free_text_reviewed)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    export.filename = f"tsunagu_{export.filename}_{purpose}_{stamp}.csv"
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.EXPORT,
            object_type="deidentified_export",
            details={
                "purpose": purpose,
                "kind": kind,
                "fiscal_year": fiscal_year,
                "rows": len(export.rows),
                "free_text": bool(free_text_reviewed and kind == ExportKind.CASE_ROWS),
                "suppression_threshold": SUPPRESSION_THRESHOLD if kind in AGGREGATE_KINDS else None,
            },
        )
    return export
