"""Content of the subregio report and the regional progress report (notebooks/subregio.ipynb, regio.ipynb).

The regional report follows the Voortgangsrapportage (seed 001) with the numbers behind it: verdict counts per
life phase, the share of the gap closed per indicator against the target path, the decomposition (did the region
improve or did the country slip) and when the 2030 figure will be known. The subregio report puts its gemeenten
side by side, with a funnel plot per indicator so that small gemeenten are not over-read.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from trendbreuk import formatting as fmt
from trendbreuk.charts.compare import figure_funnel, figure_progress, figure_ranked
from trendbreuk.geography.areas import Region, RegionsConfig, slugify
from trendbreuk.indicators.catalogue import LIFE_PHASES, Indicator, judging
from trendbreuk.indicators.verdict import VERDICT_RULES, VERDICTS, chance_percent
from trendbreuk.processed import Processed, load_processed
from trendbreuk.reports.age import age_section
from trendbreuk.reports.breaks import break_section
from trendbreuk.reports.changes import changes_section
from trendbreuk.reports.common import (
    COMPARISON,
    comparison_badge,
    finite,
    first_upper,
    header_html,
    missing_html,
    sources_html,
    verdict_badge,
)
from trendbreuk.reports.page import HTML, Page, explained, fold_section, table_html
from trendbreuk.reports.sentences import chance_note, standing_sentence


class AreaReport:
    """The report of a region (area_code = region code) or one of its subregio's."""

    def __init__(
        self,
        processed: Processed,
        regions: RegionsConfig,
        catalogue: dict[str, Indicator],
        region: Region,
        area_code: str,
        benchmark: str,
    ):
        self.processed, self.regions, self.catalogue, self.region = processed, regions, catalogue, region
        self.area_code, self.benchmark = area_code, benchmark
        self.subregio = next((s for s in region.subregios if s.code == area_code), None)
        self.area_name = self.subregio.name if self.subregio else region.name
        self.benchmark_name = "de rest van Nederland" if benchmark == "rest_nl" else regions.benchmarks[benchmark]
        self.page = Page()
        a = processed.assessments
        self.assessments = a[(a["region"] == region.key) & (a["benchmark"] == benchmark)]
        self.own = self.assessments[self.assessments["area_code"] == area_code].set_index("indicator")

    @classmethod
    def load(cls, area: str = "", region: str = "", benchmark: str = "", dataset: str = "") -> AreaReport:
        processed = load_processed(dataset or None)
        configuration = processed.configuration()
        regions, catalogue = configuration.regions, configuration.catalogue
        chosen = regions.region(region or None)
        code = chosen.subregio(area).code if area else chosen.code
        return cls(processed, regions, catalogue, chosen, code, benchmark or regions.default_benchmark)

    @property
    def basket(self) -> list[Indicator]:
        return [i for i in judging(self.catalogue) if i.target_basket and i.id in self.own.index]

    def header(self) -> HTML:
        kind = f"subregio van {self.region.name}" if self.subregio else "regionale voortgangsrapportage"
        return header_html(
            self.processed, f"Trendbreuk · {kind}", self.area_name, f"Vergeleken met {self.benchmark_name}"
        )

    def headline(self) -> HTML:
        """In het kort: the verdicts for 2030 with the indicators they concern, the share of the gap closed (the same
        median as under the chart below), and how the area scores now."""
        basket = self.own.loc[[i.id for i in self.basket]]
        if basket.empty:
            return HTML("")
        n = len(basket)
        titles = {i.id: i.title for i in self.basket}
        lead = (
            f"Trendbreuk wil in {self.regions.target_year} {fmt.share(self.regions.target_share_closed)} van de "
            f"gezondheidsachterstand op {self.benchmark_name} hebben ingelopen. Oordeel voor "
            f"{self.regions.target_year}, over {fmt.count(n, 'doelindicator', 'doelindicatoren')}"
            f"{self._partial(n)}:"
        )
        named = []
        for key, label in VERDICTS.items():
            which = [titles[i] for i in basket.index[basket["verdict"] == key]]
            if which:
                named.append(
                    Markup("<li><strong>{} ({}):</strong> {}.</li>").format(
                        first_upper(label), len(which), fmt.join(which)
                    )
                )
        progress = self._progress_rows()
        if progress.empty and not basket["baseline_gap"].notna().any():
            closed = (
                "Voor geen enkele doelindicator is er een cijfer over het startjaar, dus hoeveel van de "
                "achterstand is ingelopen, is nog niet te meten."
            )
        elif progress.empty:
            closed = (
                "Geen enkele doelindicator had bij de start een duidelijke achterstand op "
                f"{self.benchmark_name}, dus er valt nog geen deel van een achterstand ingelopen te meten."
            )
        else:
            median = fmt.share(progress["share_closed"].median())
            if len(progress) == 1:
                closed = (
                    f"Bij {titles[progress['indicator'].iloc[0]].lower()}, de enige doelindicator met een "
                    f"duidelijke achterstand bij de start, is {median} van die achterstand ingelopen"
                )
            else:
                closed = (
                    f"Bij de {len(progress)} doelindicatoren met een duidelijke achterstand bij de start is "
                    f"gemiddeld (mediaan) {median} van die achterstand ingelopen"
                )
            closed += (
                f"; het doelpad vraagt nu {fmt.share(progress['target_share_closed_now'].median())}. Dat is "
                "gemeten, zonder rekening te houden met toeval; de grafiek hieronder geeft het per indicator."
            )
        judged = basket["comparison"].value_counts()
        standing = standing_sentence(self.area_name, self.benchmark_name, judged, n)
        expected = 0.05 * int((basket["comparison"] != "niet_te_beoordelen").sum())
        return HTML(
            str(
                Markup(
                    '<section class="tb-headline"><h2>In het kort</h2><p class="tb-lead">{}</p><ul class="tb-named">{}</ul>'
                    '<p>{}</p><p>{}</p><p class="tb-note">{}</p></section>'
                ).format(lead, Markup("").join(named), closed, standing, chance_note(n, expected))
            )
        )

    def _partial(self, n: int) -> str:
        full = sum(i.target_basket for i in self.catalogue.values())
        return "" if n >= full else f" met cijfers (de doelmand telt er {full}; zie ‘Indicatoren zonder gegevens’)"

    def _progress_rows(self) -> pd.DataFrame:
        """The target indicators whose gap at the start was clearly there (the lower limit of its interval above
        zero): the rows of the progress chart and of the median in the headline. A share of a gap that was not clearly
        there means nothing."""
        rows = self.own.loc[[i.id for i in self.basket]].reset_index()
        return rows[rows["baseline_gap_lower"] > 0].copy()

    def progress_chart(self) -> HTML:
        rows = self.own.loc[[i.id for i in self.basket]].reset_index()
        left_out = rows[(rows["baseline_gap"] > 0) & ~(rows["baseline_gap_lower"] > 0)]
        rows = self._progress_rows()
        if rows.empty:
            return HTML("")
        rows["title"] = rows["indicator"].map(lambda i: self.catalogue[i].title)
        on_path = int((rows["share_closed"] >= rows["target_share_closed_now"]).sum())
        title = (
            f"{self.area_name}: bij {fmt.out_of(on_path, len(rows), 'indicator', 'indicatoren')} is minstens "
            "zoveel van de achterstand "
            "ingelopen als het doelpad nu vraagt<br><sup>gemeten waarden, met toeval; het oordeel per indicator "
            "houdt daar rekening mee · alleen indicatoren met een duidelijke achterstand bij de start"
            + (f"; niet getoond: {len(left_out)} met een kleine, onzekere achterstand" if len(left_out) else "")
            + "</sup>"
        )
        alt = (
            f"Staafdiagram: per doelindicator het deel van de achterstand bij de start dat {self.area_name} heeft "
            "ingelopen, met een streep voor wat het doelpad nu vraagt. "
            + (
                f"Ingelopen: {fmt.share(rows['share_closed'].iloc[0])}."
                if len(rows) == 1
                else f"Mediaan van het ingelopen deel: {fmt.share(rows['share_closed'].median())}."
            )
        )
        data = pd.DataFrame(
            {
                "Indicator": rows["title"],
                "Ingelopen": [fmt.share(v) for v in rows["share_closed"]],
                "Doelpad nu": [fmt.share(v) for v in rows["target_share_closed_now"]],
                "Oordeel": rows["verdict_label"],
            }
        )
        return self.page.chart(
            figure_progress(
                rows, title=title, target_year=self.regions.target_year, target_share=self.regions.target_share_closed
            ),
            alt=alt,
            data=data,
        )

    def life_phase_tables(self) -> HTML:
        parts = []
        for phase in LIFE_PHASES:
            chosen = [i for i in self.basket if i.life_phase == phase]
            if not chosen:
                continue
            rows = []
            for i in chosen:
                a = self.own.loc[i.id]
                d, unit = i.decimals, i.unit
                has = finite(a.get("baseline_gap"))
                rows.append(
                    {
                        "Indicator": i.title + ("" if unit == "%" else f" ({unit})"),
                        "Achterstand start → nu": (
                            f"{fmt.number(a['baseline_gap'], d)} → {fmt.number(a['latest_gap'], d)}"
                            if has
                            else "geen cijfer over het startjaar"
                        ),
                        "Periode": f"{a['baseline_period']} → {a['latest_period']}" if has else fmt.MISSING,
                        "Door eigen verandering": fmt.number(a["change_due_to_area"], d) if has else fmt.MISSING,
                        "Door vergelijkings\u00adgroep": fmt.number(a["change_due_to_benchmark"], d)
                        if has
                        else fmt.MISSING,
                        "Stand nu": comparison_badge(a["comparison"]),
                        f"Oordeel {self.regions.target_year}": verdict_badge(a["verdict"], a["verdict_label"]),
                        "Kans": chance_percent(a["probability_target"])
                        if finite(a.get("probability_target"))
                        else fmt.MISSING,
                        "Bekend in": str(int(a["year_known"])),
                    }
                )
            parts.append(
                str(Markup("<h3>{}</h3>").format(phase))
                + table_html(pd.DataFrame(rows), raw_columns=("Stand nu", f"Oordeel {self.regions.target_year}"))
            )
        note = Markup(
            '<p class="tb-note">Achterstanden in procentpunten (bij andere eenheden staat die achter de naam). Door eigen '
            "verandering / door vergelijkingsgroep: de verandering van de achterstand sinds de start, gesplitst in wat het "
            "gebied zelf deed en wat de vergelijkingsgroep deed (negatief = de achterstand werd kleiner). Kans: de kans "
            "dat het doel voor {year} gehaald wordt. Bekend in: het jaar waarin het cijfer over {year} verschijnt. "
            "{rules}</p>"
        ).format(year=self.regions.target_year, rules=VERDICT_RULES)
        return HTML(
            '<section class="tb-phases"><h2>Per levensfase</h2>'
            + "".join(parts)
            + explained(note, "Hoe lees je deze tabellen?")
            + "</section>"
        )

    def gemeenten_side_by_side(self) -> HTML:
        """Small multiples as a table: every gemeente of the subregio against the benchmark, per target indicator."""
        codes = [g.code for g in (self.subregio.gemeenten if self.subregio else self.region.gemeenten)]
        names = {g.code: g.name for g in self.region.gemeenten}
        a = self.assessments[self.assessments["area_code"].isin(codes)].set_index(["area_code", "indicator"])
        rows = []
        for i in self.basket:
            row = {"Indicator": i.title}
            for code in codes:
                status = a.loc[(code, i.id), "comparison"] if (code, i.id) in a.index else "niet_te_beoordelen"
                symbol, text = COMPARISON[status]
                row[names[code]] = (
                    f'<span class="tb-badge tb-{status}" title="{text}"><span aria-hidden="true">{symbol}</span><span class="tb-sr"> {text}</span></span>'
                )
            rows.append(row)
        return HTML(
            '<section class="tb-side"><h2>De gemeenten naast elkaar</h2>'
            + table_html(
                pd.DataFrame(rows),
                caption=f"Stand nu t.o.v. {self.benchmark_name}: ▲ duidelijk slechter, "
                "● niet duidelijk anders, ▼ duidelijk beter, – niet te beoordelen",
                raw_columns=tuple(names[c] for c in codes),
            )
            + "</section>"
        )

    def funnels(self) -> list[HTML]:
        """A funnel plot per counted target indicator: the gemeenten's latest values against their size."""
        blocks = [
            HTML(
                "<h2>Trechterdiagrammen per indicator</h2><p>Een gemeente buiten de trechter wijkt meer af dan "
                "toeval bij haar omvang verklaart; binnen de trechter kan een hoog of laag cijfer toeval zijn.</p>"
            )
        ]
        codes = [g.code for g in (self.subregio.gemeenten if self.subregio else self.region.gemeenten)]
        values = self.processed.indicator_values
        for i in self.basket:
            if i.statistic != "proportion":
                continue
            own = self.own.loc[i.id]
            v = values[
                (values["region"] == self.region.key)
                & (values["indicator"] == i.id)
                & (values["area_code"].isin(codes))
                & (values["period"] == own["latest_period"])
            ]
            centre = own.get("benchmark_value")
            if v.empty or not finite(centre):
                continue
            comparisons = self.assessments[self.assessments["indicator"] == i.id].set_index("area_code")["comparison"]
            points = v.assign(comparison=v["area_code"].map(comparisons))
            worse = int((points["comparison"] == "slechter").sum())
            title = (
                f"{i.title}, {own['latest_period']}: {worse} van de {len(points)} gemeenten duidelijk slechter "
                f"dan {self.benchmark_name}"
            )
            alt = (
                f"Trechterdiagram van {i.title.lower()} per gemeente tegen het aantal in de noemer, met de waarde van "
                f"{self.benchmark_name} ({fmt.value_with_unit(centre, i.unit, i.decimals)}) en 95%- en 99,8%-grenzen; "
                "alleen de gemeenten die duidelijk afwijken hebben hun naam in de grafiek."
            )
            data = pd.DataFrame(
                {
                    "Gemeente": points["area_name"],
                    "Waarde": [fmt.value_with_unit(x, i.unit, i.decimals) for x in points["value"]],
                    "Noemer": [fmt.number(x, 0) for x in points["denominator"]],
                }
            )
            blocks.append(
                self.page.chart(
                    figure_funnel(
                        points,
                        centre=centre,
                        centre_label=first_upper(self.benchmark_name),
                        title=title,
                        unit=i.unit,
                        multiplier=i.multiplier,
                        decimals=i.decimals,
                    ),
                    alt=alt,
                    data=data,
                    name=f"{slugify(self.area_name)}-{i.id}-gemeenten",
                )
            )
        return blocks

    def among_regions(self) -> HTML:
        """Where the region stands among every region of the build (a national run: all GGD regions), per target
        indicator in its latest period: rank, how many regions are clearly more or less favourable (95% intervals
        that do not overlap) and a ranked dot plot. Empty for a subregio or a build with fewer than 3 regions."""
        values = self.processed.indicator_values
        regional = values[(values["area_level"] == "regio") & values["value"].notna()]
        if self.subregio is not None or regional["region"].nunique() < 3:
            return HTML("")
        names = {r.code: r.name for r in self.regions.regions.values()}
        rows, charts = [], []
        for i in self.basket:
            own = regional[(regional["indicator"] == i.id) & (regional["area_code"] == self.region.code)]
            if own.empty:
                continue
            period = own.sort_values("year_end")["period"].iloc[-1]
            part = regional[(regional["indicator"] == i.id) & (regional["period"] == period)].drop_duplicates(
                "area_code"
            )
            if len(part) < 3:
                continue
            part = part.assign(area_name=part["area_code"].map(names).fillna(part["area_name"]))
            me = part[part["area_code"] == self.region.code].iloc[0]
            sign = 1 if i.higher_is_better else -1
            rank = int((sign * part["value"] > sign * me["value"]).sum()) + 1
            better = int(
                (
                    (part["lower_ci"] > me["upper_ci"]) if i.higher_is_better else (part["upper_ci"] < me["lower_ci"])
                ).sum()
            )
            worse = int(
                (
                    (part["upper_ci"] < me["lower_ci"]) if i.higher_is_better else (part["lower_ci"] > me["upper_ci"])
                ).sum()
            )
            nl = values[(values["indicator"] == i.id) & (values["area_code"] == "NL01") & (values["period"] == period)]
            centre = float(nl["value"].iloc[0]) if not nl.empty else None
            rows.append(
                {
                    "Indicator": i.title,
                    "Periode": period,
                    self.region.name: fmt.value_with_unit(me["value"], i.unit, i.decimals),
                    "Plaats (1 = gunstigst)": f"{rank} van {len(part)}",
                    f"Regio's duidelijk gunstiger dan {self.region.name}": str(better),
                    f"Regio's duidelijk ongunstiger dan {self.region.name}": str(worse),
                }
            )
            title = f"{i.title}, {period}: {self.region.name} op plaats {rank} van {len(part)} regio's (1 = gunstigst)"
            alt = (
                f"Gerangschikte puntgrafiek van {i.title.lower()} in {period} voor {len(part)} regio's met hun "
                f"95%-intervallen. {self.region.name}: {fmt.value_with_unit(me['value'], i.unit, i.decimals)}, plaats "
                f"{rank}; {better} regio's duidelijk gunstiger en {worse} duidelijk ongunstiger."
            )
            data = pd.DataFrame(
                {
                    "Regio": part["area_name"],
                    "Waarde": [fmt.value_with_unit(x, i.unit, i.decimals) for x in part["value"]],
                    "95%-interval": [
                        f"{fmt.value_with_unit(lo, i.unit, i.decimals)} – {fmt.value_with_unit(hi, i.unit, i.decimals)}"
                        for lo, hi in zip(part["lower_ci"], part["upper_ci"])
                    ],
                }
            )
            charts.append(
                self.page.chart(
                    figure_ranked(
                        part,
                        title=title,
                        unit=i.unit,
                        decimals=i.decimals,
                        higher_is_better=i.higher_is_better,
                        highlight=self.region.code,
                        centre=centre,
                        centre_label="Nederland",
                    ),
                    alt=alt,
                    data=data,
                    name=f"{self.region.slug}-{i.id}-regio-s",
                )
            )
        if not rows:
            return HTML("")
        n = regional["region"].nunique()
        intro = Markup(
            '<section id="tussen-de-regios"><h2>{name} tussen de GGD-regio\'s</h2><p>Per doelindicator de laatste '
            "periode van alle {n} regio's in deze berekening. Een regio is ‘duidelijk gunstiger’ of ‘duidelijk "
            "ongunstiger’ dan {name} als de 95%-onzekerheidsmarges van de twee regio's overlappen niet, een strenge "
            "toets, zodat een verschil dat door toeval kan ontstaan niet als verschil telt. De plaats zelf zegt weinig "
            "als de marges overlappen.</p>{table}</section>"
        ).format(name=self.region.name, n=n, table=Markup(table_html(pd.DataFrame(rows))))
        return HTML(str(intro) + "".join(c.data for c in charts))

    def changes(self) -> HTML:
        """Wat is er veranderd sinds de vorige editie, for this region or subregio and the areas in it (empty
        without an earlier edition)."""
        parts = [self.subregio] if self.subregio else list(self.region.subregios)
        areas = {
            self.area_code: self.area_name,
            **{s.code: s.name for s in parts if s.code != self.area_code},
            **{g.code: g.name for s in parts for g in s.gemeenten},
        }
        scope = f"{self.area_name} en {'zijn gemeenten' if self.subregio else 'zijn subregio’s en gemeenten'}"
        return changes_section(
            self.processed, self.catalogue, self.region.key, areas, scope, self.benchmark, slugify(self.area_name)
        )

    def trend_breaks(self) -> HTML:
        """Is er een trendbreuk? The course of every indicator's gap before and since the programme's start."""
        return break_section(
            self.processed,
            self.catalogue,
            self.page,
            region_key=self.region.key,
            benchmark=self.benchmark,
            area_code=self.area_code,
            area_name=self.area_name,
            benchmark_name=self.benchmark_name,
        )

    def age(self) -> HTML:
        """Leeftijd en de achterstand, with a summary per life phase in the regional report."""
        return fold_section(
            age_section(
                self.processed,
                self.catalogue,
                self.region.key,
                self.area_code,
                self.area_name,
                self.benchmark,
                self.benchmark_name,
                self.regions.target_year,
                by_life_phase=self.subregio is None,
            )
        )

    def missing(self) -> HTML:
        """The catalogue's indicators without figures in this build, with the reason."""
        return fold_section(missing_html(self.processed))

    def sources(self) -> HTML:
        return sources_html(self.processed, self.region, self.regions, self.benchmark_name, self.basket)
