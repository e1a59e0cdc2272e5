"""Gemeente mergers (herindelingen) and boundary corrections, parsed from CBS's own code lists, and the
harmonisation of a series to one year's indeling.

CBS writes the history of every region code in the Description of its RegioS code list (OData v4
`RegioSCodes`), for example for GM1954:

    Ontstaan per 01-01-2019, ontvangen van:
    - Nuth (GM0951),
    ... 3310 hectare met 7018 woningen en 15187 inwoners
    ...

`read_lineage` turns those texts into a table of transfers: one row per (from_code -> to_code, date) with the
inhabitants that moved and whether the from_code ceased to exist ('opgeheven') or only lost a part
('grenswijziging'). Nothing about particular gemeenten is typed by hand.

A change "per 01-01-Y" applies to data of year Y and later: data of year Y is already reported under the new
codes (as in CBS's population on 1 January).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from trendbreuk import io

HEADER = re.compile(
    r"^(?P<event>Opgeheven|Ontstaan|Gemeentelijke herindeling|Grenswijziging|Wijziging|Naamswijziging|"
    r"Provinciale wijziging) per (?P<date>\d{2}-\d{2}-\d{4})(?P<rest>.*)$"
)
ITEM = re.compile(r"^- (?P<name>.+?) \((?P<code>GM\d{4})\),?\s*$")
SIZE = re.compile(r"^\.\.\. (?P<ha>\d+) hectare met (?P<won>\d+) woning(?:en)? en (?P<inw>\d+) inwoner(?:s)?")
LINEAGE_COLUMNS = [
    "from_code",
    "from_name",
    "to_code",
    "to_name",
    "date",
    "year",
    "kind",
    "inwoners",
    "woningen",
    "hectare",
    "share",
]


class LineageError(ValueError):
    """A code list that cannot be parsed into a lineage table; the message names the file and code."""


def _parse_date(text: str) -> date:
    return datetime.strptime(text, "%d-%m-%Y").date()


def _effective_year(day: date) -> int:
    """The first data year reported in the new indeling (a change on 1 January counts for that year)."""
    return day.year if (day.month, day.day) == (1, 1) else day.year + 1


def _transfers_of(code: str, name: str, description: str) -> tuple[list[dict], set[date]]:
    """Transfers described in one code's history, and the dates on which this code was dissolved."""
    transfers: list[dict] = []
    dissolved: set[date] = set()
    event = direction = None
    when: date | None = None
    pending: dict | None = None
    for line in description.replace("\r\n", "\n").split("\n"):
        line = line.strip()
        header = HEADER.match(line)
        if header:
            event, when = header["event"], _parse_date(header["date"])
            rest = header["rest"]
            direction = (
                "out" if "overgegaan naar" in rest else "in" if ("ontvangen van" in rest or "uit:" in rest) else None
            )
            if event == "Opgeheven":
                dissolved.add(when)
            pending = None
            continue
        item = ITEM.match(line)
        if item and direction and event not in ("Naamswijziging", "Provinciale wijziging"):
            other_code, other_name = item["code"], item["name"].strip()
            if other_code == code:  # 'Gemeentelijke herindeling ... ontvangen van' lists the gemeente itself
                pending = None
                continue
            if direction == "out":
                pending = {"from_code": code, "from_name": name, "to_code": other_code, "to_name": other_name}
            else:
                pending = {"from_code": other_code, "from_name": other_name, "to_code": code, "to_name": name}
            pending.update(date=when, event=event)
            transfers.append(pending)
            continue
        size = SIZE.match(line)
        if size and pending is not None:
            pending.update(hectare=int(size["ha"]), woningen=int(size["won"]), inwoners=int(size["inw"]))
            pending = None
    return transfers, dissolved


def parse_lineage(codes: list[dict], source: str = "") -> pd.DataFrame:
    """Lineage table from the records of a CBS v4 RegioSCodes list (Identifier, Title, Description)."""
    transfers: list[dict] = []
    dissolved: dict[str, set[date]] = {}
    for record in codes:
        code = str(record.get("Identifier", "")).strip()
        if not code.startswith("GM"):
            continue
        found, gone = _transfers_of(code, str(record.get("Title", "")).strip(), str(record.get("Description") or ""))
        transfers.extend(found)
        if gone:
            dissolved[code] = gone
    # Only a code's own 'Opgeheven per ...' marks it as dissolved: a new gemeente's 'Ontstaan ..., ontvangen
    # van' also lists gemeenten that only gave up a part (De Ronde Venen 1989 took a part of Abcoude).
    if not transfers:
        raise LineageError(f"{source or 'code list'}: no gemeente transfers found; is this a CBS RegioS code list?")
    frame = pd.DataFrame(transfers)
    for column in ("inwoners", "woningen", "hectare"):
        if column not in frame:
            frame[column] = np.nan
    frame = frame.drop_duplicates(["from_code", "to_code", "date"]).copy()
    frame["kind"] = [
        "opgeheven" if d in dissolved.get(f, set()) else "grenswijziging"
        for f, d in zip(frame["from_code"], frame["date"])
    ]
    frame["year"] = frame["date"].map(_effective_year)
    # Share of a dissolved gemeente that went to each successor (by inhabitants; 1.0 for a plain merger).
    totals = frame[frame["kind"] == "opgeheven"].groupby(["from_code", "date"])["inwoners"].transform("sum")
    frame["share"] = np.nan
    opgeheven = frame["kind"] == "opgeheven"
    counts = frame[opgeheven].groupby(["from_code", "date"])["to_code"].transform("count")
    frame.loc[opgeheven, "share"] = np.where(counts == 1, 1.0, frame.loc[opgeheven, "inwoners"] / totals)
    frame = frame[LINEAGE_COLUMNS].sort_values(["date", "from_code", "to_code"], ignore_index=True)
    frame.attrs["source"] = source
    return frame


def _code_list(path: Path) -> list:
    """The records of a CBS v4 `RegioSCodes` response; LineageError names the file when it is not one."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise LineageError(f"{path}: cannot read the CBS code list ({err})") from err
    records = payload.get("value") if isinstance(payload, dict) else None
    if not isinstance(records, list):
        raise LineageError(f"{path}: not an OData code list (no 'value' list)")
    return records


def read_lineage(path: Path) -> pd.DataFrame:
    """Read a CBS v4 `RegioSCodes` response (JSON) into the lineage table, with its provenance in .attrs."""
    path = Path(path)
    records = _code_list(path)
    frame = parse_lineage(records, source=str(path))
    frame.attrs.update(source=str(path), sha256=io.sha256_file(path))
    return frame


def read_dissolved_v3(path: Path) -> pd.DataFrame:
    """Dissolved gemeenten from a CBS OData v3 RegioS table (CSV download): code, name, dissolution date."""
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for record in csv.DictReader(handle):
            code = record["Key"].strip()
            match = re.search(r"Opgeheven per (\d{2}-\d{2}-\d{4})", record.get("Description") or "")
            if code.startswith("GM") and match:
                rows.append({"code": code, "name": record["Title"].strip(), "date": _parse_date(match[1])})
    return pd.DataFrame(rows, columns=["code", "name", "date"])


class _LineageIndex:
    """The lineage table as dictionaries by code, for fast look-ups while harmonising many rows."""

    def __init__(self, lineage: pd.DataFrame):
        self.dissolved: dict[str, list[tuple[int, str, float]]] = {}
        self.boundary: dict[str, list[tuple[int, str]]] = {}
        for row in lineage.itertuples():
            if row.kind == "opgeheven":
                self.dissolved.setdefault(row.from_code, []).append((int(row.year), row.to_code, float(row.share)))
            elif pd.notna(row.inwoners) and row.inwoners > 0:
                note = f"{int(row.inwoners)} inwoners van {row.from_name} naar {row.to_name} per {row.date:%d-%m-%Y}"
                for code in (row.from_code, row.to_code):
                    self.boundary.setdefault(code, []).append((int(row.year), note))

    def successors(self, code: str, data_year: int, target_year: int) -> list[tuple[str, float]]:
        if target_year < data_year:
            raise ValueError(f"cannot harmonise {data_year} data back to the {target_year} indeling")
        result: list[tuple[str, float]] = []
        frontier = [(code, data_year, 1.0)]
        while frontier:
            current, since, weight = frontier.pop()
            later = [t for t in self.dissolved.get(current, []) if since < t[0] <= target_year]
            if not later:
                result.append((current, weight))
                continue
            first = min(t[0] for t in later)
            frontier.extend((to, year, weight * share) for year, to, share in later if year == first)
        return sorted(result)

    def boundary_notes(self, code: str, data_year: int, target_year: int) -> list[str]:
        return [note for year, note in self.boundary.get(code, []) if data_year < year <= target_year]


def successors(lineage: pd.DataFrame, code: str, data_year: int, target_year: int) -> list[tuple[str, float]]:
    """Where a gemeente code of `data_year` ends up in the indeling of `target_year`: [(code, share), ...]."""
    return _LineageIndex(lineage).successors(code, data_year, target_year)


def harmonise(
    frame: pd.DataFrame,
    lineage: pd.DataFrame,
    target_year: int,
    *,
    count_columns: list[str],
    rate_columns: list[str] = (),
    code_column: str = "area_code",
    year_column: str = "year",
    keys: list[str] = (),
) -> pd.DataFrame:
    """Express a series in the gemeente indeling of `target_year`.

    - Counts (`count_columns`, e.g. numerator and denominator) of predecessors are summed into their successor.
      A gemeente split over several successors is divided by the inhabitants that moved (flagged: 'benadering').
    - Rates (`rate_columns`) cannot be summed: for a merged gemeente they become missing and are flagged, so the
      caller recomputes them from the harmonised counts.
    - A gemeente whose boundary moved with inhabitants between the data year and the target year keeps its
      value and is flagged ('grenswijziging').
    - Rows that are not gemeenten (NL01, PV31, ...) pass through unchanged.
    Returns the harmonised rows with columns `indeling` (the target year) and `harmonisation_flag`.
    """
    keys = list(keys)
    is_gemeente = frame[code_column].astype(str).str.startswith("GM")
    others = frame[~is_gemeente].copy()
    index = _LineageIndex(lineage)
    # The lineage is looked up once per gemeente and year, not once per row (a national table has ~100,000 rows).
    source = frame[is_gemeente].copy()
    source["_code"] = source[code_column].astype(str).str.strip()
    source["_year"] = source[year_column].astype(int)
    mapping = []
    for code, year in source[["_code", "_year"]].drop_duplicates().itertuples(index=False):
        targets = index.successors(code, year, target_year)
        flags = []
        if len(targets) > 1:
            flags.append("gesplitst: verdeeld naar inwoners (benadering)")
        notes = index.boundary_notes(code, year, target_year)
        if notes:
            flags.append("grenswijziging: " + "; ".join(notes))
        mapping += [(code, year, target, share, "; ".join(flags)) for target, share in targets]
    if source.empty or not mapping:
        return others.assign(indeling=target_year, harmonisation_flag="")
    mapping = pd.DataFrame(mapping, columns=["_code", "_year", "_target", "_share", "harmonisation_flag"])
    gemeenten = source.merge(mapping, on=["_code", "_year"], how="inner", sort=False)
    gemeenten["_merged"] = gemeenten["_target"] != gemeenten[code_column]
    gemeenten[code_column] = gemeenten["_target"]
    for column in count_columns:
        split = gemeenten["_share"] != 1.0
        if split.any():
            gemeenten[column] = gemeenten[column].astype(float)
            gemeenten.loc[split, column] = gemeenten.loc[split, column] * gemeenten.loc[split, "_share"]
    gemeenten = gemeenten.drop(columns=["_code", "_year", "_target", "_share"])
    group = keys + [code_column, year_column]
    # A sum is missing when any of its parts is (sum with min_count = number of parts), written without lambdas
    aggregations = {c: (c, "sum") for c in count_columns}
    aggregations.update({f"_count_{c}": (c, "count") for c in count_columns})
    aggregations.update({c: (c, "first") for c in rate_columns})
    aggregations["_merged"] = ("_merged", "any")
    aggregations["_parts"] = (code_column, "size")
    summed = gemeenten.groupby(group, as_index=False, dropna=False).agg(**aggregations)
    for column in count_columns:
        incomplete = summed[f"_count_{column}"] < summed["_parts"]
        if incomplete.any():
            summed[column] = summed[column].astype(float)
            summed.loc[incomplete, column] = np.nan
    summed = summed.drop(columns=[f"_count_{c}" for c in count_columns])
    flagged = gemeenten[gemeenten["harmonisation_flag"] != ""]
    summed["harmonisation_flag"] = ""
    if not flagged.empty:
        joined = flagged.groupby(group, dropna=False)["harmonisation_flag"].agg(lambda s: "; ".join(sorted(set(s))))
        position = pd.MultiIndex.from_frame(summed[group])
        summed["harmonisation_flag"] = joined.reindex(position).fillna("").to_numpy()
    merged = summed["_merged"] | (summed["_parts"] > 1)
    for column in rate_columns:
        lost = merged & summed[column].notna()
        summed.loc[merged, column] = np.nan
        summed.loc[lost, "harmonisation_flag"] = summed.loc[lost, "harmonisation_flag"].map(
            lambda f: "; ".join(x for x in (f, f"samengevoegd: {column} opnieuw berekenen uit aantallen") if x)
        )
    summed = summed.drop(columns=["_merged", "_parts"])
    others["harmonisation_flag"] = ""
    result = pd.concat([summed, others], ignore_index=True)
    result["indeling"] = target_year
    return result


@dataclass(frozen=True)
class GemeenteRegister:
    """Every gemeente code CBS knows (current and dissolved), with its name, from a CBS RegioS code list: to tell a
    real gemeente outside the configured regions from a code or name that does not exist."""

    names: dict[str, str]  # code -> CBS title ('Beek (L.)')
    dissolved: frozenset[str]  # codes that were dissolved (their data are harmonised to successors)
    source: str = ""

    def by_name(self, name: str) -> list[str]:
        """Codes whose name matches: exactly, else ignoring case, accents, official variants and a qualifier in
        brackets ('Groningen' for 'Groningen (gemeente)'). Current gemeenten win over dissolved ones. More than one
        code means the name is ambiguous ('Bergen': Bergen (L.) and Bergen (NH.))."""
        from trendbreuk.geography.areas import name_key

        text = str(name).strip()

        def preferred(codes: list[str]) -> list[str]:
            current = [c for c in codes if c not in self.dissolved]
            return current or codes

        exact = preferred([c for c, n in self.names.items() if n == text])
        if len(exact) == 1:
            return exact
        loose = {c for c, n in self.names.items() if name_key(n) == name_key(text) or _bare(n) == _bare(text)}
        return sorted(preferred(sorted(loose)))


def _bare(name: str) -> str:
    from trendbreuk.geography.areas import name_key

    return name_key(re.sub(r"\s*\([^)]*\)", "", str(name)))


def read_register(path: Path) -> GemeenteRegister:
    """The gemeente register from a CBS v4 `RegioSCodes` response (the same file read_lineage reads)."""
    path = Path(path)
    records = _code_list(path)
    names, dissolved = {}, set()
    for record in records:
        code = str(record.get("Identifier", "")).strip()
        if code.startswith("GM"):
            names[code] = str(record.get("Title", "")).strip()
            if "Opgeheven per" in str(record.get("Description") or ""):
                dissolved.add(code)
    return GemeenteRegister(names, frozenset(dissolved), str(path))
