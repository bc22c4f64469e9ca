"""What each kind of import reads: its columns (Japanese headers and aliases), how headers are
matched to fields, and how one row's cells become the values the domain services take.

Only the *shape* of a cell is checked here (a date that does not exist, a number that is not
one, a 団体コード whose check digit is wrong, a required cell left empty); the rules of the
records themselves are the services' (``person_create``, ``partner_agency_create``,
``housing_rule_add``), which every row goes through.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from tsunagu.core.dates import WarekiParseError, parse_date
from tsunagu.network.models import PartnerAgencyType
from tsunagu.organizations.validators import normalize_municipality_code, validate_municipality_code
from tsunagu.persons.models import Gender

from .models import ImportKind

IGNORE = ""  # mapping value of a column the user chose to ignore


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # the template's header
    required: bool = False
    type: str = "text"  # text, date, int, yen, code, gender, partner_type, bool
    aliases: tuple[str, ...] = ()
    example: str = ""
    help: str = ""
    allow_blank: bool = False  # a required column whose cell may be empty


COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.PERSONS: (
        Column(
            "name",
            "氏名",
            True,
            aliases=("名前", "氏名（漢字）", "相談者名", "本人氏名"),
            example="山田 太郎",
        ),
        Column(
            "kana",
            "フリガナ",
            True,
            aliases=("ふりがな", "カナ", "かな", "フリガナ（カナ）", "氏名カナ", "氏名（カナ）", "よみがな"),
            example="ヤマダ タロウ",
            help="カタカナまたはひらがな。半角カナも可。",
        ),
        Column(
            "birth_date",
            "生年月日",
            True,
            "date",
            aliases=("誕生日", "生年月日（和暦）", "生年月日（西暦）"),
            example="昭和55年4月1日",
            allow_blank=True,
            help="和暦（昭和55年4月1日、S55.4.1）または西暦（1980-04-01、1980/4/1）。",
        ),
        Column(
            "phone",
            "電話番号",
            True,
            aliases=("TEL", "Tel", "tel", "電話", "連絡先", "携帯電話", "携帯", "電話番号（携帯）"),
            example="090-1234-5678",
            allow_blank=True,
        ),
        Column(
            "address",
            "住所",
            True,
            aliases=("現住所", "所在地"),
            example="東京都新宿区西新宿2-8-1",
            allow_blank=True,
        ),
        Column(
            "gender", "性別", type="gender", example="男性", help="男性・女性・その他・回答しない（空欄可）。"
        ),
        Column("postal_code", "郵便番号", aliases=("〒",), example="160-0023"),
        Column(
            "municipality_code",
            "自治体（団体コード）",
            type="code",
            aliases=("団体コード", "自治体コード", "市区町村コード"),
            example="131041",
            help="6桁の全国地方公共団体コード（空欄可）。担当区域の自治体であることを確認します。",
        ),
    ),
    ImportKind.PARTNERS: (
        Column("name", "機関名", True, aliases=("名称", "関係機関名", "機関"), example="新宿区福祉事務所"),
        Column(
            "agency_type",
            "種別",
            True,
            "partner_type",
            aliases=("区分", "機関種別"),
            example="福祉事務所",
            help="、".join(label for _, label in PartnerAgencyType.choices) + "のいずれか。",
        ),
        Column("address", "住所", aliases=("所在地",), example="東京都新宿区歌舞伎町1-4-1"),
        Column("phone", "電話番号", aliases=("TEL", "電話", "連絡先"), example="03-1234-5678"),
        Column(
            "municipality_code",
            "自治体（団体コード）",
            True,
            "code",
            aliases=("団体コード", "自治体コード", "市区町村コード"),
            example="131041",
            help="6桁の全国地方公共団体コード。担当区域の自治体に限ります。",
        ),
        Column("area", "担当地域", example="新宿区全域"),
        Column("notes", "備考", aliases=("メモ",)),
    ),
    ImportKind.HOUSING_RULES: (
        Column("household_size", "世帯人数", True, "int", aliases=("人数",), example="1"),
        Column("base_amount", "基準額", True, "yen", aliases=("基準額（円）", "収入基準額"), example="84000"),
        Column(
            "rent_cap", "家賃上限", True, "yen", aliases=("家賃上限（円）", "住宅扶助基準額"), example="53700"
        ),
        Column(
            "asset_limit",
            "資産上限",
            type="yen",
            aliases=("資産上限（円）", "金融資産上限"),
            example="504000",
            help="空欄のときは基準額の6倍と100万円の小さい方。",
        ),
        Column(
            "grade",
            "級地",
            aliases=("級地区分",),
            example="1級地-1",
            help="記録のために出典とあわせて残します。",
        ),
        Column(
            "effective_from",
            "適用開始日",
            True,
            "date",
            aliases=("適用日", "開始日"),
            example="令和7年4月1日",
        ),
        Column(
            "applies_to_larger",
            "これより多い世帯にも適用",
            type="bool",
            aliases=("以上",),
            example="",
            help="最後の行（例：8人以上）に「はい」。",
        ),
        Column("source", "出典", True, aliases=("根拠", "告示"), example="令和7年3月31日付 要綱改正"),
    ),
}

KIND_HELP: dict[str, str] = {
    ImportKind.PERSONS: "相談者の名簿。氏名・フリガナ・生年月日・電話番号・住所の5列があれば取り込めます。",
    ImportKind.PARTNERS: "関係機関の一覧（担当区域の自治体ごと）。",
    ImportKind.HOUSING_RULES: "住居確保給付金の基準額表（自治体担当者のみ）。",
}


def _key(text: str) -> str:
    s = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"[\s・()（）\[\]【】:：*＊※]+", "", s)


def auto_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """{header index as str: field} for the headers matched by name or alias (first one wins)."""
    lookup: dict[str, str] = {}
    for col in COLUMNS[kind]:
        for name in (col.label, col.field, *col.aliases):
            lookup.setdefault(_key(name), col.field)
    out: dict[str, str] = {}
    used: set[str] = set()
    for i, header in enumerate(headers):
        f = lookup.get(_key(header))
        if f and f not in used:
            out[str(i)] = f
            used.add(f)
    return out


def clean_mapping(kind: str, headers: list[str], raw: dict[str, Any]) -> dict[str, str]:
    """A mapping from the screen or the API, checked: known fields only, each field once."""
    fields = {c.field for c in COLUMNS[kind]}
    out: dict[str, str] = {}
    used: set[str] = set()
    errors: dict[str, str] = {}
    for key, value in raw.items():
        if not str(key).isdigit() or int(key) >= len(headers):
            continue
        value = str(value or "")
        if value == IGNORE:
            continue
        if value not in fields:
            errors[str(key)] = "取り込み先の項目が正しくありません。"
        elif value in used:
            errors[str(key)] = f"「{label_of(kind, value)}」が複数の列に割り当てられています。"
        else:
            out[str(key)] = value
            used.add(value)
    if errors:
        raise ValidationError(errors)
    return out


def missing_required(kind: str, mapping: dict[str, str]) -> list[str]:
    mapped = set(mapping.values())
    return [c.label for c in COLUMNS[kind] if c.required and c.field not in mapped]


def label_of(kind: str, field: str) -> str:
    for c in COLUMNS[kind]:
        if c.field == field:
            return c.label
    return field


_GENDERS = {
    "男": Gender.MALE,
    "男性": Gender.MALE,
    "m": Gender.MALE,
    "女": Gender.FEMALE,
    "女性": Gender.FEMALE,
    "f": Gender.FEMALE,
    "その他": Gender.OTHER,
    "回答しない": Gender.NO_ANSWER,
    "無回答": Gender.NO_ANSWER,
    "不明": Gender.NO_ANSWER,
}
_PARTNER_TYPES = {label: value for value, label in PartnerAgencyType.choices} | {
    "社協": PartnerAgencyType.SOCIAL_WELFARE_COUNCIL,
    "包括": PartnerAgencyType.COMMUNITY_CARE_CENTER,
    "サポステ": PartnerAgencyType.YOUTH_SUPPORT_STATION,
    "病院": PartnerAgencyType.MEDICAL,
}
_TRUE = {"はい", "○", "〇", "1", "true", "yes", "y", "以上"}
_FALSE = {"", "いいえ", "×", "0", "false", "no", "n"}


def _int(text: str, label: str) -> int:
    s = text.replace(",", "").replace("円", "").replace("人", "").strip()
    if not re.fullmatch(r"[0-9]+", s):
        raise ValueError(f"{label}は数字で入力してください。")
    return int(s)


def parse_cell(col: Column, text: str) -> Any:
    """The value of one cell for its column; ValueError with a Japanese message."""
    if col.type == "text":
        return text
    if not text:
        return None if col.type in ("date", "int", "yen") else ""
    if col.type == "date":
        try:
            return parse_date(text)
        except WarekiParseError as exc:
            raise ValueError(f"{col.label}：{exc}") from exc
    if col.type in ("int", "yen"):
        return _int(text, col.label)
    if col.type == "code":
        try:
            validate_municipality_code(text)
        except ValidationError as exc:
            raise ValueError(f"{col.label}：{exc.messages[0]}") from exc
        return normalize_municipality_code(text)
    if col.type == "gender":
        g = _GENDERS.get(text.casefold())
        if g is None:
            raise ValueError("性別は「男性」「女性」「その他」「回答しない」のいずれかで入力してください。")
        return str(g)
    if col.type == "partner_type":
        t = _PARTNER_TYPES.get(text)
        if t is None:
            raise ValueError(f"種別「{text}」は選べません。テンプレートの説明の種別から選んでください。")
        return str(t)
    if col.type == "bool":
        s = text.casefold()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        raise ValueError(f"{col.label}は「はい」または空欄で入力してください。")
    return text


def parse_row(
    kind: str, mapping: dict[str, str], cells: list[str]
) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """(values by field, the typed text by field, errors) for one row."""
    by_field = {c.field: c for c in COLUMNS[kind]}
    typed: dict[str, str] = {}
    for index, field in mapping.items():
        i = int(index)
        typed[field] = cells[i] if i < len(cells) else ""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for field, col in by_field.items():
        text = typed.get(field, "")
        if col.required and not col.allow_blank and not text:
            errors.append(f"{col.label}が空欄です。")
            continue
        try:
            values[field] = parse_cell(col, text)
        except ValueError as exc:
            errors.append(str(exc))
    return values, typed, errors
