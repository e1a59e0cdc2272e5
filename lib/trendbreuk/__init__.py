"""Trendbreuk monitoring workbook, in layers from the bottom up; a module imports only from its own layer and the
layers below it (tests/test_layers.py keeps it so):
1. foundations: paths, io, formatting (Dutch numbers), http (fetching), downloads (formula-safe CSV and XLSX)
2. geography (areas, mergers, boundaries); above it sources (reading and fetching every provider's data)
3. indicators (catalogue, statistics, gaps, verdicts, disclosure); above it charts (figures from frames)
4. build, demo and demo_wijken (raw data -> processed tables), editions (builds kept under a name) and changes
   (what changed between two builds, and why); above them reports (content, site, rendering); at the top cli
"""
__version__ = "0.1.0"
