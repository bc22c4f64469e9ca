"""Japanese calendar helpers: 和暦 (with a 西暦 toggle), 年度 (April–March) and business days.

One helper each; everything that shows or computes such dates goes through here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import jpholiday
from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: date
    # The 西暦 year of the era's 元年. Differs from ``start.year`` only for 明治, whose 元年 is
    # 1868 but which is used here from 1873-01-01 (adoption of the Gregorian calendar).
    first_year: int = 0

    @property
    def year_one(self) -> int:
        return self.first_year or self.start.year


# First day of each era. 明治 before 1873 used the lunar calendar; dates before 1873-01-01
# are shown in 西暦 only.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", date(2019, 5, 1)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("明治", "M", date(1873, 1, 1), first_year=1868),
)
_ERA_BY_KEY = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS} | {e.name[0]: e for e in ERAS}


def era_of(d: date) -> Era | None:
    for era in ERAS:
        if d >= era.start:
            return era
    return None


def era_year(d: date) -> tuple[Era, int] | None:
    era = era_of(d)
    if era is None:
        return None
    return era, d.year - era.year_one + 1


def _year_label(n: int) -> str:
    return "元" if n == 1 else str(n)


def wareki(d: date | None, *, seireki: bool = False, with_seireki: bool = False) -> str:
    """令和7年4月1日; ``seireki=True`` gives 2025年4月1日; ``with_seireki`` adds （2025年）."""
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = timezone.localtime(d).date() if timezone.is_aware(d) else d.date()
    ey = era_year(d)
    if seireki or ey is None:
        return f"{d.year}年{d.month}月{d.day}日"
    era, n = ey
    text = f"{era.name}{_year_label(n)}年{d.month}月{d.day}日"
    if with_seireki:
        text = f"{era.name}{_year_label(n)}年（{d.year}年）{d.month}月{d.day}日"
    return text


def wareki_year(year: int, month: int = 12, day: int = 31) -> str:
    """The era year of a 西暦 year (at the given day, default its last day): 2019 → 令和元年."""
    ey = era_year(date(year, month, day))
    if ey is None:
        return f"{year}年"
    return f"{ey[0].name}{_year_label(ey[1])}年"


class WarekiParseError(ValueError):
    pass


_WAREKI_RE = re.compile(
    r"^(?P<era>令和|平成|昭和|大正|明治|[RHSTM令平昭大明])\s*(?P<y>元|\d{1,4})\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*日?$"
)
_SEIREKI_RE = re.compile(r"^(?P<y>\d{4})\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*日?$")


def parse_date(text: str) -> date:
    """Parse 西暦 (2025-04-01, 2025/4/1, 2025年4月1日) or 和暦 (令和7年4月1日, R7.4.1, H1.1.8).

    Raises ``WarekiParseError`` with a Japanese message for impossible dates, including an
    era year outside the era (平成31年5月1日 does not exist; 令和元年4月30日 neither).
    """
    s = unicodedata.normalize("NFKC", text or "").strip().upper()
    if not s:
        raise WarekiParseError("日付を入力してください。")
    m = _SEIREKI_RE.match(s)
    if m:
        try:
            return date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError as exc:
            raise WarekiParseError("存在しない日付です。") from exc
    m = _WAREKI_RE.match(s)
    if not m:
        raise WarekiParseError("日付の形式が正しくありません（例：令和7年4月1日、R7.4.1、2025-04-01）。")
    era = _ERA_BY_KEY[m["era"]]
    n = 1 if m["y"] == "元" else int(m["y"])
    if n < 1:
        raise WarekiParseError("元号の年が正しくありません。")
    try:
        d = date(era.year_one + n - 1, int(m["m"]), int(m["d"]))
    except ValueError as exc:
        raise WarekiParseError("存在しない日付です。") from exc
    if d < era.start:
        raise WarekiParseError(f"{era.name}は{wareki(era.start)}からです。")
    later = [e for e in ERAS if e.start > era.start]
    if later and d >= min(e.start for e in later):
        nxt = min(later, key=lambda e: e.start)
        raise WarekiParseError(f"{era.name}は{wareki(nxt.start - timedelta(days=1))}までです。")
    return d


_TIME_RE = re.compile(
    r"^(?P<date>.*?)(?:\s*T\s*|\s+|(?<=日))(?P<h>\d{1,2})\s*[:時]\s*(?P<mi>\d{1,2})\s*分?(?::\d{2}(?:\.\d+)?)?$"
)


def parse_datetime(text: str) -> datetime:
    """A naive date and time: 和暦 or 西暦 as ``parse_date``, then the time (24-hour clock).

    令和8年12月3日 14:30, 令和8年12月3日14時30分, R8.12.3 14:30, 2026-12-03T14:30 (the browser's
    datetime-local value) and 2026/12/3 9:05 all give 2026-12-03 14:30 (or 09:05).
    """
    s = unicodedata.normalize("NFKC", text or "").strip()
    if not s:
        raise WarekiParseError("日時を入力してください。")
    m = _TIME_RE.match(s)
    if not m:
        if _looks_like_date(s):
            raise WarekiParseError("時刻も入力してください（例：令和8年12月3日 14:30）。")
        raise WarekiParseError("日時の形式が正しくありません（例：令和8年12月3日 14:30、R8.12.3 14:30）。")
    d = parse_date(m["date"])
    hour, minute = int(m["h"]), int(m["mi"])
    if hour > 23 or minute > 59:
        raise WarekiParseError("時刻が正しくありません（0:00〜23:59）。")
    return datetime(d.year, d.month, d.day, hour, minute)


def _looks_like_date(s: str) -> bool:
    try:
        parse_date(s)
    except WarekiParseError:
        return False
    return True


def wareki_datetime(value: datetime | None, *, seireki: bool = False) -> str:
    """令和8年12月3日 14:30 (local time for an aware datetime)."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{wareki(local.date(), seireki=seireki)} {local:%H:%M}"


# --- 年度 (fiscal year: April to March) -------------------------------------------------


def fiscal_year(d: date) -> int:
    """The 年度 a date belongs to, as the 西暦 year in which it starts: 2026-03-31 → 2025."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_range(fy: int) -> tuple[date, date]:
    """First and last day of 年度 ``fy``."""
    return date(fy, 4, 1), date(fy + 1, 3, 31)


def fiscal_year_label(fy: int, *, seireki: bool = False) -> str:
    """令和7年度 (or 2025年度). The era is the one in force on 1 April of that 年度."""
    if seireki:
        return f"{fy}年度"
    ey = era_year(date(fy, 4, 1))
    if ey is None:
        return f"{fy}年度"
    era, n = ey
    # 2019年度 began under 平成 but is conventionally called 令和元年度.
    if fy == 2019:
        return "令和元年度"
    return f"{era.name}{_year_label(n)}年度"


def fiscal_year_short(fy: int) -> str:
    """A short prefix for numbering, e.g. R7 for 2025年度."""
    if fy == 2019:
        return "R1"
    ey = era_year(date(fy, 4, 1))
    if ey is None:
        return str(fy)
    return f"{ey[0].letter}{ey[1]}"


# --- Business days ------------------------------------------------------------------------


def is_business_day(d: date) -> bool:
    """Monday–Friday, not a 祝日 (jpholiday), and not in the 年末年始 closure (12/29–1/3)."""
    if d.weekday() >= 5 or jpholiday.is_holiday(d):
        return False
    if getattr(settings, "TSUNAGU_YEAR_END_CLOSURE", True):
        if (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3):
            return False
    return True


def next_business_day(d: date) -> date:
    """``d`` itself if it is a business day, else the next one."""
    while not is_business_day(d):
        d += timedelta(days=1)
    return d


def add_business_days(d: date, n: int) -> date:
    """Move ``n`` business days forward (negative: backward) from ``d``."""
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        d += timedelta(days=step)
        if is_business_day(d):
            remaining -= 1
    return d


def add_months(d: date, months: int) -> date:
    """Calendar month arithmetic, clamping to the month's last day (1/31 + 1 month → 2/28)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, min(d.day, day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def age_on(birth: date, on: date) -> int:
    """Age in completed years (a 2/29 birthday counts on 3/1 in common years, as in civil law practice)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
