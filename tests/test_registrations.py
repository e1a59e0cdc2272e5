"""Programme registrations: the broken-file corpus, the template round trip, build refusing bad files, and an
attacker who tries to recover suppressed counts from everything the reports expose."""

import base64
import re
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook
from scipy.optimize import linprog

from tests.conftest import ROOT
from trendbreuk.geography.areas import load_regions
from trendbreuk.sources.programmes import load_programmes
from trendbreuk.sources.registration_template import write_template
from trendbreuk.sources.registrations import RegistrationsError, check_registrations

CORPUS = ROOT / "tests" / "fixtures" / "registraties"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
REGIONS = load_regions(ROOT / "config" / "regions.yaml")
PROGRAMMES = load_programmes(ROOT / "config" / "programmes.yaml")
TODAY = date(2025, 6, 30)


def test_the_corpus_is_large_enough():
    assert len(EXPECTED) >= 30
    assert {p.name for p in (CORPUS / "broken").iterdir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_file_yields_its_own_message(name):
    rows, problems = check_registrations(CORPUS / "broken" / name, REGIONS, PROGRAMMES, today=TODAY)
    expected = EXPECTED[name]
    assert len(problems) == 1, [str(p) for p in problems]  # one mistake, one message: the valid rows pass
    problem = problems[0]
    assert expected["message"] in problem.message, str(problem)
    assert problem.row == expected["row"] and problem.column == expected["column"], str(problem)
    assert name.split(".")[0] not in ("",) and str(problem).startswith(name), str(problem)  # names the file


def _fill(template: Path, rows: list[list]) -> None:
    workbook = load_workbook(template)
    for row in rows:
        workbook["Registraties"].append(row)
    workbook.save(template)


def test_template_has_lists_instructions_and_passes_its_own_check(tmp_path):
    path = write_template(tmp_path / "sjabloon.xlsx", REGIONS, PROGRAMMES)
    workbook = load_workbook(path)
    assert workbook.sheetnames[:2] == ["Toelichting", "Registraties"]
    assert [c.value for c in workbook["Registraties"][1]] == [
        "Gebied",
        "Periode",
        "Programma",
        "Maatregel",
        "Waarde",
        "Noemer",
        "Opmerking",
    ]
    validations = workbook["Registraties"].data_validations.dataValidation
    assert {str(v.sqref).split(":")[0] for v in validations} == {"A2", "C2", "D2"}  # area, programme, measure lists
    lists = workbook["Keuzelijsten"]
    assert "Heerlen" in [c.value for c in lists["A"]] and "Parkstad" in [c.value for c in lists["A"]]
    assert "Vul per regel" in " ".join(str(c.value) for c in workbook["Toelichting"]["A"])
    _fill(
        path,
        [
            ["Heerlen", 2024, "Knooppunt Kansrijke Start", "Aanmeldingen", 23, None, None],
            ["Heerlen", "2024-K1", "VoorZorg", "Lopende trajecten", 4, None, None],
        ],
    )
    rows, problems = check_registrations(path, REGIONS, PROGRAMMES, today=TODAY)
    assert problems == [] and len(rows) == 2
    assert rows.set_index("programme").loc["voorzorg", "period"] == "2024KW01"


def _programme_table(html: str) -> pd.DataFrame:
    section = re.search(r'<section class="tb-programmes">(.*?)</section>', html, re.S).group(1)
    link = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', section).group(1)
    from io import StringIO

    return pd.read_csv(StringIO(base64.b64decode(link).decode("utf-8-sig")), sep=";", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def roundtrip(project, tmp_path_factory):
    """The demo project with a registrations file made from the template and filled in by hand."""
    root = tmp_path_factory.mktemp("roundtrip")
    for name in ("config", "notebooks"):
        shutil.copytree(project / name, root / name)
    shutil.copytree(project / "data" / "raw", root / "data" / "raw")
    path = root / "data/raw/demo/registraties/registraties.xlsx"
    write_template(path, REGIONS, PROGRAMMES)
    region = REGIONS.region()
    counts = {g.code: (3 if i % 4 == 0 else 20 + i) for i, g in enumerate(region.gemeenten)}
    _fill(path, [[g.name, 2024, "Keigezond", "Kinderen in zorg", counts[g.code], None, None] for g in region.gemeenten])
    from trendbreuk.build import build

    build(root=root)
    return root, counts


def test_template_round_trips_through_check_build_and_a_report(roundtrip):
    from trendbreuk.reports.render import gemeente_job, render

    root, counts = roundtrip
    html = render(gemeente_job("Heerlen", REGIONS), engine="python", root=root).read_text(encoding="utf-8")
    table = _programme_table(html).set_index("Maatregel")
    heerlen = counts["GM0917"]
    expected = str(heerlen) if heerlen >= 10 else "<10"
    assert table.loc["Kinderen in zorg", "Heerlen"] == expected
    assert table.loc["Kinderen in zorg", "Zuid-Limburg"] in (str(sum(counts.values())), "x")


def test_build_refuses_a_file_with_problems_and_keeps_the_tables(roundtrip):
    from trendbreuk.build import build

    root, _ = roundtrip
    processed = root / "data" / "processed" / "demo"
    contents = lambda: {p.relative_to(processed): p.read_bytes() for p in processed.rglob("*") if p.is_file()}
    before = contents()
    path = root / "data/raw/demo/registraties/registraties.xlsx"
    good = path.read_bytes()
    try:
        _fill(path, [["Heerlem", 2024, "Keigezond", "Kinderen in zorg", -1, None, None]])
        with pytest.raises(RegistrationsError) as err:
            build(root=root)
        assert "onbekend gebied" in str(err.value) and "negatief" in str(err.value)
    finally:
        path.write_bytes(good)
    assert contents() == before


def test_attacker_cannot_recover_any_suppressed_count(project):
    """Everything the reports expose about registrations comes from the shared table (checked below against a
    rendered factsheet's table and CSV). From all of it, an attacker sets up, per programme measure and year,
    the additivity of gemeenten -> subregio -> region with every published number fixed, a '<10' cell between 1
    and 9 and an 'x' cell at least 0, and computes the smallest and largest value of each hidden cell (linear
    programming). No hidden count may be pinned to a single whole number."""
    from trendbreuk.processed import load_processed

    shared = load_processed(root=project).registrations_shared
    assert shared.loc[shared["suppressed"] != "", ["value", "reach", "per_1000_births"]].isna().all().all()
    region = REGIONS.region()
    parent = {g.code: g.subregio_code for g in region.gemeenten} | {s.code: region.code for s in region.subregios}
    attacked = 0
    for _, table in shared[shared["unit"] != "status"].groupby(["programme", "measure", "year"]):
        cells = list(table["area_code"])
        shown = dict(zip(table["area_code"], table["display_value"]))
        if not any(v in ("<10", "x") for v in shown.values()):
            continue
        index = {c: i for i, c in enumerate(cells)}
        bounds = []
        for c in cells:
            v = shown[c]
            bounds.append((1, 9) if v == "<10" else (0, None) if v == "x" else (float(v.replace(".", "")),) * 2)
        rows = []
        for p in set(parent[c] for c in cells if c in parent):
            if p in index:
                row = np.zeros(len(cells))
                row[index[p]] = 1
                for c in cells:
                    if parent.get(c) == p:
                        row[index[c]] = -1
                rows.append(row)
        for c in cells:
            if shown[c] == "<10":
                goal = np.zeros(len(cells))
                goal[index[c]] = 1
                low = linprog(goal, A_eq=np.array(rows), b_eq=np.zeros(len(rows)), bounds=bounds).fun
                high = -linprog(-goal, A_eq=np.array(rows), b_eq=np.zeros(len(rows)), bounds=bounds).fun
                attacked += 1
                assert np.floor(high + 1e-9) - np.ceil(low - 1e-9) >= 1, (
                    table.iloc[0][["programme", "year"]].tolist(),
                    c,
                )
    assert attacked > 50


def test_rendered_report_exposes_only_the_shared_table(project, tmp_path):
    from trendbreuk.processed import load_processed
    from trendbreuk.reports.render import gemeente_job, render

    html = render(gemeente_job("Vaals", REGIONS), engine="python", root=project, out_dir=tmp_path).read_text(
        encoding="utf-8"
    )
    table = _programme_table(html)
    shared = load_processed(root=project).registrations_shared
    latest = shared[shared["year"] == shared["year"].max()].set_index(["area_code", "measure_title", "programme_title"])
    for row in table.itertuples(index=False):
        assert row[2] == latest.loc[("GM0981", row[1], row[0]), "display_value"]
    hidden = shared[
        (shared["area_code"] == "GM0981")
        & (shared["suppressed"] == "primair")
        & (shared["year"] == shared["year"].max())
    ]
    assert not hidden.empty and "<10" in html
