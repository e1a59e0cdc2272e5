"""Periods as the sources write them: CBS codes ('2023JJ00', '2015HJ01', '2022KW03', '2021MM11') and the
plain labels of exports ('2018', '2016-2018', '2016 t/m 2018')."""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date

_CBS = re.compile(r"^(\d{4})(JJ|HJ|KW|MM)(\d{2})$")
_YEARS = re.compile(r"^(\d{4})\s*(?:-|–|/|t/m|tot en met)\s*(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})\s*[-/ ]?\s*[KQ]\s*([1-4])$", re.IGNORECASE)


class PeriodError(ValueError):
    """A period label that cannot be read."""


@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date
    frequency: str  # 'jaar', 'halfjaar', 'kwartaal', 'maand', 'meerjarig'

    @property
    def start_year(self) -> int:
        return self.start.year

    @property
    def end_year(self) -> int:
        return self.end.year

    @property
    def label(self) -> str:
        if self.frequency == "jaar":
            return str(self.start_year)
        if self.frequency == "meerjarig":
            return f"{self.start_year}-{self.end_year}"
        return self.code


def parse_period(text: object) -> Period:
    """Parse a CBS period code or an export's year label into a Period."""
    return _parse_period(str(text).strip())


@functools.lru_cache(maxsize=4096)  # an export repeats its few periods on every row
def _parse_period(raw: str) -> Period:
    match = _CBS.match(raw)
    if match:
        year, kind, number = int(match[1]), match[2], int(match[3])
        if kind == "JJ":
            return Period(raw, date(year, 1, 1), date(year, 12, 31), "jaar")
        if kind == "HJ" and number in (1, 2):
            first = 1 if number == 1 else 7
            return Period(raw, date(year, first, 1), _month_end(year, first + 5), "halfjaar")
        if kind == "KW" and 1 <= number <= 4:
            first = 3 * number - 2
            return Period(raw, date(year, first, 1), _month_end(year, first + 2), "kwartaal")
        if kind == "MM" and 1 <= number <= 12:
            return Period(raw, date(year, number, 1), _month_end(year, number), "maand")
        raise PeriodError(f"'{raw}' looks like a CBS period code but {kind}{number:02d} is not a valid period")
    quarter = _QUARTER.match(raw)
    if quarter:  # '2023-K2', '2023 Q2', '2023K2' as people type quarters
        return _parse_period(f"{quarter[1]}KW0{quarter[2]}")
    if re.fullmatch(r"\d{4}(\.0)?", raw):  # '2023' or 2023.0 from a spreadsheet
        raw = raw.split(".")[0]
        year = int(raw)
        return Period(raw, date(year, 1, 1), date(year, 12, 31), "jaar")
    match = _YEARS.match(raw)
    if match:
        first, last = int(match[1]), int(match[2])
        if last < first:
            raise PeriodError(f"period '{raw}' ends before it starts")
        if first == last:
            return Period(str(first), date(first, 1, 1), date(first, 12, 31), "jaar")
        return Period(f"{first}-{last}", date(first, 1, 1), date(last, 12, 31), "meerjarig")
    raise PeriodError(
        f"cannot read period '{raw}': expected a year (2018), a range of years (2016-2018) "
        "a quarter (2018-K3) or a CBS period code (2018JJ00, 2018HJ01, 2018KW03, 2018MM11)"
    )


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])
