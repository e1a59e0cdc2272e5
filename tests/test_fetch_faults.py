"""A fault corpus for `trendbreuk fetch cbs`: the real recordings served by a mirror on 127.0.0.1 that answers as
CBS and the network do on a bad day. Every fault must end either in a retry that succeeds or in a clear message
naming the table, and in both cases the snapshot in use stays usable: `build` afterwards gives exactly the
Zuid-Limburg population of the recording."""

import json
import re
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT, SHARED, shared_file
from tests.odata_mirror import Fault, ODataMirror, add_recordings
from trendbreuk import cli
from trendbreuk.build import build
from trendbreuk.geography.areas import load_regions
from trendbreuk.sources.cbs import latest_snapshot

OBSERVATIONS = "/03759ned/Observations"
YEAR = "2024JJ00"


@pytest.fixture(scope="module")
def good_project(tmp_path_factory):
    """A project whose real dataset holds good snapshots of 03759ned and KWB 2020, fetched through the mirror."""
    shared_file("cbs", "84799NED-v3")
    root = tmp_path_factory.mktemp("faults") / "project"
    for name in ("config", "docs"):
        shutil.copytree(ROOT / name, root / name)
    result, _ = _fetch(root, [], "03759ned", "84799NED")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="module")
def zuid_limburg_population():
    """By hand from the recording: the inhabitants on 1 January 2024 of the 16 gemeenten of Zuid-Limburg."""
    codes = {g.code for g in load_regions(ROOT / "config" / "regions.yaml").region("zuid-limburg").gemeenten}
    rows = json.loads(shared_file("cbs", "03759ned-v4", "observations-page-1.json").read_text())["value"]
    values = [r["Value"] for r in rows if r["Measure"] == "M000352" and r["Perioden"] == YEAR and r["RegioS"] in codes]
    assert len(values) == 16
    return sum(values)


def _fetch(root, faults, *tables, options=()):
    """`trendbreuk fetch cbs TABLES` against the mirror with `faults`; returns the CLI result and the mirror."""
    import os

    waits = []
    env = {"TRENDBREUK_ROOT": str(root)}
    with ODataMirror(page_size=5000, faults=list(faults)) as mirror:
        add_recordings(mirror, SHARED)
        env.update(mirror.environment())
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        import time

        real_sleep, time.sleep = time.sleep, waits.append  # the fetcher's backoff, not the mirror's delays
        try:
            result = CliRunner().invoke(cli.app, ["fetch", "cbs", *tables, "--timeout", "1", *options])
        finally:
            time.sleep = real_sleep
            for key, value in saved.items():
                os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)
    result.waits = waits
    return result, mirror


def _population(root) -> float:
    build("real", root=root)
    population = pd.read_parquet(root / "data" / "processed" / "real" / "population.parquet")
    codes = {g.code for g in load_regions(ROOT / "config" / "regions.yaml").region("zuid-limburg").gemeenten}
    year = population[(population["period_code"] == YEAR) & population["region_code"].isin(codes)]
    return year["value"].sum()


def _snapshots(root, table="03759ned"):
    return sorted(p.name for p in (root / "data" / "raw" / "cbs" / table).iterdir())


# fault, what the command says (None: it succeeds after retrying), whether a new snapshot is made
CASES = {
    "503 once": ([Fault(OBSERVATIONS, "status", times=1, status=503)], None),
    "503 always": ([Fault(OBSERVATIONS, "status", status=503)], "answered HTTP 503"),
    "500 twice": ([Fault(OBSERVATIONS, "status", times=2, status=500)], None),
    "429 with Retry-After once": ([Fault(OBSERVATIONS, "status", times=1, status=429, retry_after="7")], None),
    "429 asking for an hour": ([Fault(OBSERVATIONS, "status", status=429, retry_after="3600")], "asks to wait 3600 s"),
    "maintenance page with status 200": (
        [Fault(OBSERVATIONS, "html")],
        "returned an HTML page where JSON was expected",
    ),
    "body cut off once": ([Fault(OBSERVATIONS, "truncated", times=1)], None),
    "body cut off always": ([Fault(OBSERVATIONS, "truncated")], "failed after 4 attempts"),
    "broken JSON": ([Fault(OBSERVATIONS, "broken_json")], "returned invalid JSON"),
    "empty value": (
        [Fault(OBSERVATIONS, "empty")],
        r"refused: no rows for the selection, where the snapshot in use \(.*\) has \d+",
    ),
    "far fewer rows": (
        [Fault(OBSERVATIONS, "fewer", keep=0.5)],
        r"refused: \d+ rows, 50% fewer than the \d+ of the snapshot in use",
    ),
    "a measure gone": (
        [Fault(OBSERVATIONS, "without_measure", measure="M000365")],
        r"refused: .*no values for measure M000365, where the snapshot in use \(.*\) has \d+",
    ),
    "gemeenten gone from the code list": (
        [Fault("/03759ned/RegioSCodes", "without_gemeenten", codes=("GM0917", "GM0935"))],
        r"lacks 2 gemeente\(n\) that the snapshot in use .* has: GM0917, GM0935",
    ),
    "dropped connection once": ([Fault(OBSERVATIONS, "drop", times=1)], None),
    "dropped connection always": ([Fault(OBSERVATIONS, "drop")], "failed after 4 attempts"),
    "slow answer past the time-out once": ([Fault(OBSERVATIONS, "slow", times=1, delay=2.5)], None),
    "slow answer past the time-out always": ([Fault(OBSERVATIONS, "slow", delay=2.5)], "failed after 4 attempts"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_fault_ends_in_success_or_a_clear_message_and_build_still_works(
    good_project, zuid_limburg_population, tmp_path, case
):
    faults, message = CASES[case]
    root = shutil.copytree(good_project, tmp_path / "project")
    before = _snapshots(root)
    result, mirror = _fetch(root, faults, "03759ned")
    if message is None:
        assert result.exit_code == 0, result.output
        assert len(_snapshots(root)) == len(before) + 1  # the retried answer is the new snapshot
    else:
        assert result.exit_code == 1, result.output
        assert "03759ned: niet opgehaald" in result.output and "CBS table 03759ned" in result.output
        assert re.search(message, result.output), result.output
        assert _snapshots(root) == before  # nothing new, nothing half-written
        assert latest_snapshot(root / "data" / "raw" / "cbs" / "03759ned").name == before[-1]
    assert _population(root) == zuid_limburg_population


def test_retry_after_is_waited_for(good_project, tmp_path):
    root = shutil.copytree(good_project, tmp_path / "project")
    result, _ = _fetch(root, [Fault(OBSERVATIONS, "status", times=1, status=429, retry_after="7")], "03759ned")
    assert result.exit_code == 0 and result.waits == [7.0]  # not the 1 s of the first backoff


def test_a_smaller_answer_can_be_taken_on_purpose(good_project, tmp_path):
    """--accept-smaller takes the refused answer, and its manifest says what was accepted."""
    root = shutil.copytree(good_project, tmp_path / "project")
    result, _ = _fetch(root, [Fault(OBSERVATIONS, "fewer", keep=0.5)], "03759ned", options=["--accept-smaller"])
    assert result.exit_code == 0, result.output
    newest = latest_snapshot(root / "data" / "raw" / "cbs" / "03759ned")
    checked = json.loads((newest / "manifest.json").read_text())["checked"]
    assert checked["rows"] == checked["previous_rows"] // 2 and "50% fewer" in checked["accepted_despite"][0]


def test_an_empty_v3_table_or_one_that_lost_gemeenten_is_refused(good_project, tmp_path):
    """The same for the KWB (OData v3): an empty TypedDataSet, and a WijkenEnBuurten list without Heerlen."""
    root = shutil.copytree(good_project, tmp_path / "project")
    before = _snapshots(root, "84799NED")
    empty, _ = _fetch(root, [Fault("/84799NED/TypedDataSet", "empty")], "84799NED")
    assert empty.exit_code == 1 and "refused: no rows for the selection" in empty.output
    lost, _ = _fetch(root, [Fault("/84799NED/WijkenEnBuurten", "without_gemeenten", codes=("GM0917",))], "84799NED")
    assert (
        lost.exit_code == 1
        and "lacks 1 gemeente(n) that the snapshot in use" in lost.output
        and "GM0917" in lost.output
    )
    assert _snapshots(root, "84799NED") == before
