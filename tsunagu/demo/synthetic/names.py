"""Japanese names for synthetic persons, and the ways staff re-type the same person.

Surnames are weighted roughly by their national frequency (佐藤・鈴木・高橋 …); given names are
common ones across generations. A near-duplicate is the same person typed again with one
realistic slip: a typo (handwriting/OCR confusions such as シ/ツ, ソ/ン), a 濁点 added or
dropped (ヤマサキ/ヤマザキ), a small kana written large (キョウコ/キヨウコ), a long vowel
written another way (サトウ/サトー, オオノ/オーノ), or an 異体字 in the 漢字 name (髙橋, 渡邉).
"""

from __future__ import annotations

import random

# (漢字, フリガナ, weight)
FAMILY_NAMES: tuple[tuple[str, str, int], ...] = (
    ("佐藤", "サトウ", 20),
    ("鈴木", "スズキ", 18),
    ("高橋", "タカハシ", 14),
    ("田中", "タナカ", 13),
    ("伊藤", "イトウ", 11),
    ("渡辺", "ワタナベ", 11),
    ("山本", "ヤマモト", 11),
    ("中村", "ナカムラ", 10),
    ("小林", "コバヤシ", 10),
    ("加藤", "カトウ", 9),
    ("吉田", "ヨシダ", 8),
    ("山田", "ヤマダ", 8),
    ("佐々木", "ササキ", 7),
    ("山口", "ヤマグチ", 6),
    ("松本", "マツモト", 6),
    ("井上", "イノウエ", 6),
    ("木村", "キムラ", 6),
    ("林", "ハヤシ", 5),
    ("斎藤", "サイトウ", 5),
    ("清水", "シミズ", 5),
    ("山崎", "ヤマザキ", 5),
    ("森", "モリ", 5),
    ("池田", "イケダ", 5),
    ("橋本", "ハシモト", 5),
    ("阿部", "アベ", 5),
    ("石川", "イシカワ", 4),
    ("山下", "ヤマシタ", 4),
    ("中島", "ナカジマ", 4),
    ("石井", "イシイ", 4),
    ("小川", "オガワ", 4),
    ("前田", "マエダ", 4),
    ("岡田", "オカダ", 4),
    ("長谷川", "ハセガワ", 4),
    ("藤田", "フジタ", 4),
    ("後藤", "ゴトウ", 4),
    ("近藤", "コンドウ", 4),
    ("村上", "ムラカミ", 3),
    ("遠藤", "エンドウ", 3),
    ("青木", "アオキ", 3),
    ("坂本", "サカモト", 3),
    ("福田", "フクダ", 3),
    ("太田", "オオタ", 3),
    ("西村", "ニシムラ", 3),
    ("藤井", "フジイ", 3),
    ("金子", "カネコ", 3),
    ("岡本", "オカモト", 3),
    ("藤原", "フジワラ", 3),
    ("中野", "ナカノ", 3),
    ("三浦", "ミウラ", 3),
    ("原田", "ハラダ", 3),
    ("中川", "ナカガワ", 3),
    ("松田", "マツダ", 3),
    ("竹内", "タケウチ", 3),
    ("小野", "オノ", 3),
    ("田村", "タムラ", 3),
    ("中山", "ナカヤマ", 3),
    ("和田", "ワダ", 3),
    ("石田", "イシダ", 3),
    ("森田", "モリタ", 3),
    ("上田", "ウエダ", 3),
    ("内田", "ウチダ", 3),
    ("柴田", "シバタ", 3),
    ("酒井", "サカイ", 3),
    ("宮崎", "ミヤザキ", 3),
    ("横山", "ヨコヤマ", 3),
    ("高木", "タカギ", 3),
    ("安藤", "アンドウ", 3),
    ("宮本", "ミヤモト", 3),
    ("大野", "オオノ", 3),
    ("小島", "コジマ", 3),
    ("工藤", "クドウ", 2),
    ("高田", "タカダ", 2),
    ("服部", "ハットリ", 2),
    ("野口", "ノグチ", 2),
    ("菅原", "スガワラ", 2),
    ("松尾", "マツオ", 2),
    ("大塚", "オオツカ", 2),
    ("北村", "キタムラ", 2),
    ("沢田", "サワダ", 2),
    ("浜田", "ハマダ", 2),
    ("桜井", "サクライ", 2),
    ("岩崎", "イワサキ", 2),
    ("吉川", "ヨシカワ", 2),
    ("大島", "オオシマ", 2),
    ("長田", "ナガタ", 1),
    ("東海林", "ショウジ", 1),
    ("齊藤", "サイトウ", 1),
    ("渡部", "ワタナベ", 1),
    ("河野", "コウノ", 2),
    ("久保", "クボ", 2),
)

MALE_GIVEN: tuple[tuple[str, str], ...] = (
    ("翔太", "ショウタ"),
    ("大輔", "ダイスケ"),
    ("健一", "ケンイチ"),
    ("誠", "マコト"),
    ("亮", "リョウ"),
    ("拓也", "タクヤ"),
    ("浩二", "コウジ"),
    ("修", "オサム"),
    ("宏", "ヒロシ"),
    ("一郎", "イチロウ"),
    ("健", "ケン"),
    ("大樹", "ダイキ"),
    ("翔", "ショウ"),
    ("蓮", "レン"),
    ("悠斗", "ユウト"),
    ("陽翔", "ハルト"),
    ("達也", "タツヤ"),
    ("直樹", "ナオキ"),
    ("和也", "カズヤ"),
    ("哲也", "テツヤ"),
    ("隆", "タカシ"),
    ("茂", "シゲル"),
    ("勇", "イサム"),
    ("清", "キヨシ"),
    ("進", "ススム"),
    ("正雄", "マサオ"),
    ("健太", "ケンタ"),
    ("雄一", "ユウイチ"),
    ("康弘", "ヤスヒロ"),
    ("俊介", "シュンスケ"),
    ("裕太", "ユウタ"),
    ("秀樹", "ヒデキ"),
    ("洋平", "ヨウヘイ"),
    ("圭", "ケイ"),
    ("剛", "ツヨシ"),
    ("学", "マナブ"),
    ("恭平", "キョウヘイ"),
    ("龍之介", "リュウノスケ"),
    ("勝", "マサル"),
    ("義男", "ヨシオ"),
)

FEMALE_GIVEN: tuple[tuple[str, str], ...] = (
    ("由紀", "ユキ"),
    ("美咲", "ミサキ"),
    ("恵子", "ケイコ"),
    ("さくら", "サクラ"),
    ("真由美", "マユミ"),
    ("久美子", "クミコ"),
    ("彩", "アヤ"),
    ("直子", "ナオコ"),
    ("紀子", "ノリコ"),
    ("花子", "ハナコ"),
    ("美和", "ミワ"),
    ("優子", "ユウコ"),
    ("陽子", "ヨウコ"),
    ("京子", "キョウコ"),
    ("幸子", "サチコ"),
    ("和子", "カズコ"),
    ("裕子", "ユウコ"),
    ("智子", "トモコ"),
    ("明美", "アケミ"),
    ("愛", "アイ"),
    ("結衣", "ユイ"),
    ("陽菜", "ヒナ"),
    ("葵", "アオイ"),
    ("凛", "リン"),
    ("美穂", "ミホ"),
    ("麻衣", "マイ"),
    ("千尋", "チヒロ"),
    ("香織", "カオリ"),
    ("奈々", "ナナ"),
    ("涼子", "リョウコ"),
    ("静香", "シズカ"),
    ("順子", "ジュンコ"),
    ("節子", "セツコ"),
    ("恵美", "エミ"),
    ("由美子", "ユミコ"),
    ("亜希子", "アキコ"),
    ("千恵", "チエ"),
    ("沙織", "サオリ"),
    ("澄子", "スミコ"),
    ("翔子", "ショウコ"),
)

FAMILY_WEIGHTS = tuple(w for _, _, w in FAMILY_NAMES)

# --- Near-duplicate variants ----------------------------------------------------------------------

VARIANT_KINDS = ("typo", "dakuten", "small_kana", "long_vowel", "itaiji")

# Katakana that people (and OCR of handwritten forms) confuse.
_CONFUSIONS = {
    "シ": "ツ",
    "ツ": "シ",
    "ソ": "ン",
    "ン": "ソ",
    "ク": "タ",
    "タ": "ク",
    "ワ": "ウ",
    "ウ": "ワ",
    "ネ": "ホ",
    "ホ": "ネ",
    "コ": "ユ",
    "ユ": "コ",
    "ル": "レ",
    "レ": "ル",
    "チ": "テ",
    "テ": "チ",
    "メ": "ナ",
    "ナ": "メ",
    "リ": "ソ",
    "ミ": "シ",
    "ヤ": "セ",
    "マ": "ム",
    "キ": "ヰ",
    "ハ": "ヘ",
    "ヘ": "ハ",
    "オ": "ホ",
    "ト": "卜",
    "ケ": "ク",
    "サ": "ヤ",
    "カ": "力",
    "イ": "エ",
    "エ": "イ",
    "ア": "マ",
    "ヒ": "ビ",
    "モ": "セ",
    "ノ": "ソ",
    "ロ": "コ",
    "ラ": "ヲ",
    "ヨ": "ユ",
    "ス": "ヌ",
    "ヌ": "ス",
    "ム": "マ",
}
# Katakana-looking kanji are not kana: keep the typo inside the katakana block.
_CONFUSIONS = {k: v for k, v in _CONFUSIONS.items() if "\u30a1" <= v <= "\u30fa"}

_VOICED = dict(
    zip(
        "カキクケコサシスセソタチツテトハヒフヘホ",
        "ガギグゲゴザジズゼゾダヂヅデドバビブベボ",
        strict=True,
    )
)
_UNVOICED = {v: k for k, v in _VOICED.items()}
_SMALL_TO_LARGE = dict(zip("ャュョッァィゥェォ", "ヤユヨツアイウエオ", strict=True))
_O_ROW = "オコソトノホモヨロゴゾドボポョ"
_U_ROW = "クスツヌフムユルグズブプュ"
ITAIJI_VARIANTS = {
    "高": "髙",
    "崎": "﨑",
    "辺": "邉",
    "斎": "齋",
    "沢": "澤",
    "島": "嶋",
    "浜": "濱",
    "桜": "櫻",
    "藤": "藤",
    "恵": "惠",
    "真": "眞",
    "広": "廣",
    "実": "實",
    "竜": "龍",
    "吉": "\U00020bb7",
}
ITAIJI_VARIANTS = {k: v for k, v in ITAIJI_VARIANTS.items() if k != v}


def _positions(kana: str) -> list[int]:
    """Indices of kana characters that may be changed (not the space, not the very first kana)."""
    return [i for i, c in enumerate(kana) if i > 0 and c != " "]


def _typo(kana: str, rng: random.Random) -> str | None:
    options = [i for i in _positions(kana) if kana[i] in _CONFUSIONS]
    if not options:
        return None
    i = rng.choice(options)
    return kana[:i] + _CONFUSIONS[kana[i]] + kana[i + 1 :]


def _dakuten(kana: str, rng: random.Random) -> str | None:
    options = [i for i in _positions(kana) if kana[i] in _VOICED or kana[i] in _UNVOICED]
    if not options:
        return None
    i = rng.choice(options)
    c = kana[i]
    return kana[:i] + (_VOICED.get(c) or _UNVOICED[c]) + kana[i + 1 :]


def _small_kana(kana: str, rng: random.Random) -> str | None:
    options = [i for i, c in enumerate(kana) if c in _SMALL_TO_LARGE]
    if not options:
        return None
    i = rng.choice(options)
    return kana[:i] + _SMALL_TO_LARGE[kana[i]] + kana[i + 1 :]


def _long_vowel(kana: str, rng: random.Random) -> str | None:
    options = [
        i
        for i in range(1, len(kana))
        if (kana[i] == "ウ" and kana[i - 1] in _O_ROW + _U_ROW)
        or (kana[i] == "オ" and kana[i - 1] in "オコト")
    ]
    if options:
        i = rng.choice(options)
        replacement = rng.choice(("ー", "")) if kana[i] == "ウ" else "ー"
        return kana[:i] + replacement + kana[i + 1 :]
    options = [i for i in range(1, len(kana)) if kana[i] == "ー"]
    if options:
        i = rng.choice(options)
        return kana[:i] + "ウ" + kana[i + 1 :]
    return None


def _itaiji(name: str, rng: random.Random) -> str | None:
    options = [i for i, c in enumerate(name) if c in ITAIJI_VARIANTS]
    if not options:
        return None
    i = rng.choice(options)
    return name[:i] + ITAIJI_VARIANTS[name[i]] + name[i + 1 :]


_KANA_VARIANTS = {"typo": _typo, "dakuten": _dakuten, "small_kana": _small_kana, "long_vowel": _long_vowel}


def kana_variant(kind: str, kana: str, rng: random.Random) -> str | None:
    """The フリガナ re-typed with one slip of ``kind`` (None when that slip is impossible here)."""
    return _KANA_VARIANTS[kind](kana, rng)


def near_duplicate(name: str, kana: str, rng: random.Random) -> tuple[str, str, str]:
    """(name, kana, kind): the same person typed again with one realistic slip."""
    kinds = list(VARIANT_KINDS)
    rng.shuffle(kinds)
    for kind in kinds:
        if kind == "itaiji":
            varied = _itaiji(name, rng)
            if varied is not None:
                return varied, kana, kind
        else:
            varied = kana_variant(kind, kana, rng)
            if varied is not None and varied != kana:
                return name, varied, kind
    # Nothing applies (very short names): a typo in the given name's last kana.
    return name, kana[:-1] + ("ン" if kana[-1] != "ン" else "ム"), "typo"
