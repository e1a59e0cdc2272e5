"""Numbers as Dutch exports write them: decimal commas, thousands points, and markers for missing cells."""

from __future__ import annotations

import functools
import math
import re

DEFAULT_MISSING = ("", "-", ".", "x", "X", "..", "NA", "n.v.t.")


@functools.cache
def _grouped_number(decimal: str, thousands: str) -> re.Pattern:
    """A number with optional thousands separators in groups of three, or none at all."""
    return re.compile(rf"[-+]?\d{{1,3}}(\{thousands}\d{{3}})*(\{decimal}\d+)?|[-+]?\d+(\{decimal}\d+)?")


class NumberFormatError(ValueError):
    """A cell that should hold a number but does not."""


def parse_dutch_number(
    text: object, *, decimal: str = ",", thousands: str | None = ".", missing: tuple[str, ...] = DEFAULT_MISSING
) -> float:
    """Read '17,2' -> 17.2, '1.234' -> 1234.0, '1.234,5' -> 1234.5; missing markers -> NaN.

    Raises NumberFormatError for anything else, so a typo never silently becomes a missing value.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return math.nan
    if isinstance(text, (int, float)):
        return float(text)
    raw = str(text).strip()
    if raw in missing:
        return math.nan
    cleaned = raw.replace("\u00a0", "").replace(" ", "")
    if thousands:
        if not _grouped_number(decimal, thousands).fullmatch(cleaned):
            raise NumberFormatError(
                f"'{raw}' is not a number in the expected format (decimal '{decimal}', thousands '{thousands}')"
            )
        cleaned = cleaned.replace(thousands, "")
    cleaned = cleaned.replace(decimal, ".")
    try:
        return float(cleaned)
    except ValueError as err:
        raise NumberFormatError(f"'{raw}' is not a number (decimal '{decimal}')") from err
