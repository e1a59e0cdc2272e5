"""One reader of a build: what `trendbreuk build` writes in data/processed/<dataset>/ (or a saved edition of it), and
how reports, notebooks, the comparison of builds and the freeze of rendered reports read it.

A build folder holds one parquet file per table (TABLES, described in docs/tabellen.md), `build_info.json` (where the
numbers come from) and `config/` (the configuration it was made with). A reference to tables is a dataset name
("demo"), or a dataset and an edition ("demo@2025", EDITION_MARK); `parse_reference` is the one place that splits it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from trendbreuk import config, io, paths
from trendbreuk.config import Configuration

EDITION_MARK = "@"
# Every table a build writes (name -> required: a build without an optional one still reads)
TABLES = {
    "indicator_values": True,
    "gaps": True,
    "assessments": True,
    "basket_summary": True,
    "population": True,
    "registrations_shared": False,
    "age_strata": False,
    "age_shares": False,
    "changes": False,
    "age_groups": False,
    "small_area_values": False,
    "small_area_gaps": False,
    "small_area_assessments": False,
    "lineage": False,
    "registrations": False,
    "registration_totals": False,
}
# the tables Processed holds whole, and those read with filters (Processed.small_areas: millions of rows nationally)
WHOLE_TABLES = (
    "indicator_values",
    "gaps",
    "assessments",
    "basket_summary",
    "population",
    "registrations_shared",
    "age_strata",
    "age_shares",
    "changes",
    "age_groups",
)
SMALL_AREA_TABLES = ("small_area_values", "small_area_gaps", "small_area_assessments")
INFO_FILE = "build_info.json"


def table_file(folder: Path, name: str) -> Path:
    """Where table `name` of a build folder is."""
    return Path(folder) / f"{name}.parquet"


def read_table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(table_file(folder, name))


def read_info(folder: Path) -> dict:
    return json.loads((Path(folder) / INFO_FILE).read_text(encoding="utf-8"))


def parse_reference(reference: str | None) -> tuple[str | None, str | None]:
    """ "demo@2025" -> ("demo", "2025"); "demo" -> ("demo", None); None or "" -> (None, None) (the default dataset)."""
    name, _, edition = (reference or "").partition(EDITION_MARK)
    return name or None, edition or None


def build_folder(reference: str | None = None, root: Path | None = None) -> Path:
    """Where the tables of a dataset are (data/processed/<dataset>), or of a saved edition of it: "demo@2025" is
    edition 2025 of dataset demo."""
    from trendbreuk.editions import load, resolve_dataset

    root = root or paths.project_root()
    name, edition = parse_reference(reference)
    dataset = resolve_dataset(name, root)
    if edition:
        return load(edition, dataset, root).folder
    folder = paths.processed_dir(root) / dataset
    if not folder.is_dir():  # a build killed between its two renames: put the previous tables back
        for note in io.recover_directory(folder):
            logging.getLogger(__name__).warning(note)
    return folder


@dataclass(frozen=True)
class Processed:
    """The processed tables of one dataset (or of a saved edition of it), as reports and notebooks use them."""

    folder: Path
    info: dict
    indicator_values: pd.DataFrame
    gaps: pd.DataFrame
    assessments: pd.DataFrame
    basket_summary: pd.DataFrame
    population: pd.DataFrame
    registrations_shared: pd.DataFrame | None = None
    age_strata: pd.DataFrame | None = None  # estimates per age group of the age-standardised indicators
    age_shares: pd.DataFrame | None = None  # the age groups' shares of the population, observed and projected
    changes: pd.DataFrame | None = None  # what changed since the edition before (trendbreuk.changes)
    age_groups: pd.DataFrame | None = None  # inhabitants per KWB age band of wijken, buurten, gemeenten, NL (one year)
    edition: str | None = None  # the edition's name when these are the tables of a saved edition
    _groups: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _configurations: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def demo(self) -> bool:
        return bool(self.info.get("demo"))

    def configuration(self, root: Path | None = None) -> Configuration:
        """The configuration to show these tables with: the one they were made with (trendbreuk.config)."""
        root = root or paths.project_root()
        if root not in self._configurations:
            self._configurations[root] = config.of_folder(self.folder, root)
        return self._configurations[root]

    def small_areas(self, table: str, columns: list[str] | None = None, **where) -> pd.DataFrame:
        """Rows of a table of wijken, buurten and focus areas (small_area_values, small_area_gaps,
        small_area_assessments) where each named column equals its value (a list: any of its values), read from disk
        with those filters: a national build holds millions of such rows and a report needs a few. Empty (with the
        columns of the gemeente tables) when the build has none."""
        path = table_file(self.folder, table)
        if not path.is_file():
            base = {
                "small_area_values": "indicator_values",
                "small_area_gaps": "gaps",
                "small_area_assessments": "assessments",
            }[table]
            return getattr(self, base).iloc[0:0].assign(gemeente_code=pd.Series(dtype=str))
        filters = [
            (
                column,
                "in" if isinstance(value, (list, tuple, set)) else "==",
                list(value) if isinstance(value, (list, tuple, set)) else value,
            )
            for column, value in where.items()
        ]
        return pd.read_parquet(path, columns=columns, filters=filters or None)

    def small_area_names(self) -> pd.DataFrame:
        """Every wijk, buurt and focus area with figures: area_code, area_name, area_level, gemeente_code, region."""
        if "names" not in self._groups:
            names = self.small_areas(
                "small_area_values", columns=["region", "area_code", "area_name", "area_level", "gemeente_code"]
            )
            self._groups["names"] = names.drop_duplicates("area_code", ignore_index=True)
        return self._groups["names"]

    def rows(self, table: str, **where) -> pd.DataFrame:
        """The rows of `table` (e.g. "gaps") where each named column equals its value, in table order.

        The table is sorted by those columns once (stably, so each part keeps the table's order) and each part is
        a slice of it: a batch of reports over a national table filters it once instead of once per figure, without
        cutting it into ~60.000 frames up front (that took 10 s and 1 GB per process)."""
        columns = sorted(where)
        key = (table, tuple(columns))
        if key not in self._groups:
            frame = getattr(self, table)
            group = frame.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()
            order = np.argsort(group, kind="stable")
            ordered = frame.iloc[order].reset_index(drop=True)
            bounds = np.searchsorted(group[order], np.arange(group.max() + 2 if len(group) else 1))
            starts = ordered[columns].iloc[bounds[:-1]].itertuples(index=False, name=None)
            self._groups[key] = ({k: (a, b) for k, a, b in zip(starts, bounds[:-1], bounds[1:])}, ordered)
        spans, ordered = self._groups[key]
        start, stop = spans.get(tuple(where[c] for c in columns), (0, 0))
        return ordered.iloc[start:stop]


def load_processed(dataset_name: str | None = None, root: Path | None = None) -> Processed:
    """Load what `trendbreuk build` wrote for a dataset (default: config/sources.yaml's default_dataset), or a saved
    edition of it: "demo@2025" is edition 2025 of dataset demo (trendbreuk.editions).

    Read once per process while the build is unchanged (a batch of reports shares it): treat the tables as
    read-only, and copy before changing one."""
    folder = build_folder(dataset_name, root)
    edition = parse_reference(dataset_name)[1]
    info_path = folder / INFO_FILE
    if not info_path.is_file():
        raise FileNotFoundError(f"{folder} holds no build; run `trendbreuk build --dataset {folder.name}` first")
    stamp = tuple(io.file_stamp(p) for p in sorted(folder.iterdir()) if p.is_file())
    return io.remembered(("processed", str(folder.resolve())), stamp, lambda: _read_processed(folder, edition or None))


def _read_processed(folder: Path, edition: str | None = None) -> Processed:
    """The tables a report reads whole (the small-area tables are read with filters, Processed.small_areas)."""
    return Processed(
        folder=folder,
        edition=edition,
        info=read_info(folder),
        **{
            name: read_table(folder, name)
            for name in WHOLE_TABLES
            if TABLES[name] or table_file(folder, name).is_file()
        },
    )


# What a report reads, as digests (reports/freeze.py re-renders a report only when its slice changed).
DIGEST_TABLES = (
    "indicator_values",
    "gaps",
    "assessments",
    "basket_summary",
    "age_strata",
    "age_shares",
    "registrations_shared",
    "changes",
)


def _digests_by(frame: pd.DataFrame, key: str) -> dict[str, bytes]:
    """Per value of `key`, a sha256 of the column names and the rows with that value (in table order): each row
    hashed once for the whole table (pandas' hash_pandas_object), the row hashes of a group then hashed together."""
    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    keys = frame[key].astype(str).to_numpy()
    order = np.argsort(keys, kind="stable")
    keys, rows = keys[order], rows[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.array([], dtype=int)
    ends = np.r_[starts[1:], len(keys)]
    columns = ",".join(map(str, frame.columns)).encode()
    return {keys[s]: hashlib.sha256(columns + rows[s:e].tobytes()).digest() for s, e in zip(starts, ends)}


def slice_digests(tables: dict[str, pd.DataFrame]) -> dict:
    """What a report reads, as digests: per region the rows of every table with a `region` column, per gemeente the
    values of its wijken, buurten and focus areas, and one digest of the rest (population, lineage, age groups). Two builds with the same
    numbers give the same digests, so `render all` re-renders only the reports whose slice changed."""

    def combine(parts: dict[str, dict[str, bytes]]) -> dict[str, str]:
        out: dict = {}  # key -> running sha256
        for name, digests in parts.items():
            for key, digest in digests.items():
                out.setdefault(key, hashlib.sha256()).update(name.encode() + digest)
        return {key: h.hexdigest() for key, h in sorted(out.items())}

    regions = {
        name: _digests_by(tables[name], "region")
        for name in DIGEST_TABLES
        if tables.get(name) is not None and "region" in tables[name].columns
    }
    # the wijken's gaps and assessments follow from their values, the region's benchmark rows (in the region's
    # digest), the configuration and the code (both in every report's fingerprint): their values are enough
    gemeenten = (
        {"small_area_values": _digests_by(tables["small_area_values"], "gemeente_code")}
        if tables.get("small_area_values") is not None
        else {}
    )
    rest = hashlib.sha256()
    for name in ("population", "lineage", "age_groups"):
        if name in tables:
            rest.update(
                name.encode()
                + ",".join(map(str, tables[name].columns)).encode()
                + pd.util.hash_pandas_object(tables[name], index=False).to_numpy().tobytes()
            )
    return {"regions": combine(regions), "gemeenten": combine(gemeenten), "rest": rest.hexdigest()}
