"""Editions (issue 19): a build kept under a name, what changed since, and why.

Each scenario makes two demo builds that differ in one controlled way and checks that the comparison names exactly
that change with the right cause and nothing else. Expected values are worked out from the raw export (pandas on the
CSV, not the workbook's code): pooled Perined rates are the sums of the three years' tellers over the sums of their
noemers, and an area is "niet te beoordelen" when the teller of its latest period is below the indicator's
min_count."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import copy_project
from tests.report_html import figures

PERINED = Path("data/raw/demo/perined/perined-export.csv")
PERINED_IDS = {"vroeggeboorte", "laag_geboortegewicht", "big2", "perinatale_sterfte"}
PARKSTAD = ["GM0917", "GM0928", "GM0882", "GM0899", "GM0965", "GM0986", "GM1954"]
BEEKDAELEN_BEFORE_2019 = ["GM0951", "GM0881", "GM0962"]  # Nuth, Onderbanken, Schinnen: rows of 2018 and before
ZUID_LIMBURG = PARKSTAD + ["GM0935", "GM1903", "GM1729", "GM0938", "GM0981", "GM0994", "GM1883", "GM0888", "GM0971"]


def raw_perined(root: Path) -> pd.DataFrame:
    """The export as the portal writes it (Dutch numbers: 1.027 is a thousand and twenty-seven)."""
    return pd.read_csv(
        root / PERINED,
        sep=";",
        encoding="utf-8-sig",
        thousands=".",
        decimal=",",
        dtype={"Periode": int, "Teller": int, "Noemer": int},
    )


def write_perined(root: Path, frame: pd.DataFrame) -> None:
    """Back in the portal's form: whole counts, the percentage with a decimal comma."""
    out = frame.assign(Percentage=frame["Percentage"].map(lambda x: f"{x:.1f}".replace(".", ",")))
    out.to_csv(root / PERINED, sep=";", index=False, encoding="utf-8-sig")


def revise(frame: pd.DataFrame, rows, add: int) -> pd.DataFrame:
    """The portal's correction of some tellers (the percentage follows, as the export checks)."""
    out = frame.copy()
    out.loc[rows, "Teller"] += add
    out.loc[rows, "Percentage"] = 100 * out.loc[rows, "Teller"] / out.loc[rows, "Noemer"]
    return out


@pytest.fixture
def env(monkeypatch):
    def use(root: Path) -> Path:
        monkeypatch.setenv("TRENDBREUK_ROOT", str(root))
        return root

    return use


def build_and_save(root: Path, name: str):
    from trendbreuk import editions
    from trendbreuk.build import build

    build(root=root)
    return editions.save(name, root=root)[0]


def changes_of(root: Path) -> pd.DataFrame:
    from trendbreuk.processed import load_processed

    processed = load_processed(root=root)
    assert processed.changes is not None, "the build did not compare itself with the last edition"
    return processed.changes


# --- the four controlled differences -----------------------------------------------------------------------------


def test_an_added_year_is_new_data_and_nothing_else(project, tmp_path, env):
    from trendbreuk.build import build

    root = env(copy_project(project, tmp_path / "p"))
    full = raw_perined(root)
    last = int(full["Periode"].max())
    write_perined(root, full[full["Periode"] < last])
    build_and_save(root, "vorig-jaar")
    write_perined(root, full)
    build(root=root)
    changes = changes_of(root)

    assert set(changes["indicator"]) == PERINED_IDS  # only the Perined indicators got a year
    assert set(changes["cause"]) == {"nieuwe_cijfers"}
    assert "gewijzigde_waarde" not in set(changes["kind"])
    fresh = changes[changes["kind"] == "nieuwe_periode"]
    # three-year blocks end in the last year, so with a year more every block moves on by one: 2022-2024 is new
    # for every indicator and every area of the region, and so are 2019-2021 and the blocks before
    ends = lambda periods: {int(p[-4:]) for p in periods}
    assert ends(fresh["period"]) <= {last, last - 3, last - 6, last - 9}
    for indicator in PERINED_IDS:
        areas = set(
            fresh.loc[(fresh["indicator"] == indicator) & (fresh["period"] == f"{last - 2}-{last}"), "area_code"]
        )
        assert set(ZUID_LIMBURG) | {"ZL", "MH", "PS", "WM"} <= areas, indicator
    # ... and the old blocks, which ended a year earlier, are gone for the same reason
    gone = changes[changes["kind"] == "vervallen_periode"]
    assert ends(gone["period"]) == {last - 1, last - 4, last - 7, last - 10}


def test_a_revised_perined_value_is_a_revision_of_exactly_that_value(project, tmp_path, env):
    from trendbreuk.build import build

    root = env(copy_project(project, tmp_path / "p"))
    before = raw_perined(root)
    build_and_save(root, "voor-correctie")
    row = (
        (before["Gemeentecode"] == "GM0917")
        & (before["Periode"] == 2016)
        & before["Indicator"].str.startswith("Vroeggeboorte (")
    )
    assert row.sum() == 1
    after = revise(before, row, 12)  # the portal corrected Heerlen's 2016 count
    write_perined(root, after)
    build(root=root)
    changes = changes_of(root)

    def pooled(frame, codes):
        part = frame[
            frame["Gemeentecode"].isin(codes)
            & frame["Periode"].between(2016, 2018)
            & frame["Indicator"].str.startswith("Vroeggeboorte (")
        ]
        return 100 * part["Teller"].sum() / part["Noemer"].sum()

    expected = {
        code: (pooled(before, members), pooled(after, members))
        for code, members in {
            "GM0917": ["GM0917"],
            "PS": PARKSTAD + BEEKDAELEN_BEFORE_2019,
            "ZL": ZUID_LIMBURG + BEEKDAELEN_BEFORE_2019,
        }.items()
    }
    values = changes[changes["kind"] == "gewijzigde_waarde"]
    assert set(values["indicator"]) == {"vroeggeboorte"}
    assert set(values["period"]) == {"2016-2018"}
    assert set(values["area_code"]) == set(expected)  # not the rest of NL, not Nederland
    for _, change in values.iterrows():
        old, new = expected[change["area_code"]]
        assert change["old_value"] == pytest.approx(old, rel=1e-9)
        assert change["new_value"] == pytest.approx(new, rel=1e-9)
    assert set(changes["cause"]) == {"herziening"}
    assert set(changes["kind"]) <= {"gewijzigde_waarde", "ander_oordeel", "andere_stand"}
    assert set(changes["area_code"]) <= set(expected)


def test_a_changed_threshold_changes_only_the_standings_it_touches_by_method(project, tmp_path, env):
    from trendbreuk.build import build

    root = env(copy_project(project, tmp_path / "p"))
    build_and_save(root, "drempel-10")
    config = root / "config" / "indicators.yaml"
    text = config.read_text(encoding="utf-8")
    start = text.index("- id: perinatale_sterfte")
    at = text.index("min_count: 10", start)
    config.write_text(text[:at] + "min_count: 60" + text[at + len("min_count: 10") :], encoding="utf-8")
    build(root=root)
    changes = changes_of(root)

    raw = raw_perined(root)
    last = int(raw["Periode"].max())
    deaths = raw[raw["Indicator"].str.startswith("Perinatale sterfte") & raw["Periode"].between(last - 2, last)]
    teller = deaths.groupby("Gemeentecode")["Teller"].sum()
    areas = {
        **{code: teller[code] for code in ZUID_LIMBURG},
        "PS": teller[PARKSTAD].sum(),
        "ZL": teller[ZUID_LIMBURG].sum(),
        "MH": teller[["GM0935", "GM1903", "GM1729", "GM0938", "GM0981", "GM0994"]].sum(),
        "WM": teller[["GM1883", "GM0888", "GM0971"]].sum(),
    }
    newly_too_few = {code for code, n in areas.items() if 10 <= n < 60}
    assert newly_too_few, "the scenario must touch some areas"

    assert set(changes["indicator"]) == {"perinatale_sterfte"}
    assert set(changes["cause"]) == {"methode"}
    assert set(changes["kind"]) <= {"andere_stand", "ander_oordeel"}  # no value moved
    standing = changes[changes["kind"] == "andere_stand"]
    assert set(standing["new_state"]) == {"onvoldoende_gegevens"} or set(standing["new_state"]) == {
        "niet_te_beoordelen"
    }
    # in Zuid-Limburg: every area whose latest three years have 10 to 59 deaths, against both benchmarks; nothing else
    here = standing[standing["region"] == "zuid-limburg"]
    print(here[["area_code", "benchmark", "old_state", "new_state"]])
    assert set(here["area_code"]) == newly_too_few
    assert sorted(here["benchmark"]) == sorted(["rest_nl", "NL01"] * len(newly_too_few))


def test_a_merger_is_a_change_of_indeling(project, tmp_path, env):
    """The earlier build had a CBS code list that did not yet record how Nuth, Onderbanken and Schinnen became
    Beekdaelen (2019): their rows of 2018 and before stayed apart from Beekdaelen. The new code list records it, so
    Beekdaelen gains those years and Parkstad and Zuid-Limburg gain the three gemeenten's rows."""
    from trendbreuk import io
    from trendbreuk.build import build

    root = env(copy_project(project, tmp_path / "p"))
    snapshot = next((root / "data/raw/demo/cbs/03759ned").iterdir())
    codes, manifest = snapshot / "RegioSCodes.json", snapshot / "manifest.json"
    keep_codes, keep_manifest = codes.read_bytes(), manifest.read_bytes()
    listed = json.loads(keep_codes)
    for entry in listed["value"]:
        if entry["Identifier"] in ["GM1954", *BEEKDAELEN_BEFORE_2019]:
            assert "Beekdaelen" in entry["Description"] or "Nuth" in entry["Description"]
            entry["Description"] = ""  # no word of the merger
    codes.write_text(json.dumps(listed, ensure_ascii=False), encoding="utf-8")
    sums = json.loads(keep_manifest)
    sums["sha256"]["RegioSCodes.json"] = io.sha256_file(codes)
    manifest.write_text(json.dumps(sums), encoding="utf-8")
    build_and_save(root, "zonder-fusie")
    codes.write_bytes(keep_codes)
    manifest.write_bytes(keep_manifest)
    build(root=root)
    changes = changes_of(root)

    assert set(changes["cause"]) == {"herindeling"}
    here = changes[changes["region"] == "zuid-limburg"]
    # values: Beekdaelen, the areas it lies in, and the rest of NL (which held the three gemeenten's old rows)
    values = here[here["kind"].isin(["nieuwe_periode", "vervallen_periode", "gewijzigde_waarde"])]
    assert set(values["area_code"]) == {"GM1954", "PS", "ZL", "rest_nl"}
    # verdicts: any area held to the rest of NL may move with it; against Nederland only those whose own rows moved
    judged = here[here["kind"].isin(["ander_oordeel", "andere_stand"])]
    assert set(judged.loc[judged["benchmark"] == "NL01", "area_code"]) <= {"GM1954", "PS", "ZL"}
    beekdaelen = changes[changes["area_code"] == "GM1954"]
    assert set(beekdaelen["kind"]) <= {"nieuwe_periode", "ander_oordeel", "andere_stand"}
    periods = beekdaelen.loc[beekdaelen["kind"] == "nieuwe_periode", "period"]
    assert periods.map(lambda p: int(p[-4:])).max() <= 2018  # only the years before the merger
    # Beekdaelen's new 2016-2018 vroeggeboorte is the three gemeenten's rows pooled (from the export, by hand)
    raw = raw_perined(root)
    part = raw[
        raw["Gemeentecode"].isin(BEEKDAELEN_BEFORE_2019)
        & raw["Periode"].between(2016, 2018)
        & raw["Indicator"].str.startswith("Vroeggeboorte (")
    ]
    row = beekdaelen[(beekdaelen["indicator"] == "vroeggeboorte") & (beekdaelen["period"] == "2016-2018")]
    assert row["new_value"].iloc[0] == pytest.approx(100 * part["Teller"].sum() / part["Noemer"].sum(), rel=1e-9)


def test_a_build_of_the_same_data_changes_nothing(project, tmp_path, env):
    from trendbreuk.build import build
    from trendbreuk.changes import summary

    root = env(copy_project(project, tmp_path / "p"))
    build_and_save(root, "eerste")
    build(root=root)
    changes = changes_of(root)
    assert changes.empty
    assert summary(changes, "eerste") == "Sinds editie eerste is er niets veranderd aan de cijfers en oordelen."


def test_summary_counts_causes_in_plain_dutch():
    from trendbreuk.changes import CAUSES, summary

    rows = [
        ("ander_oordeel", "nieuwe_cijfers"),
        ("ander_oordeel", "nieuwe_cijfers"),
        ("ander_oordeel", "herziening"),
        ("nieuwe_periode", "nieuwe_cijfers"),
        ("gewijzigde_waarde", "herziening"),
    ]
    frame = pd.DataFrame(
        {
            "kind": [k for k, _ in rows],
            "cause": [c for _, c in rows],
            "cause_label": [CAUSES[c] for _, c in rows],
            "indicator": ["a", "a", "b", "a", "b"],
        }
    )
    assert summary(frame, "2024") == (
        "Sinds editie 2024: 3 oordelen veranderd: 2 door nieuwe cijfers, 1 door "
        "herziening van de bron; nieuwe cijfers voor 1 indicator; 1 cijfer over "
        "eerdere periodes gewijzigd (1 door herziening van de bron)."
    )


# --- storing editions ---------------------------------------------------------------------------------------------


def test_an_edition_is_stored_once_read_only_and_never_overwritten(project, tmp_path, env):
    from trendbreuk import editions
    from trendbreuk.build import build

    root = env(copy_project(project, tmp_path / "p"))
    first, new = editions.save("2024", root=root)
    objects = root / "data/editions/demo/objects"
    stored = sorted(objects.iterdir())
    again, new_again = editions.save("2024", root=root)
    assert new and not new_again and again.build_id == first.build_id
    twin, _ = editions.save("2024-kopie", root=root)  # same build, other name: no new file
    assert sorted(objects.iterdir()) == stored and twin.build_id == first.build_id
    assert (root / "data/editions/NIET-DELEN.txt").is_file()
    table = first.folder / "indicator_values.parquet"
    assert not os.access(table, os.W_OK) or os.geteuid() == 0
    assert table.stat().st_mode & 0o222 == 0
    assert table.stat().st_ino == (objects / first.manifest["files"]["indicator_values.parquet"]).stat().st_ino

    raw = raw_perined(root)
    write_perined(root, revise(raw, raw.index == 0, 1))
    build(root=root)
    with pytest.raises(editions.EditionError, match="already exists with other content"):
        editions.save("2024", root=root)
    later, _ = editions.save("2025", root=root)
    added = set(objects.iterdir()) - set(stored)
    changed = {name for name, sha in later.manifest["files"].items() if sha != first.manifest["files"].get(name)}
    assert len(added) == len(changed) < len(later.manifest["files"])  # unchanged tables are not stored again
    assert [e.name for e in editions.list_editions(root=root)] == ["2024", "2024-kopie", "2025"]


def test_build_info_names_files_relative_to_the_project(project, tmp_path, env):
    root = env(copy_project(project, tmp_path / "p"))
    from trendbreuk.build import build

    build(root=root)
    text = (root / "data/processed/demo/build_info.json").read_text(encoding="utf-8")
    assert str(root) not in text and str(tmp_path) not in text
    info = json.loads(text)
    perined = next(s for s in info["sources"] if s.get("source") == "perined")
    assert perined["file"] == PERINED.as_posix()
    assert set(info["configuration"]) == {"indicators.yaml", "regions.yaml", "sources.yaml", "programmes.yaml"}
    assert (root / "data/processed/demo/config/indicators.yaml").read_bytes() == (
        root / "config/indicators.yaml"
    ).read_bytes()


# --- commands, re-rendering, portability ------------------------------------------------------------------------


def render_heerlen(root: Path, out: Path, dataset: str = "") -> str:
    from trendbreuk.processed import load_processed
    from trendbreuk.reports.render import gemeente_job, render_many

    regions = load_processed(dataset or None, root=root).configuration(root).regions
    outcomes = list(
        render_many([gemeente_job("Heerlen", regions, dataset=dataset)], engine="python", root=root, out_dir=out)
    )
    assert not [o.error for o in outcomes if o.error]
    return (out / "factsheet-GM0917-heerlen.html").read_text(encoding="utf-8")


def test_an_edition_renders_again_with_the_same_figures_after_the_data_moved_on(project, tmp_path, env):
    from trendbreuk import editions
    from trendbreuk.build import build

    root = env(copy_project(project, tmp_path / "p"))
    then = render_heerlen(root, tmp_path / "then")
    editions.save("2024", root=root)
    raw = raw_perined(root)
    heerlen = (raw["Gemeentecode"] == "GM0917") & raw["Indicator"].str.startswith("Vroeggeboorte (")
    write_perined(root, revise(raw, heerlen, 5))  # every year of Heerlen revised
    build(root=root)

    now = render_heerlen(root, tmp_path / "now")
    again = render_heerlen(root, tmp_path / "again", dataset="demo@2024")
    strip = lambda html: [(f["data"], f["layout"]) for f in figures(html)]
    assert strip(again) == strip(then)
    assert strip(now) != strip(then)  # the test can fail: today's figures moved
    assert "Wat is er veranderd sinds editie 2024" in now and "Wat is er veranderd" not in again
    assert "editie 2024" in again


def test_edition_commands_and_a_copied_project(project, tmp_path, env):
    from trendbreuk import cli

    root = env(copy_project(project, tmp_path / "p"))
    runner = CliRunner()
    saved = runner.invoke(cli.app, ["edition", "save", "2024"])
    assert saved.exit_code == 0, saved.output
    assert "editie 2024 van demo: opgeslagen" in saved.output
    raw = raw_perined(root)
    row = (
        (raw["Gemeentecode"] == "GM0917")
        & (raw["Periode"] == 2016)
        & raw["Indicator"].str.startswith("Vroeggeboorte (")
    )
    write_perined(root, revise(raw, row, 12))
    assert runner.invoke(cli.app, ["build"]).exit_code == 0
    assert runner.invoke(cli.app, ["edition", "save", "2025"]).exit_code == 0
    listed = runner.invoke(cli.app, ["edition", "list"])
    assert listed.output.index("2024") < listed.output.index("2025")
    shown = runner.invoke(cli.app, ["edition", "show", "2024"])
    assert "perined: data/raw/demo/perined/perined-export.csv" in shown.output
    missing = runner.invoke(cli.app, ["edition", "show", "2023"])
    assert missing.exit_code == 1 and "no edition '2023'" in missing.output and "2024, 2025" in missing.output

    # a colleague gets a copy of the project (another path): the editions still compare and render
    elsewhere = env(Path(shutil.copytree(root, tmp_path / "collega" / "project")))
    shutil.rmtree(root)
    diff = runner.invoke(cli.app, ["edition", "diff", "2024", "2025", "--csv", str(tmp_path / "w.csv")])
    assert diff.exit_code == 0, diff.output
    assert "3 cijfers over eerdere periodes gewijzigd (3 door herziening van de bron)" in diff.output
    table = pd.read_csv(tmp_path / "w.csv", sep=";", encoding="utf-8-sig")
    assert sorted(table["area_code"]) == ["GM0917", "PS", "ZL"] and set(table["cause"]) == {"herziening"}
    rendered = runner.invoke(
        cli.app, ["render", "gemeente", "Heerlen", "--edition", "2024"], env={"TRENDBREUK_REPORTS": None}
    )  # (sets it for its own process)
    assert rendered.exit_code == 0, rendered.output
    assert (elsewhere / "reports/editie-2024/factsheet-GM0917-heerlen.html").is_file()


# --- incremental rendering ----------------------------------------------------------------------------------------


def test_render_all_renders_again_only_the_reports_whose_inputs_changed(project, tmp_path, env):
    from trendbreuk import editions
    from trendbreuk.build import build
    from trendbreuk.geography.areas import load_regions
    from trendbreuk.reports.render import all_jobs, render_many

    root = env(copy_project(project, tmp_path / "p"))
    out = tmp_path / "reports"
    regions = load_regions(root / "config" / "regions.yaml")
    jobs = all_jobs(regions)

    def rendered(**options) -> set[str]:
        outcomes = list(render_many(jobs, engine="python", root=root, out_dir=out, **options))
        assert not [o.error for o in outcomes if o.error]
        return {o.job.filename for o in outcomes if not o.reused}

    everything = {j.filename for j in jobs}
    assert rendered(reuse=True) == everything  # nothing rendered before
    stamps = {name: (out / name).stat().st_mtime_ns for name in everything}
    assert rendered(reuse=True) == set()  # nothing changed
    assert {name: (out / name).stat().st_mtime_ns for name in everything} == stamps

    # an edition saved and the next build compared with it: every report gains "Wat is er veranderd"
    editions.save("2024", root=root)
    build(root=root)
    assert rendered(reuse=True) == everything

    # a revised Perined count in Heerlen: the reports of Zuid-Limburg, not those of Noord- en Midden-Limburg (its
    # rest of Nederland is Nederland minus its own gemeenten, which did not change)
    raw = raw_perined(root)
    row = (
        (raw["Gemeentecode"] == "GM0917")
        & (raw["Periode"] == 2016)
        & raw["Indicator"].str.startswith("Vroeggeboorte (")
    )
    write_perined(root, revise(raw, row, 12))
    build(root=root)
    zuid = regions.regions["zuid-limburg"]
    expected = (
        {"regio-ZL-zuid-limburg.html", "programma-ZL-zuid-limburg.html"}
        | {f"subregio-{s.code}-{s.slug}.html" for s in zuid.subregios}
        | {f"factsheet-{g.code}-{g.slug}.html" for g in zuid.gemeenten}
    )
    assert rendered(reuse=True) == expected
    assert len(expected) == 2 + 3 + 16

    (out / "factsheet-GM0917-heerlen.html").unlink()  # a report someone removed
    (out / "factsheet-GM0935-maastricht.html").write_text("overschreven")  # ... or replaced
    assert rendered(reuse=True) == {"factsheet-GM0917-heerlen.html", "factsheet-GM0935-maastricht.html"}
    notebook = root / "notebooks" / "subregio.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8").replace("\n}", "\n }", 1), encoding="utf-8")
    assert rendered(reuse=True) == {j.filename for j in jobs if j.kind == "subregio"}
    assert rendered(reuse=False) == everything  # --force


def test_quarto_renders_an_edition_with_the_same_figures_as_the_python_engine(project, tmp_path, env):
    """Both engines read the edition's tables through the notebook's `dataset` parameter ("demo@2024")."""
    from tests.conftest import quarto_or_skip
    from trendbreuk import config, editions
    from trendbreuk.build import build
    from trendbreuk.reports.render import gemeente_job, render_many

    quarto_or_skip()
    root = env(copy_project(project, tmp_path / "p"))
    editions.save("2024", root=root)
    raw = raw_perined(root)
    write_perined(
        root, revise(raw, (raw["Gemeentecode"] == "GM0917") & raw["Indicator"].str.startswith("Vroeggeboorte ("), 5)
    )
    build(root=root)
    job = gemeente_job("Heerlen", config.load(root, "demo@2024").regions, dataset="demo@2024")
    pages = {}
    for engine in ("python", "quarto"):
        outcomes = list(render_many([job], engine=engine, root=root, out_dir=tmp_path / engine, workers=1))
        assert not [o.error for o in outcomes if o.error]
        pages[engine] = (tmp_path / engine / job.filename).read_text(encoding="utf-8")
    assert [f["data"] for f in figures(pages["quarto"])] == [f["data"] for f in figures(pages["python"])]
    assert "editie 2024" in pages["quarto"]


def test_the_changes_table_keeps_its_contract():
    from trendbreuk.changes import no_changes
    from trendbreuk.indicators.schemas import ContractError, validate_tables

    assert validate_tables({"changes": no_changes()})["changes"].empty
    row = {
        "region": "zuid-limburg",
        "indicator": "bijstand",
        "indicator_title": "Bijstand",
        "area_level": "gemeente",
        "area_code": "GM0917",
        "area_name": "Heerlen",
        "benchmark": "rest_nl",
        "period": "",
        "kind": "ander_oordeel",
        "old_value": float("nan"),
        "new_value": float("nan"),
        "old_state": "op_koers",
        "new_state": "niet_op_koers",
        "cause": "methode+nieuwe_cijfers",
        "cause_label": "andere methode of instelling en nieuwe cijfers",
    }
    assert len(validate_tables({"changes": pd.DataFrame([row])})["changes"]) == 1
    with pytest.raises(ContractError, match="a cause is one of"):
        validate_tables({"changes": pd.DataFrame([{**row, "cause": "toeval"}])})
