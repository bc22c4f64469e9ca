"""Input rules of the 住居確保給付金 簡易判定 and application, shared by the form, the API and the services.

Everything a tired officer could mistype gets a Japanese message on its own field; the messages are
collected (not the first one only) and raised together as one ``ValidationError``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from . import housing_rules as hr

if TYPE_CHECKING:
    from tsunagu.organizations.models import Municipality

LAW_START = date(2015, 4, 1)  # 生活困窮者自立支援法の施行日
OLDEST_DATE = date(2000, 1, 1)  # older dates are typing mistakes (a year like 1025 or 2002 for 2022)
MAX_MONTHLY_YEN = 99_999_999
MAX_ASSET_YEN = 9_999_999_999
MAX_HOUSEHOLD = 20

YEN_FIELDS_MONTHLY = ("household_monthly_income", "monthly_rent", "relocation_costs")
BOOL_FIELDS = ("is_main_earner", "receives_overlapping_housing_aid", "household_member_is_gang_member")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _yen(
    errors: dict[str, str], values: dict[str, Any], name: str, label: str, *, maximum: int
) -> int | None:
    v = values.get(name)
    if v is None or v == "":
        errors[name] = f"{label}を入力してください（円、整数）。"
        return None
    if not _is_int(v):
        errors[name] = f"{label}は円単位の整数で入力してください（小数・記号は使えません）。"
        return None
    if v < 0:
        errors[name] = f"{label}に負の金額は入力できません。"
        return None
    if v > maximum:
        errors[name] = f"{label}が大きすぎます（{maximum:,}円まで）。桁を確認してください。"
        return None
    return int(v)


def _date(
    errors: dict[str, str], values: dict[str, Any], name: str, label: str, *, required: bool
) -> date | None:
    v = values.get(name)
    if v is None or v == "":
        if required:
            errors[name] = f"{label}を入力してください。"
        return None
    if not isinstance(v, date):
        errors[name] = f"{label}の日付が正しくありません。"
        return None
    if v < OLDEST_DATE:
        errors[name] = f"{label}が古すぎます。年を確認してください。"
        return None
    if v > timezone.localdate():
        errors[name] = f"{label}に未来の日付は入力できません。"
        return None
    return v


def municipality_code_valid(code: Any) -> bool:
    """A 全国地方公共団体コード: six ASCII digits."""
    return isinstance(code, str) and code.isascii() and code.isdigit() and len(code) == 6


def clean_assessment_values(
    values: dict[str, Any], municipality: Municipality | None
) -> tuple[Municipality, hr.AssessmentInput]:
    """Check the inputs of the 簡易判定 (API field names); return the municipality and the typed input.

    Takes values only: ``municipality`` is the one the caller found for ``municipality_code``
    (``lookups.housing_assess``), or None when there is none.
    """
    errors: dict[str, str] = {}
    code = values.get("municipality_code")
    if code in (None, ""):
        errors["municipality_code"] = "自治体コード（全国地方公共団体コード6桁）を入力してください。"
    elif municipality is None:
        errors["municipality_code"] = (
            "登録されていない自治体コードです（全国地方公共団体コード6桁、例：131041）。"
        )

    application_date = _date(errors, values, "application_date", "申請日", required=True)
    if application_date is not None and application_date < LAW_START:
        errors["application_date"] = "申請日が制度の開始（平成27年4月1日）より前です。"
        application_date = None

    btype = values.get("type")
    if btype not in {t.value for t in hr.BenefitType}:
        errors["type"] = "種類を「家賃補助」(rent)か「転居費用補助」(relocation)から選んでください。"
        btype = None
    cause = values.get("cause")
    if cause not in {c.value for c in hr.Cause}:
        errors["cause"] = (
            "困窮の理由を「離職・廃業」(job_loss)か「休業等」(reduced_income)から選んでください。"
        )
        cause = None

    job_loss_date = _date(
        errors, values, "job_loss_date", "離職・廃業日", required=cause == hr.Cause.JOB_LOSS
    )
    income_drop_date = _date(
        errors, values, "income_drop_date", "収入が減少した日", required=cause == hr.Cause.REDUCED_INCOME
    )
    if cause == hr.Cause.JOB_LOSS and "job_loss_date" in errors and values.get("job_loss_date") in (None, ""):
        errors["job_loss_date"] = "離職・廃業の場合は離職日（廃業日）を入力してください。"
    if (
        cause == hr.Cause.REDUCED_INCOME
        and "income_drop_date" in errors
        and values.get("income_drop_date") in (None, "")
    ):
        errors["income_drop_date"] = "休業等の場合は収入が減少した日を入力してください。"
    if application_date is not None:
        if cause == hr.Cause.JOB_LOSS and job_loss_date is not None and job_loss_date > application_date:
            errors["job_loss_date"] = "離職・廃業日は申請日以前の日付を入力してください。"
        if (
            cause == hr.Cause.REDUCED_INCOME
            and income_drop_date is not None
            and income_drop_date > application_date
        ):
            errors["income_drop_date"] = "収入が減少した日は申請日以前の日付を入力してください。"

    for name in BOOL_FIELDS:
        if not isinstance(values.get(name), bool):
            errors[name] = "「はい」か「いいえ」を選んでください。"

    size = values.get("household_size")
    if size is None or size == "":
        errors["household_size"] = "世帯人数を入力してください。"
    elif not _is_int(size) or not (1 <= size <= MAX_HOUSEHOLD):
        errors["household_size"] = f"世帯人数は1〜{MAX_HOUSEHOLD}の整数で入力してください。"

    income = _yen(errors, values, "household_monthly_income", "世帯の月収", maximum=MAX_MONTHLY_YEN)
    assets = _yen(errors, values, "household_financial_assets", "世帯の金融資産", maximum=MAX_ASSET_YEN)
    rent = _yen(errors, values, "monthly_rent", "家賃月額（共益費を除く）", maximum=MAX_MONTHLY_YEN)
    if rent == 0 and btype == hr.BenefitType.RENT:
        errors["monthly_rent"] = (
            "家賃補助では家賃月額（共益費・管理費を除く）を入力してください（0円は不可）。"
        )

    unable = values.get("unable_to_seek_work_days")
    if unable is None or unable == "":
        unable = 0
    elif not _is_int(unable) or unable < 0:
        errors["unable_to_seek_work_days"] = (
            "求職活動ができなかった期間は0以上の日数（整数）で入力してください。"
        )
        unable = 0
    elif (
        cause == hr.Cause.JOB_LOSS
        and job_loss_date is not None
        and application_date is not None
        and job_loss_date <= application_date
        and unable > (application_date - job_loss_date).days
    ):
        errors["unable_to_seek_work_days"] = "離職日から申請日までの日数を超えています。"

    previous = _date(
        errors, values, "previous_award_last_payment_date", "前回受給の最後の支給月", required=False
    )
    reaward = values.get("reaward_cause") or None
    if previous is not None:
        if application_date is not None and previous > application_date:
            errors["previous_award_last_payment_date"] = (
                "前回の最後の支給月は申請日より前の月を入力してください。"
            )
        if reaward is None:
            errors["reaward_cause"] = "前回の受給がある場合は、今回の困窮の理由を選んでください。"
    elif reaward is not None and "previous_award_last_payment_date" not in errors:
        errors["previous_award_last_payment_date"] = (
            "今回の困窮の理由を選んだ場合は、前回受給の最後の支給月を入力してください。"
        )
    if reaward is not None and reaward not in {r.value for r in hr.ReawardCause}:
        errors["reaward_cause"] = (
            "選択肢から選んでください（dismissal / business_closure / reduced_income / other）。"
        )

    supported = values.get("supported_by_household_budget_program")
    costs: int | None = None
    if btype == hr.BenefitType.RELOCATION:
        if not isinstance(supported, bool):
            errors["supported_by_household_budget_program"] = (
                "転居費用補助では、家計改善支援事業による判断の有無を選んでください。"
            )
        costs = _yen(errors, values, "relocation_costs", "転居費用（対象経費）", maximum=MAX_MONTHLY_YEN)
        if "relocation_costs" in errors and values.get("relocation_costs") in (None, ""):
            errors["relocation_costs"] = "転居費用補助では転居費用（対象経費）を入力してください。"
    else:
        supported = None

    if errors:
        raise ValidationError(errors)
    assert municipality is not None and application_date is not None and btype and cause
    assert income is not None and assets is not None and rent is not None
    return municipality, hr.AssessmentInput(
        application_date=application_date,
        type=hr.BenefitType(btype),
        cause=hr.Cause(cause),
        is_main_earner=values["is_main_earner"],
        household_size=int(size),  # type: ignore[arg-type]
        household_monthly_income=income,
        household_financial_assets=assets,
        monthly_rent=rent,
        job_loss_date=job_loss_date if cause == hr.Cause.JOB_LOSS else None,
        income_drop_date=income_drop_date if cause == hr.Cause.REDUCED_INCOME else None,
        unable_to_seek_work_days=int(unable) if cause == hr.Cause.JOB_LOSS else 0,
        previous_award_last_payment_date=previous,
        reaward_cause=hr.ReawardCause(reaward) if reaward else None,
        receives_overlapping_housing_aid=values["receives_overlapping_housing_aid"],
        household_member_is_gang_member=values["household_member_is_gang_member"],
        supported_by_household_budget_program=supported,
        relocation_costs=costs,
    )
