"""Wijken and buurten for the demo data set: made-up areas below every demo gemeente, in the real tables' shape.

Every gemeente gets wijken (WK + its 4 digits + 2) and every wijk buurten (BU + 8 digits), with generated names
("Heerlen-Noord", "Heerlen-Noord B"); the wijken and buurten that config/regions.yaml's focus areas name always
exist. A gemeente's counts of a year are split over its wijken, and a wijk's over its buurten (multinomial, by
population share, with an area effect for the indicators' numerators), so that they add up before rounding. Then,
as CBS does for small areas: counts of persons with an uitkering (and other counts) rounded to tens, inhabitants
and age bands to fives, the smallest areas' figures left out, and the flag IndelingswijzigingWijkenEnBuurten (1 the
same area as the year before, 2 changed) with a few boundary changes. The numbers are drawn from a random stream of
their own, so the gemeenten's demo figures are the same with or without wijken.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trendbreuk.geography.areas import RegionsConfig, gemeente_of, level_of

PARTS = (
    "Centrum",
    "Noord",
    "Zuid",
    "Oost",
    "West",
    "Heide",
    "Veld",
    "Berg",
    "Broek",
    "Hof",
    "Kamp",
    "Dal",
    "Hoven",
    "Rade",
    "Beek",
    "Molen",
    "Bos",
    "Weide",
    "Park",
    "Akker",
    "Hoek",
    "Kerk",
    "Haven",
    "Laan",
    "Hei",
    "Gracht",
)
POPULATION_COLUMNS_ROUNDED_TO = 5  # inhabitants, age bands and births
OTHER_COUNTS_ROUNDED_TO = 10  # persons with an uitkering, per onderwijsniveau, ...
ROUNDED_TO_FIVE = ("JongerenMetJeugdzorg",)  # youth care: counts to fives (CBS's jeugdzorg per wijk tables)
SMALLEST_PUBLISHED = 100  # inhabitants below which CBS leaves the other figures out (the demo's rule)
CHANGES_PER_YEAR = 0.03  # share of wijken whose boundary changes in a year
FLAG = "IndelingswijzigingWijkenEnBuurten"


def _round_to(values: np.ndarray, unit: int) -> np.ndarray:
    """Rounded to the nearest multiple of `unit`, halves upward (as CBS publishes)."""
    return (np.floor(np.asarray(values, float) / unit + 0.5) * unit).astype(int)


class SmallAreaWorld:
    """The wijken and buurten of a set of gemeenten, and their figures made from the gemeenten's."""

    def __init__(self, names: dict[str, str], population: dict[str, int], regions: RegionsConfig, seed: int):
        self.rng = np.random.default_rng(seed + 7)
        required: dict[str, set[str]] = {}
        for region in regions.regions.values():
            for area in region.focus_areas:
                for code in area.codes:
                    required.setdefault(gemeente_of(code), set()).add(code)
        self.names: dict[str, str] = {}
        self.share: dict[str, float] = {}  # an area's share of its parent's population
        self.children: dict[str, list[str]] = {}  # gemeente -> wijken, wijk -> buurten
        self.focus_members = {c for codes in required.values() for c in codes}
        for code in sorted(population):
            digits, name = code[2:], names.get(code, code)
            need = required.get(code, set())
            wijk_numbers = {int(c[6:8]) for c in need}
            count = max(int(np.clip(round(population[code] / 5000), 2, 25)), max(wijk_numbers, default=-1) + 1)
            wijken = [f"WK{digits}{n:02d}" for n in range(count)]
            self.children[code] = wijken
            for n, (wijk, part, share) in enumerate(
                zip(wijken, np.resize(PARTS, count), self.rng.dirichlet(np.full(count, 4.0)))
            ):
                self.names[wijk] = f"{name}-{part}" + (f" {n // len(PARTS) + 1}" if n >= len(PARTS) else "")
                self.share[wijk] = float(share)
                buurt_numbers = {int(c[8:10]) for c in need if c.startswith("BU" + wijk[2:])}
                size = max(int(self.rng.integers(2, 7)), max(buurt_numbers, default=-1) + 1)
                buurten = [f"BU{wijk[2:]}{b:02d}" for b in range(size)]
                self.children[wijk] = buurten
                for b, (buurt, part_share) in enumerate(zip(buurten, self.rng.dirichlet(np.full(size, 3.0)))):
                    self.names[buurt] = f"{self.names[wijk]} {chr(ord('A') + b % 26)}"
                    self.share[buurt] = float(part_share)
        self.effects: dict[tuple[str, str], float] = {}

    def title(self, code: str) -> str:
        """The code list's title, as CBS writes it: 'Wijk 10 Heerlen-Noord' for a wijk, the name for a buurt."""
        return f"Wijk {code[6:8]} {self.names[code]}" if level_of(code) == "wijk" else self.names[code]

    def _effect(self, column: str, code: str) -> float:
        key = (column, code)
        if key not in self.effects:
            self.effects[key] = float(self.rng.normal(0, 0.35))
        return self.effects[key]

    def _split(self, total: int, areas: list[str], column: str, weighted: bool) -> np.ndarray:
        weights = np.array([self.share[a] * (np.exp(self._effect(column, a)) if weighted else 1.0) for a in areas])
        return self.rng.multinomial(max(int(total), 0), weights / weights.sum())

    def rows(
        self, frame: pd.DataFrame, count_columns: list[str], numerators: set[str], population_columns: set[str]
    ) -> pd.DataFrame:
        """Wijk and buurt rows for every gemeente row of `frame` (area_code, year and the count columns): split,
        rounded, the smallest left out, and the indeling flag."""
        out = []
        first_year: dict[str, int] = frame.groupby("area_code")["year"].min().to_dict()
        for record in (
            frame[frame["area_code"].str.startswith("GM")].sort_values(["area_code", "year"]).to_dict("records")
        ):
            code, year = record["area_code"], int(record["year"])
            if code not in self.children:
                continue
            wijken = self.children[code]
            values = {
                c: self._split(record[c], wijken, c, c in numerators) for c in count_columns if pd.notna(record.get(c))
            }
            new_gemeente = year == first_year[code] > min(first_year.values())  # Beekdaelen in 2019: new wijken
            for i, wijk in enumerate(wijken):
                changed = (
                    year > first_year[code] and wijk not in self.focus_members and self.rng.random() < CHANGES_PER_YEAR
                )
                flag = "2" if changed or new_gemeente else "1"
                wijk_values = {c: int(v[i]) for c, v in values.items()}
                out.append({"area_code": wijk, "year": year, FLAG: flag, **wijk_values})
                buurten = self.children[wijk]
                split = {c: self._split(v, buurten, c, c in numerators) for c, v in wijk_values.items()}
                for j, buurt in enumerate(buurten):
                    out.append(
                        {"area_code": buurt, "year": year, FLAG: flag, **{c: int(v[j]) for c, v in split.items()}}
                    )
        rows = pd.DataFrame(out)
        if rows.empty:
            return rows
        for column in count_columns:
            if column not in rows.columns:
                continue
            unit = (
                POPULATION_COLUMNS_ROUNDED_TO
                if column in population_columns or column.startswith(ROUNDED_TO_FIVE)
                else OTHER_COUNTS_ROUNDED_TO
            )
            present = rows[column].notna()
            rows[column] = rows[column].astype("Float64")
            rows.loc[present, column] = _round_to(rows.loc[present, column].to_numpy(float), unit)
        if "AantalInwoners" in rows.columns:
            small = rows["AantalInwoners"] < SMALLEST_PUBLISHED
            hidden = [c for c in count_columns if c in rows.columns and c not in population_columns]
            rows.loc[small, hidden] = pd.NA
        return rows


def survey_rows(estimates: pd.DataFrame, world: SmallAreaWorld) -> pd.DataFrame:
    """Model-based estimates for every wijk from its gemeente's (area_code, year, value, lower, upper): the value
    moved by an area effect, the margins about twice as wide, as small-area estimates are."""
    out = []
    for record in estimates[estimates["area_code"].str.startswith("GM")].to_dict("records"):
        for wijk in world.children.get(record["area_code"], []):
            shift = 4.0 * world._effect("survey", wijk)
            value = float(np.clip(record["value"] + shift, 0.5, 99.5))
            half = 2.2 * (record["upper"] - record["lower"]) / 2
            out.append(
                {
                    "area_code": wijk,
                    "year": record["year"],
                    "value": value,
                    "lower": max(0.0, value - half),
                    "upper": min(100.0, value + half),
                }
            )
    return pd.DataFrame(out)
