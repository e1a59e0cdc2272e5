"""`trendbreuk check catalogue`: does every CBS table and measure key the catalogue refers to exist?

References are checked against the tables' own metadata: an OData v4 MeasureCodes list (measure-codes.json or
MeasureCodes.json) or an OData v3 DataProperties list (DataProperties.json), found in the newest snapshot under
data/raw/cbs/<table>/ or in folders given on the command line (for example recorded metadata)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from trendbreuk.indicators.catalogue import Indicator

METADATA_FILES = ("MeasureCodes.json", "measure-codes.json", "DataProperties.json")


def _keys_in(folder: Path) -> dict[str, str] | None:
    """Measure keys -> titles from the metadata files in a folder, or None when there are none."""
    found = None
    for name in METADATA_FILES:
        path = folder / name
        if path.is_file():
            payload = json.loads(path.read_text(encoding="utf-8"))
            records = payload["value"] if isinstance(payload, dict) else payload
            found = found or {}
            for r in records:
                key = r.get("Identifier") or r.get("Key")
                if key:
                    found[str(key)] = str(r.get("Title", "")).strip()
    return found


def _metadata_for(table: str, folders: list[Path], raw_cbs_dir: Path | None) -> tuple[dict[str, str] | None, str]:
    candidates = [f for f in folders if table.lower() in f.name.lower()]
    if raw_cbs_dir is not None and (raw_cbs_dir / table).is_dir():
        snapshots = sorted((p for p in (raw_cbs_dir / table).iterdir() if p.is_dir() and not p.name.startswith(".")),
                           key=lambda p: p.name)
        candidates += list(reversed(snapshots))
    for folder in candidates:
        keys = _keys_in(folder)
        if keys is not None:
            return keys, str(folder)
    return None, ""


def check_catalogue(catalogue: dict[str, Indicator], metadata_folders: list[Path] = (),
                    raw_cbs_dir: Path | None = None) -> pd.DataFrame:
    """One row per referenced (indicator, table, measure) with status gevonden / niet gevonden / geen metadata,
    plus one row per indicator without a CBS reference saying why (its `verified` note)."""
    rows = []
    for indicator in catalogue.values():
        reference = indicator.cbs_reference
        if not reference:
            rows.append({"indicator": indicator.id, "table": "", "measure": "", "status": "geen verwijzing",
                         "detail": indicator.verified or "geen cbs_reference en geen toelichting"})
            continue
        keys, where = _metadata_for(reference["table"], [Path(f) for f in metadata_folders], raw_cbs_dir)
        for measure in reference.get("measures", []):
            if keys is None:
                status, detail = "geen metadata", f"haal de tabel op: trendbreuk fetch cbs {reference['table']}"
            elif measure in keys:
                status, detail = "gevonden", f"{keys[measure]} ({where})"
            else:
                status, detail = "niet gevonden", f"{measure} staat niet in de metadata van {reference['table']} ({where})"
            rows.append({"indicator": indicator.id, "table": reference["table"], "measure": measure, "status": status,
                         "detail": detail})
    return pd.DataFrame(rows, columns=["indicator", "table", "measure", "status", "detail"])
