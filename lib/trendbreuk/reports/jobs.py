"""What to render: a report job (notebook, parameters, file name) for every kind of report, and the jobs of a region,
of a gemeente's wijken and of every region. Rendering them is reports/render.py's work."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from trendbreuk.geography.areas import RegionsConfig, slugify

ENGINES = ("python", "quarto")
DEFAULT_ENGINE = "python"  # 0.2 s a report in a batch; Quarto about 2 s a report (README, "Renderen")


class RenderError(RuntimeError):
    """A report that could not be rendered; the message names the report and the failing step."""


@dataclass(frozen=True)
class ReportJob:
    kind: str
    notebook: str  # relative to the project root, e.g. notebooks/factsheet.ipynb
    parameters: dict[str, str] = field(default_factory=dict)
    filename: str = ""
    title: str = ""


def _variant(benchmark: str) -> str:
    """The file-name suffix of a report against another benchmark than the default (-nl01), so it sits beside
    the default report instead of overwriting it."""
    return f"-{benchmark.lower()}" if benchmark else ""


def gemeente_job(
    code_or_name: str, regions: RegionsConfig, region_key: str | None = None, benchmark: str = "", dataset: str = ""
) -> ReportJob:
    """The factsheet of one gemeente, found by code or name."""
    _, gemeente = regions.locate_gemeente(code_or_name, region_key)
    parameters = {"gemeente": gemeente.code}
    if benchmark:
        parameters["benchmark"] = benchmark
    if dataset:
        parameters["dataset"] = dataset
    return ReportJob(
        kind="factsheet",
        notebook="notebooks/factsheet.ipynb",
        parameters=parameters,
        filename=f"factsheet-{gemeente.code}-{gemeente.slug}{_variant(benchmark)}.html",
        title=f"Factsheet Trendbreuk {gemeente.name}",
    )


def subregio_job(
    code_or_name: str, regions: RegionsConfig, region_key: str | None = None, benchmark: str = "", dataset: str = ""
) -> ReportJob:
    region = regions.region(region_key)
    subregio = region.subregio(code_or_name)
    parameters = {"subregio": subregio.code, "regio": region.key}
    parameters.update({k: v for k, v in (("benchmark", benchmark), ("dataset", dataset)) if v})
    return ReportJob(
        kind="subregio",
        notebook="notebooks/subregio.ipynb",
        parameters=parameters,
        filename=f"subregio-{subregio.code}-{subregio.slug}{_variant(benchmark)}.html",
        title=f"Trendbreuk subregio {subregio.name}",
    )


def regio_job(
    regions: RegionsConfig, region_key: str | None = None, benchmark: str = "", dataset: str = ""
) -> ReportJob:
    region = regions.region(region_key)
    parameters = {"regio": region.key}
    parameters.update({k: v for k, v in (("benchmark", benchmark), ("dataset", dataset)) if v})
    return ReportJob(
        kind="regio",
        notebook="notebooks/regio.ipynb",
        parameters=parameters,
        filename=f"regio-{region.code}-{region.slug}{_variant(benchmark)}.html",
        title=f"Trendbreuk {region.name}: voortgang",
    )


def programma_job(regions: RegionsConfig, region_key: str | None = None, dataset: str = "") -> ReportJob:
    region = regions.region(region_key)
    parameters = {"regio": region.key}
    if dataset:
        parameters["dataset"] = dataset
    return ReportJob(
        kind="programma",
        notebook="notebooks/programma.ipynb",
        parameters=parameters,
        filename=f"programma-{region.code}-{region.slug}.html",
        title=f"Trendbreuk {region.name}: programma's",
    )


def area_job(
    code_or_name: str,
    regions: RegionsConfig,
    region_key: str | None = None,
    benchmark: str = "",
    dataset: str = "",
    root: Path | None = None,
) -> ReportJob:
    """The wijkprofiel of a wijk or buurt (code or name, found in the processed tables of the project at `root`) or
    of a focus area."""
    from trendbreuk.processed import load_processed
    from trendbreuk.reports.wijken import locate

    place = locate(code_or_name, load_processed(dataset or None, root=root), regions, region_key)
    return _profile_job(place.level, place.code, place.name, place.region, benchmark, dataset)


def focus_job(
    name: str, regions: RegionsConfig, region_key: str | None = None, benchmark: str = "", dataset: str = ""
) -> ReportJob:
    """The profile of a focus area of config/regions.yaml, in `region_key` or else in whichever region names it (no
    processed tables needed). Unknown: the message lists the configured focus areas."""
    if region_key is None:
        region_key = next(
            (r.key for r in regions.regions.values() if any(name in (f.name, f.code, f.slug) for f in r.focus_areas)),
            regions.default_region,
        )
    region = regions.region(region_key)
    area = region.focus_area(name)
    return _profile_job("focus", area.code, area.name, region, benchmark, dataset)


def _profile_job(level: str, code: str, name: str, region, benchmark: str, dataset: str) -> ReportJob:
    parameters = {"gebied": code, "regio": region.key}
    parameters.update({k: v for k, v in (("benchmark", benchmark), ("dataset", dataset)) if v})
    stem = f"focus-{region.code}-{slugify(name)}" if level == "focus" else f"{level}-{code}-{slugify(name)}"
    return ReportJob(
        kind=level,
        notebook="notebooks/wijkprofiel.ipynb",
        parameters=parameters,
        filename=f"{stem}{_variant(benchmark)}.html",
        title=f"Trendbreuk wijkprofiel {name}",
    )


def wijken_jobs(
    gemeente: str | None,
    regions: RegionsConfig,
    region_key: str | None = None,
    benchmark: str = "",
    dataset: str = "",
    root: Path | None = None,
) -> list[ReportJob]:
    """The wijkprofiel of every wijk of a gemeente (or, without one, of every gemeente of the region) that has
    figures in the processed tables."""
    from trendbreuk.processed import load_processed

    if gemeente:
        region, found = regions.locate_gemeente(gemeente, region_key)
        codes, label = {found.code}, found.name
    else:
        region = regions.region(region_key)
        codes, label = {g.code for g in region.gemeenten}, region.name
    names = load_processed(dataset or None, root=root).small_area_names()
    wijken = names[
        (names["region"] == region.key) & (names["area_level"] == "wijk") & names["gemeente_code"].isin(codes)
    ].sort_values("area_code")
    if wijken.empty:
        raise LookupError(
            f"the processed tables hold no wijken of {label}: fetch the Kerncijfers wijken en buurten "
            "(trendbreuk fetch cbs) and build again"
        )
    return [
        _profile_job("wijk", code, name, region, benchmark, dataset)
        for code, name in zip(wijken["area_code"], wijken["area_name"])
    ]


def region_jobs(regions: RegionsConfig, region_key: str | None = None, dataset: str = "") -> list[ReportJob]:
    """Every report of a region: the regional report, the programme report, the subregio reports, the factsheets
    and the profiles of its focus areas (Pluswijken)."""
    region = regions.region(region_key)
    return (
        [regio_job(regions, region.key, dataset=dataset), programma_job(regions, region.key, dataset=dataset)]
        + [subregio_job(s.code, regions, region.key, dataset=dataset) for s in region.subregios]
        + [gemeente_job(g.code, regions, region.key, dataset=dataset) for g in region.gemeenten]
        + [focus_job(f.name, regions, region.key, dataset=dataset) for f in region.focus_areas]
    )


def all_jobs(regions: RegionsConfig, dataset: str = "") -> list[ReportJob]:
    """The reports of every configured region (a national run): per region its regional report and factsheets,
    its subregio reports where it has more than one subregio, and the programme report of the default region
    (the programme's registrations are its own)."""
    jobs = []
    for region in regions.regions.values():
        jobs.append(regio_job(regions, region.key, dataset=dataset))
        if region.key == regions.default_region:
            jobs.append(programma_job(regions, region.key, dataset=dataset))
        if len(region.subregios) > 1:
            jobs += [subregio_job(s.code, regions, region.key, dataset=dataset) for s in region.subregios]
        jobs += [gemeente_job(g.code, regions, region.key, dataset=dataset) for g in region.gemeenten]
    return jobs


def choose_engine(engine: str = DEFAULT_ENGINE) -> str:
    """The engine by name; Quarto only when `quarto` is on PATH (the message says how to get it)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine '{engine}'; choose one of {', '.join(ENGINES)}")
    if engine == "quarto":
        from trendbreuk.reports.quarto_engine import quarto_binary

        quarto_binary()
    return engine
