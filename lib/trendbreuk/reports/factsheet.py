"""Content of the gemeente factsheet: what the notebook `notebooks/factsheet.ipynb` displays.

Everything a reader sees is computed here from the processed tables (indicator values, gaps, assessments), so
the notebook stays a parameters cell plus a few calls, and the same content appears in Jupyter, the Python
engine and Quarto.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from markupsafe import Markup

from trendbreuk import formatting as fmt
from trendbreuk.charts import figure_gap, figure_trend
from trendbreuk.charts.compare import figure_spine
from trendbreuk.charts.maps import figure_map
from trendbreuk.geography.areas import Gemeente, Region, RegionsConfig, Subregio
from trendbreuk.geography.boundaries import load_region_boundaries
from trendbreuk.indicators.catalogue import LIFE_PHASES, Indicator, judging
from trendbreuk.indicators.verdict import VERDICT_RULES
from trendbreuk.processed import Processed, load_processed
from trendbreuk.reports.age import age_section, indicator_note
from trendbreuk.reports.breaks import break_section
from trendbreuk.reports.changes import changes_section
from trendbreuk.reports.common import (
    comparison_badge,
    header_html,
    missing_html,
    sources_html,
    verdict_badge,
)
from trendbreuk.reports.common import finite as _finite
from trendbreuk.reports.common import first_upper as _first_upper
from trendbreuk.reports.page import HTML, Page, _strip_tags, download_link, explained, fold, fold_section, table_html
from trendbreuk.reports.sentences import (
    assessment_sentence,
    chance_note,
    gap_title,
    standing_sentence,
    trend_title,
)


class Factsheet:
    """All content of one gemeente's factsheet."""

    def __init__(
        self,
        processed: Processed,
        regions: RegionsConfig,
        catalogue: dict[str, Indicator],
        gemeente: Gemeente,
        region: Region,
        benchmark: str,
    ):
        self.processed = processed
        self.regions = regions
        self.catalogue = catalogue
        self.gemeente = gemeente
        self.region = region
        self.subregio: Subregio = region.subregio_of(gemeente.code)
        self.benchmark = benchmark
        self.benchmark_name = "de rest van Nederland" if benchmark == "rest_nl" else regions.benchmarks[benchmark]
        self.page = Page()
        self.boundaries = load_region_boundaries(region, processed.info.get("indeling_year"))
        self.assessments = processed.rows("assessments", region=region.key, benchmark=benchmark)
        self.own = self.assessments[self.assessments["area_code"] == gemeente.code].set_index("indicator")

    @classmethod
    def load(cls, gemeente: str, benchmark: str = "", dataset: str = "") -> Factsheet:
        processed = load_processed(dataset or None)
        configuration = processed.configuration()
        regions, catalogue = configuration.regions, configuration.catalogue
        region, found = regions.locate_gemeente(gemeente)
        return cls(processed, regions, catalogue, found, region, benchmark or regions.default_benchmark)

    # data -------------------------------------------------------------------------------------------
    @property
    def indicators(self) -> list[Indicator]:
        present = set(self.own.index)
        return [i for i in judging(self.catalogue) if i.id in present]

    @property
    def basket(self) -> list[Indicator]:
        return [i for i in self.indicators if i.target_basket]

    def values(self, indicator: Indicator) -> pd.DataFrame:
        return self.processed.rows("indicator_values", region=self.region.key, indicator=indicator.id)

    def gaps(self, indicator: Indicator) -> pd.DataFrame:
        return self.processed.rows(
            "gaps",
            region=self.region.key,
            indicator=indicator.id,
            benchmark=self.benchmark,
            area_code=self.gemeente.code,
        )

    # display blocks -----------------------------------------------------------------------------------
    def header(self) -> HTML:
        return header_html(
            self.processed,
            f"Trendbreuk {self.region.name} · factsheet",
            self.gemeente.name,
            f"Subregio {self.subregio.name} · vergeleken met {self.benchmark_name}",
        )

    def headline(self) -> HTML:
        basket = self.own.loc[[i.id for i in self.basket]]
        now = basket["comparison"].value_counts()
        verdicts = basket["verdict"].value_counts()
        n = len(basket)
        full = sum(i.target_basket for i in self.catalogue.values())
        scope = (
            ""
            if n == full
            else f"Van de {full} indicatoren van het Trendbreuk-doel {'is' if n == 1 else 'zijn'} er nog maar "
            f"{fmt.count(n, 'met cijfers', 'met cijfers')} (de andere staan onder ‘Indicatoren zonder "
            "gegevens’). "
        )
        standing = scope + standing_sentence(self.gemeente.name, self.benchmark_name, now, n)
        parts = [
            f"{verdicts.get(k, 0)} {label}"
            for k, label in (
                ("doel_bereikt", "doel al bereikt"),
                ("op_koers", "op koers"),
                ("versnelling_nodig", "versnelling nodig"),
                ("achterstand_groeit", "achterstand groeit"),
                ("geen_achterstand", "geen achterstand bij de start"),
                ("onvoldoende_gegevens", "onvoldoende gegevens om te oordelen"),
            )
            if verdicts.get(k, 0)
        ]
        expected = 0.05 * int((basket["comparison"] != "niet_te_beoordelen").sum())
        titles = {i.id: i.short_title or i.title.lower() for i in self.basket}
        named = []
        goal = f"{fmt.share(self.regions.target_share_closed)} van de achterstand"
        for label, keys in (
            (f"Doel ({goal} ingelopen) al bereikt of op koers", ("doel_bereikt", "op_koers")),
            ("Achterstand gegroeid", ("achterstand_groeit",)),
            ("Versnelling nodig", ("versnelling_nodig",)),
            ("Geen achterstand bij de start", ("geen_achterstand",)),
            ("Nog geen oordeel mogelijk (zie per indicator hieronder)", ("onvoldoende_gegevens",)),
        ):
            which = [titles[i] for i in basket.index[basket["verdict"].isin(keys)]]
            if which:
                named.append(
                    Markup("<li><strong>{} ({}):</strong> {}.</li>").format(label, len(which), fmt.join(which))
                )
        aim = (
            f"Trendbreuk wil in {self.regions.target_year} {fmt.share(self.regions.target_share_closed)} van de "
            f"gezondheidsachterstand op {self.benchmark_name} hebben ingelopen. Oordeel per indicator voor "
            f"{self.regions.target_year}" + (":" if named else f": {fmt.join(parts)}.")
        )
        listed = Markup('<ul class="tb-named">{}</ul>').format(Markup("").join(named)) if named else ""
        return HTML(
            str(
                Markup(
                    '<section class="tb-headline"><h2>In het kort</h2><p class="tb-lead">{}</p><p>{}</p>{}'
                    '<p class="tb-note">{}</p></section>'
                ).format(standing, aim, listed, chance_note(n, expected))
            )
        )

    def summary_table(self) -> HTML:
        rows = []
        for indicator in sorted(self.indicators, key=lambda i: LIFE_PHASES.index(i.life_phase)):
            a = self.own.loc[indicator.id]
            unit, d = indicator.unit, indicator.decimals
            rows.append(
                {
                    "Levensfase": indicator.life_phase,
                    "Indicator": indicator.title + ("" if indicator.target_basket else " *"),
                    "Periode": a["latest_period"] or fmt.MISSING,
                    self.gemeente.name: fmt.value_with_unit(a.get("value"), unit, d),
                    _first_upper(self.benchmark_name): fmt.value_with_unit(a.get("benchmark_value"), unit, d),
                    "Nu": comparison_badge(
                        a["comparison"], a["comparison_level"] if a["comparison_level"] == "99,8%" else ""
                    ),
                    f"Oordeel {self.regions.target_year}": verdict_badge(a["verdict"], a["verdict_label"]),
                }
            )
        table = table_html(
            pd.DataFrame(rows),
            caption=f"{self.gemeente.name} vergeleken met {self.benchmark_name}: "
            "laatste cijfers, de stand nu en het oordeel voor "
            f"{self.regions.target_year}",
            raw_columns=("Nu", f"Oordeel {self.regions.target_year}"),
            group_column="Levensfase",
        )
        note = Markup(
            '<p class="tb-note">Nu: ▲ duidelijk slechter of ▼ duidelijk beter als de waarde van de vergelijkingsgroep '
            "buiten de 95%-onzekerheidsmarge van de gemeente ligt (“99,8%”: zelfs buiten de ruimere 99,8%-marge); "
            "anders ● niet duidelijk anders. {} * = geen onderdeel van de doelmand van Trendbreuk.</p>"
        ).format(VERDICT_RULES)
        return HTML(
            str(
                Markup('<section class="tb-summary"><h2>Waar staat {}?</h2>{}{}</section>').format(
                    self.gemeente.name, Markup(table), Markup(explained(note, "Hoe lees je deze tabel?"))
                )
            )
        )

    def spine_chart(self) -> HTML:
        """All indicators at a glance: this gemeente against the benchmark, within the range of the region's gemeenten."""
        gemeenten = self.assessments[self.assessments["area_level"] == "gemeente"]
        ranges = gemeenten.groupby("indicator")["value"].agg(["min", "max"])
        rows = []
        for indicator in sorted(self.indicators, key=lambda i: LIFE_PHASES.index(i.life_phase)):
            a = self.own.loc[indicator.id]
            if not (_finite(a.get("value")) and _finite(a.get("benchmark_value"))):
                continue
            rows.append(
                {
                    "title": indicator.title,
                    "value": a["value"],
                    "benchmark": a["benchmark_value"],
                    "low": ranges.loc[indicator.id, "min"],
                    "high": ranges.loc[indicator.id, "max"],
                    "higher_is_better": indicator.higher_is_better,
                    "comparison": a["comparison"],
                    "unit": indicator.unit,
                    "decimals": indicator.decimals,
                }
            )
        frame = pd.DataFrame(rows)
        worse = int((frame["comparison"] == "slechter").sum())
        title = f"{self.gemeente.name} op alle indicatoren: {worse} van de {len(frame)} duidelijk slechter dan {self.benchmark_name}"
        alt = (
            f"Overzichtsgrafiek: per indicator staat {self.benchmark_name} in het midden, slechter links en beter rechts. "
            f"De grijze balk is de spreiding van de gemeenten in {self.region.name}; het teken is {self.gemeente.name}. "
            + fmt.sentence(
                f"{fmt.count(worse, 'indicator is', 'indicatoren zijn')} duidelijk slechter, "
                f"{int((frame['comparison'] == 'beter').sum())} duidelijk beter"
            )
        )
        data = pd.DataFrame(
            {
                "Indicator": frame["title"],
                self.gemeente.name: [
                    fmt.value_with_unit(v, u, d) for v, u, d in zip(frame["value"], frame["unit"], frame["decimals"])
                ],
                _first_upper(self.benchmark_name): [
                    fmt.value_with_unit(v, u, d)
                    for v, u, d in zip(frame["benchmark"], frame["unit"], frame["decimals"])
                ],
                "Laagste gemeente": [
                    fmt.value_with_unit(v, u, d) for v, u, d in zip(frame["low"], frame["unit"], frame["decimals"])
                ],
                "Hoogste gemeente": [
                    fmt.value_with_unit(v, u, d) for v, u, d in zip(frame["high"], frame["unit"], frame["decimals"])
                ],
            }
        )
        return self.page.chart(
            figure_spine(
                frame, title=title, area_label=self.gemeente.name, benchmark_label=_first_upper(self.benchmark_name)
            ),
            alt=alt,
            data=data,
        )

    def overview_map(self) -> HTML:
        """The region's gemeenten coloured by how many target indicators are clearly worse than the benchmark."""
        basket_ids = [i.id for i in self.basket]
        rows = self.assessments[
            (self.assessments["area_level"] == "gemeente") & self.assessments["indicator"].isin(basket_ids)
        ]
        counts = (
            rows.assign(worse=rows["comparison"] == "slechter")
            .groupby(["area_code", "area_name"], as_index=False)["worse"]
            .sum()
        )
        counts = counts.rename(columns={"worse": "value"})
        own = int(counts.loc[counts["area_code"] == self.gemeente.code, "value"].iloc[0])
        title = (
            f"{self.gemeente.name} scoort op {fmt.out_of(own, len(basket_ids), 'doelindicator', 'doelindicatoren')} "
            "duidelijk slechter dan "
            f"{self.benchmark_name}; in {self.region.name} loopt dat van {int(counts['value'].min())} tot "
            f"{int(counts['value'].max())}<br><sup>kleur: aantal doelindicatoren (van {len(basket_ids)}) waarop de "
            f"gemeente duidelijk slechter scoort</sup>"
        )
        alt = (
            f"Kaart van {self.region.name}. {self.gemeente.name} scoort op "
            f"{fmt.out_of(own, len(basket_ids), 'doelindicator', 'doelindicatoren')} duidelijk slechter; in de regio loopt dit van {int(counts['value'].min())} tot "
            f"{int(counts['value'].max())}."
        )
        table = pd.DataFrame({"Gemeente": counts["area_name"], "Duidelijk slechter": counts["value"].astype(int)})
        if self.boundaries is None and any(g.tile is None for g in self.region.gemeenten):
            return HTML(
                str(
                    Markup(
                        '<section class="tb-figure"><p>{}</p><p class="tb-note">Geen kaart: er zijn geen gemeentegrenzen '
                        "ingelezen (zie docs/bronnen/README.md) en de regio heeft geen posities voor een schematische kaart.</p>"
                        "{}</section>"
                    ).format(_strip_tags(title), Markup(table_html(table.sort_values("Duidelijk slechter"))))
                )
            )
        fig = figure_map(
            counts,
            self.region,
            title=title,
            unit="aantal",
            decimals=0,
            boundaries=self.boundaries,
            highlight=self.gemeente.code,
        )
        return self.page.chart(
            fig,
            alt=alt,
            data=table.sort_values("Duidelijk slechter"),
            name=f"{self.region.slug}-doelindicatoren-duidelijk-slechter",
        )

    def life_phase_sections(self) -> list[HTML]:
        """Per life phase, the target indicators with their sentence, trend chart and gap chart."""
        blocks = []
        for phase in LIFE_PHASES:
            chosen = [i for i in self.basket if i.life_phase == phase]
            if not chosen:
                continue
            blocks.append(HTML(str(Markup('<h2 class="tb-phase">{}</h2>').format(phase))))
            for indicator in chosen:
                blocks.extend(self.indicator_section(indicator))
        return blocks

    def indicator_section(self, indicator: Indicator) -> list[HTML]:
        unit, d = indicator.unit, indicator.decimals
        a = self.own.loc[indicator.id]
        series = [
            (self.gemeente.code, self.gemeente.name, "gemeente"),
            (self.subregio.code, f"subregio {self.subregio.name}", "subregio"),
            (self.region.code, self.region.name, "regio"),
            (self.benchmark, _first_upper(self.benchmark_name), "benchmark"),
        ]
        values = self.values(indicator)
        shown = values[values["area_code"].isin([s[0] for s in series])]
        sentence = assessment_sentence(a, indicator, self.gemeente.name, self.benchmark_name, self.regions.target_year)
        if a["verdict"] == "onvoldoende_gegevens":
            sentence += self.wider_verdicts(indicator)
        age = indicator_note(
            self.processed,
            self.catalogue,
            indicator,
            self.region.key,
            self.gemeente.code,
            self.gemeente.name,
            self.benchmark,
            self.benchmark_name,
        )
        trend_alt = (
            f"Lijngrafiek van {indicator.title.lower()} per periode voor {self.gemeente.name}, subregio "
            f"{self.subregio.name}, {self.region.name} en {self.benchmark_name}. "
            + (
                f"Laatste waarde {self.gemeente.name}: {fmt.value_with_unit(a['value'], unit, d)} in "
                f"{a['latest_period']}."
                if _finite(a.get("value"))
                else ""
            )
        )
        names = {code: label for code, label, _ in series}
        ordered = shown.assign(Gebied=shown["area_code"].map(names)).sort_values(["area_code", "year_start"])
        trend_table = pd.DataFrame(
            {
                "Gebied": ordered["Gebied"],
                "Periode": ordered["period"],
                "Waarde": [fmt.value_with_unit(v, unit, d) for v in ordered["value"]],
                "Marge van": [fmt.value_with_unit(v, unit, d) for v in ordered["lower_ci"]],
                "tot": [fmt.value_with_unit(v, unit, d) for v in ordered["upper_ci"]],
            }
        )
        heading = str(
            Markup("<h3>{} {} {}</h3>").format(
                indicator.title,
                Markup(comparison_badge(a["comparison"])),
                Markup(verdict_badge(a["verdict"], a["verdict_label"])),
            )
        )
        age_note = Markup('<p class="tb-age-note"><strong>Leeftijd:</strong> {}</p>').format(age) if age else ""
        blocks = [
            HTML(
                str(
                    Markup('<p class="tb-definition">{}</p><p class="tb-message">{}</p>{}').format(
                        indicator.definition, sentence, age_note
                    )
                )
            ),
            self.page.chart(
                figure_trend(
                    shown,
                    series,
                    title=trend_title(a, indicator, self.gemeente.name, self.benchmark_name),
                    unit=unit,
                    decimals=d,
                ),
                alt=trend_alt,
                data=trend_table,
                name=f"{self.gemeente.slug}-{indicator.id}-trend",
            ),
        ]
        gaps = self.gaps(indicator)
        if not gaps.empty and _finite(a.get("baseline_gap")):
            gap_fig = figure_gap(
                gaps,
                title=gap_title(a, indicator, self.gemeente.name),
                unit=unit,
                area_label=self.gemeente.name,
                benchmark_label=self.benchmark_name,
                target_year=self.regions.target_year,
                share=self.regions.target_share_closed,
                decimals=d,
            )
            gap_table = pd.DataFrame(
                {
                    "Periode": gaps["period"],
                    "Achterstand": [fmt.difference(v, unit, d) for v in gaps["gap"]],
                    "Marge van": [fmt.number(v, d) for v in gaps["gap_lower"]],
                    "tot": [fmt.number(v, d) for v in gaps["gap_upper"]],
                    "Doelpad": [
                        fmt.difference(v, unit, d) if np.isfinite(v) else fmt.MISSING for v in gaps["target_gap"]
                    ],
                }
            )
            path = " en het doelpad" if a["baseline_gap"] > 0 else ""
            blocks.append(
                self.page.chart(
                    gap_fig,
                    alt=f"Grafiek van de achterstand per periode met onzekerheidsmarge{path}. {sentence}",
                    data=gap_table,
                    name=f"{self.gemeente.slug}-{indicator.id}-achterstand",
                )
            )
        return [HTML(fold(heading, "".join(block.data for block in blocks)))]

    def wider_verdicts(self, indicator: Indicator) -> str:
        """The verdicts of the subregio and the region, shown beside a gemeente's "onvoldoende gegevens": they rest
        on more numbers. Borrowing strength in plain sight, not inside the gemeente's own verdict."""
        rows = self.assessments[self.assessments["indicator"] == indicator.id].set_index("area_code")
        parts = [
            f"{name}: {rows.loc[code, 'verdict_label']}"
            for code, name in (
                (self.subregio.code, f"subregio {self.subregio.name}"),
                (self.region.code, self.region.name),
            )
            if code in rows.index
        ]
        return (" Ter vergelijking, met meer cijfers: " + "; ".join(parts) + ".") if parts else ""

    def programme_section(self) -> HTML:
        """The programme's registrations in this gemeente, its subregio and the region, after disclosure control.
        Reads only the shared registrations table."""
        shared = self.processed.registrations_shared
        if shared is not None:
            shared = shared[shared["region"] == self.region.key]
        if shared is None or shared.empty or not (shared["area_code"] == self.gemeente.code).any():
            return HTML("")
        gemeente_measures = shared[(shared["area_code"] == self.gemeente.code)][
            ["programme", "measure"]
        ].drop_duplicates()
        rows = shared.merge(gemeente_measures, on=["programme", "measure"])
        year = int(rows["year"].max())
        rows = rows[rows["year"] == year]
        by_area = {code: part.set_index(["programme", "measure"]) for code, part in rows.groupby("area_code")}
        own = by_area[self.gemeente.code]
        table = []
        for (programme, measure), r in own.iterrows():

            def shown(code, column="display_value"):
                part = by_area.get(code)
                return (
                    part.loc[(programme, measure), column]
                    if part is not None and (programme, measure) in part.index
                    else fmt.MISSING
                )

            table.append(
                {
                    "Programma": r["programme_title"],
                    "Maatregel": r["measure_title"],
                    self.gemeente.name: r["display_value"],
                    f"Subregio {self.subregio.name}": shown(self.subregio.code),
                    self.region.name: shown(self.region.code),
                    f"Bereik {self.gemeente.name} (van verwacht aantal)": r["display_reach"],
                }
            )
        frame = pd.DataFrame(table)
        threshold = self.processed.configuration().programmes.disclosure_threshold
        csv = download_link(
            frame, f"programmas-{self.gemeente.code}-{self.gemeente.slug}-{year}.csv", "Download deze tabel (CSV)"
        )
        births = rows["births_source"].replace("", np.nan).dropna()
        note = (
            f"<{threshold}: minder dan {threshold}, afgeschermd omdat kleine aantallen gezinnen herkenbaar maken. "
            "x: afgeschermd om terugrekenen uit de totalen te voorkomen. Bereik: het aantal gedeeld door het "
            "verwachte aantal (geboorten × het verwachte aandeel kwetsbare zwangerschappen, ongeveer 10%)"
            + (f"; geboorten: {births.iloc[0]}" if not births.empty else "")
            + "."
        )
        return HTML(
            str(
                Markup(
                    '<section class="tb-programmes"><h2>Programma’s van Trendbreuk in {}, {}</h2>{}<p>{}</p>'
                    '<p class="tb-note">{}</p></section>'
                ).format(
                    self.gemeente.name,
                    year,
                    Markup(table_html(frame, caption=f"Registraties van de programma’s in {year}")),
                    Markup(csv),
                    note,
                )
            )
        )

    def wijken(self) -> HTML:
        """The gemeente's wijken ranked on the target indicators that CBS publishes per wijk (empty without them)."""
        from trendbreuk.reports.wijken import wijken_section

        return fold_section(
            wijken_section(
                self.processed,
                self.regions,
                self.catalogue,
                self.region,
                self.gemeente.code,
                self.gemeente.name,
                self.benchmark,
                self.page,
            )
        )

    def changes(self) -> HTML:
        """Wat is er veranderd sinds de vorige editie, for this gemeente (empty without an earlier edition)."""
        return changes_section(
            self.processed,
            self.catalogue,
            self.region.key,
            {self.gemeente.code: self.gemeente.name},
            self.gemeente.name,
            self.benchmark,
            f"{self.gemeente.code}-{self.gemeente.slug}",
        )

    def trend_breaks(self) -> HTML:
        """Is er een trendbreuk? The course of every indicator's gap before and since the programme's start."""
        return break_section(
            self.processed,
            self.catalogue,
            self.page,
            region_key=self.region.key,
            benchmark=self.benchmark,
            area_code=self.gemeente.code,
            area_name=self.gemeente.name,
            benchmark_name=self.benchmark_name,
        )

    def age(self) -> HTML:
        """Leeftijd en de achterstand: every indicator with a second definition that takes age into account."""
        return fold_section(
            age_section(
                self.processed,
                self.catalogue,
                self.region.key,
                self.gemeente.code,
                self.gemeente.name,
                self.benchmark,
                self.benchmark_name,
                self.regions.target_year,
            )
        )

    def missing(self) -> HTML:
        """The catalogue's indicators without figures in this build, with the reason."""
        return fold_section(missing_html(self.processed))

    def sources(self) -> HTML:
        return sources_html(self.processed, self.region, self.regions, self.benchmark_name, self.indicators)
