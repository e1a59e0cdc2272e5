"""The indicator catalogue (config/indicators.yaml), loaded into checked Indicator records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from trendbreuk import io

POLARITIES = ("lower_is_better", "higher_is_better")
STATISTICS = {"proportion": ("wilson",), "rate": ("byar",), "survey": ("source",)}
LIFE_PHASES = (
    "Kansrijke Start",
    "Peutertijd",
    "Basisschool",
    "Voortgezet onderwijs",
    "Werk en ouderschap",
    "Fase-overstijgend",
)
REQUIRED = ("id", "title", "unit", "polarity", "life_phase", "statistic", "ci_method", "source")
# The areas an indicator can have figures for, from large to small: the lowest level its source publishes.
AREA_LEVELS = ("gemeente", "wijk", "buurt")
# Second definitions of an indicator beside the source's own (docs/methode.md, "Leeftijd"): the same events over the
# population that can have them (uitkeringen below AOW age), or the same estimate standardised for age.
VARIANT_KINDS = {
    "population_at_risk": "bevolking die het kan overkomen",
    "age_standardised": "gestandaardiseerd naar leeftijd",
}


class CatalogueError(ValueError):
    """config/indicators.yaml is malformed; the message names the indicator and field."""


@dataclass(frozen=True)
class Missing:
    """Why an indicator has no figures (short, for readers of a report) and what a researcher can do about it."""

    reason: str
    action: str = ""


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
    comparable_from: int | None = None  # the first year the series is comparable with later years (a method change
    #                                     before it): the trend-break analysis uses no earlier periods
    cbs_reference: dict | None = None
    verified: str = ""
    note: str = ""
    lowest_level: str = "gemeente"  # gemeente, wijk or buurt: the smallest areas the source publishes it for
    rounding: dict | None = None  # {numerator: 10, denominator: 5}: the unit CBS rounds each published count to
    #                                  (percentage: 0.1, the last digit of a published percentage a denominator is computed back from)
    # Versions: a variant names the indicator it is a version of, its kind (VARIANT_KINDS) and a label that says what
    # differs ("inwoners van 15 tot 65 jaar"); the indicator lists its variants and which version carries the 2030
    # verdict (judged_by, default itself: what the programme reports today).
    variant_of: str | None = None
    variant_kind: str = ""
    variant_label: str = ""
    variants: tuple[str, ...] = ()
    judged_by: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def has_level(self, level: str) -> bool:
        """Whether the source publishes this indicator for areas of `level` (gemeente, wijk or buurt); the
        workbook never makes a wijk figure out of a gemeente figure."""
        return AREA_LEVELS.index(level) <= AREA_LEVELS.index(self.lowest_level)

    @property
    def family(self) -> str:
        """The id of the indicator this is a version of (its own id for the source's own definition)."""
        return self.variant_of or self.id

    @property
    def judges(self) -> bool:
        """Whether this version carries the 2030 verdict (and is the one reports list)."""
        return bool(self.judged_by) and self.judged_by == self.id

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
    """An indicator property (e.g. "orientation") for every row of a table, looked up by its indicator id (NaN
    for an id that is not in `indicators`). Looked up once per distinct id: a national table has a million rows
    and a few dozen indicators."""
    codes, distinct = pd.factorize(pd.Series(ids), use_na_sentinel=False)
    found = pd.Series(distinct).map({k: getattr(i, attribute) for k, i in indicators.items()}).to_numpy()
    return found[codes]


def judging(catalogue: dict[str, Indicator]) -> list[Indicator]:
    """The version of every indicator that carries its verdict, in catalogue order: what reports list."""
    return [i for i in catalogue.values() if i.judges]


def versions(catalogue: dict[str, Indicator], indicator_id: str) -> list[Indicator]:
    """Every version of an indicator (the source's own definition first, then its variants)."""
    family = catalogue[catalogue[indicator_id].family]
    return [family, *(catalogue[v] for v in family.variants)]


def beside(catalogue: dict[str, Indicator], indicator_id: str) -> list[Indicator]:
    """The other versions of an indicator, shown beside the one that judges."""
    return [i for i in versions(catalogue, indicator_id) if i.id != indicator_id]


def _variants(entry: dict, path: Path) -> list[dict]:
    """The catalogue entries of an indicator's variants: the indicator's fields, with the variant's own on top (its
    `source` merged into the indicator's), and the indicator's place in the target basket only for the version
    that judges."""
    name = entry["id"]
    out = []
    for position, variant in enumerate(entry.get("variants") or [], start=1):
        if not isinstance(variant, dict) or not variant.get("id") or not variant.get("label"):
            raise CatalogueError(
                f"{path}: indicator '{name}', variant {position}: needs an id and a label (what differs)"
            )
        kind = variant.get("kind")
        if kind not in VARIANT_KINDS:
            raise CatalogueError(
                f"{path}: indicator '{name}', variant '{variant['id']}': kind '{kind}' must be one of "
                f"{list(VARIANT_KINDS)}"
            )
        own = {k: v for k, v in variant.items() if k not in ("kind", "label", "source", "id")}
        # A variant is for gemeenten and larger areas unless it says otherwise: the age comparison is made there,
        # and every wijk and buurt figure doubles the small-area work (national build 23 s -> 44 s with them).
        own.setdefault("lowest_level", "gemeente")
        merged = {
            **{k: v for k, v in entry.items() if k not in ("variants", "judged_by", "id")},
            **own,
            "id": variant["id"],
            "source": {**entry["source"], **(variant.get("source") or {})},
            "variant_of": name,
            "variant_kind": kind,
            "variant_label": variant["label"],
        }
        merged.setdefault("short_title", entry.get("short_title") or entry["title"])
        if kind == "age_standardised" and "definition" not in variant:
            merged["definition"] = (
                f"{entry.get('definition', '')} Gestandaardiseerd naar leeftijd: de schattingen per "
                "leeftijdsgroep gewogen met de leeftijdsopbouw van de standaardbevolking, alsof het "
                "gebied de leeftijdsopbouw van heel Nederland had (zie de methode)."
            ).strip()
        if "title" not in variant:
            merged["title"] = f"{entry['title']} ({variant['label']})"
        if "short_title" not in variant:
            merged["short_title"] = f"{merged['short_title']} ({variant['label']})"
        out.append(merged)
    return out


# The providers the build reads indicators from (build.INDICATOR_PROVIDERS: the CBS tables and the portal exports).
SOURCE_PROVIDERS = ("cbs", "perined", "wsjg", "gezondheidsmonitor")
# Fields that must be numbers: (field, whole number, smallest allowed)
NUMBER_FIELDS = (
    ("decimals", True, 0),
    ("multiplier", False, 0),
    ("pool_years", True, 1),
    ("publication_lag", True, 0),
    ("min_count", True, 0),
    ("survey_interval", True, 1),
    ("baseline_year", True, 1900),
)


def _check_numbers(entry: dict, path: Path, name: str) -> None:
    """A field that must be a number and is not ('decimals: een') is named with the file and indicator."""
    for key, whole, least in NUMBER_FIELDS:
        value = entry.get(key)
        if value is None:
            continue
        ok = isinstance(value, int) if whole else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok or value < least:
            kind = "a whole number" if whole else "a number"
            raise CatalogueError(f"{path}: indicator '{name}': {key} '{value}' should be {kind} of {least} or more")


def load_catalogue(path: Path) -> dict[str, Indicator]:
    """Read and check an indicator catalogue (config/indicators.yaml; trendbreuk.config decides which file)."""
    path = Path(path)
    try:
        raw = io.read_config(path, CatalogueError, "indicator catalogue")
    except FileNotFoundError as err:
        raise CatalogueError(f"{path} not found: the workbook needs its indicator catalogue") from err
    catalogue: dict[str, Indicator] = {}
    entries = []
    for position, entry in enumerate(raw.get("indicators") or [], start=1):
        if not isinstance(entry, dict):
            raise CatalogueError(
                f"{path}: indicator {position} should be a mapping (id: ..., title: ...), not {entry!r}"
            )
        name = entry.get("id", f"entry {position}")
        absent = [k for k in REQUIRED if entry.get(k) in (None, "")]
        if absent:
            raise CatalogueError(f"{path}: indicator '{name}' lacks {absent}")
        variants = _variants(entry, path)
        judge = entry.get("judged_by") or name
        if judge not in [name, *(v["id"] for v in variants)]:
            raise CatalogueError(
                f"{path}: indicator '{name}': judged_by '{judge}' is neither the indicator nor one of "
                f"its variants ({[v['id'] for v in variants]})"
            )
        family = {**entry, "variants": tuple(v["id"] for v in variants)}
        for version in (family, *variants):
            version["judged_by"] = judge
            if version["id"] != judge:
                version["target_basket"] = False
            entries.append(version)
    for entry in entries:
        name = entry["id"]
        if name in catalogue:
            raise CatalogueError(f"{path}: indicator id '{name}' appears twice")
        if entry["polarity"] not in POLARITIES:
            raise CatalogueError(
                f"{path}: indicator '{name}': polarity '{entry['polarity']}' must be one of {POLARITIES}"
            )
        methods = STATISTICS.get(entry["statistic"])
        if methods is None:
            raise CatalogueError(
                f"{path}: indicator '{name}': statistic '{entry['statistic']}' is not supported ({list(STATISTICS)})"
            )
        if entry["ci_method"] not in methods:
            raise CatalogueError(
                f"{path}: indicator '{name}': ci_method '{entry['ci_method']}' does not fit {entry['statistic']} ({methods})"
            )
        if entry["life_phase"] not in LIFE_PHASES:
            raise CatalogueError(
                f"{path}: indicator '{name}': life_phase '{entry['life_phase']}' is not one of {LIFE_PHASES}"
            )
        _check_numbers(entry, path, name)
        source = entry.get("source")
        if not isinstance(source, dict) or source.get("provider") not in SOURCE_PROVIDERS:
            provider = source.get("provider") if isinstance(source, dict) else source
            raise CatalogueError(
                f"{path}: indicator '{name}': source provider '{provider}' is unknown; it must be one "
                f"of {list(SOURCE_PROVIDERS)} (source: {{provider: cbs, ...}})"
            )
        pool = int(entry.get("pool_years", 1))
        if pool < 1:
            raise CatalogueError(f"{path}: indicator '{name}': pool_years must be 1 or more, not {pool}")
        if entry.get("lowest_level", "gemeente") not in AREA_LEVELS:
            raise CatalogueError(
                f"{path}: indicator '{name}': lowest_level '{entry['lowest_level']}' must be one of {AREA_LEVELS}"
            )
        rounding = entry.get("rounding")
        if rounding is not None and (
            not isinstance(rounding, dict)
            or set(rounding) - {"numerator", "denominator", "percentage"}
            or not all(isinstance(v, (int, float)) and v > 0 for v in rounding.values())
        ):
            raise CatalogueError(
                f"{path}: indicator '{name}': rounding must say per count the unit CBS rounds it to, "
                f"e.g. {{numerator: 10, denominator: 5}}; not {rounding!r}"
            )
        known = {f for f in Indicator.__dataclass_fields__ if f != "extra"}
        catalogue[name] = Indicator(
            **{k: v for k, v in entry.items() if k in known},
            extra={k: v for k, v in entry.items() if k not in known},
        )
    if not catalogue:
        raise CatalogueError(f"{path}: no indicators")
    return catalogue
