"""Exploring in Jupyter: one entry point, `trendbreuk.open()`, and a researcher's questions as short calls.

    import trendbreuk
    wb = trendbreuk.open()                              # the default dataset and region of the configuration
    wb.series("bijstand", ["Heerlen", "Kerkrade"])      # values per year, with their 95% interval
    wb.chart("bijstand", ["Heerlen", "Kerkrade"])       # the same as a chart, one colour and marker per area

Every table of docs/tabellen.md is an attribute under the same name, filtered to the region (`wb.all` holds the
unfiltered tables); `wb.indicators` is the catalogue with search; the question methods return tidy pandas DataFrames
(`polars=True` for polars, `dutch=True` for Dutch column names) whose repr says what they hold. An unknown indicator or
area name says which names come closest. What the questions return is in explore/results.py (Result, Catalogue) and
explore/breaks.py (TrendBreak).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from markupsafe import Markup

from trendbreuk import formatting as fmt
from trendbreuk.explore.breaks import TrendBreak
from trendbreuk.explore.results import AllTables, Catalogue, NotFound, as_result, closest_name
from trendbreuk.geography.areas import Region, RegionsConfig, name_key
from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.processed import Processed, load_processed


class Workbook:
    """The processed tables of one dataset and region, with the everyday questions as methods. Make one with
    `trendbreuk.open()`; see the module docstring and the README section "Verkennen in Jupyter"."""

    def __init__(self, processed: Processed, regions: RegionsConfig, catalogue: dict[str, Indicator], region: Region):
        self.processed, self.regions, self.region = processed, regions, region
        self.indicators = Catalogue(catalogue)
        self.all = AllTables(processed)

    # --- the tables of docs/tabellen.md, filtered to the region ---------------------------------------------------

    def _table(self, name: str) -> pd.DataFrame:
        frame = getattr(self.processed, name, None)
        if frame is None:
            raise NotFound(
                f"tabel {name} staat niet in deze build ({self.processed.folder}); "
                + (
                    "bewaar eerst een editie (trendbreuk edition save NAAM) en bouw opnieuw"
                    if name == "changes"
                    else "bouw opnieuw met `trendbreuk build`"
                )
            )
        if "region" in frame.columns:
            frame = frame[frame["region"] == self.region.key]
        return frame.reset_index(drop=True)

    @property
    def indicator_values(self) -> pd.DataFrame:
        """Value with 95% interval per indicator, area and period (docs/tabellen.md)."""
        return self._table("indicator_values")

    values = indicator_values

    @property
    def gaps(self) -> pd.DataFrame:
        """The gap with the benchmark per indicator, area, benchmark and period, with the target path."""
        return self._table("gaps")

    @property
    def assessments(self) -> pd.DataFrame:
        """Per indicator, area and benchmark: the standing now, the gap at the start and now, the verdict for 2030."""
        return self._table("assessments")

    @property
    def basket_summary(self) -> pd.DataFrame:
        """Verdict counts per area and life phase over the target basket."""
        return self._table("basket_summary")

    @property
    def age_strata(self) -> pd.DataFrame:
        """Estimates per age group behind the age-standardised variants."""
        return self._table("age_strata")

    @property
    def age_shares(self) -> pd.DataFrame:
        """The age groups' shares of the population, observed and projected."""
        return self._table("age_shares")

    @property
    def age_groups(self) -> pd.DataFrame:
        """Inhabitants per KWB age band of wijken, buurten, gemeenten and Nederland."""
        return self._table("age_groups")

    @property
    def changes(self) -> pd.DataFrame:
        """What changed since the last saved edition, and why (only after `trendbreuk edition save`)."""
        return self._table("changes")

    @property
    def registrations_shared(self) -> pd.DataFrame:
        """Programme registrations after disclosure control (what reports show)."""
        return self._table("registrations_shared")

    @property
    def population(self) -> pd.DataFrame:
        """Inhabitants on 1 January per CBS region code and period (03759ned)."""
        return self.processed.population

    def _small(self, table: str, **where) -> pd.DataFrame:
        frame = self.processed.small_areas(table, **where)
        return frame[frame["region"] == self.region.key].reset_index(drop=True) if "region" in frame else frame

    @property
    def small_area_values(self) -> pd.DataFrame:
        """Values of wijken, buurten and focus areas (read from disk: filter with wb.wijk(...) for one area)."""
        return self._small("small_area_values")

    @property
    def small_area_gaps(self) -> pd.DataFrame:
        """Gaps of wijken, buurten and focus areas."""
        return self._small("small_area_gaps")

    @property
    def small_area_assessments(self) -> pd.DataFrame:
        """Standings and verdicts of wijken, buurten and focus areas."""
        return self._small("small_area_assessments")

    @property
    def areas(self) -> pd.DataFrame:
        """The region's areas: the region, its subregio's and gemeenten, with the benchmarks."""
        rows = [{"code": self.region.code, "naam": self.region.name, "niveau": "regio", "subregio": ""}]
        for s in self.region.subregios:
            rows.append({"code": s.code, "naam": s.name, "niveau": "subregio", "subregio": s.name})
            rows += [{"code": g.code, "naam": g.name, "niveau": "gemeente", "subregio": s.name} for g in s.gemeenten]
        rows += [
            {"code": "rest_nl", "naam": "Rest van Nederland", "niveau": "vergelijking", "subregio": ""},
            {"code": "NL01", "naam": "Nederland", "niveau": "vergelijking", "subregio": ""},
        ]
        return pd.DataFrame(rows)

    # --- names ----------------------------------------------------------------------------------------------------

    def area_code(self, name: str) -> str:
        """The code of an area named by code or name: a gemeente, subregio, the region, 'Nederland' (NL01), 'rest van
        Nederland' (rest_nl), or a wijk, buurt or focus area of the region."""
        areas = self.areas
        for column in ("code", "naam"):
            hit = areas[areas[column].map(name_key) == name_key(name)]
            if len(hit):
                return str(hit["code"].iloc[0])
        small = self.processed.small_area_names()
        small = small[small["region"] == self.region.key] if "region" in small else small
        hit = small[
            (small["area_code"].str.upper() == name.strip().upper())
            | (small["area_name"].map(name_key) == name_key(name))
        ]
        if len(hit):
            return str(hit["area_code"].iloc[0])
        names = list(areas["naam"]) + list(small["area_name"])
        raise NotFound(f"onbekend gebied '{name}' in {self.region.name}{closest_name(name, names)}")

    def _codes(self, areas) -> list[str]:
        if areas is None:
            return [g.code for g in self.region.gemeenten]
        return [self.area_code(a) for a in ([areas] if isinstance(areas, str) else areas)]

    def _values_of(self, indicator: str, codes: list[str]) -> pd.DataFrame:
        small = [c for c in codes if c[:2] in ("WK", "BU", "FA")]
        parts = [self.indicator_values]
        if small:
            parts.append(self._small("small_area_values", area_code=small))
        values = pd.concat(parts, ignore_index=True)
        return values[(values["indicator"] == indicator) & values["area_code"].isin(codes)]

    # --- questions ------------------------------------------------------------------------------------------------

    def series(self, indicator: str, areas=None, *, benchmark: bool = True, dutch: bool = False, polars: bool = False):
        """The values of an indicator for some areas (names or codes; default: every gemeente of the region) over the
        years, with the 95% interval; with `benchmark`, the rest of the Netherlands too."""
        ind = self.indicators[indicator]
        codes = self._codes(areas) + (["rest_nl"] if benchmark else [])
        rows = self._values_of(ind.id, codes)
        out = (
            rows[["area_code", "area_name", "period", "year_start", "year_end", "value", "lower_ci", "upper_ci"]]
            .assign(unit=ind.unit)
            .sort_values(["area_code", "year_start"])
        )
        return as_result(
            out,
            f"{ind.title} ({ind.unit}) per periode, {len(set(out['area_code']))} gebieden, met 95%-marge",
            dutch=dutch,
            polars=polars,
        )

    def gap(
        self, indicator: str, area=None, *, benchmark: str | None = None, dutch: bool = False, polars: bool = False
    ):
        """The gap of an area (default: the region) with the benchmark per period, with its interval, the target
        path and the share of the start gap closed (positive gap = behind)."""
        ind = self.indicators[indicator]
        rows, name, bench = self._gap_rows(ind, area, benchmark)
        out = rows[
            [
                "area_code",
                "area_name",
                "period",
                "year_start",
                "year_end",
                "gap",
                "gap_lower",
                "gap_upper",
                "target_gap",
                "share_closed",
            ]
        ].sort_values("year_start")
        return as_result(
            out,
            f"{ind.title}: achterstand van {name} op {self._benchmark_name(bench)} "
            f"({fmt.gap_unit(ind.unit)}), doelpad en deel ingelopen",
            dutch=dutch,
            polars=polars,
        )

    def ranking(self, indicator: str, level: str = "gemeente", *, dutch: bool = False, polars: bool = False):
        """The region's gemeenten (or subregio's) on an indicator in its latest period, least favourable first, with
        the standing against the benchmark and the verdict for 2030."""
        ind = self.indicators[indicator]
        a = self.assessments
        rows = a[
            (a["indicator"] == ind.id) & (a["area_level"] == level) & (a["benchmark"] == self.regions.default_benchmark)
        ]
        rows = rows.sort_values("value", ascending=ind.higher_is_better, na_position="last")
        out = rows[
            [
                "area_code",
                "area_name",
                "latest_period",
                "value",
                "lower_ci",
                "upper_ci",
                "benchmark_value",
                "comparison",
                "verdict_label",
            ]
        ].assign(rank=range(1, len(rows) + 1))
        return as_result(out, f"{ind.title} per {level}, ongunstigste eerst (plaats 1)", dutch=dutch, polars=polars)

    def furthest_behind(self, level: str = "gemeente", *, dutch: bool = False, polars: bool = False):
        """Per area: on how many target indicators (one definition each) it is clearly worse than the benchmark now,
        most first."""
        a = self.assessments
        basket = set(self.indicators.basket["id"])
        rows = a[
            a["indicator"].isin(basket)
            & (a["area_level"] == level)
            & (a["benchmark"] == self.regions.default_benchmark)
        ]
        out = (
            rows.assign(worse=rows["comparison"] == "slechter", judged=rows["comparison"] != "niet_te_beoordelen")
            .groupby(["area_code", "area_name"], as_index=False)[["worse", "judged"]]
            .sum()
            .rename(columns={"worse": "duidelijk_slechter", "judged": "beoordeeld"})
            .sort_values("duidelijk_slechter", ascending=False)
        )
        return as_result(
            out,
            f"Per {level}: doelindicatoren duidelijk slechter dan "
            f"{self._benchmark_name(self.regions.default_benchmark)}",
            dutch=dutch,
            polars=polars,
        )

    def compare(self, indicator: str, areas, *, dutch: bool = False, polars: bool = False):
        """Areas side by side (one column each) per period; name the benchmark ('rest van Nederland') as an area to
        put it beside them."""
        ind = self.indicators[indicator]
        codes = self._codes(areas)
        rows = self._values_of(ind.id, codes)
        out = rows.pivot_table(index="period", columns="area_name", values="value", aggfunc="first").reset_index()
        out.columns.name = None
        return as_result(out, f"{ind.title} ({ind.unit}) naast elkaar per periode", dutch=dutch, polars=polars)

    def verdicts(self, area=None, *, dutch: bool = False, polars: bool = False):
        """The target indicators of an area (default: the region): standing now, gap at the start and now, share
        closed, verdict for 2030 and on what it rests."""
        code = self.area_code(area) if area else self.region.code
        a = self.assessments
        basket = set(self.indicators.basket["id"])
        rows = a[
            (a["area_code"] == code) & a["indicator"].isin(basket) & (a["benchmark"] == self.regions.default_benchmark)
        ]
        out = rows[
            [
                "indicator",
                "latest_period",
                "value",
                "benchmark_value",
                "comparison",
                "baseline_gap",
                "latest_gap",
                "share_closed",
                "verdict_label",
                "verdict_reason",
            ]
        ]
        out = out.assign(title=out["indicator"].map(lambda i: self.indicators.indicators[i].title))
        name = rows["area_name"].iloc[0] if len(rows) else code
        return as_result(
            out, f"{name}: oordeel voor {self.regions.target_year} per doelindicator", dutch=dutch, polars=polars
        )

    def wijk(self, area: str, *, dutch: bool = False, polars: bool = False):
        """A wijk, buurt or focus area beside its gemeente: the latest value of every indicator with figures for it."""
        code = self.area_code(area)
        own = self._small("small_area_values", area_code=code).dropna(subset=["value"])
        if own.empty:
            raise NotFound(
                f"'{area}' heeft geen cijfers in deze build (wijken en buurten komen uit de Kerncijfers "
                "wijken en buurten: `trendbreuk fetch cbs`)"
            )
        gemeente = str(own["gemeente_code"].iloc[0])
        latest = own.sort_values("year_end").groupby("indicator").tail(1)
        values = self.indicator_values
        rows = []
        for row in latest.itertuples():
            same = values[
                (values["indicator"] == row.indicator)
                & (values["area_code"] == gemeente)
                & (values["period"] == row.period)
            ]
            rows.append(
                {
                    "indicator": row.indicator,
                    "title": self.indicators.indicators[row.indicator].title,
                    "period": row.period,
                    "value": row.value,
                    "lower_ci": row.lower_ci,
                    "upper_ci": row.upper_ci,
                    "gemeente_value": same["value"].iloc[0] if len(same) else float("nan"),
                }
            )
        name = own["area_name"].iloc[0]
        return as_result(
            pd.DataFrame(rows),
            f"{name} ({code}) naast zijn gemeente {gemeente}: laatste cijfers",
            dutch=dutch,
            polars=polars,
        )

    def age(self, indicator: str, area=None, *, dutch: bool = False, polars: bool = False):
        """An indicator as measured (crude) beside its second definitions that take age into account, for an area
        (default: the region), in each definition's latest period."""
        ind = self.indicators[indicator]
        versions = [ind.id, *getattr(ind, "variants", ())]
        code = self.area_code(area) if area else self.region.code
        values = self.indicator_values
        rows = values[values["indicator"].isin(versions) & (values["area_code"] == code)]
        rows = rows.sort_values("year_end").groupby("indicator").tail(1)
        out = rows[["indicator", "period", "value", "lower_ci", "upper_ci"]].assign(
            label=rows["indicator"].map(lambda i: self.indicators.indicators[i].title)
        )
        return as_result(out, f"{ind.title}: zoals gemeten en met leeftijd meegenomen", dutch=dutch, polars=polars)

    def _gap_rows(self, indicator: Indicator, area, benchmark: str | None) -> tuple[pd.DataFrame, str, str]:
        """An area's gap rows for one indicator and benchmark (wijken, buurten and focus areas from their own
        table), the area's name (its code when there are none) and the benchmark."""
        code = self.area_code(area) if area else self.region.code
        bench = benchmark or self.regions.default_benchmark
        gaps = self._small("small_area_gaps", area_code=code) if code[:2] in ("WK", "BU", "FA") else self.gaps
        rows = gaps[(gaps["indicator"] == indicator.id) & (gaps["area_code"] == code) & (gaps["benchmark"] == bench)]
        return rows, rows["area_name"].iloc[0] if len(rows) else code, bench

    def trend_break(
        self,
        indicator: str,
        area=None,
        *,
        start: int | None = None,
        benchmark: str | None = None,
        of: str = "achterstand",
        before: int = 4,
        after: int = 4,
    ) -> TrendBreak:
        """Is the trend breaking? The interrupted time series of an area's gap (default: the region) around `start`
        (default: the programme's start, 2018): the course before and since, the category the reports give, the
        estimates as a table and the chart (indicators.segmented; docs/methode.md). `of="waarde"`: the area's own
        value instead of its gap (counts as quasi-Poisson, whose slopes are changes of the log rate a year)."""
        from trendbreuk.indicators.segmented import gap_break, value_break

        ind = self.indicators[indicator]
        if of not in ("achterstand", "waarde"):
            raise ValueError(
                f"of must be 'achterstand' (the gap with the benchmark) or 'waarde' (the area's own value), not {of!r}"
            )
        if of == "waarde":
            code = self.area_code(area) if area else self.region.code
            rows = self._values_of(ind.id, [code])
            if rows.empty:
                raise NotFound(f"no values of {ind.id} for {area or code}")
            result = value_break(rows, ind, start=start, min_before=before, min_after=after)
            return TrendBreak(ind, result.pop("points"), result, rows["area_name"].iloc[0], "", of)
        rows, name, bench = self._gap_rows(ind, area, benchmark)
        if rows.empty:
            raise NotFound(f"no gaps of {ind.id} for {area or self.region.name} against {bench}")
        result = gap_break(rows, ind, start=start, min_before=before, min_after=after)
        return TrendBreak(ind, rows, result, name, self._benchmark_name(bench))

    def trend_breaks(
        self,
        area=None,
        *,
        start: int | None = None,
        benchmark: str | None = None,
        dutch: bool = False,
        polars: bool = False,
    ):
        """The trend-break category of every indicator for one area (default: every gemeente, subregio and the
        region), with the slopes before and since the start and the change with its interval."""
        from trendbreuk.indicators.segmented import gap_breaks

        bench = benchmark or self.regions.default_benchmark
        gaps = self.gaps[self.gaps["benchmark"] == bench]
        if area:
            gaps = gaps[gaps["area_code"] == self.area_code(area)]
        table = gap_breaks(gaps, self.indicators.indicators, start=start)
        columns = [
            "indicator",
            "area_code",
            "area_name",
            "category",
            "start",
            "points_before",
            "points_after",
            "slope",
            "slope_after",
            "slope_change",
            "slope_change_lower",
            "slope_change_upper",
            "level_change",
            "level_change_lower",
            "level_change_upper",
            "known_in",
        ]
        return as_result(
            table[[c for c in columns if c in table.columns]],
            f"Trendbreuk per indicator en gebied (achterstand op {self._benchmark_name(bench)}, per jaar)",
            dutch=dutch,
            polars=polars,
        )

    def chart(self, indicator: str, areas=None, *, benchmark: bool = True):
        """A trend chart of an indicator for any set of areas: each area its own colour-blind-safe colour and
        marker, with a legend, in the reports' house style (a plotly figure; `.to_plotly()` for plotly's objects)."""
        from trendbreuk.charts.trend import figure_areas

        ind = self.indicators[indicator]
        data = self.series(ind.id, areas, benchmark=benchmark)
        labels = dict(zip(data["area_code"], data["area_name"]))
        if benchmark:
            labels["rest_nl"] = "Rest van Nederland"
        return figure_areas(
            pd.DataFrame(data),
            labels,
            title=f"{ind.title}",
            unit=ind.unit,
            decimals=ind.decimals,
            benchmark="rest_nl" if benchmark else None,
        )

    def explorer(self, indicator: str = "bijstand", areas=("Heerlen",)):
        """A small interactive explorer for a notebook (ipywidgets): choose an indicator and areas, see the chart and
        the table. Returns the widget; `explorer.update()` redraws it (the widgets call it on every change)."""
        import ipywidgets as widgets

        catalogue = self.indicators.table
        choose_indicator = widgets.Dropdown(
            options=list(zip(catalogue["titel"], catalogue["id"])),
            value=self.indicators.resolve(indicator),
            description="Indicator",
        )
        names = list(self.areas["naam"])
        choose_areas = widgets.SelectMultiple(
            options=names,
            value=tuple(self.areas.set_index("code").loc[[self.area_code(a) for a in areas], "naam"]),
            description="Gebieden",
            rows=8,
        )
        output = widgets.Output()

        def update(*_):
            output.outputs = ()  # the widget's own outputs: the same with or without a running kernel
            if not choose_areas.value:
                output.append_stdout("Kies een of meer gebieden.\n")
                return
            output.append_display_data(self.chart(choose_indicator.value, list(choose_areas.value)))
            output.append_display_data(self.series(choose_indicator.value, list(choose_areas.value)))

        choose_indicator.observe(update, names="value")
        choose_areas.observe(update, names="value")
        box = widgets.VBox([widgets.HBox([choose_indicator, choose_areas]), output])
        box.update, box.indicator, box.areas, box.output = update, choose_indicator, choose_areas, output
        update()
        return box

    def _benchmark_name(self, code: str) -> str:
        return "de rest van Nederland" if code == "rest_nl" else self.regions.benchmarks.get(code, code)

    def _repr_html_(self) -> str:
        demo = (
            '<p style="color:#7a4d00"><strong>DEMODATA: verzonnen cijfers.</strong></p>' if self.processed.demo else ""
        )
        edition = f" (editie {self.processed.edition})" if self.processed.edition else ""
        return (
            str(
                Markup("<p><strong>Trendbreuk-werkboek</strong>: dataset {}{}, regio {}, {} indicatoren.</p>").format(
                    self.processed.info.get("dataset", ""), edition, self.region.name, len(self.indicators)
                )
            )
            + demo
            + "<p>Begin met <code>wb.indicators.find('bijstand')</code>, <code>wb.series(...)</code>, "
            "<code>wb.gap(...)</code>, <code>wb.ranking(...)</code>, <code>wb.chart(...)</code>; "
            "tabellen: <code>wb.indicator_values</code>, <code>wb.gaps</code>, <code>wb.assessments</code>, ...</p>"
        )

    def __repr__(self) -> str:
        return (
            f"<Trendbreuk-werkboek: dataset {self.processed.info.get('dataset')}, regio {self.region.name}, "
            f"{len(self.indicators)} indicatoren{', DEMODATA' if self.processed.demo else ''}>"
        )


def open_workbook(dataset: str | None = None, region: str | None = None, *, root: Path | None = None) -> Workbook:
    """The processed tables of `dataset` (default: config/sources.yaml's default_dataset; "demo@2024" for a saved
    edition) for `region` (default: config/regions.yaml's default_region), as a Workbook."""
    try:
        processed = load_processed(dataset, root=root)
    except FileNotFoundError as err:
        raise NotFound(f"{err}") from None
    configuration = processed.configuration(root)
    regions = configuration.regions
    return Workbook(processed, regions, configuration.catalogue, regions.region(region))
