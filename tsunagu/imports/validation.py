"""What each kind of import reads: its columns (Japanese headers and aliases), how headers are
matched to fields, and how one row's cells become the values the domain services take.

Only the *shape* of a cell is checked here (a date that does not exist, a number that is not
one, a 団体コード whose check digit is wrong, a required cell left empty); the rules of the
records themselves are the services' (``person_create``, ``partner_agency_create``,
``housing_rule_add``, ``intake_register``, ``record_create``), which every row goes through.
The 区分マスタ cells of a case (相談経路, 相談したいこと, 相談方法, 相談した人, and the 申込票 B票's
仕事, 住居, 健康保険, 年金) are read by
``code_of`` / ``codes_of`` against the municipality's lists (``code_lookup``, from
``core.codes.code_choices``: the codes a new entry may choose, by code or label).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.cases.models import RecordMethod
from tsunagu.core.codes import code_choices
from tsunagu.core.dates import WarekiParseError, parse_date, parse_datetime
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
    type: str = "text"  # text, date, datetime, int, yen, code, gender, partner_type, record_method, bool
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

_PERSON_KEY_COLUMNS = (
    Column(
        "kana",
        "フリガナ",
        aliases=("ふりがな", "カナ", "かな", "フリガナ（カナ）", "氏名カナ", "氏名（カナ）", "よみがな"),
        example="ヤマダ タロウ",
        help="登録済みの相談者のフリガナ（フリガナか氏名のどちらかと生年月日で相談者を探します）。",
    ),
    Column(
        "name",
        "氏名",
        aliases=("名前", "氏名（漢字）", "相談者名", "本人氏名"),
        example="山田 太郎",
        help="登録済みの相談者の氏名（異体字・空白の違いは同じとみなします）。",
    ),
)
_BIRTH = Column(
    "birth_date",
    "生年月日",
    type="date",
    aliases=("誕生日", "生年月日（和暦）", "生年月日（西暦）"),
    example="昭和55年4月1日",
    help="和暦または西暦。",
)
_STAFF_HELP = "自機関の職員のログイン名または氏名。"

COLUMNS[ImportKind.CASES] = (
    *_PERSON_KEY_COLUMNS,
    Column(
        _BIRTH.field,
        _BIRTH.label,
        True,
        _BIRTH.type,
        aliases=_BIRTH.aliases,
        example=_BIRTH.example,
        help=_BIRTH.help,
    ),
    Column(
        "received_at",
        "相談受付日",
        True,
        "datetime",
        aliases=("受付日", "受付日時", "相談日", "初回相談日", "新規相談受付日", "相談受付日時"),
        example="令和7年4月1日",
        help="和暦または西暦。時刻を書くと受付日時になります（例：令和7年4月1日 10:30）。"
        "時刻がなければ 0時0分として記録します。",
    ),
    Column(
        "route",
        "相談経路",
        True,
        aliases=("経路", "紹介元", "相談経路・紹介元", "相談経路（紹介元）"),
        example="本人自ら",
        help="区分マスタ「相談経路・紹介元」の名前またはコード（例：本人自ら、関係機関：福祉事務所）。",
    ),
    Column(
        "topics",
        "相談したいこと",
        aliases=("相談したい内容", "相談の種類", "相談分野"),
        example="収入・生活費のこと／仕事探し、就職について",
        help="区分マスタ「相談したいこと」の名前またはコード。複数は「／」「;」または改行で区切ります。",
    ),
    Column(
        "chief_complaint",
        "主な相談内容",
        aliases=("相談概要", "主訴", "相談内容", "相談の概要"),
        example="失業して家賃が払えない",
    ),
    Column(
        "method",
        "相談方法",
        aliases=("受付方法", "初回相談方法"),
        example="来所",
        help="区分マスタ「相談方法」の名前またはコード。空欄のときは「その他」として記録します。",
    ),
    Column(
        "consulter_type",
        "相談した人",
        aliases=("来談者", "相談者の区分", "来談者区分"),
        example="本人",
        help="区分マスタ「相談者（来談者）」の名前またはコード。空欄のときは「本人」（受付画面の初期値）。",
    ),
    Column(
        "consulter_name",
        "来談者の氏名",
        aliases=("来談者氏名",),
        help="本人以外が相談したときは必須。",
    ),
    # 申込票 B票 (optional): codes of the lists of ``cases.intake_sheet.B_SHEET_LISTS``.
    Column(
        "work_status",
        "仕事",
        aliases=("就労状況", "仕事の状況", "就労の状況", "職業"),
        example="臨時・パート・アルバイト・派遣",
        help="区分マスタ「仕事（申込票B票・就労の現状）」の名前またはコード。空欄可。",
    ),
    Column(
        "housing_type",
        "住居",
        aliases=("住居の種類", "住居形態", "住まい"),
        example="借家",
        help="区分マスタ「住居（申込票B票）」の名前またはコード。空欄可（空欄のまま記録します）。",
    ),
    Column(
        "health_insurance",
        "健康保険",
        aliases=("医療保険", "保険の種類", "健康保険の種類"),
        example="国民健康保険",
        help="区分マスタ「健康保険」の名前またはコード。空欄可。",
    ),
    Column(
        "pension_status",
        "年金",
        aliases=("年金の状況", "年金加入状況", "年金受給"),
        example="加入",
        help="区分マスタ「年金」の名前またはコード。空欄可。",
    ),
    Column(
        "worker",
        "担当者",
        aliases=("担当", "担当相談員", "担当支援員", "担当職員", "主担当"),
        example="",
        help=_STAFF_HELP + "空欄のときは取り込みを行う職員が担当者になります（受付画面と同じ）。",
    ),
    Column(
        "applied_on",
        "利用申込日",
        type="date",
        aliases=("申込日", "利用申込", "申込年月日"),
        help="空欄可。記入すると「申込」の状態になります。相談者に有効な同意（個人情報の取扱い）が"
        "記録されていることが必要です（同意は取り込まず、画面で記録します）。",
    ),
)

COLUMNS[ImportKind.RECORDS] = (
    Column(
        "case_number",
        "ケース番号",
        aliases=("ケースNo", "ケースNo.", "ケース番号（年度-番号）", "ケースID"),
        example="R7-0001",
        help="自機関のケース番号。空欄のときはフリガナ（または氏名）と生年月日で相談者の継続中のケースを探します。",
    ),
    *_PERSON_KEY_COLUMNS,
    _BIRTH,
    Column(
        "occurred_at",
        "日時",
        True,
        "datetime",
        aliases=("日付", "支援日", "対応日", "記録日", "支援日時", "対応日時", "年月日"),
        example="令和7年4月10日 14:00",
        help="和暦または西暦、時刻は任意（時刻がなければ 0時0分として記録します）。受付日以降の日時。",
    ),
    Column(
        "duration_minutes",
        "所要時間（分）",
        type="int",
        aliases=("所要時間", "時間（分）", "時間", "分"),
        example="60",
    ),
    Column(
        "method",
        "方法",
        True,
        "record_method",
        aliases=("支援方法", "対応方法", "手段", "種別"),
        example="面談",
        help="、".join(label for _, label in RecordMethod.choices) + "のいずれか。",
    ),
    Column(
        "content",
        "内容",
        True,
        aliases=("支援内容", "対応内容", "記録", "経過", "支援経過", "経過記録"),
        example="家計の状況を聞き取り、住居確保給付金の申請を案内した。",
    ),
    Column(
        "staff",
        "対応者",
        aliases=("対応職員", "担当者", "記録者", "支援者"),
        help=_STAFF_HELP + "空欄のときは取り込みを行う職員。",
    ),
    Column(
        "is_monitoring",
        "モニタリング",
        type="bool",
        aliases=("モニタリング実施",),
        example="いいえ",
        help="「はい」はプランの支援決定後（支援中・評価）のケースに限ります。空欄は「いいえ」。",
    ),
)

KIND_HELP: dict[str, str] = {
    ImportKind.PERSONS: "相談者の名簿。氏名・フリガナ・生年月日・電話番号・住所の5列があれば取り込めます。",
    ImportKind.PARTNERS: "関係機関の一覧（担当区域の自治体ごと）。",
    ImportKind.HOUSING_RULES: "住居確保給付金の基準額表（自治体担当者のみ）。",
    ImportKind.CASES: "継続中のケース（1行に1件）。相談者を先に取り込んでください。"
    "フリガナ（または氏名）と生年月日で登録済みの相談者を探します。",
    ImportKind.RECORDS: "過去の支援経過記録（1行に1件）。ケースを先に取り込んでください。"
    "ケース番号、またはフリガナ（氏名）と生年月日でケースを探します。",
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
_RECORD_METHODS = (
    {label: value for value, label in RecordMethod.choices}
    | {str(value): value for value in RecordMethod.values}
    | {
        "面接": RecordMethod.INTERVIEW,
        "来所": RecordMethod.INTERVIEW,
        "来所面談": RecordMethod.INTERVIEW,
        "家庭訪問": RecordMethod.VISIT,
        "電子メール": RecordMethod.EMAIL,
        "Eメール": RecordMethod.EMAIL,
        "eメール": RecordMethod.EMAIL,
        "会議": RecordMethod.CASE_CONFERENCE,
        "関係機関": RecordMethod.AGENCY_CONTACT,
        "関係機関との連絡": RecordMethod.AGENCY_CONTACT,
    }
)
_TRUE = {"はい", "○", "〇", "1", "true", "yes", "y", "以上"}
_FALSE = {"", "いいえ", "×", "0", "false", "no", "n"}


def _int(text: str, label: str) -> int:
    s = text.replace(",", "").replace("円", "").replace("人", "").strip()
    if not re.fullmatch(r"[0-9]+", s):
        raise ValueError(f"{label}は数字で入力してください。")
    return int(s)


def _aware(text: str, label: str) -> Any:
    """A date alone (0:00) or a date and time, in the site's time zone."""
    try:
        naive = parse_datetime(text)
    except WarekiParseError:
        try:
            d = parse_date(text)
        except WarekiParseError as exc:
            raise ValueError(f"{label}：{exc}") from exc
        naive = datetime(d.year, d.month, d.day)
    return timezone.make_aware(naive)


def parse_cell(col: Column, text: str) -> Any:
    """The value of one cell for its column; ValueError with a Japanese message."""
    if col.type == "text":
        return text
    if not text:
        return None if col.type in ("date", "datetime", "int", "yen") else ""
    if col.type == "datetime":
        return _aware(text, col.label)
    if col.type == "record_method":
        m = _RECORD_METHODS.get(text.strip())
        if m is None:
            raise ValueError(
                f"{col.label}「{text}」は選べません。テンプレートの説明の方法から選んでください。"
            )
        return str(m)
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


def _code_key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).casefold()


def code_lookup(list_key: str, municipality: Any) -> dict[str, str]:
    """The codes a new entry may choose, by code and by label (as the municipality names them)."""
    out: dict[str, str] = {}
    for code, label in code_choices(list_key, municipality):
        out.setdefault(_code_key(code), code)
        out.setdefault(_code_key(label), code)
    return out


def code_of(lookup: dict[str, str], text: str, label: str) -> str:
    """One 区分マスタ cell (its code or its label) → the code (``lookup``: ``code_lookup``);
    ValueError naming the column."""
    code = lookup.get(_code_key(text))
    if code is None:
        raise ValueError(f"{label}「{text}」は区分マスタにありません。名前またはコードで入力してください。")
    return code


_LIST_SEPARATORS = re.compile(r"[\n;；/／|｜]+")


def codes_of(lookup: dict[str, str], text: str, label: str) -> list[str]:
    """Several codes in one cell, separated by ／ ; or a line break. A label may contain 、 or ,
    (「病気や健康、障害のこと」), so those separate items only where the parts are labels themselves."""
    out: list[str] = []
    for part in (p.strip() for p in _LIST_SEPARATORS.split(text or "")):
        if not part:
            continue
        code = lookup.get(_code_key(part))
        if code is not None:
            out.append(code)
            continue
        pieces = [p for p in re.split(r"[、,，]", part) if p.strip()]
        i = 0
        while i < len(pieces):
            for j in range(len(pieces), i, -1):  # the longest run of pieces that is one label
                code = lookup.get(_code_key("、".join(pieces[i:j])))
                if code is not None:
                    out.append(code)
                    i = j
                    break
            else:
                raise ValueError(
                    f"{label}「{pieces[i].strip()}」は区分マスタにありません。名前またはコードで入力してください。"
                )
    return list(dict.fromkeys(out))
