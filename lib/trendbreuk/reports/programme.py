"""Content of the programme report (notebooks/programma.ipynb): registrations and reach per programme, gemeente
and year, against expected numbers. Reads only the shared (disclosure-controlled) registrations table."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from trendbreuk import formatting as fmt
from trendbreuk.charts.figure import Figure
from trendbreuk.charts.trend import COLOURS, _layout
from trendbreuk.geography.areas import Region, RegionsConfig
from trendbreuk.processed import Processed, load_processed
from trendbreuk.reports.common import (
    METHOD_LINK,
    demo_note,
    header_html,
    indeling_note,
    provenance_html,
    source_items,
    year_span,
)
from trendbreuk.reports.page import HTML, Page, download_link, fold, table_html
from trendbreuk.sources.programmes import ProgrammeCatalogue


class ProgrammeReport:
    def __init__(self, processed: Processed, regions: RegionsConfig, programmes: ProgrammeCatalogue, region: Region):
        self.processed, self.regions, self.programmes, self.region = processed, regions, programmes, region
        shared = processed.registrations_shared
        self.shared = shared[shared["region"] == region.key] if shared is not None else None
        self.page = Page()

    @classmethod
    def load(cls, region: str = "", dataset: str = "") -> ProgrammeReport:
        processed = load_processed(dataset or None)
        configuration = processed.configuration()
        regions = configuration.regions
        return cls(processed, regions, configuration.programmes, regions.region(region or None))

    def header(self) -> HTML:
        return header_html(
            self.processed,
            f"Trendbreuk {self.region.name} · programma’s",
            "Programma’s en bereik",
            f"Registraties van de programma-eigenaren in {self.region.name}",
        )

    def summary_items(self) -> list[str]:
        """One line per programme and measure: the region's latest figure as shared (after disclosure control), with
        the reach where there is one; for a status, in how many gemeenten it is what."""
        shared = self.shared
        if shared is None or shared.empty:
            return []
        items = []
        for programme in self.programmes.programmes:
            for measure in programme.measures:
                rows = shared[(shared["programme"] == programme.id) & (shared["measure"] == measure.id)]
                if rows.empty:
                    continue
                year = int(rows["year"].max())
                latest = rows[rows["year"] == year]
                if measure.unit == "status":
                    gemeenten = latest[latest["area_level"] == "gemeente"]
                    counts = gemeenten["display_value"].value_counts()
                    parts = [
                        f"{status} in {k if i else fmt.out_of(k, len(gemeenten), 'gemeente', 'gemeenten')}"
                        for i, (status, k) in enumerate(counts.items())
                    ]
                    text = fmt.join(parts)
                else:
                    region = latest[latest["area_code"] == self.region.code]
                    if region.empty:
                        continue
                    r = region.iloc[0]
                    text = f"{r['display_value']} {measure.title[:1].lower() + measure.title[1:]}"
                    if measure.reach and r["display_reach"] not in ("", fmt.MISSING, None):
                        text += f", {r['display_reach']} van het verwachte aantal"
                items.append(Markup("<li><strong>{}</strong> ({}): {}.</li>").format(programme.title, year, text))
        return items

    def intro(self) -> HTML:
        t = self.programmes.disclosure_threshold
        items = self.summary_items()
        summary = (
            str(
                Markup('<h2>In het kort</h2><p>De laatste cijfers van {}:</p><ul class="tb-named">{}</ul>').format(
                    self.region.name, Markup("").join(items)
                )
            )
            if items
            else ""
        )
        return HTML(
            f'<section class="tb-headline">{summary}<p>Per programma de registraties per gemeente en jaar, de totalen per subregio '
            "en voor de regio, en waar dat kan het bereik: het aantal gedeeld door het verwachte aantal (geboorten × het "
            f"verwachte aandeel). Aantallen onder de {t} staan als &lt;{t}; een x is afgeschermd zodat niemand een klein "
            "aantal uit de totalen kan terugrekenen.</p></section>"
        )

    def programme_sections(self) -> list[HTML]:
        if self.shared is None or self.shared.empty:
            return [
                HTML(
                    str(Markup("<p>Er zijn geen programmaregistraties van {} ingelezen.</p>").format(self.region.name))
                )
            ]
        blocks = []
        order = [g.code for g in self.region.gemeenten] + [s.code for s in self.region.subregios] + [self.region.code]
        for programme in self.programmes.programmes:
            for measure in programme.measures:
                rows = self.shared[(self.shared["programme"] == programme.id) & (self.shared["measure"] == measure.id)]
                if rows.empty:
                    continue
                heading = str(Markup("<h2>{}: {}</h2>").format(programme.title, measure.title))
                parts = []
                wide = rows.pivot_table(
                    index=["area_code", "area_name"], columns="year", values="display_value", aggfunc="first"
                ).reset_index()
                wide["_order"] = wide["area_code"].map({c: i for i, c in enumerate(order)})
                wide = (
                    wide.sort_values("_order")
                    .drop(columns=["_order", "area_code"])
                    .rename(columns={"area_name": "Gebied"})
                )
                wide.columns = [str(c) for c in wide.columns]
                table = wide.fillna(fmt.MISSING)
                slug = f"{programme.id}-{measure.id}"
                parts.append(
                    table_html(table, caption=f"{measure.title} per gebied en jaar")
                    + f"<p>{download_link(table, f'programma-{slug}.csv', 'Download deze tabel (CSV)')}</p>"
                )
                if measure.reach:
                    parts.append(self.reach_chart(rows, programme.title, measure.title, measure.reach).data)
                # the heading stays in view on a phone; the table and chart open with a tap
                blocks.append(HTML(fold(heading, "".join(parts), "tb-programme")))
        return blocks

    def reach_chart(self, rows: pd.DataFrame, programme: str, measure: str, reach: dict) -> HTML:
        region_rows = rows[(rows["area_code"] == self.region.code)].sort_values("year")
        region_rows = region_rows[region_rows["suppressed"] == ""].dropna(subset=["value", "births"])
        if region_rows.empty:
            return HTML("")
        expected = region_rows["births"] * reach["expected_share"]
        fig = Figure()
        fig.add_trace(
            "bar",
            x=region_rows["year"],
            y=region_rows["value"],
            name=f"{measure} (geregistreerd)",
            marker=dict(color=COLOURS["gemeente"]),
            hovertext=[
                f"{int(y)}: {fmt.number(v, 0)} ({fmt.share(r)} van verwacht)"
                for y, v, r in zip(region_rows["year"], region_rows["value"], region_rows["reach"])
            ],
            hoverinfo="text",
        )
        fig.add_trace(
            "scatter",
            x=region_rows["year"],
            y=expected,
            mode="lines+markers",
            name=f"verwacht: {fmt.share(reach['expected_share'])} van de geboorten",
            line=dict(color=COLOURS["regio"], dash="dash", width=3),
            marker=dict(symbol="diamond", size=9),
            hovertext=[f"{int(y)}: verwacht {fmt.number(e, 0)}" for y, e in zip(region_rows["year"], expected)],
            hoverinfo="text",
        )
        last = region_rows.iloc[-1]
        title = (
            f"{programme} in {self.region.name}: {measure.lower()} in {int(last['year'])} "
            f"{fmt.share(last['reach'])} van het verwachte aantal"
        )
        fig = _layout(fig, title, "aantal")
        alt = (
            f"Staafdiagram van {measure.lower()} per jaar in {self.region.name} met een lijn voor het verwachte aantal "
            f"({fmt.share(reach['expected_share'])} van de geboorten). In {int(last['year'])}: {fmt.number(last['value'], 0)} "
            f"geregistreerd, {fmt.share(last['reach'])} van verwacht."
        )
        data = pd.DataFrame(
            {
                "Jaar": region_rows["year"].astype(int),
                "Geregistreerd": [fmt.number(v, 0) for v in region_rows["value"]],
                "Verwacht": [fmt.number(v, 0) for v in expected],
                "Bereik": [fmt.share(v) for v in region_rows["reach"]],
            }
        )
        return self.page.chart(fig, alt=alt, data=data)

    def sources(self) -> HTML:
        """Registrations and births as sources, with periods; disclosure control and reach in two sentences."""
        from trendbreuk.indicators.registrations import BIRTHS_CBS

        periods = {}
        if self.shared is not None and len(self.shared):
            periods["registraties"] = year_span(self.shared["year"].min(), self.shared["year"].max())
        used = set(self.shared["births_source"].replace("", None).dropna()) if self.shared is not None else set()
        births_from_cbs = BIRTHS_CBS in used
        births = self.processed.indicator_values.query("source == 'perined'")
        if len(births) and not births_from_cbs:
            periods["perined"] = year_span(births["year_start"].min(), births["year_end"].max())
        names = ("registraties", "cbs") if births_from_cbs else ("registraties", "perined")
        series = set(self.processed.info.get("births_tables", [])) if births_from_cbs else None
        births_text = (
            "de levend geborenen volgens CBS (Kerncijfers wijken en buurten)"
            if births_from_cbs
            else "het aantal geboorten volgens Perined"
        )
        return HTML(
            '<section class="tb-sources"><h2>Bronnen en methode</h2>'
            + demo_note(self.processed)
            + source_items(self.processed, periods, names=names, cbs_tables=series)
            + str(Markup("<p>{}</p>").format(indeling_note(self.processed.info, self.region)))
            + f"<p>Methode: het verwachte aantal is {births_text} maal het verwachte aandeel per "
            "programma; het bereik is het aantal registraties gedeeld door dat verwachte aantal. Aantallen van "
            "1 tot de drempel staan als &lt;10, en extra cellen (x) zijn afgeschermd tot geen verborgen aantal "
            f"uit de totalen is terug te rekenen (gecontroleerd door voor elke verborgen cel uit te rekenen welke waarden nog mogelijk zijn). {METHOD_LINK}</p>"
            + provenance_html(self.processed)
            + "</section>"
        )
