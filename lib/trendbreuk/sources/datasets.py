"""Datasets (config/sources.yaml): which raw files a build reads, whether they are demo data, and the
layouts of the portal exports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from trendbreuk import paths
from trendbreuk.sources.exports import ExportLayout


class DatasetConfigError(ValueError):
    """config/sources.yaml is malformed or names an unknown dataset."""


@dataclass(frozen=True)
class Dataset:
    name: str
    demo: bool
    description: str
    cbs_dir: Path
    exports: dict[str, Path]  # provider -> export file (layouts in SourcesConfig.layouts)
    registrations: Path


@dataclass(frozen=True)
class CbsTable:
    id: str
    api: str  # v4 or v3
    title: str = ""
    measures: tuple[str, ...] = ()
    dimensions: dict | None = None
    region_prefixes: tuple[str, ...] = ("GM",)
    regions: tuple[str, ...] = ("NL01",)
    from_period: str | None = None


@dataclass(frozen=True)
class SourcesConfig:
    datasets: dict[str, Dataset]
    default_dataset: str
    layouts: dict[str, ExportLayout]
    cbs_tables: dict[str, CbsTable]
    cbs_base_urls: dict[str, str]

    def cbs_table(self, table_id: str) -> CbsTable:
        for key, table in self.cbs_tables.items():
            if key.lower() == table_id.lower():
                return table
        raise DatasetConfigError(f"CBS table '{table_id}' is not in config/sources.yaml (cbs.tables); "
                                 f"configured: {', '.join(self.cbs_tables) or 'none'}")

    def dataset(self, name: str | None = None) -> Dataset:
        name = name or self.default_dataset
        if name not in self.datasets:
            raise DatasetConfigError(f"unknown dataset '{name}'; config/sources.yaml has: {', '.join(self.datasets)}")
        return self.datasets[name]


def load_sources(path: Path | None = None, root: Path | None = None) -> SourcesConfig:
    root = root or paths.project_root()
    path = Path(path) if path else root / "config" / "sources.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise DatasetConfigError(f"{path} not found") from err
    datasets = {}
    for name, spec in (raw.get("datasets") or {}).items():
        try:
            datasets[name] = Dataset(
                name=name,
                demo=bool(spec.get("demo", False)),
                description=str(spec.get("description", "")),
                cbs_dir=root / spec["cbs_dir"],
                exports={provider: root / file for provider, file in (spec.get("exports") or {}).items()},
                registrations=root / spec["registrations"],
            )
        except KeyError as err:
            raise DatasetConfigError(f"{path}: dataset '{name}' lacks {err}") from err
    layouts = {name: ExportLayout.from_config(name, spec) for name, spec in (raw.get("layouts") or {}).items()}
    cbs = raw.get("cbs") or {}
    tables = {}
    for spec in cbs.get("tables") or []:
        api = str(spec.get("api", "v4"))
        if api not in ("v4", "v3"):
            raise DatasetConfigError(f"{path}: CBS table {spec.get('id')}: api must be v4 or v3, not '{api}'")
        tables[str(spec["id"])] = CbsTable(
            id=str(spec["id"]), api=api, title=str(spec.get("title", "")), measures=tuple(spec.get("measures") or ()),
            dimensions=spec.get("dimensions"), region_prefixes=tuple(spec.get("region_prefixes") or ("GM",)),
            regions=tuple(spec.get("regions") or ("NL01",)), from_period=spec.get("from_period"))
    config = SourcesConfig(datasets=datasets, default_dataset=str(raw.get("default_dataset", "demo")), layouts=layouts,
                           cbs_tables=tables, cbs_base_urls={"v4": cbs.get("v4_base_url"), "v3": cbs.get("v3_base_url")})
    config.dataset()  # the default must exist
    for dataset in datasets.values():
        unknown = sorted(set(dataset.exports) - set(layouts))
        if unknown:
            raise DatasetConfigError(f"{path}: dataset '{dataset.name}' names exports without a layout: {unknown}")
    return config
