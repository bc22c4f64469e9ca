"""和暦, 年度 and business days: tsunagu.core.dates and the template tags built on it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.core import dates
from tsunagu.core.dates import (
    WarekiParseError,
    add_business_days,
    add_months,
    age_on,
    fiscal_year,
    fiscal_year_label,
    fiscal_year_range,
    fiscal_year_short,
    is_business_day,
    next_business_day,
    parse_date,
    wareki,
    wareki_year,
)

# --- 和暦 formatting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2025, 4, 1), "令和7年4月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2020, 1, 1), "令和2年1月1日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        # 明治元年 is 1868: the year count does not restart when the Gregorian calendar began.
        (date(1873, 1, 1), "明治6年1月1日"),
        (date(1900, 1, 1), "明治33年1月1日"),
    ],
)
def test_wareki_eras_and_gannen(d: date, expected: str) -> None:
    assert wareki(d) == expected


def test_wareki_before_gregorian_calendar_falls_back_to_seireki() -> None:
    assert wareki(date(1872, 12, 31)) == "1872年12月31日"


def test_wareki_seireki_toggle_and_combined_form() -> None:
    assert wareki(date(2025, 4, 1), seireki=True) == "2025年4月1日"
    assert wareki(date(2019, 5, 1), with_seireki=True) == "令和元年（2019年）5月1日"
    assert wareki(None) == ""


def test_wareki_of_aware_datetime_uses_local_date() -> None:
    # 2019-04-30 15:30 UTC is 2019-05-01 00:30 in Tokyo: already 令和.
    moment = datetime(2019, 4, 30, 15, 30, tzinfo=UTC)
    assert wareki(moment) == "令和元年5月1日"


def test_wareki_year() -> None:
    assert wareki_year(2019) == "令和元年"
    assert wareki_year(2019, 4, 30) == "平成31年"
    assert wareki_year(1989) == "平成元年"
    assert wareki_year(2025) == "令和7年"
    assert wareki_year(1800) == "1800年"


def test_template_tags_follow_the_date_style_in_context() -> None:
    template = Template("{% jdate d %}|{{ d|wareki }}|{{ d|seireki }}|{{ 2019|fiscal_year_label }}")
    d = date(2019, 5, 1)
    assert template.render(Context({"d": d})) == "令和元年5月1日|令和元年5月1日|2019年5月1日|令和元年度"
    assert template.render(Context({"d": d, "date_style": "seireki"})).startswith("2019年5月1日|")


def test_date_style_toggle_is_kept_in_the_session(login) -> None:  # type: ignore[no-untyped-def]
    client = login("shinjuku-soudan")
    today = timezone.localdate()
    page = client.get("/").content.decode()
    assert wareki(today) in page
    response = client.post("/settings/date-style/", {"style": "seireki", "next": "/staff/"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert client.session["date_style"] == "seireki"
    page = client.get("/").content.decode()
    assert wareki(today, seireki=True) in page
    assert "和暦で表示" in page
    # Back to 和暦; an off-site "next" is not followed.
    response = client.post("/settings/date-style/", {"style": "wareki", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert wareki(today) in client.get("/").content.decode()


# --- parse_date -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和7年4月1日", date(2025, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("明治33年1月1日", date(1900, 1, 1)),
        ("R7.4.1", date(2025, 4, 1)),
        ("r7.4.1", date(2025, 4, 1)),
        ("H1.1.8", date(1989, 1, 8)),
        ("S64/1/7", date(1989, 1, 7)),
        ("令7.4.1", date(2025, 4, 1)),
        ("2025-04-01", date(2025, 4, 1)),
        ("2025/4/1", date(2025, 4, 1)),
        ("2025年4月1日", date(2025, 4, 1)),
        ("2024年2月29日", date(2024, 2, 29)),
        # 全角数字 and 全角記号, and surrounding spaces (as typed with a Japanese IME)
        ("令和７年４月１日", date(2025, 4, 1)),
        ("２０２５－０４－０１", date(2025, 4, 1)),
        ("Ｒ７．４．１", date(2025, 4, 1)),
        ("　令和 7 年 4 月 1 日　", date(2025, 4, 1)),
    ],
)
def test_parse_date_accepts_wareki_and_seireki(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("平成31年5月1日", "平成は平成31年4月30日までです。"),
        ("令和元年4月30日", "令和は令和元年5月1日からです。"),
        ("昭和64年1月8日", "昭和は昭和64年1月7日までです。"),
        ("平成元年1月7日", "平成は平成元年1月8日からです。"),
        ("明治5年12月31日", "明治は明治6年1月1日からです。"),
        ("令和7年2月30日", "存在しない日付です。"),
        ("2025年2月30日", "存在しない日付です。"),
        ("2025-13-01", "存在しない日付です。"),
        ("2025年2月29日", "存在しない日付です。"),
        ("令和0年4月1日", "元号の年が正しくありません。"),
        ("", "日付を入力してください。"),
        ("   ", "日付を入力してください。"),
        ("きのう", "日付の形式が正しくありません"),
        ("慶応3年1月1日", "日付の形式が正しくありません"),
    ],
)
def test_parse_date_refuses_impossible_dates_in_japanese(text: str, message: str) -> None:
    with pytest.raises(WarekiParseError) as excinfo:
        parse_date(text)
    assert message in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


@given(st.dates(min_value=date(1873, 1, 1), max_value=date(9999, 12, 31)))
def test_wareki_round_trips_through_parse_date(d: date) -> None:
    assert parse_date(wareki(d)) == d
    assert parse_date(wareki(d, seireki=True)) == d
    assert parse_date(d.isoformat()) == d


@given(st.dates(min_value=date(1873, 1, 1), max_value=date(2200, 12, 31)))
def test_short_form_round_trips(d: date) -> None:
    era_and_year = dates.era_year(d)
    assert era_and_year is not None
    era, n = era_and_year
    assert parse_date(f"{era.letter}{n}.{d.month}.{d.day}") == d


# --- 年度 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "fy"),
    [
        (date(2025, 4, 1), 2025),
        (date(2026, 3, 31), 2025),
        (date(2025, 3, 31), 2024),
        (date(2025, 12, 31), 2025),
        (date(2026, 1, 1), 2025),
    ],
)
def test_fiscal_year(d: date, fy: int) -> None:
    assert fiscal_year(d) == fy


def test_fiscal_year_range() -> None:
    assert fiscal_year_range(2025) == (date(2025, 4, 1), date(2026, 3, 31))
    assert fiscal_year_range(2023) == (date(2023, 4, 1), date(2024, 3, 31))


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_every_date_lies_in_its_fiscal_year_range(d: date) -> None:
    start, end = fiscal_year_range(fiscal_year(d))
    assert start <= d <= end
    assert (end - start).days in (364, 365)


@pytest.mark.parametrize(
    ("fy", "label", "short"),
    [
        (2025, "令和7年度", "R7"),
        (2020, "令和2年度", "R2"),
        (2019, "令和元年度", "R1"),
        (2018, "平成30年度", "H30"),
        (1989, "平成元年度", "H1"),
        (1988, "昭和63年度", "S63"),
    ],
)
def test_fiscal_year_label_and_short(fy: int, label: str, short: str) -> None:
    assert fiscal_year_label(fy) == label
    assert fiscal_year_short(fy) == short
    assert fiscal_year_label(fy, seireki=True) == f"{fy}年度"


# --- Business days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "open_"),
    [
        (date(2025, 4, 1), True),  # Tuesday
        (date(2025, 4, 5), False),  # Saturday
        (date(2025, 4, 6), False),  # Sunday
        (date(2025, 4, 29), False),  # 昭和の日
        (date(2025, 5, 6), False),  # 振替休日
        (date(2025, 5, 7), True),
        (date(2025, 9, 15), False),  # 敬老の日 (Monday)
        (date(2025, 12, 26), True),  # Friday
        (date(2025, 12, 29), False),  # 年末年始 (Monday)
        (date(2025, 12, 30), False),
        (date(2026, 1, 2), False),  # 年末年始 (Friday)
        (date(2026, 1, 5), True),
        (date(2026, 1, 12), False),  # 成人の日
    ],
)
def test_is_business_day(d: date, open_: bool) -> None:
    assert is_business_day(d) is open_


def test_year_end_closure_can_be_switched_off(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TSUNAGU_YEAR_END_CLOSURE = False
    assert is_business_day(date(2025, 12, 29)) is True
    assert is_business_day(date(2026, 1, 1)) is False  # 元日 is a 祝日 anyway


def test_next_and_add_business_days() -> None:
    assert next_business_day(date(2025, 4, 1)) == date(2025, 4, 1)
    # Saturday 12/27 → the office reopens on Monday 2026-01-05.
    assert next_business_day(date(2025, 12, 27)) == date(2026, 1, 5)
    # Friday 5/2 + 1 → over the Golden Week (5/3–5/6) to Wednesday 5/7.
    assert add_business_days(date(2025, 5, 2), 1) == date(2025, 5, 7)
    assert add_business_days(date(2025, 5, 7), -1) == date(2025, 5, 2)
    assert add_business_days(date(2025, 4, 1), 5) == date(2025, 4, 8)
    assert add_business_days(date(2025, 4, 5), 0) == date(2025, 4, 5)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2049, 12, 31)), st.integers(1, 30))
def test_add_business_days_lands_on_a_business_day(d: date, n: int) -> None:
    later = add_business_days(d, n)
    assert later > d
    assert is_business_day(later)
    between = [d + timedelta(days=i) for i in range(1, (later - d).days + 1)]
    assert sum(is_business_day(x) for x in between) == n


# --- Months and ages ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2025, 4, 1), 12, date(2026, 4, 1)),
        (date(2025, 4, 1), -13, date(2024, 3, 1)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(d: date, months: int, expected: date) -> None:
    assert add_months(d, months) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), st.integers(-240, 240))
def test_add_months_property(d: date, months: int) -> None:
    result = add_months(d, months)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == months
    assert result.day == d.day or (result.day < d.day and (result + timedelta(days=1)).day == 1)


def test_age_on() -> None:
    assert age_on(date(1990, 4, 2), date(2025, 4, 1)) == 34
    assert age_on(date(1990, 4, 2), date(2025, 4, 2)) == 35
    assert age_on(date(2004, 2, 29), date(2025, 2, 28)) == 20
    assert age_on(date(2004, 2, 29), date(2025, 3, 1)) == 21
