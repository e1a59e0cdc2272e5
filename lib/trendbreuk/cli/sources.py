"""Commands that bring data in and check it: demo, regions, fetch, check, template and build."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trendbreuk import config, paths
from trendbreuk.cli import (
    DatasetOption,
    RegionOption,
    app,
    check_app,
    fail,
    fetch_app,
    project_configuration,
    regions_app,
    template_app,
)


@template_app.command("registrations")
def template_registrations(
    context: typer.Context,
    out: Annotated[str, typer.Argument(help="the .xlsx file to write")],
    region: RegionOption = None,
) -> None:
    """An Excel workbook for programme registrations: long form, drop-down lists, instructions in Dutch."""
    from trendbreuk.sources.registration_template import write_template

    if not out.lower().endswith(".xlsx"):
        fail(f"'{out}': the template is an Excel workbook; give a file name ending in .xlsx")
    configuration = project_configuration(context)
    path = write_template(Path(out), configuration.regions, configuration.programmes, region)
    typer.echo(f"sjabloon geschreven: {path}")


@check_app.command("registrations")
def check_registrations_command(
    context: typer.Context,
    file: Annotated[str, typer.Argument(help="a filled-in template (.xlsx) or CSV")],
    region: RegionOption = None,
) -> None:
    """Report every problem in a registrations file (sheet, row, column, value, what is expected); exit 1 if any."""
    from trendbreuk.sources.registrations import check_registrations, summarise

    configuration = project_configuration(context)
    rows, problems = check_registrations(Path(file), configuration.regions, configuration.programmes, region)
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        fail(f"{len(problems)} probleem/problemen in {file}; er is niets ingelezen")
    if rows.empty:
        typer.echo(f"{file}: geen problemen, maar ook geen registraties (het blad is leeg)")
        return
    typer.echo(f"{file}: geen problemen, {len(rows)} registraties gelezen (rijen per programma en jaar):")
    typer.echo(summarise(rows).to_string())


@app.command()
def demo(
    context: typer.Context,
    seed: Annotated[int, typer.Option(help="random seed; the same seed gives the same files")] = 2018,
    national: Annotated[
        bool,
        typer.Option(
            "--national",
            help="every gemeente of the country into data/raw/demo-nl/ (dataset demo-nl); needs "
            "--regions with a national regions file",
        ),
    ] = False,
) -> None:
    """Write the demo data set (fake numbers in the real sources' formats) into data/raw/demo/."""
    from trendbreuk.demo import write_demo

    try:
        folder = write_demo(seed=seed, national=national, configuration=project_configuration(context))
    except ValueError as err:
        fail(str(err))
    typer.echo(f"demodata geschreven naar {folder}")


@regions_app.command("national")
def regions_national(
    area_list: Annotated[
        Path,
        typer.Argument(
            help="CBS 'Gebieden in Nederland' (CSV) or the CBS/PDOK KoppelCodes list: gemeente -> "
            "GGD-regio or veiligheidsregio"
        ),
    ],
    out: Annotated[Path, typer.Option(help="the regions file to write")] = Path("config/regions-nl.yaml"),
) -> None:
    """Write a regions file for the whole country: every GGD region of the list; the regions of
    config/regions.yaml stay as configured (with their subregio's) where they hold the same gemeenten."""
    from trendbreuk.geography.national import AreaListError, read_area_list, write_regions_file

    try:
        areas = read_area_list(area_list)
        root = paths.project_root()
        target = out if out.is_absolute() else root / out
        notes = write_regions_file(areas, config.project(root).regions, target)  # config/regions.yaml itself
    except AreaListError as err:
        fail(str(err))
    regions = areas.frame["region_code"].nunique()
    typer.echo(f"{target}: {len(areas.frame)} gemeenten in {regions} regio's ({areas.kind}, uit {area_list})")
    for note in notes:
        typer.echo(f"  - {note}")


@app.command()
def build(context: typer.Context, dataset: DatasetOption = "") -> None:
    """Read the raw files of a dataset and write indicator values and gaps to data/processed/<dataset>/. Indicators
    whose export or CBS table is not there are skipped and listed (also in build_info.json and every report)."""
    from trendbreuk.build import build as run_build
    from trendbreuk.io import WriteError

    try:
        result = run_build(dataset or None, configuration=project_configuration(context))
    except (ValueError, FileNotFoundError, LookupError, WriteError) as err:
        fail(f"{err}\nEr is niets overschreven in data/processed/.")
    summary = ", ".join(f"{name}: {rows} rijen" for name, rows in result.tables.items())
    typer.echo(f"tabellen geschreven naar {result.folder} ({summary})")
    _echo_notes(result.notes)
    if result.skipped:
        typer.echo(f"{len(result.skipped)} indicator(en) zonder gegevens (zie build_info.json, skipped_indicators):")
        for item in result.skipped:
            typer.echo(
                f"  - {item['title']}: geen gegevens: {item['reason']}"
                + (f" ({item['action']})" if item["action"] else "")
            )


def _echo_notes(notes: list[dict]) -> None:
    """What the export checks set aside or read loosely (also in build_info.json, export_notes)."""
    for note in notes:
        rows = (
            f" (rij {', '.join(map(str, note['rows'][:5]))}{' ...' if len(note['rows']) > 5 else ''})"
            if note["rows"]
            else ""
        )
        typer.echo(
            f"let op, {note['file']}: {note['kind']}: {note['count']}x{rows}; bv. {'; '.join(note['examples'][:3])}"
        )


@check_app.command("exports")
def check_exports_command(
    context: typer.Context,
    dataset: Annotated[str, typer.Option(help="dataset whose exports to check")] = "real",
) -> None:
    """Check every portal export of a dataset (Perined, Waar staat je gemeente, Gezondheidsmonitor) as the build
    does: every problem at once with file, row, column and value; rows set aside are listed. Exit 1 on problems."""
    from trendbreuk.geography.lineage import LineageError, read_register
    from trendbreuk.ingest import check_exports
    from trendbreuk.sources.cbs import SnapshotError, latest_snapshot, read_manifest

    configuration = project_configuration(context)
    sources = configuration.sources
    target = sources.dataset(dataset or None)
    register = None
    try:
        snapshot = latest_snapshot(target.cbs_dir / "03759ned")
        register = read_register(snapshot / read_manifest(snapshot)["codes"]["RegioS"])
    except (SnapshotError, LineageError, KeyError):
        typer.echo(
            "let op: geen CBS-codelijst (trendbreuk fetch cbs 03759ned); gemeenten buiten de regio's zijn niet "
            "te controleren"
        )
    checks = check_exports(target, sources.layouts, configuration.regions, register)
    failed = 0
    for provider, checked in checks.items():
        if checked is None:
            typer.echo(
                f"{provider}: {target.exports[provider]} niet aanwezig (de indicatoren daaruit worden overgeslagen)"
            )
            continue
        for problem in checked.problems:
            typer.echo(str(problem), err=True)
        failed += len(checked.problems)
        _echo_notes(checked.notes)
        if not checked.problems:
            typer.echo(f"{provider}: {checked.path.name}: geen problemen, {len(checked.rows)} rijen")
    if failed:
        fail(f"{failed} probleem/problemen in de exports van dataset {target.name}")


@fetch_app.command("boundaries")
def fetch_boundaries_command(
    context: typer.Context,
    year: Annotated[int, typer.Argument(help="year of the CBS gebiedsindeling, e.g. 2024")],
    buurten: Annotated[
        bool,
        typer.Option(
            "--buurten",
            help="the buurten of the configured gemeenten (CBS wijk- en buurtkaart) "
            "instead of the gemeenten, for the maps of the wijkprofielen",
        ),
    ] = False,
    refresh: Annotated[bool, typer.Option(help="download again even if present")] = False,
    accept_smaller: Annotated[
        bool,
        typer.Option(
            "--accept-smaller",
            help="keep a file that lacks configured gemeenten or what the file in use has, after checking why",
        ),
    ] = False,
) -> None:
    """Gemeente boundaries of one year from PDOK (CBS gebiedsindelingen) into data/raw/geo/; with --buurten the
    buurten of the configured gemeenten (CBS wijk- en buurtkaart; wijken are their unions), one file per gemeente,
    asking only for gemeenten not fetched yet (all with --refresh). An answer without buurten or gemeenten that
    should be there is refused, and the files in use stay."""
    from trendbreuk.geography.boundaries import BoundaryError, fetch_boundaries, fetch_buurt_boundaries
    from trendbreuk.http import DownloadError

    gemeenten = tuple(
        dict.fromkeys(
            g.code for region in project_configuration(context).regions.regions.values() for g in region.gemeenten
        )
    )
    try:
        if buurten:
            path = fetch_buurt_boundaries(year, gemeenten, refresh=refresh, accept_smaller=accept_smaller)
        else:
            path = fetch_boundaries(year, refresh=refresh, gemeenten=gemeenten, accept_smaller=accept_smaller)
    except (BoundaryError, DownloadError) as err:
        fail(str(err))
    typer.echo(f"{'buurtgrenzen' if buurten else 'grenzen'} {year}: {path}")


@fetch_app.command("cbs")
def fetch_cbs_command(
    context: typer.Context,
    tables: Annotated[
        list[str] | None, typer.Argument(help="table ids (default: every table the catalogue needs)")
    ] = None,
    dataset: Annotated[str, typer.Option(help="dataset whose cbs_dir receives the snapshots")] = "real",
    accept_smaller: Annotated[
        bool,
        typer.Option(
            "--accept-smaller",
            help="take an answer even when it holds much less than the snapshot in use "
            "(no rows, >10% fewer rows, a measure or gemeenten gone), after checking why",
        ),
    ] = False,
    timeout: Annotated[float, typer.Option(help="seconds to wait for each answer before trying again")] = 120.0,
) -> None:
    """CBS StatLine tables into data/raw/cbs/<table>/<date>/, with a manifest; never overwrites. Without table ids:
    every table the indicator catalogue needs (all years of a series), the population and the births, each with
    only the measures and dimension codes that are used. A table that fails is named; the others are still fetched.
    An answer with no rows, or much less than the snapshot in use, is refused and the earlier snapshot stays in use."""
    from trendbreuk.io import WriteError
    from trendbreuk.sources.cbs_fetch import FetchError, fetch_cbs_v3, fetch_cbs_v4, fetch_plan
    from trendbreuk.sources.datasets import DatasetConfigError

    configuration = project_configuration(context)
    sources = configuration.sources
    try:
        target = sources.dataset(dataset)
        if target.demo:
            fail(f"dataset '{dataset}' is demo data, made by `trendbreuk demo`, not fetched")
        plan = fetch_plan(configuration.catalogue, sources)
        if tables:
            by_id = {r.table.directory.lower(): r for r in plan}
            unknown = [t for t in tables if t.lower() not in by_id]
            if unknown:
                raise DatasetConfigError(
                    f"CBS table(s) {unknown} are not used by the catalogue or config/sources.yaml; "
                    f"used: {', '.join(r.table.directory for r in plan)}"
                )
            plan = [by_id[t.lower()] for t in tables]
    except DatasetConfigError as err:
        fail(str(err))
    failed = []
    for request in plan:
        table = request.table
        try:
            if table.api == "v4":
                snapshot = fetch_cbs_v4(
                    table.id,
                    target.cbs_dir,
                    measures=list(request.measures),
                    dimensions={d: list(c) for d, c in request.dimensions.items()},
                    region_prefixes=list(table.region_prefixes),
                    regions=list(table.regions),
                    from_period=table.from_period,
                    base=sources.base_url(table),
                    accept_smaller=accept_smaller,
                    timeout=timeout,
                    folder=table.directory,
                )
            else:
                snapshot = fetch_cbs_v3(
                    table.id,
                    target.cbs_dir,
                    measures=list(request.measures),
                    dimensions={d: list(c) for d, c in request.dimensions.items()},
                    region_prefixes=list(table.region_prefixes),
                    from_period=table.from_period,
                    base=sources.base_url(table),
                    catalog=table.catalog,
                    accept_smaller=accept_smaller,
                    timeout=timeout,
                )
        except (FetchError, WriteError) as err:
            failed.append(table.directory)
            typer.secho(f"{table.directory}: niet opgehaald: {err}", fg=typer.colors.RED, err=True)
            continue
        typer.echo(f"{table.directory}{f' ({table.year})' if table.year else ''}: {snapshot}")
    if failed:
        fail(
            f"{len(failed)} van {len(plan)} tabellen niet opgehaald ({', '.join(failed)}); eerdere snapshots daarvan "
            "zijn ongemoeid gelaten, de andere tabellen staan klaar"
        )


@check_app.command("catalogue")
def check_catalogue_command(
    context: typer.Context,
    metadata: Annotated[
        list[str] | None,
        typer.Option(
            help="folder with a CBS table's metadata (DataProperties.json, MeasureCodes.json or a *DataProperties.parquet); its name must contain the table id; repeatable"
        ),
    ] = None,
    dataset: Annotated[str, typer.Option(help="dataset whose fetched CBS snapshots to use")] = "real",
) -> None:
    """Show, per CBS indicator and year, which table and measure key the catalogue's measures resolve to (the key
    the build reads), and what cannot be checked without metadata. Exit 1 when a measure is in none of the tables
    that have metadata, or matches two keys."""
    from trendbreuk.indicators.check import FOUND, NO_METADATA, check_catalogue, problems

    configuration = project_configuration(context)
    sources = configuration.sources
    report = check_catalogue(
        configuration.catalogue, sources, [Path(m) for m in metadata or []], sources.dataset(dataset).cbs_dir
    )
    for indicator, rows in report.groupby("indicator", sort=False):
        typer.echo(indicator)
        for table, part in rows.groupby("table", sort=False):
            first = part.iloc[0]
            year = f"{int(first['year'])} " if pd_notna(first["year"]) else ""
            if not table:
                typer.echo(f"  {first['status']}: {first['detail']}")
            elif (part["status"] == NO_METADATA).all():
                typer.echo(f"  {year}{table}: geen metadata ({first['detail']})")
            else:
                for row in part.itertuples():
                    resolved = f" -> {row.key}" if row.key else ""
                    typer.echo(f"  {year}{table} {row.role}: {row.measure}{resolved}  [{row.status}] {row.detail}")
    bad = problems(report)
    cbs = report[report["table"] != ""]
    typer.echo(
        f"{int((cbs['status'] == FOUND).sum())} maten gevonden, {len(bad)} met een probleem, "
        f"{int((cbs['status'] == NO_METADATA).sum())} niet te controleren zonder metadata"
    )
    if not bad.empty:
        raise typer.Exit(code=1)


def pd_notna(value) -> bool:
    return value is not None and value == value
