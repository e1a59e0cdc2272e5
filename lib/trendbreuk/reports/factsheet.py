"""Content of the gemeente factsheet: what the notebook `notebooks/factsheet.ipynb` displays.

Everything a reader sees is computed here from the processed tables, so the notebook stays a parameters
cell plus a few calls, and the same content appears in Jupyter, the Python engine and Quarto.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from IPython.display import HTML

from trendbreuk import __version__
from trendbreuk.build import Processed, load_processed
from trendbreuk.charts import figure_gap, figure_trend
from trendbreuk.charts.maps import figure_map
from trendbreuk.geography.boundaries import load_region_boundaries
from trendbreuk.geography.areas import Gemeente, Region, RegionsConfig, Subregio, load_regions
from trendbreuk.indicators.catalogue import Indicator, load_catalogue
from trendbreuk.indicators.gap import change_test
from trendbreuk.reports import formatting as fmt
from trendbreuk.reports.page import Page, demo_banner, table_html

MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def dutch_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Movement:
    """How the gap of one area moved between the baseline and the latest period, in words and numbers."""

    status: str  # geen_startwaarde | geen_achterstand | kleiner | groter | onduidelijk
    label: str
    sentence: str
    baseline: pd.Series | None
    latest: pd.Series | None


def describe_movement(rows: pd.DataFrame, indicator: Indicator, area_name: str, benchmark_name: str,
                      target_year: int) -> Movement:
    """Compare the latest gap with the baseline gap of one area (rows: its gaps, one benchmark)."""
    rows = rows.dropna(subset=["gap"]).sort_values("t")
    unit, d = indicator.unit, indicator.decimals
    if rows.empty:
        return Movement("geen_startwaarde", "geen gegevens", f"Voor {indicator.short_title or indicator.title} zijn geen cijfers van {area_name}.", None, None)
    latest = rows.iloc[-1]
    base_rows = rows[rows["period"] == rows["baseline_period"]]
    if base_rows.empty:
        return Movement("geen_startwaarde", "geen startwaarde",
                        "Er is geen cijfer voor de start van het programma; de beweging sinds de start is niet te bepalen.",
                        None, latest)
    base = base_rows.iloc[0]
    now_text = (f"In {latest['period']} is de achterstand {fmt.difference(latest['gap'], unit, d)} "
                f"(onzekerheidsmarge {fmt.number(latest['gap_lower'], d)} tot {fmt.number(latest['gap_upper'], d)}).")
    if base["gap"] <= 0:
        return Movement("geen_achterstand", "geen achterstand bij de start",
                        f"Bij de start ({base['period']}) had {area_name} geen achterstand op {benchmark_name} "
                        f"({fmt.difference(base['gap'], unit, d)}); het doel om de achterstand te verkleinen geldt hier niet. {now_text}",
                        base, latest)
    start_text = (f"Bij de start ({base['period']}) was de achterstand van {area_name} op {benchmark_name} "
                  f"{fmt.difference(base['gap'], unit, d)}.")
    if latest["period"] == base["period"]:
        return Movement("onduidelijk", "nog geen nieuwer cijfer", f"{start_text} Er is nog geen nieuwer cijfer.", base, latest)
    _, p = change_test(latest["gap"], latest["gap_lower"], latest["gap_upper"], base["gap"], base["gap_lower"], base["gap_upper"])
    p = float(p)
    change = latest["gap"] - base["gap"]
    if p < 0.05 and change < 0:
        closed, wanted = latest["share_closed"], latest["target_share_closed"]
        pace = "sneller dan" if closed >= wanted else "langzamer dan"
        return Movement("kleiner", f"{fmt.share(closed)} ingelopen",
                        f"{start_text} {now_text} Er is {fmt.share(closed)} van de achterstand ingelopen; volgens het "
                        f"doelpad naar {target_year} had dat nu {fmt.share(wanted)} moeten zijn ({pace} het doelpad).",
                        base, latest)
    if p < 0.05 and change > 0:
        return Movement("groter", "achterstand gegroeid",
                        f"{start_text} {now_text} De achterstand is groter geworden "
                        f"(+{fmt.difference(change, unit, d)}).", base, latest)
    return Movement("onduidelijk", "geen duidelijke verandering",
                    f"{start_text} {now_text} De verandering ({fmt.difference(change, unit, d)}) valt binnen de "
                    "toevalsmarge: met deze aantallen is niet te zeggen of de achterstand echt kleiner of groter is geworden.",
                    base, latest)


COMPARISON = {
    "slechter": ("▲", "duidelijk slechter"),
    "gelijk": ("●", "niet duidelijk anders"),
    "beter": ("▼", "duidelijk beter"),
    "onbekend": ("–", "niet te beoordelen"),
}


def compare_now(row: pd.Series | None) -> str:
    """Where the area stands in its latest period: 'slechter' when the whole 95% interval of the gap lies
    above 0, 'beter' when it lies below 0, 'gelijk' when it contains 0, 'onbekend' without an interval."""
    if row is None or not np.isfinite(row["gap_lower"]) or not np.isfinite(row["gap_upper"]):
        return "onbekend"
    if row["gap_lower"] > 0:
        return "slechter"
    if row["gap_upper"] < 0:
        return "beter"
    return "gelijk"


def comparison_badge(status: str) -> str:
    symbol, text = COMPARISON[status]
    return f'<span class="tb-badge tb-{status}"><span aria-hidden="true">{symbol}</span> {text}</span>'


def indeling_note(info: dict, region: Region) -> str:
    """One sentence on the gemeente indeling of the figures and the mergers that were summed."""
    year = info.get("indeling_year")
    harmonisation = info.get("harmonisation") or {}
    if not harmonisation.get("lineage"):
        return "Gebiedsindeling: zoals in de bronbestanden (geen CBS-codelijst met herindelingen gevonden)."
    codes = {g.code for g in region.gemeenten}
    merged: dict[str, list[str]] = {}
    for m in harmonisation.get("mergers", []):
        if m["to_code"] in codes:
            merged.setdefault(f"{m['to_name']} ({m['year']})", []).append(m["from_name"])
    text = f"Alle cijfers volgen de gemeentelijke indeling van {year}."
    if merged:
        parts = [f"{new}: {', '.join(sorted(old))}" for new, old in merged.items()]
        text += " Cijfers van vóór een samenvoeging zijn opgeteld voor de huidige gemeente: " + "; ".join(parts) + "."
    return text


class Factsheet:
    """All content of one gemeente's factsheet."""

    def __init__(self, processed: Processed, regions: RegionsConfig, catalogue: dict[str, Indicator],
                 gemeente: Gemeente, region: Region, benchmark: str):
        self.processed = processed
        self.regions = regions
        self.catalogue = catalogue
        self.gemeente = gemeente
        self.region = region
        self.subregio: Subregio = region.subregio_of(gemeente.code)
        self.benchmark = benchmark
        self.benchmark_name = ("de rest van Nederland" if benchmark == "rest_nl" else regions.benchmarks[benchmark])
        self.page = Page()
        self.boundaries = load_region_boundaries(region, processed.info.get("indeling_year"))

    @classmethod
    def load(cls, gemeente: str, benchmark: str = "", dataset: str = "") -> "Factsheet":
        regions = load_regions()
        region = regions.find_region_of(gemeente) if gemeente.upper().startswith("GM") else regions.region()
        found = region.gemeente(gemeente)
        return cls(load_processed(dataset or None), regions, load_catalogue(), found, region,
                   benchmark or regions.default_benchmark)

    # data -------------------------------------------------------------------------------------------
    @property
    def indicators(self) -> list[Indicator]:
        present = set(self.processed.indicator_values["indicator"])
        return [i for i in self.catalogue.values() if i.id in present]

    def values(self, indicator: Indicator) -> pd.DataFrame:
        v = self.processed.indicator_values
        return v[(v["region"] == self.region.key) & (v["indicator"] == indicator.id)]

    def gaps(self, indicator: Indicator, area_code: str | None = None) -> pd.DataFrame:
        g = self.processed.gaps
        return g[(g["region"] == self.region.key) & (g["indicator"] == indicator.id) & (g["benchmark"] == self.benchmark)
                 & (g["area_code"] == (area_code or self.gemeente.code))]

    def movement(self, indicator: Indicator, area_code: str | None = None, area_name: str | None = None) -> Movement:
        return describe_movement(self.gaps(indicator, area_code), indicator, area_name or self.gemeente.name,
                                 self.benchmark_name, self.regions.target_year)

    # display blocks -----------------------------------------------------------------------------------
    def header(self) -> HTML:
        parts = []
        if self.processed.demo:
            parts.append(demo_banner(self.processed.info.get("description", "")).data)
        parts.append(
            f'<header class="tb-header"><p class="tb-kicker">Trendbreuk {html.escape(self.region.name)} · factsheet</p>'
            f"<h1>{html.escape(self.gemeente.name)}</h1>"
            f'<p class="tb-sub">Subregio {html.escape(self.subregio.name)} · vergeleken met {html.escape(self.benchmark_name)} · '
            f"gemaakt op {dutch_date(date.today())}</p></header>"
        )
        return HTML("".join(parts))

    def headline(self) -> HTML:
        moves = [self.movement(i) for i in self.indicators]
        counts = {s: sum(m.status == s for m in moves) for s in ("kleiner", "groter", "onduidelijk", "geen_achterstand", "geen_startwaarde")}
        pieces = []
        if counts["kleiner"]:
            pieces.append(f"bij {counts['kleiner']} is de achterstand kleiner geworden")
        if counts["groter"]:
            pieces.append(f"bij {counts['groter']} is de achterstand gegroeid")
        if counts["onduidelijk"]:
            pieces.append(f"bij {counts['onduidelijk']} is geen duidelijke verandering te zien")
        if counts["geen_achterstand"]:
            pieces.append(f"bij {counts['geen_achterstand']} was er bij de start geen achterstand")
        if counts["geen_startwaarde"]:
            pieces.append(f"bij {counts['geen_startwaarde']} ontbreekt een startwaarde")
        text = "; ".join(pieces)
        now = [compare_now(m.latest) for m in moves]
        standing = (f"Nu scoort {self.gemeente.name} op {now.count('slechter')} van de {len(moves)} indicatoren "
                    f"duidelijk slechter dan {self.benchmark_name}, op {now.count('beter')} duidelijk beter, en op "
                    f"{now.count('gelijk')} niet duidelijk anders"
                    + (f" ({now.count('onbekend')} niet te beoordelen)" if now.count("onbekend") else "") + ".")
        return HTML(
            f'<section class="tb-headline"><h2>In het kort</h2><p class="tb-lead">{html.escape(standing)}</p>'
            f"<p>Trendbreuk wil in {self.regions.target_year} "
            f"{fmt.share(self.regions.target_share_closed)} van de gezondheidsachterstand ten opzichte van "
            f"{html.escape(self.benchmark_name)} hebben ingelopen. Sinds de start van het programma: "
            f"{html.escape(text)}.</p></section>"
        )

    def summary_table(self) -> HTML:
        rows = []
        for indicator in self.indicators:
            move = self.movement(indicator)
            latest = move.latest
            values = self.values(indicator)
            if latest is not None:
                period = latest["period"]
                value, bench = latest["value"], latest["value_benchmark"]
                gap_text = fmt.difference(latest["gap"], indicator.unit, indicator.decimals)
            else:
                last = values[values["area_code"] == self.gemeente.code].sort_values("year_end").tail(1)
                period = last["period"].iloc[0] if not last.empty else fmt.MISSING
                value = last["value"].iloc[0] if not last.empty else None
                bench, gap_text = None, fmt.MISSING
            rows.append({
                "Indicator": indicator.title,
                "Periode": period,
                self.gemeente.name: fmt.value_with_unit(value, indicator.unit, indicator.decimals),
                _first_upper(self.benchmark_name): fmt.value_with_unit(bench, indicator.unit, indicator.decimals),
                "Achterstand nu": gap_text,
                "Nu": comparison_badge(compare_now(latest)),
                "Sinds de start": move.label,
            })
        table = table_html(pd.DataFrame(rows), caption=f"{self.gemeente.name} vergeleken met {self.benchmark_name}: "
                                                      "laatste cijfers en beweging sinds de start van Trendbreuk",
                           raw_columns=("Nu",))
        return HTML(f'<section class="tb-summary"><h2>Waar staat {html.escape(self.gemeente.name)}?</h2>{table}'
                    '<p class="tb-note">Achterstand: hoeveel slechter de gemeente scoort dan de vergelijkingsgroep '
                    "(positief = slechter, negatief = beter). Nu: ▲ duidelijk slechter of ▼ duidelijk beter als de "
                    "hele 95%-onzekerheidsmarge van de achterstand boven of onder nul ligt; anders ● niet duidelijk "
                    "anders.</p></section>")

    def indicator_section(self, indicator: Indicator) -> list[HTML]:
        unit, d = indicator.unit, indicator.decimals
        values = self.values(indicator)
        bench_code = self.benchmark
        series = [
            (self.gemeente.code, self.gemeente.name, "gemeente"),
            (self.subregio.code, f"subregio {self.subregio.name}", "subregio"),
            (self.region.code, self.region.name, "regio"),
            (bench_code, _first_upper(self.benchmark_name), "benchmark"),
        ]
        move = self.movement(indicator)
        shown = values[values["area_code"].isin([s[0] for s in series])]
        latest_value = shown[shown["area_code"] == self.gemeente.code].sort_values("year_end").tail(1)
        trend_title = f"{indicator.title}: {self.gemeente.name} vergeleken met regio en {self.benchmark_name}"
        trend_alt = (f"Lijngrafiek van {indicator.title.lower()} per periode voor {self.gemeente.name}, subregio "
                     f"{self.subregio.name}, {self.region.name} en {self.benchmark_name}. "
                     + (f"Laatste waarde {self.gemeente.name}: {fmt.value_with_unit(latest_value['value'].iloc[0], unit, d)} "
                        f"in {latest_value['period'].iloc[0]}." if not latest_value.empty else ""))
        trend_fig = figure_trend(shown, series, title=trend_title, unit=unit, decimals=d)
        names = {code: label for code, label, _ in series}
        trend_data = shown.assign(Gebied=shown["area_code"].map(names)).sort_values(["area_code", "year_start"])
        trend_table = pd.DataFrame({
            "Gebied": trend_data["Gebied"], "Periode": trend_data["period"],
            "Waarde": [fmt.value_with_unit(v, unit, d) for v in trend_data["value"]],
            "Marge van": [fmt.value_with_unit(v, unit, d) for v in trend_data["lower_ci"]],
            "tot": [fmt.value_with_unit(v, unit, d) for v in trend_data["upper_ci"]],
        })
        blocks = [
            HTML(f'<section class="tb-indicator"><h2>{html.escape(indicator.title)}</h2>'
                 f'<p class="tb-definition">{html.escape(indicator.definition)}</p>'
                 f'<p class="tb-message">{html.escape(move.sentence)}</p></section>'),
            self.page.chart(trend_fig, alt=trend_alt, data=trend_table),
        ]
        blocks.append(self.map_block(indicator))
        gaps = self.gaps(indicator)
        if not gaps.empty:
            gap_title = f"Achterstand van {self.gemeente.name} op {self.benchmark_name} en het doelpad naar {self.regions.target_year}"
            gap_alt = f"Grafiek van de achterstand per periode met onzekerheidsmarge. {move.sentence}"
            gap_fig = figure_gap(gaps, title=gap_title, unit=unit, area_label=self.gemeente.name,
                                 benchmark_label=self.benchmark_name, target_year=self.regions.target_year,
                                 share=self.regions.target_share_closed, decimals=d)
            gap_table = pd.DataFrame({
                "Periode": gaps["period"],
                "Achterstand": [fmt.difference(v, unit, d) for v in gaps["gap"]],
                "Marge van": [fmt.number(v, d) for v in gaps["gap_lower"]],
                "tot": [fmt.number(v, d) for v in gaps["gap_upper"]],
                "Doelpad": [fmt.difference(v, unit, d) if np.isfinite(v) else fmt.MISSING for v in gaps["target_gap"]],
            })
            blocks.append(self.page.chart(gap_fig, alt=gap_alt, data=gap_table))
        return blocks

    def map_block(self, indicator: Indicator) -> HTML:
        """The latest value of every gemeente of the region on a map, this gemeente outlined."""
        unit, d = indicator.unit, indicator.decimals
        values = self.values(indicator)
        gemeenten = values[values["area_level"] == "gemeente"].dropna(subset=["value"])
        latest_period = gemeenten.sort_values("year_end")["period"].iloc[-1]
        latest = gemeenten[gemeenten["period"] == latest_period][["area_code", "area_name", "value"]]
        ordered = latest.sort_values("value")
        own = latest[latest["area_code"] == self.gemeente.code]
        title = (f"{indicator.title} per gemeente in {self.region.name}, {latest_period}"
                 "<br><sup>Let op: in kleine gemeenten schommelen percentages sterk door toeval</sup>")
        alt = (f"Kaart van {self.region.name} met {indicator.title.lower()} per gemeente in {latest_period}. "
               f"Laagste: {ordered['area_name'].iloc[0]} ({fmt.value_with_unit(ordered['value'].iloc[0], unit, d)}); "
               f"hoogste: {ordered['area_name'].iloc[-1]} ({fmt.value_with_unit(ordered['value'].iloc[-1], unit, d)})"
               + (f"; {self.gemeente.name}: {fmt.value_with_unit(own['value'].iloc[0], unit, d)}." if not own.empty else "."))
        fig = figure_map(latest, self.region, title=title, unit=unit, decimals=d, boundaries=self.boundaries,
                         highlight=self.gemeente.code)
        table = pd.DataFrame({"Gemeente": ordered["area_name"],
                              "Waarde": [fmt.value_with_unit(v, unit, d) for v in ordered["value"]]})
        return self.page.chart(fig, alt=alt, data=table)

    def sources(self) -> HTML:
        info = self.processed.info
        items = []
        for s in info.get("sources", []):
            if s["source"] == "registraties":
                continue
            where = s.get("table") or s.get("file", "").split("/")[-1]
            when = f", opgehaald {s['retrieved_at'][:10]}" if s.get("retrieved_at") else ""
            items.append(f"<li>{html.escape(s['source'].upper() if s['source'] == 'cbs' else s['source'].capitalize())}: "
                         f"{html.escape(where)}{html.escape(when)}</li>")
        pooled = [i.title for i in self.indicators if i.pool_years > 1]
        demo = ('<p class="tb-demo-inline"><strong>Let op: dit rapport is gemaakt met DEMODATA. '
                "De cijfers zijn verzonnen en zeggen niets over de echte situatie.</strong></p>") if self.processed.demo else ""
        return HTML(
            '<section class="tb-sources"><h2>Bronnen en methode</h2>' + demo +
            f"<ul>{''.join(items)}</ul>"
            f"<p>{html.escape(indeling_note(info, self.region))} "
            + (f"Voor {', '.join(html.escape(p.lower()) for p in pooled)} zijn steeds 3 jaren samengenomen, "
               "omdat de aantallen per gemeente per jaar te klein zijn voor een betrouwbaar percentage. " if pooled else "")
            + "</p><p>Methode: percentages met een 95%-onzekerheidsmarge (Wilson); de achterstand is het verschil met "
            f"{html.escape(self.benchmark_name)}, met een marge volgens Newcombe. Het doelpad loopt recht van de achterstand "
            f"bij de start ({self.regions.baseline_year}) naar {fmt.share(1 - self.regions.target_share_closed)} daarvan in "
            f"{self.regions.target_year}. Zie docs/methode.md voor de volledige beschrijving.</p>"
            f'<p class="tb-meta">Trendbreuk-werkboek versie {__version__} · dataset {html.escape(info.get("dataset", ""))} · '
            f"tabellen gebouwd {html.escape(info.get('built_at', '')[:10])}</p></section>"
        )
