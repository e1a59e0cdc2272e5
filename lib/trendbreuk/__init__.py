"""Trendbreuk monitoring workbook, in layers from the bottom up; a module imports only from its own layer and the
layers below it (tests/test_layers.py keeps it so):
1. foundations: paths, io, formatting (Dutch numbers), http (fetching), downloads (formula-safe CSV and XLSX)
2. geography (areas, mergers, boundaries); above it sources (reading and fetching every provider's data)
3. indicators (catalogue, statistics, gaps, verdicts, disclosure); above it charts (figures from frames)
4. config (the one loader of the configuration, and which configuration goes with a build), ingest (a dataset's
   raw files read, checked and harmonised), build (-> processed tables), demo/ (one writer per source form),
   processed (the one reader of a build's tables), editions (builds kept under a name) and changes (what changed
   between two builds)
5. reports (content, site, rendering) and explore (the Jupyter entry point, `trendbreuk.open()`); at the top cli
"""

__version__ = "0.1.0"


def open(dataset: str | None = None, region: str | None = None, *, root=None):  # noqa: A001 (the entry point's name)
    """The workbook for exploring in Jupyter: the processed tables of `dataset` (default: the configuration's default
    dataset; "demo@2024" for a saved edition) for `region` (default: the default region), with the everyday
    questions as methods (trendbreuk.explore.Workbook)."""
    from trendbreuk.explore import open_workbook

    return open_workbook(dataset, region, root=root)
