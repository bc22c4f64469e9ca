"""Input validation for the meeting, decision and 支援会議 screens (types and choices only; the rules
are the services')."""

from __future__ import annotations

from typing import Any

from django import forms

from tsunagu.cases.models import StatutoryProgram
from tsunagu.core.forms import JapaneseDateField

from .models import AgendaOutcome, AgendaPurpose, DecisionKind, EmergencyBasis, MeetingKind

_TEXTAREA = {"rows": 4}


def _required(label: str) -> dict[str, str]:
    return {"required": f"{label}を入力してください。"}


class MeetingForm(forms.Form):
    """支援調整会議 / 支援会議: date, place, chair, attendees and the overall minutes."""

    held_on = JapaneseDateField(label="開催日", error_messages=_required("開催日"))
    municipality: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="自治体（実施主体）",
        queryset=None,
        empty_label=None,
        help_text="議題にできるのは、この自治体のケースです。",
    )
    place = forms.CharField(label="場所", max_length=100, required=False)
    chair: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="議長", queryset=None, required=False, empty_label="（未定）"
    )
    staff_attendees: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label="出席者（職員・自治体担当者）",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    partner_attendees: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label="出席者（関係機関）",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_attendees = forms.CharField(
        label="その他の出席者",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="1行に1人（例：本人、家族）。支援会議では登録できません。",
    )
    minutes = forms.CharField(label="議事録（全体）", required=False, widget=forms.Textarea(attrs=_TEXTAREA))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        municipality_queryset: Any,
        staff_queryset: Any,
        partner_queryset: Any,
        chair_queryset: Any,
        kind: str = MeetingKind.COORDINATION,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipality_queryset  # type: ignore[attr-defined]
        self.fields["staff_attendees"].queryset = staff_queryset  # type: ignore[attr-defined]
        self.fields["partner_attendees"].queryset = partner_queryset  # type: ignore[attr-defined]
        self.fields["chair"].queryset = chair_queryset  # type: ignore[attr-defined]
        if kind == MeetingKind.COUNCIL:
            del self.fields["municipality"], self.fields["other_attendees"]
            self.fields["staff_attendees"].label = "出席者（構成員の職員・自治体担当者）"
            self.fields["partner_attendees"].label = "出席者（構成員の関係機関）"

    def attendees(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        rows: list[dict[str, Any]] = [{"staff": s} for s in d.get("staff_attendees") or []]
        rows += [{"partner": p} for p in d.get("partner_attendees") or []]
        rows += [
            {"name": line.strip()} for line in (d.get("other_attendees") or "").splitlines() if line.strip()
        ]
        return rows

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        out = {k: d.get(k) for k in ("held_on", "place", "chair", "minutes")}
        if "municipality" in self.fields:
            out["municipality"] = d.get("municipality")
        return out


class AgendaAddForm(forms.Form):
    case_number = forms.CharField(
        label="ケース番号", max_length=16, error_messages=_required("ケース番号"), help_text="例：R8-0004"
    )
    purpose = forms.ChoiceField(label="議題", choices=())
    emergency_basis = forms.ChoiceField(
        label="同意によらない検討の根拠（緊急的な支援）",
        choices=[("", "（同意の範囲内で検討する）"), *EmergencyBasis.choices],
        required=False,
        help_text="緊急的な支援の対象で、本人の同意が会議の目的・出席する関係機関を含まない場合に選びます。",
    )
    emergency_note = forms.CharField(label="緊急の事情", max_length=400, required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind == MeetingKind.COUNCIL:
            del self.fields["emergency_basis"], self.fields["emergency_note"]
            choices = [(AgendaPurpose.CONSULTATION.value, AgendaPurpose.CONSULTATION.label)]
        else:
            choices = [(p.value, p.label) for p in AgendaPurpose if p != AgendaPurpose.CONSULTATION]
        self.fields["purpose"].choices = choices  # type: ignore[attr-defined]


class AgendaOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="結果",
        choices=AgendaOutcome.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    minutes = forms.CharField(
        label="議事録（このケース）", required=False, widget=forms.Textarea(attrs=_TEXTAREA)
    )

    def __init__(self, *args: Any, recorded_outcome: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorded_outcome = recorded_outcome
        if recorded_outcome:  # the outcome stays; only the minutes may be completed
            del self.fields["outcome"]

    def chosen_outcome(self) -> str:
        return self.recorded_outcome or self.cleaned_data.get("outcome") or ""


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label="種別",
        choices=DecisionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "種別（支援決定・確認）を選んでください。"},
    )
    decided_on = JapaneseDateField(label="決定日", error_messages=_required("決定日"))
    programs = forms.MultipleChoiceField(
        label="決定する事業",
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="プランで利用を申し込んだ法定事業です（確認の場合は選びません）。",
    )
    note = forms.CharField(label="備考", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, plan_programs: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(StatutoryProgram.choices)
        self.fields["programs"].choices = [(p, labels.get(p, p)) for p in plan_programs]  # type: ignore[attr-defined]
        if not plan_programs:
            del self.fields["programs"]


class CouncilForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, error_messages=_required("名称"))
    municipality: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="自治体（実施主体）", queryset=None, empty_label=None
    )
    established_on = JapaneseDateField(label="設置日", error_messages=_required("設置日"))

    def __init__(self, *args: Any, municipality_queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipality_queryset  # type: ignore[attr-defined]


class CouncilMemberForm(forms.Form):
    staff: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="職員・自治体担当者", queryset=None, required=False
    )
    partner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="関係機関", queryset=None, required=False
    )
    representative = forms.CharField(
        label="関係機関の代表者・担当者名",
        max_length=60,
        required=False,
        help_text="関係機関の場合に入力します。",
    )
    pledge_signed_on = JapaneseDateField(
        label="守秘義務の誓約日",
        error_messages={"required": "守秘義務の誓約日を入力してください。誓約のない方は構成員にできません。"},
    )
    joined_on = JapaneseDateField(label="構成員となった日", required=False, help_text="空欄なら誓約日です。")

    def __init__(self, *args: Any, staff_queryset: Any, partner_queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset  # type: ignore[attr-defined]
        self.fields["partner"].queryset = partner_queryset  # type: ignore[attr-defined]


class CouncilMemberLeaveForm(forms.Form):
    left_on = JapaneseDateField(
        label="構成員でなくなった日", error_messages=_required("構成員でなくなった日")
    )
