"""Datasets (config/sources.yaml): which raw files a build reads, whether they are demo data, and the
layouts of the portal exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from trendbreuk import io, paths
from trendbreuk.sources.exports import ExportLayout


class DatasetConfigError(ValueError):
    """config/sources.yaml is malformed or names an unknown dataset."""


# the readers' name and documentation page of each provider of indicator figures
PROVIDER_LABELS = {
    "perined": "Perined",
    "wsjg": "Waar staat je gemeente",
    "gezondheidsmonitor": "Gezondheidsmonitor",
    "cbs": "CBS StatLine",
}
SOURCE_DOCS = {
    "perined": "docs/bronnen/perined.md",
    "wsjg": "docs/bronnen/waarstaatjegemeente.md",
    "gezondheidsmonitor": "docs/bronnen/gezondheidsmonitor.md",
    "cbs": "docs/bronnen/cbs.md",
}


@dataclass(frozen=True)
class Dataset:
    name: str
    demo: bool
    description: str
    cbs_dir: Path
    exports: dict[str, Path]  # provider -> export file (layouts in SourcesConfig.layouts)
    registrations: Path | None  # the programme registrations workbook, if the dataset has one


@dataclass(frozen=True)
class CbsTable:
    id: str
    api: str  # v4 or v3
    title: str = ""
    measures: tuple[str, ...] = ()
    dimensions: dict | None = None
    region_prefixes: tuple[str, ...] = (
        "GM",
    )  # areas by code prefix: GM gemeenten, NL Nederland (v3), WK wijken, BU buurten
    regions: tuple[str, ...] = ("NL01",)
    from_period: str | None = None
    catalog: str = "CBS"  # v3: CBS (opendata.cbs.nl) or a third-party catalogue such as RIVM (dataderden)
    year: int | None = None  # the year a table of a yearly series stands for (it has no period dimension)
    series: str = ""  # the series it belongs to
    indeling: int | None = None  # the gemeente indeling of all its figures, when the table says so (e.g. 2022)
    folder: str = ""  # the folder of its snapshots in cbs_dir, when not its id (another slice of a table)

    @property
    def directory(self) -> str:
        """The folder in a dataset's cbs_dir that holds this table's snapshots."""
        return self.folder or self.id


@dataclass(frozen=True)
class CbsSeries:
    """Yearly editions of one CBS table (Kerncijfers wijken en buurten: 84799NED for 2020, 85984NED for 2024, ...):
    the same measures under another table id, and other key suffixes, every year."""

    name: str
    title: str
    tables: tuple[CbsTable, ...]


@dataclass(frozen=True)
class StandardPopulation:
    """The population that age-standardised figures are standardised to: one country (`region`) on 1 January of
    one fixed `year`, by year of age, from a slice of a CBS population table kept in a folder of its own."""

    table: CbsTable
    year: int
    region: str
    measure: str
    age_dimension: str = "Leeftijd"


@dataclass(frozen=True)
class AgeGroups:
    """Inhabitants per age group per area and year: the measures (by key stem) of a yearly series and the ages each
    counts, [from, to) with None for an open group."""

    series: str
    groups: dict[str, tuple[int, int | None]]


@dataclass(frozen=True)
class SourcesConfig:
    datasets: dict[str, Dataset]
    default_dataset: str
    layouts: dict[str, ExportLayout]
    cbs_tables: dict[str, CbsTable]
    cbs_base_urls: dict[str, str]
    cbs_series: dict[str, CbsSeries] = field(default_factory=dict)
    births: dict | None = None  # {series or table, measure}: births for the programmes' reach
    standard_population: StandardPopulation | None = None  # for age standardisation
    age_groups: AgeGroups | None = None  # inhabitants per age group, area and year (the age structure)

    def cbs_table(self, table_id: str) -> CbsTable:
        """A configured table, or a member of a configured series, by id (any letter case)."""
        for table in [*self.cbs_tables.values(), *(t for s in self.cbs_series.values() for t in s.tables)]:
            if table.id.lower() == table_id.lower():
                return table
        raise DatasetConfigError(
            f"CBS table '{table_id}' is not in config/sources.yaml (cbs.tables or cbs.series); "
            f"configured: {', '.join(self.cbs_tables) or 'none'}"
        )

    def base_url(self, table: CbsTable) -> str | None:
        """The configured base URL for a table's API and catalogue (environment variables still take precedence)."""
        if table.api == "v4":
            return self.cbs_base_urls.get("v4")
        return self.cbs_base_urls.get("v3" if table.catalog.upper() == "CBS" else "derden")

    def dataset(self, name: str | None = None) -> Dataset:
        name = name or self.default_dataset
        if name not in self.datasets:
            raise DatasetConfigError(f"unknown dataset '{name}'; config/sources.yaml has: {', '.join(self.datasets)}")
        return self.datasets[name]


def _cbs_table(spec: dict, path: Path) -> CbsTable:
    api = str(spec.get("api", "v4"))
    if api not in ("v4", "v3"):
        raise DatasetConfigError(f"{path}: CBS table {spec.get('id')}: api must be v4 or v3, not '{api}'")
    return CbsTable(
        id=str(spec["id"]),
        api=api,
        title=str(spec.get("title", "")),
        measures=tuple(spec.get("measures") or ()),
        dimensions=spec.get("dimensions"),
        region_prefixes=tuple(
            spec["region_prefixes"]
            if spec.get("region_prefixes") is not None
            else (("GM",) if api == "v4" else ("GM", "NL"))
        ),
        regions=tuple(spec.get("regions") or ("NL01",)),
        from_period=spec.get("from_period"),
        catalog=str(spec.get("catalog", "CBS")),
        year=spec.get("year"),
        series=str(spec.get("series", "")),
        indeling=int(spec["indeling"]) if spec.get("indeling") else None,
        folder=str(spec.get("folder", "")),
    )


def _standard_population(spec: dict | None, path: Path) -> StandardPopulation | None:
    if spec is None:
        return None
    absent = [k for k in ("table", "year", "region", "measure", "folder") if not spec.get(k)]
    if absent:
        raise DatasetConfigError(f"{path}: cbs.standard_population lacks {absent}")
    year, region = int(spec["year"]), str(spec["region"])
    table = _cbs_table(
        {
            "id": spec["table"],
            "api": spec.get("api", "v4"),
            "folder": spec["folder"],
            "title": spec.get("title", ""),
            "measures": [spec["measure"]],
            "dimensions": spec.get("dimensions"),
            "region_prefixes": [],
            "regions": [region],
            "from_period": f"{year}JJ00",
        },
        path,
    )
    if table.api != "v4":
        raise DatasetConfigError(f"{path}: cbs.standard_population is read from an OData v4 table (03759ned)")
    return StandardPopulation(table, year, region, str(spec["measure"]), str(spec.get("age_dimension", "Leeftijd")))


def load_sources(path: Path | None = None, root: Path | None = None) -> SourcesConfig:
    root = root or paths.project_root()
    path = Path(path) if path else root / "config" / "sources.yaml"
    try:
        raw = io.read_config(path, DatasetConfigError, "sources configuration")
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
                registrations=root / spec["registrations"] if spec.get("registrations") else None,
            )
        except KeyError as err:
            raise DatasetConfigError(f"{path}: dataset '{name}' lacks {err}") from err
    layouts = {name: ExportLayout.from_config(name, spec) for name, spec in (raw.get("layouts") or {}).items()}
    cbs = raw.get("cbs") or {}
    tables = {}
    for spec in cbs.get("tables") or []:
        table = _cbs_table(spec, path)
        tables[table.id] = table
    series = {}
    for name, spec in (cbs.get("series") or {}).items():
        members = []
        for year, table_id in sorted((spec.get("tables") or {}).items()):
            members.append(
                _cbs_table(
                    {
                        **spec,
                        "id": table_id,
                        "year": int(year),
                        "series": name,
                        "title": f"{spec.get('title', name)} {year}",
                    },
                    path,
                )
            )
        if not members:
            raise DatasetConfigError(f"{path}: CBS series '{name}' lists no tables")
        series[name] = CbsSeries(name=name, title=str(spec.get("title", name)), tables=tuple(members))
    births = cbs.get("births")
    if births is not None and not (births.get("measure") and (births.get("series") in series or births.get("table"))):
        raise DatasetConfigError(f"{path}: cbs.births needs a measure and a configured series (or a table): {births}")
    age_groups = cbs.get("age_groups")
    if age_groups is not None:
        groups = age_groups.get("groups") or {}
        if (
            age_groups.get("series") not in series
            or not groups
            or not all(isinstance(a, (list, tuple)) and len(a) == 2 for a in groups.values())
        ):
            raise DatasetConfigError(
                f"{path}: cbs.age_groups needs a configured series and its age groups with the "
                f"ages each counts, e.g. {{k_65JaarOfOuder: [65, null]}}; not {age_groups}"
            )
        age_groups = AgeGroups(
            str(age_groups["series"]),
            {str(k): (int(a[0]), None if a[1] is None else int(a[1])) for k, a in groups.items()},
        )
    config = SourcesConfig(
        datasets=datasets,
        default_dataset=str(raw.get("default_dataset", "demo")),
        layouts=layouts,
        cbs_tables=tables,
        cbs_series=series,
        births=births,
        standard_population=_standard_population(cbs.get("standard_population"), path),
        age_groups=age_groups,
        cbs_base_urls={
            "v4": cbs.get("v4_base_url"),
            "v3": cbs.get("v3_base_url"),
            "derden": cbs.get("derden_base_url"),
        },
    )
    config.dataset()  # the default must exist
    for dataset in datasets.values():
        unknown = sorted(set(dataset.exports) - set(layouts))
        if unknown:
            raise DatasetConfigError(f"{path}: dataset '{dataset.name}' names exports without a layout: {unknown}")
    return config
