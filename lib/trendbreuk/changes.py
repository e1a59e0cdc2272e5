"""What changed between two builds (an edition and the current build, or two editions), and why.

Per indicator, region, area and period: new periods, periods that are gone, values that moved by more than their
rounding (half the last decimal the reports show), and per area and benchmark a changed verdict or standing ("nu").
Each change gets its cause, found by comparing what went into the two builds and, for verdicts, by recomputing:

- `herindeling`: the area, or an aggregate it belongs to, gained or lost gemeenten by a merger that one build has
  and the other has not (build_info's mergers, the regions configuration);
- `nieuwe_cijfers`: a period beyond the old build's last year of that indicator (with pooled years, the blocks then
  move on, so old blocks give way to new ones);
- `methode`: the indicator's catalogue entry, the programme settings (baseline, target, benchmarks) or the workbook
  version differ while its source files are the same;
- `herziening`: the indicator's source files (export, CBS snapshot; for survey estimates also the population
  weights) differ while its catalogue entry is the same: the source revised its numbers;
- both `herziening` and `methode` where both differ.

A verdict or standing that changed is recomputed in steps (assessments from the old values with the new
configuration; then from the new values of the old periods only; then the new build) and each step where it
changed names a cause: methode, then herziening (or herindeling), then nieuwe cijfers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from trendbreuk.geography.areas import RegionsConfig
from trendbreuk.indicators.assess import assess
from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.indicators.gap import gaps_to_benchmarks

CAUSES = {
    "nieuwe_cijfers": "nieuwe cijfers",
    "herziening": "herziening van de bron",
    "methode": "andere methode of instelling",
    "herindeling": "herindeling",
}
KINDS = {
    "nieuwe_periode": "nieuwe periode",
    "vervallen_periode": "periode vervallen",
    "gewijzigde_waarde": "andere waarde",
    "ander_oordeel": "ander oordeel",
    "andere_stand": "andere stand nu",
}
COLUMNS = [
    "region",
    "indicator",
    "indicator_title",
    "area_level",
    "area_code",
    "area_name",
    "benchmark",
    "period",
    "kind",
    "old_value",
    "new_value",
    "old_state",
    "new_state",
    "cause",
    "cause_label",
]
LABEL_COLUMNS = ("indicator_title", "cause_label")  # added by compare() from the codes
# old_value/new_value: a period's value (periods); old_state/new_state: the verdict or the standing now (as the
# assessments table codes them)
VALUE_KEYS = ["region", "indicator", "area_code", "period"]
VERDICT_KEYS = ["region", "indicator", "area_code", "benchmark"]
NUMBERS = ("old_value", "new_value")


def no_changes() -> pd.DataFrame:
    """The changes table without rows, with its columns' types."""
    return pd.DataFrame({c: pd.Series(dtype=float if c in NUMBERS else "str") for c in COLUMNS})


PROGRAMME_SETTINGS = ("baseline_year", "target_year", "target_share_closed", "default_benchmark")


@dataclass
class BuildTables:
    """One side of a comparison: the tables and configuration of a build (a processed folder or an edition)."""

    label: str
    info: dict
    values: pd.DataFrame
    assessments: pd.DataFrame
    catalogue: dict[str, Indicator]
    regions: RegionsConfig

    @classmethod
    def read(cls, folder: Path, label: str) -> BuildTables:
        """A build folder as `trendbreuk build` writes it (with the configuration it was made with in config/)."""
        folder = Path(folder)
        if not (folder / "config" / "indicators.yaml").is_file():
            raise FileNotFoundError(
                f"{folder} has no config/ beside its tables (a build from before editions): build again to compare it"
            )
        from trendbreuk import config
        from trendbreuk.processed import read_info, read_table

        configuration = config.of_folder(folder)
        return cls(
            label,
            read_info(folder),
            read_table(folder, "indicator_values"),
            read_table(folder, "assessments"),
            configuration.catalogue,
            configuration.regions,
        )


def _source_digests(side: BuildTables) -> dict[str, frozenset]:
    """Per indicator, the hashes of the source files its figures come from."""
    by_provider, by_table = {}, {}
    for entry in side.info.get("sources") or []:
        if entry.get("table"):
            by_table[entry["table"]] = entry.get("manifest_sha256") or entry.get("retrieved_at")
        elif entry.get("source"):
            by_provider[entry["source"]] = entry.get("sha256")
    tables_of: dict[str, set] = {}
    for used in side.info.get("cbs_measures") or []:
        tables_of.setdefault(used["indicator"], set()).add(used["table"])
    out = {}
    for ident, indicator in side.catalogue.items():
        provider = indicator.source.get("provider")
        if provider == "cbs":
            parts = {(t, by_table.get(t)) for t in tables_of.get(ident, ())}
        else:
            parts = {(provider, by_provider.get(provider))}
        if indicator.statistic == "survey":  # combined over areas with the inhabitants as weights
            parts.add(("03759ned", by_table.get("03759ned")))
        out[ident] = frozenset(parts)
    return out


def _merged_codes(old: BuildTables, new: BuildTables) -> set[str]:
    """Gemeente codes whose indeling differs between the builds: in a merger one build has and the other has not,
    or in one build's regions and not the other's."""

    def mergers(info):
        return {
            (m["from_code"], m["to_code"], m["year"]) for m in (info.get("harmonisation") or {}).get("mergers") or []
        }

    def members(regions):
        return {g.code for r in regions.regions.values() for g in r.gemeenten}

    codes = {c for m in mergers(old.info) ^ mergers(new.info) for c in m[:2]}
    return codes | (members(old.regions) ^ members(new.regions))


def _affected_areas(codes: set[str], *sides: BuildTables) -> set[tuple[str, str]]:
    """(region, area_code) of every area whose membership a merger touched: the gemeenten and the subregio's,
    region and rest of Nederland they belong to (in either build)."""
    out = set()
    for side in sides:
        for region in side.regions.regions.values():
            for subregio in region.subregios:
                hit = {g.code for g in subregio.gemeenten} & codes
                if hit:
                    out |= {(region.key, c) for c in hit} | {
                        (region.key, subregio.code),
                        (region.key, region.code),
                        (region.key, "rest_nl"),
                    }
            out |= {(region.key, c) for c in codes}
    return out


def _settings(regions: RegionsConfig) -> tuple:
    return tuple(getattr(regions, name, None) for name in PROGRAMME_SETTINGS) + (tuple(sorted(regions.benchmarks)),)


def _tolerance(catalogue: dict[str, Indicator], indicators: pd.Series) -> np.ndarray:
    """Half the last decimal a report shows: a change smaller than that is not visible and not a change."""
    decimals = indicators.map({k: i.decimals for k, i in catalogue.items()}).fillna(1).to_numpy(dtype=float)
    return 0.5 * 10.0 ** (-decimals)


def compare(old: BuildTables, new: BuildTables) -> pd.DataFrame:
    """Every change from `old` to `new` with its cause (module docstring), in the columns of COLUMNS."""
    sources_old, sources_new = _source_digests(old), _source_digests(new)
    common = set(old.catalogue) & set(new.catalogue)
    revised = {i for i in common if sources_old[i] != sources_new[i]}
    global_method = _settings(old.regions) != _settings(new.regions) or old.info.get(
        "workbook_version"
    ) != new.info.get("workbook_version")
    method = {i for i in common if global_method or old.catalogue[i] != new.catalogue[i]}
    affected = _affected_areas(_merged_codes(old, new), old, new)

    rows = [_value_changes(old, new, revised, method, affected)]
    rows.append(_verdict_changes(old, new, affected))
    if all(r.empty for r in rows):
        return no_changes()
    out = pd.concat([r for r in rows if not r.empty], ignore_index=True)
    titles = {**{k: i.title for k, i in old.catalogue.items()}, **{k: i.title for k, i in new.catalogue.items()}}
    out["indicator_title"] = out["indicator"].map(titles)
    out["cause_label"] = out["cause"].map(lambda c: " en ".join(CAUSES[part] for part in c.split("+")))
    return out[COLUMNS].sort_values(["region", "indicator", "area_code", "kind", "period"], ignore_index=True)


def _cause(has_new_data: np.ndarray, herindeling: np.ndarray, revised: np.ndarray, method: np.ndarray) -> np.ndarray:
    """Herindeling before new data before the rest; a value that moved while neither its sources nor its
    configuration did is the workbook's own method (its code)."""
    both = np.where(revised & method, "herziening+methode", np.where(revised, "herziening", "methode"))
    return np.where(herindeling, "herindeling", np.where(has_new_data, "nieuwe_cijfers", both))


def _value_changes(old: BuildTables, new: BuildTables, revised: set, method: set, affected: set) -> pd.DataFrame:
    columns = [*VALUE_KEYS, "area_level", "area_name", "year_end", "value"]
    a = old.values.loc[old.values["value"].notna(), columns]
    b = new.values.loc[new.values["value"].notna(), columns]
    both = a.merge(b, on=VALUE_KEYS, how="outer", suffixes=("_old", "_new"), indicator=True)
    last_old = a.groupby(["region", "indicator"])["year_end"].max()
    last_new = b.groupby(["region", "indicator"])["year_end"].max()
    key = pd.MultiIndex.from_frame(both[["region", "indicator"]])
    old_last = last_old.reindex(key).to_numpy(dtype=float)
    new_last = last_new.reindex(key).to_numpy(dtype=float)
    only_new = (both["_merge"] == "right_only").to_numpy()
    only_old = (both["_merge"] == "left_only").to_numpy()
    tolerance = _tolerance(new.catalogue, both["indicator"])
    with np.errstate(invalid="ignore"):
        moved = (both["_merge"] == "both").to_numpy() & (
            np.abs(both["value_new"] - both["value_old"]).to_numpy() > tolerance
        )
    keep = only_new | only_old | moved
    both = both[keep].reset_index(drop=True)
    only_new, only_old, old_last, new_last = only_new[keep], only_old[keep], old_last[keep], new_last[keep]
    year_end = both["year_end_new"].fillna(both["year_end_old"]).to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        later = new_last > old_last
        has_new_data = (only_new & (year_end > old_last)) | (only_old & later) | (only_new & later)
    herindeling = np.array([(r, c) in affected for r, c in zip(both["region"], both["area_code"])], dtype=bool)
    cause = _cause(
        has_new_data, herindeling, both["indicator"].isin(revised).to_numpy(), both["indicator"].isin(method).to_numpy()
    )
    return pd.DataFrame(
        {
            "region": both["region"],
            "indicator": both["indicator"],
            "area_level": both["area_level_new"].fillna(both["area_level_old"]),
            "area_code": both["area_code"],
            "area_name": both["area_name_new"].fillna(both["area_name_old"]),
            "benchmark": "",
            "period": both["period"],
            "kind": np.where(only_new, "nieuwe_periode", np.where(only_old, "vervallen_periode", "gewijzigde_waarde")),
            "old_value": both["value_old"].astype(float),
            "new_value": both["value_new"].astype(float),
            "old_state": "",
            "new_state": "",
            "cause": cause,
        }
    )


def _reassess(values: pd.DataFrame, side: BuildTables) -> pd.DataFrame:
    """Assessments of `values` with the configuration of `side` (as the build makes them)."""
    indicators = {k: i for k, i in side.catalogue.items() if k in set(values["indicator"])}
    values = values[values["indicator"].isin(indicators)]
    regions = side.regions
    if values.empty or not values["area_code"].isin(list(regions.benchmarks)).any():
        return pd.DataFrame(columns=[*VERDICT_KEYS, "verdict", "comparison"])
    gaps = gaps_to_benchmarks(values, indicators, regions, present_only=True)
    return assess(
        values,
        gaps,
        indicators,
        target_year=regions.target_year,
        share=regions.target_share_closed,
        baseline_year=regions.baseline_year,
    )


def _verdict_changes(old: BuildTables, new: BuildTables, affected: set) -> pd.DataFrame:
    columns = [*VERDICT_KEYS, "area_level", "area_name", "verdict", "comparison"]
    merged = old.assessments[columns].merge(new.assessments[columns], on=VERDICT_KEYS, suffixes=("_old", "_new"))
    changed = merged[
        (merged["verdict_old"] != merged["verdict_new"]) | (merged["comparison_old"] != merged["comparison_new"])
    ]
    if changed.empty:
        return no_changes()
    # Recompute only what changed: those indicators, their areas and the benchmarks.
    wanted = set(changed["indicator"])
    areas = set(changed["area_code"]) | set(new.regions.benchmarks)
    pick = lambda v: v[v["indicator"].isin(wanted) & v["area_code"].isin(areas) & v["indicator"].isin(new.catalogue)]
    old_values, new_values = pick(old.values), pick(new.values)
    old_periods = old_values[["region", "indicator", "period"]].drop_duplicates()
    steps = {
        "methode": _reassess(old_values, new),
        "herziening": _reassess(new_values.merge(old_periods, on=["region", "indicator", "period"]), new),
    }
    stages = [
        changed.rename(columns={"verdict_old": "verdict", "comparison_old": "comparison"})[
            [*VERDICT_KEYS, "verdict", "comparison"]
        ]
    ]
    for step in steps.values():
        stage = changed[VERDICT_KEYS].merge(step[[*VERDICT_KEYS, "verdict", "comparison"]], on=VERDICT_KEYS, how="left")
        # no old period left in the new data (pooled blocks moved on): no revision can be told apart from new data
        missing = stage["verdict"].isna().to_numpy()
        stage.loc[missing, ["verdict", "comparison"]] = stages[-1].loc[missing, ["verdict", "comparison"]].to_numpy()
        stages.append(stage)
    stages.append(
        changed.rename(columns={"verdict_new": "verdict", "comparison_new": "comparison"})[
            [*VERDICT_KEYS, "verdict", "comparison"]
        ]
    )
    names = ["methode", "herziening", "nieuwe_cijfers"]
    herindeling = np.array(
        [
            (r, c) in affected or (r, b) in affected  # the area, or the benchmark it is held to
            for r, c, b in zip(changed["region"], changed["area_code"], changed["benchmark"])
        ],
        dtype=bool,
    )
    out = []
    for column, kind in (("verdict", "ander_oordeel"), ("comparison", "andere_stand")):
        moved = (changed[f"{column}_old"] != changed[f"{column}_new"]).to_numpy()
        causes = []
        for row in range(len(changed)):
            found = [
                names[s] for s in range(3) if str(stages[s][column].iloc[row]) != str(stages[s + 1][column].iloc[row])
            ]
            if herindeling[row]:
                found = ["herindeling" if f == "herziening" else f for f in found] or ["herindeling"]
            causes.append("+".join(dict.fromkeys(found)) or "herziening")
        part = changed.assign(
            kind=kind,
            old_state=changed[f"{column}_old"].astype(str),
            new_state=changed[f"{column}_new"].astype(str),
            cause=causes,
        )[moved]
        out.append(part)
    result = pd.concat(out, ignore_index=True)
    result["area_level"], result["area_name"] = result["area_level_new"], result["area_name_new"]
    result["period"], result["old_value"], result["new_value"] = "", np.nan, np.nan
    return result[[c for c in COLUMNS if c not in LABEL_COLUMNS]]


def summary(changes: pd.DataFrame, since: str) -> str:
    """The changes in one or two plain Dutch sentences: '3 oordelen veranderd: 2 door nieuwe cijfers, 1 door
    herziening van de bron.'"""
    if changes.empty:
        return f"Sinds editie {since} is er niets veranderd aan de cijfers en oordelen."
    parts = []

    def by_cause(frame: pd.DataFrame) -> str:
        return ", ".join(f"{n} door {label}" for label, n in frame["cause_label"].value_counts().items())

    verdicts = changes[changes["kind"] == "ander_oordeel"]
    if not verdicts.empty:
        parts.append(
            f"{len(verdicts)} {'oordeel' if len(verdicts) == 1 else 'oordelen'} veranderd: {by_cause(verdicts)}"
        )
    fresh = changes[(changes["kind"] == "nieuwe_periode") & (changes["cause"] == "nieuwe_cijfers")]
    if not fresh.empty:
        n = fresh["indicator"].nunique()
        parts.append(f"nieuwe cijfers voor {n} {'indicator' if n == 1 else 'indicatoren'}")
    earlier = changes[changes["cause"] != "nieuwe_cijfers"]
    for kind, one, many, what in (
        ("gewijzigde_waarde", "cijfer", "cijfers", "over eerdere periodes gewijzigd"),
        ("nieuwe_periode", "periode", "periodes", "erbij gekomen"),
        ("vervallen_periode", "periode", "periodes", "vervallen"),
    ):
        part = earlier[earlier["kind"] == kind]
        if not part.empty:
            parts.append(f"{len(part)} {one if len(part) == 1 else many} {what} ({by_cause(part)})")
    standing = changes[changes["kind"] == "andere_stand"]
    if not standing.empty:
        parts.append(f"{len(standing)} keer een andere stand nu ({by_cause(standing)})")
    return f"Sinds editie {since}: " + "; ".join(parts) + "."
