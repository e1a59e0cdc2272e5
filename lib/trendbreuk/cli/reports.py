"""The render commands: one report (gemeente, subregio, regio, programma, wijk, focus) or a batch (wijken, all),
each followed by the index page of the folder the reports went to."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from trendbreuk import config, paths
from trendbreuk.cli import (
    BenchmarkOption,
    DatasetOption,
    EditionOption,
    EngineOption,
    RegionOption,
    fail,
    project_configuration,
    regions_option,
    render_app,
)


@render_app.command("gemeente")
def render_gemeente(
    context: typer.Context,
    name_or_code: Annotated[str, typer.Argument(help="CBS code (GM0917) or name (Heerlen)")],
    engine: EngineOption = "python",
    region: RegionOption = None,
    benchmark: BenchmarkOption = "",
    dataset: DatasetOption = "",
    edition: EditionOption = "",
) -> None:
    """Render the factsheet of one gemeente."""
    from trendbreuk.reports.render import gemeente_job

    _render_one(
        context,
        lambda regions, dataset: gemeente_job(name_or_code, regions, region, benchmark=benchmark, dataset=dataset),
        engine,
        dataset,
        edition,
    )


@dataclass(frozen=True)
class Reports:
    """What a render command renders from and into: the dataset reference the notebooks read ("demo@2025" for an
    edition), the configuration its tables were made with (to make the jobs), and the folder the reports go to."""

    dataset: str
    configuration: config.Configuration
    out_dir: Path

    @property
    def regions(self):
        return self.configuration.regions


def reports_of(context: typer.Context, dataset: str, edition: str) -> Reports:
    """The reports of a dataset or of a saved edition. An edition "demo@2025" (edition 2025 of demo) goes to
    reports/editie-2025/, another dataset than the default one to reports/DATASET/ (real and demo reports never
    share a folder), the default dataset to reports/; TRENDBREUK_REPORTS, when set, says where instead. When the
    project's configuration changed since the build, the reports still show the build's, and a warning says so."""
    from trendbreuk.editions import load

    root = paths.project_root()
    sources = project_configuration(context).sources
    folder = None
    if edition:
        found = load(edition, sources.dataset(dataset or None).name)
        dataset, folder = f"{found.dataset}@{found.name}", f"editie-{found.name}"
    elif dataset and sources.dataset(dataset).name != sources.default_dataset:
        folder = sources.dataset(dataset).name
    configuration = config.load(root, dataset or None, regions=regions_option(context))
    changed = [] if edition else configuration.changed_since_build()
    if changed:
        typer.secho(
            f"let op: {' en '.join(changed)} verschilt van de versie waarmee de tabellen gemaakt zijn; de rapporten "
            "tonen die versie. Draai `trendbreuk build` (met dezelfde --regions) om de wijziging mee te nemen.",
            fg=typer.colors.YELLOW,
            err=True,
        )
    return Reports(dataset, configuration, paths.reports_dir(root, folder))


def _render_one(context: typer.Context, job_factory, engine: str, dataset: str = "", edition: str = "") -> None:
    """Render the report `job_factory(regions, dataset)` makes, and the index page."""
    from trendbreuk.io import WriteError
    from trendbreuk.reports.render import RenderError, render, render_site

    try:
        target = reports_of(context, dataset, edition)
        job = job_factory(target.regions, target.dataset)
        started = time.perf_counter()
        path = render(job, engine=engine, out_dir=target.out_dir)
        index = render_site(engine=engine, out_dir=target.out_dir, regions=target.regions)
    except (LookupError, RenderError, ValueError, WriteError) as err:
        fail(str(err))
    typer.echo(f"{path}  ({time.perf_counter() - started:.1f} s); overzicht: {index}")


@render_app.command("subregio")
def render_subregio(
    context: typer.Context,
    name_or_code: Annotated[str, typer.Argument(help="subregio code (PS) or name (Parkstad)")],
    engine: EngineOption = "python",
    region: RegionOption = None,
    benchmark: BenchmarkOption = "",
    dataset: DatasetOption = "",
    edition: EditionOption = "",
) -> None:
    """Render the report of one subregio: its gemeenten side by side, funnel plots, its own gap and verdicts."""
    from trendbreuk.reports.render import subregio_job

    _render_one(
        context,
        lambda regions, dataset: subregio_job(name_or_code, regions, region, benchmark, dataset),
        engine,
        dataset,
        edition,
    )


@render_app.command("regio")
def render_regio(
    context: typer.Context,
    name: Annotated[str | None, typer.Argument(help="region key (default: the default region)")] = None,
    engine: EngineOption = "python",
    benchmark: BenchmarkOption = "",
    dataset: DatasetOption = "",
    edition: EditionOption = "",
) -> None:
    """Render the regional progress report toward 2030."""
    from trendbreuk.reports.render import regio_job

    _render_one(
        context, lambda regions, dataset: regio_job(regions, name, benchmark, dataset), engine, dataset, edition
    )


@render_app.command("programma")
def render_programma(
    context: typer.Context,
    name: Annotated[str | None, typer.Argument(help="region key (default: the default region)")] = None,
    engine: EngineOption = "python",
    dataset: DatasetOption = "",
    edition: EditionOption = "",
) -> None:
    """Render the programme report: registrations and reach, after disclosure control."""
    from trendbreuk.reports.render import programma_job

    _render_one(context, lambda regions, dataset: programma_job(regions, name, dataset), engine, dataset, edition)


@render_app.command("wijk")
def render_wijk(
    context: typer.Context,
    name_or_code: Annotated[
        str, typer.Argument(help="wijk or buurt: CBS code (WK091739) or name (Molenberg, 'Heerlen: Molenberg')")
    ],
    engine: EngineOption = "python",
    region: RegionOption = None,
    benchmark: BenchmarkOption = "",
    dataset: DatasetOption = "",
    edition: EditionOption = "",
) -> None:
    """Render the wijkprofiel of one wijk or buurt: against the rest of its gemeente, the region and the rest of NL."""
    from trendbreuk.reports.render import area_job

    _render_one(
        context,
        lambda regions, dataset: area_job(name_or_code, regions, region, benchmark, dataset),
        engine,
        dataset,
        edition,
    )


@render_app.command("focus")
def render_focus(
    context: typer.Context,
    name: Annotated[
        str, typer.Argument(help="a focus area of config/regions.yaml, e.g. 'Pluswijk Hoensbroek (voorbeeld)'")
    ],
    engine: EngineOption = "python",
    region: RegionOption = None,
    benchmark: BenchmarkOption = "",
    dataset: DatasetOption = "",
    edition: EditionOption = "",
) -> None:
    """Render the profile of a focus area (a Pluswijk: wijken or buurten named in config/regions.yaml)."""
    from trendbreuk.reports.render import focus_job

    _render_one(
        context, lambda regions, dataset: focus_job(name, regions, region, benchmark, dataset), engine, dataset, edition
    )


@render_app.command("wijken")
def render_wijken(
    context: typer.Context,
    gemeente: Annotated[
        str | None,
        typer.Option("--gemeente", help="gemeente: CBS code or name (default: every gemeente of the region)"),
    ] = None,
    engine: EngineOption = "python",
    region: RegionOption = None,
    dataset: DatasetOption = "",
    edition: EditionOption = "",
    workers: Annotated[int, typer.Option(help="reports rendered at the same time")] = 2,
    force: Annotated[
        bool, typer.Option("--force", help="render every profile, also those whose inputs did not change")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="seconds per step")] = False,
) -> None:
    """Render the wijkprofiel of every wijk of a gemeente, or of the whole region, and the index page; a profile
    whose inputs did not change since it was rendered is kept (--force renders all)."""
    from trendbreuk.reports.render import wijken_jobs

    try:
        target = reports_of(context, dataset, edition)
        jobs = wijken_jobs(gemeente, target.regions, region, dataset=target.dataset)
    except (LookupError, ValueError) as err:
        fail(str(err))
    title = f"Wijkprofielen {gemeente or 'van de regio'}"
    _render_batch(jobs, title, target, engine, workers, verbose, reuse=not force)


@render_app.command("all")
def render_all(
    context: typer.Context,
    engine: EngineOption = "python",
    region: Annotated[
        str | None,
        typer.Option(help="region key from the regions file, or 'all' for every region (default: its default_region)"),
    ] = None,
    dataset: DatasetOption = "",
    edition: EditionOption = "",
    workers: Annotated[int, typer.Option(help="reports rendered at the same time")] = 2,
    force: Annotated[
        bool, typer.Option("--force", help="render every report, also those whose inputs did not change")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="per report and in total: seconds per step")] = False,
) -> None:
    """Render every report of a region (regional, programme, subregio's, factsheets, focus areas), or of every region
    with --region all, and an index page; a failed report does not stop the others, and the exit code is 1 if any
    failed. A report whose inputs (its slice of the tables, parameters, configuration, workbook) did not change
    since it was rendered is kept (like Quarto's freeze); --force renders everything."""
    from trendbreuk.reports.render import all_jobs, region_jobs

    try:
        target = reports_of(context, dataset, edition)
    except ValueError as err:  # an unknown edition, or a configuration that does not load
        fail(str(err))
    regions = target.regions
    if region == "all":
        jobs, title = all_jobs(regions, dataset=target.dataset), f"Rapporten van {len(regions.regions)} regio's"
    else:
        chosen = regions.region(region)
        jobs, title = region_jobs(regions, chosen.key, dataset=target.dataset), f"Rapporten {chosen.name}"
    _render_batch(jobs, title, target, engine, workers, verbose, reuse=not force)


def _render_batch(
    jobs, title: str, target: Reports, engine: str, workers: int, verbose: bool, reuse: bool = False
) -> None:
    """Render `jobs` with a progress bar, then the index page; exit code 1 if any report failed. With `reuse`,
    reports whose inputs did not change since they were rendered are kept as they are."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from trendbreuk.io import WriteError
    from trendbreuk.reports.render import RenderError, render_many, render_site, step_totals

    started = time.perf_counter()
    failed = reused = 0
    outcomes = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task(title, total=len(jobs))
        for outcome in render_many(jobs, engine=engine, workers=workers, reuse=reuse, out_dir=target.out_dir):
            outcomes.append(outcome)
            if outcome.reused:
                reused += 1
                progress.advance(task)
                continue
            detail = ""
            if verbose and outcome.timings:
                detail = " [" + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in outcome.timings.items()) + "]"
            if outcome.error:
                failed += 1
                progress.console.print(
                    f"[red]MISLUKT[/red] {escape(outcome.job.filename)}: {escape(outcome.error)}", highlight=False
                )
            else:
                progress.console.print(
                    f"{escape(outcome.job.filename)} ({outcome.seconds:.2f} s){escape(detail)}", highlight=False
                )
            progress.advance(task)
    rendered = time.perf_counter() - started
    site_started = time.perf_counter()
    try:
        index = render_site(engine=engine, out_dir=target.out_dir, regions=target.regions)
    except (RenderError, WriteError) as err:
        fail(f"the reports are in {target.out_dir}, but the index page failed: {err}")
    if verbose:
        steps = step_totals(outcomes, rendered, workers if reused < len(jobs) else 1)
        steps["index page"] = time.perf_counter() - site_started
        total = sum(steps.values()) or 1.0
        typer.echo(f"{'stap':28} {'seconden':>9} {'aandeel':>8}   (opgeteld over {max(workers, 1)} processen)")
        for step, seconds in sorted(steps.items(), key=lambda item: -item[1]):
            typer.echo(f"{step:28} {seconds:9.2f} {seconds / total:8.0%}")
        typer.echo(f"{'hergebruikt (ongewijzigd)':28} {reused:9d} van {len(jobs)} rapporten")
    kept = f", waarvan {reused} ongewijzigd hergebruikt" if reused else ""
    typer.echo(
        f"{len(jobs) - failed} van {len(jobs)} rapporten in {time.perf_counter() - started:.1f} s{kept}; "
        f"overzicht: {index}"
    )
    if failed:
        raise typer.Exit(code=1)
