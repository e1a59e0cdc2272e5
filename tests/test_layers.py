"""The package is layered (see lib/trendbreuk/__init__.py): a module imports only from its own layer and the layers
below it, never from a layer above, so that a reader who opens charts/ or indicators/ needs nothing of reports/.
Read from the source: every import, also those inside functions."""

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "lib" / "trendbreuk"
# bottom to top; a module's layer is its first name below trendbreuk (trendbreuk.charts.trend -> charts)
LAYERS = [
    {"__init__", "paths", "io", "formatting", "http", "downloads"},
    {"geography"},
    {"sources"},
    {"indicators"},
    {"charts"},
    {"config", "ingest", "build", "processed", "demo", "editions", "changes"},
    {"reports", "explore"},
    {"cli"},
]


def layer(module: str) -> int:
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else "__init__"
    for number, members in enumerate(LAYERS):
        if name in members:
            return number
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and to the package docstring")


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import of the package in one file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "trendbreuk":
            if node.module == "trendbreuk":  # from trendbreuk import io, paths
                found += [(node.lineno, f"trendbreuk.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "trendbreuk"]
    return found


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")


# The one import that runs up on purpose: `trendbreuk.open()`, the Jupyter entry point, is a function of the package
# itself that imports the explore layer when it is called (importing the package imports nothing of it).
ALLOWED = {("trendbreuk", "trendbreuk.explore")}


def upward_imports() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        for line, imported in imports(path):
            if imported == "trendbreuk.__version__":
                imported = "trendbreuk"
            if (module, imported) in ALLOWED:
                continue
            if layer(imported) > layer(module):
                found.append(f"{path.relative_to(ROOT)}:{line}: {module} imports {imported}")
    return found


def test_no_module_imports_from_a_layer_above_it():
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The check itself: a chart module that imports the reports is found, also inside a function."""
    package = tmp_path / "lib" / "trendbreuk"
    (package / "charts").mkdir(parents=True)
    (package / "charts" / "bad.py").write_text("def f():\n    from trendbreuk.reports.page import HTML\n")
    (package / "reports").mkdir()
    (package / "reports" / "fine.py").write_text(
        "from trendbreuk.charts import bad\nfrom trendbreuk import formatting\n"
    )
    monkeypatch.setattr("tests.test_layers.PACKAGE", package)
    monkeypatch.setattr("tests.test_layers.ROOT", tmp_path)
    assert upward_imports() == ["lib/trendbreuk/charts/bad.py:2: trendbreuk.charts.bad imports trendbreuk.reports.page"]


def test_the_moved_foundations_keep_their_old_names():
    """Notebooks that imported Dutch formatting from reports, or downloads from sources, keep working."""
    from trendbreuk import formatting, http
    from trendbreuk.reports import formatting as old_formatting
    from trendbreuk.sources import http as old_http

    assert old_formatting.percentage is formatting.percentage and old_formatting.MISSING == formatting.MISSING
    assert old_http.download is http.download and old_http.DownloadError is http.DownloadError


MAX_MODULE_LINES = 600  # docs/architectuur.md, "Gewoonten": split a room along its seams before it grows past this


def test_no_module_is_longer_than_the_house_allows():
    """Every module of the package stays under MAX_MODULE_LINES lines (the vendored plotly bundle is no module)."""
    long = {
        str(path.relative_to(ROOT)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
