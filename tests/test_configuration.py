"""One way to load the configuration (trendbreuk.config): a build keeps the configuration it was made with and the
reports show that one; another regions file travels as an argument, never through the environment."""

from __future__ import annotations

import os

from typer.testing import CliRunner

from tests.conftest import copy_project
from trendbreuk import cli, config, paths
from trendbreuk.processed import load_processed


def test_the_reports_show_the_configuration_the_build_was_made_with(project, tmp_path, monkeypatch):
    """A title changed in config/indicators.yaml after the build is not shown beside the old numbers; `render`
    says which file changed and that a build takes it in."""
    root = copy_project(project, tmp_path / "project")
    catalogue = root / "config" / "indicators.yaml"
    text = catalogue.read_text(encoding="utf-8")
    assert "title: Werkloosheid" in text
    catalogue.write_text(text.replace("title: Werkloosheid", "title: Werkloosheid (nieuwe definitie)"), "utf-8")

    built = config.load(root, "demo")
    assert built.origin == str(root / "data" / "processed" / "demo")
    assert built.catalogue["werkloosheid"].title == "Werkloosheid"
    assert config.project(root).catalogue["werkloosheid"].title == "Werkloosheid (nieuwe definitie)"
    assert built.changed_since_build() == [str(catalogue)]
    assert load_processed("demo", root=root).configuration(root).catalogue["werkloosheid"].title == "Werkloosheid"

    monkeypatch.setenv(paths.ROOT_ENV, str(root))
    monkeypatch.setenv(paths.REPORTS_ENV, str(tmp_path / "reports"))
    result = CliRunner().invoke(cli.app, ["render", "gemeente", "Vaals"])
    assert result.exit_code == 0, result.output
    assert "indicators.yaml verschilt van de versie waarmee de tabellen gemaakt zijn" in result.output
    page = (tmp_path / "reports" / "factsheet-GM0981-vaals.html").read_text(encoding="utf-8")
    assert "Werkloosheid" in page and "nieuwe definitie" not in page


def test_another_regions_file_is_an_argument_not_an_environment_variable(project, tmp_path, monkeypatch):
    """`trendbreuk --regions FILE build` builds with FILE (its copy is saved beside the tables) and sets nothing in
    the environment; `render` then makes its jobs from the build's regions, without --regions."""
    root = copy_project(project, tmp_path / "project")
    regions = root / "config" / "regions.yaml"
    other = root / "config" / "regions-andere-naam.yaml"
    other.write_text(regions.read_text(encoding="utf-8").replace("name: Vaals", "name: Vaals (andere naam)"), "utf-8")
    monkeypatch.setenv(paths.ROOT_ENV, str(root))
    monkeypatch.setenv(paths.REPORTS_ENV, str(tmp_path / "reports"))
    before = dict(os.environ)

    result = CliRunner().invoke(cli.app, ["--regions", str(other), "build"])
    assert result.exit_code == 0, result.output
    assert dict(os.environ) == before
    saved = root / "data" / "processed" / "demo" / "config" / "regions.yaml"
    assert saved.read_bytes() == other.read_bytes()
    assert config.project(root).regions.locate_gemeente("GM0981")[1].name == "Vaals"
    assert config.load(root, "demo").regions.locate_gemeente("GM0981")[1].name == "Vaals (andere naam)"

    result = CliRunner().invoke(cli.app, ["render", "gemeente", "GM0981"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "reports" / "factsheet-GM0981-vaals-andere-naam.html").read_text(encoding="utf-8")
    assert "Vaals (andere naam)" in page


def test_a_report_runs_in_the_renderers_project_whatever_the_environment_says(project, tmp_path, monkeypatch):
    """While a report's cells run, the project is the renderer's: a TRENDBREUK_ROOT that a worker inherited from
    elsewhere (another project, or none that exists) is not read."""
    monkeypatch.setenv(paths.ROOT_ENV, str(tmp_path / "elders"))
    with paths.working_root(project):
        assert paths.project_root() == project.resolve()
    monkeypatch.delenv(paths.ROOT_ENV)
    monkeypatch.chdir(project)
    assert paths.project_root() == project.resolve()


def test_the_python_engine_renders_the_project_it_is_given(project, tmp_path, monkeypatch):
    """The engine's cells find `root`'s tables although TRENDBREUK_ROOT names a folder that is no project."""
    from trendbreuk.reports.render import gemeente_job, render

    monkeypatch.setenv(paths.ROOT_ENV, str(tmp_path / "geen-project"))
    job = gemeente_job("Vaals", config.load(project, "demo").regions)
    path = render(job, root=project, out_dir=tmp_path / "out")
    assert "Vaals" in path.read_text(encoding="utf-8")


def test_a_build_made_with_another_regions_file_is_not_called_changed(project, tmp_path):
    """After `trendbreuk --regions FILE build`, `render` without --regions compares the build's copy with FILE (the
    file the build names), not with config/regions.yaml: nothing changed, so no warning; a change to FILE is named."""
    root = copy_project(project, tmp_path / "project")
    other = root / "config" / "regions-ander.yaml"
    other.write_text((root / "config" / "regions.yaml").read_text(encoding="utf-8") + "\n# ander bestand\n", "utf-8")
    from trendbreuk.build import build

    build(root=root, configuration=config.project(root, regions=other))
    assert config.load(root, "demo").changed_since_build() == []
    other.write_text(other.read_text(encoding="utf-8") + "# gewijzigd\n", "utf-8")
    assert config.load(root, "demo").changed_since_build() == [str(other)]
