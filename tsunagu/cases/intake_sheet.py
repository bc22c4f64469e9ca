"""申込票 B票: what staff add at 受付 by asking (仕事・住居・健康保険・年金), and the household read
from the 世帯 records (``persons.HouseholdMember``), never retyped on the 申込票.

The B票 of the 相談受付・申込票 (自立相談支援機関使用標準様式, 様式(案)(一括掲載)) asks the situation
at 受付; each item is a code of its 区分マスタ list (``core.codes``), editable per
municipality at /masters/codes/. See ``docs/process.md``「申込票B票」.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from tsunagu.core.codes import code_labels, valid_codes
from tsunagu.core.dates import age_on
from tsunagu.core.locking import field_labels
from tsunagu.core.models import CodeList

from .models import Intake

# The B票 fields of ``Intake``, in the order of the form, with the list each one's code is of.
B_SHEET_LISTS: dict[str, str] = {
    "work_status": CodeList.WORK_STATUS,
    "housing_type": CodeList.HOUSING_TYPE,
    "health_insurance": CodeList.HEALTH_INSURANCE,
    "pension_status": CodeList.PENSION_STATUS,
}
B_SHEET_FIELDS: tuple[str, ...] = tuple(B_SHEET_LISTS)

# 住居 (B票) from the person's 住まいの状況 (``Person.housing_status``, CodeList.HOUSING_STATUS)
# where the category is the same one; the others (知人宅等, ネットカフェ等, その他) are asked.
# Migration cases/0011 keeps a literal copy (``tests/test_intake_b_sheet.py`` checks they agree).
HOUSING_TYPE_FROM_STATUS: dict[str, str] = {
    "owned": "owned",
    "rented_private": "rented",
    "public_housing": "public_housing",
    "company_housing": "company_housing",
    "facility": "facility",
    "homeless": "homeless",
}


def housing_type_from_status(status: str | None, municipality: Any = None) -> str:
    """The 住居 code the person's 住まいの状況 says, if the municipality's list offers it; else ""."""
    code = HOUSING_TYPE_FROM_STATUS.get(status or "", "")
    return code if code and code in valid_codes(CodeList.HOUSING_TYPE, municipality) else ""


def b_sheet_rows(intake: Any, municipality: Any = None) -> list[tuple[str, str]]:
    """(項目名, the label of the code stored) of each B票 item, 「未記入」 for a blank one."""
    labels = field_labels(Intake, B_SHEET_FIELDS)
    rows = []
    for field, lst in B_SHEET_LISTS.items():
        code = getattr(intake, field) or ""
        rows.append((labels[field], code_labels(lst, municipality).get(code, code) if code else "未記入"))
    return rows


def household_rows(person: Any, on: date | None = None) -> list[dict[str, Any]]:
    """The person's 世帯構成 as shown on the 申込票: 氏名, 続柄, 年齢 (from 生年月日, on ``on``,
    today by default), 同居. One query; read-only (edited on the 世帯構成 page)."""
    if person is None or person.pk is None:
        return []
    day = on or timezone.localdate()
    return [
        {
            "name": m.name,
            "relationship": m.relationship,
            "age": age_on(m.birth_date, day) if m.birth_date else None,
            "lives_together": m.lives_together,
        }
        for m in person.household.all()
    ]
