from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from tsunagu.core.codes import code_choices
from tsunagu.core.forms import JapaneseDateField
from tsunagu.core.models import CodeList

from .models import Gender, Person

if TYPE_CHECKING:
    from tsunagu.organizations.models import User


class PersonForm(forms.Form):
    """相談者の基本情報 (A票). Rules live in services.validate_person_values; this only parses."""

    name = forms.CharField(label="氏名", max_length=60)
    kana = forms.CharField(label="フリガナ", max_length=80, help_text="カタカナ（ひらがなでも可）")
    birth_date = JapaneseDateField(label="生年月日", required=False)
    gender = forms.ChoiceField(label="性別", choices=[("", "（未選択）"), *Gender.choices], required=False)
    postal_code = forms.CharField(label="郵便番号", max_length=8, required=False, help_text="例：160-0022")
    address = forms.CharField(label="住所", max_length=200, required=False)
    phone = forms.CharField(
        label="電話", max_length=20, required=False, help_text="例：03-1234-5678、090-1234-5678"
    )
    phone_alt = forms.CharField(label="電話（その他）", max_length=20, required=False)
    email = forms.EmailField(label="メール", required=False)
    contact_method = forms.ChoiceField(label="希望する連絡方法", required=False)
    contact_times = forms.CharField(label="連絡してよい時間帯", max_length=100, required=False)
    nationality = forms.CharField(label="国籍", max_length=40, required=False)
    housing_status = forms.ChoiceField(label="住まいの状況", required=False)
    workplace = forms.CharField(label="勤務先・通学先", max_length=120, required=False)
    is_restricted = forms.BooleanField(
        label="閲覧制限（DV等）：住所・電話・勤務先を担当者とセンター長以外に表示しない", required=False
    )
    restriction_reason = forms.CharField(
        label="閲覧制限の理由",
        max_length=200,
        required=False,
        help_text="閲覧制限を設定・解除するときは、その理由を入力してください。",
    )
    # The version the page was opened on (楽観的ロック). Required when editing: the service
    # refuses an edit without it; a new registration has none.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, user: User | None = None, person: Person | None = None, **kwargs: Any
    ) -> None:
        """``user`` and ``person`` (editing): the restriction fields are shown read-only to a
        user who may not set or lift the restriction (``policies.may_change_restriction``)."""
        super().__init__(*args, **kwargs)
        if user is not None and person is not None:
            from .policies import may_change_restriction

            if not may_change_restriction(user, person):
                for name in ("is_restricted", "restriction_reason"):
                    self.fields[name].disabled = True
                self.fields[
                    "is_restricted"
                ].help_text = "閲覧制限の設定・解除は、相談支援員（担当者）またはセンター長が行います。"
                self.fields["restriction_reason"].help_text = ""
        # Whose 区分マスタ: the person's municipality, or the agency's for a new person.
        muni = (
            person.municipality_id
            if person is not None
            else getattr(getattr(user, "agency", None), "municipality_id", None)
        )
        self.fields["contact_method"].choices = [  # type: ignore[attr-defined]
            ("", "（未選択）"),
            *code_choices(CodeList.CONTACT_METHOD, muni),
        ]
        self.fields["housing_status"].choices = [  # type: ignore[attr-defined]
            ("", "（未選択）"),
            *code_choices(CodeList.HOUSING_STATUS, muni),
        ]

    def clean(self) -> dict[str, Any]:
        from django.core.exceptions import ValidationError

        from .validation import validate_person_values

        data = super().clean() or {}
        try:
            validate_person_values(data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    for m in messages:
                        self.add_error(field, m)
        return data


class PersonSearchForm(forms.Form):
    name = forms.CharField(label="氏名（漢字）", required=False, max_length=60)
    kana = forms.CharField(label="フリガナ", required=False, max_length=80)
    birth_date = JapaneseDateField(label="生年月日", required=False)
    phone = forms.CharField(label="電話", required=False, max_length=20)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(k) for k in ("name", "kana", "birth_date", "phone")):
            raise forms.ValidationError(
                "氏名・フリガナ・生年月日・電話のいずれかを入力して検索してください。"
            )
        return data


class HouseholdMemberForm(forms.Form):
    """One 世帯員. Rules are checked by services.household_set; an empty row is ignored."""

    name = forms.CharField(label="氏名", max_length=60, required=False)
    kana = forms.CharField(label="フリガナ", max_length=80, required=False)
    relationship = forms.CharField(label="続柄", max_length=20, required=False, help_text="例：妻、長男、母")
    birth_date = JapaneseDateField(label="生年月日", required=False)
    lives_together = forms.BooleanField(label="同居", required=False, initial=True)

    def is_blank(self) -> bool:
        d = self.cleaned_data
        return not any(d.get(k) for k in ("name", "kana", "relationship", "birth_date"))


HouseholdFormSet = forms.formset_factory(HouseholdMemberForm, extra=2, can_delete=True, max_num=30)
