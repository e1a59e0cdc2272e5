"""The `trendbreuk` command: demo -> build -> render, each callable alone.

trendbreuk demo                      write the demo data set into data/raw/demo/
trendbreuk build                     raw files -> data/processed/<dataset>/
trendbreuk render gemeente GM0917    one factsheet (code or name) -> reports/
trendbreuk render all                every factsheet of a region -> reports/
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from trendbreuk import paths

DEBUG_ENV = "TRENDBREUK_DEBUG"


class _Commands(typer.Typer):
    """The command line: a mistake in input or configuration anywhere below (a configuration error, an unknown name,
    a folder that cannot be written) ends as one message naming the file and field, with exit code 1, never as a
    traceback. TRENDBREUK_DEBUG=1 shows the traceback for a developer."""

    def __call__(self, *args, **kwargs):
        from trendbreuk.io import WriteError

        try:
            return super().__call__(*args, **kwargs)
        except (ValueError, LookupError, WriteError, FileNotFoundError, PermissionError) as err:
            if os.environ.get(DEBUG_ENV):
                raise
            message = str(err).strip("'\"") or type(err).__name__
            if not type(err).__module__.startswith("trendbreuk"):  # not one of the workbook's own messages
                message += f" ({type(err).__name__}; {DEBUG_ENV}=1 toont waar het misging)"
            typer.secho(f"fout: {message}", fg=typer.colors.RED, err=True)
            sys.exit(1)


app = _Commands(
    help="Trendbreuk monitoring workbook: demo data, indicator tables and HTML reports.",
    no_args_is_help=True,
    add_completion=False,
)
render_app = typer.Typer(help="Render reports to self-contained HTML in reports/.", no_args_is_help=True)
app.add_typer(render_app, name="render")
fetch_app = typer.Typer(help="Download source data once, with provenance, into data/raw/.", no_args_is_help=True)
app.add_typer(fetch_app, name="fetch")
check_app = typer.Typer(help="Check configuration and input files before a build.", no_args_is_help=True)
app.add_typer(check_app, name="check")
template_app = typer.Typer(help="Write ready-to-fill templates for the programme owners.", no_args_is_help=True)
app.add_typer(template_app, name="template")


@template_app.command("registrations")
def template_registrations(
    out: Annotated[str, typer.Argument(help="the .xlsx file to write")], region: RegionOption = None
) -> None:
    """An Excel workbook for programme registrations: long form, drop-down lists, instructions in Dutch."""
    from pathlib import Path

    from trendbreuk.geography.areas import load_regions
    from trendbreuk.sources.programmes import load_programmes
    from trendbreuk.sources.registration_template import write_template

    if not out.lower().endswith(".xlsx"):
        _fail(f"'{out}': the template is an Excel workbook; give a file name ending in .xlsx")
    path = write_template(Path(out), load_regions(), load_programmes(), region)
    typer.echo(f"sjabloon geschreven: {path}")


@check_app.command("registrations")
def check_registrations_command(
    file: Annotated[str, typer.Argument(help="a filled-in template (.xlsx) or CSV")], region: RegionOption = None
) -> None:
    """Report every problem in a registrations file (sheet, row, column, value, what is expected); exit 1 if any."""
    from pathlib import Path

    from trendbreuk.geography.areas import load_regions
    from trendbreuk.sources.programmes import load_programmes
    from trendbreuk.sources.registrations import check_registrations, summarise

    rows, problems = check_registrations(Path(file), load_regions(), load_programmes(), region)
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        _fail(f"{len(problems)} probleem/problemen in {file}; er is niets ingelezen")
    if rows.empty:
        typer.echo(f"{file}: geen problemen, maar ook geen registraties (het blad is leeg)")
        return
    typer.echo(f"{file}: geen problemen, {len(rows)} registraties gelezen (rijen per programma en jaar):")
    typer.echo(summarise(rows).to_string())


EngineOption = Annotated[
    str,
    typer.Option(
        help="python (default: fast, for batches) or quarto (Quarto converts the executed notebooks; needs `quarto` on PATH)"
    ),
]
RegionOption = Annotated[
    str | None, typer.Option(help="region key from config/regions.yaml (default: its default_region)")
]
DatasetOption = Annotated[str, typer.Option(help="dataset from config/sources.yaml (default: its default_dataset)")]
EditionOption = Annotated[
    str,
    typer.Option(
        help="render a saved edition (trendbreuk edition list) with its own tables and "
        "configuration, into reports/editie-NAME/"
    ),
]
BenchmarkOption = Annotated[str, typer.Option(help="rest_nl or NL01 (default: config/regions.yaml)")]


def _fail(message: str) -> None:
    typer.secho(f"fout: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="show progress messages")] = False,
    regions: Annotated[
        Path | None,
        typer.Option(
            "--regions",
            help="regions file instead of config/regions.yaml, e.g. config/regions-nl.yaml "
            "(written by `trendbreuk regions national`)",
        ),
    ] = None,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if regions is not None:
        if not regions.is_file():
            _fail(f"{regions} not found; write it with `trendbreuk regions national <CBS area list>`")
        os.environ[paths.REGIONS_ENV] = str(regions.resolve())  # report workers and notebooks inherit it


@app.command()
def demo(
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
        folder = write_demo(seed=seed, national=national)
    except ValueError as err:
        _fail(str(err))
    typer.echo(f"demodata geschreven naar {folder}")


regions_app = typer.Typer(help="Regions from CBS's own area lists.", no_args_is_help=True)
app.add_typer(regions_app, name="regions")


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
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.geography.national import AreaListError, read_area_list, write_regions_file

    try:
        areas = read_area_list(area_list)
        target = out if out.is_absolute() else paths.project_root() / out
        notes = write_regions_file(areas, load_regions(paths.config_dir() / "regions.yaml"), target)
    except AreaListError as err:
        _fail(str(err))
    regions = areas.frame["region_code"].nunique()
    typer.echo(f"{target}: {len(areas.frame)} gemeenten in {regions} regio's ({areas.kind}, uit {area_list})")
    for note in notes:
        typer.echo(f"  - {note}")


@app.command()
def build(dataset: DatasetOption = "") -> None:
    """Read the raw files of a dataset and write indicator values and gaps to data/processed/<dataset>/. Indicators
    whose export or CBS table is not there are skipped and listed (also in build_info.json and every report)."""
    from trendbreuk.build import build as run_build
    from trendbreuk.io import WriteError

    try:
        result = run_build(dataset or None)
    except (ValueError, FileNotFoundError, LookupError, WriteError) as err:
        _fail(f"{err}\nEr is niets overschreven in data/processed/.")
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
    dataset: Annotated[str, typer.Option(help="dataset whose exports to check")] = "real",
) -> None:
    """Check every portal export of a dataset (Perined, Waar staat je gemeente, Gezondheidsmonitor) as the build
    does: every problem at once with file, row, column and value; rows set aside are listed. Exit 1 on problems."""
    from trendbreuk.build import check_exports
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.geography.lineage import LineageError, read_register
    from trendbreuk.sources.cbs import SnapshotError, latest_snapshot, read_manifest
    from trendbreuk.sources.datasets import load_sources

    sources = load_sources()
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
    checks = check_exports(target, sources.layouts, load_regions(), register)
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
        _fail(f"{failed} probleem/problemen in de exports van dataset {target.name}")


@fetch_app.command("boundaries")
def fetch_boundaries_command(
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
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.geography.boundaries import BoundaryError, fetch_boundaries, fetch_buurt_boundaries
    from trendbreuk.http import DownloadError

    gemeenten = tuple(dict.fromkeys(g.code for region in load_regions().regions.values() for g in region.gemeenten))
    try:
        if buurten:
            path = fetch_buurt_boundaries(year, gemeenten, refresh=refresh, accept_smaller=accept_smaller)
        else:
            path = fetch_boundaries(year, refresh=refresh, gemeenten=gemeenten, accept_smaller=accept_smaller)
    except (BoundaryError, DownloadError) as err:
        _fail(str(err))
    typer.echo(f"{'buurtgrenzen' if buurten else 'grenzen'} {year}: {path}")


@fetch_app.command("cbs")
def fetch_cbs_command(
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
    from trendbreuk.indicators.catalogue import load_catalogue
    from trendbreuk.io import WriteError
    from trendbreuk.sources.cbs import FetchError, fetch_cbs_v3, fetch_cbs_v4
    from trendbreuk.sources.datasets import DatasetConfigError, load_sources
    from trendbreuk.sources.statline import fetch_plan

    sources = load_sources()
    try:
        target = sources.dataset(dataset)
        if target.demo:
            _fail(f"dataset '{dataset}' is demo data, made by `trendbreuk demo`, not fetched")
        plan = fetch_plan(load_catalogue(), sources)
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
        _fail(str(err))
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
        _fail(
            f"{len(failed)} van {len(plan)} tabellen niet opgehaald ({', '.join(failed)}); eerdere snapshots daarvan "
            "zijn ongemoeid gelaten, de andere tabellen staan klaar"
        )


@check_app.command("catalogue")
def check_catalogue_command(
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
    from pathlib import Path

    from trendbreuk.indicators.catalogue import load_catalogue
    from trendbreuk.indicators.check import FOUND, NO_METADATA, check_catalogue, problems
    from trendbreuk.sources.datasets import load_sources

    sources = load_sources()
    report = check_catalogue(
        load_catalogue(), sources, [Path(m) for m in metadata or []], sources.dataset(dataset).cbs_dir
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


edition_app = typer.Typer(
    help="Editions: a build kept under a name (e.g. 2025), compared with later builds, rendered again exactly.",
    no_args_is_help=True,
)
app.add_typer(edition_app, name="edition")


@edition_app.command("save")
def edition_save(
    name: Annotated[str, typer.Argument(help="the edition's name, e.g. 2025")], dataset: DatasetOption = ""
) -> None:
    """Keep the current build of a dataset as an edition (tables, build_info with every source's sha256, the
    configuration); a table that did not change since another edition is stored once. Editions do not change."""
    from trendbreuk.editions import EditionError, save, stored_bytes
    from trendbreuk.io import WriteError

    try:
        edition, new = save(name, dataset or None)
    except (EditionError, WriteError) as err:
        _fail(str(err))
    state = "opgeslagen" if new else "bestond al met precies deze inhoud; niets veranderd"
    typer.echo(
        f"editie {edition.name} van {edition.dataset}: {state} ({edition.folder}); alle edities samen "
        f"{stored_bytes(edition.dataset) / 1e6:.1f} MB"
    )


@edition_app.command("list")
def edition_list(dataset: DatasetOption = "") -> None:
    """The saved editions of a dataset, oldest first."""
    from trendbreuk.editions import list_editions

    found = list_editions(dataset or None)
    if not found:
        typer.echo("geen edities; bewaar de huidige build met `trendbreuk edition save NAAM`")
    seen: dict[str, str] = {}
    for e in found:
        same = f"  (zelfde inhoud als {seen[e.build_id]})" if e.build_id in seen else ""
        seen.setdefault(e.build_id, e.name)
        typer.echo(
            f"{e.name:20} opgeslagen {e.manifest['saved_at']}  gebouwd {e.manifest.get('built_at')}  "
            f"werkboek {e.manifest.get('workbook_version')}  {len(e.manifest['files'])} bestanden{same}"
        )


@edition_app.command("show")
def edition_show(name: Annotated[str, typer.Argument(help="an edition's name")], dataset: DatasetOption = "") -> None:
    """What an edition holds: when it was built, from which source files (with sha256), with which configuration."""
    from trendbreuk.editions import EditionError, load

    try:
        edition = load(name, dataset or None)
    except EditionError as err:
        _fail(str(err))
    info = edition.build_info
    typer.echo(f"editie {edition.name} van dataset {edition.dataset}{' (DEMODATA)' if info.get('demo') else ''}")
    typer.echo(
        f"  opgeslagen {edition.manifest['saved_at']}, gebouwd {info.get('built_at')}, werkboek "
        f"{info.get('workbook_version')}, indeling {info.get('indeling_year')}"
    )
    typer.echo("  tabellen: " + ", ".join(f"{k} {v}" for k, v in (info.get("tables") or {}).items()))
    typer.echo("  bronnen:")
    for source in info.get("sources") or []:
        where = source.get("file") or source.get("snapshot") or ""
        digest = source.get("sha256") or source.get("manifest_sha256") or ""
        typer.echo(f"    {source.get('table') or source.get('source')}: {where} {digest[:12]}")
    typer.echo(
        "  configuratie: " + ", ".join(f"{k} {v['sha256'][:12]}" for k, v in (info.get("configuration") or {}).items())
    )
    since = info.get("changes_since")
    if since:
        typer.echo(f"  {since['summary']}")


@edition_app.command("check")
def edition_check(dataset: DatasetOption = "") -> None:
    """Check every saved edition of a dataset, and every stored file, against the sha256 it was saved with; exit
    code 1 and the damaged files when something changed."""
    from trendbreuk.editions import check_store, list_editions

    editions = list_editions(dataset or None)
    problems = check_store(dataset or None)
    if not problems:
        typer.echo(
            f"{len(editions)} {'editie' if len(editions) == 1 else 'edities'} gecontroleerd: alle bestanden zijn "
            "zoals ze bewaard zijn"
        )
        return
    for name, files in problems.items():
        where = "opgeslagen bestanden (objects)" if name == "objects" else f"editie {name}"
        typer.secho(f"{where}: beschadigd of veranderd: {', '.join(files)}", fg=typer.colors.RED, err=True)
    typer.secho(
        "fout: niet alle edities zijn intact; een beschadigde editie wordt niet gelezen. Bewaar de build van "
        "dezelfde bronnen opnieuw onder een nieuwe naam om de bestanden opnieuw op te slaan.",
        fg=typer.colors.RED,
        err=True,
    )
    raise typer.Exit(code=1)


@edition_app.command("diff")
def edition_diff(
    old: Annotated[str, typer.Argument(help="the earlier edition")],
    new: Annotated[str | None, typer.Argument(help="the later edition (default: the current build)")] = None,
    dataset: DatasetOption = "",
    csv: Annotated[
        Path | None, typer.Option(help="where to write every change (default: reports/wijzigingen-OLD-NEW.csv)")
    ] = None,
) -> None:
    """What changed between two editions (or an edition and the current build), and why: new periods, revised
    values, changed verdicts and standings, each with its cause (nieuwe cijfers, herziening, methode, herindeling)."""
    from trendbreuk.changes import BuildTables, compare, summary
    from trendbreuk.editions import EditionError, load
    from trendbreuk.sources.datasets import load_sources

    try:
        name = load_sources().dataset(dataset or None).name
        before = load(old, name)
        after = load(new, name).folder if new else paths.processed_dir() / name
        found = compare(BuildTables.read(before.folder, old), BuildTables.read(after, new or "huidige build"))
    except (EditionError, FileNotFoundError) as err:
        _fail(str(err))
    typer.echo(summary(found, old))
    if not found.empty:
        for (kind, cause), n in found.groupby(["kind", "cause_label"]).size().items():
            typer.echo(f"  {n:6} {kind}: {cause}")
    target = csv or paths.reports_dir() / f"wijzigingen-{old}-{new or 'nu'}.csv"
    from trendbreuk.downloads import write_csv

    write_csv(found, target)  # formula-safe: names and generated text never run in a spreadsheet
    typer.echo(f"alle {len(found)} wijzigingen: {target}")


@render_app.command("gemeente")
def render_gemeente(
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
        lambda regions, dataset: gemeente_job(name_or_code, regions, region, benchmark=benchmark, dataset=dataset),
        engine,
        dataset,
        edition,
    )


def _reports_of(dataset: str, edition: str):
    """The dataset as the reports read it, and the regions to make their jobs with: for an edition "demo@2025"
    (edition 2025 of demo, whose reports go to reports/editie-2025/ unless TRENDBREUK_REPORTS says where) with the
    edition's own regions, else the dataset with the project's. The reports of another dataset than the default one
    go to reports/DATASET/, so that real and demo reports never share a folder."""
    from trendbreuk.editions import load
    from trendbreuk.processed import load_configuration
    from trendbreuk.sources.datasets import load_sources

    sources = load_sources()
    if edition:
        found = load(edition, sources.dataset(dataset or None).name)
        os.environ.setdefault(paths.REPORTS_ENV, str(paths.project_root() / "reports" / f"editie-{found.name}"))
        dataset = f"{found.dataset}@{found.name}"
    elif dataset and sources.dataset(dataset).name != sources.default_dataset:
        # reports of different datasets never mix: another dataset than the default one gets its own folder
        os.environ.setdefault(paths.REPORTS_ENV, str(paths.project_root() / "reports" / sources.dataset(dataset).name))
    return dataset, load_configuration(dataset or None)[0]


def _render_one(job_factory, engine: str, dataset: str = "", edition: str = "") -> None:
    """Render the report `job_factory(regions, dataset)` makes, and the index page."""
    from trendbreuk.io import WriteError
    from trendbreuk.reports.render import RenderError, render, render_site

    try:
        dataset, regions = _reports_of(dataset, edition)
        job = job_factory(regions, dataset)
        started = time.perf_counter()
        path = render(job, engine=engine)
        index = render_site(engine=engine)
    except (LookupError, RenderError, ValueError, WriteError) as err:
        _fail(str(err))
    typer.echo(f"{path}  ({time.perf_counter() - started:.1f} s); overzicht: {index}")


@render_app.command("subregio")
def render_subregio(
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
        lambda regions, dataset: subregio_job(name_or_code, regions, region, benchmark, dataset),
        engine,
        dataset,
        edition,
    )


@render_app.command("regio")
def render_regio(
    name: Annotated[str | None, typer.Argument(help="region key (default: the default region)")] = None,
    engine: EngineOption = "python",
    benchmark: BenchmarkOption = "",
    dataset: DatasetOption = "",
    edition: EditionOption = "",
) -> None:
    """Render the regional progress report toward 2030."""
    from trendbreuk.reports.render import regio_job

    _render_one(lambda regions, dataset: regio_job(regions, name, benchmark, dataset), engine, dataset, edition)


@render_app.command("programma")
def render_programma(
    name: Annotated[str | None, typer.Argument(help="region key (default: the default region)")] = None,
    engine: EngineOption = "python",
    dataset: DatasetOption = "",
    edition: EditionOption = "",
) -> None:
    """Render the programme report: registrations and reach, after disclosure control."""
    from trendbreuk.reports.render import programma_job

    _render_one(lambda regions, dataset: programma_job(regions, name, dataset), engine, dataset, edition)


@render_app.command("wijk")
def render_wijk(
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
        lambda regions, dataset: area_job(name_or_code, regions, region, benchmark, dataset), engine, dataset, edition
    )


@render_app.command("focus")
def render_focus(
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

    _render_one(lambda regions, dataset: focus_job(name, regions, region, benchmark, dataset), engine, dataset, edition)


@render_app.command("wijken")
def render_wijken(
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
        dataset, regions = _reports_of(dataset, edition)
        jobs = wijken_jobs(gemeente, regions, region, dataset=dataset)
    except (LookupError, ValueError) as err:
        _fail(str(err))
    _render_batch(jobs, f"Wijkprofielen {gemeente or 'van de regio'}", engine, workers, verbose, reuse=not force)


@render_app.command("all")
def render_all(
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
        dataset, regions = _reports_of(dataset, edition)
    except ValueError as err:  # an unknown edition, or a configuration that does not load
        _fail(str(err))
    if region == "all":
        jobs, title = all_jobs(regions, dataset=dataset), f"Rapporten van {len(regions.regions)} regio's"
    else:
        chosen = regions.region(region)
        jobs, title = region_jobs(regions, chosen.key, dataset=dataset), f"Rapporten {chosen.name}"
    _render_batch(jobs, title, engine, workers, verbose, reuse=not force)


def _render_batch(jobs, title: str, engine: str, workers: int, verbose: bool, reuse: bool = False) -> None:
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
        for outcome in render_many(jobs, engine=engine, workers=workers, reuse=reuse):
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
        index = render_site(engine=engine)
    except (RenderError, WriteError) as err:
        _fail(f"the reports are in {paths.reports_dir()}, but the index page failed: {err}")
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


if __name__ == "__main__":  # pragma: no cover
    app()
