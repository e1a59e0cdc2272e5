"""Programme registrations: the long-form spreadsheet (or CSV) kept by the programme owners.

One row per gemeente, period, programme and measure. The raw counts are confidential: they stay in
data/raw and data/processed and only reach shared reports through disclosure control.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trendbreuk.geography.areas import AreaLookupError, RegionsConfig
from trendbreuk.sources.numbers import NumberFormatError, parse_dutch_number
from trendbreuk.sources.periods import PeriodError, parse_period

SHEET = "Registraties"
COLUMNS = {
    "Gemeente": "gemeente",
    "Periode": "period",
    "Programma": "programme",
    "Maatregel": "measure",
    "Waarde": "value",
    "Noemer": "denominator",
    "Opmerking": "remark",
}
REQUIRED = ("Gemeente", "Periode", "Programma", "Maatregel", "Waarde")


class RegistrationsError(ValueError):
    """A registrations file that cannot be read; the message names sheet, row and column."""


def read_registrations(path: Path, regions: RegionsConfig, region_key: str | None = None) -> pd.DataFrame:
    """Read a registrations workbook (sheet 'Registraties') or CSV into tidy rows with gemeente codes."""
    path = Path(path)
    if not path.is_file():
        raise RegistrationsError(f"{path} not found: fill in the template, or run `trendbreuk demo`")
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        where = path.name
    else:
        try:
            frame = pd.read_excel(path, sheet_name=SHEET, dtype=str).fillna("")
        except ValueError as err:
            raise RegistrationsError(f"{path}: no sheet '{SHEET}'; use the workbook made by the template") from err
        where = f"{path.name}, blad {SHEET}"
    frame.columns = [str(c).strip() for c in frame.columns]
    absent = [c for c in REQUIRED if c not in frame.columns]
    if absent:
        raise RegistrationsError(f"{where}: column(s) {absent} missing; expected {list(COLUMNS)}")
    region = regions.region(region_key)
    records = []
    for i, row in frame.iterrows():
        line = i + 2
        try:
            gemeente = region.gemeente(row["Gemeente"])
        except AreaLookupError as err:
            raise RegistrationsError(f"{where}, rij {line}, kolom Gemeente: {err}") from err
        try:
            period = parse_period(row["Periode"])
        except PeriodError as err:
            raise RegistrationsError(f"{where}, rij {line}, kolom Periode: {err}") from err
        try:
            value = parse_dutch_number(row["Waarde"], thousands=None)
            denominator = parse_dutch_number(row.get("Noemer", ""), thousands=None)
        except NumberFormatError as err:
            raise RegistrationsError(f"{where}, rij {line}: {err}") from err
        records.append(
            {
                "gemeente_code": gemeente.code,
                "period": period.label,
                "year": period.start_year,
                "programme": str(row["Programma"]).strip(),
                "measure": str(row["Maatregel"]).strip(),
                "value": value,
                "denominator": denominator,
                "remark": str(row.get("Opmerking", "")).strip(),
            }
        )
    return pd.DataFrame.from_records(records)
