from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone

from tsunagu.core.codes import code_choices
from tsunagu.core.forms import JapaneseDateField, JapaneseDateTimeField, YenField
from tsunagu.core.models import CodeList

from .intake_sheet import B_SHEET_FIELDS, B_SHEET_LISTS
from .models import CaseState, ScreeningOutcome


class IntakeForm(forms.Form):
    """相談受付・申込票. Rules are checked by services.validate_intake_values."""

    received_at = JapaneseDateTimeField(label="受付日時")
    method = forms.ChoiceField(label="相談方法")
    consulter_type = forms.ChoiceField(label="相談した人")
    consulter_name = forms.CharField(label="来談者の氏名（本人以外の場合）", required=False, max_length=60)
    consulter_relationship = forms.CharField(label="本人との関係", required=False, max_length=40)
    route = forms.ChoiceField(label="相談経路・紹介元")
    referring_partner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="紹介元の関係機関", queryset=None, required=False, empty_label="（なし）"
    )
    topics = forms.MultipleChoiceField(
        label="相談したいこと（複数選択可）", widget=forms.CheckboxSelectMultiple, required=False
    )
    main_topic = forms.ChoiceField(label="最も困っていること（◎）", required=False)
    chief_complaint = forms.CharField(label="主訴", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    urgency_flags = forms.MultipleChoiceField(
        label="緊急性（該当すると緊急的な支援として記録されます）",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    # 申込票 B票 (staff add by asking): codes of the 区分マスタ lists of ``intake_sheet.B_SHEET_LISTS``.
    work_status = forms.ChoiceField(label="仕事", required=False)
    housing_type = forms.ChoiceField(
        label="住居",
        required=False,
        help_text="初期値は住まいの状況の同じ区分です（ここで新しく登録する方は、空欄のまま保存すると住まいの状況から補います）。",
    )
    health_insurance = forms.ChoiceField(label="健康保険", required=False)
    pension_status = forms.ChoiceField(label="年金", required=False)
    screening_outcome = forms.ChoiceField(
        label="スクリーニング結果", widget=forms.RadioSelect, required=False
    )
    screening_referral_to = forms.ChoiceField(label="つなぎ先", required=False)
    screening_note = forms.CharField(
        label="スクリーニングの所見", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    applied_on = JapaneseDateField(label="利用申込日（申込票に署名を得た日）", required=False)
    second_case_reason = forms.CharField(
        label="別のケースとして受け付ける理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text="この方には終結・中断していないケースがあります。新しいケースを開く場合だけ、理由を入力してください。",
    )
    submission_token = forms.CharField(widget=forms.HiddenInput, required=False)

    # The sections of the form, in the order a caseworker fills them in (本人 is the person form,
    # 同意 the consent form; applied_on is asked with the consent).
    CONTENT_FIELDS = (
        "received_at",
        "method",
        "consulter_type",
        "consulter_name",
        "consulter_relationship",
        "route",
        "referring_partner",
        "topics",
        "main_topic",
        "chief_complaint",
        "urgency_flags",
    )
    B_SHEET_FIELDS = B_SHEET_FIELDS
    SCREENING_FIELDS = ("screening_outcome", "screening_referral_to", "screening_note")
    APPLICATION_FIELDS = ("applied_on",)

    def _section(self, names: tuple[str, ...]) -> list[Any]:
        return [self[n] for n in names if n in self.fields]

    @property
    def content_fields(self) -> list[Any]:
        return self._section(self.CONTENT_FIELDS)

    @property
    def b_sheet_fields(self) -> list[Any]:
        return self._section(self.B_SHEET_FIELDS)

    @property
    def screening_fields(self) -> list[Any]:
        return self._section(self.SCREENING_FIELDS)

    @property
    def application_fields(self) -> list[Any]:
        return self._section(self.APPLICATION_FIELDS)

    def section_has_errors(self, names: tuple[str, ...]) -> bool:
        return self.is_bound and any(n in self.errors for n in names)

    def __init__(
        self, *args: Any, partner_queryset: Any = None, municipality: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality  # whose 区分マスタ (the case's, or the agency's 主たる実施主体)
        f = self.fields
        keep = self.initial  # a correction keeps a code retired since on offer (core.codes.code_choices)
        f["method"].choices = [  # type: ignore[attr-defined]
            ("", "（選択してください）"),
            *code_choices(CodeList.CONSULTATION_METHOD, municipality, keep=keep.get("method")),
        ]
        f["consulter_type"].choices = code_choices(  # type: ignore[attr-defined]
            CodeList.CONSULTER_TYPE, municipality, keep=keep.get("consulter_type")
        )
        f["route"].choices = [  # type: ignore[attr-defined]
            ("", "（選択してください）"),
            *code_choices(CodeList.REFERRAL_ROUTE, municipality, keep=keep.get("route")),
        ]
        topics = code_choices(CodeList.CONSULTATION_TOPIC, municipality, keep=keep.get("topics"))
        f["topics"].choices = topics  # type: ignore[attr-defined]
        f["main_topic"].choices = [("", "（なし）"), *topics]  # type: ignore[attr-defined]
        f["urgency_flags"].choices = code_choices(  # type: ignore[attr-defined]
            CodeList.URGENCY_FLAG, municipality, keep=keep.get("urgency_flags")
        )
        for name, lst in B_SHEET_LISTS.items():
            f[name].choices = [  # type: ignore[attr-defined]
                ("", "（未記入）"),
                *code_choices(lst, municipality, keep=keep.get(name)),
            ]
        f["screening_outcome"].choices = ScreeningOutcome.choices  # type: ignore[attr-defined]
        f["screening_referral_to"].choices = [  # type: ignore[attr-defined]
            ("", "（なし）"),
            *code_choices(CodeList.SCREENING_REFERRAL, municipality, keep=keep.get("screening_referral_to")),
        ]
        f["referring_partner"].queryset = partner_queryset  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("consulter_type", "self")
            self.initial.setdefault("submission_token", uuid.uuid4().hex)

    def clean(self) -> dict[str, Any]:
        from django.core.exceptions import ValidationError

        from .validation import validate_intake_values

        data = super().clean() or {}
        try:
            validate_intake_values(
                data,
                partner_queryset=self.fields["referring_partner"].queryset,  # type: ignore[attr-defined]
                municipality=self.municipality,
                keep=self.initial,  # what the choices kept on offer (a correction's stored codes)
            )  # type: ignore[attr-defined]
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    for m in messages:
                        self.add_error(field, m)
        return data


class IntakeEditForm(IntakeForm):
    """申込票の訂正: the same fields and rules as at 受付, plus the version it was opened on."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["submission_token"]
        del self.fields["second_case_reason"]
        self.fields["housing_type"].help_text = ""  # the initial value is the 申込票's own


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label="検索（カナ・氏名・電話・生年月日・ケース番号）",
        required=False,
        max_length=80,
        help_text="例：タカハシ、高橋、090-1234、昭和50年3月3日、R7-0001",
    )
    scope = forms.ChoiceField(
        label="対象", choices=[("mine", "自分の担当"), ("agency", "機関全体")], required=False
    )
    state = forms.ChoiceField(label="状態", required=False, choices=[("", "（すべて）"), *CaseState.choices])
    worker: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="担当者", queryset=None, required=False, empty_label="（すべて）"
    )
    unassigned = forms.BooleanField(
        label="担当者未定のケースだけ",
        required=False,
        help_text="委託先の変更で移ってきて、まだ担当者を割り当てていないケース（機関全体から探します）。",
    )
    topic = forms.ChoiceField(label="相談したいこと", required=False)
    after = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, worker_queryset: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = worker_queryset  # type: ignore[attr-defined]
        self.fields["topic"].choices = [("", "（すべて）"), *code_choices(CodeList.CONSULTATION_TOPIC)]  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    name = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="理由", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AssignForm(forms.Form):
    """担当者の変更 (case.assign)."""

    worker: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="担当者", queryset=None, empty_label=None
    )  # type: ignore[arg-type]

    def __init__(self, *args: Any, staff_queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = staff_queryset  # type: ignore[attr-defined]


class ApplicationForm(forms.Form):
    applied_on = JapaneseDateField(label="利用申込日")


# --- The support process -------------------------------------------------------------------------
#
# Input forms only: the rules are in validation.py and are checked again by the services (the
# API goes straight to them). ``clean()`` runs the same rule functions so messages appear beside
# the fields before anything is sent to a service.


def _apply_rule_errors(form: forms.Form, exc: Any, *, prefix: str = "") -> None:
    for key, messages in exc.message_dict.items():
        field = key[len(prefix) :] if prefix and key.startswith(prefix) else key
        target = field if field in form.fields else None
        if target is not None and target in form.errors:
            continue
        for m in messages:
            form.add_error(target, m)


_TRI_STATE = [("", "未確認"), ("yes", "有"), ("no", "無")]  # 通院・服薬: True / False / None
_TRI_VALUE = {"yes": True, "no": False}


def _tri_initial(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, "") if value is not None else ""


def _certificate_grade_choices() -> list[tuple[str, str]]:
    """Every grade of every kind once (身体 1〜6級 and 精神 1〜3級 share 1〜3級); the kind's own range
    is checked by validate_assessment_values."""
    from .models import CERTIFICATE_GRADES

    seen: dict[str, str] = {}
    for grades in CERTIFICATE_GRADES.values():
        for value, label in grades:
            seen.setdefault(value, label)
    return [("", "（なし）"), *seen.items()]


class AssessmentForm(forms.Form):
    """インテーク・アセスメントシート: one text area per section (the narratives), beside them the
    structured items of 健康・障害, 就労, 住まい, 収入・資産・債務, the 抱える課題 checklist and the rest.
    The rows (職歴, 債務, 公的給付) are the formsets below; ``SHEET`` says what goes in which section."""

    assessed_on = JapaneseDateField(label="実施日")
    joint_with: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="共同アセスメントの相手（2人で実施した場合）",
        queryset=None,
        required=False,
        empty_label="（1人で実施）",
        help_text="家計の課題が明らかな場合など、家計改善支援員等と2人で実施したときに選びます。",
    )
    issues = forms.MultipleChoiceField(
        label="抱える課題（複数選択可）", widget=forms.CheckboxSelectMultiple, required=False
    )
    disability_certificate = forms.ChoiceField(label="障害者手帳", required=False)
    certificate_kind = forms.ChoiceField(label="手帳の種類（有・申請中の場合）", required=False)
    certificate_grade = forms.ChoiceField(
        label="等級・程度",
        required=False,
        help_text="身体障害者手帳は1〜6級、精神障害者保健福祉手帳は1〜3級、療育手帳は都道府県の区分（A・B、A1〜B2、1〜4度）。",
    )
    outpatient = forms.ChoiceField(label="通院", choices=_TRI_STATE, widget=forms.RadioSelect, required=False)
    outpatient_note = forms.CharField(label="通院先・頻度", max_length=200, required=False)
    medication = forms.ChoiceField(label="服薬", choices=_TRI_STATE, widget=forms.RadioSelect, required=False)
    medication_note = forms.CharField(label="服薬の内容", max_length=200, required=False)
    work_status = forms.ChoiceField(label="就労の現状", required=False)
    qualifications = forms.CharField(
        label="資格・免許", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    monthly_rent = YenField(label="家賃月額（円）", required=False, help_text="例：65,000、6.5万円")
    savings = YenField(
        label="預貯金・現金（円）", required=False, maximum=9_999_999_999, help_text="例：30,000、3万円"
    )
    strengths = forms.CharField(label="本人の強み", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    wishes = forms.CharField(label="本人の意向", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    urgency = forms.ChoiceField(label="緊急性", widget=forms.RadioSelect, required=False)
    based_on_number = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # The structured items beside each section's narrative, in the sheet's order; the formset of a
    # section's rows follows its items (ASSESSMENT_ROW_FORMSETS).
    SHEET: dict[str, tuple[str, ...]] = {
        "housing": ("monthly_rent",),
        "health": (
            "disability_certificate",
            "certificate_kind",
            "certificate_grade",
            "outpatient",
            "outpatient_note",
            "medication",
            "medication_note",
        ),
        "work": ("work_status", "qualifications"),
        "finances": ("income_*", "savings"),
        "urgency_detail": ("urgency",),
        "policy": ("issues", "strengths", "wishes"),
    }

    def __init__(self, *args: Any, case: Any, staff_queryset: Any, **kwargs: Any) -> None:
        from .models import (
            ASSESSMENT_SECTIONS,
            CertificateKind,
            DisabilityCertificate,
            IncomeCategory,
            Urgency,
        )

        super().__init__(*args, **kwargs)
        self.case = case
        self.offered: set[str] = set()  # fields filled from another screen (assessment_new ?offer=)
        f = self.fields
        f["joint_with"].queryset = staff_queryset  # type: ignore[attr-defined]
        f["issues"].choices = code_choices(  # type: ignore[attr-defined]
            CodeList.ASSESSMENT_ISSUE, case.municipality_id, keep=self.initial.get("issues")
        )
        f["disability_certificate"].choices = [("", "（未確認）"), *DisabilityCertificate.choices]  # type: ignore[attr-defined]
        f["certificate_kind"].choices = [("", "（なし）"), *CertificateKind.choices]  # type: ignore[attr-defined]
        f["certificate_grade"].choices = _certificate_grade_choices()  # type: ignore[attr-defined]
        f["work_status"].choices = [  # type: ignore[attr-defined]
            ("", "（未確認）"),
            *code_choices(CodeList.WORK_STATUS, case.municipality_id, keep=self.initial.get("work_status")),
        ]
        f["urgency"].choices = [("", "（未評価）"), *Urgency.choices]  # type: ignore[attr-defined]
        # The sections, in the sheet's order, after the date; then the 月収 by source.
        ordered: dict[str, forms.Field] = {"assessed_on": f["assessed_on"]}
        for key, label in ASSESSMENT_SECTIONS:
            ordered[f"section_{key}"] = forms.CharField(
                label=label, widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10000
            )
        for value, label in IncomeCategory.choices:
            ordered[f"income_{value}"] = YenField(label=f"月収：{label}（円）", required=False)
        ordered.update({k: v for k, v in f.items() if k != "assessed_on"})
        self.fields = ordered  # type: ignore[assignment]
        if not self.is_bound:
            self.initial.setdefault("assessed_on", timezone.localdate())

    def section_keys(self) -> list[str]:
        return [k for k in self.fields if k.startswith("section_")]

    def income_keys(self) -> list[str]:
        return [k for k in self.fields if k.startswith("income_")]

    def section_items(self, key: str) -> list[Any]:
        names: list[str] = []
        for n in self.SHEET.get(key, ()):
            names += self.income_keys() if n == "income_*" else [n]
        return [self[n] for n in names]

    def placed_fields(self) -> set[str]:
        placed = {"assessed_on", "based_on_number", *self.section_keys(), *self.income_keys()}
        for names in self.SHEET.values():
            placed.update(names)
        return placed

    def other_fields(self) -> list[Any]:
        """Fields outside the sections (共同アセスメントの相手)."""
        return [self[n] for n in self.fields if n not in self.placed_fields()]

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "assessed_on": d.get("assessed_on"),
            "sections": {k.removeprefix("section_"): d.get(k) or "" for k in self.section_keys()},
            "issues": d.get("issues") or [],
            "disability_certificate": d.get("disability_certificate") or "",
            "certificate_kind": d.get("certificate_kind") or "",
            "certificate_grade": d.get("certificate_grade") or "",
            "outpatient": _TRI_VALUE.get(d.get("outpatient") or ""),
            "outpatient_note": d.get("outpatient_note") or "",
            "medication": _TRI_VALUE.get(d.get("medication") or ""),
            "medication_note": d.get("medication_note") or "",
            "work_status": d.get("work_status") or "",
            "qualifications": d.get("qualifications") or "",
            "monthly_rent": d.get("monthly_rent"),
            "savings": d.get("savings"),
            "incomes": [
                {"category": k.removeprefix("income_"), "amount": d.get(k)}
                for k in self.income_keys()
                if d.get(k) is not None
            ],
            "strengths": d.get("strengths") or "",
            "wishes": d.get("wishes") or "",
            "urgency": d.get("urgency") or "",
            "joint_with": d.get("joint_with"),
        }

    def clean(self) -> dict[str, Any]:
        from django.core.exceptions import ValidationError

        from .validation import validate_assessment_values

        data = super().clean() or {}
        # The rules run even when a field was refused (an unreadable amount): every message shows
        # at once; a field already refused keeps its own message (apply_assessment_errors).
        refused = set(self.errors)
        try:
            validate_assessment_values(
                self.values(),
                case=self.case,
                staff_queryset=self.fields["joint_with"].queryset,  # type: ignore[attr-defined]
                keep_issues=self.initial.get("issues"),
                keep_work=self.initial.get("work_status"),
            )
        except ValidationError as exc:
            # The rows are in the formsets: a sheet with only rows is checked by the service.
            errors = {
                k: v
                for k, v in exc.error_dict.items()
                if k != "__all__"
                and k not in refused
                and f"income_{k.removeprefix('incomes.')}" not in refused
            }
            if errors:
                apply_assessment_errors(self, {}, ValidationError(errors))
        return data

    @staticmethod
    def initial_from(assessment: Any) -> dict[str, Any]:
        """A new version starts from the latest one (date: today)."""
        if assessment is None:
            return {"based_on_number": 0}
        out: dict[str, Any] = {
            "based_on_number": assessment.number,
            "issues": assessment.issues,
            "disability_certificate": assessment.disability_certificate,
            "certificate_kind": assessment.certificate_kind,
            "certificate_grade": assessment.certificate_grade,
            "outpatient": _tri_initial(assessment.outpatient),
            "outpatient_note": assessment.outpatient_note,
            "medication": _tri_initial(assessment.medication),
            "medication_note": assessment.medication_note,
            "work_status": assessment.work_status,
            "qualifications": assessment.qualifications,
            "monthly_rent": assessment.monthly_rent,
            "savings": assessment.savings,
            "strengths": assessment.strengths,
            "wishes": assessment.wishes,
            "urgency": assessment.urgency,
        }
        out.update({f"section_{k}": v for k, v in (assessment.sections or {}).items()})
        out.update({f"income_{i.category}": i.amount for i in assessment.incomes.all()})
        return out

    @staticmethod
    def rows_initial(assessment: Any) -> dict[str, list[dict[str, Any]]]:
        """The rows of the latest version, as the formsets' initial (a new version starts from them)."""
        from .validation import ASSESSMENT_ROW_FIELDS

        if assessment is None:
            return {k: [] for k in ASSESSMENT_ROW_FORMSETS}
        return {
            prefix: [
                {f: getattr(r, f) for f in ASSESSMENT_ROW_FIELDS[prefix]}
                for r in getattr(assessment, prefix).all()
            ]
            for prefix in ASSESSMENT_ROW_FORMSETS
        }


class _AssessmentRowForm(forms.Form):
    """One row of the sheet (職歴, 債務, 公的給付). A row left empty is not saved."""

    BLANK_FIELDS: tuple[str, ...] = ()

    def __init__(self, *args: Any, municipality: Any = None, keep: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality, self.keep = municipality, keep

    def is_blank(self) -> bool:
        d = getattr(self, "cleaned_data", {}) or {}
        return not any(d.get(k) not in (None, "") for k in self.BLANK_FIELDS)

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "DELETE"}


class AssessmentJobForm(_AssessmentRowForm):
    period = forms.CharField(
        label="期間", max_length=60, required=False, help_text="例：平成28年4月〜令和7年3月"
    )
    employment_type = forms.ChoiceField(label="雇用形態", required=False)
    work = forms.CharField(label="勤務先・仕事の内容", max_length=200, required=False)
    reason_left = forms.CharField(label="離職の理由", max_length=200, required=False)
    BLANK_FIELDS = ("period", "employment_type", "work", "reason_left")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employment_type"].choices = [  # type: ignore[attr-defined]
            ("", "（選択してください）"),
            *code_choices(CodeList.WORK_STATUS, self.municipality, keep=self.keep),
        ]


class AssessmentDebtForm(_AssessmentRowForm):
    kind = forms.ChoiceField(label="債権者の種類", required=False)
    creditor = forms.CharField(label="債権者・滞納先", max_length=200, required=False)
    amount = YenField(label="残額（円）", required=False, maximum=9_999_999_999)
    monthly_repayment = YenField(label="月々の返済（円）", required=False)
    BLANK_FIELDS = ("kind", "creditor", "amount", "monthly_repayment")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .models import DebtKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "（選択してください）"), *DebtKind.choices]  # type: ignore[attr-defined]


class AssessmentBenefitForm(_AssessmentRowForm):
    kind = forms.ChoiceField(label="種類", required=False)
    name = forms.CharField(
        label="名称", max_length=100, required=False, help_text="例：老齢基礎年金、児童扶養手当"
    )
    monthly_amount = YenField(label="月額（円）", required=False)
    ends_on = JapaneseDateField(label="終了日（予定）", required=False)
    BLANK_FIELDS = ("kind", "name", "monthly_amount", "ends_on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .models import PublicBenefitKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "（選択してください）"), *PublicBenefitKind.choices]  # type: ignore[attr-defined]


class _AssessmentRowFormSetBase(forms.BaseFormSet):  # type: ignore[type-arg]
    """Rows added without saving (「行を追加」: static/js/rows.js, or the view adds one), removed
    with 「この行を削除する」; rows left empty are ignored (as the plan's goals, _GoalFormSetBase)."""

    def __init__(self, *args: Any, municipality: Any = None, keep: Any = None, **kwargs: Any) -> None:
        self._row_kwargs = {"municipality": municipality, "keep": keep}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), **self._row_kwargs}

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = "この行を削除する"

    def kept_forms(self) -> list[Any]:
        return [
            f
            for f in self.forms
            if not f.cleaned_data.get("DELETE") and not f.is_blank()  # type: ignore[attr-defined]
        ]


def _row_formset(form: type[forms.Form]) -> Any:
    return forms.formset_factory(
        form, formset=_AssessmentRowFormSetBase, extra=1, can_delete=True, max_num=30
    )


# The sheet's rows: prefix (and key in assessment_create's values) → (section, heading, formset).
ASSESSMENT_ROW_FORMSETS: dict[str, tuple[str, str, Any]] = {
    "jobs": ("work", "職歴", _row_formset(AssessmentJobForm)),
    "debts": ("finances", "債務", _row_formset(AssessmentDebtForm)),
    "benefits": ("public_benefits", "公的給付", _row_formset(AssessmentBenefitForm)),
}


def apply_assessment_errors(form: forms.Form, kept: dict[str, list[Any]], exc: Any) -> None:
    """A ValidationError of validate_assessment_values beside its field: ``incomes.<category>`` on
    the 月収 field, ``<rows>.<n>.<field>`` on the n-th row saved of that formset."""
    if not hasattr(exc, "error_dict"):
        for m in exc.messages:
            form.add_error(None, m)
        return
    for key, messages in exc.message_dict.items():
        target: Any = form
        field: str | None = key
        parts = key.split(".")
        if parts[0] == "incomes" and len(parts) == 2:
            field = f"income_{parts[1]}"
        elif (
            parts[0] in kept
            and len(parts) == 3
            and parts[1].isdigit()
            and int(parts[1]) < len(kept[parts[0]])
        ):
            target, field = kept[parts[0]][int(parts[1])], parts[2]
        if field not in target.fields:
            field = None
        elif field in target.errors:
            continue
        for m in messages:
            target.add_error(field, m)


class ShareAssessmentForm(forms.Form):
    recipient: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="共有する家計改善支援員", queryset=None, empty_label="（選択してください）"
    )

    def __init__(self, *args: Any, recipient_queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipient_queryset  # type: ignore[attr-defined]


class PlanForm(forms.Form):
    """プラン兼事業等利用申込書 (施行規則 §1: 意向・課題・目標と達成時期・支援の種類と内容・留意事項)."""

    wishes = forms.CharField(label="本人の生活に対する意向", widget=forms.Textarea(attrs={"rows": 3}))
    issues = forms.CharField(label="生活全般の解決すべき課題", widget=forms.Textarea(attrs={"rows": 3}))
    long_term_goal = forms.CharField(label="長期目標", widget=forms.Textarea(attrs={"rows": 2}))
    short_term_goal = forms.CharField(
        label="短期目標", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    notes = forms.CharField(
        label="支援を提供する上での留意事項", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    programs = forms.MultipleChoiceField(
        label="利用申込する事業（法定事業）", widget=forms.CheckboxSelectMultiple, required=False
    )
    employment_support_target = forms.BooleanField(
        label="就労支援対象者とする（就労支援を行うプラン）",
        required=False,
        help_text="支援状況調査の「就労支援対象者数」に数えます。",
    )
    start_date = JapaneseDateField(label="プラン期間（開始）")
    end_date = JapaneseDateField(label="プラン期間（終了）", help_text="原則6か月以内。例：令和8年3月31日")
    long_period_reason = forms.CharField(
        label="6か月を超える期間とする理由", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    agreed_on = JapaneseDateField(
        label="本人の同意日（プランに合意・署名した日）",
        required=False,
        help_text="支援調整会議に提出する前に記録します。例：令和7年4月1日",
    )
    monitoring_interval_days = forms.IntegerField(
        label="モニタリング間隔（日）",
        min_value=7,
        max_value=180,
        initial=30,
        help_text="次回モニタリング日は土日祝日を避けて設定されます。",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        from .models import StatutoryProgram

        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["programs"].choices = StatutoryProgram.choices  # type: ignore[attr-defined]
        if not self.is_bound:
            from .validation import plan_period_limit

            start = timezone.localdate()
            self.initial.setdefault("start_date", start)
            self.initial.setdefault("end_date", plan_period_limit(start))
            self.initial.setdefault("monitoring_interval_days", 30)

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}

    def clean(self) -> dict[str, Any]:
        from django.core.exceptions import ValidationError

        from .validation import validate_plan_values

        data = super().clean() or {}
        if self.errors:
            return data
        try:
            validate_plan_values(self.values(), case=self.case)
        except ValidationError as exc:
            _apply_rule_errors(self, exc)
        return data


class GoalForm(forms.Form):
    """One row: 課題 → 目標（長期/短期・達成時期） → 支援の種類・内容 → 提供者 → 頻度."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    term = forms.ChoiceField(label="長期／短期", required=False)
    issue = forms.CharField(label="課題", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    goal = forms.CharField(label="目標", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    target_date = JapaneseDateField(label="達成時期", required=False)
    support = forms.CharField(
        label="支援の種類・内容", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    provider_kind = forms.ChoiceField(label="支援の提供者（種別）", required=False)
    provider_staff: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="担当職員（センター職員の場合）", queryset=None, required=False, empty_label="（なし）"
    )
    provider_program = forms.ChoiceField(label="法定事業（法定事業の場合）", required=False)
    provider_partner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="関係機関（関係機関の場合）", queryset=None, required=False, empty_label="（なし）"
    )
    provider_resource = forms.CharField(
        label="社会資源・インフォーマル（名称）", max_length=200, required=False
    )
    frequency = forms.CharField(
        label="期間・頻度", max_length=100, required=False, help_text="例：週1回、3か月"
    )
    unmet_need = forms.BooleanField(label="対応する社会資源がない（不足している資源）", required=False)
    unmet_need_note = forms.CharField(
        label="不足している資源の内容", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(
        self, *args: Any, staff_queryset: Any = None, partner_queryset: Any = None, **kwargs: Any
    ) -> None:
        from .models import GoalTerm, ProviderKind, StatutoryProgram

        super().__init__(*args, **kwargs)
        f = self.fields
        f["term"].choices = GoalTerm.choices  # type: ignore[attr-defined]
        f["provider_kind"].choices = [("", "（選択してください）"), *ProviderKind.choices]  # type: ignore[attr-defined]
        f["provider_program"].choices = [("", "（なし）"), *StatutoryProgram.choices]  # type: ignore[attr-defined]
        f["provider_staff"].queryset = staff_queryset  # type: ignore[attr-defined]
        f["provider_partner"].queryset = partner_queryset  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("term", "short")

    def is_blank(self) -> bool:
        d = self.cleaned_data
        return not any(d.get(k) for k in ("issue", "goal", "support", "provider_kind"))

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("DELETE", "ORDER")}


class _GoalFormSetBase(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(
        self, *args: Any, staff_queryset: Any = None, partner_queryset: Any = None, **kwargs: Any
    ) -> None:
        self._qs = {"staff_queryset": staff_queryset, "partner_queryset": partner_queryset}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), **self._qs}

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["ORDER"].label = "並び順"
        form.fields["ORDER"].min_value = 1  # type: ignore[attr-defined]
        form.fields["ORDER"].widget.attrs.update({"min": 1, "class": "input--short"})
        form.fields["DELETE"].label = "この目標を削除する"

    def kept_forms(self) -> list[GoalForm]:
        """Rows to save, in the order of their 並び順 (rows without one keep their place after the
        numbered ones): not marked 削除, not left empty."""
        rows = [
            (i, f)
            for i, f in enumerate(self.forms)
            if not f.cleaned_data.get("DELETE") and not f.is_blank()  # type: ignore[attr-defined]
        ]
        rows.sort(
            key=lambda r: (r[1].cleaned_data.get("ORDER") is None, r[1].cleaned_data.get("ORDER") or 0, r[0])
        )
        return [f for _, f in rows]  # type: ignore[misc]


# 目標と支援: up to 30 rows in one plan. Rows are added without saving (the 「目標を追加」 button:
# static/js/goals.js, or the view adds a row server-side), removed (削除) and reordered (並び順).
GoalFormSet = forms.formset_factory(
    GoalForm, formset=_GoalFormSetBase, extra=1, can_delete=True, can_order=True, max_num=30
)


class RecordForm(forms.Form):
    """支援経過記録: one contact. The quick entry on the case page posts this form."""

    occurred_at = JapaneseDateTimeField(label="日時")
    method = forms.ChoiceField(label="方法")
    duration_minutes = forms.IntegerField(label="所要時間（分）", required=False, min_value=1, max_value=1440)
    content = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 4}))
    staff: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label="対応職員", queryset=None)
    is_monitoring = forms.BooleanField(
        label="モニタリングとして記録する（次回モニタリング日を更新）", required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, case: Any, staff_queryset: Any, actor: Any = None, **kwargs: Any) -> None:
        from .models import RecordMethod

        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["method"].choices = [("", "（選択してください）"), *RecordMethod.choices]  # type: ignore[attr-defined]
        self.fields["staff"].queryset = staff_queryset  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            if actor is not None:
                self.initial.setdefault("staff", actor.pk)

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}

    def clean(self) -> dict[str, Any]:
        from django.core.exceptions import ValidationError

        from .validation import validate_record_values

        data = super().clean() or {}
        if self.errors:
            return data
        try:
            staff_qs = self.fields["staff"].queryset  # type: ignore[attr-defined]
            validate_record_values(self.values(), case=self.case, staff_queryset=staff_qs)
        except ValidationError as exc:
            _apply_rule_errors(self, exc)
        return data


class EvaluationForm(forms.Form):
    """評価シート: per-goal achievement (one radio list per goal), the changes, the next direction."""

    evaluated_on = JapaneseDateField(label="評価日")
    changes = forms.MultipleChoiceField(
        label="本人の変化（複数選択可）", widget=forms.CheckboxSelectMultiple, required=False
    )
    summary = forms.CharField(label="評価の所見", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    direction = forms.ChoiceField(label="今後の方向性", widget=forms.RadioSelect)
    closure_reason = forms.ChoiceField(label="終結理由（終結の場合）", required=False)
    follow_up_on = JapaneseDateField(label="フォローアップ予定日（終結の場合）", required=False)

    def __init__(self, *args: Any, case: Any, plan: Any, goals: list[Any], **kwargs: Any) -> None:
        from .models import Achievement, Direction

        super().__init__(*args, **kwargs)
        self.case, self.plan, self.goals = case, plan, goals
        f = self.fields
        f["changes"].choices = code_choices(CodeList.CHANGE_ITEM, case.municipality_id)  # type: ignore[attr-defined]
        f["direction"].choices = Direction.choices  # type: ignore[attr-defined]
        f["closure_reason"].choices = [  # type: ignore[attr-defined]
            ("", "（選択してください）"),
            *code_choices(CodeList.CLOSURE_REASON, case.municipality_id),
        ]
        ordered: dict[str, forms.Field] = {"evaluated_on": f["evaluated_on"]}
        for g in goals:
            ordered[f"goal_{g.pk}_achievement"] = forms.ChoiceField(
                label=f"目標{g.order}「{g.goal}」の達成状況",
                choices=Achievement.choices,
                widget=forms.RadioSelect,
            )
            ordered[f"goal_{g.pk}_comment"] = forms.CharField(
                label=f"目標{g.order}の所見", required=False, max_length=2000
            )
        ordered.update({k: v for k, v in f.items() if k != "evaluated_on"})
        self.fields = ordered  # type: ignore[assignment]
        if not self.is_bound:
            self.initial.setdefault("evaluated_on", timezone.localdate())

    def goal_field_names(self) -> list[str]:
        return [k for k in self.fields if k.startswith("goal_")]

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "evaluated_on": d["evaluated_on"],
            "changes": d["changes"],
            "summary": d["summary"],
            "direction": d["direction"],
            "closure_reason": d["closure_reason"],
            "follow_up_on": d["follow_up_on"],
            "goal_results": [
                {
                    "goal_id": g.pk,
                    "achievement": d.get(f"goal_{g.pk}_achievement"),
                    "comment": d.get(f"goal_{g.pk}_comment") or "",
                }
                for g in self.goals
            ],
        }

    def clean(self) -> dict[str, Any]:
        from django.core.exceptions import ValidationError

        from .validation import validate_evaluation_values

        data = super().clean() or {}
        if self.errors:
            return data
        try:
            validate_evaluation_values(self.values(), case=self.case, plan=self.plan)
        except ValidationError as exc:
            _apply_rule_errors(self, exc)
        return data


class EmploymentOutcomeForm(forms.Form):
    """就労・増収の実績 (支援状況調査の就労者数・増収者数に数えます)."""

    kind = forms.ChoiceField(label="種別")
    occurred_on = JapaneseDateField(
        label="就労・増収の日", help_text="就職した日、または収入が増えた月の初日。例：令和8年10月1日"
    )
    employment_type = forms.CharField(
        label="雇用形態", max_length=40, required=False, help_text="例：正社員、パート"
    )
    employer = forms.CharField(label="就労先", max_length=200, required=False)
    monthly_income_increase = forms.IntegerField(
        label="月収の増加額（円）", required=False, min_value=0, max_value=10_000_000
    )
    note = forms.CharField(label="備考", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .models import EmploymentOutcomeKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = EmploymentOutcomeKind.choices  # type: ignore[attr-defined]
