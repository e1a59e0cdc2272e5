"""Fetching CBS tables from a local server on 127.0.0.1 that replays real recorded responses
(../shared/data/cbs), including paging and every failure the fetcher must survive or report."""

import json
import math
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, SHARED, shared_file
from tests.local_server import LocalServer, Reply
from tests.odata_mirror import ODataMirror, add_recordings
from trendbreuk.sources.cbs import SnapshotError, latest_snapshot, read_cbs_v3, read_cbs_v4
from trendbreuk.sources.cbs_fetch import FetchError, base_url, build_v4_filter, fetch_cbs_v3, fetch_cbs_v4

TABLE = "03759ned"
DIMENSIONS = ("BurgerlijkeStaat", "Geslacht", "Leeftijd", "RegioS", "Perioden")


@pytest.fixture
def no_wait(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def _serve_03759ned(server, observations: list[Reply] | None = None):
    folder = shared_file("cbs", "03759ned-v4")
    base = f"/CBS/{TABLE}"
    server.script.add(f"{base}/Properties", Reply(200, (folder / "properties.json").read_bytes()))
    server.script.add(f"{base}/Dimensions", Reply(200, (folder / "dimensions.json").read_bytes()))
    server.script.add(f"{base}/MeasureCodes", Reply(200, (folder / "measure-codes.json").read_bytes()))
    for dim in DIMENSIONS:
        server.script.add(f"{base}/{dim}Codes", Reply(200, (folder / f"codes-{dim}.json").read_bytes()))
    if observations is None:
        recorded = json.loads((folder / "observations-page-1.json").read_text())
        half = len(recorded["value"]) // 2
        first = {
            **recorded,
            "value": recorded["value"][:half],
            "@odata.nextLink": f"{server.url}{base}/Observations?$skip={half}",
        }
        second = {**recorded, "value": recorded["value"][half:]}
        observations = [Reply(200, json.dumps(first).encode()), Reply(200, json.dumps(second).encode())]
    server.script.add(f"{base}/Observations", *observations)


def _fetch(server, tmp_path, **kwargs):
    return fetch_cbs_v4(
        TABLE,
        tmp_path / "cbs",
        measures=["M000352", "M000365"],
        dimensions={"Geslacht": ["T001038"]},
        base=f"{server.url}/CBS",
        retries=2,
        **kwargs,
    )


def test_filter_asks_only_for_what_is_needed():
    assert build_v4_filter(
        measures=["M000352"],
        dimensions={"Leeftijd": ["10000"]},
        region_prefixes=["GM"],
        regions=["NL01"],
        from_period="2019JJ00",
    ) == (
        "Measure eq 'M000352' and Leeftijd eq '10000' and (startswith(RegioS,'GM') or RegioS eq 'NL01') "
        "and Perioden ge '2019JJ00'"
    )
    assert build_v4_filter(regions=["O'Neil"]) == "RegioS eq 'O''Neil'"  # quotes doubled, as OData wants


def test_fetch_v4_follows_paging_and_keeps_responses_as_delivered(tmp_path):
    with LocalServer() as server:
        _serve_03759ned(server)
        snapshot = _fetch(server, tmp_path)
        requests = server.script.requests
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert manifest["row_count"] == 13568 and manifest["observations"] == ["Observations.json", "Observations-2.json"]
    assert manifest["table_modified"] == "2026-06-23T00:00:00+02:00"
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])
    assert (snapshot / "RegioSCodes.json").read_bytes() == shared_file(
        "cbs", "03759ned-v4", "codes-RegioS.json"
    ).read_bytes()
    observation_requests = [r for r in requests if "/Observations" in r]
    assert "$filter=" in observation_requests[0] and "M000352" in observation_requests[0]
    assert observation_requests[1].endswith("$skip=6784")
    # What was fetched reads into the same tidy rows as the recording, and gemeenten still sum to NL01.
    tidy = read_cbs_v4(snapshot)
    assert len(tidy) == 13568
    population = tidy[(tidy["measure"] == "M000352") & (tidy["period_code"] == "2023JJ00")]
    assert (
        population[population["region_code"].str.startswith("GM")]["value"].sum()
        == population.loc[population["region_code"] == "NL01", "value"].item()
    )


def test_a_500_is_retried(tmp_path, no_wait):
    recorded = shared_file("cbs", "03759ned-v4", "observations-page-1.json").read_bytes()
    with LocalServer() as server:
        _serve_03759ned(server, [Reply(500, b"Internal Server Error", "text/plain"), Reply(200, recorded)])
        snapshot = _fetch(server, tmp_path)
    assert json.loads((snapshot / "manifest.json").read_text())["row_count"] == 13568


def _assert_nothing_written(tmp_path, table=TABLE):
    table_dir = tmp_path / "cbs" / table
    leftovers = list(table_dir.iterdir()) if table_dir.exists() else []
    assert leftovers == [], leftovers


@pytest.mark.parametrize(
    "reply, message",
    [
        (Reply(500, b"Internal Server Error", "text/plain"), r"Observations.* answered HTTP 500"),
        (
            Reply(200, b"<!DOCTYPE html><html><body>Onderhoud</body></html>", "text/html"),
            "returned an HTML page where JSON was expected",
        ),
        (Reply(200, b'{"value": [{"Id": 1,', truncate_to=10), "failed after 3 attempts"),
        (Reply(200, b'{"value": [{"Id": 1, "Measure"'), "returned invalid JSON"),
        (Reply(200, b'{"value": []}', delay=1.0), "failed after 3 attempts"),
    ],
)
def test_failures_end_in_a_clear_error_and_no_snapshot(tmp_path, no_wait, reply, message):
    with LocalServer() as server:
        _serve_03759ned(server, [reply])
        with pytest.raises(FetchError, match=f"CBS table {TABLE}: .*{message}"):
            _fetch(server, tmp_path, timeout=0.3)
    _assert_nothing_written(tmp_path)


def test_a_new_fetch_never_overwrites_and_reading_takes_the_newest(tmp_path):
    with LocalServer() as server:
        _serve_03759ned(server)
        first = _fetch(server, tmp_path)
        first_files = {p.name: p.read_bytes() for p in first.iterdir()}
    with LocalServer() as server:
        _serve_03759ned(server)
        second = _fetch(server, tmp_path)
    assert first != second and second.name.endswith("-2")
    assert {p.name: p.read_bytes() for p in first.iterdir()} == first_files
    assert latest_snapshot(tmp_path / "cbs" / TABLE) == second


def test_reading_a_table_never_fetched_says_which_command_fetches_it(tmp_path):
    with pytest.raises(SnapshotError, match="trendbreuk fetch cbs 03759ned"):
        latest_snapshot(tmp_path / "cbs" / "03759ned")


@pytest.fixture
def recordings_mirror():
    """The recorded CBS tables served on 127.0.0.1 the way CBS serves them (small pages, to exercise paging)."""
    shared_file("cbs", "84799NED-v3")
    with ODataMirror(page_size=100) as mirror:
        add_recordings(mirror, SHARED)
        yield mirror


def test_fetch_v3_resolves_measure_stems_and_keeps_only_gemeenten_and_nederland(tmp_path, recordings_mirror):
    """KWB 2020 (84799NED) from the recording: the catalogue asks for key stems, the table answers with its own
    suffixes; the filter keeps gemeenten and NL00, $select only the resolved columns, paging follows nextLink."""
    snapshot = fetch_cbs_v3(
        "84799NED",
        tmp_path / "cbs",
        base=f"{recordings_mirror.url}/v3",
        measures=["PersonenPerSoortUitkeringBijstand", "AantalInwoners_5", "k_0Tot15Jaar_999"],
    )
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert manifest["measures"] == ["PersonenPerSoortUitkeringBijstand_83", "AantalInwoners_5", "k_0Tot15Jaar_8"]
    assert manifest["table_period"] == "2020" and manifest["table_title"] == "Kerncijfers wijken en buurten 2020"
    # 355 gemeenten of 2020 plus Nederland (NL00) out of 17,341 rows; 100 rows a page.
    assert manifest["row_count"] == 356 and len(manifest["typed_data_set"]) == 4
    data_request = next(r for r in recordings_mirror.requests if "/TypedDataSet" in r)
    assert "$format=json" in data_request and "PersonenPerSoortUitkeringBijstand_83" in data_request
    tidy = read_cbs_v3(snapshot)
    assert "GM0935" in set(tidy["region_code"])  # 'GM0935    ' trimmed
    population = tidy[tidy["measure"] == "AantalInwoners_5"]
    national = population.loc[population["region_code"] == "NL00", "value"].item()
    assert national == 17_407_585  # CBS: inwoners 1 januari 2020
    assert population.loc[population["region_code"].str.startswith("GM"), "value"].sum() == national
    # Maastricht: 3.820 personen met bijstand in KWB 2020 (rounded to tens by CBS).
    bijstand = tidy[(tidy["measure"] == "PersonenPerSoortUitkeringBijstand_83") & (tidy["region_code"] == "GM0935")]
    assert bijstand["value"].item() == 3820


@pytest.mark.parametrize(
    "measures, message",
    [
        (
            ["PersonenPerSoortUitkeringBijstnd"],
            r"no measure 'PersonenPerSoortUitkeringBijstnd'.*closest: PersonenPerSoortUitkeringBijstand_83",
        ),
        (["Appartement"], r"'Appartement' matches several measures: Appartement_48 \(Appartement\); Appartement_56"),
    ],
)
def test_a_measure_the_table_lacks_or_has_twice_is_named_and_nothing_is_saved(
    tmp_path, recordings_mirror, measures, message
):
    with pytest.raises(FetchError, match=message):
        fetch_cbs_v3("84799NED", tmp_path / "cbs", base=f"{recordings_mirror.url}/v3", measures=measures)
    _assert_nothing_written(tmp_path, "84799NED")


def test_an_unknown_dimension_code_is_named_with_the_codes_the_table_has(tmp_path, recordings_mirror):
    with pytest.raises(
        FetchError, match=r"dimension WijkenEnBuurten has no code\(s\) \['GM9999'\]; it has NL00 \(Nederland\)"
    ):
        fetch_cbs_v3(
            "84799NED",
            tmp_path / "cbs",
            base=f"{recordings_mirror.url}/v3",
            measures=["AantalInwoners"],
            dimensions={"WijkenEnBuurten": ["GM9999"]},
        )
    _assert_nothing_written(tmp_path, "84799NED")


def test_a_third_party_table_is_fetched_from_the_third_party_catalogue(tmp_path, monkeypatch):
    """RIVM tables (catalogue RIVM) live on dataderden.cbs.nl; the environment variable points at the mirror."""
    with ODataMirror() as mirror:
        mirror.add(
            "derden",
            "50120NED",
            {
                "TableInfos": [{"Identifier": "50120NED", "Title": "Gezondheid per wijk en buurt; 2022"}],
                "DataProperties": [],
                "TypedDataSet": [{"ID": 0}],
            },
        )
        monkeypatch.setenv("TRENDBREUK_CBS_DERDEN_URL", f"{mirror.url}/derden")
        snapshot = fetch_cbs_v3("50120NED", tmp_path / "cbs", catalog="RIVM")
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert manifest["source"] == f"{mirror.url}/derden/50120NED" and manifest["catalog"] == "RIVM"
    monkeypatch.delenv("TRENDBREUK_CBS_DERDEN_URL")
    assert base_url("v3", None, "RIVM") == "https://dataderden.cbs.nl/ODataFeed/odata"
    assert base_url("v3", None, "CBS") == "https://opendata.cbs.nl/ODataFeed/odata"


def test_real_v3_csv_download_with_half_years_and_empty_cells():
    tidy = pd.DataFrame(read_cbs_v3_csv_or_skip())
    assert set(tidy["region_code"]) == {"NL01", "GM0518"}  # 'NL01  ' trimmed
    assert {"halfjaar", "jaar"} <= set(tidy["frequency"])
    first = tidy[(tidy["period_code"] == "2015HJ01") & (tidy["region_code"] == "NL01")].iloc[0]
    assert math.isnan(first["value"]) and first["missing_reason"] == "ontbreekt"
    clients = tidy[
        (tidy["period_code"] == "2016HJ01") & (tidy["region_code"] == "NL01") & (tidy["measure"] == "WmoClienten_1")
    ]
    assert clients["value"].iloc[0] == 965_695 and clients["measure_label"].iloc[0] == "Wmo-cliënten"


def read_cbs_v3_csv_or_skip():
    from trendbreuk.sources.cbs import read_cbs_v3_csv

    return read_cbs_v3_csv(shared_file("cbs", "83262NED-v3-csv"))


@pytest.mark.render
def test_cli_fetch_from_a_mirror_of_the_recordings_then_build_real_from_what_is_there(tmp_path):
    """`trendbreuk fetch cbs` and `trendbreuk build --dataset real` on the real recordings (population 03759ned and
    KWB 2020), with no portal export at all: the build makes every indicator the recordings carry and names, per
    indicator, what is missing and where to get it."""
    import shutil

    shared_file("cbs", "84799NED-v3")
    root = tmp_path / "project"
    for name in ("config", "notebooks", "docs"):
        shutil.copytree(ROOT / name, root / name)
    for name in ("_quarto.yml", "index.qmd"):
        shutil.copy2(ROOT / name, root / name)
    env = {"TRENDBREUK_ROOT": str(root), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    with ODataMirror() as mirror:
        add_recordings(mirror, SHARED)
        env.update(mirror.environment())
        fetched = subprocess.run(
            [sys.executable, "-m", "trendbreuk.cli", "fetch", "cbs", "03759ned", "84799NED"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert fetched.returncode == 0, fetched.stderr
        refused = subprocess.run(
            [sys.executable, "-m", "trendbreuk.cli", "fetch", "cbs", "85984NED"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    assert refused.returncode == 1 and "85984NED: niet opgehaald" in refused.stderr and "HTTP 404" in refused.stderr
    built = subprocess.run(
        [sys.executable, "-m", "trendbreuk.cli", "build", "--dataset", "real"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    assert (
        "Vroeggeboorte: geen gegevens: export Perined nodig (zet de export van Perined in "
        "data/raw/perined/perined-export.csv (zie docs/bronnen/perined.md))"
    ) in built.stdout
    info = json.loads((root / "data/processed/real/build_info.json").read_text())
    skipped = {item["indicator"]: item["reason"] for item in info["skipped_indicators"]}
    assert skipped["vroeggeboorte"] == "export Perined nodig"
    assert skipped["roken"] == "CBS-tabel 50120NED nog niet opgehaald"
    assert skipped["jeugdhulp"] == "CBS-tabel 84799NED nog zonder cijfers voor deze indicator"
    assert {"bijstand", "arbeidsongeschiktheid", "ww_uitkering"}.isdisjoint(skipped)
    assert info["demo"] is False
    assert info["harmonisation"]["lineage"]["file"].endswith("RegioSCodes.json")  # lineage from the real code list
    values = pd.read_parquet(root / "data/processed/real/indicator_values.parquet")
    bijstand = values[(values["indicator"] == "bijstand") & (values["region"] == "zuid-limburg")].set_index("area_code")
    # By hand from the recording (tests/test_statline.py): 17.110 / 525.223 inhabitants of 15 and over.
    assert bijstand.loc["ZL", "value"] == pytest.approx(100 * 17_110 / 525_223)
    assert bijstand.loc["ZL", "period"] == "2020"
    population = pd.read_parquet(root / "data/processed/real/population.parquet")
    year = population[population["period_code"] == "2022JJ00"]
    assert (
        year[year["region_code"].str.startswith("GM")]["value"].sum()
        == year.loc[year["region_code"] == "NL01", "value"].item()
    )
    # The factsheet shows the real number and says, per source, what is missing.
    rendered = subprocess.run(
        [
            sys.executable,
            "-m",
            "trendbreuk.cli",
            "render",
            "gemeente",
            "Heerlen",
            "--dataset",
            "real",
            "--engine",
            "python",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert rendered.returncode == 0, rendered.stderr
    # another dataset than the default (demo) renders into its own folder, never among the demo reports
    page = (root / "reports" / "real" / "factsheet-GM0917-heerlen.html").read_text(encoding="utf-8")
    assert "Personen met bijstand" in page and "5,5%" in page  # Heerlen 2020: 4.210 / 76.038 = 5,54%
    assert "Geen gegevens: export Perined nodig</strong>: Vroeggeboorte, Laag geboortegewicht" in page
    assert "Geen gegevens: CBS-tabel 50120NED nog niet opgehaald</strong>: Goed ervaren gezondheid, Rokers" in page
    assert "DEMODATA" not in page and "Kerncijfers wijken en buurten 2020 (84799NED)" in page


def test_what_makes_a_new_snapshot_implausible():
    """Worked by hand: 10% fewer rows of the same selection is the limit; another selection is not compared by rows;
    a measure or a gemeente that the snapshot in use has must not be gone."""
    from trendbreuk.sources.cbs_fetch import SnapshotContents, implausible

    v4 = {"observations": ["Observations.json"], "filter": "Measure eq 'M1'", "measures": ["M1"]}
    in_use = SnapshotContents(100, {"M1": 100}, frozenset({"GM0917", "GM0935"}))
    assert implausible(SnapshotContents(90, {"M1": 90}, in_use.gemeenten), v4, in_use, v4) == []
    assert implausible(SnapshotContents(89, {"M1": 89}, in_use.gemeenten), v4, in_use, v4) == [
        "89 rows, 11% fewer than the 100 of the snapshot in use for the same selection (more than 10% fewer)"
    ]
    other = {**v4, "filter": "Measure eq 'M1' and Perioden ge '2020JJ00'"}
    assert implausible(SnapshotContents(50, {"M1": 50}, in_use.gemeenten), other, in_use, v4) == []
    assert implausible(SnapshotContents(0, {"M1": 0}, frozenset()), v4) == ["no rows for the selection"]
    assert implausible(SnapshotContents(100, {"M1": 0, "M2": 100}, in_use.gemeenten), v4, in_use, v4) == [
        "no values for measure M1, where the snapshot in use has 100"
    ]
    assert implausible(SnapshotContents(100, {"M1": 100}, frozenset({"GM0935"})), v4, in_use, v4) == [
        "its region code list lacks 1 gemeente(n) that the snapshot in use has: GM0917"
    ]
    # a v3 (KWB) column CBS has not filled yet is no reason to refuse a first snapshot; a v4 measure without rows is
    v3 = {"typed_data_set": ["TypedDataSet.json"], "measures": ["Jeugdzorg_1"]}
    assert implausible(SnapshotContents(10, {"Jeugdzorg_1": 0}, frozenset()), v3) == []
    assert implausible(SnapshotContents(10, {"M1": 0}, frozenset()), v4) == [
        "no values for measure M1, which the catalogue needs"
    ]


def test_retry_after_in_seconds_or_as_a_date():
    from datetime import datetime, timedelta
    from email.utils import format_datetime

    from trendbreuk.http import retry_after

    assert retry_after("120") == 120.0 and retry_after(None) is None and retry_after("soon") is None
    assert retry_after(format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)) == 0.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    assert 85 <= retry_after(later) <= 90
