"""Search keys and duplicate scoring (pure functions, no database)."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.persons.normalize import (
    ITAIJI,
    KANA_ERROR,
    PHONE_ERROR,
    POSTAL_CODE_ERROR,
    PersonKeys,
    address_key,
    format_postal_code,
    is_valid_kana,
    kana_error,
    kana_key,
    kana_key_parts,
    name_key,
    normalize_kana,
    phone_error,
    phone_key,
    postal_code_error,
    postal_code_key,
    score_candidate,
    trigrams,
)

BIRTH = date(1980, 5, 12)
OTHER_BIRTH = date(1975, 1, 3)


def keys(**values: Any) -> PersonKeys:
    return PersonKeys.from_values(**values)


def score(a: PersonKeys, b: PersonKeys) -> float:
    return score_candidate(a, b)[0]


# --- normalize_kana ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ｻﾄｳ ﾀﾛｳ", "サトウ タロウ"),  # half-width → full-width
        ("ｶﾞｯｺｳ", "ガッコウ"),  # half-width 濁点 combined
        ("さとう　たろう", "サトウ タロウ"),  # hiragana → katakana, 全角 space
        ("  ヤマダ \u3000  ハナコ ", "ヤマダ ハナコ"),  # whitespace collapsed and stripped
        ("か゛", "ガ"),  # stand-alone ゛ combined with the kana before it
        ("ｻﾄ-", "サトー"),  # a dash typed after katakana is a long vowel
        ("サトー", "サトー"),  # ー kept
        ("キョウコ", "キョウコ"),  # small kana kept
        ("ゔぁいおりん", "ヴァイオリン"),
        ("ヤマダ\u200bタロウ", "ヤマダタロウ"),  # zero-width space from copy-paste dropped
        ("", ""),
    ],
)
def test_normalize_kana(raw: str, expected: str) -> None:
    assert normalize_kana(raw) == expected


# --- is_valid_kana / kana_error -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "ヤマダ タロウ",
        "やまだ たろう",
        "ｻﾄｳ",
        "ジョン・スミス",
        "ヴァイオリン",
        "キョウコ",
        "サトー",
        "ヲトメ",
        "サヽキ",
        "",
    ],
)
def test_kana_accepted(raw: str) -> None:
    assert is_valid_kana(raw)
    assert kana_error(raw) is None


@pytest.mark.parametrize(
    "raw", ["山田 太郎", "ヤマダ 太郎", "Yamada Taro", "ヤマダ1", "ヤマダ（タロウ）", "-ヤマダ", "ヤマダ!"]
)
def test_kana_rejected(raw: str) -> None:
    assert not is_valid_kana(raw)
    assert kana_error(raw) == KANA_ERROR == "フリガナはカタカナ（またはひらがな）で入力してください。"


def test_hiragana_is_accepted_and_converted() -> None:
    assert kana_error("やまだ はなこ") is None
    assert normalize_kana("やまだ はなこ") == "ヤマダ ハナコ"


# --- kana_key ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variants",
    [
        ["サトウ", "サトー", "サトオ", "さとう", "ｻﾄｳ", "サ ト ウ", "サトウウ"],  # long vowel after オ段
        ["ユウコ", "ユーコ", "ユコ", "ゆうこ"],  # ウ after ウ段, ー
        ["ショウコ", "ショーコ", "シヨウコ", "しょうこ"],  # small kana + long vowel
        ["オオノ", "オーノ", "オウノ"],
        ["ガ", "カ"],  # 濁点
        ["バ", "パ", "ハ"],  # 濁点, 半濁点
        ["ヴ", "ウ"],
        ["ジュン", "シユン"],
        ["キャ", "キヤ"],  # small ャ
        ["ハット", "ハツト"],  # small ッ
        ["ァィゥェォ", "アイウエオ"],
        ["ヮ", "ワ"],
        ["ヵ", "カ"],
        ["ヶ", "ケ"],
        ["ヰ", "イ"],
        ["ヱ", "エ"],
        ["ヲ", "オ"],
        ["サヽキ", "ササキ"],  # iteration mark
        ["ヤマダ タロウ", "ヤマダタロー", "やまだ　たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"],  # spaces
        ["ジョン・スミス", "ジョン スミス", "ジョンスミス"],  # middle dot
        ["ケイコ", "ケイコー"],
    ],
)
def test_kana_key_folds(variants: list[str]) -> None:
    assert len({kana_key(v) for v in variants}) == 1, {v: kana_key(v) for v in variants}


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("サトウ", "サト"),
        ("ガッコウ", "カツコ"),
        ("ショウコ", "シヨコ"),
        ("ヤマダ タロウ", "ヤマタタロ"),
        ("ヴァイオリン", "ウアイオリン"),
        ("レイナ", "レイナ"),  # エ段 + イ is not folded
        ("イイダ", "イイタ"),  # イ段 + イ is not folded
        ("", ""),
    ],
)
def test_kana_key_values(raw: str, key: str) -> None:
    assert kana_key(raw) == key


@pytest.mark.parametrize(
    ("a", "b"), [("サトウ", "カトウ"), ("ヤマダ", "ヤマモト"), ("レイナ", "レナ"), ("イイダ", "イダ")]
)
def test_kana_key_keeps_different_names_apart(a: str, b: str) -> None:
    assert kana_key(a) != kana_key(b)


def test_kana_key_parts() -> None:
    assert kana_key_parts("ヤマダ タロウ") == ("ヤマタ", "タロ")
    assert kana_key_parts("やまだ　たろう") == ("ヤマタ", "タロ")
    assert kana_key_parts("ヤマダタロウ") == ("ヤマタタロ", "")
    assert kana_key_parts("ヤマダ ・") == ("ヤマタ", "")
    assert kana_key_parts("") == ("", "")


# --- name_key and the 異体字 table ------------------------------------------------------------


@pytest.mark.parametrize(
    "variants",
    [
        ["髙橋", "高橋"],
        ["山\ufa11", "山崎", "山嵜", "山碕"],  # 﨑 is a compatibility ideograph NFKC leaves alone
        ["渡邉", "渡邊", "渡辺"],
        ["齋藤", "齊藤", "斎藤", "斉藤"],
        ["濵田", "濱田", "浜田"],
        ["嶋田", "嶌田", "島田"],
        ["澤田", "沢田"],
        ["櫻井", "桜井"],
        ["廣瀬", "広瀬", "廣瀨"],
        ["\U00020bb7田", "吉田"],  # 𠮷 (つちよし)
        ["\ufa1b田", "福田"],  # 福 U+FA1B, unified by NFKC
        ["山田 太郎", "山田　太郎", "山田太郎", " 山田太郎 "],
        ["佐々木", "佐佐木"],
        ["山田はな子", "山田ハナ子", "山田ﾊﾅ子"],
        ["葛\U000e0100西", "葛西"],  # ideographic variation selector
        ["John Smith", "JOHN SMITH", "ＪＯＨＮ・ＳＭＩＴＨ"],
    ],
)
def test_name_key_folds(variants: list[str]) -> None:
    assert len({name_key(v) for v in variants}) == 1, {v: name_key(v) for v in variants}


def test_name_key_keeps_different_names_apart() -> None:
    assert name_key("高橋") != name_key("高端")
    assert name_key("山田太郎") != name_key("山田花子")


def test_itaiji_table_is_well_formed() -> None:
    assert len(ITAIJI) >= 40
    for variant, representative in ITAIJI.items():
        assert len(variant) == len(representative) == 1
        assert variant != representative
        # NFKC runs first: an entry it would rewrite could never apply.
        assert unicodedata.normalize("NFKC", variant) == variant, variant
        assert unicodedata.normalize("NFKC", representative) == representative, representative
        # Applied once: a representative must not itself be a variant.
        assert representative not in ITAIJI, representative
        assert name_key(variant) == name_key(representative)


def test_itaiji_table_has_the_common_surname_variants() -> None:
    for variant, representative in [
        ("髙", "高"),
        ("\ufa11", "崎"),
        ("嵜", "崎"),
        ("邉", "辺"),
        ("邊", "辺"),
        ("齋", "斎"),
        ("齊", "斎"),
        ("斉", "斎"),
        ("濵", "浜"),
        ("濱", "浜"),
        ("澤", "沢"),
        ("櫻", "桜"),
        ("廣", "広"),
        ("國", "国"),
        ("嶋", "島"),
        ("嶌", "島"),
        ("槇", "槙"),
        ("藪", "薮"),
        ("冨", "富"),
        ("實", "実"),
        ("惠", "恵"),
        ("眞", "真"),
        ("與", "与"),
        ("龍", "竜"),
        ("瀨", "瀬"),
        ("來", "来"),
        ("壽", "寿"),
        ("德", "徳"),
        ("條", "条"),
        ("淵", "渕"),
        ("峯", "峰"),
        ("萬", "万"),
        ("曾", "曽"),
        ("澁", "渋"),
        ("鐵", "鉄"),
        ("團", "団"),
        ("增", "増"),
        ("髮", "髪"),
    ]:
        assert ITAIJI[variant] == representative
    assert name_key("籠") == name_key("篭")


# --- phone --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("03-1234-5678", "0312345678"),
        ("０３－１２３４－５６７８", "0312345678"),
        ("(03) 1234-5678", "0312345678"),
        ("090-1234-5678", "09012345678"),
        ("０９０ １２３４ ５６７８", "09012345678"),
        ("+81 90-1234-5678", "09012345678"),
        ("+81 (0)3-1234-5678", "0312345678"),
        ("", ""),
    ],
)
def test_phone_key(raw: str, key: str) -> None:
    assert phone_key(raw) == key


@pytest.mark.parametrize(
    "raw",
    [
        "03-1234-5678",
        "０３－１２３４－５６７８",
        "(03)1234-5678",
        "011-234-5678",
        "0480-12-3456",
        "090-1234-5678",
        "09012345678",
        "080 1234 5678",
        "070-1234-5678",
        "050-1234-5678",
        "0120-123-456",
        "0570-123-456",
        "0800-123-4567",
        "090ー1234ー5678",  # ー typed for - with the IME
        "+81 90-1234-5678",
        "",
    ],
)
def test_phone_valid(raw: str) -> None:
    assert phone_error(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "03-1234-567",  # 9 digits
        "03-1234-56789",  # 11 digits, fixed line
        "090-1234-567",  # 10 digits, mobile
        "090-1234-56789",
        "070-123-4567",
        "1234-5678",  # no leading 0
        "00-1234-5678",
        "03-1234-5678 内線12",
        "TEL 03-1234-5678",
        "abc",
        "+1 555 123 4567",
    ],
)
def test_phone_invalid(raw: str) -> None:
    assert (
        phone_error(raw)
        == PHONE_ERROR
        == "電話番号の形式が正しくありません（例：03-1234-5678、090-1234-5678）。"
    )


# --- postal code --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["160-0022", "1600022", "〒160-0022", "〒１６０－００２２", "１６０００２２", "160 0022", "160ー0022"],
)
def test_postal_code_valid(raw: str) -> None:
    assert postal_code_error(raw) is None
    assert postal_code_key(raw) == "1600022"
    assert format_postal_code(raw) == "160-0022"


@pytest.mark.parametrize("raw", ["160-022", "16000222", "1600-022", "16-00022", "abc-defg", "160-00２"])
def test_postal_code_invalid(raw: str) -> None:
    assert postal_code_error(raw) == POSTAL_CODE_ERROR == "郵便番号は7桁で入力してください（例：160-0022）。"
    assert format_postal_code(raw) == raw


def test_postal_code_empty() -> None:
    assert postal_code_error("") is None
    assert postal_code_key("") == ""
    assert format_postal_code("") == ""
    assert format_postal_code(" 1600022 ") == "160-0022"


# --- address ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variants",
    [
        [
            "西新宿二丁目8番1号",
            "西新宿2-8-1",
            "西新宿２－８－１",
            "西新宿2ー8ー1",
            "西新宿 2‐8‐1",
            "西新宿二丁目八番一号",
        ],
        [
            "東京都新宿区西新宿二丁目8番1号 都庁ビル",
            "新宿区西新宿2-8-1都庁ビル",
            "〒163-8001 東京都 新宿区 西新宿 ２－８－１ 都庁ビル",
        ],
        ["西新宿2-8-1 ハイツ101号室", "西新宿二丁目8番1号ハイツ101号室", "西新宿2丁目8-1ハイツ101号室"],
        ["大字上1番地の2", "大字上1の2", "大字上1-2", "大字上一番地の二"],
        ["霞が関1-1", "霞ヶ関1-1", "霞ケ関1-1"],
        ["本町十二丁目3番", "本町12-3"],
    ],
)
def test_address_key_equivalence(variants: list[str]) -> None:
    assert len({address_key(v) for v in variants}) == 1, {v: address_key(v) for v in variants}


def test_address_key_values() -> None:
    assert address_key("西新宿二丁目8番1号") == "西新宿2-8-1"
    assert address_key("千代田区三番町5番地") == "千代田区三番町5"  # 三番町 is a town name
    assert address_key("西新宿2-8-1 101") == "西新宿2-8-1-101"  # space between numbers is a separator
    assert address_key("") == ""


def test_address_key_keeps_different_addresses_apart() -> None:
    assert address_key("西新宿2-8-1") != address_key("西新宿2-8-2")
    assert address_key("西新宿2-8-1") != address_key("西新宿2-81")


# --- trigrams -----------------------------------------------------------------------------------


def test_trigrams() -> None:
    assert trigrams("サト") == {"  サ", " サト", "サト "}
    assert trigrams("") == set()
    assert all(len(t) == 3 for t in trigrams(kana_key("ヤマダ タロウ")))
    # A typo keeps most trigrams in common.
    a, b = trigrams(kana_key("タナカヒロシ")), trigrams(kana_key("タナカヒロン"))
    assert len(a & b) >= len(a) // 2


# --- scoring ------------------------------------------------------------------------------------


def test_same_kana_and_birth_date() -> None:
    s, reasons = score_candidate(
        keys(kana="ヤマダ タロウ", birth_date=BIRTH), keys(kana="やまだ たろう", birth_date=BIRTH)
    )
    assert s >= 0.9
    assert reasons == ["フリガナが一致", "生年月日が一致"]


def test_same_kana_and_birth_date_after_a_move() -> None:
    """A new phone and address are no evidence against: 相談者 move and change numbers."""
    a = keys(
        kana="ヤマダ タロウ", name="山田太郎", birth_date=BIRTH, phone="090-1111-2222", address="西新宿2-8-1"
    )
    b = keys(
        kana="ヤマダ タロウ", name="山田太郎", birth_date=BIRTH, phone="03-1234-5678", address="大久保1-1-1"
    )
    assert score(a, b) >= 0.9


def test_folded_kana_match_is_reported_as_such() -> None:
    s, reasons = score_candidate(
        keys(kana="サトウ ハナコ", birth_date=BIRTH), keys(kana="サトー ハナコ", birth_date=BIRTH)
    )
    assert s >= 0.9
    assert "フリガナが一致（表記ゆれを同一視）" in reasons


def test_kanji_variant_and_ime_slip() -> None:
    s, reasons = score_candidate(
        keys(kana="ワタナベ タロウ", name="渡邉太郎", birth_date=BIRTH),
        keys(kana="ワタナベ タロウ", name="渡辺 太郎", birth_date=BIRTH),
    )
    assert s == 1.0
    assert "氏名（漢字）が一致（異体字を同一視）" in reasons
    s, reasons = score_candidate(
        keys(kana="ヤマダ ユウコ", name="山田裕子", birth_date=BIRTH),
        keys(kana="ヤマダ ユウコ", name="山田優子", birth_date=BIRTH),
    )
    assert s >= 0.9
    assert "氏名（漢字）が類似（75%）" in reasons


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("タナカ ヒロシ", "タナカ ヒロン"),
        ("タナカ ヒロシ", "タナカ ヒシロ"),  # neighbours swapped
        ("スズキ イチロウ", "スズキ イチロク"),
        ("タカハシ ミサキ", "タカハシ ミサト"),
        ("ワタナベ ユウスケ", "ワタネベ ユウスケ"),
        ("タナカヒロシ", "タナカヒロン"),  # no space
    ],
)
def test_one_character_typo_with_same_birth_date(a: str, b: str) -> None:
    s, reasons = score_candidate(keys(kana=a, birth_date=BIRTH), keys(kana=b, birth_date=BIRTH))
    assert s >= 0.75
    assert any(r.startswith("フリガナが類似（") for r in reasons)
    assert "生年月日が一致" in reasons


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (dict(kana="タナカ ヒロシ"), dict(kana="スズキ ハナコ")),
        (dict(kana="タナカ ヒロシ", name="田中博"), dict(kana="スズキ ハナコ", name="鈴木花子")),
        (dict(kana="ヤマダ タロウ"), dict(kana="ヤマダ ハナコ")),  # twins
        (dict(kana="ヤマダ タロウ", name="山田太郎"), dict(kana="ヤマダ ハナコ", name="山田花子")),
    ],
)
def test_same_birth_date_different_name(a: dict[str, str], b: dict[str, str]) -> None:
    assert score(keys(**a, birth_date=BIRTH), keys(**b, birth_date=BIRTH)) < 0.5


def test_completely_different_person() -> None:
    a = keys(
        kana="タナカ ヒロシ", name="田中博", birth_date=BIRTH, phone="090-1111-2222", address="西新宿2-8-1"
    )
    b = keys(
        kana="スズキ ハナコ",
        name="鈴木花子",
        birth_date=OTHER_BIRTH,
        phone="03-1234-5678",
        address="大久保1-1-1",
    )
    s, reasons = score_candidate(a, b)
    assert s < 0.3
    assert reasons == []
    assert (
        score(
            keys(kana="タナカ ヒロシ", birth_date=BIRTH),
            keys(kana="スズキ ハナコ", birth_date=date(1980, 5, 30)),
        )
        < 0.3
    )


def test_family_member_at_the_same_address() -> None:
    a = keys(
        kana="ヤマダ タロウ", name="山田太郎", birth_date=BIRTH, phone="03-1234-5678", address="西新宿2-8-1"
    )
    b = keys(
        kana="ヤマダ ハナコ",
        name="山田花子",
        birth_date=OTHER_BIRTH,
        phone="03-1234-5678",
        address="西新宿二丁目8番1号",
    )
    s, reasons = score_candidate(a, b)
    assert s < 0.5
    assert {"姓のフリガナが一致", "電話番号が一致", "住所が一致"} <= set(reasons)


def test_name_only_query_can_reach_the_top() -> None:
    record = keys(kana="ヤマダ タロウ", name="山田太郎", birth_date=BIRTH, phone="03-1234-5678")
    assert score(keys(kana="やまだ たろう"), record) == 1.0
    assert score(keys(name="山田 太郎"), record) == 1.0
    assert score(keys(kana="ヤマダ タロウ", name="山田太郎", birth_date=OTHER_BIRTH), record) < 0.7


def test_birth_date_partial_matches() -> None:
    s, reasons = score_candidate(
        keys(kana="ヤマダ タロウ", birth_date=BIRTH), keys(kana="ヤマダ タロウ", birth_date=date(1980, 5, 21))
    )
    assert "生年月日の年月が一致（日が異なる）" in reasons
    assert 0.75 <= s < 1.0
    _, reasons = score_candidate(
        keys(kana="ヤマダ タロウ", birth_date=BIRTH), keys(kana="ヤマダ タロウ", birth_date=date(1985, 5, 12))
    )
    assert "生年月日の月日が一致（年が異なる）" in reasons


def test_phone_and_address_reasons() -> None:
    s, reasons = score_candidate(
        keys(phone="03-1234-5678"), keys(kana="ヤマダ タロウ", phone="０３（１２３４）５６７８")
    )
    assert (s, reasons) == (1.0, ["電話番号が一致"])
    _, reasons = score_candidate(keys(address="西新宿二丁目8番1号"), keys(address="西新宿2-8-1"))
    assert reasons == ["住所が一致"]
    _, reasons = score_candidate(keys(address="西新宿2-8-1 ハイツ101"), keys(address="西新宿2-8-1 ハイツ205"))
    assert reasons == ["住所が一致（番地まで）"]
    # An invalid phone gives no key, so it cannot match.
    assert keys(phone="1234").phone_key == ""


def test_married_name_with_same_given_name_and_birth_date() -> None:
    s, reasons = score_candidate(
        keys(kana="ヤマダ ハナコ", birth_date=BIRTH), keys(kana="スズキ ハナコ", birth_date=BIRTH)
    )
    assert "名のフリガナが一致" in reasons
    assert 0.5 <= s < 0.9


def test_ranking() -> None:
    query = keys(kana="タナカ ヒロシ", birth_date=BIRTH)
    same = keys(kana="たなか ひろし", birth_date=BIRTH)
    typo = keys(kana="タナカ ヒロン", birth_date=BIRTH)
    twin = keys(kana="タナカ ハナコ", birth_date=BIRTH)
    other = keys(kana="スズキ イチロウ", birth_date=OTHER_BIRTH)
    ranked = sorted([other, twin, typo, same], key=lambda p: -score(query, p))
    assert ranked == [same, typo, twin, other]


def test_nothing_to_compare() -> None:
    assert score_candidate(PersonKeys(), PersonKeys()) == (0.0, [])
    assert score_candidate(keys(kana="ヤマダ"), keys(birth_date=BIRTH)) == (0.0, [])


def test_works_with_keys_built_field_by_field() -> None:
    """The selectors build PersonKeys from stored keys without the optional typed forms."""
    family, given = kana_key_parts("ヤマダ タロウ")
    stored = PersonKeys(
        kana_key=kana_key("ヤマダ タロウ"), kana_family=family, kana_given=given, birth_date=BIRTH
    )
    assert score_candidate(keys(kana="ヤマダ タロー", birth_date=BIRTH), stored) == (
        1.0,
        ["フリガナが一致", "生年月日が一致"],
    )


# --- properties ---------------------------------------------------------------------------------

KANA = "アイウエオカキクケコガギグゲゴサシスセソタチツテトダナニヌネノハヒフヘホバパマミムメモヤユヨラリルレロワヲンァィゥェォッャュョヮヵヶヴー・ 　ゝゞヽヾ"
kana_text = st.text(alphabet=KANA + "あいうえおかがさざ", max_size=12)


@given(st.one_of(kana_text, st.text()))
def test_kana_key_is_idempotent(text: str) -> None:
    key = kana_key(text)
    assert kana_key(key) == key
    assert kana_key(text) == key  # stable


@given(st.one_of(kana_text, st.text()))
def test_normalize_kana_is_idempotent(text: str) -> None:
    assert normalize_kana(normalize_kana(text)) == normalize_kana(text)


@given(kana_text)
def test_kana_key_has_no_folded_characters(text: str) -> None:
    key = kana_key(text)
    assert not set(key) & set("ァィゥェォッャュョヮヵヶガギグゲゴダパヴヰヱヲー・ ")


@given(st.text())
def test_name_and_address_keys_are_idempotent(text: str) -> None:
    assert name_key(name_key(text)) == name_key(text)
    assert address_key(address_key(text)) == address_key(text)


person_keys = st.builds(
    PersonKeys.from_values,
    kana=st.sampled_from(
        [
            "",
            "ヤマダ タロウ",
            "ヤマダ タロー",
            "ヤマダ ハナコ",
            "タナカ ヒロシ",
            "タナカ ヒロン",
            "サトウ",
            "サトー ハナコ",
        ]
    ),
    name=st.sampled_from(["", "山田太郎", "山田花子", "田中博", "佐藤花子", "渡邉", "渡辺"]),
    birth_date=st.one_of(
        st.none(), st.sampled_from([BIRTH, OTHER_BIRTH, date(1980, 5, 21), date(1985, 5, 12)])
    ),
    phone=st.sampled_from(["", "03-1234-5678", "090-1234-5678", "1234"]),
    address=st.sampled_from(
        ["", "西新宿2-8-1", "西新宿二丁目8番1号", "西新宿2-8-1 ハイツ101", "大久保1-1-1"]
    ),
)
raw_keys = st.builds(
    PersonKeys,
    kana_key=st.text(alphabet="アイカキサ", max_size=5),
    kana_family=st.text(alphabet="アイカ", max_size=3),
    kana_given=st.text(alphabet="アイカ", max_size=3),
    name_key=st.text(alphabet="山田花子", max_size=4),
    birth_date=st.one_of(st.none(), st.dates(date(1980, 1, 1), date(1980, 3, 3))),
    phone_key=st.sampled_from(["", "0312345678", "123"]),
    address_key=st.text(alphabet="西1-2", max_size=8),
)
any_keys = st.one_of(person_keys, raw_keys)


@given(any_keys, any_keys)
def test_score_is_bounded_and_symmetric(a: PersonKeys, b: PersonKeys) -> None:
    s, _ = score_candidate(a, b)
    assert 0.0 <= s <= 1.0
    assert score_candidate(b, a)[0] == s


@given(any_keys, any_keys)
def test_score_against_itself_is_the_maximum(a: PersonKeys, b: PersonKeys) -> None:
    assert score(a, a) >= score(a, b)
