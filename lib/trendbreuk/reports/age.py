"""Age beside every comparison that age can move: how much of a gap is the age structure, and how much ageing alone
will move it by the target year.

Zuid-Limburg is older than the rest of the Netherlands. For an indicator with a second definition (the catalogue's
`variants`: the population that can have the event, or the estimate standardised for age) a report shows the other
version beside the one that judges, with one plain sentence ("Na correctie voor leeftijd is de achterstand 0,8 in
plaats van 1,3 procentpunt: ongeveer 40% komt door de oudere bevolking."), and for the age-standardised ones how
much the crude gap would change by the target year from the change in age structure alone.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from markupsafe import Markup

from trendbreuk import formatting as fmt
from trendbreuk.indicators.catalogue import LIFE_PHASES, Indicator, judging
from trendbreuk.indicators.standardise import age_part_of_gap, ageing_change
from trendbreuk.processed import Processed
from trendbreuk.reports.common import comparison_badge, finite
from trendbreuk.reports.page import HTML, table_html


@dataclass(frozen=True)
class AgeComparison:
    """One indicator of one area: its gap to the benchmark as the source measures it (crude) and by a second
    definition that takes age into account (adjusted), in the latest period both have."""

    shown: Indicator  # the version that judges (the one reports list)
    crude: Indicator  # the source's own definition
    adjusted: Indicator  # the variant
    period: str
    crude_gap: float
    adjusted_gap: float
    adjusted_gap_lower: float
    adjusted_gap_upper: float
    crude_relative: float  # value / benchmark - 1, oriented so that positive means behind
    adjusted_relative: float
    adjusted_comparison: str = "niet_te_beoordelen"  # the adjusted version's standing now (assessments)

    @property
    def kind(self) -> str:
        return self.adjusted.variant_kind

    @property
    def share_age(self) -> float:
        """The share of the crude gap that age accounts for (missing where the correction turns the gap around, and
        for a population-at-risk variant, whose percentages are on another scale)."""
        if self.kind != "age_standardised":
            return math.nan
        return float(age_part_of_gap(self.crude_gap, self.adjusted_gap))


def comparisons(
    processed: Processed,
    catalogue: dict[str, Indicator],
    region_key: str,
    area_code: str,
    benchmark: str,
    only: str | None = None,
) -> list[AgeComparison]:
    """Every indicator of the area that has a second definition with figures (or only the one with id `only`), in
    catalogue order."""
    out = []
    for shown in judging(catalogue):
        if only is not None and shown.id != only:
            continue
        family = catalogue[shown.family]
        for variant_id in family.variants:
            adjusted = catalogue[variant_id]
            crude_rows, adjusted_rows = (
                processed.rows("gaps", region=region_key, indicator=i.id, benchmark=benchmark, area_code=area_code)
                for i in (family, adjusted)
            )
            crude_rows, adjusted_rows = (rows[rows["gap"].notna()] for rows in (crude_rows, adjusted_rows))
            common = crude_rows[crude_rows["period"].isin(set(adjusted_rows["period"]))]
            if common.empty:
                continue
            c = common.loc[common["year_end"].idxmax()]
            a = adjusted_rows[adjusted_rows["period"] == c["period"]].iloc[0]
            standing = processed.rows(
                "assessments", region=region_key, indicator=adjusted.id, benchmark=benchmark, area_code=area_code
            )
            comparison = (
                str(standing["comparison"].iloc[0])
                if not standing.empty and standing["latest_period"].iloc[0] == c["period"]
                else "niet_te_beoordelen"
            )
            out.append(
                AgeComparison(
                    shown,
                    family,
                    adjusted,
                    str(c["period"]),
                    float(c["gap"]),
                    float(a["gap"]),
                    float(a["gap_lower"]),
                    float(a["gap_upper"]),
                    float(c["relative_gap"]),
                    float(a["relative_gap"]),
                    comparison,
                )
            )
    return out


def about(share: float) -> str:
    """A share in words a reader can hold: 'ongeveer 40%' (tens), 'ongeveer 5%' (fives below 10%)."""
    step = 10 if share >= 0.095 else 5
    return f"ongeveer {int(round(100 * share / step) * step)}%"


def _relative(indicator: Indicator, r: float) -> str:
    """An oriented relative gap (positive = behind) as how much higher or lower the percentage is: '22% hoger'."""
    if round(100 * abs(r)) < 1:
        return "even hoog"
    word = "hoger" if (r > 0) == (indicator.polarity == "lower_is_better") else "lager"
    return f"{fmt.share(abs(r))} {word}"


def _gap_words(gap: float, indicator: Indicator) -> str:
    points = fmt.difference(abs(gap), indicator.unit, indicator.decimals)
    return (
        f"een achterstand van {points}" if gap > 0 else f"een voorsprong van {points}" if gap < 0 else "geen verschil"
    )


def sentence(c: AgeComparison, area_name: str, benchmark_name: str, older: bool | None) -> str:
    """The comparison in one or two plain Dutch sentences."""
    who = "de oudere bevolking" if older else "de leeftijdsopbouw"
    if c.kind == "population_at_risk":
        relative = functools.partial(_relative, c.crude)
        text = (
            f"Na correctie voor leeftijd (gemeten aan de {c.adjusted.variant_label}, wie deze uitkering kan "
            f"krijgen) ligt het cijfer van {area_name} {relative(c.adjusted_relative)} dan in {benchmark_name}, "
            f"in plaats van {relative(c.crude_relative)} gemeten aan alle "
            f"{c.crude.denominator.replace(' op 1 januari', '')} (de maat van CBS; {c.period})."
        )
        if c.crude_relative <= 0 < c.adjusted_relative:
            text += f" Gemeten aan alle inwoners lijkt {area_name} het dus niet slechter te doen, maar " + (
                "de vele 65-plussers, die deze uitkering niet krijgen, verbergen de achterstand."
                if older
                else "de leeftijdsopbouw verbergt de achterstand."
            )
        elif c.adjusted_relative > c.crude_relative + 0.005:
            text += (
                " De vele 65-plussers, die deze uitkering niet krijgen, verbergen een deel van de achterstand."
                if older
                else " De leeftijdsopbouw verbergt een deel van de achterstand."
            )
        elif c.adjusted_relative < c.crude_relative - 0.005:
            text += " Een deel van het verschil komt door de leeftijdsopbouw."
        return text
    crude, adjusted, unit, d = c.crude_gap, c.adjusted_gap, c.crude.unit, c.crude.decimals
    if crude > 0 and adjusted > 0:
        text = (
            f"Na correctie voor leeftijd is de achterstand {fmt.number(adjusted, d)} in plaats van "
            f"{fmt.difference(crude, unit, d)}"
        )
        share = c.share_age
        if share >= 0.05:
            return text + f": {about(share)} komt door {who} ({c.period})."
        if share <= -0.05:
            return text + f": {who} verbergt een deel van de achterstand ({c.period})."
        return text + f": vrijwel niets ervan komt door {who} ({c.period})."
    if crude > 0 >= adjusted:
        return (
            f"Zonder correctie heeft {area_name} {_gap_words(crude, c.crude)}; na correctie voor leeftijd "
            f"{_gap_words(adjusted, c.crude)}: de achterstand komt door {who} ({c.period})."
        )
    if adjusted > 0 >= crude:
        return (
            f"Zonder correctie lijkt {area_name} het niet slechter te doen dan {benchmark_name} "
            f"({_gap_words(crude, c.crude)}); na correctie voor leeftijd is er {_gap_words(adjusted, c.crude)}: "
            f"{who} verbergt de achterstand ({c.period})."
        )
    return (
        f"Na correctie voor leeftijd is er {_gap_words(adjusted, c.crude)} in plaats van "
        f"{_gap_words(crude, c.crude)} ({c.period})."
    )


@dataclass(frozen=True)
class AgeStructure:
    """The share of the oldest age group (65+) among the population the strata cover, in an area and its
    benchmark, observed in `year` and projected to the target year on the recent trend."""

    area: float
    benchmark: float
    year: int
    area_later: float
    benchmark_later: float
    basis: str


def structure(processed: Processed, region_key: str, area_code: str, benchmark: str) -> AgeStructure | None:
    if processed.age_shares is None or processed.age_shares.empty:
        return None
    rows = pd.concat(
        [processed.rows("age_shares", region=region_key, area_code=code) for code in (area_code, benchmark)]
    )
    rows = rows[~np.isfinite(rows["age_to"])]
    observed = rows[~rows["projected"]]
    if observed.empty or observed["area_code"].nunique() < 2:
        return None
    year = int(observed["year"].max())
    now = observed[observed["year"] == year].set_index("area_code")["share"]
    later = rows[rows["projected"]].set_index("area_code")
    if area_code not in now.index or benchmark not in now.index:
        return None
    has_later = area_code in later.index and benchmark in later.index
    return AgeStructure(
        float(now[area_code]),
        float(now[benchmark]),
        year,
        float(later.loc[area_code, "share"]) if has_later else math.nan,
        float(later.loc[benchmark, "share"]) if has_later else math.nan,
        str(later.loc[area_code, "basis"]) if has_later else "",
    )


def ageing_ahead(processed: Processed, c: AgeComparison, region_key: str, area_code: str, benchmark: str) -> float:
    """How much the crude gap would change by the target year from the change in age structure alone: each
    stratum's latest estimate held fixed, the area's and the benchmark's age shares moved to their projection."""
    strata, shares = processed.age_strata, processed.age_shares
    if c.kind != "age_standardised" or strata is None or shares is None or strata.empty or shares.empty:
        return math.nan
    changes = []
    for code in (area_code, benchmark):
        p = processed.rows("age_strata", region=region_key, indicator=c.adjusted.id, area_code=code)
        p = p[p["period"] == c.period].set_index("stratum")["value"]
        s = processed.rows("age_shares", region=region_key, area_code=code)
        s = s[s["stratum"].isin(p.index)]
        observed = s[~s["projected"]]
        if p.empty or observed.empty or not s["projected"].any():
            return math.nan
        now = observed[observed["year"] == observed["year"].max()].set_index("stratum")["share"].reindex(p.index)
        later = s[s["projected"]].set_index("stratum")["share"].reindex(p.index)
        if now.isna().any() or later.isna().any():
            return math.nan
        changes.append(ageing_change(p.to_numpy(), now.to_numpy(), later.to_numpy()))
    return c.crude.orientation * (changes[0] - changes[1])


def _structure_sentence(s: AgeStructure | None, area_name: str, benchmark_name: str, target_year: int) -> str:
    if s is None:
        return ""
    text = (
        f"In {s.year} was {fmt.share(s.area, 1)} van de volwassenen in {area_name} 65 jaar of ouder, tegen "
        f"{fmt.share(s.benchmark, 1)} in {benchmark_name}."
    )
    if finite(s.area_later) and finite(s.benchmark_later):
        text += (
            f" Als de {s.basis.replace(' doorgetrokken', '')} doorzet, is dat in {target_year} "
            f"{fmt.share(s.area_later, 1)} tegen {fmt.share(s.benchmark_later, 1)} (geen CBS-prognose: de trend "
            "van de laatste jaren doorgetrokken)."
        )
    return text


def age_section(
    processed: Processed,
    catalogue: dict[str, Indicator],
    region_key: str,
    area_code: str,
    area_name: str,
    benchmark: str,
    benchmark_name: str,
    target_year: int,
    by_life_phase: bool = False,
) -> HTML:
    """The section "Leeftijd en de achterstand": per indicator with a second definition the gap as measured and
    after correction for age, the share that is age, what ageing alone does by the target year, and the sentence;
    with `by_life_phase` first a summary per life phase (the regional report). Empty without such indicators."""
    found = comparisons(processed, catalogue, region_key, area_code, benchmark)
    if not found:
        return HTML("")
    s = structure(processed, region_key, area_code, benchmark)
    older = None if s is None else s.area > s.benchmark
    rows, sentences = [], []
    for c in found:
        d, unit = c.crude.decimals, c.crude.unit
        ahead = ageing_ahead(processed, c, region_key, area_code, benchmark)
        at_risk = c.kind == "population_at_risk"
        rows.append(
            {
                "Levensfase": c.crude.life_phase,
                "Indicator": c.crude.title,
                "Periode": c.period,
                "Zoals gemeten": (
                    _relative(c.crude, c.crude_relative) if at_risk else fmt.difference(c.crude_gap, unit, d)
                ),
                "Met leeftijd": (
                    _relative(c.crude, c.adjusted_relative)
                    if at_risk
                    else f"{fmt.difference(c.adjusted_gap, unit, d)} (marge "
                    f"{fmt.number(c.adjusted_gap_lower, d)} tot {fmt.number(c.adjusted_gap_upper, d)})"
                ),
                "Stand met leeftijd": comparison_badge(c.adjusted_comparison),
                "Hoe": c.adjusted.variant_label,
                "Deel door leeftijd": about(c.share_age)
                if finite(c.share_age) and c.share_age >= 0.05
                else fmt.MISSING,
                f"Vergrijzing tot {target_year}": _ageing_words(ahead, unit, d),
                "Oordeel op": "deze maat" if c.adjusted.judges else "de maat van de bron",
            }
        )
        sentences.append(
            Markup("<li><strong>{}:</strong> {}</li>").format(
                c.crude.title, sentence(c, area_name, benchmark_name, older)
            )
        )
    frame = pd.DataFrame(rows)
    if not any(c.adjusted.judges for c in found):
        frame = frame.drop(columns="Oordeel op")  # the text above says so
    summary = _life_phase_summary(found) if by_life_phase else ""
    return HTML(
        '<section class="tb-age" id="leeftijd"><h2>Leeftijd en de achterstand</h2>'
        + str(
            Markup(
                "<p>Een deel van een achterstand kan komen doordat {} een andere leeftijdsopbouw heeft dan {}. {} Hieronder "
                "staat per indicator de achterstand zoals de bron hem meet en met leeftijd meegenomen: gestandaardiseerd naar "
                "de leeftijdsopbouw van heel Nederland, of gemeten aan de bevolking die het kan overkomen. Het oordeel voor "
                "{} blijft op de maat die het programma rapporteert, tenzij de tabel anders zegt.</p>"
            ).format(
                area_name, benchmark_name, _structure_sentence(s, area_name, benchmark_name, target_year), target_year
            )
        )
        + summary
        + table_html(
            frame,
            caption=f"{area_name}: de achterstand op {benchmark_name} met en zonder leeftijd",
            group_column="Levensfase",
            raw_columns=("Stand met leeftijd",),
        )
        + str(Markup('<ul class="tb-age-sentences">{}</ul>').format(Markup("").join(sentences)))
        + f'<p class="tb-note">Zoals gemeten / met leeftijd: de achterstand in procentpunten (positief = slechter), of '
        f"bij een uitkering hoeveel procent het cijfer hoger of lager ligt (de percentages van de twee maten hebben een "
        f"andere noemer en zijn niet in procentpunten te vergelijken). Stand met leeftijd: ▲ duidelijk slechter, ● niet duidelijk "
        f"anders, ▼ duidelijk beter (95%-marge), met leeftijd meegenomen. Deel door leeftijd: (gemeten − met leeftijd) / "
        f"gemeten, alleen waar beide een achterstand zijn. Vergrijzing tot {target_year}: hoeveel de gemeten achterstand "
        "verandert als alleen de leeftijdsopbouw verandert (de cijfers per leeftijdsgroep blijven gelijk; plus = groter). "
        "Methode: docs/methode.md, ‘Leeftijd’.</p></section>"
    )


def _ageing_words(change: float, unit: str, decimals: int) -> str:
    if not finite(change):
        return fmt.MISSING
    if round(change, decimals) == 0:
        return "vrijwel geen verandering"
    return f"{'+' if change > 0 else '−'}{fmt.difference(abs(change), unit, decimals)}"


def _life_phase_summary(found: list[AgeComparison]) -> str:
    rows = []
    for phase in LIFE_PHASES:
        part = [c for c in found if c.crude.life_phase == phase]
        if not part:
            continue
        standardised = [c for c in part if c.kind == "age_standardised"]
        shares = [c.share_age for c in standardised if finite(c.share_age)]
        smaller = sum(1 for c in standardised if c.adjusted_gap < c.crude_gap)
        at_risk = [c for c in part if c.kind == "population_at_risk"]
        rows.append(
            {
                "Levensfase": phase,
                "Indicatoren met leeftijd": str(len(part)),
                "Achterstand kleiner na correctie": f"{smaller} van {len(standardised)}"
                if standardised
                else fmt.MISSING,
                "Deel door leeftijd (mediaan)": about(float(np.median(shares)))
                if shares and np.median(shares) >= 0.05
                else ("vrijwel niets" if shares else fmt.MISSING),
                "Uitkeringen: verschil groter gemeten aan 15-65": (
                    f"{sum(1 for c in at_risk if c.adjusted_relative > c.crude_relative)} van {len(at_risk)}"
                    if at_risk
                    else fmt.MISSING
                ),
            }
        )
    return table_html(pd.DataFrame(rows), caption="Per levensfase: wat leeftijd doet met de achterstand")


def indicator_note(
    processed: Processed,
    catalogue: dict[str, Indicator],
    indicator: Indicator,
    region_key: str,
    area_code: str,
    area_name: str,
    benchmark: str,
    benchmark_name: str,
) -> str:
    """The age sentence of one indicator (empty when it has no second definition with figures), for the
    indicator's own section of a report."""
    found = comparisons(processed, catalogue, region_key, area_code, benchmark, only=indicator.id)
    if not found:
        return ""
    s = structure(processed, region_key, area_code, benchmark)
    older = None if s is None else s.area > s.benchmark
    return " ".join(sentence(c, area_name, benchmark_name, older) for c in found)


AGE_ROUNDING = 5  # CBS rounds the inhabitants per age band of wijken and buurten to fives


def age_structure_html(
    own: pd.DataFrame, columns: dict, name: str, rest: tuple[str, str], benchmark: tuple[str, str]
) -> str:
    """Leeftijdsopbouw of a wijk, buurt or focus area: the share of each age band among its inhabitants (`own`: rows
    of age_groups, one year), beside the areas of `columns` (name -> inhabitants per band, None when not known), with
    the range that CBS's rounding of the counts to fives leaves for the area (bands and total rounded independently:
    the extremes of the share), and a sentence on the oldest band. `rest` and `benchmark`: the column of the rest of
    the gemeente and of the benchmark, each with how the sentence names it ("de rest van Heerlen", "Nederland")."""
    year = int(own["year"].iloc[0])
    area = own.groupby("age_from")["inhabitants"].sum()
    bands = own.drop_duplicates("age_from").sort_values("age_from")
    labels = [
        f"{int(a)} jaar of ouder" if not np.isfinite(b) else f"{int(a)} tot {int(b)} jaar"
        for a, b in zip(bands["age_from"], bands["age_to"])
    ]
    half, k = AGE_ROUNDING / 2, len(bands)
    total = area.sum()
    low = (area - half).clip(lower=0) / (total + half * (k - 2))
    high = (area + half) / max(total - half * (k - 2), 1)
    rows = []
    for label, start in zip(labels, bands["age_from"]):
        row = {"Leeftijd": label}
        for column, series in columns.items():
            row[column] = fmt.percentage(100 * series[start] / series.sum(), 1) if series is not None else fmt.MISSING
            if column == name:
                row["Marge (afronding)"] = f"{fmt.number(100 * low[start], 1)} – {fmt.number(100 * high[start], 1)}"
        rows.append(row)
    oldest = bands["age_from"].iloc[-1]
    share = lambda s: fmt.percentage(100 * s[oldest] / s.sum(), 0)
    (rest_column, rest_text), (benchmark_column, benchmark_text) = rest, benchmark
    rest, benchmark = columns.get(rest_column), columns.get(benchmark_column)
    sentence = (
        f"In {name} is {share(area)} van de inwoners {labels[-1]}"
        + (f", tegen {share(rest)} in {rest_text}" if rest is not None else "")
        + (f" en {share(benchmark)} in {benchmark_text}" if benchmark is not None else "")
        + f" (CBS, Kerncijfers wijken en buurten {year})."
    )
    note = (
        '<p class="tb-note">CBS rondt de aantallen per leeftijdsgroep af op vijftallen; de marge zegt waar het '
        "aandeel van dit gebied daardoor hoogstens kan liggen. In een oudere wijk komen sommige "
        "gezondheidsproblemen alleen al door de leeftijd vaker voor: lees de cijfers hierboven met deze opbouw "
        "erbij.</p>"
    )
    return (
        str(Markup('<section class="tb-ages"><h2>Leeftijdsopbouw</h2><p class="tb-lead">{}</p>').format(sentence))
        + table_html(pd.DataFrame(rows), caption=f"{name}: aandeel van de inwoners per leeftijdsgroep, {year}")
        + note
        + "</section>"
    )
