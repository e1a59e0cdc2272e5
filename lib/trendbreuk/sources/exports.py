"""Exports that researchers download from portals (Perined, Waar staat je gemeente): CSV or Excel files
whose layout is described in config/sources.yaml, so that a changed export is a configuration change.

Every reader returns the same tidy shape:
source, indicator, area_code, period, year_start, year_end, numerator, denominator, value, missing_reason
with codes (GM0935, NL01), never display names, as join keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from trendbreuk.geography.areas import AreaLookupError, RegionsConfig, name_key, normalise_gemeente_code
from trendbreuk.sources.numbers import DEFAULT_MISSING, NumberFormatError, parse_dutch_number
from trendbreuk.sources.periods import PeriodError, parse_period

log = logging.getLogger(__name__)

TIDY_COLUMNS = [
    "source", "indicator", "area_code", "period", "year_start", "year_end",
    "numerator", "denominator", "value", "lower_ci", "upper_ci", "respondents", "missing_reason",
]
NUMBER_ROLES = {"numerator": "numerator", "denominator": "denominator", "value": "value", "lower": "lower_ci",
                "upper": "upper_ci", "respondents": "respondents"}


class ExportFormatError(ValueError):
    """An export file that does not match its configured layout; the message names file, row and column."""


@dataclass(frozen=True)
class ExportLayout:
    """Where things are in one provider's export. Column names are the export's own headers."""

    source: str
    columns: dict[str, str]
    separator: str = ";"
    encoding: str = "utf-8-sig"
    decimal: str = ","
    thousands: str | None = "."
    missing: tuple[str, ...] = DEFAULT_MISSING
    national_names: tuple[str, ...] = ("Nederland",)
    sheet: str | None = None
    indicator_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, source: str, spec: dict) -> "ExportLayout":
        return cls(
            source=source,
            columns=dict(spec["columns"]),
            separator=spec.get("separator", ";"),
            encoding=spec.get("encoding", "utf-8-sig"),
            decimal=spec.get("decimal", ","),
            thousands=spec.get("thousands", "."),
            missing=tuple(spec.get("missing", DEFAULT_MISSING)),
            national_names=tuple(spec.get("national_names", ["Nederland"])),
            sheet=spec.get("sheet"),
            indicator_names=dict(spec.get("indicator_names", {})),
        )


def _read_table(path: Path, layout: ExportLayout) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(path, sheet_name=layout.sheet or 0, dtype=str)
    try:
        return pd.read_csv(path, sep=layout.separator, dtype=str, keep_default_na=False, encoding=layout.encoding)
    except UnicodeDecodeError as err:
        raise ExportFormatError(
            f"{path}: cannot be read as {layout.encoding} ({err}); set 'encoding' for {layout.source} in "
            "config/sources.yaml (Dutch exports are often utf-8-sig or cp1252)"
        ) from err


def read_export(path: Path, layout: ExportLayout, regions: RegionsConfig) -> pd.DataFrame:
    """Read one export file into tidy rows (see module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise ExportFormatError(f"{path} not found: download the {layout.source} export, or run `trendbreuk demo`")
    frame = _read_table(path, layout)
    frame.columns = [str(c).strip() for c in frame.columns]
    needed = {role: col for role, col in layout.columns.items() if col}
    missing_cols = [col for col in needed.values() if col not in frame.columns]
    if missing_cols:
        raise ExportFormatError(
            f"{path}: column(s) {missing_cols} not found; the file has {list(frame.columns)}. "
            f"If the {layout.source} export changed, update its columns in config/sources.yaml"
        )
    if "area_code" not in needed and "area_name" not in needed:
        raise ExportFormatError(f"layout for {layout.source} names neither an area_code nor an area_name column")

    names = _name_index(regions, layout.national_names)
    records = []
    unknown: set[str] = set()
    for i, row in frame.iterrows():
        line = i + 2  # header is line 1
        area = _resolve_area(row, needed, names)
        if area is None:
            unknown.add(str(row.get(needed.get("area_name", ""), row.get(needed.get("area_code", ""), ""))))
            continue
        try:
            period = parse_period(row[needed["period"]])
        except PeriodError as err:
            raise ExportFormatError(f"{path}, line {line}, column '{needed['period']}': {err}") from err
        numbers = {}
        for role, field_name in NUMBER_ROLES.items():
            column = needed.get(role)
            if column is None:
                numbers[field_name] = float("nan")
                continue
            try:
                numbers[field_name] = parse_dutch_number(
                    row[column], decimal=layout.decimal, thousands=layout.thousands, missing=layout.missing
                )
            except NumberFormatError as err:
                raise ExportFormatError(f"{path}, line {line}, column '{column}': {err}") from err
        raw_indicator = str(row[needed["indicator"]]).strip() if "indicator" in needed else layout.source
        indicator = layout.indicator_names.get(raw_indicator, raw_indicator)
        has_value = any(pd.notna(v) for v in numbers.values())
        records.append(
            {
                "source": layout.source,
                "indicator": indicator,
                "area_code": area,
                "period": period.label,
                "year_start": period.start_year,
                "year_end": period.end_year,
                **numbers,
                "missing_reason": None if has_value else "ontbreekt of geheim in de bron",
            }
        )
    if unknown:
        log.info("%s: %d area(s) outside the configured regions skipped: %s", path.name, len(unknown), sorted(unknown)[:10])
    tidy = pd.DataFrame.from_records(records, columns=TIDY_COLUMNS)
    duplicated = tidy.duplicated(["indicator", "area_code", "period"], keep=False)
    if duplicated.any():
        first = tidy[duplicated].iloc[0]
        raise ExportFormatError(
            f"{path}: {int(duplicated.sum())} rows repeat the same indicator, area and period, "
            f"e.g. {first['indicator']} / {first['area_code']} / {first['period']}; remove the duplicates"
        )
    return tidy


def _name_index(regions: RegionsConfig, national_names: tuple[str, ...]) -> dict[str, str]:
    index = {name_key(n): "NL01" for n in national_names}
    for region in regions.regions.values():
        for g in region.gemeenten:
            index[name_key(g.name)] = g.code
    return index


def _resolve_area(row: pd.Series, columns: dict[str, str], names: dict[str, str]) -> str | None:
    if "area_code" in columns:
        raw = str(row[columns["area_code"]]).strip()
        if raw.upper().startswith("NL"):
            return "NL01"
        try:
            return normalise_gemeente_code(raw)
        except AreaLookupError:
            pass
    if "area_name" in columns:
        return names.get(name_key(str(row[columns["area_name"]])))
    return None
