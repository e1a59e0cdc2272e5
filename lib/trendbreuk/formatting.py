"""Dutch number formatting for reports (17,2%; 1.234; 0,8 procentpunt), via Babel's nl_NL locale data.

Rounding is half away from zero on the decimal value as written (17,25 -> 17,3; 0,15 -> 0,2), as CBS
publishes, not Python's binary half-to-even.
"""

from __future__ import annotations

import decimal
import math

from babel.dates import format_date, format_datetime

LOCALE = "nl_NL"
MISSING = "–"


QUANTUM = {d: decimal.Decimal(1).scaleb(-d) for d in range(10)}
DUTCH = str.maketrans({",": ".", ".": ","})


def number(value: float | None, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' (decimals=1); missing -> '–'. The same text as Babel's nl_NL pattern '#,##0.0' with
    half-up rounding (tests/test_formatting.py checks them against each other), written with the decimal module
    directly: reports format tens of thousands of numbers, and Babel's per-call locale look-ups dominated."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    exact = decimal.Decimal(repr(float(value))).quantize(QUANTUM[decimals], rounding=decimal.ROUND_HALF_UP)
    text = f"{exact:,.{decimals}f}".translate(DUTCH)
    return text[1:] if text.startswith("-") and not text.strip("-0,") else text  # '-0,0' -> '0,0'


def percentage(value: float | None, decimals: int = 1) -> str:
    """A value already on the 0-100 scale: 17.2 -> '17,2%'."""
    text = number(value, decimals)
    return text if text == MISSING else f"{text}%"


def share(fraction: float | None, decimals: int = 0) -> str:
    """A fraction: 0.25 -> '25%'."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return MISSING
    return percentage(100 * fraction, decimals)


def value_with_unit(value: float | None, unit: str, decimals: int = 1) -> str:
    return percentage(value, decimals) if unit == "%" else f"{number(value, decimals)} {unit}".strip()


def gap_unit(unit: str) -> str:
    """The unit of a difference: percentage points for percentages."""
    return "procentpunt" if unit == "%" else unit


def difference(value: float | None, unit: str, decimals: int = 1) -> str:
    """A gap or change with its unit: 0.84 with '%' -> '0,8 procentpunt'."""
    text = number(value, decimals)
    return text if text == MISSING else f"{text} {gap_unit(unit)}"


def dutch_date(day) -> str:
    """3 november 2026."""
    return format_date(day, format="long", locale=LOCALE)


def dutch_datetime(moment) -> str:
    """3 november 2026 om 09:05."""
    return format_datetime(moment, "d MMMM y 'om' HH:mm", locale=LOCALE)


# --- Dutch words around numbers: one place for counts with their nouns, lists and sentences ---


def count(n: int, singular: str, plural: str) -> str:
    """A count with its noun: count(1, 'indicator', 'indicatoren') -> '1 indicator', 2 -> '2 indicatoren'."""
    n = int(n)
    return f"{number(n)} {singular if n == 1 else plural}"


def noun(n: int, singular: str, plural: str) -> str:
    """The noun alone, in the number `n` asks for: noun(1, 'cijfer', 'cijfers') -> 'cijfer'."""
    return singular if int(n) == 1 else plural


def join(items, last: str = "en") -> str:
    """['a', 'b', 'c'] -> 'a, b en c'; one item as it is; none -> ''."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def sentence(text: str) -> str:
    """A sentence as a report prints it: starting with a capital, ending with one full stop."""
    text = text.strip()
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def out_of(k: int, n: int, noun_singular: str, noun_plural: str) -> str:
    """'3 van de 5 doelindicatoren'; 'de enige doelindicator', 'beide ...', 'alle 5 ...', 'geen van de ...' where
    '1 van de 1' or '5 van de 5' would stumble."""
    k, n = int(k), int(n)
    if n == 1:
        return f"de enige {noun_singular}" if k == 1 else f"geen enkele {noun_singular}"
    if k == n:
        return f"beide {noun_plural}" if n == 2 else f"alle {number(n)} {noun_plural}"
    if k == 0:
        return f"geen van de {number(n)} {noun_plural}"
    return f"{number(k)} van de {number(n)} {noun_plural}"
