"""Rules of the 相談受付・申込票, shared by the form, the service and the API."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.core.codes import valid_codes
from tsunagu.core.dates import wareki
from tsunagu.core.forms import MAX_MONTHLY_YEN, YenError, parse_yen
from tsunagu.core.models import CodeList
from tsunagu.network.models import PartnerAgency

from .intake_sheet import B_SHEET_LISTS
from .models import ScreeningOutcome


def validate_intake_values(
    values: dict[str, Any], *, partner_queryset: Any, municipality: Any = None, keep: Any = None
) -> None:
    """``partner_queryset``: the partner agencies of the municipalities the agency serves.
    ``keep``: the values the 申込票 being corrected already stores, field by field (a code retired
    since stays valid for it, ``core.codes.valid_codes``)."""
    kept: dict[str, Any] = keep or {}
    errors: dict[str, str] = {}
    received = values.get("received_at")
    if not isinstance(received, datetime):
        errors["received_at"] = "受付日時を入力してください。"
    elif received > timezone.now() + timedelta(minutes=5):
        errors["received_at"] = "受付日時が未来になっています。"
    checks = {
        "method": CodeList.CONSULTATION_METHOD,
        "consulter_type": CodeList.CONSULTER_TYPE,
        "route": CodeList.REFERRAL_ROUTE,
    }
    for field, lst in checks.items():
        if values.get(field) not in valid_codes(lst, municipality, keep=kept.get(field)):
            errors[field] = "選択肢から選んでください。"
    for field, b_list in B_SHEET_LISTS.items():  # 申込票 B票: optional, a code of its list when given
        if values.get(field) and values[field] not in valid_codes(b_list, municipality, keep=kept.get(field)):
            errors[field] = "選択肢から選んでください。"
    topics = list(values.get("topics") or [])
    if set(topics) - valid_codes(CodeList.CONSULTATION_TOPIC, municipality, keep=kept.get("topics")):
        errors["topics"] = "相談したいことの値が正しくありません。"
    if values.get("main_topic") and values["main_topic"] not in topics:
        errors["main_topic"] = "最も困っていること（◎）は、チェックした項目から選んでください。"
    if set(values.get("urgency_flags") or []) - valid_codes(
        CodeList.URGENCY_FLAG, municipality, keep=kept.get("urgency_flags")
    ):
        errors["urgency_flags"] = "緊急性の値が正しくありません。"
    if (
        values.get("consulter_type") not in (None, "", "self")
        and not str(values.get("consulter_name") or "").strip()
    ):
        errors["consulter_name"] = "本人以外が相談した場合は、来談者の氏名を入力してください。"
    outcome = values.get("screening_outcome") or ""
    if outcome and outcome not in ScreeningOutcome.values:
        errors["screening_outcome"] = "スクリーニング結果を選択肢から選んでください。"
    if outcome == ScreeningOutcome.REFERRED and values.get("screening_referral_to") not in valid_codes(
        CodeList.SCREENING_REFERRAL, municipality, keep=kept.get("screening_referral_to")
    ):
        errors["screening_referral_to"] = "つなぎ先を選んでください。"
    partner = values.get("referring_partner")
    if partner is not None:
        if not isinstance(partner, PartnerAgency) or not partner_queryset.filter(pk=partner.pk).exists():
            errors["referring_partner"] = "担当地域の関係機関から選んでください。"
    applied = values.get("applied_on")
    if (
        applied is not None
        and isinstance(received, datetime)
        and applied < timezone.localtime(received).date()
    ):
        errors["applied_on"] = "利用申込日は受付日以降にしてください。"
    if applied is not None and applied > timezone.localdate():
        errors["applied_on"] = "利用申込日が未来の日付になっています。"
    if errors:
        raise ValidationError(errors)


# --- The support process: assessment, plan, records, evaluation -------------------------------
#
# One function per record, shared by the forms (clean), the services and the API. Each raises a
# ValidationError keyed by field with Japanese messages.

PLAN_MAX_MONTHS = 6  # 墨田区要領 §5: "6か月以内" — longer only with a written reason
MONITORING_INTERVAL_RANGE = (7, 180)


def _text(values: dict[str, Any], key: str) -> str:
    return str(values.get(key) or "").strip()


ASSESSMENT_SAVINGS_MAX = 9_999_999_999  # 預貯金・現金 (the 家計表's asset ceiling, programs.validation)
ASSESSMENT_ROWS_MAX = 30  # 職歴・債務・公的給付: rows per sheet
# The structured items of the sheet beside its narratives (健康・障害, 就労, 住まい, 収入・資産・債務), one
# value each: the service writes them, the API reads them back, the diff compares them.
ASSESSMENT_ITEM_FIELDS: tuple[str, ...] = (
    "certificate_kind",
    "certificate_grade",
    "outpatient",
    "outpatient_note",
    "medication",
    "medication_note",
    "work_status",
    "qualifications",
    "savings",
    "monthly_rent",
)
# The rows of the sheet: key in the values of assessment_create → the fields of one row
# (AssessmentJob, AssessmentIncome, AssessmentDebt, AssessmentBenefit).
ASSESSMENT_ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "jobs": ("period", "employment_type", "work", "reason_left"),
    "incomes": ("category", "amount"),
    "debts": ("kind", "creditor", "amount", "monthly_repayment"),
    "benefits": ("kind", "name", "monthly_amount", "ends_on"),
}


def _yen_error(value: Any, *, required: str = "", maximum: int = MAX_MONTHLY_YEN) -> str:
    """The message for an amount that is not integer yen ≥ 0 (the same words as ``YenField``);
    '' when it is fine. ``required``: the message when it is missing (else None is fine)."""
    if value is None or value == "":
        return required
    if isinstance(value, bool) or not isinstance(value, int):
        return "円単位の整数で入力してください（例：84,000、12万円）。"
    try:
        parse_yen(value, maximum=maximum)
    except YenError as exc:
        return str(exc)
    return ""


def _row_text(row: dict[str, Any], key: str, limit: int, label: str, errors: dict[str, str], at: str) -> None:
    value = row.get(key)
    if value is not None and not isinstance(value, str):
        errors[f"{at}.{key}"] = f"{label}は文字で入力してください。"
    elif len(str(value or "").strip()) > limit:
        errors[f"{at}.{key}"] = f"{label}は{limit}文字以内で入力してください。"


def _structured_assessment_errors(
    values: dict[str, Any], *, case: Any, keep_work: Any, errors: dict[str, str]
) -> None:
    """The structured items of the sheet (健康・障害, 就労, 住まい, 収入・資産・債務, 公的給付); errors
    are keyed by field, ``incomes.<category>`` and ``jobs|debts|benefits.<row>.<field>``."""
    from .models import (
        CERTIFICATE_GRADES,
        CertificateKind,
        DebtKind,
        DisabilityCertificate,
        IncomeCategory,
        PublicBenefitKind,
    )

    cert = values.get("disability_certificate") or ""
    kind = values.get("certificate_kind") or ""
    grade = str(values.get("certificate_grade") or "").strip()
    if kind and kind not in CertificateKind.values:
        errors["certificate_kind"] = "手帳の種類は選択肢から選んでください。"
    elif kind and cert not in (DisabilityCertificate.YES, DisabilityCertificate.APPLYING):
        errors["certificate_kind"] = (
            "手帳の種類は、障害者手帳が「有」または「申請中」のときに選んでください。"
        )
    elif grade and not kind:
        errors["certificate_grade"] = "等級・程度を入力するときは、手帳の種類を選んでください。"
    elif kind and grade and grade not in dict(CERTIFICATE_GRADES[kind]):
        allowed = "・".join(label for _, label in CERTIFICATE_GRADES[kind])
        errors["certificate_grade"] = (
            f"{CertificateKind(kind).label}の等級・程度は、{allowed} から選んでください。"
        )
    for key, label in (("outpatient", "通院"), ("medication", "服薬")):
        if values.get(key) not in (True, False, None):
            errors[key] = f"{label}は「有」「無」「未確認」から選んでください。"
    for key, label, limit in (
        ("outpatient_note", "通院先・頻度", 200),
        ("medication_note", "服薬の内容", 200),
        ("qualifications", "資格・免許", 2000),
    ):
        _row_text(values, key, limit, label, errors, "")
        if f".{key}" in errors:
            errors[key] = errors.pop(f".{key}")
    work_codes = valid_codes(CodeList.WORK_STATUS, case.municipality_id, keep=keep_work)
    work = values.get("work_status") or ""
    if work and work not in work_codes:
        errors["work_status"] = "就労の現状は選択肢から選んでください。"
    for key, maximum in (("savings", ASSESSMENT_SAVINGS_MAX), ("monthly_rent", MAX_MONTHLY_YEN)):
        message = _yen_error(values.get(key), maximum=maximum)
        if message:
            errors[key] = message

    def rows(key: str, label: str) -> list[Any]:
        got = values.get(key)
        if got is None:
            return []
        if not isinstance(got, list | tuple) or any(not isinstance(r, dict) for r in got):
            errors[key] = f"{label}の指定が正しくありません。"
            return []
        if len(got) > ASSESSMENT_ROWS_MAX:
            errors[key] = f"{label}は{ASSESSMENT_ROWS_MAX}件までです。"
        return list(got)

    for i, job in enumerate(rows("jobs", "職歴")):
        at = f"jobs.{i}"
        if not str(job.get("work") or "").strip():
            errors[f"{at}.work"] = "勤務先・仕事の内容を入力してください。"
        _row_text(job, "work", 200, "勤務先・仕事の内容", errors, at)
        _row_text(job, "period", 60, "期間", errors, at)
        _row_text(job, "reason_left", 200, "離職の理由", errors, at)
        employment = job.get("employment_type") or ""
        if employment and employment not in work_codes:
            errors[f"{at}.employment_type"] = "雇用形態は選択肢から選んでください。"
    seen: set[str] = set()
    for income in rows("incomes", "月収"):
        category = income.get("category") or ""
        if category not in IncomeCategory.values:
            errors["incomes"] = "収入の種類が正しくありません。"
            continue
        if category in seen:
            errors[f"incomes.{category}"] = "同じ収入の種類が2回指定されています。"
            continue
        seen.add(category)
        message = _yen_error(income.get("amount"), required="金額を入力してください。")
        if message:
            errors[f"incomes.{category}"] = message
    for i, debt in enumerate(rows("debts", "債務")):
        at = f"debts.{i}"
        kind_ = debt.get("kind") or ""
        if not kind_:
            errors[f"{at}.kind"] = "債権者の種類を選んでください。"
        elif kind_ not in DebtKind.values:
            errors[f"{at}.kind"] = "債権者の種類は選択肢から選んでください。"
        _row_text(debt, "creditor", 200, "債権者・滞納先", errors, at)
        message = _yen_error(
            debt.get("amount"), required="残額を入力してください。", maximum=ASSESSMENT_SAVINGS_MAX
        )
        if message:
            errors[f"{at}.amount"] = message
        message = _yen_error(debt.get("monthly_repayment"))
        if message:
            errors[f"{at}.monthly_repayment"] = message
    for i, benefit in enumerate(rows("benefits", "公的給付")):
        at = f"benefits.{i}"
        kind_ = benefit.get("kind") or ""
        if not kind_:
            errors[f"{at}.kind"] = "給付の種類を選んでください。"
        elif kind_ not in PublicBenefitKind.values:
            errors[f"{at}.kind"] = "給付の種類は選択肢から選んでください。"
        _row_text(benefit, "name", 100, "名称", errors, at)
        message = _yen_error(benefit.get("monthly_amount"))
        if message:
            errors[f"{at}.monthly_amount"] = message
        ends = benefit.get("ends_on")
        if ends is not None and (not isinstance(ends, date) or isinstance(ends, datetime)):
            errors[f"{at}.ends_on"] = "終了日（予定）は日付で入力してください。"


def assessment_has_structured_content(values: dict[str, Any]) -> bool:
    """Whether any structured item of the sheet was filled in (an amount of 0 counts)."""
    scalars = (
        "certificate_kind",
        "outpatient_note",
        "medication_note",
        "work_status",
        "qualifications",
    )
    return (
        any(str(values.get(k) or "").strip() for k in scalars)
        or any(values.get(k) is not None for k in ("outpatient", "medication", "savings", "monthly_rent"))
        or any(values.get(k) for k in ("jobs", "incomes", "debts", "benefits"))
    )


def validate_assessment_values(
    values: dict[str, Any],
    *,
    case: Any,
    staff_queryset: Any,
    keep_issues: Any = None,
    keep_work: Any = None,
) -> None:
    """``keep_issues`` / ``keep_work``: the 抱える課題 and 就労の現状・雇用形態 codes of the sheet this
    version continues (a code retired since stays valid for it)."""
    from .models import ASSESSMENT_SECTIONS, DisabilityCertificate, Urgency

    errors: dict[str, str] = {}
    assessed = values.get("assessed_on")
    if assessed is None:
        errors["assessed_on"] = "実施日を入力してください。"
    elif assessed > timezone.localdate():
        errors["assessed_on"] = "実施日が未来の日付になっています。"
    elif assessed < case.opened_on:
        errors["assessed_on"] = "実施日は受付日以降にしてください。"
    sections = values.get("sections") or {}
    keys = {k for k, _ in ASSESSMENT_SECTIONS}
    if not isinstance(sections, dict) or set(sections) - keys:
        errors["sections"] = "アセスメントシートの欄の指定が正しくありません。"
    elif any(not isinstance(v, str) for v in sections.values()):
        errors["sections"] = "各欄は文字で入力してください。"
    if set(values.get("issues") or []) - valid_codes(
        CodeList.ASSESSMENT_ISSUE, case.municipality_id, keep=keep_issues
    ):
        errors["issues"] = "抱える課題の値が正しくありません。"
    cert = values.get("disability_certificate") or ""
    if cert and cert not in DisabilityCertificate.values:
        errors["disability_certificate"] = "障害者手帳は選択肢から選んでください。"
    urgency = values.get("urgency") or ""
    if urgency and urgency not in Urgency.values:
        errors["urgency"] = "緊急性は選択肢から選んでください。"
    joint = values.get("joint_with")
    if joint is not None:
        if not staff_queryset.filter(pk=getattr(joint, "pk", None)).exists():
            errors["joint_with"] = "共同アセスメントの相手は、同じ機関の職員から選んでください。"
    _structured_assessment_errors(values, case=case, keep_work=keep_work, errors=errors)
    has_content = any(str(v).strip() for v in sections.values()) if isinstance(sections, dict) else False
    if not (
        has_content
        or values.get("issues")
        or _text(values, "wishes")
        or _text(values, "strengths")
        or assessment_has_structured_content(values)
    ):
        errors.setdefault(
            "__all__", "アセスメントの内容（各欄・抱える課題・本人の意向など）を入力してください。"
        )
    if errors:
        raise ValidationError(errors)


def plan_period_limit(start: date) -> date:
    """The last day of a plan of at most PLAN_MAX_MONTHS months starting on ``start``."""
    from tsunagu.core.dates import add_months

    return add_months(start, PLAN_MAX_MONTHS) - timedelta(days=1)


def validate_plan_values(values: dict[str, Any], *, case: Any) -> None:
    from .models import StatutoryProgram

    errors: dict[str, str] = {}
    for key, label in (
        ("wishes", "本人の生活に対する意向"),
        ("issues", "生活全般の解決すべき課題"),
        ("long_term_goal", "長期目標"),
    ):
        if not _text(values, key):
            errors[key] = f"{label}を入力してください（施行規則第1条）。"
    start, end = values.get("start_date"), values.get("end_date")
    if start is None:
        errors["start_date"] = "プラン期間の開始日を入力してください。"
    if end is None:
        errors["end_date"] = "プラン期間の終了日を入力してください。"
    if start is not None and end is not None:
        if end < start:
            errors["end_date"] = "プラン期間の終了日は開始日以降にしてください。"
        elif end > plan_period_limit(start) and not _text(values, "long_period_reason"):
            errors["long_period_reason"] = (
                f"プラン期間は原則{PLAN_MAX_MONTHS}か月以内です（{wareki(plan_period_limit(start))}まで）。"
                "超える場合は理由を入力してください。"
            )
    if start is not None and start < case.opened_on:
        errors["start_date"] = "プラン期間の開始日は受付日以降にしてください。"
    agreed = values.get("agreed_on")
    if agreed is not None and agreed > timezone.localdate():
        errors["agreed_on"] = "本人の同意日が未来の日付になっています。"
    if set(values.get("programs") or []) - set(StatutoryProgram.values):
        errors["programs"] = "利用申込する事業の値が正しくありません。"
    interval = values.get("monitoring_interval_days")
    lo, hi = MONITORING_INTERVAL_RANGE
    if interval is None or not isinstance(interval, int) or not lo <= interval <= hi:
        errors["monitoring_interval_days"] = f"モニタリング間隔は{lo}日から{hi}日の間で入力してください。"
    if errors:
        raise ValidationError(errors)


def validate_goal_values(
    values: dict[str, Any], *, staff_queryset: Any, partner_queryset: Any, prefix: str = ""
) -> None:
    """One row of the plan: 課題 → 目標 → 支援内容 → 提供者 → 頻度. Keys are prefixed (``goals-0-``)."""
    from .models import GoalTerm, ProviderKind, StatutoryProgram

    errors: dict[str, str] = {}
    if values.get("term") not in GoalTerm.values:
        errors["term"] = "長期／短期を選んでください。"
    for key, label in (("issue", "課題"), ("goal", "目標"), ("support", "支援の種類・内容")):
        if not _text(values, key):
            errors[key] = f"{label}を入力してください。"
    kind = values.get("provider_kind")
    if kind not in ProviderKind.values:
        errors["provider_kind"] = "支援の提供者の種別を選んでください。"
    elif kind == ProviderKind.STAFF:
        staff = values.get("provider_staff")
        if staff is None or not staff_queryset.filter(pk=staff.pk).exists():
            errors["provider_staff"] = "担当職員を、同じ機関の職員から選んでください。"
    elif kind == ProviderKind.PROGRAM:
        if values.get("provider_program") not in StatutoryProgram.values:
            errors["provider_program"] = "法定事業を選んでください。"
    elif kind == ProviderKind.PARTNER:
        partner = values.get("provider_partner")
        if partner is None or not partner_queryset.filter(pk=partner.pk).exists():
            errors["provider_partner"] = "担当地域の関係機関から選んでください。"
    elif (
        kind == ProviderKind.RESOURCE
        and not _text(values, "provider_resource")
        and not values.get("unmet_need")
    ):
        errors["provider_resource"] = (
            "社会資源の名称を入力してください（該当する資源がない場合は「対応する社会資源がない」にチェック）。"
        )
    if values.get("unmet_need") and not _text(values, "unmet_need_note"):
        errors["unmet_need_note"] = "不足している資源の内容を入力してください（地域課題として集約します）。"
    if errors:
        raise ValidationError({f"{prefix}{k}": v for k, v in errors.items()})


def validate_record_values(values: dict[str, Any], *, case: Any, staff_queryset: Any) -> None:
    from .models import RecordMethod

    errors: dict[str, str] = {}
    at = values.get("occurred_at")
    if not isinstance(at, datetime):
        errors["occurred_at"] = "日時を入力してください。"
    elif at > timezone.now() + timedelta(minutes=5):
        errors["occurred_at"] = "日時が未来になっています。"
    elif timezone.localtime(at).date() < case.opened_on:
        errors["occurred_at"] = "日時は受付日以降にしてください。"
    minutes = values.get("duration_minutes")
    if minutes is not None and not (isinstance(minutes, int) and 0 < minutes <= 24 * 60):
        errors["duration_minutes"] = "所要時間は1分から1440分の間で入力してください。"
    if values.get("method") not in RecordMethod.values:
        errors["method"] = "方法を選んでください。"
    if not _text(values, "content"):
        errors["content"] = "内容を入力してください。"
    staff = values.get("staff")
    if staff is None or not staff_queryset.filter(pk=staff.pk).exists():
        errors["staff"] = "対応職員を、同じ機関の職員から選んでください。"
    if errors:
        raise ValidationError(errors)


def validate_evaluation_values(values: dict[str, Any], *, case: Any, plan: Any) -> None:
    from .models import Achievement, Direction

    errors: dict[str, str] = {}
    on = values.get("evaluated_on")
    if on is None:
        errors["evaluated_on"] = "評価日を入力してください。"
    elif on > timezone.localdate():
        errors["evaluated_on"] = "評価日が未来の日付になっています。"
    elif on < plan.start_date:
        errors["evaluated_on"] = "評価日はプラン期間の開始日以降にしてください。"
    if set(values.get("changes") or []) - valid_codes(CodeList.CHANGE_ITEM, case.municipality_id):
        errors["changes"] = "本人の変化の値が正しくありません。"
    direction = values.get("direction")
    if direction not in Direction.values:
        errors["direction"] = "今後の方向性（終結・再プラン・中断）を選んでください。"
    reason = values.get("closure_reason") or ""
    if direction == Direction.CLOSE:
        if reason not in valid_codes(CodeList.CLOSURE_REASON, case.municipality_id):
            errors["closure_reason"] = "終結の場合は終結理由を選んでください。"
    elif reason:
        errors["closure_reason"] = "終結理由は、今後の方向性が「終結」の場合にだけ選べます。"
    follow = values.get("follow_up_on")
    if follow is not None:
        if direction != Direction.CLOSE:
            errors["follow_up_on"] = "フォローアップ予定日は、終結する場合に入力します。"
        elif on is not None and follow < on:
            errors["follow_up_on"] = "フォローアップ予定日は評価日以降にしてください。"
    results = values.get("goal_results") or []
    goal_ids = set(plan.goals.values_list("pk", flat=True))
    given = {}
    for i, r in enumerate(results):
        gid = r.get("goal_id")
        if gid not in goal_ids:
            errors[f"goal_results.{i}.goal_id"] = "このプランの目標ではありません。"
        elif r.get("achievement") not in Achievement.values:
            errors[f"goal_results.{i}.achievement"] = "達成状況（達成・一部達成・未達成）を選んでください。"
        else:
            given[gid] = r
    if goal_ids - set(given) and not any(k.startswith("goal_results.") for k in errors):
        errors["goal_results"] = "プランのすべての目標について達成状況を選んでください。"
    if errors:
        raise ValidationError(errors)
