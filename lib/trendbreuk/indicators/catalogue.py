"""The indicator catalogue (config/indicators.yaml), loaded into checked Indicator records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from trendbreuk import io, paths

POLARITIES = ("lower_is_better", "higher_is_better")
STATISTICS = {"proportion": ("wilson",), "rate": ("byar",), "survey": ("source",)}
LIFE_PHASES = ("Kansrijke Start", "Peutertijd", "Basisschool", "Voortgezet onderwijs", "Werk en ouderschap",
               "Fase-overstijgend")
REQUIRED = ("id", "title", "unit", "polarity", "life_phase", "statistic", "ci_method", "source")
# The areas an indicator can have figures for, from large to small: the lowest level its source publishes.
AREA_LEVELS = ("gemeente", "wijk", "buurt")


class CatalogueError(ValueError):
    """config/indicators.yaml is malformed; the message names the indicator and field."""


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    unit: str
    polarity: str
    life_phase: str
    statistic: str
    ci_method: str
    source: dict
    short_title: str = ""
    definition: str = ""
    theme: str = ""
    numerator: str = ""
    denominator: str = ""
    multiplier: float = 100.0
    decimals: int = 1
    pool_years: int = 1
    survey_interval: int | None = None
    period_type: str = ""
    publication_lag: int = 1
    min_count: int = 0
    target_basket: bool = False
    baseline_year: int | None = None
    cbs_reference: dict | None = None
    verified: str = ""
    note: str = ""
    lowest_level: str = "gemeente"   # gemeente, wijk or buurt: the smallest areas the source publishes it for
    rounding: dict | None = None     # {numerator: 10, denominator: 5}: the unit CBS rounds each published count to
    extra: dict = field(default_factory=dict, compare=False)

    def has_level(self, level: str) -> bool:
        """Whether the source publishes this indicator for areas of `level` (gemeente, wijk or buurt); the
        workbook never makes a wijk figure out of a gemeente figure."""
        return AREA_LEVELS.index(level) <= AREA_LEVELS.index(self.lowest_level)

    @property
    def step_years(self) -> int:
        """Years between consecutive data points (pooled block, survey round or 1)."""
        return self.survey_interval or self.pool_years

    @property
    def higher_is_better(self) -> bool:
        return self.polarity == "higher_is_better"

    @property
    def orientation(self) -> int:
        """+1 when a higher value means a worse situation (so a positive gap means 'behind'), else -1."""
        return -1 if self.higher_is_better else 1


def per_indicator(indicators: dict[str, Indicator], ids, attribute: str) -> np.ndarray:
    """An indicator property (e.g. "orientation") for every row of a table, looked up by its indicator id."""
    return pd.Series(ids).map({k: getattr(i, attribute) for k, i in indicators.items()}).to_numpy()


def load_catalogue(path: Path | None = None) -> dict[str, Indicator]:
    path = Path(path) if path else paths.config_dir() / "indicators.yaml"
    try:
        raw = io.read_yaml(path)
    except FileNotFoundError as err:
        raise CatalogueError(f"{path} not found: the workbook needs its indicator catalogue") from err
    catalogue: dict[str, Indicator] = {}
    for position, entry in enumerate(raw.get("indicators") or [], start=1):
        name = entry.get("id", f"entry {position}")
        absent = [k for k in REQUIRED if entry.get(k) in (None, "")]
        if absent:
            raise CatalogueError(f"{path}: indicator '{name}' lacks {absent}")
        if name in catalogue:
            raise CatalogueError(f"{path}: indicator id '{name}' appears twice")
        if entry["polarity"] not in POLARITIES:
            raise CatalogueError(f"{path}: indicator '{name}': polarity '{entry['polarity']}' must be one of {POLARITIES}")
        methods = STATISTICS.get(entry["statistic"])
        if methods is None:
            raise CatalogueError(f"{path}: indicator '{name}': statistic '{entry['statistic']}' is not supported ({list(STATISTICS)})")
        if entry["ci_method"] not in methods:
            raise CatalogueError(f"{path}: indicator '{name}': ci_method '{entry['ci_method']}' does not fit {entry['statistic']} ({methods})")
        if entry["life_phase"] not in LIFE_PHASES:
            raise CatalogueError(f"{path}: indicator '{name}': life_phase '{entry['life_phase']}' is not one of {LIFE_PHASES}")
        pool = int(entry.get("pool_years", 1))
        if pool < 1:
            raise CatalogueError(f"{path}: indicator '{name}': pool_years must be 1 or more, not {pool}")
        if entry.get("lowest_level", "gemeente") not in AREA_LEVELS:
            raise CatalogueError(f"{path}: indicator '{name}': lowest_level '{entry['lowest_level']}' must be one of "
                                 f"{AREA_LEVELS}")
        rounding = entry.get("rounding")
        if rounding is not None and (not isinstance(rounding, dict) or set(rounding) - {"numerator", "denominator"}
                                     or not all(isinstance(v, (int, float)) and v > 0 for v in rounding.values())):
            raise CatalogueError(f"{path}: indicator '{name}': rounding must say per count the unit CBS rounds it to, "
                                 f"e.g. {{numerator: 10, denominator: 5}}; not {rounding!r}")
        known = {f for f in Indicator.__dataclass_fields__ if f != "extra"}
        catalogue[name] = Indicator(
            **{k: v for k, v in entry.items() if k in known},
            extra={k: v for k, v in entry.items() if k not in known},
        )
    if not catalogue:
        raise CatalogueError(f"{path}: no indicators")
    return catalogue
