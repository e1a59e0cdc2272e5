"""Content of the wijkprofiel (notebooks/wijkprofiel.ipynb): one wijk, buurt or focus area (a Pluswijk) next to the
rest of its gemeente, its region and the rest of the Netherlands, across the years, with honest uncertainty; and the
"wijken" section of the gemeente factsheet.

Only what the sources publish for the area is shown (the catalogue's lowest_level): a wijk figure is never made from
a gemeente figure. Intervals include CBS's rounding; a series stops at a change of the wijk- en buurtindeling and a
new one starts (shown in the chart and the table); only the latest run is judged toward 2030.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from trendbreuk import formatting as fmt
from trendbreuk.charts import figure_gap, figure_trend
from trendbreuk.geography.areas import RegionsConfig
from trendbreuk.geography.boundaries import load_buurt_boundaries
from trendbreuk.geography.small_areas import level_of, wijk_of
from trendbreuk.indicators.catalogue import LIFE_PHASES, Indicator, judging
from trendbreuk.indicators.small_areas import (
    MOSTLY_ROUNDING,
    percentage_denominator_half,
    percentage_rounding,
    rounded_intervals,
    rounding_halves,
)
from trendbreuk.indicators.verdict import VERDICTS
from trendbreuk.processed import Processed, load_processed
from trendbreuk.reports.age import age_structure_html
from trendbreuk.reports.common import comparison_badge, finite, first_upper, header_html, sources_html, verdict_badge
from trendbreuk.reports.page import HTML, Page, fold, table_html
from trendbreuk.reports.sentences import insufficient_sentence, standing_sentence
from trendbreuk.reports.wijken import LEVEL_WORDS, ROUNDING_MARK, Place, area_map, locate


class WijkProfile:
    """All content of one wijk's, buurt's or focus area's profile."""

    def __init__(
        self,
        processed: Processed,
        regions: RegionsConfig,
        catalogue: dict[str, Indicator],
        place: Place,
        benchmark: str,
    ):
        self.processed, self.regions, self.catalogue, self.place = processed, regions, catalogue, place
        self.region = place.region
        self.benchmark = benchmark
        self.benchmark_name = "de rest van Nederland" if benchmark == "rest_nl" else regions.benchmarks[benchmark]
        self.page = Page()
        names = {g.code: g.name for g in self.region.gemeenten}
        self.gemeente_names = [names.get(c, c) for c in place.gemeenten]
        self.subregio = self.region.subregio_of(place.gemeenten[0])
        # a focus area across subregio's (rare) has no subregio to stand beside
        self.one_subregio = len({self.region.subregio_of(g).code for g in place.gemeenten}) == 1
        # the area's own rows (from the small-area tables, read for this area only)
        self.own_values = processed.small_areas("small_area_values", area_code=place.code)
        self.own_gaps = processed.small_areas("small_area_gaps", area_code=place.code, benchmark=benchmark)
        own = processed.small_areas("small_area_assessments", area_code=place.code, benchmark=benchmark)
        self.own = own.set_index("indicator")
        self._values: dict[str, pd.DataFrame] = {}
        self._rest: dict[str, pd.DataFrame] = {}

    @classmethod
    def load(cls, area: str, region: str = "", benchmark: str = "", dataset: str = "") -> WijkProfile:
        processed = load_processed(dataset or None)
        configuration = processed.configuration()
        regions, catalogue = configuration.regions, configuration.catalogue
        return cls(
            processed,
            regions,
            catalogue,
            locate(area, processed, regions, region or None),
            benchmark or regions.default_benchmark,
        )

    # data -------------------------------------------------------------------------------------------
    @property
    def gemeente_label(self) -> str:
        return " en ".join(self.gemeente_names)

    @property
    def indicators(self) -> list[Indicator]:
        """The indicators that have figures for this area (the catalogue's order)."""
        values = self.own_values
        present = set(values.loc[values["value"].notna(), "indicator"]) | set(self.own.index)
        return [i for i in judging(self.catalogue) if i.id in present]

    def values(self, indicator: Indicator) -> pd.DataFrame:
        """The indicator's values of the area, its gemeenten, the region and the benchmarks (made once per
        indicator: the table, the trend and the rest of the gemeente all use them)."""
        if indicator.id not in self._values:
            large = self.processed.rows("indicator_values", region=self.region.key, indicator=indicator.id)
            self._values[indicator.id] = pd.concat(
                [self.own_values[self.own_values["indicator"] == indicator.id], large], ignore_index=True
            )
        return self._values[indicator.id]

    def rest_series(self, indicator: Indicator) -> pd.DataFrame:
        """rest_of_gemeente for every period of the area's series, made once per indicator (it is row by row, so
        the table's latest period is a slice of it)."""
        if indicator.id not in self._rest:
            values = self.values(indicator)
            own = values[values["area_code"] == self.place.code].sort_values("year_start")
            self._rest[indicator.id] = self.rest_of_gemeente(indicator, own)
        return self._rest[indicator.id]

    def rest_of_gemeente(self, indicator: Indicator, own: pd.DataFrame) -> pd.DataFrame:
        """The rest of the area's gemeente(n) per period: the gemeenten's counts minus the area's, with an interval
        that includes both roundings. Empty for estimates (they cannot be subtracted)."""
        if indicator.statistic == "survey" or own.empty:
            return pd.DataFrame()
        values = self.values(indicator)
        gemeenten = values[values["area_code"].isin(self.place.gemeenten) & (values["area_level"] == "gemeente")]
        summed = gemeenten.groupby("period", as_index=False).agg(
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            year_start=("year_start", "first"),
            year_end=("year_end", "first"),
            present=("area_code", "nunique"),
        )
        summed = summed[summed["present"] == len(self.place.gemeenten)]
        rest = summed.merge(own[["period", "numerator", "denominator"]], on="period", suffixes=("", "_area"))
        rest["numerator"] = rest["numerator"] - rest["numerator_area"]
        rest["denominator"] = rest["denominator"] - rest["denominator_area"]
        rest = rest[(rest["denominator"] > 0) & (rest["numerator"] >= 0)]
        if rest.empty:
            return pd.DataFrame()
        members = max(len(self.place.members), 1) + len(self.place.gemeenten)
        numerator_half, denominator_half = rounding_halves(indicator, members)
        halves = percentage_rounding(indicator)
        if halves is not None:  # both denominators computed back from a rounded count and percentage
            h_n, h_p = halves
            denominator_half = percentage_denominator_half(
                rest["numerator"] + rest["numerator_area"],
                rest["denominator"] + rest["denominator_area"],
                h_n * len(self.place.gemeenten),
                h_p,
            ) + percentage_denominator_half(
                rest["numerator_area"], rest["denominator_area"], h_n * max(len(self.place.members), 1), h_p
            )
        out = rounded_intervals(rest.assign(indicator=indicator.id), indicator, numerator_half, denominator_half)
        return out.assign(area_code="rest_gemeente")

    # display blocks -----------------------------------------------------------------------------------
    def header(self) -> HTML:
        place = self.place
        where = (
            f"{first_upper(LEVEL_WORDS[place.level])} in {self.gemeente_label} (subregio {self.subregio.name})"
            f" · {place.code if place.level != 'focus' else f'{len(place.members)} ' + ('wijken' if level_of(place.members[0]) == 'wijk' else 'buurten')}"
            f" · vergeleken met {self.benchmark_name}"
        )
        return header_html(self.processed, f"Trendbreuk {self.region.name} · wijkprofiel", place.name, where)

    def headline(self) -> HTML:
        """In short: how many indicators have figures here, how many are clearly worse than the benchmark now, why
        the 2030 verdicts are what they are, and what a focus area is made of."""
        indicators = self.indicators
        own = self.own.reindex([i.id for i in indicators])
        now = own["comparison"].value_counts()
        waiting = own[own["verdict"] == "onvoldoende_gegevens"]
        titles = {i.id: i.title for i in indicators}
        parts = [
            fmt.sentence(
                f"Voor {self.place.name} zijn er cijfers over "
                f"{fmt.count(len(indicators), 'indicator', 'indicatoren')} (niet elke bron publiceert "
                "cijfers per wijk of buurt)"
            )
        ]
        if len(own):
            parts.append(
                standing_sentence(self.place.name, self.benchmark_name, now, len(own), "indicator", "indicatoren")
            )
        named = []
        for key, label in VERDICTS.items():
            which = [titles[i] for i in own.index[own["verdict"] == key]]
            if which and key != "onvoldoende_gegevens":
                named.append(Markup("<li><strong>{}:</strong> {}.</li>").format(first_upper(label), fmt.join(which)))
        reasons: dict[str, list[str]] = {}  # indicators with the same reason are named together, the reason once
        for indicator_id, row in waiting.iterrows():
            reasons.setdefault(
                insufficient_sentence(
                    row,
                    self.catalogue[indicator_id],
                    self.place.name,
                    self.benchmark_name,
                    self.regions.target_year,
                    "de gemeente en de regio",
                ),
                [],
            ).append(titles[indicator_id])
        for reason, which in reasons.items():
            listed = fmt.join([which[0]] + [w[:1].lower() + w[1:] for w in which[1:]])
            named.append(
                Markup("<li><strong>{}:</strong> nog geen oordeel over {} mogelijk. {}</li>").format(
                    listed, self.regions.target_year, reason
                )
            )
        verdicts = (
            Markup('<p>Oordeel per indicator voor {}:</p><ul class="tb-named">{}</ul>').format(
                self.regions.target_year, Markup("").join(named)
            )
            if named
            else ""
        )
        members = ""
        if self.place.level == "focus":
            names = self.processed.small_area_names().set_index("area_code")["area_name"]
            members = Markup(
                '<p class="tb-note">{} Bestaat uit: {}. De cijfers zijn de som van deze gebieden, alleen '
                "in jaren waarin ze er allemaal zijn.</p>"
            ).format(self.place.note, ", ".join(f"{names.get(c, c)} ({c})" for c in self.place.members))
        return HTML(
            str(
                Markup(
                    '<section class="tb-headline"><h2>In het kort</h2><p class="tb-lead">{}</p>{}{}{}</section>'
                ).format(parts[0], Markup("").join(Markup("<p>{}</p>").format(p) for p in parts[1:]), verdicts, members)
            )
        )

    def comparison_table(self) -> HTML:
        """Per indicator its latest value with the 95% interval, beside the rest of its gemeente, its subregio, the
        region and the benchmark, the comparison now and the verdict for 2030."""
        rows, rounded = [], False
        rest_label = f"Rest van {self.gemeente_label}"
        for indicator in sorted(self.indicators, key=lambda i: LIFE_PHASES.index(i.life_phase)):
            values = self.values(indicator)
            own = values[(values["area_code"] == self.place.code)].sort_values("year_end")
            latest = own.dropna(subset=["value"]).tail(1)
            unit, d = indicator.unit, indicator.decimals
            if latest.empty:
                continue
            last = latest.iloc[0]
            mark = ""
            if finite(last.get("rounding_share")) and last["rounding_share"] > MOSTLY_ROUNDING:
                mark, rounded = f" {ROUNDING_MARK}", True
            same = values[values["period"] == last["period"]].set_index("area_code")
            rest = self.rest_series(indicator)
            rest = rest[rest["period"] == last["period"]] if not rest.empty else rest

            def shown(frame, code=None):
                if code is not None:
                    frame = frame.loc[[code]] if code in frame.index else frame.iloc[0:0]
                if frame.empty or not finite(frame["value"].iloc[0]):
                    return fmt.MISSING
                return fmt.value_with_unit(frame["value"].iloc[0], unit, d)

            a = self.own.loc[indicator.id] if indicator.id in self.own.index else None
            rows.append(
                {
                    "Levensfase": indicator.life_phase,
                    "Indicator": f"{indicator.title} ({last['period']})",
                    self.place.name: f"{fmt.value_with_unit(last['value'], unit, d)}{mark}",
                    "Marge": f"{fmt.number(last['lower_ci'], d)} – {fmt.number(last['upper_ci'], d)}",
                    rest_label: shown(rest),
                    **({self.subregio.name: shown(same, self.subregio.code)} if self.one_subregio else {}),
                    self.region.name: shown(same, self.region.code),
                    first_upper(self.benchmark_name): shown(same, self.benchmark),
                    "Nu": comparison_badge(a["comparison"]) if a is not None else fmt.MISSING,
                    f"Oordeel {self.regions.target_year}": verdict_badge(a["verdict"], a["verdict_label"])
                    if a is not None
                    else fmt.MISSING,
                }
            )
        if not rows:
            return HTML("<p>Voor dit gebied zijn er geen cijfers.</p>")
        table = table_html(
            pd.DataFrame(rows),
            caption=f"{self.place.name}: laatste cijfers met 95%-marge, naast de rest "
            f"van de gemeente, {'de subregio, ' if self.one_subregio else ''}"
            f"de regio en {self.benchmark_name}",
            raw_columns=("Nu", f"Oordeel {self.regions.target_year}"),
            group_column="Levensfase",
        )
        note = (
            "Marges bevatten ook de afronding van CBS (uitkeringen op tientallen, inwoners en jongeren met "
            "jeugdzorg op vijftallen; bij jeugdzorg is het aantal jongeren teruggerekend uit aantal en percentage)."
            + (f" {ROUNDING_MARK} De marge komt vooral door die afronding: het aantal is klein." if rounded else "")
            + f" Nu: ▲ duidelijk slechter of ▼ duidelijk beter dan {self.benchmark_name}."
        )
        return HTML(
            str(
                Markup(
                    '<section class="tb-summary"><h2>Waar staat {}?</h2>{}<p class="tb-note">{}</p></section>'
                ).format(self.place.name, Markup(table), note)
            )
        )

    def age_structure(self) -> HTML:
        """Leeftijdsopbouw: the share of each age band (KWB) among the inhabitants of the area in the newest year,
        beside the rest of its gemeente(n), its subregio, the region and the benchmark, with the range that CBS's
        rounding of the counts to fives leaves for the area (bands and total rounded independently: the extremes of
        the share)."""
        ages = self.processed.age_groups
        own = ages[ages["area_code"] == self.place.code] if ages is not None else pd.DataFrame()
        if own.empty:
            return HTML("")
        year = int(own["year"].iloc[0])
        same_year = ages[ages["year"] == year]

        def counts(codes) -> pd.Series | None:
            part = same_year[same_year["area_code"].isin(list(codes))]
            if part["area_code"].nunique() != len(set(codes)):
                return None
            return part.groupby("age_from")["inhabitants"].sum()

        area = own.groupby("age_from")["inhabitants"].sum()
        gemeenten = counts(self.place.gemeenten)
        region = counts([g.code for g in self.region.gemeenten])
        nederland = counts(["NL01"])
        columns = {
            self.place.name: area,
            f"Rest van {self.gemeente_label}": gemeenten - area if gemeenten is not None else None,
            **({self.subregio.name: counts([g.code for g in self.subregio.gemeenten])} if self.one_subregio else {}),
            self.region.name: region,
            first_upper(self.benchmark_name): (
                nederland - region
                if self.benchmark == "rest_nl" and nederland is not None and region is not None
                else nederland
            ),
        }
        return HTML(
            age_structure_html(
                own,
                columns,
                self.place.name,
                rest=(f"Rest van {self.gemeente_label}", f"de rest van {self.gemeente_label}"),
                benchmark=(first_upper(self.benchmark_name), self.benchmark_name),
            )
        )

    def members_table(self) -> HTML:
        """The buurten of a wijk, or the wijken or buurten of a focus area, with their latest values."""
        if self.place.level == "buurt":
            return HTML("")
        if self.place.level == "focus":
            codes, word = list(self.place.members), "gebieden"
        else:
            names = self.processed.small_area_names()
            codes, word = (
                sorted(
                    c
                    for c in names.loc[names["gemeente_code"] == self.place.gemeenten[0], "area_code"]
                    if c.startswith("BU" + self.place.code[2:])
                ),
                "buurten",
            )
        if not codes:
            return HTML("")
        members = self.processed.small_areas("small_area_values", area_code=codes)
        rows = []
        chosen = [i for i in self.indicators if i.statistic != "survey"] or self.indicators
        for indicator in chosen:
            part = members[members["indicator"] == indicator.id]
            if part.empty:
                continue
            last = part[part["year_end"] == part["year_end"].max()]
            for r in last.itertuples():
                mark = f" {ROUNDING_MARK}" if finite(r.rounding_share) and r.rounding_share > MOSTLY_ROUNDING else ""
                shown = (
                    fmt.value_with_unit(r.value, indicator.unit, indicator.decimals) + mark
                    if finite(r.value)
                    else f"{fmt.MISSING} ({r.missing_reason})"
                    if r.missing_reason
                    else fmt.MISSING
                )
                rows.append(
                    {
                        "code": r.area_code,
                        "Gebied": r.area_name,
                        "indicator": f"{indicator.title} ({r.period})",
                        "waarde": shown,
                    }
                )
        if not rows:
            return HTML("")
        frame = (
            pd.DataFrame(rows)
            .pivot_table(index=["code", "Gebied"], columns="indicator", values="waarde", aggfunc="first")
            .reset_index()
            .drop(columns="code")
        )
        frame.columns.name = None
        return HTML(
            str(Markup("<section><h2>De {} van {}</h2>").format(word, self.place.name))
            + table_html(
                frame.fillna(fmt.MISSING),
                caption=f"Laatste cijfers per gebied ({ROUNDING_MARK}: marge vooral afronding)",
            )
            + "</section>"
        )

    def indicator_sections(self) -> list[HTML]:
        """Per indicator with figures: the trend (area, rest of its gemeente, region, benchmark; breaks at indeling
        changes), and the gap with the target path where the latest run has a baseline."""
        blocks = []
        for indicator in sorted(self.indicators, key=lambda i: LIFE_PHASES.index(i.life_phase)):
            blocks += self.indicator_section(indicator)
        return blocks

    def indicator_section(self, indicator: Indicator) -> list[HTML]:
        unit, d = indicator.unit, indicator.decimals
        values = self.values(indicator)
        own = values[values["area_code"] == self.place.code].sort_values("year_start")
        if own["value"].notna().sum() == 0:
            return []
        rest = self.rest_series(indicator)
        rest_label = f"rest van {self.gemeente_label}"
        shown = pd.concat(
            [
                own,
                rest.assign(area_name=rest_label) if not rest.empty else rest,
                values[values["area_code"].isin([self.region.code, self.benchmark])],
            ],
            ignore_index=True,
        )
        series = [
            (self.place.code, self.place.name, "gemeente"),
            ("rest_gemeente", rest_label, "subregio"),
            (self.region.code, self.region.name, "regio"),
            (self.benchmark, first_upper(self.benchmark_name), "benchmark"),
        ]
        breaks = own.loc[own["series_break"].astype(bool), "year_start"].astype(float).tolist()
        a = self.own.loc[indicator.id] if indicator.id in self.own.index else None
        last = own.dropna(subset=["value"]).iloc[-1]
        title = (
            f"{indicator.title} in {self.place.name}: {fmt.value_with_unit(last['value'], unit, d)} in {last['period']}"
            + (
                f" tegen {fmt.value_with_unit(a['benchmark_value'], unit, d)} in {self.benchmark_name}"
                if a is not None and finite(a.get("benchmark_value"))
                else ""
            )
        )
        sentence = self._sentence(indicator, own, a, breaks)
        names = {code: label for code, label, _ in series}
        ordered = shown[shown["area_code"].isin(names)].assign(Gebied=lambda f: f["area_code"].map(names))
        ordered = ordered.sort_values(["area_code", "year_start"])
        data = pd.DataFrame(
            {
                "Gebied": ordered["Gebied"],
                "Periode": ordered["period"],
                "Waarde": [fmt.value_with_unit(v, unit, d) if finite(v) else fmt.MISSING for v in ordered["value"]],
                "Marge van": [
                    fmt.value_with_unit(v, unit, d) if finite(v) else fmt.MISSING for v in ordered["lower_ci"]
                ],
                "tot": [fmt.value_with_unit(v, unit, d) if finite(v) else fmt.MISSING for v in ordered["upper_ci"]],
                "Nieuwe reeks (indeling gewijzigd)": [
                    "ja" if b is True else ""
                    for b in ordered.get("series_break", pd.Series(False, index=ordered.index))
                ],
            }
        )
        alt = (
            f"Lijngrafiek van {indicator.title.lower()} per jaar voor {self.place.name}, de {rest_label}, "
            f"{self.region.name} en {self.benchmark_name}, met de 95%-marge van {self.place.name}. {sentence}"
        )
        badges = (
            Markup(" {} {}").format(
                Markup(comparison_badge(a["comparison"])), Markup(verdict_badge(a["verdict"], a["verdict_label"]))
            )
            if a is not None
            else ""
        )
        heading = str(Markup("<h3>{}{}</h3>").format(indicator.title, badges))
        blocks = [
            HTML(
                str(
                    Markup('<p class="tb-definition">{}</p><p class="tb-message">{}</p>').format(
                        indicator.definition, sentence
                    )
                )
            ),
            self.page.chart(
                figure_trend(shown, series, title=title, unit=unit, decimals=d, breaks=breaks),
                alt=alt,
                data=data,
                name=f"{self.place.code}-{indicator.id}-trend".lower(),
            ),
        ]
        gaps = self.own_gaps[self.own_gaps["indicator"] == indicator.id].sort_values("year_start")
        if a is not None and not gaps.empty and finite(a.get("baseline_gap")):
            fig = figure_gap(
                gaps,
                title=f"{indicator.title} in {self.place.name}: achterstand op {self.benchmark_name}; "
                f"oordeel {a['verdict_label']}",
                unit=unit,
                area_label=self.place.name,
                benchmark_label=self.benchmark_name,
                target_year=self.regions.target_year,
                share=self.regions.target_share_closed,
                decimals=d,
            )
            table = pd.DataFrame(
                {
                    "Periode": gaps["period"],
                    "Achterstand": [fmt.difference(v, unit, d) for v in gaps["gap"]],
                    "Marge van": [fmt.number(v, d) for v in gaps["gap_lower"]],
                    "tot": [fmt.number(v, d) for v in gaps["gap_upper"]],
                }
            )
            path = " en het doelpad" if a["baseline_gap"] > 0 else ""
            blocks.append(
                self.page.chart(
                    fig,
                    alt=f"Grafiek van de achterstand van {self.place.name} per jaar met marge{path}. {sentence}",
                    data=table,
                    name=f"{self.place.code}-{indicator.id}-achterstand".lower(),
                )
            )
        return [HTML(fold(heading, "".join(block.data for block in blocks)))]

    def _sentence(self, indicator: Indicator, own: pd.DataFrame, a, breaks: list[float]) -> str:
        last = own.dropna(subset=["value"]).iloc[-1]
        unit, d = indicator.unit, indicator.decimals
        text = (
            f"In {last['period']}: {fmt.value_with_unit(last['value'], unit, d)} (marge "
            f"{fmt.value_with_unit(last['lower_ci'], unit, d)} tot {fmt.value_with_unit(last['upper_ci'], unit, d)})."
        )
        if finite(last.get("rounding_share")) and last["rounding_share"] > MOSTLY_ROUNDING:
            text += (
                f" De marge komt voor {fmt.share(last['rounding_share'])} door de afronding van CBS: het aantal "
                "is klein, lees het als een orde van grootte."
            )
        if breaks:
            text += (
                f" De wijk- en buurtindeling veranderde in {', '.join(str(int(b)) for b in breaks)}: daar begint een "
                "nieuwe reeks, die niet met de oude te vergelijken is; alleen de laatste reeks telt voor het oordeel."
            )
        if a is not None and a["verdict"] == "onvoldoende_gegevens":
            text += f" Een oordeel voor {self.regions.target_year} is nog niet mogelijk. " + insufficient_sentence(
                a, indicator, self.place.name, self.benchmark_name, self.regions.target_year, "de gemeente en de regio"
            )
        elif a is not None:
            text += f" Oordeel voor {self.regions.target_year}: {a['verdict_label']} ({a['verdict_reason']})."
        return text

    def buurten_map(self) -> HTML:
        """A map of the buurten around the area (a wijk's buurten; a buurt among the buurten of its wijk; a focus
        area's buurten or the buurten of its wijken), coloured by the first indicator with buurt figures in its
        latest year (target indicators first): the real wijk- en buurtkaart when fetched, else a schematic that says
        so."""
        wijken = sorted({wijk_of(c) for c in (self.place.members or (self.place.code,))})
        names = self.processed.small_area_names()
        codes = sorted(c for c in names.loc[names["area_level"] == "buurt", "area_code"] if wijk_of(c) in wijken)
        if len(codes) < 2 and self.place.level != "buurt":
            return HTML("")
        highlight = tuple(
            c
            for c in codes
            if c == self.place.code or c in self.place.members or wijk_of(c) in {self.place.code, *self.place.members}
        )
        buurten = self.processed.small_areas("small_area_values", area_code=codes)
        # a target indicator first (as in the factsheet's wijken), counts before survey estimates, else catalogue order
        chosen = sorted(self.indicators, key=lambda i: (not i.target_basket, i.statistic == "survey"))
        for indicator in chosen:
            part = buurten[buurten["indicator"] == indicator.id]
            part = part[part["year_end"] == part["year_end"].max()] if not part.empty else part
            if part["value"].notna().any():
                break
        else:
            return HTML("")
        year = int(part["year_end"].max())
        block = area_map(
            self.page,
            part,
            indicator,
            load_buurt_boundaries(self.place.gemeenten, year),
            word="buurt",
            highlight=highlight,
            highlight_name=self.place.name,
            name=f"{self.place.code}-buurten-kaart",
        )
        return HTML(f'<section class="tb-map"><h2>Kaart van de buurten</h2>{block}</section>')

    def sources(self) -> HTML:
        return sources_html(self.processed, self.region, self.regions, self.benchmark_name, self.indicators)
