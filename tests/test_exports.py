"""Portal exports: the broken-file corpus (each file one problem, with its own message, row and column), the valid
files, what is set aside knowingly, reconciliation, and `trendbreuk build` refusing every broken file while leaving
data/processed/ as it was."""

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT
from trendbreuk.geography.areas import load_regions
from trendbreuk.geography.lineage import read_register
from trendbreuk.sources.datasets import load_sources
from trendbreuk.sources.exports import check_export

CORPUS = ROOT / "tests" / "fixtures" / "exports"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
REGIONS = load_regions(ROOT / "config" / "regions.yaml")
LAYOUTS = load_sources(root=ROOT).layouts
REGISTER = read_register(CORPUS / "RegioSCodes.json")
TODAY = date(2026, 11, 25)


def _check(path, layout, register=REGISTER):
    return check_export(path, LAYOUTS[layout], REGIONS, register, today=TODAY)


def test_the_corpus_is_complete_and_covers_every_layout():
    assert {p.name for p in (CORPUS / "broken").iterdir()} == set(EXPECTED)
    assert len(EXPECTED) >= 40
    assert {e["layout"] for e in EXPECTED.values()} == {"perined", "wsjg", "gezondheidsmonitor"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_export_yields_its_own_problem(name):
    expected = EXPECTED[name]
    checked = _check(CORPUS / "broken" / name, expected["layout"])
    assert checked.rows.empty
    assert len(checked.problems) == 1, [str(p) for p in checked.problems]
    [problem] = checked.problems
    assert expected["message"] in problem.message, str(problem)
    assert (problem.row, problem.column) == (expected["row"], expected["column"]), str(problem)
    assert problem.sheet == name


@pytest.mark.parametrize("layout", ["perined", "wsjg", "gezondheidsmonitor"])
def test_the_valid_exports_read_without_problems(layout):
    checked = _check(CORPUS / f"geldig-{layout}.csv", layout)
    assert checked.problems == []
    assert len(checked.rows) == 3 and "NL01" in set(checked.rows["area_code"])


def test_harmless_rows_are_set_aside_and_listed_not_dropped_silently(tmp_path):
    """A gemeente outside every region, a 'Totaal' row, the region's own row and a loosely written name: the
    export reads, and the notes say what was set aside where."""
    path = tmp_path / "wsjg.csv"
    path.write_bytes(
        (
            "Indicator;Gebied;Periode;Waarde;Teller;Noemer\n"
            "Werkloosheid;heerlen;2020;6,50;2.925;45.000\n"
            "Werkloosheid;Amsterdam;2020;5,00;25.000;500.000\n"
            "Werkloosheid;Totaal;2020;4,00;360.000;9.000.000\n"
            "Werkloosheid;Nuth;2018;5,00;400;8.000\n"
        ).encode("cp1252")
    )
    checked = _check(path, "wsjg")
    assert checked.problems == []
    notes = {n["kind"]: n for n in checked.notes}
    assert notes["gemeente buiten de regio's"]["rows"] == [3]
    assert notes["totaal- of regiorij"]["rows"] == [4]
    assert notes["naam ruim gelezen"]["examples"] == ["'heerlen' gelezen als Heerlen (GM0917)"]
    # Nuth was dissolved into Beekdaelen in 2019: kept, the build harmonises it with CBS's lineage.
    assert set(checked.rows["area_code"]) == {"GM0917", "GM0951"}


def test_without_a_code_list_an_unknown_code_cannot_be_told_from_one_outside_the_regions(tmp_path):
    path = tmp_path / "perined.csv"
    path.write_text(
        "Gemeentecode;Gemeente;Periode;Indicator;Teller;Noemer;Percentage\n"
        "GM9999;Nergens;2020;Vroeggeboorte (<37 weken);5;70;7,1\n",
        encoding="utf-8-sig",
    )
    assert _check(path, "perined", register=None).problems == []
    assert "bestaat niet" in _check(path, "perined").problems[0].message


def test_a_regional_row_is_reconciled_with_the_sum_of_its_gemeenten(tmp_path):
    """Zuid-Limburg's row against its 16 gemeenten: numerators 16 x 10 = 160, the row says 165 (+5, +3,12%)."""
    gemeenten = [g for g in REGIONS.region("zuid-limburg").gemeenten]
    lines = ["Indicator;Gebied;Periode;Waarde;Teller;Noemer"]
    lines += [f"Werkloosheid;{g.name};2020;1,00;10;1.000" for g in gemeenten]
    lines.append("Werkloosheid;Zuid-Limburg;2020;1,03;165;16.000")
    path = tmp_path / "wsjg.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    checked = _check(path, "wsjg")
    assert checked.problems == []
    [difference] = [n for n in checked.notes if n["kind"] == "verschil met de som van de delen"]
    assert difference["examples"] == [
        "Zuid-Limburg, werkloosheid 2020: teller 165 in de export, som van 16 gemeenten 160 (verschil +5, +3,12%)"
    ]


def _digest(folder: Path) -> dict:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(project, tmp_path_factory):
    """A copy of the built demo project whose CBS code list also holds the corpus's gemeenten (Bergen (NH.), ...)."""
    root = tmp_path_factory.mktemp("exports") / "project"
    shutil.copytree(project, root, ignore=shutil.ignore_patterns("reports"))
    codes = next((root / "data/raw/demo/cbs/03759ned").iterdir()) / "RegioSCodes.json"
    payload = json.loads(codes.read_text(encoding="utf-8"))
    known = {r["Identifier"] for r in payload["value"]}
    extra = [
        r
        for r in json.loads((CORPUS / "RegioSCodes.json").read_text(encoding="utf-8"))["value"]
        if r["Identifier"] not in known
    ]
    payload["value"] += extra
    codes.write_text(json.dumps(payload), encoding="utf-8")
    from trendbreuk.build import build

    build(root=root)
    return root


def test_build_refuses_every_broken_export_and_leaves_data_processed_untouched(built):
    from trendbreuk.build import build
    from trendbreuk.sources.exports import ExportFormatError

    processed = built / "data" / "processed" / "demo"
    before = _digest(processed)
    config = built / "config" / "sources.yaml"
    original = config.read_text(encoding="utf-8")
    try:
        for name, expected in sorted(EXPECTED.items()):
            spec = yaml.safe_load(original)
            spec["datasets"]["demo"]["exports"][expected["layout"]] = str(CORPUS / "broken" / name)
            config.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
            with pytest.raises(ExportFormatError) as err:
                build(root=built)
            assert expected["message"] in str(err.value), name
            assert f"{name}" in str(err.value)
            assert _digest(processed) == before, f"{name} changed data/processed/"
    finally:
        config.write_text(original, encoding="utf-8")


def test_every_problem_of_every_export_comes_at_once(built, tmp_path):
    """Two broken exports: one error lists the problems of both files."""
    from trendbreuk.build import build
    from trendbreuk.sources.exports import ExportFormatError

    config = built / "config" / "sources.yaml"
    original = config.read_text(encoding="utf-8")
    spec = yaml.safe_load(original)
    spec["datasets"]["demo"]["exports"]["perined"] = str(CORPUS / "broken" / "p-teller-groter-dan-noemer.csv")
    spec["datasets"]["demo"]["exports"]["wsjg"] = str(CORPUS / "broken" / "w-onbekende-gemeente.csv")
    try:
        config.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
        with pytest.raises(ExportFormatError) as err:
            build(root=built)
    finally:
        config.write_text(original, encoding="utf-8")
    assert len(err.value.problems) == 2
    assert {p.sheet for p in err.value.problems} == {"p-teller-groter-dan-noemer.csv", "w-onbekende-gemeente.csv"}


def test_notes_reach_build_info(built):
    info = json.loads((built / "data/processed/demo/build_info.json").read_text())
    assert info["export_notes"] == []  # the demo exports are clean
    assert pd.notna(info["built_at"])


def test_check_exports_command_lists_every_problem_and_exits_1(built, monkeypatch):
    from typer.testing import CliRunner

    from trendbreuk.cli import app

    monkeypatch.setenv("TRENDBREUK_ROOT", str(built))
    clean = CliRunner().invoke(app, ["check", "exports", "--dataset", "demo"])
    assert clean.exit_code == 0, clean.output
    assert "perined: perined-export.csv: geen problemen" in clean.output
    export = built / "data/raw/demo/wsjg/wsjg-export.csv"
    good = export.read_bytes()
    try:
        export.write_bytes(good.replace(b";Heerlen;", b";Heerlem;", 1))
        broken = CliRunner().invoke(app, ["check", "exports", "--dataset", "demo"])
    finally:
        export.write_bytes(good)
    assert broken.exit_code == 1
    assert "wsjg-export.csv, rij" in broken.output and "onbekende gemeente; dichtstbijzijnd: Heerlen" in broken.output
