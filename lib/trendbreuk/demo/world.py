"""The demo world: gemeenten with sizes, births and inhabitants per year, the mergers, and the truth of
config/demo.yaml (an indicator's course per area) from which every writer draws its numbers."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trendbreuk import config
from trendbreuk.config import Configuration, DemoConfigError
from trendbreuk.geography.areas import RegionsConfig, gemeente_of, level_of

log = logging.getLogger(__name__)


SEED = 2018
YEARS = tuple(range(2012, 2025))
SNAPSHOT_DATE = "2025-07-01"
DEMO_NOTICE = "DEMODATA - gegenereerd door trendbreuk demo - geen echte cijfers"

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
NATIONAL_MINIMUM = 300  # configured gemeenten from which the demo world is the whole country (342 in 2023)
# The age groups of the Kerncijfers wijken en buurten (their shares of the population: config/demo.yaml, world)
AGE_GROUPS = ("k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder")
# First edition of the Kerncijfers wijken en buurten that carries a measure (by its first key stem); others: all.
KWB_FIRST_YEAR = {
    "JongerenMetJeugdzorgInNatura": 2015,
    "PercentageJongerenMetJeugdzorg": 2015,
    "OpleidingsniveauLaag": 2018,
    "OpleidingsniveauMiddelbaar": 2018,
    "OpleidingsniveauHoog": 2018,
}
KWB_RENAMED_FROM = 2024  # CBS renamed some measures; the demo uses the last alternative stem from this edition on


def to_logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def expit(x: np.ndarray | float) -> np.ndarray:
    return 1 / (1 + np.exp(-np.asarray(x)))


@dataclass(frozen=True)
class Magnitudes:
    """The demo world's magnitudes (config/demo.yaml, `world`): plausible, nothing more."""

    nl_population_2018: int
    nl_birth_rate: float
    share_children: dict[str, float]
    age_shares: dict[str, tuple[float, ...]]
    ageing: dict[str, float]
    sizes: dict[str, tuple[int, float]]

    @classmethod
    def from_config(cls, spec: dict, where: str = "config/demo.yaml") -> Magnitudes:
        """From the `world` mapping; a missing or malformed field is a DemoConfigError naming it."""
        try:
            magnitudes = cls(
                nl_population_2018=int(spec["nl_population_2018"]),
                nl_birth_rate=float(spec["nl_birth_rate"]),
                share_children={k: float(v) for k, v in spec["share_children"].items()},
                age_shares={k: tuple(float(x) for x in v) for k, v in spec["age_shares"].items()},
                ageing={k: float(v) for k, v in spec["ageing"].items()},
                sizes={code: (int(v[0]), float(v[1])) for code, v in (spec.get("sizes") or {}).items()},
            )
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
            raise DemoConfigError(
                f"{where}: world: {type(err).__name__} {err}; it needs nl_population_2018, nl_birth_rate, "
                "share_children (NL and per region code), age_shares and ageing (ZL and other; five shares each) and "
                "sizes (gemeente: [inhabitants, births per 1000])"
            ) from None
        bad = [k for k, v in magnitudes.age_shares.items() if len(v) != len(AGE_GROUPS) or abs(sum(v) - 1) > 1e-6]
        missing = {"ZL", "other"} - set(magnitudes.age_shares) | {"ZL", "other"} - set(magnitudes.ageing)
        if bad or missing or "NL" not in magnitudes.share_children:
            raise DemoConfigError(
                f"{where}: world: age_shares {bad or ''} should be {len(AGE_GROUPS)} shares that add up to 1, for ZL "
                f"and other (missing: {sorted(missing) or 'none'}), and share_children needs NL"
            )
        return magnitudes


class World:
    """Population, births and children per gemeente and year for every configured region, plus NL."""

    def __init__(self, regions: RegionsConfig, rng: np.random.Generator, magnitudes: Magnitudes):
        self.rng = rng
        self.magnitudes = m = magnitudes
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
            size, birth_rate = m.sizes.get(g.code) or sizes.get(g.code) or drawn
            growth = -0.003 if region.code == "ZL" else 0.001
            for year in YEARS:
                pop = int(round(size * (1 + growth) ** (year - 2018)))
                self.population[(g.code, year)] = pop
                rate = birth_rate * (1 - 0.006 * (year - 2018))
                self.births[(g.code, year)] = int(rng.poisson(pop * rate / 1000))
                self.children[(g.code, year)] = int(
                    round(pop * m.share_children.get(region.code, 0.18) * (1 - 0.004 * (year - 2018)))
                )
        for year in YEARS:
            if self.national:
                for table in (self.population, self.births, self.children):
                    table[("NL01", year)] = sum(table[(g.code, year)] for g, _ in self.gemeenten)
                continue
            nl_pop = int(round(m.nl_population_2018 * (1.006) ** (year - 2018)))
            self.population[("NL01", year)] = nl_pop
            self.births[("NL01", year)] = int(round(nl_pop * m.nl_birth_rate * (1 - 0.008 * (year - 2018)) / 1000))
            self.children[("NL01", year)] = int(round(nl_pop * m.share_children["NL"] * (1 - 0.003 * (year - 2018))))

    def _national_sizes(self, rng: np.random.Generator) -> dict[str, tuple[int, float]]:
        sizes, total = self.magnitudes.sizes, self.magnitudes.nl_population_2018
        unknown = [g.code for g, _ in self.gemeenten if g.code not in sizes]
        known = sum(sizes[g.code][0] for g, _ in self.gemeenten if g.code in sizes)
        drawn = rng.lognormal(np.log(28_000), 0.8, size=len(unknown))
        drawn *= (total - known) / drawn.sum()
        rates = rng.normal(9.3, 0.9, size=len(unknown))
        return {code: (int(round(max(size, 1_000))), float(rate)) for code, size, rate in zip(unknown, drawn, rates)}

    def ages(self, code: str, year: int) -> dict[str, int]:
        """Inhabitants per age group of the Kerncijfers wijken en buurten; they add up to the population."""
        if code == "NL01" and self.national:
            parts = [self.ages(g.code, year) for g, _ in self.gemeenten]
            return {group: sum(p[group] for p in parts) for group in AGE_GROUPS}
        kind = "ZL" if self.region_code.get(code) == "ZL" else "other"
        shift = self.magnitudes.ageing[kind] * (year - 2018)
        shares = list(self.magnitudes.age_shares[kind])
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
        logit = to_logit(spec["nl"]) + spec["nl_trend"] * t
        if code != "NL01":
            # break_trend: the change of that trend from 2018 on (a known trend break for the section "Is er een
            # trendbreuk?"; negative narrows the gap faster)
            offset = spec["offset"] + spec["offset_trend"] * t + spec.get("break_trend", 0.0) * max(t, 0)
            logit += (offset if self.region_code[code] == "ZL" else 0.5 * offset) + effect
        return float(expit(logit))

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


def merger_description(code: str) -> str:
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


def dutch_number(value: float, decimals: int = 1, thousands: bool = False) -> str:
    text = f"{value:,.{decimals}f}" if thousands else f"{value:.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def gemeente_names(regions: RegionsConfig) -> dict[str, str]:
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


def export_names_of(configuration: Configuration, provider: str) -> dict[str, str]:
    """indicator id -> the export's own indicator name (the inverse of the layout's indicator_names), as the sources
    configuration's layouts say."""
    layout = configuration.sources.layouts.get(provider)
    return {ident: name for name, ident in (layout.indicator_names if layout else {}).items()}


def indicators_of(configuration: Configuration, provider: str, truth: dict) -> list[str]:
    catalogue = configuration.catalogue
    chosen = [i.id for i in catalogue.values() if i.source.get("provider") == provider]
    missing = [i for i in chosen if i not in truth["indicators"]]
    if missing:
        raise ValueError(f"config/demo.yaml has no demo truth for {missing}; add one so the demo covers the catalogue")
    return chosen
