"""Every CBS table the catalogue reads, in the form StatLine publishes it; one writer per form, as the reader
(sources/statline.py) knows them: the yearly Kerncijfers wijken en buurten (a series), a table of counts per
gemeente and year, and a table of survey estimates with their margins."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from trendbreuk.config import Configuration
from trendbreuk.demo.odata import padded_code, write_v3_snapshot
from trendbreuk.demo.wijken import FLAG, survey_rows
from trendbreuk.demo.world import (
    AGE_GROUPS,
    KWB_FIRST_YEAR,
    KWB_RENAMED_FROM,
    MERGERS,
    SNAPSHOT_DATE,
    YEARS,
    World,
    gemeente_names,
    split_merged,
)
from trendbreuk.geography.areas import RegionsConfig, gemeente_of, level_of

log = logging.getLogger(__name__)


def _stem_for(term: str, year: int) -> str:
    alternatives = [a.strip() for a in term.split("|")]
    return alternatives[-1] if year >= KWB_RENAMED_FROM else alternatives[0]


def write_cbs_tables(
    world: World, regions: RegionsConfig, folder: Path, configuration: Configuration, truth: dict
) -> list[str]:
    """Every CBS StatLine table the catalogue reads (provider cbs), as v3 snapshots in `folder`/<table>/<date>/.
    Returns the tables written."""
    from trendbreuk.sources.statline import cbs_sources

    catalogue, sources = configuration.catalogue, configuration.sources
    # a variant reads the same tables as its indicator (other measures of them, which the demo writes too)
    chosen = {i: s for i, s in cbs_sources(catalogue, sources).items() if not catalogue[i].variant_of}
    missing = [i for i in chosen if i not in truth["indicators"]]
    if missing:
        raise ValueError(f"config/demo.yaml has no demo truth for {missing}; add one so the demo covers the catalogue")
    groups: dict[tuple[str, str], list] = {}  # (form, series or table) -> [(indicator, its CBS source)]
    for indicator, source in chosen.items():
        table = source.tables[0]
        groups.setdefault((form_of(source), table.series or table.id), []).append((indicator, source))
    forms: dict[str, set[str]] = {}
    for form, name in groups:
        forms.setdefault(name, set()).add(form)
    mixed = {name: sorted(found) for name, found in forms.items() if len(found) > 1}
    if mixed:
        raise ValueError(
            f"demo tables {mixed}: their indicators mix the forms {FORMS}; the demo writes a table in one form "
            "(put them in separate tables in config/indicators.yaml)"
        )
    written = []
    for (form, _), members in groups.items():
        written += WRITERS[form](world, regions, folder, members, truth, sources)
    return written


FORMS = ("series", "counts", "estimates")


def form_of(source) -> str:
    """The form of an indicator's CBS tables, as the reader (sources/statline.py) tells them apart: a yearly series
    of tables (the Kerncijfers wijken en buurten), estimates with their margins, or counts per gemeente and year."""
    if source.tables[0].series:
        return "series"
    return "estimates" if source.value else "counts"


def write_counts_table(
    world: World, regions: RegionsConfig, folder: Path, members: list, truth: dict, sources
) -> list[str]:
    """A StatLine table of counts per gemeente and year (dimensions RegioS and Perioden, one measure per count; the
    other dimensions an indicator names keep its one code), in the indeling of each year as CBS publishes it: a
    merged gemeente under its predecessors before the merger. The two count forms of the catalogue: a numerator with
    a denominator (each possibly a sum of measures), or a numerator with the percentage CBS publishes for it."""
    table = members[0][1].tables[0]
    names = gemeente_names(regions)
    fixed = {dimension: code for _, source in members for dimension, code in source.dimensions.items()}
    for _, source in members:
        if {d: fixed[d] for d in source.dimensions} != source.dimensions:
            raise ValueError(f"demo table {table.id}: its indicators keep different codes of {sorted(fixed)}")
    cells: dict[tuple[str, int], dict[str, float]] = {}
    percentages: dict[str, str] = {}  # percentage stem -> numerator stem
    for indicator, source in members:
        counts = world.counts(indicator, truth["indicators"][indicator], truth["bases"])
        numerator = [t.split("|")[-1].strip() for t in source.numerator]
        denominator = [t.split("|")[-1].strip() for t in source.denominator]
        if source.percentage:
            percentages[source.percentage.split("|")[-1].strip()] = numerator[0]
        for r in counts.itertuples():
            cell = cells.setdefault((r.area_code, r.year), {})
            parts = _split(int(r.numerator), len(numerator), world.rng)
            cell.update(zip(numerator, parts))
            if denominator:
                others = [t for t in denominator if t not in numerator]
                # a denominator that adds up categories: the numerator's and the others, which share the rest
                rest = _split(
                    int(r.denominator) - int(r.numerator) * (len(others) < len(denominator)), len(others), world.rng
                )
                cell.update(zip(others, rest))
            else:
                cell["_n_" + numerator[0]] = int(r.denominator)
    frame = pd.DataFrame([{"area_code": c, "year": y, **v} for (c, y), v in cells.items()])
    count_columns = [c for c in frame.columns if c not in ("area_code", "year")]
    frame[count_columns] = frame[count_columns].fillna(0).astype(int)
    frame = split_merged(frame, count_columns, world.rng)
    for stem, numerator in percentages.items():
        frame[stem] = (100 * frame[numerator] / frame["_n_" + numerator].where(frame["_n_" + numerator] > 0)).round(1)
    stems = [c for c in frame.columns if c not in ("area_code", "year") and not c.startswith("_n_")]
    keys = {stem: f"{stem}_{i + 1}" for i, stem in enumerate(stems)}
    rows = [
        {
            "ID": i,
            **{d: c for d, c in fixed.items()},
            "RegioS": r["area_code"].ljust(6),
            "Perioden": f"{r['year']}JJ00",
            **{keys[s]: (None if pd.isna(r[s]) else (float(r[s]) if s in percentages else int(r[s]))) for s in stems},
        }
        for i, r in enumerate(frame.sort_values(["year", "area_code"]).to_dict("records"))
    ]
    properties = [
        *({"ID": 0, "Type": "Dimension", "Key": d, "Title": d} for d in fixed),
        {"ID": 1, "Type": "GeoDimension", "Key": "RegioS", "Title": "Regio's"},
        {"ID": 2, "Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden"},
        *(
            {
                "ID": 3 + i,
                "Type": "Topic",
                "Key": key,
                "Title": stem,
                "Unit": "%" if stem in percentages else "aantal",
                "Decimals": 1 if stem in percentages else 0,
                "Datatype": "Double" if stem in percentages else "Long",
            }
            for i, (stem, key) in enumerate(keys.items())
        ),
    ]
    codes = sorted(set(frame["area_code"]))
    titles = {
        code: names.get(code) or next((n for m in MERGERS.values() for o, n, _ in m["from"] if o == code), code)
        for code in codes
    }
    dimensions = {
        **{d: [{"Key": c, "Title": c}] for d, c in fixed.items()},
        "RegioS": [{"Key": c.ljust(6), "Title": "Nederland" if c == "NL01" else titles[c]} for c in codes],
        "Perioden": [{"Key": f"{y}JJ00", "Title": str(y)} for y in YEARS],
    }
    write_v3_snapshot(
        folder / table.directory / SNAPSHOT_DATE,
        table.id,
        table.title or table.id,
        properties,
        dimensions,
        rows,
        catalog=table.catalog,
    )
    return [table.id]


def _split(total: int, parts: int, rng: np.random.Generator) -> list[int]:
    """`total` over `parts` measures that add up to it (multinomial, equal shares)."""
    if parts <= 1:
        return [total] * parts
    return [int(v) for v in rng.multinomial(max(total, 0), [1 / parts] * parts)]


def write_kwb_series(
    world: World, regions: RegionsConfig, folder: Path, members: list, truth: dict, sources
) -> list[str]:
    """The yearly Kerncijfers wijken en buurten for the demo years, with the measures the catalogue names."""
    chosen = dict(members)
    names = gemeente_names(regions)
    codes = [g.code for g, _ in world.gemeenten]
    columns: dict[tuple[str, int], dict[str, float]] = {}  # (code, year) -> stem -> value
    for code in [*codes, "NL01"]:
        for year in YEARS:
            columns[(code, year)] = {
                "AantalInwoners": world.population[(code, year)],
                **world.ages(code, year),
                "GeboorteTotaal": world.births[(code, year)],
            }
    shares = truth["bases"]
    for indicator, source in chosen.items():
        counts = world.counts(indicator, truth["indicators"][indicator], shares)
        for r in counts.itertuples():
            cell = columns[(r.area_code, r.year)]
            numerator = _stem_for(source.numerator[0], r.year)
            cell[numerator] = r.numerator
            if source.percentage:
                cell["_n_" + numerator] = r.denominator
            others = [_stem_for(t, r.year) for t in source.denominator if _stem_for(t, r.year) not in AGE_GROUPS]
            others = [t for t in others if t != numerator]
            rest = r.denominator - r.numerator
            for i, stem in enumerate(others):  # the other categories of a denominator that adds up categories
                cell[stem] = rest if i == len(others) - 1 else int(world.rng.binomial(rest, 0.6))
                rest -= cell[stem]
    frame = pd.DataFrame([{"area_code": c, "year": y, **v} for (c, y), v in columns.items()])
    counts_columns = [c for c in frame.columns if c not in ("area_code", "year") and not c.startswith("Percentage")]
    frame[counts_columns] = frame[counts_columns].fillna(0).astype(int)
    frame = split_merged(frame, counts_columns, world.rng)
    numerators = {_stem_for(s.numerator[0], y) for s in chosen.values() for y in YEARS}
    small = world.small_areas.rows(frame, counts_columns, numerators, {"AantalInwoners", *AGE_GROUPS, "GeboorteTotaal"})
    percentage_of = {
        _stem_for(s.percentage, y): _stem_for(s.numerator[0], y) for s in chosen.values() if s.percentage for y in YEARS
    }
    written = []
    for table in sources.cbs_series[next(iter(chosen.values())).tables[0].series].tables:
        year = table.year
        if year not in YEARS:
            continue
        stems = ["AantalInwoners", *AGE_GROUPS, "GeboorteTotaal", FLAG]
        for source in chosen.values():
            stems += [_stem_for(t, year) for t in source.terms]
        stems = [m for m in dict.fromkeys(stems) if year >= KWB_FIRST_YEAR.get(m, 0)]
        offset = 3 + (year - 2013) % 7  # key suffixes move between editions, as CBS's do
        keys = {stem: f"{stem}_{i + offset}" for i, stem in enumerate(stems)}
        properties = [
            {
                "ID": 0,
                "Position": 0,
                "ParentID": None,
                "Type": "GeoDetail",
                "Key": "WijkenEnBuurten",
                "Title": "Wijken en buurten",
                "MapYear": year,
            },
            {
                "ID": 1,
                "Position": 1,
                "ParentID": None,
                "Type": "Topic",
                "Key": "Gemeentenaam_1",
                "Title": "Gemeentenaam",
                "Datatype": "String",
                "Unit": "naam",
            },
        ]
        properties += [
            {
                "ID": i + 2,
                "Position": i + 2,
                "ParentID": None,
                "Type": "Topic",
                "Key": key,
                "Title": stem,
                "Datatype": "String" if stem == FLAG else "Double" if stem.startswith("Percentage") else "Long",
                "Unit": "%" if stem.startswith("Percentage") else "aantal",
                "Decimals": 1 if stem.startswith("Percentage") else 0,
            }
            for i, (stem, key) in enumerate(keys.items())
        ]
        rows = []
        year_rows = pd.concat([frame[frame["year"] == year], small[small["year"] == year]], ignore_index=True)
        for record in year_rows.sort_values("area_code").to_dict("records"):
            code = "NL00" if record["area_code"] == "NL01" else record["area_code"]
            gemeente = record["area_code"] if not level_of(code) else gemeente_of(code)
            row = {
                "ID": len(rows),
                "WijkenEnBuurten": padded_code(code),
                "Gemeentenaam_1": names.get(gemeente, "").ljust(40),
            }
            for stem, key in keys.items():
                if stem == FLAG:
                    row[key] = record.get(FLAG) if level_of(code) else "."
                elif stem in percentage_of:
                    n, count = record.get("_n_" + percentage_of[stem]), record.get(percentage_of[stem])
                    # wijken and buurten: from the rounded count and group (CBS uses the exact ones; close enough here)
                    row[key] = (
                        round(100 * count / n, 1)
                        if n and pd.notna(n) and count is not None and pd.notna(count)
                        else None
                    )
                else:
                    row[key] = int(record[stem]) if stem in record and pd.notna(record[stem]) else None
            rows.append(row)
        places = [
            {
                "Key": padded_code("NL00" if c == "NL01" else c),
                "Title": names.get(c, c),
                "Description": None,
                "Municipality": "" if c == "NL01" else c,
                "DetailRegionCode": c,
            }
            for c in sorted(frame.loc[frame["year"] == year, "area_code"].unique())
        ]
        places += [
            {
                "Key": padded_code(c),
                "Title": world.small_areas.title(c),
                "Description": None,
                "Municipality": gemeente_of(c),
                "DetailRegionCode": c,
            }
            for c in sorted(small.loc[small["year"] == year, "area_code"].unique())
        ]
        write_v3_snapshot(
            folder / table.id / SNAPSHOT_DATE,
            table.id,
            f"Kerncijfers wijken en buurten {year}",
            properties,
            {"WijkenEnBuurten": places},
            rows,
            period=str(year),
        )
        written.append(table.id)
    return written


def write_estimates_table(
    world: World, regions: RegionsConfig, folder: Path, members: list, truth: dict, sources
) -> list[str]:
    """A table in the shape of RIVM's Gezondheid per wijk en buurt: estimates with their 95% interval in the Marges
    dimension, per age group, gemeente and survey year, all in one indeling (so no predecessors)."""
    table = members[0][1].tables[0]
    names = gemeente_names(regions)
    years = sorted({y for indicator, _ in members for y in truth["indicators"][indicator]["years"]})
    keys = {indicator: f"{source.value.split('|')[0].strip()}_{i + 4}" for i, (indicator, source) in enumerate(members)}
    estimates = {
        indicator: world.survey(indicator, truth["indicators"][indicator], truth["survey"]).set_index(
            ["area_code", "year"]
        )
        for indicator, _ in members
    }
    ages = [("20300", "18 jaar of ouder"), ("53115", "18 tot 65 jaar"), ("80200", "65 jaar of ouder")]
    margins = [
        ("MW00000", "Waarde", "value"),
        ("MOG0095", "Ondergrens 95%-interval", "lower"),
        ("MBG0095", "Bovengrens 95%-interval", "upper"),
    ]
    dimension_codes = {source.dimensions.get("Leeftijd", "20300") for _, source in members}
    dimension_codes |= {code for _, source in members for code in source.strata}
    if not dimension_codes <= {a[0] for a in ages}:
        raise ValueError(f"demo survey table {table.id}: Leeftijd codes {sorted(dimension_codes)} are not in the demo")
    # the wijken too, with model-based estimates and wider margins (the demo has no buurten in this table)
    for indicator in list(estimates):
        wijken = survey_rows(estimates[indicator].reset_index(), world.small_areas)
        if not wijken.empty:
            estimates[indicator] = pd.concat([estimates[indicator], wijken.set_index(["area_code", "year"])])
    wijk_codes = sorted({c for frame in estimates.values() for c, _ in frame.index if level_of(c)})
    rows = []
    area_codes = [g.code for g, _ in world.gemeenten] + ["NL01"] + wijk_codes
    for year in years:
        for code in area_codes:
            older = world.adult_share_65(code, year)
            for age, _ in ages:
                for margin, _, column in margins:
                    row = {
                        "ID": len(rows),
                        "Marges": margin,
                        "Leeftijd": age,
                        "WijkenEnBuurten": padded_code(code),
                        "Perioden": f"{year}JJ00",
                        "Gemeentenaam_1": names.get(gemeente_of(code) if level_of(code) else code, ""),
                    }
                    for indicator, key in keys.items():
                        frame = estimates[indicator]
                        if (code, year) not in frame.index:
                            row[key] = None
                            continue
                        estimate = frame.loc[(code, year)]
                        gradient = truth["indicators"][indicator].get("age_gap", 0.0)
                        row[key] = round(_stratum(estimate, age, older, gradient)[column], 1)
                    rows.append(row)
    properties = [
        {"ID": 0, "Type": "Dimension", "Key": "Marges", "Title": "Marges"},
        {"ID": 1, "Type": "Dimension", "Key": "Leeftijd", "Title": "Leeftijd"},
        {"ID": 2, "Type": "GeoDetail", "Key": "WijkenEnBuurten", "Title": "Wijken en buurten"},
        {"ID": 3, "Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden"},
        {"ID": 4, "Type": "Topic", "Key": "Gemeentenaam_1", "Title": "Gemeentenaam", "Datatype": "String"},
    ]
    properties += [
        {"ID": 5 + i, "Type": "Topic", "Key": key, "Title": key.rsplit("_", 1)[0], "Unit": "%", "Datatype": "Double"}
        for i, key in enumerate(keys.values())
    ]
    dimensions = {
        "Marges": [{"Key": k, "Title": t} for k, t, _ in margins],
        "Leeftijd": [{"Key": k, "Title": t} for k, t in ages],
        "WijkenEnBuurten": [
            {"Key": padded_code(c), "Title": world.small_areas.title(c) if level_of(c) else names.get(c, c)}
            for c in area_codes
        ],
        "Perioden": [{"Key": f"{y}JJ00", "Title": str(y)} for y in years],
    }
    write_v3_snapshot(
        folder / table.id / SNAPSHOT_DATE,
        table.id,
        table.title or table.id,
        properties,
        dimensions,
        rows,
        catalog=table.catalog,
    )
    return [table.id]


def _stratum(estimate, age: str, older: float, gradient: float) -> dict[str, float]:
    """An estimate for all adults (20300) or for one age group: 65+ (80200) lies `gradient` points above 18-64 (53115),
    the two averaging to the adults' value with the 65+ share `older`; an age group's margins are wider, by the
    square root of its share of the respondents."""
    value, half = float(estimate["value"]), (float(estimate["upper"]) - float(estimate["lower"])) / 2
    if age == "20300":
        return {"value": value, "lower": float(estimate["lower"]), "upper": float(estimate["upper"])}
    share = older if age == "80200" else 1 - older
    value = value + (1 - older) * gradient if age == "80200" else value - older * gradient
    value, half = float(np.clip(value, 0.5, 99.5)), half / np.sqrt(share)
    return {"value": value, "lower": max(0.0, value - half), "upper": min(100.0, value + half)}


# one writer per form: (world, regions, folder, [(indicator, source)], truth, sources) -> the tables written
WRITERS = {"series": write_kwb_series, "counts": write_counts_table, "estimates": write_estimates_table}
