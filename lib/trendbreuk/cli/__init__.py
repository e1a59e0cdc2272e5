"""The `trendbreuk` command: demo -> build -> render, each callable alone.

trendbreuk demo                      write the demo data set into data/raw/demo/
trendbreuk build                     raw files -> data/processed/<dataset>/
trendbreuk render gemeente GM0917    one factsheet (code or name) -> reports/
trendbreuk render all                every factsheet of a region -> reports/

This module holds the command line itself (its groups, shared options and the one error message); the commands
are in cli/sources.py (demo, regions, fetch, check, template, build), cli/editions.py and cli/reports.py (render).
The configuration a command uses comes from trendbreuk.config: `project_configuration(context)` for the project's own
(with the regions file of --regions), config.load for the one a build was made with.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from trendbreuk import config

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

regions_app = typer.Typer(help="Regions from CBS's own area lists.", no_args_is_help=True)
app.add_typer(regions_app, name="regions")

edition_app = typer.Typer(
    help="Editions: a build kept under a name (e.g. 2025), compared with later builds, rendered again exactly.",
    no_args_is_help=True,
)
app.add_typer(edition_app, name="edition")


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


def fail(message: str) -> None:
    typer.secho(f"fout: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@app.callback()
def main(
    context: typer.Context,
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
    if regions is not None and not regions.is_file():
        fail(f"{regions} not found; write it with `trendbreuk regions national <CBS area list>`")
    context.obj = {"regions": regions.resolve() if regions is not None else None}


def regions_option(context: typer.Context) -> Path | None:
    """The regions file given with --regions to this command (None: config/regions.yaml)."""
    settings = context.find_root().obj
    return (settings or {}).get("regions")


def project_configuration(context: typer.Context) -> config.Configuration:
    """The project's configuration for this command: config/, with the regions file of --regions."""
    return config.project(regions=regions_option(context))


from trendbreuk.cli import editions, reports, sources  # noqa: E402, F401  (they add their commands to `app`)
