"""Recovery after a kill (issue 29): a build killed while writing or between its two folder renames leaves the
previous tables usable and the next run cleans up or puts them back; an interrupted `render all` leaves no worker
behind; two renders into one folder keep each other's freeze entries. The kills are real: a child process that ends
itself with os._exit at the chosen moment (no cleanup runs, as with kill -9), or SIGKILL from outside."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import copy_project


def _child(root: Path, code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRENDBREUK_")}
    env["TRENDBREUK_ROOT"] = str(root)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, timeout=600
    )


@pytest.fixture
def built(project, tmp_path):
    return copy_project(project, tmp_path / "p")


def _values(root: Path) -> pd.DataFrame:
    return pd.read_parquet(root / "data/processed/demo/indicator_values.parquet")


def test_a_build_killed_while_writing_leaves_the_previous_build_and_the_next_cleans_up(built):
    before = _values(built)
    killed = _child(
        built,
        """
        import os, pandas
        real = pandas.DataFrame.to_parquet
        def write_then_die(self, *args, **kwargs):
            real(self, *args, **kwargs)
            os._exit(9)          # killed in the middle of the write step
        pandas.DataFrame.to_parquet = write_then_die
        from trendbreuk.build import build
        build()
    """,
    )
    assert killed.returncode == 9, killed.stderr
    processed = built / "data/processed"
    left = list(processed.glob(".demo.*.tmp"))
    assert left, "the killed build should have left its temporary folder (that is what is tested)"
    pd.testing.assert_frame_equal(_values(built), before)  # the previous build is untouched and readable
    again = _child(built, "from trendbreuk.build import build; build()")
    assert again.returncode == 0, again.stderr
    assert list(processed.glob(".demo.*.tmp")) == []  # the next build removed what was left
    pd.testing.assert_frame_equal(_values(built), before)  # same sources, same tables


def test_a_build_killed_between_its_two_renames_is_put_back_by_the_next_reader(built):
    before = _values(built)
    killed = _child(
        built,
        """
        import os
        from trendbreuk import io
        real, calls = os.replace, []
        def replace(src, dst):
            calls.append(src)
            if str(src).endswith(".tmp") and len(calls) >= 2:
                os._exit(9)      # the old build is moved aside, the new one not yet in place
            return real(src, dst)
        io.os.replace = replace
        from trendbreuk.build import build
        build()
    """,
    )
    assert killed.returncode == 9, killed.stderr
    processed = built / "data/processed"
    assert not (processed / "demo").exists() and (processed / ".demo.old").is_dir()
    # the next reader (a report, Jupyter) finds the previous tables back in place
    read = _child(
        built,
        """
        from trendbreuk.processed import load_processed
        print(len(load_processed().indicator_values))
    """,
    )
    assert read.returncode == 0 and int(read.stdout) == len(before), read.stderr
    assert (processed / "demo").is_dir() and not (processed / ".demo.old").exists()
    pd.testing.assert_frame_equal(_values(built), before)


def _marked(mark: str) -> list[int]:
    """Processes whose environment carries `mark`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if mark.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers (Linux)")
def test_render_all_killed_leaves_no_process_behind(built, tmp_path):
    mark = f"TRENDBREUK_TEST_MARK={uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRENDBREUK_")}
    env.update(
        {
            "TRENDBREUK_ROOT": str(built),
            "TRENDBREUK_REPORTS": str(tmp_path / "reports"),
            mark.split("=")[0]: mark.split("=")[1],
        }
    )
    parent = subprocess.Popen(
        [sys.executable, "-m", "trendbreuk.cli", "render", "all", "--force"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline and len(_marked(mark)) < 3:  # the command, the fork server and a worker
        time.sleep(0.2)
    assert len(_marked(mark)) >= 3, "the workers did not start"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 20
    while time.time() < deadline and _marked(mark):
        time.sleep(0.5)
    left = _marked(mark)
    for pid in left:  # do not leave them behind for the next test either
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"{len(left)} processes of the killed render were still running after 20 s"


def test_two_renders_into_one_folder_keep_each_others_entries(tmp_path):
    from trendbreuk.reports.freeze import FREEZE_FILE, Freeze

    class Job:
        def __init__(self, filename):
            self.filename = filename

    report_a, report_b = tmp_path / "regio-ZL-zuid-limburg.html", tmp_path / "regio-NML-noord.html"
    report_a.write_text("a")
    report_b.write_text("b")
    first, second = Freeze(tmp_path, tmp_path), Freeze(tmp_path, tmp_path)  # both read the (empty) file first
    first.record(Job(report_a.name), "fingerprint-a", report_a)
    second.record(Job(report_b.name), "fingerprint-b", report_b)
    first.save()
    second.save()
    import json

    entries = json.loads((tmp_path / FREEZE_FILE).read_text())
    assert set(entries) == {report_a.name, report_b.name}
    assert entries[report_a.name]["fingerprint"] == "fingerprint-a"
