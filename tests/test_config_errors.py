"""Every configuration mistake is a message (issue 29): run the real command line on a copy of the configuration with
one mistake each, and require exit code 1, a message that names the file and the field, and no traceback."""

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _project(tmp_path, file: str, change):
    root = tmp_path / "project"
    shutil.copytree(ROOT / "config", root / "config")
    path = root / "config" / file
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    return root


def _run(root, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRENDBREUK_")}
    env["TRENDBREUK_ROOT"] = str(root)
    return subprocess.run(
        [sys.executable, "-m", "trendbreuk.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


CASES = [
    # (file, change, command, what the message must name)
    (
        "indicators.yaml",
        lambda t: t.replace("indicators:", "indicators: [", 1),
        ["check", "catalogue"],
        ["indicators.yaml, line", "column", "not valid YAML"],
    ),
    (
        "programmes.yaml",
        lambda t: t + "\n  - {id: x, title: [\n",
        ["template", "registrations", "r.xlsx"],
        ["programmes.yaml, line", "not valid YAML"],
    ),
    (
        "sources.yaml",
        lambda t: t.replace("datasets:", "datasets: :", 1),
        ["build"],
        ["sources.yaml, line", "not valid YAML"],
    ),
    ("regions.yaml", lambda t: "", ["render", "all"], ["regions.yaml", "mapping", "empty file"]),
    ("regions.yaml", lambda t: "- zuid-limburg\n- noord\n", ["render", "all"], ["regions.yaml", "mapping", "list"]),
    (
        "regions.yaml",
        lambda t: t.replace("{code: GM0935, name: Maastricht, tile: [1, 3]}", "{code: GM0935, tile: [1, 3]}"),
        ["render", "all"],
        ["regions.yaml", "gemeente GM0935", "no name"],
    ),
    (
        "regions.yaml",
        lambda t: t.replace("code: PS", "code: ../PS", 1),
        ["render", "all"],
        ["regions.yaml", "region zuid-limburg", "'../PS' is not a valid code"],
    ),
    (
        "regions.yaml",
        lambda t: t.replace("target_year: 2030", "target_year: twintig-dertig", 1),
        ["render", "all"],
        ["regions.yaml", "target_year 'twintig-dertig' is not a whole number"],
    ),
    (
        "indicators.yaml",
        lambda t: t.replace("provider: perined", "provider: peri-ned", 1),
        ["check", "catalogue"],
        ["indicators.yaml", "source provider 'peri-ned' is unknown"],
    ),
    (
        "indicators.yaml",
        lambda t: t.replace("decimals: 1", "decimals: een", 1),
        ["check", "catalogue"],
        ["indicators.yaml", "decimals 'een' should be a whole number"],
    ),
    (
        "programmes.yaml",
        lambda t: t.replace("disclosure_threshold: 10", "disclosure_threshold: tien", 1),
        ["template", "registrations", "r.xlsx"],
        ["programmes.yaml", "disclosure_threshold 'tien'"],
    ),
]


@pytest.mark.parametrize("file, change, command, expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_configuration_mistake_is_a_message_naming_file_and_field(tmp_path, file, change, command, expected):
    root = _project(tmp_path, file, change)
    assert (root / "config" / file).read_text(encoding="utf-8") != (ROOT / "config" / file).read_text(encoding="utf-8")
    result = _run(root, *command)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output and "fout:" in result.stderr, output
    for text in expected:
        assert text in result.stderr, result.stderr


def test_an_unknown_region_on_the_command_line_is_a_message(tmp_path):
    root = _project(tmp_path, "regions.yaml", lambda t: t)
    result = _run(root, "render", "all", "--region", "../x")
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    assert "unknown region '../x'" in result.stderr
