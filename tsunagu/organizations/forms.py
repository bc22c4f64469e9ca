"""Forms of the organizations app: the TOTP step of the login (a locked-out account is refused,
wrong codes lock it like passwords) and the 初期設定 screens (都道府県・自治体・機関・職員)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from allauth.mfa.base.forms import AuthenticateForm
from django import forms
from django.db.models import Q

from tsunagu.core.forms import JapaneseDateField

from .auth import LOCKED_OUT, is_locked_out
from .models import STAFF_STATUSES, Agency, Municipality, OperationType, Prefecture
from .roles import AGENCY_ROLE_VALUES, Role
from .validators import normalize_municipality_code, validate_municipality_code


class StaffAuthenticateForm(AuthenticateForm):
    """MFA_FORMS["authenticate"]: no code is checked while the account is locked out, so guessing
    stops at the same limit as for passwords (each wrong code is counted by ``signals.py``)."""

    def clean_code(self) -> str:
        if is_locked_out(self.user.username):
            raise forms.ValidationError(LOCKED_OUT, code="locked_out")
        code: str = super().clean_code()
        return code


# --- 導入と移行: 初期設定の画面 -------------------------------------------------------------------


class PrefectureInUseForm(forms.Form):
    """Which of the 47 prefectures this installation serves."""

    codes = forms.MultipleChoiceField(
        label="この環境で使う都道府県",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="自治体を登録する都道府県に印を付けます。自治体の登録画面では、印を付けた都道府県だけを選べます。",
    )

    def __init__(self, *args: Any, prefectures: Iterable[Prefecture], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(p.code, f"{p.code} {p.name}") for p in prefectures]
        cast(forms.MultipleChoiceField, self.fields["codes"]).choices = choices


class MunicipalityForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(
        label="全国地方公共団体コード",
        max_length=8,
        validators=[validate_municipality_code],
        help_text="6桁（5桁＋検査数字）。例：新宿区は131041。",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label="自治体名", max_length=40, help_text="都道府県名を除いて入力します（例：新宿区）。"
    )
    prefecture = forms.ModelChoiceField(
        label="都道府県", queryset=Prefecture.objects.none(), empty_label="選んでください"
    )
    population = forms.IntegerField(
        label="人口", min_value=0, help_text="統計の人口比（人口10万人当たり）に使います。"
    )
    population_as_of = JapaneseDateField(label="人口の基準日", required=False)
    slug = forms.SlugField(
        label="略称（ローマ字）",
        max_length=40,
        help_text="半角の英小文字・数字・ハイフン（例：shinjuku）。画面のアドレスや出力ファイル名に使います。",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["prefecture"])
        # The prefectures in use, and the one already saved (even if no longer marked in use).
        current = self.initial.get("prefecture") or 0
        field.queryset = Prefecture.objects.filter(Q(in_use=True) | Q(pk=current)).order_by("code")

    def clean_code(self) -> str:
        return normalize_municipality_code(self.cleaned_data["code"])

    # The 団体コード's prefix against the prefecture is checked by ``services.municipality_save``
    # (the screen and the API share it).

    @staticmethod
    def initial_for(m: Municipality) -> dict[str, Any]:
        return {
            "version": m.version,
            "code": m.code,
            "name": m.name,
            "prefecture": m.prefecture_id,
            "population": m.population,
            "population_as_of": m.population_as_of,
            "slug": m.slug,
        }

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class AgencyForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label="機関名", max_length=100)
    operation_type = forms.ChoiceField(
        label="運営形態", choices=OperationType.choices, widget=forms.RadioSelect
    )
    operator_name = forms.CharField(
        label="受託法人名", max_length=100, required=False, help_text="委託の場合は必須です。"
    )
    municipality = forms.ModelChoiceField(
        label="主たる実施主体", queryset=Municipality.objects.none(), empty_label="選んでください"
    )
    served_municipalities = forms.ModelMultipleChoiceField(
        label="共同実施の自治体",
        queryset=Municipality.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="複数の自治体で共同実施する場合、主たる実施主体のほかに担当する自治体を選びます。",
    )
    is_active = forms.BooleanField(
        label="有効", required=False, initial=True, help_text="無効にした機関ではケースを受け付けられません。"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = Municipality.objects.select_related("prefecture").order_by("code")
        cast(forms.ModelChoiceField, self.fields["municipality"]).queryset = queryset
        cast(forms.ModelMultipleChoiceField, self.fields["served_municipalities"]).queryset = queryset

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("operation_type") == OperationType.CONTRACTED
            and not (data.get("operator_name") or "").strip()
        ):
            self.add_error("operator_name", "委託の場合は受託法人名を入力してください。")
        return data

    @staticmethod
    def initial_for(a: Agency) -> dict[str, Any]:
        return {
            "version": a.version,
            "name": a.name,
            "operation_type": a.operation_type,
            "operator_name": a.operator_name,
            "municipality": a.municipality_id,
            "served_municipalities": [m.pk for m in a.joint_municipalities()],
            "is_active": a.is_active,
        }

    def values(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["served_municipalities"] = list(data.get("served_municipalities") or [])
        return data


def role_choices(values: Iterable[str]) -> list[tuple[str, str]]:
    allowed = set(values)
    return [(r.value, str(r.label)) for r in Role if r.value in allowed]


class StaffCreateForm(forms.Form):
    """職員アカウントの登録. The システム管理者 picks an agency or a municipality; a センター長
    registers in its own agency only, with agency roles only."""

    username = forms.CharField(
        label="ユーザー名",
        max_length=150,
        help_text="ログインに使います。半角英数字と @ . + - _ が使えます。",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    display_name = forms.CharField(label="氏名", max_length=60)
    display_name_kana = forms.CharField(label="フリガナ", max_length=60, required=False)
    email = forms.EmailField(label="メールアドレス", required=False)
    agency = forms.ModelChoiceField(
        label="所属機関", queryset=Agency.objects.none(), required=False, empty_label="（機関に所属しない）"
    )
    municipality = forms.ModelChoiceField(
        label="所属自治体",
        queryset=Municipality.objects.none(),
        required=False,
        empty_label="（自治体に所属しない）",
        help_text="自治体担当者のときだけ選びます（機関の職員は所属機関を選びます）。",
    )
    roles = forms.MultipleChoiceField(label="ロール", widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, site_admin: bool, agency: Agency | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_admin = site_admin
        roles = cast(forms.MultipleChoiceField, self.fields["roles"])
        agency_field = cast(forms.ModelChoiceField, self.fields["agency"])
        if site_admin:
            agency_field.queryset = Agency.objects.order_by("name")
            cast(
                forms.ModelChoiceField, self.fields["municipality"]
            ).queryset = Municipality.objects.select_related("prefecture").order_by("code")
            roles.choices = role_choices(Role.values)
        else:
            agency_field.queryset = Agency.objects.filter(pk=agency.pk if agency else 0)
            agency_field.initial = agency.pk if agency else None
            agency_field.required = True
            agency_field.empty_label = None
            del self.fields["municipality"]
            roles.choices = role_choices(AGENCY_ROLE_VALUES)


class StaffRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(label="ロール", widget=forms.CheckboxSelectMultiple)
    # The roles as the page showed them (comma-separated codes): the service refuses the save
    # when they changed in the meantime (staff_update_roles ``expected``).
    roles_seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, choices: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["roles"]).choices = role_choices(choices)

    def clean_roles_seen(self) -> list[str]:
        codes = [c for c in (self.cleaned_data.get("roles_seen") or "").split(",") if c]
        if any(c not in Role.values for c in codes):
            raise forms.ValidationError("画面を開き直してから保存してください。")
        return codes


class StaffSearchForm(forms.Form):
    """職員アカウントの一覧（初期設定）の検索。"""

    q = forms.CharField(
        label="ユーザー名・氏名・所属",
        required=False,
        max_length=100,
        help_text="空白で区切ると、すべての語を含むアカウントを探します。",
    )
    status = forms.ChoiceField(
        label="状態",
        required=False,
        choices=[("", "すべて"), *STAFF_STATUSES.items()],
    )
