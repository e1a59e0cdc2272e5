"""What the workbook's questions return: a table (Result, a pandas DataFrame that says what it holds, with Dutch
column names when asked), the catalogue of indicators (Catalogue) and every table of a build (wb.all); and the
message for a name that is not found, with the closest names."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pandas as pd
from markupsafe import Markup

from trendbreuk.geography.areas import name_key
from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.processed import SMALL_AREA_TABLES, WHOLE_TABLES, Processed

DUTCH = {
    "area_code": "gebiedscode",
    "area_name": "gebied",
    "area_level": "niveau",
    "indicator": "indicator",
    "title": "titel",
    "period": "periode",
    "year_start": "van",
    "year_end": "tot",
    "value": "waarde",
    "lower_ci": "marge_van",
    "upper_ci": "marge_tot",
    "unit": "eenheid",
    "gap": "achterstand",
    "gap_lower": "achterstand_van",
    "gap_upper": "achterstand_tot",
    "target_gap": "doelpad",
    "share_closed": "deel_ingelopen",
    "target_share_closed": "deel_volgens_doelpad",
    "rank": "plaats",
    "comparison": "stand_nu",
    "verdict_label": "oordeel_2030",
    "verdict_reason": "waarop",
    "benchmark": "vergelijking",
    "benchmark_value": "waarde_vergelijking",
    "latest_period": "laatste_periode",
    "baseline_gap": "achterstand_start",
    "latest_gap": "achterstand_nu",
    "gemeente_code": "gemeentecode",
    "variant": "definitie",
    "label": "naam",
}


class Result(pd.DataFrame):
    """A table that says what it holds: in Jupyter a sentence above the table, in a terminal a first line."""

    _metadata = ["description"]

    @property
    def _constructor(self):
        return Result

    def _repr_html_(self):
        # numbers to two decimals on screen (the table itself keeps every digit)
        table = pd.DataFrame(self).round(2)._repr_html_() or ""

        return str(Markup("<p><strong>{}</strong></p>{}").format(getattr(self, "description", "") or "", Markup(table)))

    def __repr__(self) -> str:
        return f"{getattr(self, 'description', '')}\n{super().__repr__()}"


def as_result(frame: pd.DataFrame, description: str, *, dutch: bool, polars: bool):
    frame = frame.reset_index(drop=True)
    if dutch:
        frame = frame.rename(columns={k: v for k, v in DUTCH.items() if k in frame.columns})
    if polars:
        import polars as pl

        return pl.from_pandas(frame)
    out = Result(frame)
    out.description = description
    return out


class NotFound(LookupError):
    """An indicator or area name the workbook does not know; the message names the closest ones."""


def closest_name(wanted: str, names: list[str]) -> str:
    close = (
        difflib.get_close_matches(wanted, names, n=5, cutoff=0.5)
        or [n for n in names if name_key(wanted) in name_key(n)][:5]
    )
    return f"; bedoelt u: {', '.join(close)}?" if close else ""


@dataclass
class Catalogue:
    """The indicator catalogue as a table: id, title, life phase, unit, source, whether it is in the target basket
    (`in_doelmand`) and, for a second definition, which indicator it is a variant of. `find("bijstand")` searches ids,
    titles and definitions; `wb.indicators["bijstand"]` is one Indicator."""

    indicators: dict[str, Indicator]

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "id": i.id,
                    "titel": i.title,
                    "levensfase": i.life_phase,
                    "eenheid": i.unit,
                    "bron": i.source.get("provider", ""),
                    "in_doelmand": i.target_basket,
                    "variant_van": getattr(i, "variant_of", None) or "",
                    "hoger_is_beter": i.higher_is_better,
                }
                for i in self.indicators.values()
            ]
        )

    @property
    def basket(self) -> pd.DataFrame:
        """The indicators of the Trendbreuk target (one definition each: variants are not counted twice)."""
        table = self.table
        return table[table["in_doelmand"]].reset_index(drop=True)

    def find(self, text: str) -> pd.DataFrame:
        """Indicators whose id, title or definition contains `text` (any letter case)."""
        key = text.lower()
        ids = [
            i.id
            for i in self.indicators.values()
            if key in i.id.lower() or key in i.title.lower() or key in (i.definition or "").lower()
        ]
        table = self.table
        return table[table["id"].isin(ids)].reset_index(drop=True)

    def __getitem__(self, name: str) -> Indicator:
        return self.indicators[self.resolve(name)]

    def resolve(self, name: str) -> str:
        """The id of the indicator named by id or title (any letter case)."""
        if name in self.indicators:
            return name
        for indicator in self.indicators.values():
            if name_key(name) in (name_key(indicator.id), name_key(indicator.title)):
                return indicator.id
        titles = [i.id for i in self.indicators.values()] + [i.title for i in self.indicators.values()]
        raise NotFound(f"onbekende indicator '{name}'{closest_name(name, titles)} (wb.indicators.find('...') zoekt)")

    def __len__(self) -> int:
        return len(self.indicators)

    def _repr_html_(self) -> str:
        return self.table._repr_html_()

    def __repr__(self) -> str:
        return f"{len(self)} indicatoren ({int(self.table['in_doelmand'].sum())} in de doelmand)\n{self.table!r}"


TERMS_DUTCH = {
    "level": "niveau bij de start (volgens het verloop ervoor)",
    "slope": "helling vóór de start (per jaar)",
    "level_change": "sprong bij de start",
    "slope_change": "verandering van de helling (per jaar)",
}


class AllTables:
    """Every region's rows: wb.all.indicator_values, wb.all.gaps, ... (the tables as the build wrote them)."""

    def __init__(self, processed: Processed):
        self._processed = processed

    def __getattr__(self, name: str):
        if name in WHOLE_TABLES:
            return getattr(self._processed, name)
        if name in SMALL_AREA_TABLES:
            return self._processed.small_areas(name)
        raise AttributeError(f"no table {name}; tables: {', '.join(WHOLE_TABLES + SMALL_AREA_TABLES)}")

    def __dir__(self):
        return list(WHOLE_TABLES + SMALL_AREA_TABLES)
