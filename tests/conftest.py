"""Shared fixtures: paths to the real CBS/PDOK files beside the repository, and a scratch project."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def shared_file(*parts: str) -> Path:
    """A file in ../shared/data; the test is skipped (with the reason) when this clone has no such folder."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data file {path} not available (a clone outside the workplace has no ../shared/data)")
    return path


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    """A scratch copy of the project's configuration and notebooks with the demo data built into it."""
    from trendbreuk.build import build
    from trendbreuk.demo import write_demo

    root = tmp_path_factory.mktemp("project")
    for name in ("config", "notebooks", "docs"):
        shutil.copytree(ROOT / name, root / name)
    for name in ("_quarto.yml", "index.qmd", "scripts/quarto_pre_render.py", CSS):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, root / name)
    write_demo(root)
    build(root=root)
    return root


CSS = "lib/trendbreuk/reports/templates/trendbreuk.css"


@pytest.fixture(scope="session")
def recorded_project(tmp_path_factory) -> Path:
    """A scratch project with 03759ned and KWB 2020 fetched from the real recordings through the mirror (every
    gemeente, wijk and buurt) and built as dataset `real`, with its notebooks for rendering."""
    from typer.testing import CliRunner

    from tests.odata_mirror import ODataMirror, add_recordings
    from trendbreuk import cli
    from trendbreuk.build import build

    shared_file("cbs", "84799NED-v3")
    root = tmp_path_factory.mktemp("recorded") / "project"
    for name in ("config", "docs", "notebooks"):
        shutil.copytree(ROOT / name, root / name)
    with ODataMirror() as mirror, pytest.MonkeyPatch.context() as patch:
        add_recordings(mirror, SHARED)
        for key, value in {**mirror.environment(), "TRENDBREUK_ROOT": str(root)}.items():
            patch.setenv(key, value)
        result = CliRunner().invoke(cli.app, ["fetch", "cbs", "03759ned", "84799NED"])
        assert result.exit_code == 0, result.output
        build("real", root=root)
    return root


def copy_project(project: Path, target: Path) -> Path:
    """A copy of the scratch project (configuration, notebooks, data), for a test that changes files in it."""
    top = {"reports", "_site", ".quarto"}  # rendered output of other tests, at the top only
    shutil.copytree(project, target, ignore=lambda folder, names: top & set(names) if Path(folder) == project else ())
    return target


def quarto_or_skip() -> str:
    """The real `quarto` on PATH (Quarto is installed by its user: no package registry carries it)."""
    from trendbreuk.reports.render import RenderError, quarto_binary

    try:
        return quarto_binary()
    except RenderError:
        pytest.skip(
            "no `quarto` on PATH (install Quarto 1.4 or newer from quarto.org; no package registry carries "
            "it): Quarto tests not run, the Python engine is the reference"
        )


def quarto_env(root: Path) -> dict[str, str]:
    """What a researcher's shell has when running Quarto in the project: this Python as Quarto's, no workbook
    variables of the test run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRENDBREUK_", "QUARTO_PROJECT"))}
    return {**env, "QUARTO_PYTHON": sys.executable}


REPORT_KINDS = {
    "factsheet": "factsheet-GM0917-heerlen.html",
    "subregio": "subregio-PS-parkstad.html",
    "regio": "regio-ZL-zuid-limburg.html",
    "programma": "programma-ZL-zuid-limburg.html",
    "focus": "focus-ZL-pluswijk-hoensbroek-voorbeeld.html",
}


@pytest.fixture(scope="session")
def python_reports(project, tmp_path_factory) -> dict[str, Path]:
    """One report of each kind (Heerlen, Parkstad, Zuid-Limburg, Pluswijk Hoensbroek), with the Python engine."""
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.reports.render import region_jobs, render_many

    out = tmp_path_factory.mktemp("python-reports")
    jobs = [
        j for j in region_jobs(load_regions(project / "config" / "regions.yaml")) if j.filename in REPORT_KINDS.values()
    ]
    outcomes = list(render_many(jobs, engine="python", root=project, out_dir=out))
    assert not [o.error for o in outcomes if o.error]
    return {kind: out / name for kind, name in REPORT_KINDS.items()}


@pytest.fixture(scope="session")
def quarto_site(project, tmp_path_factory) -> Path:
    """What a Quarto user gets from `quarto render` at the top of the project: the website in _site/, whose
    pre-render step has rendered every report of the region with the workbook's Quarto engine."""
    import subprocess

    quarto = quarto_or_skip()
    root = copy_project(project, tmp_path_factory.mktemp("quarto") / "project")
    result = subprocess.run(
        [quarto, "render"], cwd=root, env=quarto_env(root), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return root / "_site"


def fake_quarto(folder: Path, body: str, monkeypatch) -> None:
    """Put a stand-in `quarto` (a bash script with `body`) first on PATH, for what a real Quarto cannot show (a
    Quarto that fails)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "quarto"
    script.write_text("#!/usr/bin/env bash\n" + textwrap.dedent(body))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
