"""CBS StatLine tables as indicator sources: `provider: cbs` in config/indicators.yaml.

An indicator names one table (`table: 50120NED`, all periods in it) or a yearly series (`series: kwb`: Kerncijfers
wijken en buurten, one table per year, config/sources.yaml) and the measures it is made of, by key stem
(trendbreuk.sources.cbs.resolve_measure), in one of three forms:

- `numerator` and `denominator`: counts; each may be a list of measures that are summed
  (inhabitants of 15 and over = k_15Tot25Jaar + k_25Tot45Jaar + k_45Tot65Jaar + k_65JaarOfOuder);
- `numerator` and `percentage`: a count and the percentage CBS publishes for it; the denominator is computed
  back as round(100 x numerator / percentage) (CBS does not publish it in the table);
- `value`: an estimate with its 95% interval in a margins dimension (`margins: Marges`, codes MW00000, MOG0095,
  MBG0095), as the Gezondheidsmonitor tables publish it.

`dimensions` keeps one code of other dimensions (Leeftijd: '20300', 18 jaar of ouder). `strata` instead reads one
row per code of a dimension, each code with the ages it covers (Leeftijd: {'53115': [18, 65], '80200': [65, null]}):
the age groups that an age-standardised variant weights by the standard population (`read_standard_population`,
in sources/population.py).

What `trendbreuk fetch cbs` asks for follows from these sources (`fetch_plan`, in sources/cbs_fetch.py). This
module turns the fetched snapshots into the
same tidy rows as the portal exports (`read_cbs_indicators`), with codes, never names, as keys: national rows
(NL00, NL01) become NL01, padded codes are trimmed, wijken and buurten are dropped. The national tables are read and
reshaped with polars (all gemeenten, all years, wide tables); the statistics downstream take pandas.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import Protocol

import pandas as pd
import polars as pl

from trendbreuk import io
from trendbreuk.geography.small_areas import SmallAreaRegister
from trendbreuk.sources.cbs import (
    MeasureNotFoundError,
    SnapshotError,
    latest_snapshot,
    load_values,
    read_manifest,
    resolve_measure,
    v3_topics,
)
from trendbreuk.sources.datasets import CbsTable, DatasetConfigError, SourcesConfig
from trendbreuk.sources.exports import TIDY_COLUMNS

log = logging.getLogger(__name__)

PROVIDER = "cbs"
MARGIN_CODES = {"MW00000": "value", "MOG0095": "lower_ci", "MBG0095": "upper_ci"}


class Indicator(Protocol):
    """What this module reads of a catalogue indicator (trendbreuk.indicators.catalogue.Indicator, a layer above
    the sources): its id, its statistic and its `source` entry of config/indicators.yaml."""

    id: str
    statistic: str
    source: dict


class CbsSourceError(ValueError):
    """A CBS table whose figures cannot be turned into indicator rows; the message names table, area and measure."""


def measure_terms(value) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in (value if isinstance(value, (list, tuple)) else [value]))


@dataclass(frozen=True)
class CbsIndicatorSource:
    """Where one indicator's figures are in CBS StatLine."""

    indicator: str
    tables: tuple[CbsTable, ...]
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    percentage: str | None = None
    value: str | None = None
    margins: str | None = None
    dimensions: dict[str, str] = field(default_factory=dict)
    strata_dimension: str | None = None
    strata: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # code -> ages [from, to)

    @property
    def terms(self) -> tuple[str, ...]:
        return (*self.numerator, *self.denominator, *(t for t in (self.percentage, self.value) if t))

    @property
    def table_label(self) -> str:
        first = self.tables[0]
        return first.series and f"{first.series} ({', '.join(t.id for t in self.tables)})" or first.id


def cbs_source(indicator: Indicator, sources: SourcesConfig) -> CbsIndicatorSource:
    """The CBS source of an indicator with `provider: cbs`; configuration errors name the indicator and field."""
    spec = indicator.source
    where = f"config/indicators.yaml, indicator '{indicator.id}', source"
    if bool(spec.get("table")) == bool(spec.get("series")):
        raise DatasetConfigError(f"{where}: name either a table or a series")
    if spec.get("series"):
        if spec["series"] not in sources.cbs_series:
            raise DatasetConfigError(
                f"{where}: series '{spec['series']}' is not in config/sources.yaml "
                f"(cbs.series has {', '.join(sources.cbs_series) or 'none'})"
            )
        tables = sources.cbs_series[spec["series"]].tables
    else:
        try:
            tables = (sources.cbs_table(str(spec["table"])),)
        except DatasetConfigError:  # a table named only here: its API and catalogue come with it
            tables = (
                CbsTable(
                    id=str(spec["table"]),
                    api=str(spec.get("api", "v3")),
                    catalog=str(spec.get("catalog", "CBS")),
                    indeling=spec.get("indeling"),
                ),
            )
    strata = spec.get("strata") or {}
    if len(strata) > 1 or any(not isinstance(codes, dict) or not codes for codes in strata.values()):
        raise DatasetConfigError(
            f"{where}: strata names one dimension with the ages of each of its codes, e.g. "
            "{Leeftijd: {'53115': [18, 65], '80200': [65, null]}}"
        )
    strata_dimension = next(iter(strata), None)
    bands = {}
    for code, ages in (strata.get(strata_dimension) or {}).items():
        if not (
            isinstance(ages, (list, tuple))
            and len(ages) == 2
            and isinstance(ages[0], int)
            and (ages[1] is None or (isinstance(ages[1], int) and ages[1] > ages[0]))
        ):
            raise DatasetConfigError(
                f"{where}: strata code {code}: give the ages it covers as [from, to) with to "
                f"null for an open group, e.g. [65, null]; not {ages!r}"
            )
        bands[str(code)] = (ages[0], ages[1])
    dimensions = {str(k): str(v) for k, v in (spec.get("dimensions") or {}).items() if k != strata_dimension}
    source = CbsIndicatorSource(
        indicator=indicator.id,
        tables=tuple(tables),
        numerator=measure_terms(spec.get("numerator")),
        denominator=measure_terms(spec.get("denominator")),
        percentage=spec.get("percentage"),
        value=spec.get("value"),
        margins=spec.get("margins"),
        dimensions=dimensions,
        strata_dimension=strata_dimension,
        strata=bands,
    )
    if indicator.statistic == "survey":
        if not source.value or source.numerator:
            raise DatasetConfigError(f"{where}: a survey indicator names a `value` (with `margins`), not counts")
    elif source.strata:
        raise DatasetConfigError(
            f"{where}: strata are read for survey estimates (a count is standardised from its "
            "own age-specific counts, which no configured table has)"
        )
    elif not source.numerator or bool(source.denominator) == bool(source.percentage):
        raise DatasetConfigError(f"{where}: name a numerator and either a denominator or a percentage")
    return source


def cbs_sources(catalogue: dict[str, Indicator], sources: SourcesConfig) -> dict[str, CbsIndicatorSource]:
    return {i.id: cbs_source(i, sources) for i in catalogue.values() if i.source.get("provider") == PROVIDER}


def births_tables(sources: SourcesConfig) -> tuple[CbsTable, ...]:
    births = sources.births or {}
    if births.get("series"):
        return sources.cbs_series[births["series"]].tables
    return (sources.cbs_table(births["table"]),)


# Reading snapshots ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WideTable:
    """One fetched table as a polars frame: region_code, period_code (when the table has periods), the other
    dimension codes and one column per measure key; plus its measure titles and provenance."""

    table: str
    frame: pl.DataFrame
    topics: dict[str, str]
    dimensions: tuple[str, ...]
    snapshot: Path
    manifest: dict


def read_wide(snapshot: Path) -> WideTable:
    """Read a v3 snapshot (TypedDataSet pages, DataProperties) or a v4 snapshot (Observations, MeasureCodes) into a
    WideTable. Codes are trimmed; nothing is dropped here."""
    snapshot = Path(snapshot)
    manifest = read_manifest(snapshot)
    table = manifest["table"]
    if "typed_data_set" in manifest:
        properties = load_values(snapshot / manifest["data_properties"])
        rows = [row for page in manifest["typed_data_set"] for row in load_values(snapshot / page)]
        frame = pl.from_dicts(rows, infer_schema_length=None) if rows else pl.DataFrame()
        geo = next((p["Key"] for p in properties if p.get("Type") in ("GeoDimension", "GeoDetail")), None)
        time_dim = next((p["Key"] for p in properties if p.get("Type") == "TimeDimension"), None)
        dims = [p["Key"] for p in properties if p.get("Type") == "Dimension" and p["Key"] in frame.columns]
        renames = {k: v for k, v in ((geo, "region_code"), (time_dim, "period_code")) if k and k in frame.columns}
        frame = frame.rename(renames)
        topics = v3_topics(properties)
    else:  # OData v4: long observations, one row per measure
        observations = [row for page in manifest["observations"] for row in load_values(snapshot / page)]
        long = pl.from_dicts(observations, infer_schema_length=None)
        dims = [
            c
            for c in long.columns
            if c not in {"Id", "Measure", "ValueAttribute", "Value", "StringValue", "RegioS", "Perioden"}
        ]
        frame = long.pivot(
            on="Measure", index=["RegioS", "Perioden", *dims], values="Value", aggregate_function="first"
        )
        frame = frame.rename({"RegioS": "region_code", "Perioden": "period_code"})
        measures = load_values(snapshot / manifest["measure_codes"])
        topics = {str(m["Identifier"]): str(m.get("Title", "")).strip() for m in measures}
    text_columns = [c for c in ("region_code", "period_code", *dims) if c in frame.columns]
    frame = frame.with_columns([pl.col(c).cast(pl.String).str.strip_chars() for c in text_columns])
    return WideTable(table, frame, topics, tuple(dims), snapshot, manifest)


def _sum(columns: list[str]) -> pl.Expr:
    """The sum of measure columns, missing when any of them is missing (a partial sum would understate)."""
    return reduce(lambda a, b: a + b, [pl.col(c).cast(pl.Float64) for c in columns])


# The KWB's flag per wijk and buurt: 1 the same area as the year before; 2 and 3 its code or boundary changed.
INDELING_FLAG = "IndelingswijzigingWijkenEnBuurten"


def indicator_rows(
    wide: WideTable, source: CbsIndicatorSource, table: CbsTable, small_areas: bool = False
) -> tuple[pd.DataFrame, dict]:
    """Tidy rows (exports.TIDY_COLUMNS plus indeling_year) of one indicator from one table, and the keys used: for
    the gemeenten and Nederland, or with small_areas for the wijken and buurten, plus their `indeling_change` (the
    table's flag; 1 for every year of a table that keeps one indeling for all its years). Small areas' counts are
    not checked here against each other: CBS's rounding can put a numerator above its denominator (see
    indicators.small_areas)."""
    roles = {
        "numerator": source.numerator,
        "denominator": source.denominator,
        "percentage": (source.percentage,) if source.percentage else (),
        "value": (source.value,) if source.value else (),
    }
    keys: dict[str, list[str]] = {}
    used = {"indicator": source.indicator, "table": wide.table, "year": table.year, "snapshot": str(wide.snapshot)}
    for role, terms in roles.items():
        try:
            keys[role] = [resolve_measure(t, wide.topics, wide.table) for t in terms]
        except MeasureNotFoundError as err:
            if "matches several" in str(err):
                raise CbsSourceError(f"indicator {source.indicator}: {err} (snapshot {wide.snapshot})") from err
            used["absent"] = str(err)  # this edition of the table does not have the measure (yet)
            return pd.DataFrame(columns=[*TIDY_COLUMNS, "indeling_year"]), used
        if keys[role]:
            used[role] = [f"{k} ({wide.topics[k]})" for k in keys[role]]
    frame = wide.frame
    missing_columns = [k for found in keys.values() for k in found if k not in frame.columns]
    if missing_columns:
        raise CbsSourceError(
            f"indicator {source.indicator}: snapshot {wide.snapshot} of table {wide.table} holds no "
            f"column(s) {missing_columns}; fetch it again (trendbreuk fetch cbs {wide.table})"
        )
    for dim, code in source.dimensions.items():
        if dim not in frame.columns:
            raise CbsSourceError(f"indicator {source.indicator}: table {wide.table} has no dimension '{dim}'")
        frame = frame.filter(pl.col(dim) == code)
    if source.strata:
        if source.strata_dimension not in frame.columns:
            raise CbsSourceError(
                f"indicator {source.indicator}: table {wide.table} has no dimension "
                f"'{source.strata_dimension}' to read its age groups from"
            )
        frame = frame.filter(pl.col(source.strata_dimension).is_in(list(source.strata))).with_columns(
            pl.col(source.strata_dimension).alias("stratum")
        )
    if small_areas:
        frame = frame.filter(pl.col("region_code").str.starts_with("WK") | pl.col("region_code").str.starts_with("BU"))
        frame = frame.with_columns(pl.col("region_code").alias("area_code"))
    else:
        frame = frame.filter(pl.col("region_code").str.starts_with("GM") | pl.col("region_code").str.starts_with("NL"))
        frame = frame.with_columns(
            pl.when(pl.col("region_code").str.starts_with("NL"))
            .then(pl.lit("NL01"))
            .otherwise(pl.col("region_code"))
            .alias("area_code")
        )
    frame = with_years(frame, table, wide)
    if source.value:
        out = _estimates(frame, source, keys["value"][0], wide.table)
    else:
        out = _counts(frame, source, keys, wide.table, check=not small_areas)
    if small_areas:
        out = out.join(_indeling_changes(frame, wide, table), on=["area_code", "year"], how="left")
    out = out.with_columns(
        pl.lit(PROVIDER).alias("source"),
        pl.lit(source.indicator).alias("indicator"),
        pl.col("year").cast(pl.String).alias("period"),
        pl.col("year").alias("year_start"),
        pl.col("year").alias("year_end"),
        pl.lit(table.indeling).fill_null(pl.col("year")).cast(pl.Int64).alias("indeling_year"),
    )
    for column in TIDY_COLUMNS:
        if column not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias(column))
    out = out.with_columns(
        pl.when(pl.any_horizontal([pl.col(c).is_not_null() for c in ("numerator", "value")]))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.lit(f"ontbreekt of geheim in CBS-tabel {wide.table}"))
        .alias("missing_reason")
    )
    extra = (["indeling_change"] if small_areas else []) + (["stratum"] if source.strata else [])
    return out.select([*TIDY_COLUMNS, "indeling_year", *extra]).to_pandas(), used


def _indeling_changes(frame: pl.DataFrame, wide: WideTable, table: CbsTable) -> pl.DataFrame:
    """area_code, year and indeling_change: the table's flag where it has one; 1 for a table that declares one
    indeling for all its years (50120NED: indeling 2022); missing otherwise (a series is then not continued)."""
    try:
        key = resolve_measure(INDELING_FLAG, wide.topics, wide.table)
    except MeasureNotFoundError:
        key = None
    if key is not None and key in frame.columns:
        flag = pl.col(key).cast(pl.String).str.strip_chars().cast(pl.Int64, strict=False)
    else:
        flag = pl.lit(1 if table.indeling else None, dtype=pl.Int64)
    return frame.select("area_code", "year", flag.alias("indeling_change")).unique(["area_code", "year"])


def with_years(frame: pl.DataFrame, table: CbsTable, wide: WideTable) -> pl.DataFrame:
    """A `year` per row: from the period code (yearly periods only), or the year of a series' table."""
    if "period_code" in frame.columns:
        return frame.filter(pl.col("period_code").str.contains(r"^\d{4}JJ00$")).with_columns(
            pl.col("period_code").str.slice(0, 4).cast(pl.Int64).alias("year")
        )
    if table.year is None:
        raise CbsSourceError(
            f"table {wide.table} has no period dimension and is not part of a yearly series; "
            "add it to a series in config/sources.yaml (cbs.series) with its year"
        )
    published = str(wide.manifest.get("table_period") or "").strip()
    if published.isdigit() and int(published) != table.year:
        raise CbsSourceError(
            f"config/sources.yaml puts table {wide.table} at {table.year}, but CBS says it covers "
            f"{published} ({wide.manifest.get('table_title')}); correct the series"
        )
    return frame.with_columns(pl.lit(table.year, dtype=pl.Int64).alias("year"))


def _counts(
    frame: pl.DataFrame, source: CbsIndicatorSource, keys: dict, table: str, check: bool = True
) -> pl.DataFrame:
    numerator = _sum(keys["numerator"])
    if keys["denominator"]:
        denominator = _sum(keys["denominator"])
    else:  # computed back from the published percentage
        percentage = pl.col(keys["percentage"][0]).cast(pl.Float64)
        denominator = pl.when(percentage > 0).then((numerator * 100 / percentage).round(0))
    out = frame.select("area_code", "year", numerator.alias("numerator"), denominator.alias("denominator"))
    bad = out.filter(
        (pl.col("numerator") < 0) | (pl.col("denominator") < 0) | (pl.col("numerator") > pl.col("denominator"))
    )
    if check and bad.height:
        row = bad.row(0, named=True)
        raise CbsSourceError(
            f"indicator {source.indicator}: CBS table {table}, {row['area_code']} {row['year']}: numerator "
            f"{row['numerator']:g} ({' + '.join(keys['numerator'])}) against denominator {row['denominator']:g} "
            f"({' + '.join(keys['denominator'] or keys['percentage'])}) is impossible; check the measures in "
            "config/indicators.yaml"
        )
    return out.with_columns(pl.lit(None, dtype=pl.Float64).alias("value"))


def _estimates(frame: pl.DataFrame, source: CbsIndicatorSource, key: str, table: str) -> pl.DataFrame:
    index = ["area_code", "year", *(["stratum"] if "stratum" in frame.columns else [])]
    if not source.margins:
        return frame.select(*index, pl.col(key).cast(pl.Float64).alias("value"))
    if source.margins not in frame.columns:
        raise CbsSourceError(f"indicator {source.indicator}: table {table} has no margins dimension '{source.margins}'")
    long = frame.filter(pl.col(source.margins).is_in(list(MARGIN_CODES)))
    wide = long.pivot(on=source.margins, index=index, values=key, aggregate_function="first")
    for code, name in MARGIN_CODES.items():
        wide = wide.with_columns((pl.col(code) if code in wide.columns else pl.lit(None)).cast(pl.Float64).alias(name))
    wide = wide.select(*index, *MARGIN_CODES.values())
    bad = wide.filter(
        pl.col("value").is_not_null()
        & ((pl.col("lower_ci") > pl.col("value")) | (pl.col("upper_ci") < pl.col("value")))
    )
    if bad.height:
        row = bad.row(0, named=True)
        raise CbsSourceError(
            f"indicator {source.indicator}: CBS table {table}, {row['area_code']} {row['year']}: the "
            f"interval {row['lower_ci']:g}-{row['upper_ci']:g} does not contain the estimate {row['value']:g}"
        )
    return wide


@dataclass
class CbsRead:
    """What the fetched CBS tables give for the catalogue: tidy rows, the keys used per indicator and table, the
    snapshots read, and per indicator why it has no rows."""

    rows: pd.DataFrame
    measures: list[dict]
    snapshots: list[dict]
    missing: dict[str, tuple[str, str]]  # indicator -> (reason, what to do)
    missing_tables: dict[str, list[str]]
    small_area_rows: pd.DataFrame | None = None  # the same for wijken and buurten, with indeling_change
    small_areas: SmallAreaRegister | None = None  # their codes and names, from the tables' code lists
    strata_rows: pd.DataFrame | None = None  # age groups of indicators read by strata (gemeenten, NL), with `stratum`
    small_area_strata_rows: pd.DataFrame | None = None  # and of their wijken and buurten


def read_cbs_indicators(catalogue: dict[str, Indicator], sources: SourcesConfig, cbs_dir: Path) -> CbsRead:
    """Rows of every CBS indicator from the newest snapshot of each of its tables in `cbs_dir`. A table that was
    never fetched leaves its years out (listed in missing_tables); an indicator with no table at all, or whose
    tables hold no figures yet, is listed in `missing` with the reason. Indicators read by age group (strata) give
    their rows apart, one per group (`strata_rows`)."""
    frames, measures, missing, missing_tables = [], [], {}, {}
    small, strata, small_strata = [], [], []
    snapshots: dict[str, dict] = {}
    wides: dict[str, WideTable | None] = {}
    register = SmallAreaRegister({})
    for indicator_id, source in cbs_sources(catalogue, sources).items():
        parts = []
        below = catalogue[indicator_id].lowest_level != "gemeente"
        for table in sorted(source.tables, key=lambda t: t.year or 0):
            if table.id not in wides:
                wides[table.id] = read_newest(Path(cbs_dir) / table.id)
                if wides[table.id] is not None:
                    register = register.merged(_small_areas(wides[table.id]))
            wide = wides[table.id]
            if wide is None:
                missing_tables.setdefault(indicator_id, []).append(table.id)
                continue
            rows, used = indicator_rows(wide, source, table)
            measures.append(used)
            snapshots[table.id] = snapshot_provenance(wide, table)
            if not rows.empty:
                parts.append(rows)
            if below and "absent" not in used:
                (small_strata if source.strata else small).append(
                    indicator_rows(wide, source, table, small_areas=True)[0]
                )
        fetched = sorted({m["table"] for m in measures if m["indicator"] == indicator_id})
        if not fetched:
            label = (
                source.tables[0].series
                and f"CBS-tabellen {source.tables[0].series}"
                or f"CBS-tabel {source.tables[0].id}"
            )
            missing[indicator_id] = (
                f"{label} nog niet opgehaald",
                "trendbreuk fetch cbs" + ("" if source.tables[0].series else f" {source.tables[0].id}"),
            )
            continue
        rows = pd.concat(parts, ignore_index=True) if parts else None
        if rows is None or (rows["numerator"].isna().all() and rows["value"].isna().all()):
            tables = f"CBS-tabel{'len' if len(fetched) > 1 else ''} {', '.join(fetched)}"
            what = (
                f"nog zonder cijfers per leeftijdsgroep ({source.strata_dimension} {', '.join(source.strata)})"
                if source.strata
                else "nog zonder cijfers voor deze indicator"
            )
            missing[indicator_id] = (
                f"{tables} {what}",
                f"haal later een nieuwere versie op (trendbreuk fetch cbs {' '.join(fetched)})",
            )
            continue
        (strata if source.strata else frames).append(rows)

    def joined(parts: list[pd.DataFrame], columns: list[str] | None = None) -> pd.DataFrame | None:
        parts = [part for part in parts if not part.empty and part["indicator"].iloc[0] not in missing]
        if parts:
            return pd.concat(parts, ignore_index=True)
        return pd.DataFrame(columns=columns) if columns else None

    return CbsRead(
        joined(frames, [*TIDY_COLUMNS, "indeling_year"]),
        measures,
        list(snapshots.values()),
        missing,
        missing_tables,
        joined(small),
        register,
        joined(strata),
        joined(small_strata),
    )


def _small_areas(wide: WideTable) -> SmallAreaRegister:
    """The wijken and buurten of a table's region code list (empty for a table without them)."""
    codes = wide.manifest.get("codes") or {}
    geo = wide.manifest.get("geo_dimension") or next((d for d in ("WijkenEnBuurten", "RegioS") if d in codes), None)
    if geo is None or geo not in codes:
        return SmallAreaRegister({})
    return SmallAreaRegister.from_code_list(load_values(Path(wide.snapshot) / codes[geo]))


def read_newest(table_dir: Path) -> WideTable | None:
    try:
        return read_wide(latest_snapshot(table_dir))
    except SnapshotError as err:
        if table_dir.is_dir() and any(p.is_dir() and not p.name.startswith(".") for p in table_dir.iterdir()):
            raise  # a snapshot is there but damaged: that is an error, not a missing source
        log.info("%s", err)
        return None


def snapshot_provenance(wide: WideTable, table: CbsTable) -> dict:
    m = wide.manifest
    return {
        "source": PROVIDER,
        "table": wide.table,
        "title": m.get("table_title") or table.title,
        "snapshot": str(wide.snapshot),
        "manifest_sha256": _manifest_sha256(wide.snapshot),
        "retrieved_at": m.get("retrieved_at"),
        "table_modified": m.get("table_modified"),
        "rows": wide.frame.height,
        "catalog": m.get("catalog", table.catalog),
    }


def _manifest_sha256(snapshot: Path) -> str | None:
    """The sha256 of a snapshot's manifest.json, which holds the sha256 of every file of the snapshot: one hash that
    changes when any of the snapshot's data does."""
    manifest = Path(snapshot) / "manifest.json"
    return io.sha256_file(manifest) if manifest.is_file() else None
