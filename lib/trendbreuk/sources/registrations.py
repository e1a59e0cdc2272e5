"""Programme registrations: the long-form workbook (or CSV) that programme owners fill in from the template.

`check_registrations` reads a file and reports every problem at once (sheet, row, column, the value found and
what is expected, in Dutch); `read_registrations` returns the tidy rows or raises with all problems. The raw
counts are confidential: they stay in data/raw and data/processed and reach shared outputs only through
disclosure control (trendbreuk.indicators.disclosure).
"""

from __future__ import annotations

import csv
import difflib
import io as _io
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd

from trendbreuk.geography.areas import AreaLookupError, Region, RegionsConfig, name_key
from trendbreuk.sources.periods import PeriodError, parse_period
from trendbreuk.sources.problems import Problem
from trendbreuk.sources.programmes import ProgrammeCatalogue

SHEET = "Registraties"
COLUMNS = ["Gebied", "Periode", "Programma", "Maatregel", "Waarde", "Noemer", "Opmerking"]
REQUIRED = ["Gebied", "Periode", "Programma", "Maatregel", "Waarde"]
TIDY = [
    "area_level",
    "area_code",
    "area_name",
    "period",
    "year",
    "programme",
    "measure",
    "unit",
    "value",
    "status",
    "denominator",
    "remark",
    "row",
]


class RegistrationsError(ValueError):
    """A registrations file with problems; `problems` lists every one of them."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            f"{path}: {len(problems)} probleem/problemen gevonden; er is niets ingelezen:\n  "
            + "\n  ".join(str(p) for p in problems)
        )


def _read_cells(path: Path) -> tuple[str, list[str], list[list[object]], list[Problem]]:
    """Header and rows as typed cells (numbers stay numbers), or the file-level problems."""
    name = path.name
    if not path.is_file():
        return name, [], [], [Problem(name, None, None, None, "bestand niet gevonden")]
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as err:
            return (
                name,
                [],
                [],
                [
                    Problem(
                        name,
                        None,
                        None,
                        None,
                        f"geen leesbaar Excel-werkboek ({type(err).__name__}); gebruik het sjabloon",
                    )
                ],
            )
        if SHEET not in workbook.sheetnames:
            return (
                f"{name}",
                [],
                [],
                [
                    Problem(
                        name,
                        None,
                        None,
                        ", ".join(workbook.sheetnames),
                        f"blad '{SHEET}' ontbreekt; dit is niet het registratiesjabloon "
                        "(maak het met: trendbreuk template registrations)",
                    )
                ],
            )
        rows = [list(r) for r in workbook[SHEET].iter_rows(values_only=True)]
        where = f"{name}, blad {SHEET}"
    elif suffix == ".csv":
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return (
                name,
                [],
                [],
                [
                    Problem(
                        name,
                        None,
                        None,
                        None,
                        "het bestand is niet in UTF-8 opgeslagen; kies in Excel 'CSV UTF-8 "
                        "(door lijstscheidingsteken gescheiden)'",
                    )
                ],
            )
        if not text.strip():
            return name, [], [], [Problem(name, None, None, None, "het bestand is leeg")]
        first = text.splitlines()[0]
        if ";" not in first:
            found = next((s for s in (",", "\t", "|") if s in first), None)
            return (
                name,
                [],
                [],
                [
                    Problem(
                        name,
                        1,
                        None,
                        first[:80],
                        f"scheidingsteken {found!r} gevonden; verwacht ';'"
                        if found
                        else "geen ';' in de kopregel; dit lijkt geen registratiebestand",
                    )
                ],
            )
        rows = [list(r) for r in csv.reader(_io.StringIO(text), delimiter=";")]
        where = name
    else:
        return (
            name,
            [],
            [],
            [Problem(name, None, None, suffix, "alleen .xlsx of .csv (puntkomma-gescheiden) wordt gelezen")],
        )
    if not rows:
        return where, [], [], [Problem(where, None, None, None, "het bestand is leeg")]
    header = [str(c).strip() if c is not None else "" for c in rows[0]]
    return where, header, rows[1:], []


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _closest(text: str, options: list[str]) -> str:
    keys = {name_key(o): o for o in options}
    close = difflib.get_close_matches(name_key(text), list(keys), n=3, cutoff=0.5)
    return ", ".join(keys[c] for c in close) or "geen"


def _resolve_area(text: str, region: Region, regions: RegionsConfig) -> tuple[str, str, str]:
    """(level, code, name) for a gemeente, subregio or the region; AreaLookupError with closest matches."""
    key = name_key(text)
    if key in (name_key(region.name), name_key(region.code), region.slug):
        return "regio", region.code, region.name
    for s in region.subregios:
        if key in (name_key(s.name), name_key(s.code), s.slug):
            return "subregio", s.code, s.name
    g = region.gemeente(text)
    return "gemeente", g.code, g.name


def check_registrations(
    path: Path,
    regions: RegionsConfig,
    programmes: ProgrammeCatalogue,
    region_key: str | None = None,
    today: date | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check a registrations file. Returns the tidy rows that passed and every problem found: first the
    file and its header (_header_problems), then per row its required fields, programme and measure, area, period,
    value and denominator (one check each), and rows registered twice."""
    path = Path(path)
    today = today or date.today()
    region = regions.region(region_key)
    where, header, rows, problems = _read_cells(path)
    problems = problems or _header_problems(where, header)
    if problems:
        return pd.DataFrame(columns=TIDY), problems
    index = {c: header.index(c) for c in COLUMNS if c in header}
    records, seen = [], {}
    for offset, cells in enumerate(rows):
        row_number = offset + 2
        cell = {c: (cells[i] if i < len(cells) else None) for c, i in index.items()}
        if all(_is_empty(v) for v in cell.values()):
            continue
        found: list[tuple[str | None, object, str]] = []  # (column, value, message) of this row

        def problem(column, value, message):
            found.append((column, value, message))

        for column in REQUIRED:
            if _is_empty(cell.get(column)):
                problem(column, None, "verplicht veld is leeg")
        if not found:
            programme, measure = _programme_of(cell, programmes, problem)
            level, code, area_name = _area_of(cell, region, regions, measure, programme, problem)
            period = _period_of(cell, today, problem)
            value, status, denominator = _values_of(cell, measure, problem) if measure else (None, None, None)
            if None not in (programme, measure, code, period):
                key = (code, period.code, programme.id, measure.id)
                if key in seen:
                    problem(
                        None,
                        None,
                        f"dubbele registratie: dezelfde gebied, periode, programma en maatregel als rij {seen[key]}",
                    )
                else:
                    seen[key] = row_number
        problems += [Problem(where, row_number, column, value, message) for column, value, message in found]
        if found:
            continue
        records.append(
            {
                "area_level": level,
                "area_code": code,
                "area_name": area_name,
                "period": period.code,
                "year": period.start_year,
                "programme": programme.id,
                "measure": measure.id,
                "unit": measure.unit,
                "value": value,
                "status": status,
                "denominator": denominator,
                "remark": "" if _is_empty(cell.get("Opmerking")) else str(cell.get("Opmerking")).strip(),
                "row": row_number,
            }
        )
    return pd.DataFrame.from_records(records, columns=TIDY), problems


def _header_problems(where: str, header: list) -> list[Problem]:
    """A file that is not the template, or a template with a required column missing or renamed."""
    if len(set(REQUIRED) & set(header)) < 3:  # one or two shared names ('Periode') do not make a template
        return [
            Problem(
                where,
                1,
                None,
                ", ".join(h for h in header if h)[:120],
                f"de kolommen {', '.join(REQUIRED)} ontbreken grotendeels: dit is niet "
                "het registratiesjabloon (maak het met: trendbreuk template registrations)",
            )
        ]
    return [
        Problem(
            where,
            1,
            column,
            None,
            f"kolom '{column}' ontbreekt of is hernoemd; dichtstbijzijnd "
            f"in het bestand: {_closest(column, [h for h in header if h])}",
        )
        for column in REQUIRED
        if column not in header
    ]


def _programme_of(cell: dict, programmes: ProgrammeCatalogue, problem):
    """The row's programme and measure (None where unknown, with the problem said)."""
    programme = programmes.programme(str(cell["Programma"]))
    measure = programme.measure(str(cell["Maatregel"])) if programme else None
    if programme is None:
        titles = [p.title for p in programmes.programmes]
        problem(
            "Programma", cell["Programma"], f"onbekend programma; bedoelt u: {_closest(str(cell['Programma']), titles)}"
        )
    elif measure is None:
        problem(
            "Maatregel",
            cell["Maatregel"],
            f"onbekende maatregel voor {programme.title}; kies uit: {', '.join(m.title for m in programme.measures)}",
        )
    return programme, measure


def _area_of(cell: dict, region: Region, regions: RegionsConfig, measure, programme, problem):
    """(level, code, name) of the row's area, (None, None, None) when it is unknown or ambiguous; an area of another
    level than its measure's is a problem."""
    try:
        level, code, area_name = _resolve_area(str(cell["Gebied"]), region, regions)
    except AreaLookupError:
        options = [g.name for g in region.gemeenten] + [s.name for s in region.subregios] + [region.name]
        matches = [a for a in options if name_key(a).startswith(name_key(str(cell["Gebied"])))]
        if len(matches) > 1:
            problem(
                "Gebied", cell["Gebied"], f"dubbelzinnig gebied: past bij {', '.join(matches)}; schrijf de naam voluit"
            )
        else:
            problem(
                "Gebied",
                cell["Gebied"],
                f"onbekend gebied in {region.name}; dichtstbijzijnd: {_closest(str(cell['Gebied']), options)}",
            )
        return None, None, None
    if measure is not None and level != measure.level:
        problem(
            "Gebied",
            cell["Gebied"],
            f"{measure.title} ({programme.title}) wordt per {measure.level} geregistreerd, niet per {level}",
        )
    return level, code, area_name


def _period_of(cell: dict, today: date, problem):
    """The row's period: a year or a quarter, not in the future (None when unreadable)."""
    try:
        period = parse_period(cell["Periode"])
    except PeriodError:
        problem("Periode", cell["Periode"], "onleesbare periode; vul een jaar (2024) of een kwartaal (2024-K2) in")
        return None
    if period.frequency not in ("jaar", "kwartaal"):
        problem("Periode", cell["Periode"], "vul een jaar (2024) of een kwartaal (2024-K2) in")
    elif period.start > today:
        problem("Periode", cell["Periode"], f"periode ligt in de toekomst (vandaag is {today:%d-%m-%Y})")
    return period


def _values_of(cell: dict, measure, problem):
    """(value, status, denominator) of the row as its measure's unit wants them: a status from its list, or a whole
    count of 0 or more, with a denominator at least as large where the measure has one (and none where it has not)."""
    value = status = denominator = None
    if measure.unit == "status":
        status = {name_key(v): v for v in measure.values}.get(name_key(str(cell["Waarde"])))
        if status is None:
            problem("Waarde", cell["Waarde"], f"ongeldige status; kies uit: {', '.join(measure.values)}")
    else:
        value = _as_number(cell["Waarde"])
        if value is None:
            problem("Waarde", cell["Waarde"], "geen getal; vul een aantal in (0 of meer)")
        elif value < 0:
            problem("Waarde", cell["Waarde"], "een aantal kan niet negatief zijn")
        elif value != int(value):
            problem("Waarde", cell["Waarde"], "een aantal moet een geheel getal zijn")
    if measure.unit != "count_with_denominator":
        if not _is_empty(cell.get("Noemer")):
            problem("Noemer", cell["Noemer"], f"{measure.title} heeft geen noemer; laat dit veld leeg")
        return value, status, denominator
    if _is_empty(cell.get("Noemer")):
        problem("Noemer", None, f"vul bij {measure.title} ook de noemer in (bijvoorbeeld het aantal scholen)")
        return value, status, denominator
    denominator = _as_number(cell["Noemer"])
    if denominator is None or denominator < 0 or denominator != int(denominator):
        problem("Noemer", cell["Noemer"], "de noemer moet een geheel getal van 0 of meer zijn")
    elif value is not None and value >= 0 and denominator < value:
        problem("Noemer", cell["Noemer"], f"de noemer ({int(denominator)}) is kleiner dan de waarde ({int(value)})")
    return value, status, denominator


def read_registrations(
    path: Path,
    regions: RegionsConfig,
    programmes: ProgrammeCatalogue,
    region_key: str | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """The tidy registrations, or RegistrationsError listing every problem."""
    rows, problems = check_registrations(path, regions, programmes, region_key, today)
    if problems:
        raise RegistrationsError(Path(path), problems)
    return rows


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows per programme and year, for the message after a successful check."""
    return rows.groupby(["programme", "year"]).size().unstack(fill_value=0)
