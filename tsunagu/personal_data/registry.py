"""The registry of personal data (個人データの台帳): one declaration per model that holds data
about a person, read by both the retention job (``retention.py``) and 本人開示 (``subject_access.py``).

Each ``Entry`` names:

- ``person_path`` — the lookup from the model to the ``Person`` id (``""`` for ``Person`` itself);
- ``case_path`` — the lookup to the ``Case`` id for records that hang on a case (``None`` otherwise);
- ``record_type`` — which retention rule applies (``RecordType``);
- ``personal`` / ``free_text`` — the fields wiped at anonymisation (names, contact details, free
  text that may describe the person);
- ``third_party`` — fields that name or describe someone else, shown in 本人開示 as
  「（第三者の情報のため開示しません）」 (``third_party_if`` narrows it to some rows, e.g. the 来談者
  only when someone other than the person consulted);
- ``action`` — ``WIPE`` (the row stays with its dates and codes, so that every statistic of past
  months is unchanged), ``DELETE`` (rows statistics never count: household members, the kana search
  index, drafts, attachments) or ``KEEP`` (append-only records kept for audit: the disclosure
  register, the change history, the audit trail — see ``docs/retention.md``);
- ``disclosed`` — whether 本人開示 lists its rows (search index rows and drafts are not records).

Every field not named in ``personal``/``free_text`` is what the statistics keep. A test walks
``apps.get_models()`` and fails on any model with a path to ``Person`` that is not declared here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.db import models

from tsunagu.core.models import CodeList

from .models import RecordType

REDACTED = "（第三者の情報のため開示しません）"
ANONYMISED_NAME = "（廃棄済み）"


class Action(StrEnum):
    WIPE = "wipe"
    DELETE = "delete"
    KEEP = "keep"


@dataclass(frozen=True)
class Entry:
    model_label: str
    label: str
    person_path: str
    record_type: RecordType
    case_path: str | None = None
    personal: tuple[str, ...] = ()
    free_text: tuple[str, ...] = ()
    third_party: tuple[str, ...] = ()
    third_party_if: Callable[[Any], bool] | None = None
    action: Action = Action.WIPE
    disclosed: bool = True
    replacements: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, CodeList] = field(default_factory=dict)
    hidden: tuple[str, ...] = ()

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def key(self) -> str:
        return self.model_label.lower()

    @property
    def wiped(self) -> tuple[str, ...]:
        return self.personal + self.free_text

    def person_filter(self, person_id: int) -> dict[str, Any]:
        return {self.person_path or "pk": person_id}

    def is_third_party(self, obj: Any, name: str) -> bool:
        if name not in self.third_party:
            return False
        return self.third_party_if is None or self.third_party_if(obj)


# Never shown in 本人開示: internal keys, search keys, binary content.
INTERNAL_FIELDS = frozenset(
    {
        "id",
        "version",
        "submission_token",
        "name_key",
        "kana_key",
        "kana_family_key",
        "phone_key",
        "phone_alt_key",
        "address_key",
        "household_version",
        "content",
        "sha256",
        "trigram",
    }
)

C, P, K = RecordType.CASE, RecordType.PERSON, RecordType.CONSENT


def _someone_else_consulted(intake: Any) -> bool:
    return bool(intake.consulter_type) and intake.consulter_type != "self"


ENTRIES: tuple[Entry, ...] = (
    # --- the person (基本情報・世帯) ---
    Entry(
        "persons.Person",
        "基本情報",
        "",
        P,
        personal=(
            "name",
            "kana",
            "birth_date",
            "postal_code",
            "address",
            "phone",
            "phone_alt",
            "email",
            "contact_times",
            "nationality",
            "workplace",
            "restriction_reason",
            "name_key",
            "kana_key",
            "kana_family_key",
            "phone_key",
            "phone_alt_key",
            "address_key",
        ),
        replacements={"name": ANONYMISED_NAME},
        codes={"housing_status": CodeList.HOUSING_STATUS, "contact_method": CodeList.CONTACT_METHOD},
    ),
    Entry(
        "persons.HouseholdMember",
        "世帯構成",
        "person",
        P,
        third_party=("name", "kana", "birth_date"),
        action=Action.DELETE,
    ),
    Entry(
        "persons.PersonMerge",
        "名寄せの記録",
        "survivor",
        P,
        personal=("conflicts", "moved_records"),
        free_text=("reason",),
    ),
    Entry("persons.PersonKanaTrigram", "氏名の検索索引", "person", P, action=Action.DELETE, disclosed=False),
    Entry("privacy.Consent", "同意の記録", "person", K, personal=("withdrawal_note",)),
    Entry(
        "referrals.StatutoryExceptionRequest",
        "法令等による提供の申請",
        "person",
        P,
        free_text=("reason", "decision_note"),
    ),
    Entry("referrals.Disclosure", "第三者提供の記録", "person", P, action=Action.KEEP),
    Entry(
        "core.FormDraft",
        "入力途中の下書き",
        "person_id",
        P,
        case_path="case_id",
        action=Action.DELETE,
        disclosed=False,
    ),
    # --- a case and what hangs on it (終結日から) ---
    Entry(
        "cases.Case",
        "ケース",
        "person",
        C,
        case_path="pk",
        hidden=("topics", "last_contact_on", "fiscal_year", "number_in_year"),
        codes={"closure_reason": CodeList.CLOSURE_REASON},
    ),
    Entry(
        "cases.Intake",
        "相談受付",
        "case__person",
        C,
        case_path="case",
        personal=("consulter_name", "consulter_relationship", "submission_token"),
        free_text=("chief_complaint", "screening_note", "second_case_reason", "screening_referral_to"),
        third_party=("consulter_name", "consulter_relationship"),
        third_party_if=_someone_else_consulted,
        codes={
            "method": CodeList.CONSULTATION_METHOD,
            "consulter_type": CodeList.CONSULTER_TYPE,
            "route": CodeList.REFERRAL_ROUTE,
            "topics": CodeList.CONSULTATION_TOPIC,
            "main_topic": CodeList.CONSULTATION_TOPIC,
            "urgency_flags": CodeList.URGENCY_FLAG,
            "work_status": CodeList.WORK_STATUS,
            "housing_type": CodeList.HOUSING_TYPE,
            "health_insurance": CodeList.HEALTH_INSURANCE,
            "pension_status": CodeList.PENSION_STATUS,
        },
    ),
    Entry(
        "cases.EmergencySupport",
        "緊急的な支援",
        "case__person",
        C,
        case_path="case",
        free_text=("description",),
    ),
    Entry("cases.CaseTransition", "ケースの経過", "case__person", C, case_path="case", free_text=("reason",)),
    Entry(
        "cases.Assessment",
        "アセスメント",
        "case__person",
        C,
        case_path="case",
        personal=(
            "sections",
            "disability_certificate",
            "certificate_kind",
            "certificate_grade",
            "outpatient",
            "medication",
            "savings",
            "monthly_rent",
            "legacy",
        ),
        free_text=("strengths", "wishes", "outpatient_note", "medication_note", "qualifications"),
        codes={"issues": CodeList.ASSESSMENT_ISSUE, "work_status": CodeList.WORK_STATUS},
    ),
    Entry(
        "cases.AssessmentJob",
        "アセスメントの職歴",
        "assessment__case__person",
        C,
        case_path="assessment__case",
        personal=("period",),
        free_text=("work", "reason_left"),
        codes={"employment_type": CodeList.WORK_STATUS},
    ),
    Entry(
        "cases.AssessmentIncome",
        "アセスメントの収入",
        "assessment__case__person",
        C,
        case_path="assessment__case",
    ),
    Entry(
        "cases.AssessmentDebt",
        "アセスメントの債務",
        "assessment__case__person",
        C,
        case_path="assessment__case",
        free_text=("creditor",),
    ),
    Entry(
        "cases.AssessmentBenefit",
        "アセスメントの公的給付",
        "assessment__case__person",
        C,
        case_path="assessment__case",
        personal=("monthly_amount", "ends_on"),
        free_text=("name",),
    ),
    Entry(
        "cases.SupportPlan",
        "支援プラン",
        "case__person",
        C,
        case_path="case",
        free_text=("wishes", "issues", "long_term_goal", "short_term_goal", "notes", "long_period_reason"),
    ),
    Entry(
        "cases.PlanGoal",
        "プランの目標",
        "plan__case__person",
        C,
        case_path="plan__case",
        free_text=("issue", "goal", "support", "unmet_need_note", "provider_resource"),
    ),
    Entry("cases.SupportRecord", "支援経過記録", "case__person", C, case_path="case", free_text=("content",)),
    Entry(
        "cases.Evaluation",
        "評価",
        "case__person",
        C,
        case_path="case",
        free_text=("summary",),
        codes={"changes": CodeList.CHANGE_ITEM, "closure_reason": CodeList.CLOSURE_REASON},
    ),
    Entry(
        "cases.GoalResult",
        "目標の達成状況",
        "evaluation__case__person",
        C,
        case_path="evaluation__case",
        free_text=("comment",),
    ),
    Entry(
        "cases.EmploymentOutcome",
        "就労・増収",
        "case__person",
        C,
        case_path="case",
        personal=("employer",),
        free_text=("note",),
    ),
    Entry(
        "meetings.AgendaItem",
        "支援調整会議の議題",
        "case__person",
        C,
        case_path="case",
        free_text=("minutes", "emergency_note"),
    ),
    Entry("meetings.Decision", "支援決定", "case__person", C, case_path="case", free_text=("note",)),
    Entry(
        "referrals.Referral", "つなぎ", "case__person", C, case_path="case", free_text=("reason", "outcome")
    ),
    Entry(
        "referrals.ReferralStatusChange",
        "つなぎの経過",
        "referral__case__person",
        C,
        case_path="referral__case",
        free_text=("note",),
    ),
    Entry(
        "referrals.ReferralAttachment",
        "つなぎの添付書類",
        "referral__case__person",
        C,
        case_path="referral__case",
        action=Action.DELETE,
    ),
    Entry(
        "programs.HouseholdBudgetSheet", "家計表", "case__person", C, case_path="case", free_text=("note",)
    ),
    Entry("programs.BudgetLine", "家計表の行", "sheet__case__person", C, case_path="sheet__case"),
    Entry(
        "programs.Debt",
        "債務",
        "case__person",
        C,
        case_path="case",
        personal=("creditor",),
        free_text=("note",),
    ),
    Entry(
        "programs.BudgetPlan",
        "家計再生プラン",
        "case__person",
        C,
        case_path="case",
        free_text=("goals", "monthly_plan"),
    ),
    Entry("programs.LoanLink", "貸付のつなぎ", "case__person", C, case_path="case", free_text=("note",)),
    Entry(
        "programs.TrainingTypeDecision",
        "認定就労訓練の利用決定",
        "case__person",
        C,
        case_path="case",
        free_text=("note",),
    ),
    Entry(
        "programs.ProgramEnrolment",
        "事業の利用",
        "case__person",
        C,
        case_path="case",
        free_text=("extension_reason", "hand_back_note"),
    ),
    Entry(
        "programs.ProgressReport",
        "事業の利用状況の報告",
        "enrolment__case__person",
        C,
        case_path="enrolment__case",
        free_text=("content",),
    ),
    Entry(
        "programs.HousingBenefitApplication",
        "住居確保給付金の申請",
        "case__person",
        C,
        case_path="case",
        personal=("payee_name", "payee_account_holder", "submission_token"),
    ),
    Entry(
        "programs.HousingBenefitDecision",
        "住居確保給付金の決定",
        "application__case__person",
        C,
        case_path="application__case",
        free_text=("reason",),
        hidden=("requirements",),
    ),
    Entry(
        "programs.HousingBenefitExtension",
        "住居確保給付金の延長",
        "application__case__person",
        C,
        case_path="application__case",
        free_text=("reason",),
        hidden=("requirements",),
    ),
    Entry(
        "programs.HousingBenefitPayment",
        "住居確保給付金の支給",
        "application__case__person",
        C,
        case_path="application__case",
        personal=("payee_name", "payee_account_holder"),
    ),
    Entry(
        "programs.JobSearchReport",
        "求職活動の報告",
        "application__case__person",
        C,
        case_path="application__case",
        free_text=("note",),
        hidden=("shortfalls",),
    ),
    Entry(
        "programs.HousingBenefitStop",
        "住居確保給付金の中止",
        "application__case__person",
        C,
        case_path="application__case",
        free_text=("note",),
    ),
)

# Models that point at a person but are not records *about* the person's support; they are kept
# (why: docs/retention.md). The completeness test accepts them only from this list.
KEPT_OUTSIDE: dict[str, str] = {
    "core.auditevent": "監査ログ（追記のみ。誰がいつ何をしたかの記録で、内容は持たない）",
    "core.changerecord": "変更履歴（追記のみ。訂正前の値を含むため、記録を匿名化・廃棄するときに core.history.purge_history で削除する）",
}

BY_LABEL: dict[str, Entry] = {e.model_label.lower(): e for e in ENTRIES}


def entries(record_type: RecordType | None = None) -> list[Entry]:
    return [e for e in ENTRIES if record_type is None or e.record_type == record_type]


def case_entries() -> list[Entry]:
    """Entries that hang on a case (the case itself last, so lookups through it still work)."""
    hanging = [e for e in ENTRIES if e.case_path is not None]
    return sorted(hanging, key=lambda e: e.case_path == "pk")


def blank_value(f: models.Field[Any, Any]) -> Any:
    if isinstance(f, models.JSONField):
        default = f.get_default()
        return default if default is not None else {}
    if f.null:
        return None
    return ""


def wipe_values(entry: Entry) -> dict[str, Any]:
    model = entry.model
    values = {name: blank_value(model._meta.get_field(name)) for name in entry.wiped}  # type: ignore[arg-type]
    values.update(entry.replacements)
    return values


def disclosed_fields(entry: Entry) -> list[models.Field[Any, Any]]:
    """The fields 本人開示 lists for ``entry``: every concrete value field but internal keys."""
    out = []
    for f in entry.model._meta.concrete_fields:
        if f.is_relation or f.name in INTERNAL_FIELDS or f.name in entry.hidden:
            continue
        out.append(f)
    return out
