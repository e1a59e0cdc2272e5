"""Commands on editions: save, list, show, check and diff."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trendbreuk import paths
from trendbreuk.cli import DatasetOption, edition_app, fail, project_configuration


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
        fail(str(err))
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
        fail(str(err))
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
    context: typer.Context,
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

    try:
        name = project_configuration(context).sources.dataset(dataset or None).name
        before = load(old, name)
        after = load(new, name).folder if new else paths.processed_dir() / name
        found = compare(BuildTables.read(before.folder, old), BuildTables.read(after, new or "huidige build"))
    except (EditionError, FileNotFoundError) as err:
        fail(str(err))
    typer.echo(summary(found, old))
    if not found.empty:
        for (kind, cause), n in found.groupby(["kind", "cause_label"]).size().items():
            typer.echo(f"  {n:6} {kind}: {cause}")
    target = csv or paths.reports_dir() / f"wijzigingen-{old}-{new or 'nu'}.csv"
    from trendbreuk.downloads import write_csv

    write_csv(found, target)  # formula-safe: names and generated text never run in a spreadsheet
    typer.echo(f"alle {len(found)} wijzigingen: {target}")
