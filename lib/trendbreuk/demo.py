"""The demo data set: fake numbers in the real sources' file formats.

`write_demo()` writes, deterministically from one seed, into data/raw/demo/:
- cbs/03759ned/<date>/ : a CBS OData v4 snapshot (observation pages with @odata.nextLink, MeasureCodes,
  RegioSCodes, PeriodenCodes, Properties, manifest.json) of population on 1 January;
- cbs/<table>/<date>/ : CBS OData v3 snapshots (TableInfos, DataProperties, code lists, TypedDataSet pages with
  odata.nextLink) of every table the indicator catalogue reads from CBS StatLine: the yearly Kerncijfers wijken en
  buurten (padded codes, NL00, key suffixes that change every year, a measure renamed in 2024, measures that start
  in later editions, Beekdaelen's predecessors before 2019) and the RIVM table with survey estimates and their
  margins;
- perined/perined-export.csv : a Perined-style export (';', UTF-8 with BOM, decimal comma);
- wsjg/wsjg-export.csv : a Waar-staat-je-gemeente-style export (';', Windows-1252, decimal comma,
  thousands point, gemeente names instead of codes);
- gezondheidsmonitor/gezondheidsmonitor-export.csv : survey estimates with their 95% interval per gemeente
  and for Nederland, in the survey years;
- registraties/registraties.xlsx : a programme registrations workbook in the template's long form.

The made-up truth per indicator is in config/demo.yaml. The magnitudes are plausible, nothing more: gemeente sizes are rounded approximations, the rates are made up.
Zuid-Limburg is made somewhat worse than the rest of the Netherlands; some gaps narrow, some widen. Small
gemeenten (Vaals: about 70 births a year) make noise and small numbers a real problem, as in real data.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from trendbreuk import config, io, paths
from trendbreuk.config import Configuration
from trendbreuk.demo_wijken import FLAG, SmallAreaWorld, survey_rows
from trendbreuk.geography.areas import RegionsConfig, gemeente_of, level_of

log = logging.getLogger(__name__)

SEED = 2018
YEARS = tuple(range(2012, 2025))
SNAPSHOT_DATE = "2025-07-01"
DEMO_NOTICE = "DEMODATA - gegenereerd door trendbreuk demo - geen echte cijfers"

# Approximate inhabitants (rounded) and a births-per-1000 rate, for plausible magnitudes only.
SIZES = {
    "GM0935": (122_000, 7.8),
    "GM1903": (25_500, 6.7),
    "GM1729": (14_000, 6.8),
    "GM0938": (19_000, 6.9),
    "GM0981": (9_900, 7.0),
    "GM0994": (16_300, 6.6),
    "GM0917": (87_000, 8.3),
    "GM0928": (45_500, 7.9),
    "GM0882": (37_000, 7.3),
    "GM0899": (27_500, 8.0),
    "GM0965": (10_500, 7.1),
    "GM0986": (12_400, 6.9),
    "GM1954": (35_500, 7.0),
    "GM1883": (91_000, 7.7),
    "GM0888": (15_800, 6.7),
    "GM0971": (24_800, 6.9),
    "GM0983": (102_000, 9.6),
    "GM0984": (44_000, 9.9),
    "GM1507": (43_000, 9.5),
    "GM1894": (44_000, 9.7),
    "GM0889": (13_500, 8.2),
    "GM0893": (13_000, 8.0),
    "GM0907": (17_000, 8.8),
    "GM0957": (59_000, 9.0),
    "GM0988": (51_000, 9.1),
    "GM1640": (36_000, 8.1),
    "GM1641": (24_000, 7.8),
    "GM1711": (32_000, 7.9),
    "GM1669": (21_000, 7.6),
    "GM0946": (17_000, 8.9),
}
# The demo world repeats one real merger so that every build exercises harmonisation: before 2019 the
# Perined export and the CBS population report Beekdaelen's three predecessors, and the CBS code list
# describes the merger in CBS's own words. The build learns it from that text, as it does from real data.
MERGERS = {
    "GM1954": {
        "year": 2019,
        "name": "Beekdaelen",
        "from": [("GM0951", "Nuth", 15187), ("GM0881", "Onderbanken", 7782), ("GM0962", "Schinnen", 12758)],
    },
}
NL_POPULATION_2018 = 17_180_000
NATIONAL_MINIMUM = 300  # configured gemeenten from which the demo world is the whole country (342 in 2023)
# Shares of the population by the age groups of the Kerncijfers wijken en buurten: 0-15, 15-25, 25-45, 45-65, 65+
# (Zuid-Limburg is older than the country).
AGE_GROUPS = ("k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder")
AGE_SHARES = {"ZL": (0.12, 0.11, 0.22, 0.30, 0.25), "other": (0.16, 0.12, 0.25, 0.28, 0.19)}
# Ageing: the 65+ share grows by this much a year from 2018 (taken from the 25-45 group), faster in Zuid-Limburg.
AGEING = {"ZL": 0.005, "other": 0.003}
# First edition of the Kerncijfers wijken en buurten that carries a measure (by its first key stem); others: all.
KWB_FIRST_YEAR = {
    "JongerenMetJeugdzorgInNatura": 2015,
    "PercentageJongerenMetJeugdzorg": 2015,
    "OpleidingsniveauLaag": 2018,
    "OpleidingsniveauMiddelbaar": 2018,
    "OpleidingsniveauHoog": 2018,
}
KWB_RENAMED_FROM = 2024  # CBS renamed some measures; the demo uses the last alternative stem from this edition on
NL_BIRTH_RATE = 9.9
SHARE_CHILDREN = {"ZL": 0.158, "NML": 0.175, "NL": 0.196}


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _expit(x: np.ndarray | float) -> np.ndarray:
    return 1 / (1 + np.exp(-np.asarray(x)))


class _World:
    """Population, births and children per gemeente and year for every configured region, plus NL."""

    def __init__(self, regions: RegionsConfig, rng: np.random.Generator):
        self.rng = rng
        self.gemeenten = [(g, r) for r in regions.regions.values() for g in r.gemeenten]
        self.region_code = {g.code: r.code for g, r in self.gemeenten}
        self.population: dict[tuple[str, int], int] = {}
        self.births: dict[tuple[str, int], int] = {}
        self.children: dict[tuple[str, int], int] = {}
        # A national world (every gemeente of the country configured) has no "rest of NL": the country is the sum
        # of its gemeenten, whose unknown sizes are drawn (log-normal, like real gemeente sizes) to add up to NL.
        self.national = len(self.gemeenten) >= NATIONAL_MINIMUM
        sizes = self._national_sizes(rng) if self.national else {}
        for g, region in self.gemeenten:
            drawn = (int(rng.integers(10_000, 60_000)), 8.0)  # drawn for every gemeente: the seed's stream stays put
            size, birth_rate = SIZES.get(g.code) or sizes.get(g.code) or drawn
            growth = -0.003 if region.code == "ZL" else 0.001
            for year in YEARS:
                pop = int(round(size * (1 + growth) ** (year - 2018)))
                self.population[(g.code, year)] = pop
                rate = birth_rate * (1 - 0.006 * (year - 2018))
                self.births[(g.code, year)] = int(rng.poisson(pop * rate / 1000))
                self.children[(g.code, year)] = int(
                    round(pop * SHARE_CHILDREN.get(region.code, 0.18) * (1 - 0.004 * (year - 2018)))
                )
        for year in YEARS:
            if self.national:
                for table in (self.population, self.births, self.children):
                    table[("NL01", year)] = sum(table[(g.code, year)] for g, _ in self.gemeenten)
                continue
            nl_pop = int(round(NL_POPULATION_2018 * (1.006) ** (year - 2018)))
            self.population[("NL01", year)] = nl_pop
            self.births[("NL01", year)] = int(round(nl_pop * NL_BIRTH_RATE * (1 - 0.008 * (year - 2018)) / 1000))
            self.children[("NL01", year)] = int(round(nl_pop * SHARE_CHILDREN["NL"] * (1 - 0.003 * (year - 2018))))

    def _national_sizes(self, rng: np.random.Generator) -> dict[str, tuple[int, float]]:
        unknown = [g.code for g, _ in self.gemeenten if g.code not in SIZES]
        known = sum(SIZES[g.code][0] for g, _ in self.gemeenten if g.code in SIZES)
        drawn = rng.lognormal(np.log(28_000), 0.8, size=len(unknown))
        drawn *= (NL_POPULATION_2018 - known) / drawn.sum()
        rates = rng.normal(9.3, 0.9, size=len(unknown))
        return {code: (int(round(max(size, 1_000))), float(rate)) for code, size, rate in zip(unknown, drawn, rates)}

    def ages(self, code: str, year: int) -> dict[str, int]:
        """Inhabitants per age group of the Kerncijfers wijken en buurten; they add up to the population."""
        if code == "NL01" and self.national:
            parts = [self.ages(g.code, year) for g, _ in self.gemeenten]
            return {group: sum(p[group] for p in parts) for group in AGE_GROUPS}
        kind = "ZL" if self.region_code.get(code) == "ZL" else "other"
        shift = AGEING[kind] * (year - 2018)
        shares = list(AGE_SHARES[kind])
        shares[2] -= shift  # 25-45 -> 65+: the 15+ total (the uitkeringen's denominator) stays as it was
        population = self.population[(code, year)]
        groups = [int(round(population * share)) for share in shares[:-1]]
        return dict(zip(AGE_GROUPS, [*groups, population - sum(groups)]))

    def adult_share_65(self, code: str, year: int) -> float:
        """The share of 65-plussers among the adults (18+, taking 3 of the 10 years of 15-25 as under 18)."""
        ages = self.ages(gemeente_of(code) if level_of(code) else code, min(max(year, YEARS[0]), YEARS[-1]))
        adults = 0.7 * ages["k_15Tot25Jaar"] + ages["k_25Tot45Jaar"] + ages["k_45Tot65Jaar"] + ages["k_65JaarOfOuder"]
        return ages["k_65JaarOfOuder"] / adults

    def base(self, kind: str, code: str, year: int, shares: dict) -> int:
        """The denominator population of a gemeente (or NL01) and year for a base kind."""
        if kind == "births":
            return self.births[(code, year)]
        if kind == "children":
            return self.children[(code, year)]
        if kind == "inhabitants15plus":
            return sum(v for k, v in self.ages(code, year).items() if k != "k_0Tot15Jaar")
        if code == "NL01" and self.national:
            return sum(self.base(kind, g.code, year, shares) for g, _ in self.gemeenten)
        share = shares[kind]["ZL" if self.region_code.get(code) == "ZL" else "other"]
        return int(round(self.population[(code, year)] * share))

    def truth(self, spec: dict, code: str, year: int, effect: float) -> float:
        """The made-up true proportion of a gemeente (or NL01) in a year."""
        t = year - 2018
        logit = _logit(spec["nl"]) + spec["nl_trend"] * t
        if code != "NL01":
            # break_trend: the change of that trend from 2018 on (a known trend break for the section "Is er een
            # trendbreuk?"; negative narrows the gap faster)
            offset = spec["offset"] + spec["offset_trend"] * t + spec.get("break_trend", 0.0) * max(t, 0)
            logit += (offset if self.region_code[code] == "ZL" else 0.5 * offset) + effect
        return float(_expit(logit))

    def counts(self, key: str, spec: dict, shares: dict) -> pd.DataFrame:
        """Binomial counts per gemeente and year; NL = configured gemeenten + a rest-of-NL draw."""
        rng = self.rng
        effects = {g.code: rng.normal(0, spec["sd"]) for g, _ in self.gemeenten}
        rows = []
        for year in YEARS:
            k_in = n_in = 0
            for g, _ in self.gemeenten:
                n = self.base(spec["base"], g.code, year, shares)
                k = int(rng.binomial(n, self.truth(spec, g.code, year, effects[g.code])))
                rows.append({"indicator": key, "area_code": g.code, "year": year, "numerator": k, "denominator": n})
                k_in, n_in = k_in + k, n_in + n
            n_rest = self.base(spec["base"], "NL01", year, shares) - n_in
            k_rest = int(rng.binomial(n_rest, self.truth(spec, "NL01", year, 0.0)))
            rows.append(
                {
                    "indicator": key,
                    "area_code": "NL01",
                    "year": year,
                    "numerator": k_in + k_rest,
                    "denominator": n_in + n_rest,
                }
            )
        return pd.DataFrame(rows)

    def survey(self, key: str, spec: dict, survey: dict) -> pd.DataFrame:
        """Weighted survey estimates with a 95% interval (binomial sample, design effect) per gemeente and NL."""
        rng = self.rng
        effects = {g.code: rng.normal(0, spec["sd"]) for g, _ in self.gemeenten}
        rows = []
        for year in spec["years"]:
            pop_year = min(max(year, YEARS[0]), YEARS[-1])
            for code in [g.code for g, _ in self.gemeenten] + ["NL01"]:
                if code == "NL01":
                    n = survey["nl_respondents"]
                else:
                    n = max(
                        survey["respondent_floor"], int(self.population[(code, pop_year)] * survey["respondent_share"])
                    )
                p = self.truth(spec, code, year, effects.get(code, 0.0))
                estimate = rng.binomial(n, p) / n
                se = np.sqrt(survey["design_effect"] * estimate * (1 - estimate) / n)
                rows.append(
                    {
                        "indicator": key,
                        "area_code": code,
                        "year": year,
                        "value": 100 * estimate,
                        "lower": 100 * max(0.0, estimate - 1.959964 * se),
                        "upper": 100 * min(1.0, estimate + 1.959964 * se),
                        "respondents": n,
                    }
                )
        return pd.DataFrame(rows)


def split_merged(data: pd.DataFrame, count_columns: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Report a merged gemeente's counts before its merger year under its predecessors (multinomial split by
    inhabitants, so predecessors add up exactly to the merged gemeente)."""
    keep = data
    predecessors = []
    for code, merger in MERGERS.items():
        before = (keep["area_code"] == code) & (keep["year"] < merger["year"])
        weights = np.array([w for _, _, w in merger["from"]], dtype=float)
        weights /= weights.sum()
        for record in keep[before].to_dict("records"):
            shares = {c: rng.multinomial(int(record[c]), weights) for c in count_columns}
            for i, (old, _, _) in enumerate(merger["from"]):
                predecessors.append({**record, "area_code": old, **{c: int(shares[c][i]) for c in count_columns}})
        keep = keep[~before]
    return pd.concat([keep, pd.DataFrame(predecessors)], ignore_index=True)


def _history(code: str) -> str:
    """CBS-style Description text for the demo's merged gemeente and its predecessors."""
    for new, merger in MERGERS.items():
        when = f"01-01-{merger['year']}"
        if code == new:
            lines = [f"Ontstaan per {when}, ontvangen van:"]
            for old, name, inhabitants in merger["from"]:
                lines += [f"- {name} ({old}),", f"... 1000 hectare met 1000 woningen en {inhabitants} inwoners"]
            return "\r\n".join(lines + [f"Begindatum {when}", ""])
        for old, name, inhabitants in merger["from"]:
            if code == old:
                return "\r\n".join(
                    [
                        f"Opgeheven per {when}, overgegaan naar:",
                        f"- {merger['name']} ({new}),",
                        f"... 1000 hectare met 1000 woningen en {inhabitants} inwoners",
                        "",
                    ]
                )
    return ""


def _dutch(value: float, decimals: int = 1, thousands: bool = False) -> str:
    text = f"{value:,.{decimals}f}" if thousands else f"{value:.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _names(regions: RegionsConfig) -> dict[str, str]:
    names = {g.code: g.name for r in regions.regions.values() for g in r.gemeenten}
    names.update({old: name for merger in MERGERS.values() for old, name, _ in merger["from"]})
    names["NL01"] = "Nederland"
    return names


def load_truth(configuration: Configuration) -> dict:
    """config/demo.yaml, with a truth for every indicator of the catalogue: its own, or else the default for its
    kind (`defaults` in config/demo.yaml), so that an indicator added to the catalogue gets demo data without code."""
    truth = config.read_demo(configuration.root)
    defaults = truth.get("defaults") or {}
    for indicator in configuration.catalogue.values():
        if indicator.variant_of or indicator.id in truth["indicators"]:
            continue
        default = defaults.get("survey" if indicator.statistic == "survey" else "counts")
        if default is not None:
            truth["indicators"][indicator.id] = dict(default)
            log.info("demo: no truth for %s in config/demo.yaml; it gets the default for its kind", indicator.id)
    return truth


def _export_names(configuration: Configuration, provider: str) -> dict[str, str]:
    """indicator id -> the export's own indicator name (the inverse of the layout's indicator_names), as the sources
    configuration's layouts say."""
    layout = configuration.sources.layouts.get(provider)
    return {ident: name for name, ident in (layout.indicator_names if layout else {}).items()}


def _indicators_of(configuration: Configuration, provider: str, truth: dict) -> list[str]:
    catalogue = configuration.catalogue
    chosen = [i.id for i in catalogue.values() if i.source.get("provider") == provider]
    missing = [i for i in chosen if i not in truth["indicators"]]
    if missing:
        raise ValueError(f"config/demo.yaml has no demo truth for {missing}; add one so the demo covers the catalogue")
    return chosen


def write_perined(
    world: _World, regions: RegionsConfig, target: Path, configuration: Configuration, truth: dict
) -> None:
    names, export_names = _names(regions), _export_names(configuration, "perined")
    frames = [
        world.counts(key, truth["indicators"][key], truth["bases"])
        for key in _indicators_of(configuration, "perined", truth)
    ]
    data = split_merged(pd.concat(frames, ignore_index=True), ["numerator", "denominator"], world.rng)
    data = data.sort_values(["indicator", "year", "area_code"], kind="stable")
    export = pd.DataFrame(
        {
            "Gemeentecode": data["area_code"].where(data["area_code"] != "NL01", ""),
            "Gemeente": data["area_code"].map(names),
            "Periode": data["year"].astype(str),
            "Indicator": data["indicator"].map(export_names),
            "Teller": data["numerator"].astype(str),
            "Noemer": data["denominator"].map(lambda v: _dutch(v, 0, thousands=True)),
            "Percentage": (100 * data["numerator"] / data["denominator"]).map(lambda v: _dutch(v, 1)),
        }
    )
    with io.atomic_path(target) as tmp:
        export.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig")


def write_wsjg(world: _World, regions: RegionsConfig, target: Path, configuration: Configuration, truth: dict) -> None:
    """WSJG reports today's gemeenten for all years (it harmonises itself), by name, in Windows-1252."""
    names, export_names = _names(regions), _export_names(configuration, "wsjg")
    frames = [
        world.counts(key, truth["indicators"][key], truth["bases"])
        for key in _indicators_of(configuration, "wsjg", truth)
    ]
    data = pd.concat(frames, ignore_index=True)
    export = pd.DataFrame(
        {
            "Indicator": data["indicator"].map(export_names),
            "Gebied": data["area_code"].map(names),
            "Periode": data["year"].astype(str),
            "Waarde": (100 * data["numerator"] / data["denominator"]).map(lambda v: _dutch(v, 2)),
            "Teller": data["numerator"].map(lambda v: _dutch(v, 0, thousands=True)),
            "Noemer": data["denominator"].map(lambda v: _dutch(v, 0, thousands=True)),
        }
    )
    with io.atomic_path(target) as tmp:
        export.to_csv(tmp, sep=";", index=False, encoding="cp1252")


def write_gezondheidsmonitor(
    world: _World, regions: RegionsConfig, target: Path, configuration: Configuration, truth: dict
) -> None:
    names, export_names = _names(regions), _export_names(configuration, "gezondheidsmonitor")
    frames = [
        world.survey(key, truth["indicators"][key], truth["survey"])
        for key in _indicators_of(configuration, "gezondheidsmonitor", truth)
    ]
    data = pd.concat(frames, ignore_index=True)
    export = pd.DataFrame(
        {
            "Gemeentecode": data["area_code"].where(data["area_code"] != "NL01", ""),
            "Gemeente": data["area_code"].map(names),
            "Jaar": data["year"].astype(str),
            "Indicator": data["indicator"].map(export_names),
            "Percentage": data["value"].map(lambda v: _dutch(v, 1)),
            "Ondergrens": data["lower"].map(lambda v: _dutch(v, 1)),
            "Bovengrens": data["upper"].map(lambda v: _dutch(v, 1)),
            "Aantal respondenten": data["respondents"].map(lambda v: _dutch(v, 0, thousands=True)),
        }
    )
    with io.atomic_path(target) as tmp:
        export.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig")


def write_cbs_population(world: _World, regions: RegionsConfig, folder: Path) -> None:
    """A CBS OData v4 snapshot of 03759ned (population on 1 January), in the shape datasets.cbs.nl returns."""
    names = _names(regions)
    population = pd.DataFrame([{"area_code": c, "year": y, "value": v} for (c, y), v in world.population.items()])
    population = split_merged(population, ["value"], world.rng)
    existing = {(c, y) for c, y in zip(population["area_code"], population["year"])}
    values = dict(zip(zip(population["area_code"], population["year"]), population["value"]))
    codes = sorted({c for c, _ in existing} | set(MERGERS))
    observations = []
    for year in YEARS:
        for code in codes:
            value = values.get((code, year))
            observations.append(
                {
                    "Id": len(observations),
                    "Measure": "M000352",
                    "ValueAttribute": "None" if value is not None else "Impossible",
                    "Value": int(value) if value is not None else None,
                    "StringValue": None,
                    "BurgerlijkeStaat": "T001019",
                    "Geslacht": "T001038",
                    "Leeftijd": "10000",
                    "RegioS": code,
                    "Perioden": f"{year}JJ00",
                }
            )
    meta = {
        "RegioSCodes.json": [
            {"Identifier": code, "Index": i + 1, "Title": name, "Description": _history(code), "DimensionGroupId": None}
            for i, (code, name) in enumerate(sorted(names.items()))
        ],
        "PeriodenCodes.json": [
            {
                "Identifier": f"{y}JJ00",
                "Index": i + 1,
                "Title": str(y),
                "Description": "",
                "DimensionGroupId": "0",
                "Status": "Definitief",
            }
            for i, y in enumerate(YEARS)
        ],
    }
    _v4_snapshot(
        folder,
        "03759ned",
        "DEMO - Bevolking op 1 januari en gemiddeld; geslacht, leeftijd en regio",
        observations,
        meta,
    )


def _v4_snapshot(folder: Path, table: str, title: str, observations: list[dict], codes: dict[str, list[dict]]) -> None:
    """A CBS OData v4 snapshot in the shape fetch_cbs_v4 writes (measure M000352, Observations in two pages joined by
    @odata.nextLink, one code list per dimension in `codes`, named <Dimension>Codes.json) plus manifest.json."""
    base = f"https://datasets.cbs.nl/odata/v1/CBS/{table}"
    half = len(observations) // 2
    pages = {
        "Observations-1.json": {
            "@odata.context": f"{base}/$metadata#Observations",
            "value": observations[:half],
            "@odata.nextLink": f"{base}/Observations?$skip={half}",
        },
        "Observations-2.json": {"@odata.context": f"{base}/$metadata#Observations", "value": observations[half:]},
    }
    meta = {
        "Properties.json": {
            "@odata.context": f"{base}/$metadata#Properties",
            "Identifier": table,
            "Title": title,
            "Modified": f"{SNAPSHOT_DATE}T00:00:00+02:00",
            "Description": DEMO_NOTICE,
        },
        "MeasureCodes.json": {
            "@odata.context": f"{base}/$metadata#MeasureCodes",
            "value": [
                {
                    "Identifier": "M000352",
                    "Index": 5,
                    "Title": "Bevolking op 1 januari",
                    "Description": "",
                    "MeasureGroupId": None,
                    "DataType": "Long",
                    "Unit": "aantal",
                    "Decimals": 0,
                    "PresentationType": "Absolute",
                }
            ],
        },
        **{
            name: {"@odata.context": f"{base}/$metadata#{name[:-5]}", "value": values} for name, values in codes.items()
        },
    }
    with io.atomic_directory(folder) as tmp:
        files = {**pages, **meta}
        for name, content in files.items():
            (tmp / name).write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
        manifest = {
            "table": table,
            "api": "odata-v4",
            "demo": True,
            "notice": DEMO_NOTICE,
            "retrieved_at": f"{SNAPSHOT_DATE}T00:00:00+00:00",
            "table_modified": meta["Properties.json"]["Modified"],
            "table_title": title,
            "urls": [
                f"{base}/Observations",
                f"{base}/Observations?$skip={half}",
                f"{base}/Properties",
                f"{base}/MeasureCodes",
                *(f"{base}/{name[:-5]}" for name in codes),
            ],
            "observations": list(pages),
            "properties": "Properties.json",
            "measure_codes": "MeasureCodes.json",
            "codes": {name[: -len("Codes.json")]: name for name in codes},
            "row_count": len(observations),
            "sha256": {name: io.sha256_file(tmp / name) for name in files},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def write_standard_population(folder: Path, year: int, total: int = 17_590_000) -> None:
    """The standard population's slice of 03759ned in its v4 shape: Nederland on 1 January of `year` by single year
    of age 0-104, "95 jaar of ouder", "105 jaar of ouder" and the total, as CBS codes them (10010 = 0 jaar, 10100 =
    1 jaar, ..., 19901-19904 = 100-104 jaar). The numbers are a smooth made-up age pyramid (demo data)."""
    ages = np.arange(0, 106)
    shape = np.where(ages < 58, 1.0, np.clip(1 - (np.clip(ages - 58, 0, None) / 36.0) ** 1.8, 0.002, None))
    counts = np.round(total * shape / shape.sum()).astype(int)

    def code(age: int) -> str:
        return "10010" if age == 0 else f"{10000 + 100 * age}" if age < 100 else f"{19901 + age - 101 + 1}"

    entries = [(code(a), f"{a} jaar", int(counts[a])) for a in range(0, 105)]
    entries += [
        ("22000", "95 jaar of ouder", int(counts[95:].sum())),
        ("22300", "105 jaar of ouder", int(counts[105])),
        ("10000", "Totaal", int(counts.sum())),
    ]
    observations = [
        {
            "Id": i,
            "Measure": "M000352",
            "ValueAttribute": "None",
            "Value": value,
            "StringValue": None,
            "BurgerlijkeStaat": "T001019",
            "Geslacht": "T001038",
            "Leeftijd": ident,
            "RegioS": "NL01",
            "Perioden": f"{year}JJ00",
        }
        for i, (ident, _, value) in enumerate(entries)
    ]
    codes = {
        "LeeftijdCodes.json": [
            {"Identifier": ident, "Index": i + 1, "Title": title, "Description": "", "DimensionGroupId": None}
            for i, (ident, title, _) in enumerate(entries)
        ],
        "RegioSCodes.json": [
            {"Identifier": "NL01", "Index": 1, "Title": "Nederland", "Description": "", "DimensionGroupId": None}
        ],
        "PeriodenCodes.json": [
            {
                "Identifier": f"{year}JJ00",
                "Index": 1,
                "Title": str(year),
                "Description": "",
                "DimensionGroupId": "0",
                "Status": "Definitief",
            }
        ],
    }
    _v4_snapshot(
        folder,
        "03759ned",
        "DEMO - Bevolking op 1 januari naar leeftijd (Nederland), standaardbevolking",
        observations,
        codes,
    )


def _padded(code: str) -> str:
    return code.ljust(10)


def _v3_snapshot(
    folder: Path,
    table: str,
    title: str,
    properties: list[dict],
    dimensions: dict[str, list[dict]],
    rows: list[dict],
    *,
    catalog: str = "CBS",
    period: str | None = None,
) -> None:
    """A CBS OData v3 snapshot in the shape fetch_cbs_v3 writes: every response as the API delivers it (the data
    in two pages joined by odata.nextLink) plus manifest.json."""
    base = (
        "https://opendata.cbs.nl/ODataFeed/odata" if catalog == "CBS" else "https://dataderden.cbs.nl/ODataFeed/odata"
    )
    root = f"{base}/{table}"
    info = {
        "ID": 0,
        "Identifier": table,
        "Title": f"DEMO - {title}",
        "ShortTitle": title,
        "Catalog": catalog,
        "Period": period or "",
        "Modified": f"{SNAPSHOT_DATE}T02:00:00",
        "Summary": DEMO_NOTICE,
    }
    half = (len(rows) + 1) // 2
    files = {
        "TableInfos.json": {"odata.metadata": f"{root}/$metadata#Cbs.OData.WebAPI.TableInfos", "value": [info]},
        "DataProperties.json": {
            "odata.metadata": f"{root}/$metadata#Cbs.OData.WebAPI.DataProperties",
            "value": properties,
        },
        **{
            f"{d}.json": {"odata.metadata": f"{root}/$metadata#Cbs.OData.WebAPI.{d}", "value": codes}
            for d, codes in dimensions.items()
        },
        "TypedDataSet.json": {
            "odata.metadata": f"{root}/$metadata#Cbs.OData.WebAPI.TypedDataSet",
            "value": rows[:half],
            "odata.nextLink": f"{root}/TypedDataSet?$format=json&$skip={half}",
        },
        "TypedDataSet-2.json": {
            "odata.metadata": f"{root}/$metadata#Cbs.OData.WebAPI.TypedDataSet",
            "value": rows[half:],
        },
    }
    with io.atomic_directory(folder) as tmp:
        for name, content in files.items():
            (tmp / name).write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
        manifest = {
            "table": table,
            "api": "odata-v3",
            "catalog": catalog,
            "demo": True,
            "notice": DEMO_NOTICE,
            "retrieved_at": f"{SNAPSHOT_DATE}T00:00:00+00:00",
            "source": root,
            "table_title": info["Title"],
            "table_period": info["Period"],
            "table_modified": info["Modified"],
            "row_count": len(rows),
            "typed_data_set": ["TypedDataSet.json", "TypedDataSet-2.json"],
            "table_infos": "TableInfos.json",
            "data_properties": "DataProperties.json",
            "codes": {d: f"{d}.json" for d in dimensions},
            "measures": [p["Key"] for p in properties if p.get("Type") == "Topic"],
            "files": [{"file": name, "sha256": io.sha256_file(tmp / name)} for name in files],
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def _stem_for(term: str, year: int) -> str:
    alternatives = [a.strip() for a in term.split("|")]
    return alternatives[-1] if year >= KWB_RENAMED_FROM else alternatives[0]


def write_cbs_tables(
    world: _World, regions: RegionsConfig, folder: Path, configuration: Configuration, truth: dict
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
    written = []
    series = {i: s for i, s in chosen.items() if s.tables[0].series}
    if series:
        written += _write_kwb(world, regions, folder, series, truth, sources)
    tables = {}
    for indicator, source in chosen.items():
        if not source.tables[0].series:
            tables.setdefault(source.tables[0].id, []).append((indicator, source))
    for table, members in tables.items():
        estimates = [bool(source.value) for _, source in members]
        if any(estimates) and not all(estimates):
            raise ValueError(
                f"demo table {table}: its indicators mix estimates with margins and counts; the demo writes a "
                "table in one form (put them in separate tables in config/indicators.yaml)"
            )
        writer = _write_survey_table if all(estimates) else _write_counts_table
        writer(world, regions, folder, members[0][1].tables[0], members, truth)
        written.append(table)
    return written


def _write_counts_table(world: _World, regions: RegionsConfig, folder: Path, table, members: list, truth: dict) -> None:
    """A StatLine table of counts per gemeente and year (dimensions RegioS and Perioden, one measure per count; the
    other dimensions an indicator names keep its one code), in the indeling of each year as CBS publishes it: a
    merged gemeente under its predecessors before the merger. The two count forms of the catalogue: a numerator with
    a denominator (each possibly a sum of measures), or a numerator with the percentage CBS publishes for it."""
    names = _names(regions)
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
    _v3_snapshot(
        folder / table.directory / SNAPSHOT_DATE,
        table.id,
        table.title or table.id,
        properties,
        dimensions,
        rows,
        catalog=table.catalog,
    )


def _split(total: int, parts: int, rng: np.random.Generator) -> list[int]:
    """`total` over `parts` measures that add up to it (multinomial, equal shares)."""
    if parts <= 1:
        return [total] * parts
    return [int(v) for v in rng.multinomial(max(total, 0), [1 / parts] * parts)]


def _write_kwb(world: _World, regions: RegionsConfig, folder: Path, chosen: dict, truth: dict, sources) -> list[str]:
    """The yearly Kerncijfers wijken en buurten for the demo years, with the measures the catalogue names."""
    names = _names(regions)
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
                "WijkenEnBuurten": _padded(code),
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
                "Key": _padded("NL00" if c == "NL01" else c),
                "Title": names.get(c, c),
                "Description": None,
                "Municipality": "" if c == "NL01" else c,
                "DetailRegionCode": c,
            }
            for c in sorted(frame.loc[frame["year"] == year, "area_code"].unique())
        ]
        places += [
            {
                "Key": _padded(c),
                "Title": world.small_areas.title(c),
                "Description": None,
                "Municipality": gemeente_of(c),
                "DetailRegionCode": c,
            }
            for c in sorted(small.loc[small["year"] == year, "area_code"].unique())
        ]
        _v3_snapshot(
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


def _write_survey_table(world: _World, regions: RegionsConfig, folder: Path, table, members: list, truth: dict) -> None:
    """A table in the shape of RIVM's Gezondheid per wijk en buurt: estimates with their 95% interval in the Marges
    dimension, per age group, gemeente and survey year, all in one indeling (so no predecessors)."""
    names = _names(regions)
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
                        "WijkenEnBuurten": _padded(code),
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
            {"Key": _padded(c), "Title": world.small_areas.title(c) if level_of(c) else names.get(c, c)}
            for c in area_codes
        ],
        "Perioden": [{"Key": f"{y}JJ00", "Title": str(y)} for y in years],
    }
    _v3_snapshot(
        folder / table.id / SNAPSHOT_DATE,
        table.id,
        table.title or table.id,
        properties,
        dimensions,
        rows,
        catalog=table.catalog,
    )


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


def write_registrations(world: _World, regions: RegionsConfig, target: Path, configuration: Configuration) -> None:
    """A filled-in registrations template with plausible counts; reach stays below the expected number, as seed
    004 reports for the Knooppunten and the prenatal home visit."""
    from trendbreuk.sources.registration_template import build_template

    rng = world.rng
    region = regions.region()
    programmes = configuration.programmes
    years = range(2019, YEARS[-1] + 1)
    per_gemeente = {  # (programme, measure): expected count from the gemeente's births or inhabitants
        ("knooppunt", "aanmeldingen"): lambda code, y: world.births[(code, y)] * 0.035,
        ("prenataal_huisbezoek", "huisbezoeken"): lambda code, y: world.births[(code, y)] * 0.045,
        ("voorzorg", "trajecten"): lambda code, y: world.births[(code, y)] * 0.012,
        ("stevig_ouderschap", "trajecten"): lambda code, y: world.births[(code, y)] * 0.008,
        ("nu_niet_zwanger", "deelnemers"): lambda code, y: world.population[(code, y)] / 1000 * 0.25,
        ("keigezond", "kinderen"): lambda code, y: world.population[(code, y)] * 0.0004,
        ("rookvrije_generatie", "rookvrije_plekken"): lambda code, y: 2 + (y - 2019),
    }
    rows = []
    for p in programmes.programmes:
        for m in p.measures:
            for y in years:
                ramp = min(1.0, 0.4 + 0.15 * (y - years[0]))
                if m.level == "gemeente" and (p.id, m.id) in per_gemeente:
                    quarterly = p.id == "knooppunt" and y == YEARS[-1]
                    for g in region.gemeenten:
                        mean = per_gemeente[(p.id, m.id)](g.code, y) * ramp
                        if quarterly:  # one owner reports per quarter
                            for q in range(1, 5):
                                rows.append(
                                    [g.name, f"{y}-K{q}", p.title, m.title, int(rng.poisson(mean / 4)), None, None]
                                )
                        else:
                            rows.append([g.name, str(y), p.title, m.title, int(rng.poisson(mean)), None, None])
                elif m.unit == "status" and y >= 2022:
                    for i, g in enumerate(region.gemeenten):
                        if p.id == "basisstructuur":  # 11 volledig, 5 deels in 2024 (seed 001)
                            value = "volledig" if i < 11 - 3 * (YEARS[-1] - y) else "deels"
                        else:
                            value = "actief" if y == YEARS[-1] or i % 3 else "in oprichting"
                        rows.append([g.name, str(y), p.title, m.title, value, None, None])
                elif p.id == "gezonde_school":
                    for g in region.gemeenten:
                        schools = max(3, world.population[(g.code, y)] // 2500)
                        rows.append(
                            [g.name, str(y), p.title, m.title, int(rng.binomial(schools, 0.3 * ramp)), schools, None]
                        )
                elif p.id == "gezonde_kantine":
                    for s in region.subregios:
                        schools = 8 + 3 * len(s.gemeenten)
                        rows.append(
                            [s.name, str(y), p.title, m.title, int(rng.binomial(schools, 0.4 * ramp)), schools, None]
                        )
                elif m.level == "regio":
                    mean = {"aandachtsfunctionarissen": 14, "groepen": 15, "praktijken": 10}[m.id] * ramp
                    rows.append([region.name, str(y), p.title, m.title, int(rng.poisson(mean)), None, None])
    workbook = build_template(regions, programmes)
    sheet = workbook["Registraties"]
    for row in rows:
        sheet.append(row)
    workbook["Toelichting"].insert_rows(1)
    workbook["Toelichting"]["A1"] = DEMO_NOTICE
    workbook.properties.creator = "trendbreuk demo"
    with io.atomic_path(target) as tmp:
        workbook.save(tmp)
        _make_reproducible(tmp)


def _make_reproducible(xlsx: Path) -> None:
    """openpyxl stamps the save time into docProps/core.xml and the zip entries; fix both so that the same seed
    gives byte-identical files."""
    import re
    import zipfile

    with zipfile.ZipFile(xlsx) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2025-07-01T00:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 7, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)


def write_demo(
    root: Path | None = None, seed: int = SEED, national: bool = False, configuration: Configuration | None = None
) -> Path:
    """Write the whole demo data set into data/raw/demo/ and return that folder. With `national`, the demo of
    every gemeente of the regions file (which must cover the country: `trendbreuk regions national`) goes into
    data/raw/demo-nl/, the dataset demo-nl."""
    root = root or paths.project_root()
    configuration = configuration or config.project(root)
    regions_path = configuration.files["regions.yaml"]
    regions = configuration.regions
    rng = np.random.default_rng(seed)
    world = _World(regions, rng)
    population = {g.code: world.population[(g.code, 2018)] for g, _ in world.gemeenten}
    population.update({old: inhabitants for merger in MERGERS.values() for old, _, inhabitants in merger["from"]})
    world.small_areas = SmallAreaWorld(_names(regions), population, regions, seed)
    if national and not world.national:
        raise ValueError(
            f"{regions_path} holds {len(world.gemeenten)} gemeenten, not the whole country: write a "
            "national regions file with `trendbreuk regions national <CBS area list>` and pass it with "
            "`trendbreuk --regions config/regions-nl.yaml demo --national`"
        )
    demo = paths.raw_dir(root) / ("demo-nl" if national else "demo")
    demo.mkdir(parents=True, exist_ok=True)
    write_cbs_population(world, regions, demo / "cbs" / "03759ned" / SNAPSHOT_DATE)
    standard = configuration.sources.standard_population
    if standard is not None:
        write_standard_population(demo / "cbs" / standard.table.directory / SNAPSHOT_DATE, standard.year)
    truth = load_truth(configuration)
    write_cbs_tables(world, regions, demo / "cbs", configuration, truth)
    write_perined(world, regions, demo / "perined" / "perined-export.csv", configuration, truth)
    write_wsjg(world, regions, demo / "wsjg" / "wsjg-export.csv", configuration, truth)
    monitor = demo / "gezondheidsmonitor" / "gezondheidsmonitor-export.csv"
    write_gezondheidsmonitor(world, regions, monitor, configuration, truth)
    write_registrations(world, regions, demo / "registraties" / "registraties.xlsx", configuration)
    io.write_text_atomic(
        demo / "LEESMIJ.txt",
        f"{DEMO_NOTICE}\n\nDeze map is gemaakt door `trendbreuk demo` (seed {seed}). De bestanden hebben de vorm van de\n"
        "echte bronnen (CBS OData v4 en v3, Perined-export, Waar staat je gemeente-export, registratiewerkboek),\n"
        "maar alle getallen zijn verzonnen. Gebruik ze nooit als echte cijfers.\n",
    )
    return demo
