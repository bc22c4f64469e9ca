"""Search keys for persons and duplicate scoring. Pure functions: no models, no database.

Keys are derived when a person is saved (``services``) and when a search or duplicate check is
run (``selectors``); both sides must go through the same function, so every key here is stable
(same input → same key) and idempotent (``key(key(x)) == key(x)``).

* フリガナ — :func:`normalize_kana` (stored/displayed form), :func:`is_valid_kana` /
  :func:`kana_error` (validation), :func:`kana_key` / :func:`kana_key_parts` (fuzzy search key).
* 漢字氏名 — :func:`name_key` with the 異体字 table :data:`ITAIJI`.
* 電話番号 — :func:`phone_key`, :func:`phone_error`.
* 郵便番号 — :func:`postal_code_key`, :func:`postal_code_error`, :func:`format_postal_code`.
* 住所 — :func:`address_key`.
* 重複候補 — :class:`PersonKeys`, :func:`score_candidate`, :func:`trigrams`.

Empty input gives an empty key and no error: whether a field is required is the form's concern.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import jaconv
from rapidfuzz.distance import OSA

__all__ = [
    "ITAIJI",
    "KANA_ERROR",
    "PHONE_ERROR",
    "POSTAL_CODE_ERROR",
    "PersonKeys",
    "address_key",
    "format_postal_code",
    "is_valid_kana",
    "kana_error",
    "kana_key",
    "kana_key_parts",
    "name_key",
    "normalize_kana",
    "phone_error",
    "phone_key",
    "postal_code_error",
    "postal_code_key",
    "score_candidate",
    "trigrams",
]

KANA_ERROR = "フリガナはカタカナ（またはひらがな）で入力してください。"
PHONE_ERROR = "電話番号の形式が正しくありません（例：03-1234-5678、090-1234-5678）。"
POSTAL_CODE_ERROR = "郵便番号は7桁で入力してください（例：160-0022）。"

# Dash-like characters people type for "-" (after NFKC: －/﹣ are already "-", ‑ is ‐).
_HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2500\u2501\ufe63\uff0d"
_HYPHEN_CLASS = "[" + re.escape(_HYPHENS) + "]"
_KATAKANA_CLASS = "[\u30a1-\u30fa\u30fc\u31f0-\u31ff]"
_CJK_CLASS = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
# Variation selectors (incl. IVS for 葛󠄀/辻󠄀 …): not removed by NFKC, meaningless for a key.
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _nfkc(text: str) -> str:
    # Format characters (zero-width space, BOM, soft hyphen, bidi marks) are invisible; they come
    # from copy-paste and would otherwise make two identical-looking values differ.
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFKC", text)


def _hira2kata(text: str) -> str:
    return str(jaconv.hira2kata(text))


def _until_stable(step: Callable[[str], str], text: str | None) -> str:
    """``step`` applied until it no longer changes the value, so that a key is idempotent.

    One pass suffices for ordinary text; a second one matters only for exotic input, e.g. a
    combining mark that meets a base character once a space between them was removed.
    """
    if not text:
        return ""
    key = step(text)
    for _ in range(10):
        again = step(key)
        if again == key:
            break
        key = again
    return key


# ---------------------------------------------------------------------------------------------
# フリガナ
# ---------------------------------------------------------------------------------------------

_KANA_LONG_HYPHEN_RE = re.compile(f"(?<={_KATAKANA_CLASS}){_HYPHEN_CLASS}+")


def normalize_kana(text: str | None) -> str:
    """The フリガナ as stored and displayed.

    NFKC (half-width ｶﾀｶﾅ → full-width, ｶﾞ → ガ, full-width space → space), stand-alone ゛/゜
    typed after a kana are combined with it (か゛ → ガ), hiragana → katakana, a dash typed
    right after a katakana becomes ー (ｻﾄ- → サトー), whitespace runs → one ASCII space, strip.
    Nothing else is changed (small kana, ー, 濁点 and the person's spelling are kept).
    """
    if not text:
        return ""
    s = text.replace("\u309b", "\u3099").replace("\u309c", "\u309a")
    s = _hira2kata(_nfkc(s))
    s = _KANA_LONG_HYPHEN_RE.sub(lambda m: "ー" * len(m.group()), s)
    return re.sub(r"\s+", " ", s).strip()


def _is_kana_char(c: str) -> bool:
    return "\u30a1" <= c <= "\u30fa" or "\u31f0" <= c <= "\u31ff" or c in " ー・ヽヾ"


def is_valid_kana(text: str | None) -> bool:
    """True when, after :func:`normalize_kana`, the text has only katakana (incl. ー, ヴ, small
    kana, ヽヾ), spaces and ・. Kanji, latin letters, digits and symbols → False. Empty → True."""
    return all(_is_kana_char(c) for c in normalize_kana(text))


def kana_error(text: str | None) -> str | None:
    """Japanese error message for a フリガナ that is not kana (e.g. kanji typed into it), else None."""
    return None if is_valid_kana(text) else KANA_ERROR


def _build_kana_fold() -> dict[int, str]:
    small = dict(zip("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ", strict=True))
    # Small katakana extensions (ㇰ…ㇿ, used for Ainu names).
    small |= dict(zip("ㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ", "クシストヌハヒフヘホムラリルレロ", strict=True))
    archaic = {"ヰ": "イ", "ヱ": "エ", "ヲ": "オ"}
    table: dict[int, str] = {}
    for cp in [*range(0x30A1, 0x30FB), *range(0x31F0, 0x3200)]:
        c = r = chr(cp)
        decomposed = unicodedata.normalize("NFD", r)
        if len(decomposed) == 2 and decomposed[1] in "\u3099\u309a":
            r = decomposed[0]  # ガ → カ, パ → ハ, ヴ → ウ, ヷ → ワ, ヸ → ヰ …
        r = small.get(r, r)
        r = archaic.get(r, r)
        if r != c:
            table[cp] = r
    return table


_KANA_FOLD = _build_kana_fold()
_O_ROW = frozenset("オコソトノホモヨロ")
_U_ROW = frozenset("ウクスツヌフムユル")
_KANA_SEPARATORS_RE = re.compile("[\\s・·=゠]+")


def _expand_iteration_marks(s: str, marks: str) -> str:
    out: list[str] = []
    for c in s:
        out.append(out[-1] if c in marks and out else c)
    return "".join(out)


def _fold_long_vowels(s: str) -> str:
    out: list[str] = []
    for c in s:
        if out and ((out[-1] in _O_ROW and c in "ウオ") or (out[-1] in _U_ROW and c == "ウ")):
            continue
        out.append(c)
    return "".join(out)


def _kana_key_once(text: str) -> str:
    s = normalize_kana(text)
    s = _KANA_SEPARATORS_RE.sub("", s)
    s = _expand_iteration_marks(s, "ヽヾ")
    s = s.translate(_KANA_FOLD)
    s = s.replace("\u3099", "").replace("\u309a", "").replace("ー", "")
    return _fold_long_vowels(s)


def kana_key(text: str | None) -> str:
    """The fuzzy search key of a フリガナ. Applied, in this order, after :func:`normalize_kana`:

    1. separators removed: spaces, ・ (also · = ゠);
    2. iteration marks expanded: ヽ/ヾ → the preceding kana (サヽキ → ササキ);
    3. small kana → large: ァィゥェォ → アイウエオ, ッ → ツ, ャュョ → ヤユヨ, ヮ → ワ, ヵ → カ,
       ヶ → ケ (and the small ㇰ…ㇿ → ク…ロ);
    4. 濁点/半濁点 removed: ガ → カ, ザ → サ, ダ → タ, バ/パ → ハ, ヴ → ウ, ヷ → ワ, ヸ → イ,
       ヹ → エ, ヺ → オ (and stray combining ゛゜);
    5. old kana: ヰ → イ, ヱ → エ, ヲ → オ;
    6. long vowels: every ー removed; ウ or オ right after an オ-row kana (オコソトノホモヨロ)
       removed; ウ right after an ウ-row kana (ウクスツヌフムユル) removed.
       So サトウ/サトー/サトオ → サト, ユウコ/ユーコ/ユコ → ユコ, ショウ → シヨ, オオノ/オーノ → オノ.
       エイ/イイ/アア are kept (レイナ ≠ レナ, イイダ ≠ イダ); their ー forms lose only the ー.

    The key is deliberately coarse (オオノ and オノ, キョウコ and キヨコ share a key): it finds
    candidates; :func:`score_candidate` ranks them. Characters that are not kana are kept.
    """
    return _until_stable(_kana_key_once, text)


def kana_key_parts(text: str | None) -> tuple[str, str]:
    """(family, given) keys when the フリガナ has a space ("ヤマダ タロウ" → ("ヤマタ", "タロ")),
    else (kana_key(text), "")."""
    s = normalize_kana(text)
    if " " in s:
        family, given = s.split(" ", 1)
        family_key, given_key = kana_key(family), kana_key(given)
        if family_key and given_key:
            return family_key, given_key
    return kana_key(s), ""


# ---------------------------------------------------------------------------------------------
# 漢字氏名
# ---------------------------------------------------------------------------------------------

#: 異体字 → representative form, for 漢字氏名 (and addresses). Applied after NFKC, so the
#: compatibility ideographs that NFKC already unifies (福 U+FA1B, 隆 U+F9DC, 祐 U+FA4F …) need
#: no entry; the twelve that NFKC leaves alone (﨑 U+FA11 …) do. Representatives are the common
#: 常用/人名用 forms; no representative is itself a key (the map is applied once).
ITAIJI: dict[str, str] = {
    # 高・崎・辺・斎・浜・島・沢 — the most frequent surname variants
    "髙": "高",
    "\ufa11": "崎",  # 﨑 (CJK compatibility ideograph, unchanged by NFKC)
    "嵜": "崎",
    "碕": "崎",
    "\u37e2": "崎",  # 㟢
    "邉": "辺",
    "邊": "辺",
    "齋": "斎",
    "齊": "斎",
    "斉": "斎",
    "齌": "斎",
    "濵": "浜",
    "濱": "浜",
    "嶋": "島",
    "嶌": "島",
    "澤": "沢",
    "\U00020bb7": "吉",  # 𠮷 (つちよし)
    "桒": "桑",
    "槗": "橋",
    "舘": "館",
    "邨": "村",
    "嶽": "岳",
    "峯": "峰",
    "槇": "槙",
    "篭": "籠",
    "藪": "薮",
    "冨": "富",
    "淵": "渕",
    "曾": "曽",
    "檜": "桧",
    "廸": "迪",
    "澁": "渋",
    "淺": "浅",
    "驒": "騨",
    "戶": "戸",
    "內": "内",
    # 旧字体 → 新字体
    "櫻": "桜",
    "廣": "広",
    "國": "国",
    "實": "実",
    "惠": "恵",
    "眞": "真",
    "與": "与",
    "龍": "竜",
    "瀨": "瀬",
    "來": "来",
    "壽": "寿",
    "德": "徳",
    "條": "条",
    "萬": "万",
    "鐵": "鉄",
    "團": "団",
    "增": "増",
    "髮": "髪",
    "黑": "黒",
    "稻": "稲",
    "郞": "郎",
    "鄕": "郷",
    "步": "歩",
    "穗": "穂",
    "緖": "緒",
    "淸": "清",
    "靜": "静",
    "靑": "青",
    "藏": "蔵",
    "圓": "円",
    "學": "学",
    "寬": "寛",
    "莊": "荘",
    "關": "関",
    "晉": "晋",
    "顯": "顕",
    "傳": "伝",
    "兒": "児",
    "豐": "豊",
    "昻": "昂",
    "凜": "凛",
    "恆": "恒",
    "遙": "遥",
    "瑤": "瑶",
    "聰": "聡",
    "乘": "乗",
    "亞": "亜",
    "榮": "栄",
    "彌": "弥",
    "彥": "彦",
    "禮": "礼",
    "佛": "仏",
    "將": "将",
    "壯": "壮",
    "濟": "済",
    "巖": "巌",
    "讓": "譲",
    "會": "会",
    "氣": "気",
    "縣": "県",
}

_ITAIJI_TABLE = str.maketrans(ITAIJI)
_NAME_SEPARATORS_RE = re.compile("[\\s・·=゠]+")


def name_key(text: str | None) -> str:
    """The search key of a 漢字氏名: NFKC, variation selectors and all spaces/・ removed,
    hiragana → katakana, 々/〻 (and ヽヾ) expanded to the preceding character (佐々木 → 佐佐木),
    latin letters case-folded, then :data:`ITAIJI` (渡邉/渡邊/渡辺 → 渡辺, 髙橋 → 高橋)."""
    return _until_stable(_name_key_once, text)


def _name_key_once(text: str) -> str:
    s = _VARIATION_SELECTORS.sub("", _nfkc(text))
    s = _NAME_SEPARATORS_RE.sub("", s)
    s = _hira2kata(s).casefold()
    s = _expand_iteration_marks(s, "々〻ヽヾ")
    return s.translate(_ITAIJI_TABLE)


# ---------------------------------------------------------------------------------------------
# 電話番号・郵便番号
# ---------------------------------------------------------------------------------------------

_PHONE_CHARS_RE = re.compile(r"\+?[0-9\s()" + re.escape(_HYPHENS) + "ー]+")


def phone_key(text: str | None) -> str:
    """Digits only, after NFKC (full-width digits allowed); the leading 0 is kept. A leading
    +81 becomes 0 (+81 90-1234-5678 → 09012345678)."""
    if not text:
        return ""
    s = _nfkc(text).strip()
    intl = re.match(r"\+\s*81", s)
    digits = re.sub(r"[^0-9]", "", s[intl.end() :] if intl else s)
    if intl and digits and not digits.startswith("0"):
        digits = "0" + digits
    return digits


def _is_valid_phone_digits(d: str) -> bool:
    if len(d) < 10 or d[0] != "0" or d[1] == "0":
        return False
    if d[2] == "0":
        # 0X0: 携帯 070/080/090, IP 050, M2M 020, FMC 060, and フリーダイヤル 0800: 11 digits.
        return len(d) == 11 and d[1] in "256789"
    # 固定電話 (0 + 市外局番 …) and 0120/0570/0990: 10 digits.
    return len(d) == 10


def phone_error(text: str | None) -> str | None:
    """None for a Japanese number (10 digits 固定 0A…, not 0X0; 11 digits 0X0 携帯/IP 070 080 090
    050 (020 060 0800)); hyphens, spaces, parentheses and a leading +81 are allowed. Empty → None."""
    s = _nfkc(text or "").strip()
    if not s:
        return None
    if not _PHONE_CHARS_RE.fullmatch(s) or (s.startswith("+") and not re.match(r"\+\s*81", s)):
        return PHONE_ERROR
    return None if _is_valid_phone_digits(phone_key(s)) else PHONE_ERROR


def _clean_postal(text: str) -> str:
    s = _nfkc(text).strip()
    s = re.sub(r"^〒", "", s)
    s = re.sub(r"\s+", "", s)
    return re.sub(_HYPHEN_CLASS + "|ー", "-", s)


def postal_code_key(text: str | None) -> str:
    """The digits of a 郵便番号 ("〒160-0022", "１６０－００２２" → "1600022")."""
    if not text:
        return ""
    return re.sub(r"[^0-9]", "", _nfkc(text))


def postal_code_error(text: str | None) -> str | None:
    """None for 7 digits written NNNNNNN or NNN-NNNN (〒, full-width and spaces allowed)."""
    s = _clean_postal(text or "")
    if not s or re.fullmatch(r"[0-9]{3}-?[0-9]{4}", s):
        return None
    return POSTAL_CODE_ERROR


def format_postal_code(text: str | None) -> str:
    """Display form of a 郵便番号: "1600022" / "〒１６０－００２２" → "160-0022".

    Anything invalid is returned stripped, otherwise unchanged."""
    if not text:
        return ""
    if postal_code_error(text) is None:
        key = postal_code_key(text)
        return f"{key[:3]}-{key[3:]}"
    return text.strip()


# ---------------------------------------------------------------------------------------------
# 住所
# ---------------------------------------------------------------------------------------------

_PREFECTURES = (
    "北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 "
    "神奈川県 新潟県 富山県 石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 "
    "大阪府 兵庫県 奈良県 和歌山県 鳥取県 島根県 岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 "
    "福岡県 佐賀県 長崎県 熊本県 大分県 宮崎県 鹿児島県 沖縄県"
).split()
_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KNUM = "[〇零一二三四五六七八九十百千]+"
# 丁目/番地/番/号 as block separators — but not in 番町/番館/番街, 号室/号館/号棟/号線.
_BLOCK_MARK = "(?:丁目|番地の?|番の?|号)(?![町館街室棟線])"
_ADDR_NUM_BEFORE_MARK_RE = re.compile(f"{_KNUM}(?={_BLOCK_MARK})")
_ADDR_MARK_RE = re.compile(f"(?<=[0-9]){_BLOCK_MARK}")
_ADDR_NUM_AFTER_DASH_RE = re.compile(f"(?<=[0-9]-){_KNUM}(?!{_CJK_CLASS})")
_ADDR_NO_RE = re.compile("(?<=[0-9])[のノ之](?=[0-9])")


def _kanji_number(s: str) -> str:
    if not any(c in _KANJI_UNITS for c in s):
        return "".join(str(_KANJI_DIGITS[c]) for c in s)  # 二〇 → 20
    total = current = 0
    for c in s:
        if c in _KANJI_UNITS:
            total += (current or 1) * _KANJI_UNITS[c]
            current = 0
        else:
            current = current * 10 + _KANJI_DIGITS[c]
    return str(total + current)  # 二十三 → 23, 十 → 10, 百二 → 102


def address_key(text: str | None) -> str:
    """The comparison key of an address.

    NFKC, case-fold, a leading 〒/郵便番号 and a leading 都道府県 dropped; a space between two
    numbers becomes "-", other spaces are removed; dash-like characters (－ ‐ ‑ – — ― − ─) → "-",
    and ー right after a digit → "-"; 丁目/番地/番/号 after a number → "-" (not in 番町, 号室 …),
    with 漢数字 in that position → digits (二丁目 → 2-, 十二番 → 12-); 1の2 / 1番地の2 → 1-2;
    ヶ/ヵ/ケ/が/ガ between kanji → ケ (霞が関 = 霞ヶ関), ノ/之 between kanji → の; 々 expanded;
    :data:`ITAIJI`. Finally "-" runs are collapsed and a "-" not followed by a digit is dropped.
    So 西新宿二丁目8番1号 / 西新宿2-8-1 / 西新宿２－８－１ give the same key. Building and room are
    kept (…2-8-1ハイツ101号室).
    """
    return _until_stable(_address_key_once, text)


def _address_key_once(text: str) -> str:
    s = _VARIATION_SELECTORS.sub("", _nfkc(text)).casefold().strip()
    s = re.sub(r"^〒?\s*[0-9]{3}" + _HYPHEN_CLASS + r"?[0-9]{4}(?![0-9])\s*", "", s)
    s = re.sub(r"(?<=[0-9])\s+(?=[0-9])", "-", s)
    s = re.sub(r"\s+", "", s)
    s = re.sub(_HYPHEN_CLASS, "-", s)
    s = re.sub("(?<=[0-9])ー", "-", s)
    for _ in range(3):
        before = s
        s = _ADDR_NUM_BEFORE_MARK_RE.sub(lambda m: _kanji_number(m.group()), s)
        s = _ADDR_MARK_RE.sub("-", s)
        s = _ADDR_NO_RE.sub("-", s)
        s = _ADDR_NUM_AFTER_DASH_RE.sub(lambda m: _kanji_number(m.group()), s)
        if s == before:
            break
    s = re.sub(f"(?<={_CJK_CLASS})[ヶヵケがガ](?={_CJK_CLASS})", "ケ", s)
    s = re.sub(f"(?<={_CJK_CLASS})[ノ之](?={_CJK_CLASS})", "の", s)
    s = _expand_iteration_marks(s, "々〻").translate(_ITAIJI_TABLE)
    for pref in _PREFECTURES:
        if s.startswith(pref):
            s = s[len(pref) :]
            break
    s = re.sub("-{2,}", "-", s)
    return re.sub("-(?![0-9])", "", s)


def _address_block(key: str) -> str:
    """The address up to the end of its first block number (西新宿2-8-1ハイツ101 → 西新宿2-8-1)."""
    m = re.match(r"[^0-9]+[0-9]+(?:-[0-9]+)*", key)
    return m.group() if m else ""


# ---------------------------------------------------------------------------------------------
# 重複候補
# ---------------------------------------------------------------------------------------------


def trigrams(text: str | None) -> set[str]:
    """Character trigrams of a key, padded like pg_trgm (two spaces before, one after):
    trigrams("サト") == {"  サ", " サト", "サト "}. Every trigram is exactly 3 characters.
    The text is used as given: pass a key (:func:`kana_key`), not raw input."""
    if not text:
        return set()
    padded = f"  {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True)
class PersonKeys:
    """What :func:`score_candidate` compares. Any field may be empty.

    ``kana_family``/``kana_given`` are :func:`kana_key_parts`; ``kana`` and ``name`` (optional)
    are the normalised typed forms, used only to tell an exact match from a folded one
    (サトウ vs サトー, 渡邉 vs 渡辺) in the score and the reasons.
    """

    kana_key: str = ""
    kana_family: str = ""
    kana_given: str = ""
    name_key: str = ""
    birth_date: date | None = None
    phone_key: str = ""
    address_key: str = ""
    kana: str = ""
    name: str = ""

    @classmethod
    def from_values(
        cls,
        *,
        kana: str = "",
        name: str = "",
        birth_date: date | None = None,
        phone: str = "",
        address: str = "",
    ) -> PersonKeys:
        """Keys from raw values (a phone that fails :func:`phone_error` gives no phone key)."""
        family, given = kana_key_parts(kana)
        return cls(
            kana_key=kana_key(kana),
            kana_family=family,
            kana_given=given,
            name_key=name_key(name),
            birth_date=birth_date,
            phone_key=phone_key(phone) if phone and phone_error(phone) is None else "",
            address_key=address_key(address),
            kana=normalize_kana(kana).replace(" ", ""),
            name=_NAME_SEPARATORS_RE.sub("", _nfkc(name)) if name else "",
        )


# Weights. Identity fields count whenever both sides have them (a mismatch lowers the score);
# contact fields only count when they match (people move and change phones, and a family shares
# both, so a mismatch is no evidence and a match alone is weak).
WEIGHT_NAME = 0.6  # フリガナ (75 %) and 漢字氏名 (25 %) together
WEIGHT_BIRTH = 0.4
WEIGHT_PHONE = 0.25  # only when equal
WEIGHT_ADDRESS = 0.2  # only when equal (×0.6 when equal up to the block number)
KANA_SHARE = 0.75
FAMILY_SHARE = 0.3  # of the フリガナ similarity when both sides have 姓 and 名; 名 gets 0.7
BIRTH_YEAR_MONTH = 0.5  # same year and month, day differs
BIRTH_MONTH_DAY = 0.3  # same month and day, year differs (和暦/西暦 conversion slips)
FOLDED_KANA = 0.95  # keys equal, typed フリガナ differ (サトウ/サトー; キョウコ/キヨコ)


def _similarity(a: str, b: str) -> float:
    """Optimal-string-alignment similarity 1 − d/max(len): a typo or a swap of two neighbours
    costs one edit (rapidfuzz)."""
    return float(OSA.normalized_similarity(a, b))


def _evidence(s: float) -> float:
    """Similarity → evidence, piecewise linear through (0.3, 0), (0.75, 0.6), (1, 1): names that
    share a few kana count as different; one typo in a short name (≈75 %) still counts."""
    if s <= 0.3:
        return 0.0
    if s <= 0.75:
        return (s - 0.3) / 0.45 * 0.6
    return 0.6 + (s - 0.75) / 0.25 * 0.4


def _percent(s: float) -> str:
    return f"{round(s * 100)}%"


def _kana_similarity(a: PersonKeys, b: PersonKeys, reasons: list[str]) -> float | None:
    if not (a.kana_key and b.kana_key):
        return None
    if a.kana_key == b.kana_key:
        if a.kana and b.kana and a.kana != b.kana:
            reasons.append("フリガナが一致（表記ゆれを同一視）")
            return FOLDED_KANA
        reasons.append("フリガナが一致")
        return 1.0
    split = bool(a.kana_given and b.kana_given)
    if split:
        family = _similarity(a.kana_family, b.kana_family)
        given = _similarity(a.kana_given, b.kana_given)
        s = FAMILY_SHARE * family + (1 - FAMILY_SHARE) * given
    else:
        s = _similarity(a.kana_key, b.kana_key)
    if s >= 0.6:
        reasons.append(f"フリガナが類似（{_percent(s)}）")
    if split and a.kana_family == b.kana_family:
        reasons.append("姓のフリガナが一致")
    if split and a.kana_given == b.kana_given:
        reasons.append("名のフリガナが一致")
    return s


def _name_similarity(a: PersonKeys, b: PersonKeys, reasons: list[str]) -> float | None:
    if not (a.name_key and b.name_key):
        return None
    if a.name_key == b.name_key:
        if a.name and b.name and a.name != b.name:
            reasons.append("氏名（漢字）が一致（異体字を同一視）")
        else:
            reasons.append("氏名（漢字）が一致")
        return 1.0
    s = _similarity(a.name_key, b.name_key)
    if s >= 0.6:
        reasons.append(f"氏名（漢字）が類似（{_percent(s)}）")
    return s


def _birth_similarity(a: date | None, b: date | None, reasons: list[str]) -> float | None:
    if a is None or b is None:
        return None
    if a == b:
        reasons.append("生年月日が一致")
        return 1.0
    if (a.year, a.month) == (b.year, b.month):
        reasons.append("生年月日の年月が一致（日が異なる）")
        return BIRTH_YEAR_MONTH
    if (a.month, a.day) == (b.month, b.day):
        reasons.append("生年月日の月日が一致（年が異なる）")
        return BIRTH_MONTH_DAY
    return 0.0


def score_candidate(query: PersonKeys, other: PersonKeys) -> tuple[float, list[str]]:
    """Score in [0, 1] (4 decimals) that ``other`` is the same person as ``query``, and the
    reasons in Japanese.

    Only fields both sides have are compared; the score is the weighted mean over them:

    * name (0.6): evidence(フリガナ similarity) × 0.75 + evidence(漢字 similarity) × 0.25, or
      whichever of the two both sides have. フリガナ similarity is 1 for equal keys (0.95 when
      the typed forms differ), else 0.3 × 姓 + 0.7 × 名 when both have a space, else the whole
      key; see :func:`_evidence` for the curve.
    * birth date (0.4): equal 1, same year-month 0.5, same month-day 0.3, else 0.
    * phone (0.25) and address (0.2; 0.12 when equal only up to the block number) are added to
      both the numerator and the denominator when they match, and ignored otherwise.

    Symmetric, and score(x, x) is 1 whenever x has any key. Normalising over compared fields
    (not the query's) keeps it symmetric while a name-only query can still reach 1.0.
    """
    reasons: list[str] = []
    numerator = denominator = 0.0

    kana = _kana_similarity(query, other, reasons)
    kanji = _name_similarity(query, other, reasons)
    if kana is not None or kanji is not None:
        if kana is not None and kanji is not None:
            name = KANA_SHARE * _evidence(kana) + (1 - KANA_SHARE) * _evidence(kanji)
        else:
            name = _evidence(kana if kana is not None else (kanji or 0.0))
        numerator += WEIGHT_NAME * name
        denominator += WEIGHT_NAME

    birth = _birth_similarity(query.birth_date, other.birth_date, reasons)
    if birth is not None:
        numerator += WEIGHT_BIRTH * birth
        denominator += WEIGHT_BIRTH

    if len(query.phone_key) >= 10 and query.phone_key == other.phone_key:
        reasons.append("電話番号が一致")
        numerator += WEIGHT_PHONE
        denominator += WEIGHT_PHONE

    if query.address_key and other.address_key:
        if query.address_key == other.address_key:
            reasons.append("住所が一致")
            numerator += WEIGHT_ADDRESS
            denominator += WEIGHT_ADDRESS
        else:
            block = _address_block(query.address_key)
            if len(block) >= 5 and block == _address_block(other.address_key):
                reasons.append("住所が一致（番地まで）")
                numerator += WEIGHT_ADDRESS * 0.6
                denominator += WEIGHT_ADDRESS * 0.6

    if denominator == 0:
        return 0.0, []
    return round(min(1.0, max(0.0, numerator / denominator)), 4), reasons
