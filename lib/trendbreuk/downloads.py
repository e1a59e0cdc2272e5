"""Tables that leave the workbook as files a spreadsheet opens (CSV downloads in the reports, the changes CSV of
`edition diff`, the registration template): one writer, so that no cell can run anything.

A spreadsheet treats a text cell that starts with = + - @, a tab or a carriage return as a formula (OWASP, "CSV
Injection"): a gemeente named `=HYPERLINK("http://x","y")` would become a live link in Excel. Such text gets a
leading apostrophe, which Excel and LibreOffice show as text and do not evaluate. Numbers stay numbers: a number
column is written as numbers, and a text cell that is only a number in Dutch notation ("-0,2", "17,2%", "1.234")
is left as it is, since a spreadsheet reads it as that number and nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a number as the reports write it (Dutch: '.' groups thousands, ',' is the decimal sign), or as Python writes it
PLAIN_NUMBER = re.compile(r"[-+]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?%?|[-+]?\d+(\.\d+)?([eE][-+]?\d+)?")


def safe_text(value):
    """A cell value that no spreadsheet evaluates: text starting like a formula gets a leading apostrophe; numbers,
    missing values and other text are returned unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if PLAIN_NUMBER.fullmatch(value.strip()):
        return value
    return "'" + value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells (and column names) are safe_text; number columns untouched."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_text)
    out.columns = [safe_text(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """`frame` as the CSV a Dutch Excel opens directly (';' between cells, UTF-8 with BOM), formula-safe."""
    return safe_frame(frame).to_csv(sep=";", index=False).encode("utf-8-sig")


def write_csv(frame: pd.DataFrame, target: Path) -> Path:
    """csv_bytes of `frame` written to `target` (temporary file, then renamed into place)."""
    from trendbreuk import io

    io.write_bytes_atomic(Path(target), csv_bytes(frame))
    return Path(target)


def set_text(cell, value) -> None:
    """Put `value` in an openpyxl cell as what it is: a string stays a string even when it starts with '='
    (openpyxl would otherwise store it as a formula, which Excel evaluates and the workbook reads back empty)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
