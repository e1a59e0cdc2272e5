"""Exports that researchers download from portals (Perined, Waar staat je gemeente, Gezondheidsmonitor): CSV or
Excel files whose layout is described in config/sources.yaml, so that a changed export is a configuration change.

`check_export` reads a file and reports every problem at once, each with file, row, column, the value found and
what was expected (in Dutch), plus notes on what it set aside knowingly. Nothing is dropped silently:

- a row that cannot be placed is a problem: an unknown gemeente code or name, an ambiguous name, a code that
  contradicts its name, an unknown indicator name, a period that is not a year or several years, or in the future;
- impossible values are problems: negative counts, a numerator above its denominator, a percentage outside 0-100 or
  disagreeing with its own counts beyond rounding, an interval that does not contain its estimate, respondents 0
  with a value;
- a file in another encoding than configured (a byte that does not decode, or mojibake such as 'Ã©'), an empty
  file, a header without rows, another separator: a sentence that says what to change;
- harmless rows are set aside and listed in the notes: a gemeente outside every configured region, a 'Totaal' or
  regional row, an indicator the layout says to ignore. Names matched loosely (case, accents, 'Beek' for
  'Beek (L.)') are listed too. Where an export carries a regional or national row and all its parts, the counts
  are reconciled and any difference is reported.

`read_export` returns the tidy rows or raises ExportFormatError with every problem. Tidy rows:
source, indicator, area_code, period, year_start, year_end, numerator, denominator, value, lower_ci, upper_ci,
respondents, missing_reason, with codes (GM0935, NL01), never display names, as join keys.
"""

from __future__ import annotations

import csv
import difflib
import io as _io
import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from trendbreuk.geography.areas import RegionsConfig, name_key
from trendbreuk.geography.lineage import GemeenteRegister
from trendbreuk.sources.export_areas import Area, AreaIndex, area_label, area_text, place_of
from trendbreuk.sources.numbers import DEFAULT_MISSING, NumberFormatError, parse_dutch_number
from trendbreuk.sources.periods import PeriodError, parse_period
from trendbreuk.sources.problems import Problem, listing

TIDY_COLUMNS = [
    "source",
    "indicator",
    "area_code",
    "period",
    "year_start",
    "year_end",
    "numerator",
    "denominator",
    "value",
    "lower_ci",
    "upper_ci",
    "respondents",
    "missing_reason",
]
NUMBER_ROLES = {
    "numerator": "numerator",
    "denominator": "denominator",
    "value": "value",
    "lower": "lower_ci",
    "upper": "upper_ci",
    "respondents": "respondents",
}
MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|Ã[\u00a0-\u00bf]|â€|ï»¿|Â[\u00a0-\u00bf]")
FIRST_YEAR = 1990


class ExportFormatError(ValueError):
    """An export file that does not match its configured layout, or holds impossible values; `problems` lists
    every one of them."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        self.problems = problems or []
        super().__init__(message)


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
    ignore_indicators: tuple[str, ...] = ()  # indicator names in the export that are knowingly not used
    value_scale: float = 100.0  # value = value_scale x numerator / denominator (a percentage)

    @classmethod
    def from_config(cls, source: str, spec: dict) -> ExportLayout:
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
            ignore_indicators=tuple(spec.get("ignore_indicators", ())),
            value_scale=float(spec.get("value_scale", 100)),
        )


@dataclass
class ExportCheck:
    """The outcome of checking one export: the tidy rows (only when there are no problems), every problem, and the
    notes on rows set aside or matched loosely (for build_info.json and the build's output)."""

    path: Path
    rows: pd.DataFrame
    problems: list[Problem]
    notes: list[dict]


# Reading the file ------------------------------------------------------------------------------------------------


def _config_hint(layout: ExportLayout, key: str, value: str) -> str:
    return f"zet `{key}: {value}` bij layouts.{layout.source} in config/sources.yaml"


def _decode(path: Path, layout: ExportLayout) -> tuple[str | None, list[Problem]]:
    raw = path.read_bytes()
    name = path.name
    if not raw.strip():
        return None, [Problem(name, None, None, None, "het bestand is leeg; download de export opnieuw")]
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:400]:
        return None, [
            Problem(
                name,
                None,
                None,
                None,
                "het bestand is in UTF-16 opgeslagen (of is geen tekstbestand); sla de export op als CSV "
                f"in {layout.encoding}, of {_config_hint(layout, 'encoding', 'utf-16')}",
            )
        ]
    try:
        text = raw.decode(layout.encoding)
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        other = next((e for e in ("utf-8-sig", "cp1252") if e != layout.encoding and _decodes(raw, e)), None)
        fix = f"; het lijkt {other} te zijn: {_config_hint(layout, 'encoding', other)}" if other else ""
        return None, [
            Problem(
                name,
                line,
                None,
                raw[max(0, err.start - 12) : err.end + 12].decode("latin-1"),
                f"niet te lezen als {layout.encoding} (byte {raw[err.start]:#x}){fix}",
            )
        ]
    text = text.removeprefix("\ufeff")
    garbled = MOJIBAKE.search(text)
    if (
        garbled
        and layout.encoding.lower().replace("_", "-") not in ("utf-8", "utf-8-sig")
        and _decodes(raw, "utf-8-sig")
    ):
        line = text[: garbled.start()].count("\n") + 1
        word = re.search(r"\S*" + re.escape(garbled.group()) + r"\S*", text[garbled.start() - 20 : garbled.end() + 20])
        return None, [
            Problem(
                name,
                line,
                None,
                word.group() if word else garbled.group(),
                f"het bestand is in UTF-8 opgeslagen, niet in {layout.encoding} (tekens als 'Ã©' zijn "
                f"verminkte letters met accent): {_config_hint(layout, 'encoding', 'utf-8-sig')}",
            )
        ]
    return text, []


def _unclosed_quote(text: str) -> int | None:
    """The line on which a quoted field opens that never closes (odd number of quote characters from there on)."""
    open_since = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.count('"') % 2:
            open_since = None if open_since else number
    return open_since


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _read_rows(path: Path, layout: ExportLayout) -> tuple[list[str], list[list[object]], list[Problem]]:
    """Header and data rows as delivered (Excel numbers stay numbers), or the file-level problems."""
    name = path.name
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            sheet = pd.read_excel(path, sheet_name=layout.sheet or 0, dtype=object, header=None)
        except (ValueError, OSError, KeyError, zipfile.BadZipFile) as err:
            return (
                [],
                [],
                [Problem(name, None, None, None, f"geen leesbaar Excel-bestand ({type(err).__name__}: {err})")],
            )
        table = [
            [None if (isinstance(v, float) and math.isnan(v)) else v for v in row]
            for row in sheet.itertuples(index=False)
        ]
        if not table:
            return [], [], [Problem(name, None, None, None, "het werkblad is leeg; download de export opnieuw")]
    else:
        text, problems = _decode(path, layout)
        if problems:
            return [], [], problems
        first = text.splitlines()[0] if text.splitlines() else ""
        if layout.separator not in first:
            found = next((s for s in (";", ",", "\t", "|") if s != layout.separator and s in first), None)
            if found:
                return (
                    [],
                    [],
                    [
                        Problem(
                            name,
                            1,
                            None,
                            first[:80],
                            f"scheidingsteken {found!r} gevonden, verwacht {layout.separator!r}: "
                            f"{_config_hint(layout, 'separator', repr(found))} of sla de export op met "
                            f"{layout.separator!r}",
                        )
                    ],
                )
        unclosed = _unclosed_quote(text)
        if unclosed is not None:  # the csv module would read the rest of the file as one field
            return (
                [],
                [],
                [
                    Problem(
                        name,
                        unclosed,
                        None,
                        None,
                        'een aanhalingsteken (") wordt niet afgesloten, zodat de '
                        "rest van het bestand één veld zou worden; haal het weg of sluit het af",
                    )
                ],
            )
        table = [list(r) for r in csv.reader(_io.StringIO(text), delimiter=layout.separator)]
    header = [str(c).strip().removeprefix("\ufeff") if c is not None else "" for c in table[0]]
    rows = [r for r in table[1:] if any(c not in (None, "") and str(c).strip() for c in r)]
    if not rows:
        return (
            header,
            [],
            [
                Problem(
                    name,
                    None,
                    None,
                    None,
                    "het bestand heeft alleen een kopregel en geen gegevens; download de export opnieuw",
                )
            ],
        )
    return header, table[1:], []


# Areas ---------------------------------------------------------------------------------------------------------


# Checking ------------------------------------------------------------------------------------------------------


def _decimals(raw: object) -> int:
    text = str(raw).strip()
    for separator in (",", "."):
        if separator in text:
            return len(text.rsplit(separator, 1)[1])
    return 0


def check_export(
    path: Path,
    layout: ExportLayout,
    regions: RegionsConfig,
    register: GemeenteRegister | None = None,
    *,
    today: date | None = None,
) -> ExportCheck:
    """Read and check one export (see the module docstring)."""
    path = Path(path)
    today = today or date.today()
    name = path.name
    empty = pd.DataFrame(columns=TIDY_COLUMNS)
    if not path.is_file():
        return ExportCheck(path, empty, [Problem(name, None, None, None, f"bestand niet gevonden ({path})")], [])
    header, rows, problems = _read_rows(path, layout)
    if problems:
        return ExportCheck(path, empty, problems, [])
    needed = {role: col for role, col in layout.columns.items() if col}
    problems = _column_problems(name, header, needed, layout)
    if problems:
        return ExportCheck(path, empty, problems, [])
    index = {role: header.index(col) for role, col in needed.items()}
    areas = AreaIndex(regions, register, layout)
    records, seen, notes = [], {}, _Notes(name)
    for offset, cells in enumerate(rows):
        line = offset + 2
        cell = {role: (cells[i] if i < len(cells) else None) for role, i in index.items()}
        if all(v is None or not str(v).strip() for v in cell.values()):
            continue
        before = len(problems)

        def problem(role: str | None, value: object, message: str) -> None:
            problems.append(Problem(name, line, needed.get(role) if role else None, value, message))

        area = place_of(cell, needed, areas, problem)
        indicator = _indicator_of(cell, needed, layout, problem)
        if indicator is IGNORED:
            raw = str(cell.get("indicator") or "").strip()
            notes.add("indicator genegeerd", f"indicator '{raw}' staat onder ignore_indicators", line)
            continue
        period = _period_of(cell, today, problem)
        numbers = _numbers_of(cell, needed, layout, problem)
        _check_values(numbers, cell, layout, problem)
        if len(problems) > before or not isinstance(area, Area):
            continue
        if area.loose:
            notes.add(
                "naam ruim gelezen", f"'{area_text(cell)}' gelezen als {area_label(area.code, regions, register)}", line
            )
        if area.kind == "outside":
            notes.add("gemeente buiten de regio's", f"{area_text(cell)} hoort bij geen geconfigureerde regio", line)
            continue
        if area.kind == "aggregate":
            notes.add(
                "totaal- of regiorij",
                f"'{area_text(cell)}' is geen gemeente",
                line,
                record={"area": str(area.code), "indicator": indicator, "period": period.label, **numbers},
            )
            continue
        if indicator is None or period is None:
            continue
        key = (indicator, area.code, period.label)
        if key in seen:
            problem(
                None,
                None,
                f"dubbele regel: dezelfde indicator, hetzelfde gebied en dezelfde periode als rij {seen[key]}",
            )
            continue
        seen[key] = line
        has_value = any(_known(v) for v in numbers.values())
        records.append(
            {
                "source": layout.source,
                "indicator": indicator,
                "area_code": area.code,
                "period": period.label,
                "year_start": period.start_year,
                "year_end": period.end_year,
                **numbers,
                "missing_reason": None if has_value else "ontbreekt of geheim in de bron",
                "_line": line,
            }
        )
    tidy = pd.DataFrame.from_records(records, columns=[*TIDY_COLUMNS, "_line"])
    if problems:
        return ExportCheck(path, empty, problems, notes.listed())
    notes.reconcile(tidy, regions)
    return ExportCheck(path, tidy.drop(columns="_line"), [], notes.listed())


def _column_problems(name: str, header: list, needed: dict[str, str], layout: ExportLayout) -> list[Problem]:
    """A configured column the file lacks (with the closest it has), or a layout without a column for the area."""
    problems = []
    for column in needed.values():
        if column not in header:
            close = difflib.get_close_matches(column, [h for h in header if h], n=1, cutoff=0.5)
            problems.append(
                Problem(
                    name,
                    1,
                    column,
                    None,
                    f"kolom '{column}' ontbreekt of is hernoemd (dichtstbijzijnd: "
                    f"{close[0] if close else 'geen'}; het bestand heeft {', '.join(h for h in header if h)}); "
                    f"pas layouts.{layout.source}.columns in config/sources.yaml aan",
                )
            )
    if "area_code" not in needed and "area_name" not in needed:
        problems.append(
            Problem(
                name,
                None,
                None,
                None,
                f"de indeling van {layout.source} noemt geen kolom voor het gebied (area_code of area_name)",
            )
        )
    return problems


IGNORED = "<ignored>"  # _indicator_of: an indicator the layout lists under ignore_indicators


def _indicator_of(cell: dict, needed: dict, layout: ExportLayout, problem) -> str | None:
    """The catalogue id of the row's indicator (the layout's source when the export holds one indicator), IGNORED
    for one under ignore_indicators, None (and the problem said) for an unknown one."""
    if "indicator" not in needed:
        return layout.source
    raw = str(cell.get("indicator") or "").strip()
    indicator = layout.indicator_names.get(raw)
    if indicator is None and raw in layout.ignore_indicators:
        return IGNORED
    if indicator is None:
        close = difflib.get_close_matches(raw, list(layout.indicator_names), n=1, cutoff=0.5)
        problem(
            "indicator",
            raw,
            f"onbekende indicator{f'; bedoelt u: {close[0]}' if close else ''}; voeg hem toe aan "
            f"layouts.{layout.source}.indicator_names (of, als hij niet gebruikt wordt, aan ignore_indicators)",
        )
    return indicator


def _period_of(cell: dict, today: date, problem):
    """The row's period: a year or a range of years between FIRST_YEAR and this year (None when unreadable)."""
    try:
        period = parse_period(cell.get("period"))
    except PeriodError as err:
        problem("period", cell.get("period"), f"onleesbare periode ({err})")
        return None
    if period.frequency not in ("jaar", "meerjarig"):
        problem("period", cell.get("period"), "verwacht een jaar (2023) of een reeks jaren (2021-2023)")
    elif period.end_year > today.year or period.start_year < FIRST_YEAR:
        problem("period", cell.get("period"), f"periode buiten {FIRST_YEAR}-{today.year}")
    return period


def _numbers_of(cell: dict, needed: dict, layout: ExportLayout, problem) -> dict[str, float]:
    """The row's numbers in the layout's Dutch format (NaN for a column the layout does not have, or a cell that is
    no number in that format, which is a problem)."""
    numbers = {}
    for role, field_name in NUMBER_ROLES.items():
        if role not in needed:
            numbers[field_name] = math.nan
            continue
        try:
            numbers[field_name] = parse_dutch_number(
                cell.get(role), decimal=layout.decimal, thousands=layout.thousands, missing=layout.missing
            )
        except NumberFormatError as err:
            numbers[field_name] = math.nan
            problem(role, cell.get(role), f"geen getal in het verwachte formaat ({err})")
    return numbers


def _known(x: float) -> bool:
    """A parsed number that is not missing (parse_dutch_number gives floats, NaN for missing)."""
    return not math.isnan(x)


def _check_values(numbers: dict, cell: dict, layout: ExportLayout, problem) -> None:
    """Impossible numbers: every check that a single row allows."""
    num, den, value = numbers["numerator"], numbers["denominator"], numbers["value"]
    lower, upper, respondents = numbers["lower_ci"], numbers["upper_ci"], numbers["respondents"]
    for role, x in (("numerator", num), ("denominator", den), ("respondents", respondents)):
        if _known(x) and x < 0:
            problem(role, cell.get(role), "een aantal kan niet negatief zijn")
    if _known(num) and _known(den) and num > den >= 0:
        problem("numerator", cell.get("numerator"), f"de teller ({num:g}) is groter dan de noemer ({den:g})")
    for role, x in (("value", value), ("lower", lower), ("upper", upper)):
        if _known(x) and not 0 <= x <= layout.value_scale:
            problem(role, cell.get(role), f"een percentage moet tussen 0 en {layout.value_scale:g} liggen")
    if _known(value) and _known(num) and _known(den) and den > 0 and 0 <= num <= den:
        implied = layout.value_scale * num / den
        tolerance = 0.5 * 10 ** -_decimals(cell.get("value")) + 1e-9
        if abs(implied - value) > tolerance:
            problem(
                "value",
                cell.get("value"),
                f"het percentage past niet bij teller en noemer: {num:g} / {den:g} = {implied:.3f}".replace(".", ","),
            )
    if _known(value) and _known(lower) and _known(upper) and not lower <= value <= upper:
        problem(
            "value", cell.get("value"), f"de marge {lower:g} tot {upper:g} bevat de schatting niet".replace(".", ",")
        )
    if _known(respondents) and respondents == 0 and _known(value):
        problem("respondents", cell.get("respondents"), "0 respondenten, maar wel een percentage")
    if _known(respondents) and respondents != int(respondents):
        problem("respondents", cell.get("respondents"), "het aantal respondenten moet een geheel getal zijn")


class _Notes:
    """Rows set aside and loose matches, grouped by kind, with a few examples and the row numbers."""

    def __init__(self, file: str):
        self.file = file
        self.groups: dict[str, dict] = {}
        self.aggregates: list[dict] = []
        self.differences: list[dict] = []

    def add(self, kind: str, example: str, line: int, record: dict | None = None) -> None:
        group = self.groups.setdefault(kind, {"file": self.file, "kind": kind, "count": 0, "examples": [], "rows": []})
        group["count"] += 1
        if example not in group["examples"] and len(group["examples"]) < 5:
            group["examples"].append(example)
        if len(group["rows"]) < 20:
            group["rows"].append(line)
        if record is not None:
            self.aggregates.append(record)

    def reconcile(self, tidy: pd.DataFrame, regions: RegionsConfig) -> None:
        """A regional row (a configured region by name) against the sum of its gemeenten, and Nederland against
        the sum of all gemeenten when the export has (nearly) all of them; counts only, they are additive."""
        if tidy.empty:
            return
        for record in self.aggregates:
            region = next((r for r in regions.regions.values() if name_key(r.name) == name_key(record["area"])), None)
            if region is None or record["indicator"] is None:
                continue
            members = {g.code for g in region.gemeenten}
            parts = tidy[
                (tidy["indicator"] == record["indicator"])
                & (tidy["period"] == record["period"])
                & tidy["area_code"].isin(members)
            ]
            if parts["area_code"].nunique() == len(members):
                self._compare(region.name, record, parts)
        gemeenten = tidy[tidy["area_code"].str.startswith("GM")]
        for (indicator, period), parts in gemeenten.groupby(["indicator", "period"]):
            national = tidy[
                (tidy["area_code"] == "NL01") & (tidy["indicator"] == indicator) & (tidy["period"] == period)
            ]
            if len(national) == 1 and parts["area_code"].nunique() >= 300:
                self._compare(
                    "Nederland", {"indicator": indicator, "period": period, **national.iloc[0].to_dict()}, parts
                )

    def _compare(self, area: str, record: dict, parts: pd.DataFrame) -> None:
        for column in ("numerator", "denominator"):
            total, summed = record.get(column), parts[column].sum(min_count=len(parts))
            if pd.notna(total) and pd.notna(summed) and total != summed:
                share = (total - summed) / summed if summed else math.inf
                self.differences.append(
                    {
                        "file": self.file,
                        "kind": "verschil met de som van de delen",
                        "count": 1,
                        "examples": [
                            f"{area}, {record['indicator']} {record['period']}: "
                            f"{'teller' if column == 'numerator' else 'noemer'} {total:g} in de export, "
                            f"som van {len(parts)} gemeenten {summed:g} (verschil {total - summed:+g}, "
                            f"{share:+.2%})".replace(".", ",")
                        ],
                        "rows": [],
                    }
                )

    def listed(self) -> list[dict]:
        return [*self.groups.values(), *self.differences]


def read_export(
    path: Path, layout: ExportLayout, regions: RegionsConfig, register: GemeenteRegister | None = None
) -> pd.DataFrame:
    """The tidy rows of one export (notes in .attrs['notes']), or ExportFormatError listing every problem."""
    checked = check_export(path, layout, regions, register)
    if checked.problems:
        raise ExportFormatError(
            f"{path}: {len(checked.problems)} probleem/problemen; er is niets ingelezen:\n  "
            + listing(checked.problems),
            checked.problems,
        )
    checked.rows.attrs["notes"] = checked.notes
    return checked.rows
